// The server's I/O thread: one epoll loop that accepts and adopts connections, reads PDUs off each and hands
// them on, and closes connections.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc::detail {

namespace {
constexpr size_t kReadBufferSize =
    128 * 1024;  // two maximal fragments: a partial PDU always fits after compaction
}  // namespace

thread_local constinit const ServerImpl* tlsIoServer = nullptr;

ServerImpl::ServerImpl(ServerOptions o) : opts(o) {
  if (opts.maxFrag < pdu::kMinFragSize) opts.maxFrag = pdu::kMinFragSize;
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
    int timeout = draining ? 10 : -1;
    int n = ::epoll_wait(epfd, evs, 256, timeout);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      uint64_t id = evs[i].data.u64;
      if (id == kWakeId) {
        uint64_t v;
        ssize_t rc = ::read(evfd, &v, sizeof v);
        (void)rc;
        std::vector<int> fds;
        {
          std::lock_guard lk(adoptMu);
          fds.swap(adopted);
        }
        for (int fd : fds) addConnection(fd, std::string());
        if (stopping && !draining) beginDrain();
      } else if (id < kFirstConnId) {
        int lfd;
        std::string secAddr;
        {
          std::lock_guard lk(listenMu);
          lfd = listeners[id - 1].fd;
          secAddr = listeners[id - 1].secondaryAddress;
        }
        if (lfd < 0) continue;
        int fd;
        while ((fd = acceptFrom(lfd)) >= 0) addConnection(fd, secAddr);
      } else {
        auto it = conns.find(id);
        if (it == conns.end()) continue;
        std::shared_ptr<ServerConn> c = it->second;
        if (evs[i].events & EPOLLOUT) onWritable(c);
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) onReadable(c);
      }
    }
    if (draining && (drained() || std::chrono::steady_clock::now() >= drainDeadline)) {
      finishDrain();
      break;
    }
  }
  tlsIoServer = nullptr;
}

void ServerImpl::addConnection(int fd, const std::string& secAddr) {
  auto c = std::make_shared<ServerConn>();
  c->active.reserve(128);
  c->server = this;
  c->id = nextConnId++;
  c->fd = fd;
  c->secondaryAddress = secAddr;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = c->id;
  if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    return;
  }
  conns.emplace(c->id, std::move(c));
  connCount.fetch_add(1);
}

void ServerImpl::closeConnection(const std::shared_ptr<ServerConn>& c) {
  std::unordered_map<uint32_t, std::shared_ptr<ServerCall>> calls;
  {
    std::lock_guard lk(c->mu);
    if (c->closed) return;
    c->closed = true;
    c->out.clear();
    calls.swap(c->active);
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    c->fd = -1;
  }
  c->partial.clear();
  c->contexts.clear();  // drops the dispatchers: calls a stub still holds must not keep them alive in a cycle
  c->rbuf.reset();
  for (auto& [id, call] : calls) call->markCancelled(true);
  if (c->association) {
    c->association->runCloseHooks();
    leaveGroup(c->association->group());
  }
  conns.erase(c->id);
  connCount.fetch_sub(1);
}

void ServerImpl::onWritable(const std::shared_ptr<ServerConn>& c) {
  std::lock_guard lk(c->mu);
  c->flushLocked();
  if (c->out.empty() && c->pollOut && !c->closed) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c->id;
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->pollOut = false;
  }
}

void ServerImpl::onReadable(const std::shared_ptr<ServerConn>& c) {
  if (!c->rbuf) c->rbuf.reset(new uint8_t[kReadBufferSize]);
  ssize_t n;
  do {
    n = ::recv(c->fd, c->rbuf.get() + c->rend, kReadBufferSize - c->rend, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n <= 0) {
    closeConnection(c);
    return;
  }
  c->rend += static_cast<size_t>(n);
  {
    std::lock_guard lk(c->mu);
    c->batching = true;
  }
  bool ok = true;
  while (ok) {
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
    try {
      ok = checkFragLength(c, v) && handlePdu(c, v);
    } catch (...) {
      ok = false;  // protocol violation, or memory exhausted by what the peer asked for
    }
    c->rbeg += v.header.fragLength;
  }
  if (!ok) {
    closeAfterAnswer(c);
    return;
  }
  // Keep the partial PDU (at most one fragment) at the front so the buffer always has room for the rest.
  size_t left = c->rend - c->rbeg;
  if (left != 0 && c->rbeg != 0) std::memmove(c->rbuf.get(), c->rbuf.get() + c->rbeg, left);
  c->rbeg = 0;
  c->rend = left;
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
    uint16_t contextId = static_cast<uint16_t>(v.data[20] | v.data[21] << 8);
    c->sendRefusal(v.header.callId, contextId, status::kProtoError);
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
      return handleRequest(c, v);
    case pdu::PType::kCoCancel:
    case pdu::PType::kOrphaned: {
      bool orphaned = v.header.type == pdu::PType::kOrphaned;
      if (orphaned) c->partial.erase(v.header.callId);
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
    case pdu::PType::kShutdown:
      return true;
    default:
      return false;  // client-bound PDU types, or garbage
  }
}

}  // namespace midlrt::rpc::detail
