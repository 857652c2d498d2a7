// A streamed call's request: fragments handed from the I/O thread to the thread that decodes them.
#include "request_stream.h"

#include <cstring>
#include <string>

#include "midlrt/ndr/error.h"
#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc::detail {

RequestStream::RequestStream(std::weak_ptr<ServerConn> conn, std::vector<uint8_t>& window, size_t windowBytes,
                             size_t needLimit)
    : conn_(std::move(conn)), window_(window), windowBytes_(windowBytes), needLimit_(needLimit) {
  incoming_.resize(kHeadroom);
}

ndr::DecoderSource::Window RequestStream::next(std::size_t consumed, std::size_t need) {
  if (need > needLimit_)
    throw ndr::DecodeError("a streamed request needs " + std::to_string(need) +
                           " bytes at once, more than the largest request accepted (" +
                           std::to_string(needLimit_) + ")");
  start_ += consumed;
  std::unique_lock lk(mu_);
  if (!neverWait_)
    if (std::shared_ptr<ServerConn> c = conn_.lock(); c && tlsIoServer == c->server)
      throw RpcError(status::kCallFailed,
                     "a streamed pipe pulled on the server's I/O thread would wait forever");
  for (;;) {
    if (incoming_.size() > kHeadroom) {
      const size_t left = window_.size() - start_;
      if (left <= kHeadroom) {
        // The few bytes not consumed go in front of what came, and that buffer becomes the window: what
        // came is not copied again.
        std::memcpy(incoming_.data() + kHeadroom - left, window_.data() + start_, left);
        window_.swap(incoming_);
        start_ = kHeadroom - left;
      } else {
        window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(start_));
        window_.insert(window_.end(), incoming_.begin() + kHeadroom, incoming_.end());
        start_ = 0;
      }
      incoming_.resize(kHeadroom);  // the I/O thread appends after the headroom, into the old capacity
      resumeLocked(lk);
    }
    if (aborted_) throw RpcError(status::kCallCancelled, "the call was cancelled while its request arrived");
    if (window_.size() - start_ >= need || complete_ || neverWait_) break;
    cv_.wait(lk);
  }
  return {window_.data() + start_, window_.size() - start_};
}

bool RequestStream::feed(const uint8_t* data, size_t size, bool last) {
  std::lock_guard lk(mu_);
  if (last) complete_ = true;
  if (finished_ || aborted_) return false;
  incoming_.insert(incoming_.end(), data, data + size);
  if (last || incoming_.size() - kHeadroom < windowBytes_) return false;
  pausedConn_ = true;
  return true;
}

void RequestStream::tellChanged() {
  std::function<void()> changed;
  {
    std::lock_guard lk(mu_);
    changed = changed_;
  }
  // Outside the lock: a reader woken while it is held would preempt this thread only to wait for it.
  cv_.notify_one();
  if (changed) changed();
}

void RequestStream::abort() {
  std::function<void()> changed;
  {
    std::lock_guard lk(mu_);
    aborted_ = true;
    cv_.notify_one();
    changed = changed_;
  }
  if (changed) changed();
}

void RequestStream::neverWait(std::function<void()> changed) {
  std::lock_guard lk(mu_);
  neverWait_ = true;
  changed_ = std::move(changed);
}

bool RequestStream::taken() {
  std::lock_guard lk(mu_);
  return complete_ && incoming_.size() <= kHeadroom;
}

void RequestStream::finish() {
  std::unique_lock lk(mu_);
  finished_ = true;
  changed_ = nullptr;
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
