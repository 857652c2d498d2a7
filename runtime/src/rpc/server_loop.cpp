// The server's I/O thread: one epoll loop that accepts and adopts connections, reads PDUs off each and hands
// them on, and closes connections.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc::detail {

namespace {
constexpr size_t kReadBufferSize =
    132 * 1024;  // two maximal fragments and a page: a partial PDU always fits after compaction
constexpr int kPdusPerTurn = 64;     // PDUs one connection may have handled before the others get a turn
constexpr int kReadsPerTurn = 4;     // full buffers one connection may read before the others get a turn
constexpr int kAcceptsPerTurn = 64;  // connections accepted from one listener per turn
constexpr std::chrono::milliseconds kAcceptRetry{250};  // out of descriptors: try accepting again after this
constexpr std::chrono::milliseconds kSweepMin{10};      // the finest granularity of the timeouts
}  // namespace

thread_local constinit const ServerImpl* tlsIoServer = nullptr;

ServerImpl::ServerImpl(ServerOptions o) : opts(o) {
  if (opts.maxFrag < pdu::kMinFragSize) opts.maxFrag = pdu::kMinFragSize;
  // A connection may always hold one request of the largest size.
  opts.maxReassemblyBytesPerConnection = std::max(opts.maxReassemblyBytesPerConnection, opts.maxRequestSize);
  epfd = ::epoll_create1(EPOLL_CLOEXEC);
  evfd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd < 0 || evfd < 0)
    throw RpcError(status::kCallFailed, "epoll/eventfd: " + std::string(std::strerror(errno)));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeId;
  ::epoll_ctl(epfd, EPOLL_CTL_ADD, evfd, &ev);
}

ServerImpl::~ServerImpl() {
  shutdown();
  ::close(epfd);
  ::close(evfd);
}

void ServerImpl::wake() {
  uint64_t one = 1;
  ssize_t rc = ::write(evfd, &one, sizeof one);
  (void)rc;
}

void ServerImpl::ensureStarted() {
  // lifeMu held by the caller
  if (running) return;
  if (stopping) throw RpcError(status::kServerTooBusy, "server is shut down");
  running = true;
  io = std::thread([this] { loop(); });
  for (unsigned i = 0; i < opts.workerThreads; ++i) workers.emplace_back([this] { workerLoop(); });
}

void ServerImpl::loop() {
  tlsIoServer = this;
  epoll_event evs[256];
  while (true) {
    int n = ::epoll_wait(epfd, evs, 256, waitTimeoutMs(std::chrono::steady_clock::now()));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      uint64_t id = evs[i].data.u64;
      if (id == kWakeId) {
        uint64_t v;
        ssize_t rc = ::read(evfd, &v, sizeof v);
        (void)rc;
        std::vector<int> fds;
        std::vector<std::weak_ptr<ServerConn>> again;
        {
          std::lock_guard lk(adoptMu);
          fds.swap(adopted);
          again.swap(resumed);
        }
        for (int fd : fds) addConnection(fd, std::string());
        for (auto& weak : again) {
          std::shared_ptr<ServerConn> c = weak.lock();
          if (!c || c->fd < 0) continue;
          {
            std::lock_guard lk(c->mu);
            c->streamPaused = false;
            c->updateEventsLocked();
          }
          if (!c->inReady) processBuffer(c);  // the PDUs that waited in the buffer, then the socket's
        }
        if (stopping && !draining) beginDrain();
      } else if (id < kFirstConnId) {
        acceptOn(id);
      } else {
        auto it = conns.find(id);
        if (it == conns.end()) continue;
        std::shared_ptr<ServerConn> c = it->second;
        if (evs[i].events & EPOLLOUT) onWritable(c);
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) onReadable(c, evs[i].events);
      }
    }
    // Connections that had more whole PDUs than one turn's share: another share each, in turn.
    if (!ready.empty()) {
      std::vector<std::shared_ptr<ServerConn>> turn;
      turn.swap(ready);
      for (auto& c : turn) {
        c->inReady = false;
        if (c->fd >= 0) processBuffer(c);
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (acceptPaused && now >= acceptRetry) setAccepting(true);
    if (now >= nextSweep) sweepTimeouts(now);
    if (draining && (drained() || now >= drainDeadline)) {
      finishDrain();
      break;
    }
  }
  tlsIoServer = nullptr;
}

int ServerImpl::waitTimeoutMs(std::chrono::steady_clock::time_point now) const {
  if (!ready.empty()) return 0;
  auto until = [&](std::chrono::steady_clock::time_point t) {
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(t - now).count();
    return static_cast<int>(std::clamp<int64_t>(ms, 0, 60000));
  };
  int timeout = draining ? 10 : -1;
  auto sooner = [&](int t) { timeout = timeout < 0 ? t : std::min(timeout, t); };
  if (acceptPaused) sooner(until(acceptRetry));
  if (!conns.empty() && (opts.readTimeout.count() > 0 || opts.idleTimeout.count() > 0))
    sooner(until(nextSweep));
  return timeout;
}

void ServerImpl::acceptOn(uint64_t listenerId) {
  int lfd;
  std::string secAddr;
  {
    std::lock_guard lk(listenMu);
    lfd = listeners[listenerId - 1].fd;
    secAddr = listeners[listenerId - 1].secondaryAddress;
  }
  if (lfd < 0) return;
  // A bounded number per turn: the listener stays readable (level-triggered) while more wait.
  for (int i = 0; i < kAcceptsPerTurn; ++i) {
    int fd = acceptFrom(lfd);
    if (fd >= 0) {
      addConnection(fd, secAddr);
      continue;
    }
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      // No descriptor (or memory) to accept with, and the pending connection keeps the listener readable:
      // polling it now would spin. Stop until a connection closes, or kAcceptRetry passes (descriptors the
      // rest of the process frees). Clients wait in the backlog meanwhile; connections open are served.
      setAccepting(false);
    }
    break;  // EAGAIN, or a connection that went away before it was accepted
  }
}

void ServerImpl::setAccepting(bool on) {
  if (!on) acceptRetry = std::chrono::steady_clock::now() + kAcceptRetry;
  if (acceptPaused == !on) return;
  acceptPaused = !on;
  std::lock_guard lk(listenMu);
  for (size_t i = 0; i < listeners.size(); ++i) {
    if (listeners[i].fd < 0) continue;
    epoll_event ev{};
    ev.events = on ? uint32_t{EPOLLIN} : 0u;
    ev.data.u64 = i + 1;
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, listeners[i].fd, &ev);
  }
}

void ServerImpl::sweepTimeouts(std::chrono::steady_clock::time_point now) {
  using std::chrono::milliseconds;
  if (opts.readTimeout.count() <= 0 && opts.idleTimeout.count() <= 0) {
    nextSweep = std::chrono::steady_clock::time_point::max();
    return;
  }
  // Looked at a few times per timeout, at most once per kSweepMin, at least once per second.
  milliseconds every{1000};
  for (milliseconds t : {opts.readTimeout, opts.idleTimeout})
    if (t.count() > 0) every = std::min(every, std::max(kSweepMin, t / 4));
  nextSweep = now + every;
  std::vector<std::shared_ptr<ServerConn>> expired;
  for (auto& [id, c] : conns) {
    bool paused, busy, sendStalled;
    {
      std::lock_guard lk(c->mu);
      paused = c->pausedLocked();
      busy = !c->active.empty() || !c->out.empty();
      sendStalled =
          opts.readTimeout.count() > 0 && !c->out.empty() && now - c->sendProgress > opts.readTimeout;
    }
    if (sendStalled) {
      // The peer takes nothing of what waits for it (it may still be sending requests).
      expired.push_back(c);
      continue;
    }
    if (paused || c->inReady) {
      // Waiting on us, not on the peer.
      c->stallSince = c->lastActivity = now;
      continue;
    }
    if (opts.readTimeout.count() > 0 && c->midRequest && now - c->stallSince > opts.readTimeout) {
      expired.push_back(c);
      continue;
    }
    if (busy || c->midRequest) {
      c->lastActivity = now;
    } else if (opts.idleTimeout.count() > 0 && now - c->lastActivity > opts.idleTimeout) {
      expired.push_back(c);
    }
  }
  for (auto& c : expired) closeConnection(c);
}

void ServerImpl::addConnection(int fd, const std::string& secAddr) {
  auto c = std::make_shared<ServerConn>();
  c->active.reserve(128);
  c->server = this;
  c->id = nextConnId++;
  c->fd = fd;
  c->secondaryAddress = secAddr;
  c->caller = callerOf(fd, secAddr.empty());  // adopted socket pairs have no endpoint
  c->out.steerSlowCopies(c->caller.transport == CallerInfo::Transport::kTcp);
  c->lastActivity = c->stallSince = c->sendProgress = std::chrono::steady_clock::now();
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = c->id;
  if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    return;
  }
  if (conns.empty()) nextSweep = c->lastActivity;
  conns.emplace(c->id, std::move(c));
  connCount.fetch_add(1);
}

void ServerImpl::closeConnection(const std::shared_ptr<ServerConn>& c) {
  std::unordered_map<uint32_t, std::shared_ptr<ServerCall>> calls;
  {
    std::lock_guard lk(c->mu);
    if (c->closed) return;
    c->closed = true;
    c->drainedCv.notify_all();
    c->out = OutQueue();  // its memory too: calls a manager still holds keep this object alive
    calls.swap(c->active);
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    c->fd = -1;
  }
  reassemblyBytes -= c->reassemblyBytes;
  c->reassemblyBytes = 0;
  std::unordered_map<uint32_t, Partial>().swap(c->partial);
  c->streams.clear();
  c->contexts.clear();  // drops the dispatchers: calls a stub still holds must not keep them alive in a cycle
  c->rbuf.reset();
  for (auto& [id, call] : calls) call->markCancelled(true);
  if (c->association) {
    c->association->runCloseHooks();
    leaveGroup(c->association->group());
  }
  conns.erase(c->id);
  connCount.fetch_sub(1);
  if (acceptPaused) setAccepting(true);  // a descriptor is free again
}

void ServerImpl::resumeReading(const std::shared_ptr<ServerConn>& c) {
  {
    std::lock_guard lk(adoptMu);
    resumed.push_back(c);
  }
  wake();
}

void ServerImpl::onWritable(const std::shared_ptr<ServerConn>& c) {
  bool resume = false;
  {
    std::lock_guard lk(c->mu);
    c->flushLocked();
    if (c->closed) return;
    if (c->out.empty()) c->pollOut = false;
    if (c->readPaused && c->out.pendingBytes() <= opts.maxUnsentResponseBytes / 2) {
      c->readPaused = false;
      resume = !c->streamPaused;
    }
    c->updateEventsLocked();
  }
  if (resume) processBuffer(c);  // the requests that waited in the buffer, then the socket's again
}

void ServerImpl::onReadable(const std::shared_ptr<ServerConn>& c, uint32_t events) {
  if (c->inReady) return;  // its buffered PDUs first: they get their turn after this round of events
  bool paused;
  {
    std::lock_guard lk(c->mu);
    paused = c->pausedLocked();
  }
  if (paused) {
    if (events & (EPOLLHUP | EPOLLERR)) closeConnection(c);  // the peer is gone: nothing will drain
    return;
  }
  if (!c->rbuf) c->rbuf = makeReadBuffer(kReadBufferSize);
  // A read that fills the buffer has probably left more in the socket (a large request): the connection
  // reads again at once rather than after another epoll_wait, a few times before the others get a turn.
  for (int round = 0; round < kReadsPerTurn; ++round) {
    if (round != 0) {
      if (c->inReady || !c->rbuf) return;  // PDUs wait for their turn, or the connection was closed
      std::lock_guard lk(c->mu);
      if (c->pausedLocked()) return;
    }
    const size_t room = kReadBufferSize - c->rend;
    ssize_t n;
    do {
      n = ::recv(c->fd, c->rbuf.get() + c->rend, room, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      closeConnection(c);
      return;
    }
    c->rend += static_cast<size_t>(n);
    processBuffer(c);
    if (static_cast<size_t>(n) < room) return;
  }
}

bool ServerImpl::pauseIfBacklogged(ServerConn& c) {
  std::lock_guard lk(c.mu);
  if (c.streamPaused) return true;  // a streamed call's manager has to catch up first
  if (c.out.pendingBytes() <= opts.maxUnsentResponseBytes) return false;
  c.flushLocked();
  if (c.out.pendingBytes() <= opts.maxUnsentResponseBytes) return false;
  // The peer does not take its responses: leave its requests in the buffer and the socket (the kernel then
  // stops the peer), until onWritable sees the queue drain.
  c.readPaused = true;
  c.updateEventsLocked();
  return true;
}

void ServerImpl::processBuffer(const std::shared_ptr<ServerConn>& c) {
  {
    std::lock_guard lk(c->mu);
    c->batching = true;
  }
  bool ok = true;
  bool progressed = false;
  int budget = kPdusPerTurn;
  while (ok) {
    if (pauseIfBacklogged(*c)) break;
    pdu::View v;
    v.data = c->rbuf.get() + c->rbeg;
    auto hs = pdu::decodeHeader(v.data, c->rend - c->rbeg, v.header);
    if (hs == pdu::HeaderStatus::kNeedMore) break;
    if (hs != pdu::HeaderStatus::kOk) {
      if (hs == pdu::HeaderStatus::kUnsupportedVersion) refuseVersion(c, v.header);
      ok = false;
      break;
    }
    if (v.header.fragLength > c->rend - c->rbeg) break;
    if (budget-- == 0) {
      // One connection's flood must not hold up the others: the rest waits for the next turn.
      if (!c->inReady) {
        c->inReady = true;
        ready.push_back(c);
      }
      break;
    }
    try {
      ok = checkFragLength(c, v) && handlePdu(c, v);
    } catch (...) {
      ok = false;  // protocol violation, or memory exhausted by what the peer asked for
    }
    c->rbeg += v.header.fragLength;
    progressed = true;
  }
  // One wake-up per stream and round: a reader woken per fragment would cost two thread switches each.
  for (std::shared_ptr<RequestStream>& s : c->fed) s->tellChanged();
  c->fed.clear();
  if (!ok) {
    closeAfterAnswer(c);
    return;
  }
  // Keep the partial PDU (at most one fragment) at the front so the buffer always has room for the rest.
  compactReadBuffer(c->rbuf.get(), c->rbeg, c->rend);
  const size_t left = c->rend - c->rbeg;
  // The read timeout runs while the peer is inside a PDU or a fragmented request, from the last PDU that
  // completed: a peer trickling bytes without ever finishing a PDU is closed all the same.
  auto now = std::chrono::steady_clock::now();
  bool mid = left != 0 || !c->partial.empty() || !c->streams.empty();
  if (progressed || (mid && !c->midRequest)) c->stallSince = now;
  c->midRequest = mid;
  c->lastActivity = now;
  std::lock_guard lk(c->mu);
  c->batching = false;
  c->flushLocked();
}

void ServerImpl::closeAfterAnswer(const std::shared_ptr<ServerConn>& c) {
  {
    std::lock_guard lk(c->mu);
    c->flushLocked();  // best effort: the socket is non-blocking, and the answer is one small PDU
  }
  uint8_t scratch[4096];
  for (int i = 0; i < 64 && ::recv(c->fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0; ++i) {
  }
  closeConnection(c);
}

bool ServerImpl::checkFragLength(const std::shared_ptr<ServerConn>& c, const pdu::View& v) {
  // C706 12.6.3.1 (max_recv_frag): a peer never sends a fragment longer than the receiver negotiated. A
  // longer request is a protocol error: a fault with nca_s_proto_error (MS-RPCE 3.3.3.5.7), at once
  // (3.3.3.5.8), then the connection closes, as Samba does. Any other PDU that long just closes it.
  size_t limit = c->recvFrag != 0 ? c->recvFrag : opts.maxFrag;
  if (v.header.fragLength <= limit) return true;
  if (v.header.type == pdu::PType::kRequest && v.header.fragLength >= pdu::kRequestHeaderSize) {
    c->sendRefusal(v.header.callId, rawRequestContextId(v), status::kProtoError);
  }
  return false;
}

bool ServerImpl::handlePdu(const std::shared_ptr<ServerConn>& c, const pdu::View& v) {
  switch (v.header.type) {
    case pdu::PType::kBind:
      if (c->bound) return false;  // a second bind on one association violates the protocol
      handleBind(c, v, false);
      return true;
    case pdu::PType::kAlterContext:
      if (!c->bound) return false;
      handleBind(c, v, true);
      return true;
    case pdu::PType::kRequest:
      return verifyRequest(*c, v) && handleRequest(c, v);
    case pdu::PType::kCoCancel:
    case pdu::PType::kOrphaned: {
      bool orphaned = v.header.type == pdu::PType::kOrphaned;
      if (orphaned) {
        dropPartial(*c, v.header.callId);
        c->streams.erase(v.header.callId);  // its client sends no more of it
      }
      std::shared_ptr<ServerCall> call;
      {
        std::lock_guard lk(c->mu);
        auto it = c->active.find(v.header.callId);
        if (it != c->active.end()) call = it->second;
      }
      if (call) call->markCancelled(orphaned);
      return true;
    }
    case pdu::PType::kAuth3:
      return handleAuth3(*c, v);
    case pdu::PType::kShutdown:
      return true;
    default:
      return false;  // client-bound PDU types, or garbage
  }
}

}  // namespace midlrt::rpc::detail
