// The client channel: lazy connect, presentation-context binding, call_id multiplexing, leader/follower
// reads; a non-causal channel is several of these ("lanes") in one association group.
#include "midlrt/rpc/channel.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "io.h"
#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc {

namespace detail {

namespace {
using Clock = std::chrono::steady_clock;
constexpr Clock::time_point kNever = Clock::time_point::max();
constexpr size_t kReadBufferSize = 128 * 1024;
constexpr std::chrono::milliseconds kLeaderRecheck{50};

void makeBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}
}  // namespace

struct ClientConn {
  explicit ClientConn(int f) : fd(f) {}
  ~ClientConn() { ::close(fd); }
  int fd;
  // Read only by the current leader.
  std::unique_ptr<uint8_t[]> rbuf{new uint8_t[kReadBufferSize]};
  size_t rbeg = 0;
  size_t rend = 0;
  // Writes.
  std::mutex sendMu;
  OutQueue out;
  int corks = 0;
  bool broken = false;
  // Under ChannelImpl::mu.
  bool bound = false;
  bool failed = false;
  bool inGroup = false;  // counted in LaneGroup::live
  uint16_t xmitFrag = pdu::kMinFragSize;
  uint32_t assocGroup = 0;
  uint16_t nextContextId = 0;
  std::vector<std::pair<SyntaxId, uint16_t>> contexts;

  // Writes iov now, or queues a copy while corked. False if the connection is broken.
  bool send(iovec* iov, int count) {
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
  // Writes iov now even while corked, after what the cork holds (so order is kept): for bind and
  // alter_context, whose answers a corked caller is about to wait for.
  bool sendNow(iovec* iov, int count) {
    std::lock_guard lk(sendMu);
    if (broken || !flushLocked()) return false;
    if (!writeAll(fd, iov, count)) broken = true;
    return !broken;
  }
  bool flushLocked() {
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
  void cork() {
    std::lock_guard lk(sendMu);
    ++corks;
  }
  bool uncork() {
    std::lock_guard lk(sendMu);
    if (--corks > 0) return true;
    return flushLocked();
  }
  void sendBare(pdu::PType type, uint32_t callId) {
    std::vector<uint8_t> b;
    pdu::encodeBare(b, type, pdu::kFirstFrag | pdu::kLastFrag, callId);
    iovec iov{b.data(), b.size()};
    send(&iov, 1);
  }
};

struct ClientCall {
  enum class Kind { kBind, kRequest };
  std::weak_ptr<ChannelImpl> channel;
  std::shared_ptr<ClientConn> conn;
  Kind kind = Kind::kRequest;
  uint32_t callId = 0;
  Clock::time_point deadline = kNever;
  // Under ChannelImpl::mu.
  bool done = false;
  bool started = false;
  uint32_t status = 0;
  Reply reply;
  std::optional<pdu::BindAck> ack;
  std::optional<pdu::BindNak> nak;
  std::condition_variable cv;  // sync calls wait here
  Completion completion;       // async calls
};

using CallPtr = std::shared_ptr<ClientCall>;

// What the lanes of a non-causal channel share: their association group, which each new connection joins
// so that context handles are valid over all of them.
struct LaneGroup {
  // Held across a lane's first bind, so that the lanes' binds go one at a time and each can join the
  // group the one before it made or joined (two racing first binds would make two groups).
  std::mutex bindMu;
  uint32_t assocGroup = 0;  // under bindMu: what the last first bind got
  // Lane connections that are bound and not failed. With none, the group may be gone (after disconnect()
  // the server runs it down), so a new connection asks for a new group instead of joining a stale one.
  std::atomic<int> live{0};
};

struct ChannelImpl : std::enable_shared_from_this<ChannelImpl> {
  std::string bindingText;
  std::optional<StringBinding> binding;
  Server* inproc = nullptr;
  ChannelOptions opts;

  std::mutex mu;
  std::shared_ptr<ClientConn> conn;
  std::unordered_map<uint32_t, CallPtr> calls;
  uint32_t nextCallId = 1;
  bool leader = false;
  std::vector<ClientCall*> followers;
  size_t asyncOutstanding = 0;
  size_t deadlineCalls = 0;
  std::condition_variable readerCv;
  std::thread reader;
  bool stop = false;
  std::mutex bindMu;
  // Non-causal lanes only.
  std::shared_ptr<LaneGroup> group;
  // Read without mu by Channel::pick (a racy hint is fine there); stored under mu.
  std::atomic<size_t> inFlight{0};
  std::atomic<bool> open{false};

  ~ChannelImpl();
  void close();
  std::shared_ptr<ClientConn> connect();
  uint16_t ensureContext(const SyntaxId& iface, std::shared_ptr<ClientConn>& connOut);
  CallPtr registerCall(const std::shared_ptr<ClientConn>& c, ClientCall::Kind kind,
                       std::chrono::milliseconds timeout, Completion completion);
  bool sendRequest(ClientConn& c, uint32_t callId, uint16_t ctx, uint16_t opnum, Message& req,
                   const Uuid* object);
  // Waits for `call`, reading for everyone if no one else is. Completions read meanwhile run here, or, with
  // `deferred`, are left there for the caller to run later.
  uint32_t wait(ClientCall& call, std::vector<CallPtr>* deferred = nullptr);
  // mu held throughout, except while reading the socket and running callbacks.
  void pump(std::unique_lock<std::mutex>& lk, ClientCall* own, std::vector<CallPtr>& done);
  void finish(const CallPtr& call, uint32_t status, std::vector<CallPtr>& done);
  void failConnection(const std::shared_ptr<ClientConn>& c, uint32_t status, std::vector<CallPtr>& done);
  void route(const std::shared_ptr<ClientConn>& c, const pdu::View& v, std::vector<CallPtr>& done);
  void expire(std::vector<CallPtr>& done,
              std::vector<std::pair<std::shared_ptr<ClientConn>, uint32_t>>& orphans);
  void handOff();
  void runCompletions(std::unique_lock<std::mutex>& lk, std::vector<CallPtr>& done,
                      const std::shared_ptr<ClientConn>& corkConn);
  void readerLoop();
  // The call's object UUID, else the one of the string binding ("uuid@ncacn_ip_tcp:...").
  const Uuid* objectFor(const CallOptions& o) const {
    if (o.object != nullptr) return o.object;
    return binding && binding->object ? &*binding->object : nullptr;
  }
  Clock::time_point deadlineFor(std::chrono::milliseconds timeout) const {
    auto t = timeout.count() != 0 ? timeout : opts.defaultTimeout;
    return t.count() != 0 ? Clock::now() + t : kNever;
  }
};

void ChannelImpl::close() {
  std::vector<CallPtr> done;
  {
    std::unique_lock lk(mu);
    if (stop) return;
    stop = true;
    if (conn) failConnection(conn, status::kCallFailed, done);
  }
  readerCv.notify_all();
  if (reader.joinable()) {
    // The last Channel may go away inside a completion callback, i.e. on the reader thread itself; the
    // thread then finishes on its own, holding the last reference to this object.
    if (reader.get_id() == std::this_thread::get_id()) {
      reader.detach();
    } else {
      reader.join();
    }
  }
  for (auto& c : done) {
    if (c->completion) c->completion(c->status, c->reply);
  }
}

ChannelImpl::~ChannelImpl() {
  if (reader.joinable()) reader.detach();  // only when destroyed by the reader thread's last reference
}

std::shared_ptr<ClientConn> ChannelImpl::connect() {
  int fd;
  if (inproc != nullptr) {
    fd = inproc->adoptSocketPair();
  } else {
    fd = connectTo(*binding, opts.connectTimeout);
  }
  // Blocking reads by the leader; every write uses MSG_DONTWAIT. The receive timeout bounds how long a
  // leader blocked without a deadline of its own can miss a deadline registered after it started waiting.
  makeBlocking(fd);
  timeval tv{0, kLeaderRecheck.count() * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return std::make_shared<ClientConn>(fd);
}

void ChannelImpl::finish(const CallPtr& call, uint32_t s, std::vector<CallPtr>& done) {
  if (call->done) return;
  calls.erase(call->callId);
  inFlight.store(calls.size(), std::memory_order_relaxed);  // a plain store: no cost on a causal channel
  call->done = true;
  call->status = s;
  if (call->deadline != kNever) --deadlineCalls;
  if (call->completion) {
    --asyncOutstanding;
    done.push_back(call);
  } else {
    call->cv.notify_one();
  }
}

void ChannelImpl::failConnection(const std::shared_ptr<ClientConn>& conn_, uint32_t s,
                                 std::vector<CallPtr>& done) {
  std::shared_ptr<ClientConn> c = conn_;  // the argument may be `conn` itself
  if (conn == c) {
    conn.reset();
    open.store(false, std::memory_order_relaxed);
  }
  if (!c->failed) {
    c->failed = true;
    ::shutdown(c->fd, SHUT_RDWR);  // wakes a leader blocked in recv
    if (c->inGroup) group->live.fetch_sub(1);
  }
  std::vector<CallPtr> victims;
  for (auto& [id, call] : calls) {
    if (call->conn == c) victims.push_back(call);
  }
  for (auto& call : victims) finish(call, s, done);
}

void ChannelImpl::handOff() {
  if (!followers.empty()) {
    followers.front()->cv.notify_one();
  } else if (asyncOutstanding > 0) {
    readerCv.notify_one();
  }
}

void ChannelImpl::runCompletions(std::unique_lock<std::mutex>& lk, std::vector<CallPtr>& done,
                                 const std::shared_ptr<ClientConn>& corkConn) {
  if (done.empty()) return;
  lk.unlock();
  // Requests issued by the callbacks leave together in one write.
  if (corkConn) corkConn->cork();
  size_t n = 0;
  for (auto& c : done) {
    c->completion(c->status, c->reply);
    if (corkConn && opts.callbackFlushEvery != 0 && ++n % opts.callbackFlushEvery == 0) {
      corkConn->uncork();
      corkConn->cork();
    }
  }
  done.clear();
  if (corkConn) corkConn->uncork();
  lk.lock();
}

void ChannelImpl::route(const std::shared_ptr<ClientConn>& c, const pdu::View& v,
                        std::vector<CallPtr>& done) {
  auto it = calls.find(v.header.callId);
  CallPtr call = it != calls.end() && it->second->conn == c ? it->second : nullptr;
  switch (v.header.type) {
    case pdu::PType::kResponse: {
      pdu::Body body;
      pdu::Response r = pdu::decodeResponse(v, body);
      if (!call || call->kind != ClientCall::Kind::kRequest) return;  // late reply of an abandoned call
      auto& st = call->reply.storage();
      if (v.header.flags & pdu::kFirstFrag) {
        st.clear();
        st.reserve(std::min<size_t>({r.allocHint, opts.maxReplySize, size_t{1} << 20}));
        call->started = true;
      } else if (!call->started) {
        throw pdu::ProtocolError("response fragment without a first fragment");
      }
      if (st.size() + body.stubLength > opts.maxReplySize) {
        finish(call, status::kReplyTooBig, done);
        return;
      }
      st.insert(st.end(), body.stub, body.stub + body.stubLength);
      if (v.header.flags & pdu::kLastFrag) finish(call, status::kOk, done);
      return;
    }
    case pdu::PType::kFault: {
      pdu::Fault f = pdu::decodeFault(v);
      if (call) finish(call, f.status != 0 ? f.status : status::kCallFailed, done);
      return;
    }
    case pdu::PType::kBindAck:
    case pdu::PType::kAlterContextResp:
      if (call && call->kind == ClientCall::Kind::kBind) {
        call->ack = pdu::decodeBindAck(v);
        finish(call, status::kOk, done);
      }
      return;
    case pdu::PType::kBindNak:
      if (call && call->kind == ClientCall::Kind::kBind) {
        call->nak = pdu::decodeBindNak(v);
        finish(call, status::kOk, done);
      }
      return;
    case pdu::PType::kShutdown:
      return;  // the server will close; calls in flight fail then
    default:
      throw pdu::ProtocolError("unexpected PDU type from server");
  }
}

void ChannelImpl::expire(std::vector<CallPtr>& done,
                         std::vector<std::pair<std::shared_ptr<ClientConn>, uint32_t>>& orphans) {
  if (deadlineCalls == 0) return;
  auto now = Clock::now();
  std::vector<CallPtr> late;
  for (auto& [id, call] : calls) {
    if (call->deadline <= now) late.push_back(call);
  }
  for (auto& call : late) {
    orphans.emplace_back(call->conn, call->callId);
    finish(call, status::kTimeout, done);
  }
}

void ChannelImpl::pump(std::unique_lock<std::mutex>& lk, ClientCall* own, std::vector<CallPtr>& done) {
  std::shared_ptr<ClientConn> c = own != nullptr ? own->conn : conn;
  if (!c || c->failed) return;
  Clock::time_point deadline = own != nullptr ? own->deadline : kNever;
  if (deadlineCalls != 0) {
    for (auto& [id, call] : calls) deadline = std::min(deadline, call->deadline);
  }
  lk.unlock();
  ssize_t n = 0;
  bool timedOut = false;
  int flags = 0;
  if (deadline != kNever) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count() + 1;
    pollfd p{c->fd, POLLIN, 0};
    // Wake at least every kLeaderRecheck, as a blocking read does, so that a deadline registered after the
    // wait began (an async call issued while this leader reads) is kept too.
    int rc =
        ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(ms, kLeaderRecheck.count()))));
    timedOut = rc == 0;
    flags = MSG_DONTWAIT;
  }
  if (!timedOut) {
    do {
      n = ::recv(c->fd, c->rbuf.get() + c->rend, kReadBufferSize - c->rend, flags);
    } while (n < 0 && errno == EINTR);
  }
  lk.lock();
  std::vector<std::pair<std::shared_ptr<ClientConn>, uint32_t>> orphans;
  if (!timedOut && n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    // spurious wake-up
  } else if (!timedOut && n <= 0) {
    failConnection(c, status::kCallFailed, done);
    return;
  } else if (!timedOut) {
    c->rend += static_cast<size_t>(n);
    try {
      while (true) {
        pdu::View v;
        v.data = c->rbuf.get() + c->rbeg;
        auto hs = pdu::decodeHeader(v.data, c->rend - c->rbeg, v.header);
        if (hs == pdu::HeaderStatus::kNeedMore) break;
        if (hs == pdu::HeaderStatus::kInvalid) throw pdu::ProtocolError("invalid PDU header");
        if (v.header.fragLength > c->rend - c->rbeg) break;
        route(c, v, done);
        c->rbeg += v.header.fragLength;
      }
    } catch (const pdu::ProtocolError&) {
      failConnection(c, status::kProtocolError, done);
      return;
    } catch (const std::bad_alloc&) {
      failConnection(c, status::kReplyTooBig, done);
      return;
    }
    size_t left = c->rend - c->rbeg;
    if (left != 0 && c->rbeg != 0) std::memmove(c->rbuf.get(), c->rbuf.get() + c->rbeg, left);
    c->rbeg = 0;
    c->rend = left;
  }
  expire(done, orphans);
  if (!orphans.empty()) {
    lk.unlock();
    for (auto& [oc, id] : orphans) oc->sendBare(pdu::PType::kOrphaned, id);
    lk.lock();
  }
}

uint32_t ChannelImpl::wait(ClientCall& call, std::vector<CallPtr>* deferred) {
  std::unique_lock lk(mu);
  std::vector<CallPtr> done;
  auto complete = [&] {
    if (deferred == nullptr) {
      runCompletions(lk, done, call.conn);
    } else {
      deferred->insert(deferred->end(), done.begin(), done.end());
      done.clear();
    }
  };
  while (!call.done) {
    if (!leader) {
      leader = true;
      pump(lk, &call, done);
      leader = false;
      handOff();
      complete();
      continue;
    }
    followers.push_back(&call);
    if (call.deadline == kNever) {
      call.cv.wait(lk);
    } else {
      call.cv.wait_until(lk, call.deadline);
    }
    followers.erase(std::find(followers.begin(), followers.end(), &call));
    if (!call.done && Clock::now() >= call.deadline) {
      auto it = calls.find(call.callId);
      if (it != calls.end()) {
        CallPtr self = it->second;
        finish(self, status::kTimeout, done);
        lk.unlock();
        self->conn->sendBare(pdu::PType::kOrphaned, self->callId);
        lk.lock();
      }
    }
  }
  // Someone must keep reading for the others.
  if (!leader) handOff();
  complete();
  return call.status;
}

void ChannelImpl::readerLoop() {
  std::unique_lock lk(mu);
  std::vector<CallPtr> done;
  while (true) {
    readerCv.wait(lk, [&] { return stop || (!leader && asyncOutstanding > 0); });
    if (stop) break;
    leader = true;
    std::shared_ptr<ClientConn> c = conn;
    pump(lk, nullptr, done);
    leader = false;
    handOff();
    runCompletions(lk, done, c);
    if (!c || c->failed) {
      // Calls of a dead connection were failed by pump; async calls on no connection cannot be waiting.
      if (!conn) readerCv.wait_for(lk, std::chrono::milliseconds(1));
    }
  }
}

CallPtr ChannelImpl::registerCall(const std::shared_ptr<ClientConn>& c, ClientCall::Kind kind,
                                  std::chrono::milliseconds timeout, Completion completion) {
  auto call = std::make_shared<ClientCall>();
  call->channel = weak_from_this();
  call->conn = c;
  call->kind = kind;
  call->deadline = deadlineFor(timeout);
  call->completion = std::move(completion);
  std::lock_guard lk(mu);
  if (c->failed) {
    call->done = true;
    call->status = status::kCallFailed;
    return call;
  }
  call->callId = nextCallId++;
  if (nextCallId == 0) nextCallId = 1;
  calls.emplace(call->callId, call);
  inFlight.store(calls.size(), std::memory_order_relaxed);
  if (call->deadline != kNever) ++deadlineCalls;
  if (call->completion) {
    ++asyncOutstanding;
    if (!reader.joinable() && !stop)
      reader = std::thread([self = shared_from_this()] { self->readerLoop(); });
    if (!leader) readerCv.notify_one();
  }
  return call;
}

bool ChannelImpl::sendRequest(ClientConn& c, uint32_t callId, uint16_t ctx, uint16_t opnum, Message& req,
                              const Uuid* object) {
  pdu::Request q;
  q.contextId = ctx;
  q.opnum = opnum;
  if (object != nullptr) q.object = *object;
  size_t hs = pdu::requestHeaderSize(q);
  size_t n = req.size();
  size_t maxBody = (size_t{c.xmitFrag} - hs) & ~size_t{7};
  uint8_t flags = pdu::kConcMpx;
  if (n <= maxBody && req.headroom() >= hs) {
    q.allocHint = static_cast<uint32_t>(n);
    uint8_t* h = req.data() - hs;
    pdu::encodeRequestHeader(h, flags | pdu::kFirstFrag | pdu::kLastFrag, callId, q, n);
    iovec iov{h, hs + n};
    return c.send(&iov, 1);
  }
  size_t frags = n == 0 ? 1 : (n + maxBody - 1) / maxBody;
  std::vector<uint8_t> headers(frags * hs);
  std::vector<iovec> iov;
  iov.reserve(frags * 2);
  for (size_t i = 0; i < frags; ++i) {
    size_t off = i * maxBody;
    size_t len = std::min(maxBody, n - off);
    uint8_t f =
        static_cast<uint8_t>(flags | (i == 0 ? pdu::kFirstFrag : 0) | (i + 1 == frags ? pdu::kLastFrag : 0));
    q.allocHint = static_cast<uint32_t>(n - off);
    pdu::encodeRequestHeader(headers.data() + i * hs, f, callId, q, len);
    iov.push_back(iovec{headers.data() + i * hs, hs});
    if (len != 0) iov.push_back(iovec{req.data() + off, len});
  }
  return c.send(iov.data(), static_cast<int>(iov.size()));
}

uint16_t ChannelImpl::ensureContext(const SyntaxId& iface, std::shared_ptr<ClientConn>& connOut) {
  auto lookup = [&]() -> std::optional<uint16_t> {
    if (!conn || !conn->bound) return std::nullopt;
    for (auto& [s, id] : conn->contexts) {
      if (s == iface) {
        connOut = conn;
        return id;
      }
    }
    return std::nullopt;
  };
  {
    std::lock_guard lk(mu);
    if (auto id = lookup()) return *id;
  }
  // Completions this thread reads while it waits for its bind run once it has let go of bindMu (this
  // object is destroyed after the lock guard): a callback may bind another interface of this channel.
  struct DeferredCompletions {
    ChannelImpl& channel;
    std::vector<CallPtr> done;
    ~DeferredCompletions() {
      if (done.empty()) return;
      std::unique_lock lk(channel.mu);
      channel.runCompletions(lk, done, nullptr);
    }
  } deferred{*this, {}};
  std::lock_guard bl(bindMu);
  std::shared_ptr<ClientConn> c;
  {
    std::lock_guard lk(mu);
    if (auto id = lookup()) return *id;
    c = conn;
  }
  if (!c) {
    c = connect();
    std::lock_guard lk(mu);
    if (stop) throw RpcError(status::kCallFailed, "channel closed");
    conn = c;
    open.store(true, std::memory_order_relaxed);
  }
  bool alter;
  pdu::Bind b;
  uint16_t ctxId;
  {
    std::lock_guard lk(mu);
    alter = c->bound;
    b.maxXmitFrag = b.maxRecvFrag = std::max(opts.maxFrag, pdu::kMinFragSize);
    b.assocGroupId = c->assocGroup;
    ctxId = c->nextContextId++;
    b.contexts.push_back(pdu::ContextElement{ctxId, iface, {kNdr20Syntax}});
  }
  std::unique_lock<std::mutex> joining;
  if (!alter && group) {
    joining = std::unique_lock(group->bindMu);
    b.assocGroupId = group->live.load() > 0 ? group->assocGroup : 0;
  }
  CallPtr call = registerCall(c, ClientCall::Kind::kBind, opts.connectTimeout, nullptr);
  if (call->done) throw RpcError(status::kCallFailed, "connection lost");
  std::vector<uint8_t> bytes;
  pdu::encodeBind(bytes, alter ? pdu::PType::kAlterContext : pdu::PType::kBind,
                  pdu::kFirstFrag | pdu::kLastFrag | pdu::kConcMpx, call->callId, b);
  iovec iov{bytes.data(), bytes.size()};
  if (!c->sendNow(&iov, 1)) {
    std::lock_guard lk(mu);
    failConnection(c, status::kCallFailed, deferred.done);
  }
  uint32_t s = wait(*call, &deferred.done);
  if (s != status::kOk) throw RpcError(s, "binding " + iface.uuid.toString());
  if (call->nak) {
    throw RpcError(status::kUnknownIf,
                   "bind_nak, reject reason " + std::to_string(static_cast<unsigned>(call->nak->reason)));
  }
  const pdu::BindAck& ack = *call->ack;
  if (!alter) {
    // The association exists once bind_ack arrives, whatever it says about the context.
    std::lock_guard lk(mu);
    c->xmitFrag = std::max(std::min(b.maxXmitFrag, ack.maxRecvFrag), pdu::kMinFragSize);
    c->assocGroup = ack.assocGroupId;
    c->bound = true;
    if (group && !c->failed) {
      // The server answers with the group it put the connection in: the one asked for, or a new one
      // (the old one was gone); the lanes bound after this one join that.
      group->assocGroup = ack.assocGroupId;
      group->live.fetch_add(1);
      c->inGroup = true;
    }
  }
  if (joining) joining.unlock();
  if (ack.results.size() != 1) throw RpcError(status::kProtocolError, "bind_ack with wrong result count");
  if (ack.results[0].result != pdu::ContextResult::kAcceptance) {
    throw RpcError(status::kUnknownIf, "presentation context for " + iface.uuid.toString() + " v" +
                                           std::to_string(iface.major) + "." + std::to_string(iface.minor) +
                                           " rejected, reason " + std::to_string(ack.results[0].reason));
  }
  std::lock_guard lk(mu);
  c->contexts.emplace_back(iface, ctxId);
  connOut = c;
  return ctxId;
}

}  // namespace detail

// ---- Channel ----

Channel::Channel(std::shared_ptr<detail::ChannelImpl> impl) : impl_(std::move(impl)) {}
Channel::Channel(std::shared_ptr<detail::ChannelImpl> impl,
                 std::vector<std::shared_ptr<detail::ChannelImpl>> lanes)
    : impl_(std::move(impl)), lanes_(std::move(lanes)) {}

Channel::~Channel() {
  if (lanes_.empty()) {
    impl_->close();
    return;
  }
  for (auto& lane : lanes_) lane->close();
}

namespace detail {
namespace {
std::shared_ptr<Channel> makeChannel(const ChannelOptions& options,
                                     const std::function<void(ChannelImpl&)>& where) {
  auto make = [&] {
    auto impl = std::make_shared<ChannelImpl>();
    impl->calls.reserve(128);
    impl->opts = options;
    where(*impl);
    return impl;
  };
  if (!options.nonCausal) return std::make_shared<Channel>(make());
  auto group = std::make_shared<LaneGroup>();
  std::vector<std::shared_ptr<ChannelImpl>> lanes;
  for (unsigned i = 0; i < std::max(options.maxConnections, 1u); ++i) {
    lanes.push_back(make());
    lanes.back()->group = group;
  }
  auto first = lanes.front();
  return std::make_shared<Channel>(std::move(first), std::move(lanes));
}
}  // namespace
}  // namespace detail

std::shared_ptr<Channel> Channel::create(const std::string& binding, ChannelOptions options) {
  StringBinding parsed = StringBinding::parse(binding);
  return detail::makeChannel(options, [&](detail::ChannelImpl& impl) {
    impl.bindingText = binding;
    impl.binding = parsed;
  });
}

std::shared_ptr<Channel> Channel::createInProcess(Server& server, ChannelOptions options) {
  return detail::makeChannel(options, [&](detail::ChannelImpl& impl) {
    impl.bindingText = "in-process";
    impl.inproc = &server;
  });
}

// The connection for the next call of a non-causal channel: the one with the fewest calls in flight, so a
// call never queues behind a slow or held one while another connection is idle (round-robin would put
// every Nth call behind it); on a tie an open connection before a new one, then the first, so light
// traffic stays on few connections. The counts are read without locks: a racing call may pick the same
// connection, which costs only balance.
// Out of line, so that a causal channel's calls pay only for the test in pick().
[[gnu::noinline]] detail::ChannelImpl& Channel::pickLane() {
  detail::ChannelImpl* best = nullptr;
  size_t bestKey = SIZE_MAX;
  for (auto& lane : lanes_) {
    size_t key = lane->inFlight.load(std::memory_order_relaxed) * 2 +
                 (lane->open.load(std::memory_order_relaxed) ? 0 : 1);
    if (key < bestKey) {
      bestKey = key;
      best = lane.get();
      if (key == 0) break;
    }
  }
  return *best;
}

inline detail::ChannelImpl& Channel::pick() {
  if (lanes_.empty()) [[likely]]
    return *impl_;
  return pickLane();
}

const std::string& Channel::binding() const {
  return impl_->bindingText;
}

namespace detail {
// One blocking call: throws RpcError (with a description) when the connection or the presentation
// context cannot be set up, and returns the call's status otherwise.
uint32_t invokeBlocking(ChannelImpl& impl, const SyntaxId& iface, uint16_t opnum, Message& request,
                        Reply& reply, const CallOptions& options) {
  std::shared_ptr<ClientConn> c;
  uint16_t ctx = impl.ensureContext(iface, c);
  auto call = impl.registerCall(c, ClientCall::Kind::kRequest, options.timeout, nullptr);
  if (call->done) return call->status;
  if (!impl.sendRequest(*c, call->callId, ctx, opnum, request, impl.objectFor(options))) {
    std::vector<CallPtr> done;
    std::unique_lock lk(impl.mu);
    impl.failConnection(c, status::kCallFailed, done);
    impl.runCompletions(lk, done, nullptr);
  }
  uint32_t s = impl.wait(*call);
  if (s == status::kOk) reply.storage().swap(call->reply.storage());
  return s;
}
}  // namespace detail

uint32_t Channel::tryInvoke(const SyntaxId& iface, uint16_t opnum, Message& request, Reply& reply,
                            const CallOptions& options) noexcept {
  try {
    return detail::invokeBlocking(pick(), iface, opnum, request, reply, options);
  } catch (const RpcError& e) {
    return e.status();
  } catch (const std::bad_alloc&) {
    return status::kReplyTooBig;
  } catch (...) {
    return status::kCallFailed;
  }
}

Reply Channel::invoke(const SyntaxId& iface, uint16_t opnum, Message& request, const CallOptions& options) {
  Reply reply;
  uint32_t s = detail::invokeBlocking(pick(), iface, opnum, request, reply, options);
  if (s != status::kOk) throw RpcError(s, "opnum " + std::to_string(opnum) + " of " + iface.uuid.toString());
  return reply;
}

CallHandle Channel::invokeAsync(const SyntaxId& iface, uint16_t opnum, Message request, Completion done,
                                const CallOptions& options) {
  detail::ChannelImpl& impl = pick();
  std::shared_ptr<detail::ClientConn> c;
  uint16_t ctx;
  try {
    ctx = impl.ensureContext(iface, c);
  } catch (const RpcError& e) {
    Reply empty;
    done(e.status(), empty);
    return CallHandle();
  }
  auto call = impl.registerCall(c, detail::ClientCall::Kind::kRequest, options.timeout, std::move(done));
  if (call->done) {
    call->completion(call->status, call->reply);
    return CallHandle(call);
  }
  if (!impl.sendRequest(*c, call->callId, ctx, opnum, request, impl.objectFor(options))) {
    std::vector<detail::CallPtr> finished;
    std::unique_lock lk(impl.mu);
    impl.failConnection(c, status::kCallFailed, finished);
    impl.runCompletions(lk, finished, nullptr);
  }
  return CallHandle(call);
}

namespace {
void disconnectOne(detail::ChannelImpl& impl) {
  std::vector<detail::CallPtr> done;
  std::unique_lock lk(impl.mu);
  if (impl.conn) impl.failConnection(impl.conn, status::kCallFailed, done);
  impl.runCompletions(lk, done, nullptr);
}

std::shared_ptr<detail::ClientConn> corkOne(detail::ChannelImpl& impl) {
  std::shared_ptr<detail::ClientConn> c;
  {
    std::lock_guard lk(impl.mu);
    c = impl.conn;
  }
  if (c) c->cork();
  return c;
}
}  // namespace

void Channel::disconnect() {
  if (lanes_.empty()) {
    disconnectOne(*impl_);
    return;
  }
  for (auto& lane : lanes_) disconnectOne(*lane);
}

Channel::Cork::Cork(Channel& channel) {
  conn_ = corkOne(*channel.impl_);
  for (size_t i = 1; i < channel.lanes_.size(); ++i) {
    if (auto c = corkOne(*channel.lanes_[i])) more_.push_back(std::move(c));
  }
}

Channel::Cork::~Cork() {
  if (conn_) conn_->uncork();
  for (auto& c : more_) c->uncork();
}

// ---- CallHandle ----

void CallHandle::cancel() {
  if (!call_) return;
  auto ch = call_->channel.lock();
  if (!ch) return;
  {
    std::lock_guard lk(ch->mu);
    if (call_->done) return;
  }
  call_->conn->sendBare(pdu::PType::kCoCancel, call_->callId);
}

void CallHandle::abandon() {
  if (!call_) return;
  auto ch = call_->channel.lock();
  if (!ch) return;
  std::vector<detail::CallPtr> done;
  std::unique_lock lk(ch->mu);
  if (call_->done) return;
  ch->finish(call_, status::kCallCancelled, done);
  lk.unlock();
  call_->conn->sendBare(pdu::PType::kOrphaned, call_->callId);
  lk.lock();
  ch->runCompletions(lk, done, nullptr);
}

bool CallHandle::done() const {
  if (!call_) return true;
  auto ch = call_->channel.lock();
  if (!ch) return true;
  std::lock_guard lk(ch->mu);
  return call_->done;
}

uint32_t CallHandle::callId() const {
  return call_ ? call_->callId : 0;
}

}  // namespace midlrt::rpc
