// A streamed call's request: fragments handed from the I/O thread to the thread that decodes them.
#include "request_stream.h"

#include <string>

#include "midlrt/ndr/error.h"
#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc::detail {

RequestStream::RequestStream(std::weak_ptr<ServerConn> conn, std::vector<uint8_t>& window, size_t windowBytes,
                             size_t needLimit)
    : conn_(std::move(conn)), window_(window), windowBytes_(windowBytes), needLimit_(needLimit) {}

ndr::DecoderSource::Window RequestStream::next(std::size_t consumed, std::size_t need) {
  if (need > needLimit_)
    throw ndr::DecodeError("a streamed request needs " + std::to_string(need) +
                           " bytes at once, more than the largest request accepted (" +
                           std::to_string(needLimit_) + ")");
  std::unique_lock lk(mu_);
  window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(consumed));
  for (;;) {
    if (!incoming_.empty()) {
      if (window_.empty()) {
        window_.swap(incoming_);  // the I/O thread appends into the window's old capacity
      } else {
        window_.insert(window_.end(), incoming_.begin(), incoming_.end());
        incoming_.clear();
      }
      resumeLocked(lk);
    }
    if (window_.size() >= need || complete_) break;
    if (aborted_) throw RpcError(status::kCallCancelled, "the call was cancelled while its request arrived");
    cv_.wait(lk);
  }
  return {window_.data(), window_.size()};
}

bool RequestStream::feed(const uint8_t* data, size_t size, bool last) {
  std::lock_guard lk(mu_);
  if (last) complete_ = true;
  if (finished_ || aborted_) return false;
  incoming_.insert(incoming_.end(), data, data + size);
  cv_.notify_one();
  if (last || incoming_.size() < windowBytes_) return false;
  pausedConn_ = true;
  return true;
}

void RequestStream::abort() {
  std::lock_guard lk(mu_);
  aborted_ = true;
  cv_.notify_one();
}

void RequestStream::finish() {
  std::unique_lock lk(mu_);
  finished_ = true;
  std::vector<uint8_t>().swap(incoming_);
  resumeLocked(lk);
}

void RequestStream::resumeLocked(std::unique_lock<std::mutex>& lk) {
  if (!pausedConn_) return;
  pausedConn_ = false;
  std::shared_ptr<ServerConn> c = conn_.lock();
  if (!c) return;
  lk.unlock();
  c->server->resumeReading(c);
  lk.lock();
}

}  // namespace midlrt::rpc::detail
