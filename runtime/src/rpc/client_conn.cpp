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

bool ClientConn::send(iovec* iov, int count) {
  std::lock_guard lk(sendMu);
  if (broken) return false;
  if (corks > 0) {
    for (int i = 0; i < count; ++i) out.appendCopy(iov[i].iov_base, iov[i].iov_len);
    return true;
  }
  if (!flushLocked()) return false;
  if (!writeAll(fd, iov, count)) broken = true;
  return !broken;
}

bool ClientConn::sendNow(iovec* iov, int count) {
  std::lock_guard lk(sendMu);
  if (broken || !flushLocked()) return false;
  if (!writeAll(fd, iov, count)) broken = true;
  return !broken;
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
