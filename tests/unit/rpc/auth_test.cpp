// Authentication (NTLM through gss-ntlmssp) between a midlrt client and server (Kerberos and SPNEGO, which
// need a KDC, are tests/interop/rpc/kerberos_e2e.py's): the three legs, calls
// signed at pkt_integrity in both directions (fragmented, concurrent, asynchronous), what the manager and a
// security callback learn of the caller, an interface's minimum level, and each refusal: a wrong password,
// an unauthenticated caller, a service the server did not register, a level this runtime cannot provide.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "echo_service.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"

namespace {

using namespace midlrt::rpc;
using midlrt::rpc::testing::EchoService;
using midlrt::rpc::testing::kEchoIf;
using midlrt::rpc::testing::kOtherIf;

using Recorder = midlrt::rpc::testing::CallerRecorder;

// A server accepting NTLM for the accounts of a user file, serving kEchoIf to callers at pkt_integrity and
// kOtherIf to anyone.
class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_ = std::filesystem::temp_directory_path() / ("midlrt-auth-users-" + std::to_string(::getpid()));
    std::ofstream(users_) << "TESTDOM:alice:Passw0rd!\nTESTDOM:bob:B0b-secret\n";
    ServerAuth auth;
    auth.service = AuthnService::kWinNT;
    auth.ntlmUserFile = users_.string();
    server_.registerAuthInfo(auth);
    InterfaceOptions integrity;
    integrity.minAuthnLevel = AuthnLevel::kPktIntegrity;
    server_.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, recorder_, integrity);
    server_.registerInterface(kOtherIf, midlrt::rpc::testing::kOpCount, other_);
    endpoint_ = server_.listen("ncacn_ip_tcp:127.0.0.1[0]");
  }
  void TearDown() override { std::filesystem::remove(users_); }

  static ChannelOptions as(const std::string& user, const std::string& password,
                           AuthnLevel level = AuthnLevel::kPktIntegrity) {
    ChannelOptions o;
    o.auth.service = AuthnService::kWinNT;
    o.auth.level = level;
    o.auth.user = user;
    o.auth.domain = "TESTDOM";
    o.auth.password = password;
    return o;
  }

  std::filesystem::path users_;
  Server server_;
  std::shared_ptr<Recorder> recorder_ = std::make_shared<Recorder>();
  std::shared_ptr<Recorder> other_ = std::make_shared<Recorder>();
  std::string endpoint_;
};

Message bytes(size_t n, uint8_t seed) {
  Message m = Message::acquire();
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  m.append(v.data(), v.size());
  return m;
}

uint32_t echo(Channel& ch, const SyntaxId& iface, size_t n, Reply& reply, uint8_t seed = 1) {
  Message m = bytes(n, seed);
  return ch.tryInvoke(iface, midlrt::rpc::testing::kEcho, m, reply);
}

bool echoed(const Reply& reply, size_t n, uint8_t seed = 1) {
  if (reply.size() != n) return false;
  for (size_t i = 0; i < n; ++i)
    if (reply.data()[i] != static_cast<uint8_t>(seed + i * 7)) return false;
  return true;
}

TEST_F(AuthTest, SignedCallsReachTheManagerWhoSeesTheAuthenticatedCaller) {
  auto ch = Channel::create(endpoint_, as("alice", "Passw0rd!"));
  for (size_t n : {size_t{0}, size_t{5}, size_t{100}, size_t{70000}, size_t{300000}}) {
    SCOPED_TRACE(n);
    Reply reply;
    ASSERT_EQ(echo(*ch, kEchoIf, n, reply), status::kOk);
    EXPECT_TRUE(echoed(reply, n));
  }
  std::lock_guard lk(recorder_->mu);
  EXPECT_EQ(recorder_->last.authnService, AuthnService::kWinNT);
  EXPECT_EQ(recorder_->last.authnLevel, AuthnLevel::kPktIntegrity);
  EXPECT_EQ(recorder_->last.clientPrincipal, "TESTDOM\\alice");
}

// A response gathered from the stub's locals (as generated stubs send large [out] arrays) is signed
// fragment by fragment like any other (sealing takes the same path: NTLM here cannot seal).
TEST_F(AuthTest, GatheredResponsesAreSigned) {
  auto ch = Channel::create(endpoint_, as("alice", "Passw0rd!"));
  for (size_t n : {size_t{20000}, size_t{300000}}) {
    SCOPED_TRACE(n);
    Message m = bytes(n, 9);
    Reply reply;
    ASSERT_EQ(ch->tryInvoke(kEchoIf, midlrt::rpc::testing::kEchoGathered, m, reply), status::kOk);
    EXPECT_TRUE(echoed(reply, n, 9));
  }
}

TEST_F(AuthTest, ConcurrentAndAsynchronousCallsKeepTheSignaturesInOrder) {
  // NTLM's sequence numbers make every signature depend on the order PDUs leave in: calls from many
  // threads, and asynchronous ones with many in flight, must each be signed as they are written.
  auto ch = Channel::create(endpoint_, as("bob", "B0b-secret"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Reply reply;
        size_t n = static_cast<size_t>((t * 50 + i) * 97 % 9000);
        if (echo(*ch, kEchoIf, n, reply, static_cast<uint8_t>(t)) != status::kOk ||
            !echoed(reply, n, static_cast<uint8_t>(t)))
          ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);

  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  int bad = 0;
  constexpr int kCalls = 64;
  for (int i = 0; i < kCalls; ++i) {
    ch->invokeAsync(kEchoIf, midlrt::rpc::testing::kEcho, bytes(3000, static_cast<uint8_t>(i)),
                    [&, i](uint32_t s, Reply& reply) {
                      std::lock_guard lk(mu);
                      if (s != status::kOk || !echoed(reply, 3000, static_cast<uint8_t>(i))) ++bad;
                      ++done;
                      cv.notify_all();
                    });
  }
  std::unique_lock lk(mu);
  ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(30), [&] { return done == kCalls; }));
  EXPECT_EQ(bad, 0);
}

TEST_F(AuthTest, AStreamedRequestIsSignedFragmentByFragmentAsItIsWritten) {
  // Channel::invoke with a RequestWriter (what [in] pipes use): fragments leave as the writer flushes.
  auto ch = Channel::create(endpoint_, as("alice", "Passw0rd!"));
  std::vector<uint8_t> chunk(50000);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 13);
  Message m = Message::acquire();
  Reply reply;
  ASSERT_EQ(ch->tryInvoke(
                kEchoIf, midlrt::rpc::testing::kEcho, m,
                [&](midlrt::ndr::Encoder& e) {
                  for (int i = 0; i < 8; ++i) {
                    e.writeBulk(chunk.data(), chunk.size());
                    e.flush();
                  }
                },
                reply),
            status::kOk);
  ASSERT_EQ(reply.size(), 8 * chunk.size());
  for (size_t i = 0; i < reply.size(); ++i) ASSERT_EQ(reply.data()[i], chunk[i % chunk.size()]) << "at " << i;
}

TEST_F(AuthTest, ConnectLevelAuthenticatesOnlyAndIsBelowTheInterfacesMinimum) {
  auto ch = Channel::create(endpoint_, as("alice", "Passw0rd!", AuthnLevel::kConnect));
  Reply reply;
  ASSERT_EQ(echo(*ch, kOtherIf, 10, reply), status::kOk);
  EXPECT_TRUE(echoed(reply, 10));
  {
    std::lock_guard lk(other_->mu);
    EXPECT_EQ(other_->last.authnLevel, AuthnLevel::kConnect);
    EXPECT_EQ(other_->last.clientPrincipal, "TESTDOM\\alice");
  }
  Reply refused;
  EXPECT_EQ(echo(*ch, kEchoIf, 10, refused), status::kAccessDenied);
  EXPECT_TRUE(refused.didNotExecute());
}

TEST_F(AuthTest, AnUnauthenticatedCallerIsRefusedWhereIntegrityIsRequired) {
  auto ch = Channel::create(endpoint_);
  Reply reply;
  EXPECT_EQ(echo(*ch, kEchoIf, 10, reply), status::kAccessDenied);
  EXPECT_TRUE(reply.didNotExecute());
  Reply open;
  ASSERT_EQ(echo(*ch, kOtherIf, 10, open), status::kOk);
  std::lock_guard lk(other_->mu);
  EXPECT_EQ(other_->last.authnService, AuthnService::kNone);
  EXPECT_EQ(other_->last.authnLevel, AuthnLevel::kNone);
  EXPECT_EQ(other_->last.clientPrincipal, "");
}

TEST_F(AuthTest, AWrongPasswordOrUnknownUserIsRefusedAndTheServerKeepsServing) {
  for (auto [user, password] : {std::pair<std::string, std::string>{"alice", "wrong"}, {"mallory", "x"}}) {
    SCOPED_TRACE(user);
    auto ch = Channel::create(endpoint_, as(user, password));
    Reply reply;
    EXPECT_EQ(echo(*ch, kOtherIf, 10, reply), status::kAccessDenied);
    EXPECT_TRUE(reply.didNotExecute());
  }
  auto good = Channel::create(endpoint_, as("alice", "Passw0rd!"));
  Reply reply;
  EXPECT_EQ(echo(*good, kEchoIf, 10, reply), status::kOk);
}

TEST(Auth, AServiceTheServerDidNotRegisterIsRefusedAtBind) {
  Server server;
  server.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, std::make_shared<EchoService>());
  ChannelOptions o;
  o.auth.service = AuthnService::kWinNT;
  o.auth.user = "alice";
  o.auth.domain = "TESTDOM";
  o.auth.password = "Passw0rd!";
  auto ch = Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"), o);
  Reply reply;
  EXPECT_EQ(echo(*ch, kEchoIf, 10, reply), status::kUnknownAuthnService);
  EXPECT_TRUE(reply.didNotExecute());
}

TEST(Auth, WhatThisRuntimeCannotProvideFailsClearly) {
  // NTLM at pkt_privacy (gss-ntlmssp cannot sign a PDU whose stub data alone it encrypts) and Netlogon's
  // secure channel (RPC_C_AUTHN_NETLOGON, 68): the client fails before connecting, the server refuses to
  // register them.
  Server server;
  server.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, std::make_shared<EchoService>());
  const std::string endpoint = server.listen("ncacn_ip_tcp:127.0.0.1[0]");
  const auto netlogon = static_cast<AuthnService>(68);
  for (auto [service, level] :
       {std::pair{AuthnService::kWinNT, AuthnLevel::kPktPrivacy}, {netlogon, AuthnLevel::kPktIntegrity}}) {
    ChannelOptions o;
    o.auth.service = service;
    o.auth.level = level;
    o.auth.user = "alice";
    o.auth.password = "x";
    auto ch = Channel::create(endpoint, o);
    Reply reply;
    EXPECT_EQ(echo(*ch, kEchoIf, 10, reply), status::kUnknownAuthnService);
  }
  ServerAuth schannel;
  schannel.service = netlogon;
  EXPECT_THROW(server.registerAuthInfo(schannel), RpcError);
}

}  // namespace
