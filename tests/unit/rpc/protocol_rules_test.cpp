// The connection-oriented protocol's rules on both sides (C706 chapter 12, MS-RPCE 2.2.2 and 3.3): protocol
// versions, fragment sizes, alloc_hint, the pfc_flags PFC_CONC_MPX, PFC_MAYBE, PFC_OBJECT_UUID and
// PFC_DID_NOT_EXECUTE, and what a client reports for a bind_nak. Raw PDUs against a Server, and a raw fake
// server against a Channel.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "echo_service.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "raw_peer.h"

namespace midlrt::rpc {
namespace {

using namespace std::chrono_literals;
using testing::EchoService;
using testing::kEchoIf;
using testing::PduStream;
using Bytes = std::vector<uint8_t>;
constexpr uint8_t kWhole = pdu::kFirstFrag | pdu::kLastFrag;

void sendAll(int fd, const Bytes& b) {
  ASSERT_EQ(::send(fd, b.data(), b.size(), MSG_NOSIGNAL), static_cast<ssize_t>(b.size()));
}

Bytes bindPdu(uint8_t flags, uint16_t maxFrag = pdu::kDefaultMaxFrag, pdu::PType type = pdu::PType::kBind) {
  pdu::Bind b;
  b.maxXmitFrag = b.maxRecvFrag = maxFrag;
  b.contexts.push_back(pdu::ContextElement{0, kEchoIf, {kNdr20Syntax}});
  Bytes out;
  pdu::encodeBind(out, type, flags, 1, b);
  return out;
}

Bytes requestPdu(uint32_t callId, uint16_t opnum, const Bytes& stub, uint8_t flags = kWhole,
                 std::optional<uint32_t> allocHint = std::nullopt,
                 std::optional<Uuid> object = std::nullopt) {
  pdu::Request q;
  q.opnum = opnum;
  q.allocHint = allocHint.value_or(static_cast<uint32_t>(stub.size()));
  q.object = object;
  Bytes out;
  pdu::encodeRequest(out, flags, callId, q, stub.data(), stub.size());
  return out;
}

// ---- the server, spoken to in raw PDUs ----

class ServerRules : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_shared<EchoService>();
    server_.registerInterface(kEchoIf, testing::kOpCount, service_);
    fd_ = server_.adoptSocketPair();
    in_ = PduStream(fd_);
  }
  void TearDown() override {
    ::close(fd_);
    service_->releaseHeld();  // kHang calls would hold shutdown for its grace period
    server_.shutdown();
  }
  // The next PDU from the server; fails the test if none comes.
  pdu::View next() {
    pdu::View v;
    EXPECT_EQ(in_.next(got_, v), PduStream::Got::kPdu);
    return v;
  }
  // The server closed the connection, having sent nothing more.
  bool closedNow() {
    pdu::View v;
    return in_.next(got_, v) == PduStream::Got::kClosed;
  }
  void bind(uint8_t flags, uint16_t maxFrag = pdu::kDefaultMaxFrag) {
    sendAll(fd_, bindPdu(flags, maxFrag));
    ASSERT_EQ(next().header.type, pdu::PType::kBindAck);
  }
  // The fault answering a request: its status and pfc_flags.
  std::pair<uint32_t, uint8_t> fault() {
    pdu::View v = next();
    EXPECT_EQ(v.header.type, pdu::PType::kFault);
    if (v.header.type != pdu::PType::kFault) return {0, 0};
    return {pdu::decodeFault(v).status, v.header.flags};
  }
  // The stub data of the response answering a request.
  Bytes response() {
    pdu::View v = next();
    EXPECT_EQ(v.header.type, pdu::PType::kResponse) << pdu::ptypeName(v.header.type);
    if (v.header.type != pdu::PType::kResponse) return {};
    pdu::Body body;
    pdu::decodeResponse(v, body);
    return Bytes(body.stub, body.stub + body.stubLength);
  }

  std::shared_ptr<EchoService> service_;
  Server server_;
  int fd_ = -1;
  PduStream in_{-1};
  Bytes got_;
};

// MS-RPCE 3.3.1.5.1 (<97>), C706 12.6.4.5, MS-RPCE 2.2.2.9: a bind of a version the server does not speak.
TEST_F(ServerRules, ABindOfAnotherProtocolVersionIsAnsweredWithBindNakReason4AndTheConnectionCloses) {
  Bytes b = bindPdu(kWhole | pdu::kConcMpx);
  b[0] = 4;  // rpc_vers 4 (connectionless's number), minor 0
  sendAll(fd_, b);
  pdu::View v = next();
  ASSERT_EQ(v.header.type, pdu::PType::kBindNak);
  EXPECT_EQ(v.header.callId, 1u);
  EXPECT_EQ(v.header.rpcVers, 5);
  EXPECT_EQ(v.header.rpcVersMinor, 0);
  pdu::BindNak nak = pdu::decodeBindNak(v);
  EXPECT_EQ(nak.reason, pdu::RejectReason::kProtocolVersionNotSupported);
  ASSERT_EQ(nak.versions.size(), 1u);  // p_rt_versions_supported: 5.0
  EXPECT_EQ(nak.versions[0], (std::pair<uint8_t, uint8_t>{5, 0}));
  EXPECT_FALSE(nak.signature);
  EXPECT_TRUE(closedNow());
}

TEST_F(ServerRules, ABindOfMinorVersion2IsRefusedToo) {
  Bytes b = bindPdu(kWhole);
  b[1] = 2;
  sendAll(fd_, b);
  pdu::View v = next();
  ASSERT_EQ(v.header.type, pdu::PType::kBindNak);
  EXPECT_EQ(pdu::decodeBindNak(v).reason, pdu::RejectReason::kProtocolVersionNotSupported);
  EXPECT_TRUE(closedNow());
}

TEST_F(ServerRules, ABindOfVersion5_1IsAccepted) {
  Bytes b = bindPdu(kWhole);
  b[1] = 1;
  sendAll(fd_, b);
  EXPECT_EQ(next().header.type, pdu::PType::kBindAck);
}

TEST_F(ServerRules, ARequestOfAnotherProtocolVersionClosesTheConnection) {
  bind(kWhole | pdu::kConcMpx);
  Bytes r = requestPdu(2, testing::kEcho, Bytes(8, 1));
  r[0] = 6;
  sendAll(fd_, r);
  EXPECT_TRUE(closedNow());
  EXPECT_EQ(service_->calls.load(), 0);
}

// C706 12.6.3.1 (max_recv_frag), MS-RPCE 3.3.3.5.7.
TEST_F(ServerRules, ARequestFragmentLongerThanTheNegotiatedMaxRecvFragIsFaultedAndTheConnectionCloses) {
  bind(kWhole | pdu::kConcMpx, pdu::kMinFragSize);  // the server now accepts fragments of 1432 bytes
  Bytes fits = requestPdu(2, testing::kEcho, Bytes(pdu::kMinFragSize - pdu::kRequestHeaderSize, 7));
  ASSERT_EQ(fits.size(), pdu::kMinFragSize);
  sendAll(fd_, fits);
  EXPECT_EQ(response().size(), pdu::kMinFragSize - pdu::kRequestHeaderSize);
  sendAll(fd_, requestPdu(3, testing::kEcho, Bytes(2000, 7)));
  auto [status, flags] = fault();
  EXPECT_EQ(status, status::kProtoError);
  EXPECT_TRUE(flags & pdu::kDidNotExecute);
  EXPECT_TRUE(closedNow());
  EXPECT_EQ(service_->calls.load(), 1);
}

// MS-RPCE 2.2.2.6: a non-zero alloc_hint above the stub data rejects the call; below it is only a hint.
TEST_F(ServerRules, AnAllocHintAboveTheStubDataRejectsTheCall) {
  bind(kWhole | pdu::kConcMpx);
  sendAll(fd_, requestPdu(2, testing::kEcho, Bytes(8, 1), kWhole, 100));
  auto [status, flags] = fault();
  EXPECT_EQ(status, status::kProtoError);
  EXPECT_TRUE(flags & pdu::kDidNotExecute);
  // Fragmented: the first fragment's alloc_hint counts the stub data of every fragment.
  sendAll(fd_, requestPdu(3, testing::kEcho, Bytes(8, 1), pdu::kFirstFrag, 24));
  sendAll(fd_, requestPdu(3, testing::kEcho, Bytes(8, 2), pdu::kLastFrag, 8));
  EXPECT_EQ(fault().first, status::kProtoError);
  EXPECT_EQ(service_->calls.load(), 0);
  // The connection stays usable: every PDU was well formed.
  sendAll(fd_, requestPdu(4, testing::kEcho, Bytes(8, 3)));
  EXPECT_EQ(response(), Bytes(8, 3));
}

TEST_F(ServerRules, AnAllocHintBelowTheStubDataOrZeroIsOnlyAHint) {
  bind(kWhole | pdu::kConcMpx);
  sendAll(fd_, requestPdu(2, testing::kEcho, Bytes(8, 1), kWhole, 4));
  EXPECT_EQ(response(), Bytes(8, 1));
  sendAll(fd_, requestPdu(3, testing::kEcho, Bytes(8, 2), kWhole, 0));
  EXPECT_EQ(response(), Bytes(8, 2));
  // Fragments whose alloc_hint is the whole request on each (what impacket sends).
  sendAll(fd_, requestPdu(4, testing::kEcho, Bytes(8, 3), pdu::kFirstFrag, 16));
  sendAll(fd_, requestPdu(4, testing::kEcho, Bytes(8, 4), pdu::kLastFrag, 16));
  Bytes both(8, 3);
  both.insert(both.end(), 8, 4);
  EXPECT_EQ(response(), both);
}

// MS-RPCE 3.3.1.5.8: the server grants concurrent multiplexing in bind_ack when the bind asks for it.
TEST_F(ServerRules, BindAckGrantsConcMpxWhenAskedAndAlterContextRespNeverCarriesIt) {
  sendAll(fd_, bindPdu(kWhole | pdu::kConcMpx));
  pdu::View ack = next();
  ASSERT_EQ(ack.header.type, pdu::PType::kBindAck);
  EXPECT_EQ(ack.header.flags, kWhole | pdu::kConcMpx);
  sendAll(fd_, bindPdu(kWhole | pdu::kConcMpx, pdu::kDefaultMaxFrag, pdu::PType::kAlterContext));
  pdu::View resp = next();
  ASSERT_EQ(resp.header.type, pdu::PType::kAlterContextResp);
  EXPECT_EQ(resp.header.flags, kWhole);  // what Windows answers (Samba's raw protocol tests)
}

TEST_F(ServerRules, BindAckDoesNotGrantConcMpxUnasked) {
  sendAll(fd_, bindPdu(kWhole));
  pdu::View ack = next();
  ASSERT_EQ(ack.header.type, pdu::PType::kBindAck);
  EXPECT_EQ(ack.header.flags, kWhole);
}

// MS-RPCE 3.3.1.5.8, 3.3.3.5.7: on an exclusive connection a call waits for the one before it.
TEST_F(ServerRules, OnAnExclusiveConnectionASecondCallWhileOneIsPendingIsAProtocolError) {
  bind(kWhole);
  sendAll(fd_, requestPdu(2, testing::kHang, {}));
  for (int i = 0; i < 500 && service_->heldCalls() == 0; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(service_->heldCalls(), 1u);
  sendAll(fd_, requestPdu(3, testing::kEcho, Bytes(8, 1)));
  pdu::View v = next();
  ASSERT_EQ(v.header.type, pdu::PType::kFault);
  EXPECT_EQ(v.header.callId, 3u);
  EXPECT_EQ(pdu::decodeFault(v).status, status::kProtoError);
  EXPECT_TRUE(closedNow());
}

TEST_F(ServerRules, OnAnExclusiveConnectionCallsOneAfterAnotherAreAnswered) {
  bind(kWhole);
  for (uint32_t id = 2; id < 6; ++id) {
    sendAll(fd_, requestPdu(id, testing::kEcho, Bytes(8, static_cast<uint8_t>(id))));
    EXPECT_EQ(response(), Bytes(8, static_cast<uint8_t>(id)));
  }
}

TEST_F(ServerRules, OnAMultiplexedConnectionASecondCallWhileOneIsPendingIsAnswered) {
  bind(kWhole | pdu::kConcMpx);
  sendAll(fd_, requestPdu(2, testing::kHang, {}));
  sendAll(fd_, requestPdu(3, testing::kEcho, Bytes(8, 1)));
  EXPECT_EQ(response(), Bytes(8, 1));
}

// MS-RPCE 2.2.2.2: PFC_MAYBE MAY be ignored, and Windows ignores it (<35>): the call is answered.
TEST_F(ServerRules, AMaybeRequestIsAnsweredAsIfTheFlagWereAbsent) {
  bind(kWhole | pdu::kConcMpx);
  sendAll(fd_, requestPdu(2, testing::kEcho, Bytes(8, 5), kWhole | pdu::kMaybe));
  EXPECT_EQ(response(), Bytes(8, 5));
}

// C706 12.6.4.9: with PFC_OBJECT_UUID every request fragment carries the object UUID before its stub data.
TEST_F(ServerRules, TheObjectUuidOfAFragmentedRequestReachesTheCall) {
  bind(kWhole | pdu::kConcMpx);
  Uuid object = *Uuid::parse("0b7c5a4e-1f2d-4c3b-8a9e-6d5c4b3a2f10");
  sendAll(fd_, requestPdu(2, testing::kWhoAmI, Bytes(8, 0), pdu::kFirstFrag, 16, object));
  sendAll(fd_, requestPdu(2, testing::kWhoAmI, Bytes(8, 0), pdu::kLastFrag, 8, object));
  Bytes r = response();
  ASSERT_EQ(r.size(), 24u);
  EXPECT_EQ(r[0], 1);  // an object UUID is present
  uint8_t expected[16];
  object.encode(expected);
  EXPECT_EQ(std::memcmp(r.data() + 4, expected, 16), 0);
}

// ---- the client, against a raw fake server ----

// A TCP socket listening on an ephemeral loopback port (stored in `port`).
int listenOnLoopback(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// Listens on loopback, accepts one connection and hands each PDU the client sends to `answer`.
class FakeServer {
 public:
  using Answer = std::function<void(int fd, const pdu::View& v)>;
  explicit FakeServer(Answer answer) : answer_(std::move(answer)) {
    listen_ = listenOnLoopback(port_);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeServer() {
    ::shutdown(listen_, SHUT_RDWR);
    thread_.join();
    ::close(listen_);
  }
  std::string binding() const { return "ncacn_ip_tcp:127.0.0.1[" + std::to_string(port_) + "]"; }

  // A bind_ack accepting the one proposed context with NDR 2.0 (granting PFC_CONC_MPX unless told not to).
  static void ack(int fd, const pdu::View& bind, uint8_t flags = kWhole | pdu::kConcMpx) {
    pdu::Bind b = pdu::decodeBind(bind);
    pdu::BindAck a;
    a.maxXmitFrag = b.maxRecvFrag;
    a.maxRecvFrag = b.maxXmitFrag;
    a.assocGroupId = 0x1234;
    pdu::ContextResultEntry e;
    e.transferSyntax = kNdr20Syntax;
    a.results.push_back(e);
    Bytes out;
    pdu::encodeBindAck(out, pdu::PType::kBindAck, flags, bind.header.callId, a);
    sendAll(fd, out);
  }

 private:
  void run() {
    pollfd p{listen_, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return;
    int fd = ::accept(listen_, nullptr, nullptr);
    if (fd < 0) return;
    PduStream in(fd);
    Bytes got;
    pdu::View v;
    while (in.next(got, v) == PduStream::Got::kPdu) answer_(fd, v);
    ::close(fd);
  }

  Answer answer_;
  int listen_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// A fake server that refuses every bind with `reason`.
uint32_t statusOfBindNak(pdu::RejectReason reason, bool* didNotExecute) {
  FakeServer fake([reason](int fd, const pdu::View& v) {
    if (v.header.type != pdu::PType::kBind) return;
    pdu::BindNak nak;
    nak.reason = reason;
    Bytes out;
    pdu::encodeBindNak(out, v.header.callId, nak);
    sendAll(fd, out);
  });
  auto ch = Channel::create(fake.binding());
  Message m = Message::acquire();
  Reply r;
  uint32_t s = ch->tryInvoke(kEchoIf, testing::kEcho, m, r);
  *didNotExecute = r.didNotExecute();
  return s;
}

// MS-RPCE 2.2.2.5: each reject reason reported as what it means, never as an unknown interface.
TEST(ClientRules, ABindNakIsReportedByItsReason) {
  const std::pair<pdu::RejectReason, uint32_t> cases[] = {
      {pdu::RejectReason::kProtocolVersionNotSupported, status::kProtocolError},
      {pdu::RejectReason::kLocalLimitExceeded, status::kServerTooBusy},
      {pdu::RejectReason::kTemporaryCongestion, status::kServerTooBusy},
      {pdu::RejectReason::kAuthenticationTypeNotRecognized, status::kUnknownAuthnService},
      {pdu::RejectReason::kInvalidChecksum, status::kSecPkgError},
      {pdu::RejectReason::kNotSpecified, status::kCallFailedDne},
  };
  for (auto [reason, expected] : cases) {
    bool dne = false;
    EXPECT_EQ(statusOfBindNak(reason, &dne), expected) << "reason " << static_cast<int>(reason);
    EXPECT_TRUE(dne);
  }
}

TEST(ClientRules, ARefusedBindThrowsAnRpcErrorThatSaysTheCallDidNotRun) {
  FakeServer fake([](int fd, const pdu::View& v) {
    pdu::BindNak nak;
    nak.reason = pdu::RejectReason::kProtocolVersionNotSupported;
    Bytes out;
    pdu::encodeBindNak(out, v.header.callId, nak);
    sendAll(fd, out);
  });
  auto ch = Channel::create(fake.binding());
  Message m = Message::acquire();
  try {
    ch->invoke(kEchoIf, testing::kEcho, m);
    FAIL() << "the call went through";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.status(), status::kProtocolError);
    EXPECT_TRUE(e.didNotExecute());
    EXPECT_NE(std::string(e.what()).find("bind_nak"), std::string::npos);
  }
}

// C706 12.6.3.1: PFC_DID_NOT_EXECUTE on a fault tells the client that the server did not run the call.
TEST(ClientRules, AFaultWithDidNotExecuteIsReportedByEveryKindOfCall) {
  auto service = std::make_shared<EchoService>();
  Server server;
  server.registerInterface(kEchoIf, testing::kOpCount, service);
  auto ch = Channel::createInProcess(server);
  Message m = Message::acquire();
  Reply r;
  // An opnum beyond the interface: the server faults it with PFC_DID_NOT_EXECUTE.
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kOpCount, m, r), status::kOpRangeError);
  EXPECT_TRUE(r.didNotExecute());
  // The manager ran and threw: no PFC_DID_NOT_EXECUTE; and a success clears the flag of the Reply reused.
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kThrow, m, r), status::kCallFailed);
  EXPECT_FALSE(r.didNotExecute());
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kOpCount, m, r), status::kOpRangeError);
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, m, r), status::kOk);
  EXPECT_FALSE(r.didNotExecute());
  try {
    ch->invoke(kEchoIf, testing::kOpCount, m);
    FAIL() << "the call went through";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.status(), status::kOpRangeError);
    EXPECT_TRUE(e.didNotExecute());
  }
  std::promise<bool> async;
  ch->invokeAsync(kEchoIf, testing::kOpCount, Message::acquire(), [&](uint32_t s, Reply& reply) {
    async.set_value(s == status::kOpRangeError && reply.didNotExecute());
  });
  EXPECT_TRUE(async.get_future().get());
}

// C706 12.6.3.1: the server sends no fragment longer than the max_recv_frag the client's bind offered.
TEST(ClientRules, AResponseFragmentLongerThanTheClientsMaxRecvFragFailsTheConnection) {
  FakeServer fake([](int fd, const pdu::View& v) {
    if (v.header.type == pdu::PType::kBind) return FakeServer::ack(fd, v);
    pdu::Response r;
    Bytes stub(2000, 9);
    r.allocHint = static_cast<uint32_t>(stub.size());
    Bytes out;
    pdu::encodeResponse(out, kWhole, v.header.callId, r, stub.data(), stub.size());
    sendAll(fd, out);
  });
  ChannelOptions o;
  o.maxFrag = pdu::kMinFragSize;
  auto ch = Channel::create(fake.binding(), o);
  Message m = Message::acquire();
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, m, r), status::kProtocolError);
}

// MS-RPCE 2.2.2.6 would have the client reject a response whose alloc_hint exceeds its stub data; midlrt
// accepts it, because impacket's DCERPCServer answers with the request's alloc_hint.
TEST(ClientRules, AResponseWhoseAllocHintExceedsItsStubDataIsAccepted) {
  FakeServer fake([](int fd, const pdu::View& v) {
    if (v.header.type == pdu::PType::kBind) return FakeServer::ack(fd, v);
    pdu::Response r;
    Bytes stub(8, 9);
    r.allocHint = 100;
    Bytes out;
    pdu::encodeResponse(out, kWhole, v.header.callId, r, stub.data(), stub.size());
    sendAll(fd, out);
  });
  auto ch = Channel::create(fake.binding());
  Message m = Message::acquire();
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, m, r), status::kOk);
  EXPECT_EQ(r.size(), 8u);
}

// A server that does not grant PFC_CONC_MPX (MS-RPCE 3.3.1.5.8) and echoes each request's stub data (a
// request of several fragments: its length and the sum of its bytes, 8 bytes each). It answers a request
// when hold()/allow() let it, and notes whether the client sent anything more before the answer went (a
// second request while one is pending).
class ExclusiveServer {
 public:
  ExclusiveServer() {
    listen_ = listenOnLoopback(port_);
    thread_ = std::thread([this] { run(); });
  }
  ~ExclusiveServer() {
    allow(1000);
    ::shutdown(listen_, SHUT_RDWR);
    thread_.join();
    ::close(listen_);
  }
  std::string binding() const { return "ncacn_ip_tcp:127.0.0.1[" + std::to_string(port_) + "]"; }
  // It answers every request at once, until hold(); then only as many as allow(n) lets through.
  void hold() {
    std::lock_guard lk(mu_);
    budget_ = 0;
  }
  void allow(int n) {
    std::lock_guard lk(mu_);
    budget_ += n;
    cv_.notify_all();
  }
  int requests() const { return requests_.load(); }
  size_t received() const { return received_.load(); }  // stub data bytes of every request so far
  bool overlapped() const { return overlapped_.load(); }

 private:
  void run() {
    pollfd p{listen_, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return;
    int fd = ::accept(listen_, nullptr, nullptr);
    if (fd < 0) return;
    PduStream in(fd);
    Bytes got;
    pdu::View v;
    Bytes stub;
    bool fragmented = false;
    while (in.next(got, v) == PduStream::Got::kPdu) {
      if (v.header.type == pdu::PType::kBind) {
        FakeServer::ack(fd, v, kWhole);  // no PFC_CONC_MPX
        continue;
      }
      if (v.header.type != pdu::PType::kRequest) continue;  // orphaned, co_cancel
      pdu::Body body;
      pdu::decodeRequest(v, body);
      if (v.header.flags & pdu::kFirstFrag) {
        ++requests_;
        stub.clear();
      }
      stub.insert(stub.end(), body.stub, body.stub + body.stubLength);
      received_ += body.stubLength;
      if (!(v.header.flags & pdu::kLastFrag)) {
        fragmented = true;
        continue;
      }
      if (std::exchange(fragmented, false)) {
        uint64_t summary[2] = {stub.size(), 0};
        for (uint8_t b : stub) summary[1] += b;
        stub.assign(reinterpret_cast<uint8_t*>(summary),
                    reinterpret_cast<uint8_t*>(summary) + sizeof summary);
      }
      uint32_t callId = v.header.callId;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return budget_ != 0; });
        if (budget_ > 0) --budget_;
      }
      // Anything sent before this answer is a second call while one is pending.
      if (in.more(30)) overlapped_ = true;
      pdu::Response r;
      r.allocHint = static_cast<uint32_t>(stub.size());
      Bytes out;
      pdu::encodeResponse(out, kWhole, callId, r, stub.data(), stub.size());
      sendAll(fd, out);
    }
    ::close(fd);
  }

  int listen_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  int budget_ = -1;  // negative: unlimited
  std::atomic<int> requests_{0};
  std::atomic<size_t> received_{0};
  std::atomic<bool> overlapped_{false};
};

Message messageOf(uint8_t byte) {
  Message m = Message::acquire();
  m.append(&byte, 1);
  return m;
}

// MS-RPCE 3.3.1.5.8: without PFC_CONC_MPX granted, the client sends the next request only after the
// response to the one before; asynchronous calls issued together wait their turn in order.
TEST(ClientRules, AsyncCallsOnAConnectionWithoutConcMpxGoOneAtATime) {
  ExclusiveServer server;
  auto ch = Channel::create(server.binding());
  constexpr int kCalls = 8;
  std::mutex mu;
  std::vector<int> answered;
  std::promise<void> all;
  for (int i = 0; i < kCalls; ++i) {
    ch->invokeAsync(kEchoIf, testing::kEcho, messageOf(static_cast<uint8_t>(i)),
                    [&, i](uint32_t s, Reply& r) {
                      std::lock_guard lk(mu);
                      EXPECT_EQ(s, status::kOk);
                      EXPECT_EQ(r.size(), 1u);
                      if (r.size() == 1) {
                        EXPECT_EQ(r.data()[0], i);
                      }
                      answered.push_back(i);
                      if (answered.size() == kCalls) all.set_value();
                    });
  }
  ASSERT_EQ(all.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(server.overlapped());
  EXPECT_EQ(server.requests(), kCalls);
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(answered[static_cast<size_t>(i)], i);  // in call order
}

TEST(ClientRules, SyncCallsFromSeveralThreadsOnAConnectionWithoutConcMpxGoOneAtATime) {
  ExclusiveServer server;
  auto ch = Channel::create(server.binding());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Message m = messageOf(static_cast<uint8_t>(t * 16 + i));
        Reply r;
        if (ch->tryInvoke(kEchoIf, testing::kEcho, m, r) == status::kOk && r.size() == 1 &&
            r.data()[0] == t * 16 + i)
          ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_FALSE(server.overlapped());
  EXPECT_EQ(server.requests(), 20);
}

// A call waiting for its turn was never sent: cancelling, abandoning or timing it out ends it at once,
// not executed, and sends nothing for it; the calls after it still go.
TEST(ClientRules, AWaitingCallOnAConnectionWithoutConcMpxEndsUnsent) {
  ExclusiveServer server;
  auto ch = Channel::create(server.binding());
  Message first = messageOf(1);
  Reply r;
  ASSERT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, first, r), status::kOk);  // bound
  server.hold();
  struct Outcome {
    std::promise<std::pair<uint32_t, bool>> p;
    Completion done() {
      return [this](uint32_t s, Reply& reply) { p.set_value({s, reply.didNotExecute()}); };
    }
  };
  Outcome active, cancelled, abandoned, late, after;
  ch->invokeAsync(kEchoIf, testing::kEcho, messageOf(2), active.done());
  CallHandle c = ch->invokeAsync(kEchoIf, testing::kEcho, messageOf(3), cancelled.done());
  CallHandle a = ch->invokeAsync(kEchoIf, testing::kEcho, messageOf(4), abandoned.done());
  CallOptions shortWait;
  shortWait.timeout = 100ms;
  ch->invokeAsync(kEchoIf, testing::kEcho, messageOf(5), late.done(), shortWait);
  c.cancel();
  a.abandon();
  auto got = cancelled.p.get_future().get();
  EXPECT_EQ(got, std::make_pair(status::kCallCancelled, true));
  got = abandoned.p.get_future().get();
  EXPECT_EQ(got, std::make_pair(status::kCallCancelled, true));
  auto lateFuture = late.p.get_future();
  ASSERT_EQ(lateFuture.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(lateFuture.get(), std::make_pair(status::kTimeout, true));
  ch->invokeAsync(kEchoIf, testing::kEcho, messageOf(6), after.done());
  server.allow(2);
  EXPECT_EQ(active.p.get_future().get(), std::make_pair(status::kOk, false));
  EXPECT_EQ(after.p.get_future().get(), std::make_pair(status::kOk, false));
  EXPECT_EQ(server.requests(), 3);  // the bind's first call, the active one and the one after
  EXPECT_FALSE(server.overlapped());
}

// A streamed request's writer on a connection busy with another call: what it writes gathers in memory up
// to a bound (1 MiB), then the writer waits; when the call before it ends the request streams, and only
// then. Before, the request was written whole into memory first (64 MiB here).
TEST(ClientRules, AStreamedRequestWaitingForAConnectionWithoutConcMpxHoldsBoundedMemory) {
  ExclusiveServer server;
  std::promise<uint32_t> active;  // outlives the channel, which may complete the call as it closes
  auto ch = Channel::create(server.binding());
  Message first = messageOf(1);
  Reply r;
  ASSERT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, first, r), status::kOk);  // bound
  server.hold();
  ch->invokeAsync(kEchoIf, testing::kEcho, messageOf(2), [&](uint32_t s, Reply&) { active.set_value(s); });
  constexpr size_t kChunk = 64 * 1024, kChunks = 1024;  // 64 MiB
  std::atomic<size_t> written{0};
  std::vector<uint8_t> chunk(kChunk);
  for (size_t i = 0; i < kChunk; ++i) chunk[i] = static_cast<uint8_t>(i * 7);
  uint64_t chunkSum = 0;
  for (uint8_t b : chunk) chunkSum += b;
  auto streamed = std::async(std::launch::async, [&] {
    Message m = Message::acquire();
    Reply reply;
    const uint32_t s = ch->tryInvoke(
        kEchoIf, testing::kEcho, m,
        [&](ndr::Encoder& e) {
          for (size_t i = 0; i < kChunks; ++i) {
            e.writeBulk(chunk.data(), chunk.size());
            written += kChunk;
            e.flush();
          }
        },
        reply);
    std::vector<uint64_t> summary(2);
    if (reply.size() == 16) std::memcpy(summary.data(), reply.data(), 16);
    return std::make_pair(s, summary);
  });
  // The writer stops near 1 MiB while the call before it is pending, and nothing of it is sent.
  constexpr size_t kBound = size_t{1} << 20;
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (written.load() < kBound - kChunk && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(200ms);
  EXPECT_GE(written.load(), kBound - kChunk);
  EXPECT_LE(written.load(), kBound) << "the waiting request was not bounded";
  EXPECT_EQ(server.requests(), 2);
  server.allow(-1);  // answers everything from now on
  EXPECT_EQ(active.get_future().get(), status::kOk);
  ASSERT_EQ(streamed.wait_for(20s), std::future_status::ready);
  auto [s, summary] = streamed.get();
  EXPECT_EQ(s, status::kOk);
  EXPECT_EQ(summary[0], kChunk * kChunks);
  EXPECT_EQ(summary[1], chunkSum * kChunks);
  EXPECT_EQ(server.requests(), 3);
  EXPECT_FALSE(server.overlapped());
}

// The same with an [async] client's streamed request (Channel::invokeStreaming, as AsyncPipe pushes use):
// a flush past the bound waits for the turn; a request finished under the bound waits in the queue whole,
// as any call's; and a request whose call times out while it waits ends unsent, its writer told so.
TEST(ClientRules, AnAsyncStreamedRequestWaitsForItsTurnOnAConnectionWithoutConcMpx) {
  ExclusiveServer server;
  std::promise<uint32_t> active, small, big, late;  // outlive the channel
  auto ch = Channel::create(server.binding());
  Message first = messageOf(1);
  Reply r;
  ASSERT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, first, r), status::kOk);  // bound
  server.hold();
  auto statusTo = [](std::promise<uint32_t>& p) { return [&p](uint32_t s, Reply&) { p.set_value(s); }; };
  ch->invokeAsync(kEchoIf, testing::kEcho, messageOf(2), statusTo(active));
  // Finished under the bound before its turn: queued whole.
  auto smallCall = ch->invokeStreaming(kEchoIf, testing::kEcho, messageOf(3), statusTo(small), nullptr);
  ASSERT_NE(smallCall, nullptr);
  ASSERT_TRUE(smallCall->flush());
  ASSERT_TRUE(smallCall->finishRequest());
  // Past the bound: its flush waits for its turn (here, until the timeout of the call queued after it).
  CallOptions shortWait;
  shortWait.timeout = 300ms;
  auto lateCall =
      ch->invokeStreaming(kEchoIf, testing::kEcho, messageOf(4), statusTo(late), nullptr, shortWait);
  ASSERT_NE(lateCall, nullptr);
  std::vector<uint8_t> chunk(256 * 1024, 9);
  bool flushed = true;
  for (int i = 0; i < 8 && flushed; ++i) {
    lateCall->encoder().writeBulk(chunk.data(), chunk.size());
    flushed = lateCall->flush();
  }
  EXPECT_FALSE(flushed) << "a flush past the bound returned before the call's turn";
  auto lateStatus = late.get_future();
  ASSERT_EQ(lateStatus.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(lateStatus.get(), status::kTimeout);
  EXPECT_EQ(server.requests(), 2);  // the first call and the active one: the others wait
  // A third streams once its turn comes (the thread pushing waits meanwhile).
  auto bigCall = ch->invokeStreaming(kEchoIf, testing::kEcho, messageOf(5), statusTo(big), nullptr);
  ASSERT_NE(bigCall, nullptr);
  auto pushes = std::async(std::launch::async, [&] {
    for (int i = 0; i < 16; ++i) {
      bigCall->encoder().writeBulk(chunk.data(), chunk.size());
      if (!bigCall->flush()) return false;
    }
    return bigCall->finishRequest();
  });
  EXPECT_EQ(pushes.wait_for(300ms), std::future_status::timeout) << "pushed 4 MiB before its turn";
  server.allow(-1);
  EXPECT_EQ(active.get_future().get(), status::kOk);
  EXPECT_EQ(small.get_future().get(), status::kOk);
  ASSERT_EQ(pushes.wait_for(20s), std::future_status::ready);
  EXPECT_TRUE(pushes.get());
  auto bigStatus = big.get_future();
  ASSERT_EQ(bigStatus.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(bigStatus.get(), status::kOk);
  std::vector<uint8_t> reply;
  uint32_t s = 0;
  EXPECT_TRUE(bigCall->takeReply(reply, s));
  ASSERT_EQ(reply.size(), 16u);
  uint64_t summary[2];
  std::memcpy(summary, reply.data(), 16);
  EXPECT_EQ(summary[0], 1u + 16 * chunk.size());  // the message's byte, then the chunks
  EXPECT_EQ(server.requests(), 4);
  EXPECT_FALSE(server.overlapped());
}

// A client that does not take a streamed reply stops reading the connection once the reply window is full;
// the deadlines of the connection's other calls still end them (before, the call below waited until the
// application took the streamed reply, for ever if it never did).
TEST(ClientRules, ACallsDeadlinePassesWhileItsConnectionIsPausedForAnUntakenStreamedReply) {
  std::atomic<int> requests{0};
  FakeServer fake([&](int fd, const pdu::View& v) {
    if (v.header.type == pdu::PType::kBind) return FakeServer::ack(fd, v);
    if (v.header.type != pdu::PType::kRequest || ++requests != 1) return;  // the second is never answered
    Bytes stub(32 * 1024, 5), out;
    pdu::Response r;
    for (int i = 0; i < 16; ++i) {  // 512 KiB, one fragment short of the end: the reply never completes
      out.clear();
      pdu::encodeResponse(out, i == 0 ? pdu::kFirstFrag : 0, v.header.callId, r, stub.data(), stub.size());
      sendAll(fd, out);
    }
  });
  ChannelOptions options;
  options.replyWindowBytes = 64 * 1024;
  std::promise<uint32_t> streamedDone, timed;  // outlive the channel
  auto ch = Channel::create(fake.binding(), options);
  std::atomic<int> arrivals{0};
  auto streamed = ch->invokeStreaming(
      kEchoIf, testing::kEcho, messageOf(1), [&](uint32_t s, Reply&) { streamedDone.set_value(s); },
      [&] { ++arrivals; });
  ASSERT_NE(streamed, nullptr);
  ASSERT_TRUE(streamed->finishRequest());
  for (int i = 0; i < 500 && arrivals.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_GT(arrivals.load(), 0);
  std::this_thread::sleep_for(100ms);  // the rest is read: over the window, the connection is paused
  CallOptions shortWait;
  shortWait.timeout = 200ms;
  const auto issued = std::chrono::steady_clock::now();
  ch->invokeAsync(
      kEchoIf, testing::kEcho, messageOf(2), [&](uint32_t s, Reply&) { timed.set_value(s); }, shortWait);
  auto timedStatus = timed.get_future();
  ASSERT_EQ(timedStatus.wait_for(5s), std::future_status::ready) << "the deadline was not kept";
  EXPECT_EQ(timedStatus.get(), status::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - issued, 2s);
  streamed->handle().abandon();
  EXPECT_EQ(streamedDone.get_future().get(), status::kCallCancelled);
}

// A server out of reassembly memory refuses a request while its fragments still arrive (the fault comes
// before the last fragment): the client's call ends with that refusal, marked as not executed, and the
// connection goes on serving calls.
TEST(ClientRules, ARequestRefusedWhileItsFragmentsAreStillBeingSentEndsNotExecutedAndTheChannelGoesOn) {
  ServerOptions o;
  o.maxReassemblyBytes = 256 * 1024;  // across the server: a 1 MiB request cannot be held
  Server server(o);
  auto service = std::make_shared<EchoService>();
  server.registerInterface(kEchoIf, testing::kOpCount, service);
  auto ch = Channel::createInProcess(server);
  Message big = Message::acquire();
  big.resize(1u << 20);
  std::memset(big.data(), 7, big.size());
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, big, r), status::kServerTooBusy);
  EXPECT_TRUE(r.didNotExecute());
  Message small = messageOf(5);
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, small, r), status::kOk);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.data()[0], 5);
}

}  // namespace
}  // namespace midlrt::rpc
