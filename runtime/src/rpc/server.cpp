// The RPC server: one epoll I/O thread owns every socket; calls run inline or on a worker pool.
#include "midlrt/rpc/server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <random>
#include <thread>
#include <unordered_map>

#include "io.h"
#include "midlrt/ndr/error.h"
#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc {

namespace detail {

namespace {
constexpr size_t kReadBufferSize =
    128 * 1024;                          // two maximal fragments: a partial PDU always fits after compaction
constexpr size_t kCopyLimit = 8 * 1024;  // responses up to this size are copied into the send arena
constexpr size_t kMaxTrustedAllocHint = 1u << 20;  // reserve no more up front, whatever alloc_hint says
constexpr uint64_t kWakeId = 0;
constexpr uint64_t kFirstConnId = uint64_t{1} << 32;

bool isFeatureNegotiation(const SyntaxId& s) {
  return s.uuid.data1 == 0x6cb71c2c && s.uuid.data2 == 0x9812 && s.uuid.data3 == 0x4540;
}

// Which machine a connection comes from, for joining association groups (MS-RPCE 3.3.1.5.7): the peer's IP
// address over TCP; local connections (ncalrpc, in-process) all come from this machine.
std::string peerMachine(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    return "ip4:" + std::string(reinterpret_cast<const char*>(&a->sin_addr), sizeof a->sin_addr);
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    return "ip6:" + std::string(reinterpret_cast<const char*>(&a->sin6_addr), sizeof a->sin6_addr);
  }
  return "local";
}
}  // namespace

struct Registered {
  SyntaxId id;
  uint16_t opCount;
  std::shared_ptr<Dispatcher> dispatcher;
};

struct BoundContext {
  uint16_t contextId;
  SyntaxId clientSyntax;
  std::shared_ptr<Registered> reg;
};

struct GroupEntry {
  std::shared_ptr<AssociationGroup> group;
  std::string machine;
  size_t connections = 0;
};

struct Partial {
  std::vector<uint8_t> data;
  pdu::Request request;
};

struct ServerConn : std::enable_shared_from_this<ServerConn> {
  ServerImpl* server = nullptr;
  uint64_t id = 0;
  int fd = -1;
  std::string secondaryAddress;

  // Owned by the I/O thread.
  std::unique_ptr<uint8_t[]> rbuf;
  size_t rbeg = 0;
  size_t rend = 0;
  bool bound = false;
  std::vector<BoundContext> contexts;
  std::unordered_map<uint32_t, Partial> partial;

  // Shared with completing threads, under mu.
  std::mutex mu;
  OutQueue out;
  bool closed = false;
  bool batching = false;
  bool pollOut = false;
  uint16_t xmitFrag = pdu::kMinFragSize;
  std::unordered_map<uint32_t, std::shared_ptr<ServerCall>> active;
  std::shared_ptr<Association> association;

  void sendResponse(ServerCall& call);
  void sendFault(ServerCall& call, uint32_t status);
  void flushMaybeLocked();
  void flushLocked();
};

struct ServerImpl {
  ServerOptions opts;
  mutable std::mutex regMu;
  std::vector<std::shared_ptr<Registered>> interfaces;

  int epfd = -1;
  int evfd = -1;
  std::mutex lifeMu;
  std::thread io;
  bool running = false;
  std::atomic<bool> stopping{false};
  std::mutex listenMu;
  std::deque<Listening> listeners;  // ids are 1-based indexes; entries are never removed
  std::mutex adoptMu;
  std::vector<int> adopted;
  std::unordered_map<uint64_t, std::shared_ptr<ServerConn>> conns;  // I/O thread only
  uint64_t nextConnId = kFirstConnId;
  std::atomic<size_t> connCount{0};
  // Association groups by id (I/O thread only). Ids start at a random value, so that the id a client kept
  // from an earlier server process is unlikely to name another client's group here.
  std::unordered_map<uint32_t, GroupEntry> groups;
  uint32_t nextGroup = static_cast<uint32_t>(std::random_device{}());
  bool draining = false;
  std::chrono::steady_clock::time_point drainDeadline;

  std::mutex qMu;
  std::condition_variable qCv;
  std::deque<std::pair<std::shared_ptr<ServerCall>, std::shared_ptr<Registered>>> queue;
  bool qStop = false;
  std::vector<std::thread> workers;

  explicit ServerImpl(ServerOptions o);
  ~ServerImpl();
  void ensureStarted();
  void wake();
  void shutdown();
  void loop();
  void workerLoop();
  void addConnection(int fd, const std::string& secAddr);
  void onReadable(const std::shared_ptr<ServerConn>& c);
  void onWritable(const std::shared_ptr<ServerConn>& c);
  void closeConnection(const std::shared_ptr<ServerConn>& c);
  // Returns false when the connection must be closed.
  bool handlePdu(const std::shared_ptr<ServerConn>& c, const pdu::View& v);
  void handleBind(const std::shared_ptr<ServerConn>& c, const pdu::View& v, bool alter);
  bool handleRequest(const std::shared_ptr<ServerConn>& c, const pdu::View& v);
  bool startCall(const std::shared_ptr<ServerConn>& c, uint32_t callId, const pdu::Request& q,
                 std::vector<uint8_t>&& stub);
  static void runDispatch(ServerCall& call, Dispatcher& d);
  void beginDrain();
  bool drained();
  void finishDrain();
  void cancelCalls(const std::shared_ptr<ServerConn>& c, bool orphaned);
  // The group a new connection's bind asks for, if it exists and was made from the same machine; else a
  // new one.
  std::shared_ptr<AssociationGroup> joinGroup(const ServerConn& c, uint32_t requested);
  void leaveGroup(AssociationGroup& group);
};

thread_local const ServerImpl* tlsIoServer = nullptr;

// ---- sending ----

void ServerConn::flushLocked() {
  if (closed || out.empty()) return;
  auto r = out.flush(fd);
  if (r == OutQueue::Result::kWouldBlock && !pollOut) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = id;
    ::epoll_ctl(server->epfd, EPOLL_CTL_MOD, fd, &ev);
    pollOut = true;
  } else if (r == OutQueue::Result::kError) {
    out.clear();  // the I/O thread sees the error on its next read and closes
  }
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
  if (n <= maxBody) {
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

void ServerConn::sendFault(ServerCall& call, uint32_t status) {
  std::vector<uint8_t> bytes;
  pdu::Fault f;
  f.contextId = call.contextId_;
  f.status = status;
  pdu::encodeFault(bytes, call.callId_, f);
  std::lock_guard lk(mu);
  auto it = active.find(call.callId_);
  if (it != active.end() && it->second.get() == &call) active.erase(it);
  if (closed || call.orphaned_.load()) return;
  out.appendCopy(bytes.data(), bytes.size());
  flushMaybeLocked();
}

// ---- the server ----

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

void ServerImpl::shutdown() {
  std::lock_guard lk(lifeMu);
  if (stopping.exchange(true)) return;
  if (running) {
    wake();
    io.join();
    {
      std::lock_guard q(qMu);
      qStop = true;
    }
    qCv.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    running = false;
  }
  {
    std::lock_guard l(listenMu);
    for (auto& x : listeners) {
      if (x.fd < 0) continue;
      ::close(x.fd);
      x.fd = -1;
      if (!x.socketPath.empty()) ::unlink(x.socketPath.c_str());
    }
  }
  std::lock_guard a(adoptMu);
  for (int fd : adopted) ::close(fd);
  adopted.clear();
}

void ServerImpl::workerLoop() {
  while (true) {
    std::pair<std::shared_ptr<ServerCall>, std::shared_ptr<Registered>> task;
    {
      std::unique_lock lk(qMu);
      qCv.wait(lk, [&] { return qStop || !queue.empty(); });
      if (queue.empty()) return;
      task = std::move(queue.front());
      queue.pop_front();
    }
    runDispatch(*task.first, *task.second->dispatcher);
  }
}

void ServerImpl::runDispatch(ServerCall& call, Dispatcher& d) {
  if (call.isCompleted()) return;  // faulted (shutdown) before a worker got to it
  try {
    d.dispatch(call);
    if (!call.deferred_) call.complete();
  } catch (const RpcError& e) {
    call.fault(e.status());
  } catch (const ndr::NdrError& e) {
    call.fault(e.status());  // rpc_x_bad_stub_data for undecodable requests, or a more specific status
  } catch (const std::bad_alloc&) {
    call.fault(status::kFaultRemoteNoMemory);
  } catch (...) {
    call.fault(status::kCallFailed);
  }
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

void ServerImpl::cancelCalls(const std::shared_ptr<ServerConn>& c, bool orphaned) {
  std::vector<std::shared_ptr<ServerCall>> calls;
  {
    std::lock_guard lk(c->mu);
    for (auto& [id, call] : c->active) calls.push_back(call);
  }
  for (auto& call : calls) call->markCancelled(orphaned);
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

std::shared_ptr<AssociationGroup> ServerImpl::joinGroup(const ServerConn& c, uint32_t requested) {
  std::string machine = peerMachine(c.fd);
  if (requested != 0) {
    auto it = groups.find(requested);
    if (it != groups.end() && it->second.machine == machine) {
      ++it->second.connections;
      return it->second.group;
    }
  }
  uint32_t id;
  do {
    id = nextGroup++;
  } while (id == 0 || groups.count(id) != 0);
  GroupEntry& e = groups[id];
  e.group = std::make_shared<AssociationGroup>(id);
  e.machine = std::move(machine);
  e.connections = 1;
  return e.group;
}

void ServerImpl::leaveGroup(AssociationGroup& group) {
  auto it = groups.find(group.id());
  if (it == groups.end() || --it->second.connections != 0) return;
  std::shared_ptr<AssociationGroup> last = std::move(it->second.group);
  groups.erase(it);
  last->runCloseHooks();  // the rundown of the group's context handles
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
    if (hs == pdu::HeaderStatus::kInvalid) {
      ok = false;
      break;
    }
    if (v.header.fragLength > c->rend - c->rbeg) break;
    try {
      ok = handlePdu(c, v);
    } catch (...) {
      ok = false;  // protocol violation, or memory exhausted by what the peer asked for
    }
    c->rbeg += v.header.fragLength;
  }
  if (!ok) {
    closeConnection(c);
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

void ServerImpl::handleBind(const std::shared_ptr<ServerConn>& c, const pdu::View& v, bool alter) {
  pdu::Bind b = pdu::decodeBind(v);
  std::vector<uint8_t> bytes;
  if (v.header.authLength != 0 || b.maxXmitFrag < pdu::kMinFragSize || b.maxRecvFrag < pdu::kMinFragSize) {
    // No security providers here; and C706 requires peers to handle at least 1432-byte fragments.
    pdu::BindNak nak;
    nak.reason = v.header.authLength != 0 ? pdu::RejectReason::kAuthenticationTypeNotRecognized
                                          : pdu::RejectReason::kLocalLimitExceeded;
    if (alter) {
      pdu::Fault f;
      f.status = status::kProtoError;
      pdu::encodeFault(bytes, v.header.callId, f);
    } else {
      pdu::encodeBindNak(bytes, v.header.callId, nak);
    }
    std::lock_guard lk(c->mu);
    c->out.appendCopy(bytes.data(), bytes.size());
    return;
  }
  pdu::BindAck ack;
  uint16_t xmit = std::min(opts.maxFrag, b.maxRecvFrag);
  ack.maxXmitFrag = xmit;
  ack.maxRecvFrag = std::min(opts.maxFrag, b.maxXmitFrag);
  if (!alter) {
    auto association = std::make_shared<Association>(joinGroup(*c, b.assocGroupId));
    std::lock_guard lk(c->mu);
    c->association = std::move(association);
    c->xmitFrag = xmit;
  }
  ack.assocGroupId = c->association->groupId();
  if (!alter) ack.secondaryAddress = c->secondaryAddress;
  for (const auto& ctx : b.contexts) {
    pdu::ContextResultEntry e;
    if (std::any_of(ctx.transferSyntaxes.begin(), ctx.transferSyntaxes.end(), isFeatureNegotiation)) {
      e.result = pdu::ContextResult::kNegotiateAck;
      e.reason = 0;  // no optional features (security context multiplexing, keep-alive orphans) supported
      ack.results.push_back(e);
      continue;
    }
    std::shared_ptr<Registered> reg;
    {
      std::lock_guard lk(regMu);
      for (const auto& r : interfaces) {
        if (r->id.uuid == ctx.abstractSyntax.uuid && r->id.major == ctx.abstractSyntax.major &&
            ctx.abstractSyntax.minor <= r->id.minor) {
          reg = r;
          break;
        }
      }
    }
    if (!reg) {
      e.result = pdu::ContextResult::kProviderRejection;
      e.reason = static_cast<uint16_t>(pdu::ProviderReason::kAbstractSyntaxNotSupported);
    } else if (std::find(ctx.transferSyntaxes.begin(), ctx.transferSyntaxes.end(), kNdr20Syntax) ==
               ctx.transferSyntaxes.end()) {
      e.result = pdu::ContextResult::kProviderRejection;
      e.reason = static_cast<uint16_t>(pdu::ProviderReason::kTransferSyntaxesNotSupported);
    } else {
      e.result = pdu::ContextResult::kAcceptance;
      e.transferSyntax = kNdr20Syntax;
      auto it = std::find_if(c->contexts.begin(), c->contexts.end(),
                             [&](const BoundContext& bc) { return bc.contextId == ctx.contextId; });
      if (it != c->contexts.end()) {
        *it = BoundContext{ctx.contextId, ctx.abstractSyntax, reg};
      } else {
        c->contexts.push_back(BoundContext{ctx.contextId, ctx.abstractSyntax, reg});
      }
    }
    ack.results.push_back(e);
  }
  c->bound = true;
  uint8_t flags = static_cast<uint8_t>(pdu::kFirstFrag | pdu::kLastFrag | (v.header.flags & pdu::kConcMpx));
  pdu::encodeBindAck(bytes, alter ? pdu::PType::kAlterContextResp : pdu::PType::kBindAck, flags,
                     v.header.callId, ack);
  std::lock_guard lk(c->mu);
  c->out.appendCopy(bytes.data(), bytes.size());
}

// What the calls being reassembled on a connection hold together (capacity: reserved memory counts).
size_t reassemblyBytes(const ServerConn& c) {
  size_t n = 0;
  for (const auto& [id, p] : c.partial) n += p.data.capacity();
  return n;
}

bool ServerImpl::handleRequest(const std::shared_ptr<ServerConn>& c, const pdu::View& v) {
  pdu::Body body;
  pdu::Request q = pdu::decodeRequest(v, body);
  uint32_t callId = v.header.callId;
  bool first = v.header.flags & pdu::kFirstFrag;
  bool last = v.header.flags & pdu::kLastFrag;
  if (first) {
    if (c->partial.count(callId) != 0) return false;
    if (body.stubLength > opts.maxRequestSize) return false;
    size_t reserve = std::min<size_t>({q.allocHint, opts.maxRequestSize, kMaxTrustedAllocHint});
    if (!last && reassemblyBytes(*c) + std::max(reserve, body.stubLength) > opts.maxRequestSize) return false;
    if (last) return startCall(c, callId, q, std::vector<uint8_t>(body.stub, body.stub + body.stubLength));
    Partial p;
    p.request = q;
    // alloc_hint is only a hint from the peer: trust it up to a modest size, grow beyond that as data comes.
    p.data.reserve(reserve);
    p.data.insert(p.data.end(), body.stub, body.stub + body.stubLength);
    c->partial.emplace(callId, std::move(p));
    return true;
  }
  auto it = c->partial.find(callId);
  if (it == c->partial.end()) return true;  // rest of an orphaned call
  std::vector<uint8_t>& data = it->second.data;
  size_t others = reassemblyBytes(*c) - data.capacity();
  if (others + std::max(data.capacity(), data.size() + body.stubLength) > opts.maxRequestSize) return false;
  it->second.data.insert(it->second.data.end(), body.stub, body.stub + body.stubLength);
  if (!last) return true;
  Partial p = std::move(it->second);
  c->partial.erase(it);
  return startCall(c, callId, p.request, std::move(p.data));
}

bool ServerImpl::startCall(const std::shared_ptr<ServerConn>& c, uint32_t callId, const pdu::Request& q,
                           std::vector<uint8_t>&& stub) {
  auto call = std::make_shared<ServerCall>(c, callId, q.contextId);
  call->opnum_ = q.opnum;
  if (q.object) {
    call->hasObject_ = true;
    call->object_ = *q.object;
  }
  call->request_ = std::move(stub);
  {
    std::lock_guard lk(c->mu);
    if (!c->active.emplace(callId, call).second) return false;  // call_id reused while in flight
  }
  if (draining) {
    call->fault(status::kServerTooBusy);
    return true;
  }
  auto it = std::find_if(c->contexts.begin(), c->contexts.end(),
                         [&](const BoundContext& bc) { return bc.contextId == q.contextId; });
  if (it == c->contexts.end()) {
    call->fault(status::kUnkIf);
    return true;
  }
  call->interface_ = it->clientSyntax;
  if (q.opnum >= it->reg->opCount) {
    call->fault(status::kOpRangeError);
    return true;
  }
  if (workers.empty()) {
    runDispatch(*call, *it->reg->dispatcher);
  } else {
    {
      std::lock_guard lk(qMu);
      queue.emplace_back(std::move(call), it->reg);
    }
    qCv.notify_one();
  }
  return true;
}

void ServerImpl::beginDrain() {
  draining = true;
  drainDeadline = std::chrono::steady_clock::now() + opts.shutdownGrace;
  {
    std::lock_guard lk(listenMu);
    for (auto& l : listeners) {
      if (l.fd < 0) continue;
      ::epoll_ctl(epfd, EPOLL_CTL_DEL, l.fd, nullptr);
      ::close(l.fd);
      l.fd = -1;
      if (!l.socketPath.empty()) ::unlink(l.socketPath.c_str());
    }
  }
  std::vector<std::shared_ptr<ServerConn>> all;
  for (auto& [id, c] : conns) all.push_back(c);
  for (auto& c : all) cancelCalls(c, false);
}

bool ServerImpl::drained() {
  for (auto& [id, c] : conns) {
    std::lock_guard lk(c->mu);
    if (!c->active.empty()) return false;
  }
  return true;
}

void ServerImpl::finishDrain() {
  std::vector<std::shared_ptr<ServerConn>> all;
  for (auto& [id, c] : conns) all.push_back(c);
  for (auto& c : all) {
    std::vector<std::shared_ptr<ServerCall>> left;
    {
      std::lock_guard lk(c->mu);
      for (auto& [id, call] : c->active) left.push_back(call);
    }
    for (auto& call : left) call->fault(status::kFaultCancel);
    // Give the peer a moment to take what is queued, then close.
    for (int tries = 0; tries < 20; ++tries) {
      std::unique_lock lk(c->mu);
      if (c->closed || c->out.empty()) break;
      c->flushLocked();
      if (c->out.empty()) break;
      int fd = c->fd;
      lk.unlock();
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 10);
    }
    closeConnection(c);
  }
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

}  // namespace detail

// ---- ClientScope ----

void ClientScope::onClose(std::function<void()> fn) {
  {
    std::lock_guard lk(mu_);
    if (!closed_) {
      onClose_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

std::shared_ptr<void> ClientScope::attachment(const void* key) const {
  std::lock_guard lk(mu_);
  for (const auto& [k, v] : attachments_) {
    if (k == key) return v;
  }
  return nullptr;
}

void ClientScope::setAttachment(const void* key, std::shared_ptr<void> value) {
  std::lock_guard lk(mu_);
  for (auto& [k, v] : attachments_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  attachments_.emplace_back(key, std::move(value));
}

void ClientScope::runCloseHooks() {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lk(mu_);
    closed_ = true;
    hooks.swap(onClose_);
  }
  for (auto& h : hooks) h();
}

// ---- ServerCall ----

ServerCall::ServerCall(std::shared_ptr<detail::ServerConn> conn, uint32_t callId, uint16_t contextId)
    : conn_(std::move(conn)), callId_(callId), contextId_(contextId) {
  association_ = conn_->association;
  response_.reserve(232);  // one allocation covers the header room and a typical small reply
}

ServerCall::~ServerCall() {
  // A deferred call dropped without an answer still gets one, so the client is never left waiting.
  if (state_.load() == 0 && conn_) {
    state_.store(1);
    conn_->sendFault(*this, status::kCallFailed);
  }
}

uint64_t ServerCall::connectionId() const {
  return conn_->id;
}

std::shared_ptr<ServerCall> ServerCall::defer() {
  deferred_ = true;
  return shared_from_this();
}

bool ServerCall::claim() {
  int expected = 0;
  return state_.compare_exchange_strong(expected, 1, std::memory_order_acq_rel);
}

void ServerCall::complete() {
  if (claim()) conn_->sendResponse(*this);
}

void ServerCall::fault(uint32_t s) {
  if (claim()) conn_->sendFault(*this, s);
}

void ServerCall::onCancel(std::function<void()> fn) {
  {
    std::lock_guard lk(cancelMu_);
    if (!cancelled_.load()) {
      onCancel_ = std::move(fn);
      return;
    }
  }
  fn();
}

void ServerCall::markCancelled(bool orphaned) {
  if (orphaned) orphaned_.store(true);
  if (cancelled_.exchange(true)) return;
  std::function<void()> fn;
  {
    std::lock_guard lk(cancelMu_);
    fn = std::move(onCancel_);
  }
  if (fn) fn();
}

// ---- Server ----

Server::Server(ServerOptions options) : impl_(std::make_unique<detail::ServerImpl>(options)) {}
Server::~Server() {
  impl_->shutdown();
}

void Server::registerInterface(const SyntaxId& id, uint16_t opCount, std::shared_ptr<Dispatcher> dispatcher) {
  auto r = std::make_shared<detail::Registered>(detail::Registered{id, opCount, std::move(dispatcher)});
  std::lock_guard lk(impl_->regMu);
  impl_->interfaces.push_back(std::move(r));
}

std::string Server::listen(const std::string& binding) {
  StringBinding b = StringBinding::parse(binding);
  std::lock_guard lk(impl_->lifeMu);
  if (impl_->stopping) throw RpcError(status::kServerTooBusy, "server is shut down");
  detail::Listening l = detail::listenOn(b);
  epoll_event ev{};
  ev.events = EPOLLIN;
  {
    std::lock_guard ll(impl_->listenMu);
    impl_->listeners.push_back(l);
    ev.data.u64 = impl_->listeners.size();
  }
  ::epoll_ctl(impl_->epfd, EPOLL_CTL_ADD, l.fd, &ev);
  impl_->ensureStarted();
  return l.boundBinding;
}

int Server::adoptSocketPair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
    throw RpcError(status::kCallFailed, "socketpair: " + std::string(std::strerror(errno)));
  std::lock_guard lk(impl_->lifeMu);
  if (impl_->stopping) {
    ::close(sv[0]);
    ::close(sv[1]);
    throw RpcError(status::kServerTooBusy, "server is shut down");
  }
  impl_->ensureStarted();
  {
    std::lock_guard a(impl_->adoptMu);
    impl_->adopted.push_back(sv[0]);
  }
  impl_->wake();
  return sv[1];
}

void Server::shutdown() {
  impl_->shutdown();
}

size_t Server::connectionCount() const {
  return impl_->connCount.load();
}

}  // namespace midlrt::rpc
