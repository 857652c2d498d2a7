// Non-causal channels (ChannelOptions::nonCausal): calls spread over several connections, what still holds
// there (context handles, cancel, Cork), and the server's association groups that make it work.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "echo_service.h"
#include "midlrt/detail/context_handle_stubs.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "raw_peer.h"

namespace midlrt::rpc {
namespace {

using namespace std::chrono_literals;
using testing::readPdu;

const SyntaxId kProbeIf{*Uuid::parse("3b8f1c2d-6e4a-4f10-9a7b-2c3d4e5f6a7b"), 1, 0};

// Every reply of kProbeIf starts with the server's id of the connection the call arrived on.
enum ProbeOp : uint16_t {
  kWhere = 0,  // then the association group id (u32)
  kHold = 1,   // deferred until releaseHeld()
  kBlock = 2,  // blocks its worker thread until unblock()
  kOpen = 3,   // out: a new context handle (a Session), after the connection id
  kUse = 4,    // in: a context handle; one the call's association group does not hold faults
  kProbeOps = 5,
};

std::atomic<int> liveSessions{0};
struct Session {
  Session() { ++liveSessions; }
  ~Session() { --liveSessions; }
};

class Probe : public Dispatcher {
 public:
  std::atomic<int> wheres{0};

  void dispatch(ServerCall& call) override {
    ndr::Encoder out(call.response().buffer(), call.response().headroom());
    out.write<uint64_t>(call.connectionId());
    switch (call.opnum()) {
      case kWhere:
        out.write<uint32_t>(call.associationGroup().id());
        wheres.fetch_add(1);
        return;
      case kHold: {
        std::lock_guard lk(mu_);
        held_.push_back(call.defer());
        cv_.notify_all();
        return;
      }
      case kBlock: {
        std::unique_lock lk(mu_);
        ++blocked_;
        cv_.notify_all();
        cv_.wait(lk, [&] { return unblocked_; });
        return;
      }
      case kOpen:
        writeServerContext(out, call, Uuid{}, std::make_shared<Session>());
        return;
      case kUse: {
        ndr::Decoder in(call.requestData(), call.requestSize());
        Uuid id;
        if (!readServerContext(in, call, id)) throw RpcError(status::kFaultContextMismatch);
        return;
      }
      default:
        throw RpcError(status::kOpRangeError);
    }
  }

  bool waitHeld(size_t n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, 5s, [&] { return held_.size() >= n; });
  }
  bool waitBlocked(int n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, 5s, [&] { return blocked_ >= n; });
  }
  void releaseHeld() {
    std::vector<std::shared_ptr<ServerCall>> calls;
    {
      std::lock_guard lk(mu_);
      calls.swap(held_);
    }
    for (auto& c : calls) c->complete();
  }
  void unblock() {
    std::lock_guard lk(mu_);
    unblocked_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<ServerCall>> held_;
  int blocked_ = 0;
  bool unblocked_ = false;
};

// A server that runs each connection's calls one at a time, as a server that keeps calls in order per
// association may: a call blocked in its manager holds back every later call of its connection.
class OneAtATimePerConnection : public Dispatcher {
 public:
  explicit OneAtATimePerConnection(std::shared_ptr<Dispatcher> inner) : inner_(std::move(inner)) {}
  void dispatch(ServerCall& call) override {
    std::shared_ptr<std::mutex> serial;
    {
      std::lock_guard lk(mu_);
      auto& slot = perConnection_[call.connectionId()];
      if (!slot) slot = std::make_shared<std::mutex>();
      serial = slot;
    }
    std::lock_guard one(*serial);
    inner_->dispatch(call);
  }

 private:
  std::shared_ptr<Dispatcher> inner_;
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<std::mutex>> perConnection_;
};

struct Outcome {
  uint32_t status = 0;
  uint64_t connection = 0;
};

uint64_t connectionOf(const Reply& r) {
  ndr::Decoder in(r.data(), r.size());
  return in.read<uint64_t>();
}

enum class Transport { kTcp4, kLocal, kInProcess };

class NonCausal : public ::testing::TestWithParam<Transport> {
 protected:
  void start(ServerOptions options = {}, bool oneAtATimePerConnection = false) {
    options.workerThreads = 4;
    server_ = std::make_unique<Server>(options);
    probe_ = std::make_shared<Probe>();
    std::shared_ptr<Dispatcher> d = probe_;
    if (oneAtATimePerConnection) d = std::make_shared<OneAtATimePerConnection>(probe_);
    server_->registerInterface(kProbeIf, kProbeOps, d);
    echo_ = std::make_shared<testing::EchoService>();
    server_->registerInterface(testing::kEchoIf, testing::kOpCount, echo_);
    switch (GetParam()) {
      case Transport::kTcp4:
        endpoint_ = server_->listen("ncacn_ip_tcp:127.0.0.1[0]");
        break;
      case Transport::kLocal:
        endpoint_ = server_->listen("ncalrpc:[/tmp/midlrt-noncausal-" + std::to_string(::getpid()) + "-" +
                                    std::to_string(counter_++) + ".sock]");
        break;
      case Transport::kInProcess:
        break;
    }
  }
  std::shared_ptr<Channel> channel(bool nonCausal, ChannelOptions o = {}) {
    o.nonCausal = nonCausal;
    if (GetParam() == Transport::kInProcess) return Channel::createInProcess(*server_, o);
    return Channel::create(endpoint_, o);
  }
  void TearDown() override {
    if (probe_) {
      probe_->unblock();
      probe_->releaseHeld();
    }
    if (server_) server_->shutdown();
  }

  static std::future<Outcome> callAsync(Channel& ch, uint16_t op, Message m = Message::acquire()) {
    auto p = std::make_shared<std::promise<Outcome>>();
    auto f = p->get_future();
    ch.invokeAsync(kProbeIf, op, std::move(m), [p](uint32_t s, Reply& r) {
      p->set_value(Outcome{s, s == status::kOk ? connectionOf(r) : 0});
    });
    return f;
  }
  static Outcome call(Channel& ch, uint16_t op, Message m = Message::acquire()) {
    Reply r;
    uint32_t s = ch.tryInvoke(kProbeIf, op, m, r);
    return Outcome{s, s == status::kOk ? connectionOf(r) : 0};
  }
  static Outcome open(Channel& ch, ContextHandle& handle) {
    Message m = Message::acquire();
    Reply r;
    uint32_t s = ch.tryInvoke(kProbeIf, kOpen, m, r);
    if (s != status::kOk) return Outcome{s, 0};
    ndr::Decoder in(r.data(), r.size());
    uint64_t connection = in.read<uint64_t>();
    handle = readContextHandle(in);
    return Outcome{s, connection};
  }
  static Outcome use(Channel& ch, const ContextHandle& handle) {
    Message m = Message::acquire();
    ndr::Encoder out(m.buffer(), m.headroom());
    writeContextHandle(out, handle);
    return call(ch, kUse, std::move(m));
  }
  // The connections that n calls issued from this thread went over, each issued while the ones before it
  // were still in flight (the server holds them all, then completes them).
  std::set<uint64_t> connectionsOfHeldCalls(Channel& ch, size_t n) {
    std::vector<std::future<Outcome>> calls;
    for (size_t i = 0; i < n; ++i) calls.push_back(callAsync(ch, kHold));
    EXPECT_TRUE(probe_->waitHeld(n));
    probe_->releaseHeld();
    std::set<uint64_t> connections;
    for (auto& f : calls) {
      Outcome o = f.get();
      EXPECT_EQ(o.status, status::kOk) << statusName(o.status);
      connections.insert(o.connection);
    }
    return connections;
  }

  static inline int counter_ = 0;
  std::unique_ptr<Server> server_;
  std::shared_ptr<Probe> probe_;
  std::shared_ptr<testing::EchoService> echo_;
  std::string endpoint_;
};

TEST_P(NonCausal, OnACausalChannelCallsFromOneThreadShareOneConnection) {
  start();
  auto ch = channel(false);
  EXPECT_EQ(connectionsOfHeldCalls(*ch, 8).size(), 1u);
}

TEST_P(NonCausal, NonCausalCallsFromOneThreadReachTheServerOverSeveralConnections) {
  start();
  auto ch = channel(true);
  // Each call finds every open connection busy, so it opens the next, up to maxConnections.
  EXPECT_EQ(connectionsOfHeldCalls(*ch, 8).size(), ChannelOptions{}.maxConnections);
  EXPECT_EQ(server_->connectionCount(), ChannelOptions{}.maxConnections);
}

TEST_P(NonCausal, ANonCausalChannelOpensNoMoreThanMaxConnections) {
  start();
  ChannelOptions o;
  o.maxConnections = 2;
  auto ch = channel(true, o);
  EXPECT_EQ(connectionsOfHeldCalls(*ch, 8).size(), 2u);
}

TEST_P(NonCausal, OneCallAtATimeOnANonCausalChannelStaysOnOneConnection) {
  start();
  auto ch = channel(true);
  std::set<uint64_t> connections;
  for (int i = 0; i < 10; ++i) {
    Outcome o = call(*ch, kWhere);
    ASSERT_EQ(o.status, status::kOk);
    connections.insert(o.connection);
  }
  EXPECT_EQ(connections.size(), 1u);
  EXPECT_EQ(server_->connectionCount(), 1u);
}

TEST_P(NonCausal, OnACausalChannelACallWaitsForTheOneBeforeItOnAOneAtATimeServer) {
  start({}, true);
  auto ch = channel(false);
  auto first = callAsync(*ch, kBlock);
  ASSERT_TRUE(probe_->waitBlocked(1));
  Message m = Message::acquire();
  Reply r;
  CallOptions o;
  o.timeout = 300ms;
  EXPECT_EQ(ch->tryInvoke(kProbeIf, kWhere, m, r, o), status::kTimeout);  // behind the blocked call
  probe_->unblock();
  EXPECT_EQ(first.get().status, status::kOk);
}

TEST_P(NonCausal, OnANonCausalChannelACallIsNotHeldBackByABlockedOneBeforeIt) {
  start({}, true);
  auto ch = channel(true);
  auto first = callAsync(*ch, kBlock);
  ASSERT_TRUE(probe_->waitBlocked(1));
  Message m = Message::acquire();
  Reply r;
  CallOptions o;
  o.timeout = 5s;
  EXPECT_EQ(ch->tryInvoke(kProbeIf, kWhere, m, r, o), status::kOk);
  EXPECT_EQ(first.wait_for(0s), std::future_status::timeout);  // the earlier call is still blocked
  probe_->unblock();
  EXPECT_EQ(first.get().status, status::kOk);
}

TEST_P(NonCausal, AContextHandleMadeOverOneConnectionIsValidOverAnother) {
  start();
  auto ch = channel(true);
  ContextHandle handle;
  Outcome made = open(*ch, handle);
  ASSERT_EQ(made.status, status::kOk);
  ASSERT_TRUE(handle);
  auto held = callAsync(*ch, kHold);  // keeps the connection that made the handle busy...
  ASSERT_TRUE(probe_->waitHeld(1));
  Outcome used = use(*ch, handle);  // ...so this call goes over another
  EXPECT_EQ(used.status, status::kOk) << statusName(used.status);
  EXPECT_NE(used.connection, made.connection);
  probe_->releaseHeld();
  EXPECT_EQ(held.get().connection, made.connection);
}

TEST_P(NonCausal, AContextHandleOutlivesItsConnectionWhileAnotherConnectionOfTheChannelLives) {
  ServerOptions options;
  options.maxRequestSize = 100 * 1024;  // a larger request closes the connection it came over
  start(options);
  int before = liveSessions.load();
  auto ch = channel(true);
  auto held = callAsync(*ch, kHold);  // the first connection, kept busy
  ASSERT_TRUE(probe_->waitHeld(1));
  ContextHandle handle;
  Outcome made = open(*ch, handle);  // the second
  ASSERT_EQ(made.status, status::kOk);
  Message big(kRequestHeadroom);
  big.resize(200 * 1024);
  Reply r;
  // Goes over the idle second connection, which the server closes.
  ASSERT_EQ(ch->tryInvoke(kProbeIf, kWhere, big, r), status::kCallFailed);
  EXPECT_EQ(liveSessions.load(), before + 1);  // not run down: the first connection keeps the group
  Outcome used = use(*ch, handle);             // over a new connection, which joins the group
  EXPECT_EQ(used.status, status::kOk) << statusName(used.status);
  EXPECT_NE(used.connection, made.connection);
  probe_->releaseHeld();
  EXPECT_EQ(held.get().status, status::kOk);
  ch->disconnect();  // the group's last connection closes: the rundown
  for (int i = 0; i < 400 && liveSessions.load() != before; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(liveSessions.load(), before);
}

TEST_P(NonCausal, CancelAndAbandonWorkOnEveryConnectionOfANonCausalChannel) {
  start();
  auto ch = channel(true);
  auto held = callAsync(*ch, kHold);  // the first connection busy: the next calls go over others
  ASSERT_TRUE(probe_->waitHeld(1));
  std::promise<uint32_t> cancelled, abandoned;
  CallHandle c = ch->invokeAsync(testing::kEchoIf, testing::kWaitCancel, Message::acquire(),
                                 [&](uint32_t s, Reply&) { cancelled.set_value(s); });
  CallHandle a = ch->invokeAsync(testing::kEchoIf, testing::kHang, Message::acquire(),
                                 [&](uint32_t s, Reply&) { abandoned.set_value(s); });
  for (int i = 0; i < 1000 && echo_->heldCalls() < 2; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(echo_->heldCalls(), 2u);
  EXPECT_EQ(server_->connectionCount(), 3u);
  c.cancel();
  auto fc = cancelled.get_future();
  ASSERT_EQ(fc.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(fc.get(), status::kFaultCancel);
  a.abandon();
  EXPECT_EQ(abandoned.get_future().get(), status::kCallCancelled);
  for (int i = 0; i < 1000 && echo_->cancelsSeen.load() < 2; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_EQ(echo_->cancelsSeen.load(), 2);  // the orphaned PDU went over the abandoned call's connection
  probe_->releaseHeld();
  EXPECT_EQ(held.get().status, status::kOk);
}

TEST_P(NonCausal, ACorkHoldsBackRequestsOnEveryConnectionOfANonCausalChannel) {
  start();
  auto ch = channel(true);
  std::vector<std::future<Outcome>> held;
  for (unsigned i = 0; i < ChannelOptions{}.maxConnections; ++i) held.push_back(callAsync(*ch, kHold));
  ASSERT_TRUE(probe_->waitHeld(held.size()));  // every connection open, one call on each
  std::vector<std::future<Outcome>> corked;
  {
    Channel::Cork cork(*ch);
    for (size_t i = 0; i < held.size(); ++i) corked.push_back(callAsync(*ch, kWhere));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(probe_->wheres.load(), 0);  // nothing written on any connection
  }
  std::set<uint64_t> connections;
  for (auto& f : corked) {
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    Outcome o = f.get();
    EXPECT_EQ(o.status, status::kOk);
    connections.insert(o.connection);
  }
  EXPECT_EQ(connections.size(), held.size());
  probe_->releaseHeld();
  for (auto& f : held) EXPECT_EQ(f.get().status, status::kOk);
}

std::string transportName(const ::testing::TestParamInfo<Transport>& info) {
  const char* names[] = {"Tcp4", "Ncalrpc", "InProcess"};
  return names[static_cast<int>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(Transports, NonCausal,
                         ::testing::Values(Transport::kTcp4, Transport::kLocal, Transport::kInProcess),
                         transportName);

// ---- association groups, over raw connections ----

class AssociationGroups : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.registerInterface(kProbeIf, kProbeOps, std::make_shared<Probe>());
    endpoint_ = StringBinding::parse(server_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  void TearDown() override {
    for (int fd : fds_) ::close(fd);
    server_.shutdown();
  }
  // A TCP connection to the server from the given loopback address.
  int connectFrom(const char* source) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(std::stoi(endpoint_.endpoint)));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    fds_.push_back(fd);
    return fd;
  }
  // Binds over fd asking for `group`; returns the group bind_ack puts the connection in.
  static uint32_t bind(int fd, uint32_t group) {
    pdu::Bind b;
    b.assocGroupId = group;
    b.contexts.push_back(pdu::ContextElement{0, kProbeIf, {kNdr20Syntax}});
    std::vector<uint8_t> bytes;
    pdu::encodeBind(bytes, pdu::PType::kBind, pdu::kFirstFrag | pdu::kLastFrag, 1, b);
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    std::vector<uint8_t> got;
    pdu::View v;
    if (!readPdu(fd, got, v.header)) return 0;
    v.data = got.data();
    return pdu::decodeBindAck(v).assocGroupId;
  }
  void closeAndWait(int fd) {
    size_t before = server_.connectionCount();
    ::close(fd);
    fds_.erase(std::find(fds_.begin(), fds_.end(), fd));
    for (int i = 0; i < 500 && server_.connectionCount() >= before; ++i) std::this_thread::sleep_for(2ms);
  }

  Server server_;
  StringBinding endpoint_;
  std::vector<int> fds_;
};

TEST_F(AssociationGroups, ABindJoinsTheGroupItNamesUntilTheGroupsLastConnectionCloses) {
  int a = connectFrom("127.0.0.1");
  uint32_t group = bind(a, 0);
  ASSERT_NE(group, 0u);
  int b = connectFrom("127.0.0.1");
  EXPECT_EQ(bind(b, group), group);
  closeAndWait(a);
  int c = connectFrom("127.0.0.1");
  EXPECT_EQ(bind(c, group), group);  // b still keeps it
  closeAndWait(b);
  closeAndWait(c);
  int d = connectFrom("127.0.0.1");
  uint32_t fresh = bind(d, group);  // gone with its last connection: an unknown id gets a new group
  EXPECT_NE(fresh, group);
  EXPECT_NE(fresh, 0u);
}

TEST_F(AssociationGroups, AConnectionFromAnotherAddressDoesNotJoinTheGroup) {
  // MS-RPCE 3.3.1.5.7: over TCP, only connections from the machine (IP address) that made the group.
  int a = connectFrom("127.0.0.1");
  uint32_t group = bind(a, 0);
  int b = connectFrom("127.0.0.2");
  uint32_t other = bind(b, group);
  EXPECT_NE(other, group);
  EXPECT_NE(other, 0u);
}

// ---- PFC_DID_NOT_EXECUTE: set on a fault for a call no manager ran, and only there ----

class FaultFlags : public AssociationGroups {
 protected:
  // One opnum more than Probe serves: the server passes it to Probe, which refuses it as the generated
  // dispatchers refuse an opnum they do not serve.
  void SetUp() override {
    server_.registerInterface(kProbeIf, kProbeOps + 1, std::make_shared<Probe>());
    endpoint_ = StringBinding::parse(server_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  // Sends a request on a bound fd; returns the pfc_flags of the fault that answers it (0 for a response).
  static uint8_t faultFlags(int fd, uint32_t callId, uint16_t contextId, uint16_t opnum) {
    pdu::Request q;
    q.contextId = contextId;
    q.opnum = opnum;
    std::vector<uint8_t> bytes;
    pdu::encodeRequest(bytes, pdu::kFirstFrag | pdu::kLastFrag, callId, q, nullptr, 0);
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    std::vector<uint8_t> got;
    pdu::Header h;
    if (!readPdu(fd, got, h)) return 0xff;
    return h.type == pdu::PType::kFault ? static_cast<uint8_t>(h.flags | 0x80) : 0;  // 0x80: "a fault"
  }
};

TEST_F(FaultFlags, AFaultForACallThatNeverRanCarriesDidNotExecute) {
  int fd = connectFrom("127.0.0.1");
  ASSERT_NE(bind(fd, 0), 0u);
  const uint8_t notExecuted = 0x80 | pdu::kFirstFrag | pdu::kLastFrag | pdu::kDidNotExecute;
  EXPECT_EQ(faultFlags(fd, 2, 0, kProbeOps + 1), notExecuted);  // an opnum beyond the interface's
  EXPECT_EQ(faultFlags(fd, 3, 7, kWhere), notExecuted);         // a presentation context never bound
  EXPECT_EQ(faultFlags(fd, 4, 0, kProbeOps), notExecuted);      // an opnum the dispatcher does not serve
  // The manager ran and faulted (no context handle in the request): no PFC_DID_NOT_EXECUTE.
  EXPECT_EQ(faultFlags(fd, 5, 0, kUse), 0x80 | pdu::kFirstFrag | pdu::kLastFrag);
  EXPECT_EQ(faultFlags(fd, 6, 0, kWhere), 0);  // and a call that works is answered
}

}  // namespace
}  // namespace midlrt::rpc
