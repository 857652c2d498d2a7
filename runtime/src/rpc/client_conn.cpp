// One client connection's writes: at once with writev, or queued while corked and written together when the
// last cork goes; a write error marks the connection broken.
#include <poll.h>
#include <unistd.h>

#include <vector>

#include "channel_impl.h"

namespace midlrt::rpc::detail {

ClientConn::~ClientConn() {
  ::close(fd);
}

bool ClientConn::writeLocked(iovec* iov, int count, bool now) {
  if (broken) return false;
  if (corks > 0 && !now) {
    for (int i = 0; i < count; ++i) out.appendCopy(iov[i].iov_base, iov[i].iov_len);
    return true;
  }
  if (!flushLocked()) return false;
  if (!writeAll(fd, iov, count, steer)) broken = true;
  return !broken;
}

bool ClientConn::send(iovec* iov, int count) {
  std::lock_guard lk(sendMu);
  return writeLocked(iov, count, false);
}

bool ClientConn::sendNow(iovec* iov, int count) {
  std::lock_guard lk(sendMu);
  return writeLocked(iov, count, true);
}

bool ClientConn::sendRequests(iovec* iov, int count, bool now) {
  if (protectionOverhead() == 0) return now ? sendNow(iov, count) : send(iov, count);
  std::lock_guard lk(sendMu);
  gathered_.clear();
  for (int i = 0; i < count; ++i) {
    auto* p = static_cast<const uint8_t*>(iov[i].iov_base);
    gathered_.insert(gathered_.end(), p, p + iov[i].iov_len);
  }
  sealed_.clear();
  for (size_t at = 0; at + pdu::kHeaderSize <= gathered_.size();) {
    const uint8_t* h = gathered_.data() + at;
    const size_t frag = static_cast<size_t>(h[8] | h[9] << 8);  // laid out by this runtime: consistent
    const size_t start = sealed_.size();
    sealed_.insert(sealed_.end(), h, h + frag);
    if (!security->protect(sealed_, start, requestStubOffset(h[3]))) {
      broken = true;
      return false;
    }
    at += frag;
  }
  iovec one{sealed_.data(), sealed_.size()};
  const bool ok = writeLocked(&one, 1, now);
  releaseIfLarge(gathered_);
  releaseIfLarge(sealed_);
  return ok;
}

bool ClientConn::flushLocked() {
  while (!broken && !out.empty()) {
    auto r = out.flush(fd);
    if (r == OutQueue::Result::kError) {
      broken = true;
    } else if (r == OutQueue::Result::kWouldBlock) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, -1);
      if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) broken = true;
    }
  }
  if (broken) out.clear();
  return !broken;
}

void ClientConn::cork() {
  std::lock_guard lk(sendMu);
  ++corks;
}

bool ClientConn::uncork() {
  std::lock_guard lk(sendMu);
  if (--corks > 0) return true;
  return flushLocked();
}

void ClientConn::sendBare(pdu::PType type, uint32_t callId) {
  std::vector<uint8_t> b;
  pdu::encodeBare(b, type, pdu::kFirstFrag | pdu::kLastFrag, callId);
  iovec iov{b.data(), b.size()};
  send(&iov, 1);
}

}  // namespace midlrt::rpc::detail
