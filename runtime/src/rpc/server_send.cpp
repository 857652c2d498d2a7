// Sending a call's response or fault: the header written in place in the response's headroom, fragments
// when the body exceeds the connection's max_xmit_frag, and writes batched while the I/O thread reads.
#include <sys/epoll.h>

#include <algorithm>
#include <vector>

#include "server_impl.h"

namespace midlrt::rpc::detail {

namespace {
constexpr size_t kCopyLimit = 8 * 1024;  // responses up to this size are copied into the send arena
}  // namespace

void ServerConn::flushLocked() {
  if (closed || out.empty()) return;
  const size_t before = out.pendingBytes();
  auto r = out.flush(fd);
  if (out.pendingBytes() < before) {
    sendProgress = std::chrono::steady_clock::now();
    drainedCv.notify_all();
  }
  if (r == OutQueue::Result::kWouldBlock && !pollOut) {
    pollOut = true;
    updateEventsLocked();
  } else if (r == OutQueue::Result::kError) {
    out.clear();  // the I/O thread sees the error (EPOLLERR, or its next read) and closes
  }
}

void ServerConn::updateEventsLocked() {
  if (closed) return;
  epoll_event ev{};
  ev.events = (pausedLocked() ? 0u : uint32_t{EPOLLIN}) | (pollOut ? uint32_t{EPOLLOUT} : 0u);
  ev.data.u64 = id;
  ::epoll_ctl(server->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void ServerConn::flushMaybeLocked() {
  // While the I/O thread works through a read buffer, its responses are written together afterwards.
  if (batching && tlsIoServer == server) return;
  flushLocked();
}

void ServerConn::sendResponse(ServerCall& call) {
  ndr::Buffer& st = call.response_.buffer();
  size_t headroom = call.response_.headroom();
  size_t n = call.response_.size();
  std::lock_guard lk(mu);
  auto it = active.find(call.callId_);
  if (it != active.end() && it->second.get() == &call) active.erase(it);
  if (closed || call.orphaned_.load()) return;
  size_t maxBody = (size_t{xmitFrag} - pdu::kResponseHeaderSize) & ~size_t{7};
  pdu::Response r;
  r.contextId = call.contextId_;
  if (call.responseStarted_) {
    // The rest of a streamed response: alloc_hint 0 in every fragment, as in those already sent.
    std::shared_ptr<const void> keep = call.shared_from_this();
    const uint8_t* body = st.data() + headroom;
    size_t off = 0;
    do {
      size_t len = std::min(maxBody, n - off);
      uint8_t h[pdu::kResponseHeaderSize];
      pdu::encodeResponseHeader(h, off + len == n ? pdu::kLastFrag : 0, call.callId_, r, len);
      out.appendCopy(h, sizeof h);
      if (len != 0) out.appendRef(body + off, len, keep);
      off += len;
    } while (off < n);
  } else if (n <= maxBody) {
    r.allocHint = static_cast<uint32_t>(n);
    uint8_t* body = st.data() + headroom;
    if (headroom >= pdu::kResponseHeaderSize) {
      uint8_t* h = body - pdu::kResponseHeaderSize;
      pdu::encodeResponseHeader(h, pdu::kFirstFrag | pdu::kLastFrag, call.callId_, r, n);
      if (n + pdu::kResponseHeaderSize <= kCopyLimit) {
        out.appendCopy(h, n + pdu::kResponseHeaderSize);
      } else {
        out.appendRef(h, n + pdu::kResponseHeaderSize, call.shared_from_this());
      }
    } else {
      uint8_t h[pdu::kResponseHeaderSize];
      pdu::encodeResponseHeader(h, pdu::kFirstFrag | pdu::kLastFrag, call.callId_, r, n);
      out.appendCopy(h, sizeof h);
      out.appendCopy(body, n);
    }
  } else {
    std::shared_ptr<const void> keep = call.shared_from_this();
    const uint8_t* body = st.data() + headroom;
    for (size_t off = 0; off < n; off += maxBody) {
      size_t len = std::min(maxBody, n - off);
      uint8_t flags =
          static_cast<uint8_t>((off == 0 ? pdu::kFirstFrag : 0) | (off + len == n ? pdu::kLastFrag : 0));
      r.allocHint = static_cast<uint32_t>(n - off);
      uint8_t h[pdu::kResponseHeaderSize];
      pdu::encodeResponseHeader(h, flags, call.callId_, r, len);
      out.appendCopy(h, sizeof h);
      out.appendRef(body + off, len, keep);
    }
  }
  flushMaybeLocked();
}

size_t ServerConn::maxResponseBody() {
  std::lock_guard lk(mu);
  return (size_t{xmitFrag} - pdu::kResponseHeaderSize) & ~size_t{7};
}

bool ServerConn::sendResponsePart(ServerCall& call, const uint8_t* body, size_t n) {
  std::unique_lock lk(mu);
  if (closed || call.orphaned_.load()) return false;
  const size_t maxBody = (size_t{xmitFrag} - pdu::kResponseHeaderSize) & ~size_t{7};
  pdu::Response r;
  r.contextId = call.contextId_;
  r.allocHint = 0;  // the length is not known yet (MS-RPCE 2.2.2.x, "alloc_hint Interpretation")
  for (size_t off = 0; off < n; off += maxBody) {
    const size_t len = std::min(maxBody, n - off);
    uint8_t h[pdu::kResponseHeaderSize];
    uint8_t flags = !call.responseStarted_ && off == 0 ? pdu::kFirstFrag : 0;
    pdu::encodeResponseHeader(h, flags, call.callId_, r, len);
    out.appendCopy(h, sizeof h);
    out.appendCopy(body + off, len);  // the encoder reuses its buffer at once
  }
  call.responseStarted_ = true;
  flushLocked();
  // Flow control: the manager's push waits while the peer has not taken what is queued.
  const size_t limit = server->opts.maxUnsentResponseBytes;
  drainedCv.wait(lk, [&] { return closed || call.orphaned_.load() || out.pendingBytes() <= limit; });
  return !closed && !call.orphaned_.load();
}

void ServerConn::sendFault(ServerCall& call, uint32_t status, uint8_t flags) {
  std::vector<uint8_t> bytes;
  pdu::Fault f;
  f.contextId = call.contextId_;
  f.status = status;
  pdu::encodeFault(bytes, call.callId_, f, flags);
  std::lock_guard lk(mu);
  auto it = active.find(call.callId_);
  if (it != active.end() && it->second.get() == &call) active.erase(it);
  if (closed || call.orphaned_.load()) return;
  out.appendCopy(bytes.data(), bytes.size());
  flushMaybeLocked();
}

void ServerConn::sendRefusal(uint32_t callId, uint16_t contextId, uint32_t status) {
  std::vector<uint8_t> bytes;
  pdu::Fault f;
  f.contextId = contextId;
  f.status = status;
  pdu::encodeFault(bytes, callId, f, pdu::kDidNotExecute);
  std::lock_guard lk(mu);
  if (closed) return;
  out.appendCopy(bytes.data(), bytes.size());
  flushMaybeLocked();
}

}  // namespace midlrt::rpc::detail
