// Sending a call's response or fault: the header written in place in the response's headroom, fragments
// when the body exceeds the connection's max_xmit_frag, and writes batched while the I/O thread reads.
#include <sys/epoll.h>
#include <sys/socket.h>

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
  afterWriteLocked(r, before);
}

void ServerConn::afterWriteLocked(OutQueue::Result r, size_t before) {
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

ConnectionSecurity* ServerConn::protectionOf(const ServerCall& call) {
  return call.security_ != nullptr && call.security_->protects() ? call.security_->context.get() : nullptr;
}

size_t ServerConn::maxResponseBody(const ServerCall& call, size_t fragment) const {
  const ConnectionSecurity* security = protectionOf(call);
  const size_t overhead = security != nullptr ? security->overhead() : 0;
  return (fragment - pdu::kResponseHeaderSize - overhead) & ~size_t{7};
}

bool ServerConn::protectFragmentLocked(ConnectionSecurity& security, const uint8_t* h,
                                       std::span<const iovec> pieces, std::vector<uint8_t>& into) {
  const size_t start = into.size();
  into.insert(into.end(), h, h + pdu::kResponseHeaderSize);
  for (const iovec& p : pieces) {
    auto* b = static_cast<const uint8_t*>(p.iov_base);
    into.insert(into.end(), b, b + p.iov_len);
  }
  if (security.protect(into, start, pdu::kResponseHeaderSize)) return true;
  // The provider failed: nothing more can be signed in order, so the connection ends (the I/O thread sees
  // the shutdown and closes it; the client fails its calls).
  into.resize(start);
  ::shutdown(fd, SHUT_RDWR);
  return false;
}

void ServerConn::appendLastFragmentsLocked(ServerCall& call, const uint8_t* body, size_t n, size_t maxBody,
                                           bool first, std::shared_ptr<const void> keep) {
  // A response sent whole announces what is left from each fragment on; a streamed one does not know
  // (alloc_hint 0: MS-RPCE 2.2.2, "alloc_hint Interpretation", allows it).
  pdu::Response r;
  r.contextId = call.contextId_;
  ConnectionSecurity* security = protectionOf(call);
  size_t off = 0;
  do {
    const size_t len = std::min(maxBody, n - off);
    uint8_t flags = 0;
    if (first && off == 0) flags |= pdu::kFirstFrag;
    if (off + len == n) flags |= pdu::kLastFrag;
    r.allocHint = first ? static_cast<uint32_t>(n - off) : 0;
    uint8_t h[pdu::kResponseHeaderSize];
    pdu::encodeResponseHeader(h, flags, call.callId_, r, len);
    if (security != nullptr) {
      const iovec piece{const_cast<uint8_t*>(body + off), len};
      sealed_.clear();
      if (!protectFragmentLocked(*security, h, {&piece, 1}, sealed_)) return;
      out.appendCopy(sealed_.data(), sealed_.size());
      releaseIfLarge(sealed_);
    } else {
      out.appendCopy(h, sizeof h);
      out.appendRef(body + off, len, keep);  // nothing for an empty body
    }
    off += len;
  } while (off < n);
}

void ServerConn::sendResponse(ServerCall& call) {
  ndr::Buffer& st = call.response_.buffer();
  size_t headroom = call.response_.headroom();
  size_t n = call.response_.size();
  std::lock_guard lk(mu);
  auto it = active.find(call.callId_);
  if (it != active.end() && it->second.get() == &call) active.erase(it);
  if (closed || call.orphaned_.load()) return;
  size_t maxBody = maxResponseBody(call, xmitFrag);
  if (!call.response_.gathered().empty()) {
    sendGatheredResponseLocked(call, maxBody);
    return;
  }
  uint8_t* body = st.data() + headroom;
  if (protectionOf(call) == nullptr && !call.responseStarted_ && n <= maxBody &&
      headroom >= pdu::kResponseHeaderSize) {
    // One fragment: the header written in place in the headroom, header and body sent as one block.
    pdu::Response r;
    r.contextId = call.contextId_;
    r.allocHint = static_cast<uint32_t>(n);
    uint8_t* h = body - pdu::kResponseHeaderSize;
    pdu::encodeResponseHeader(h, pdu::kFirstFrag | pdu::kLastFrag, call.callId_, r, n);
    if (n + pdu::kResponseHeaderSize <= kCopyLimit) {
      out.appendCopy(h, n + pdu::kResponseHeaderSize);
    } else {
      out.appendRef(h, n + pdu::kResponseHeaderSize, call.shared_from_this());
    }
  } else {
    // Fragments; after streamed ones, the rest of the response.
    appendLastFragmentsLocked(call, body, n, maxBody, !call.responseStarted_, call.shared_from_this());
  }
  flushMaybeLocked();
}

bool ServerConn::layOutResponseLocked(ServerCall& call, std::span<const iovec> pieces, size_t n,
                                      size_t maxBody, bool last) {
  pdu::Response r;
  r.contextId = call.contextId_;
  ConnectionSecurity* security = protectionOf(call);
  // A whole response announces what is left from each fragment on; a streamed one does not know (alloc_hint
  // 0: MS-RPCE 2.2.2, "alloc_hint Interpretation", allows it).
  const bool lengthKnown = last && !call.responseStarted_;
  const size_t frags = std::max<size_t>((n + maxBody - 1) / maxBody, last ? 1 : 0);
  partHeaders_.resize(frags * pdu::kResponseHeaderSize);
  partIov_.clear();
  sealed_.clear();
  for (size_t i = 0, off = 0; i < frags; ++i, off += maxBody) {
    const size_t len = std::min(maxBody, n - off);
    uint8_t* h = partHeaders_.data() + i * pdu::kResponseHeaderSize;
    uint8_t flags = 0;
    if (!call.responseStarted_ && i == 0) flags |= pdu::kFirstFrag;
    if (last && i + 1 == frags) flags |= pdu::kLastFrag;
    r.allocHint = lengthKnown ? static_cast<uint32_t>(n - off) : 0;
    pdu::encodeResponseHeader(h, flags, call.callId_, r, len);
    if (security != nullptr) {
      sliceIov_.clear();
      slicePieces(pieces, off, len, sliceIov_);
      if (!protectFragmentLocked(*security, h, sliceIov_, sealed_)) return false;
      continue;
    }
    partIov_.push_back(iovec{h, pdu::kResponseHeaderSize});
    slicePieces(pieces, off, len, partIov_);
  }
  if (security != nullptr) partIov_.push_back(iovec{sealed_.data(), sealed_.size()});
  return true;
}

void ServerConn::writeLaidOutLocked(ServerCall& call, size_t n) {
  // Written straight from the caller's memory when nothing is queued before it; what the socket does not
  // take now is copied (the caller's memory may go once this returns).
  const size_t before = out.pendingBytes();
  const size_t writing = protectionOf(call) != nullptr ? sealed_.size() : n + partHeaders_.size();
  afterWriteLocked(out.writeOrCopy(fd, partIov_.data(), partIov_.size()), before + writing);
  releaseIfLarge(sealed_);
}

void ServerConn::sendGatheredResponseLocked(ServerCall& call, size_t maxBody) {
  const size_t n = stubPieces(call.response_, gatheredPieces_);
  if (layOutResponseLocked(call, gatheredPieces_, n, maxBody, true)) writeLaidOutLocked(call, n);
  gatheredPieces_.clear();
}

size_t ServerConn::streamedResponseBody(const ServerCall& call) {
  std::lock_guard lk(mu);
  return maxResponseBody(call, segmentFittedFragment(fd, xmitFrag));
}

bool ServerConn::sendResponsePart(ServerCall& call, std::span<const iovec> pieces, size_t n, size_t maxBody) {
  std::unique_lock lk(mu);
  if (closed || call.orphaned_.load()) return false;
  if (!layOutResponseLocked(call, pieces, n, maxBody, false)) return false;
  writeLaidOutLocked(call, n);
  call.responseStarted_ = true;
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
