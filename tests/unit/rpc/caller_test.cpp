// Who is calling (ServerCall::caller: the transport, a TCP client's address, a local peer's credentials),
// a per-interface security callback that refuses calls before they are unmarshaled, and the permission
// bits of ncalrpc socket files (ServerOptions::localSocketMode).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>

#include "echo_service.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"

namespace {

using namespace midlrt::rpc;
using midlrt::rpc::testing::EchoService;
using midlrt::rpc::testing::kEchoIf;

using Recorder = midlrt::rpc::testing::CallerRecorder;

uint32_t echo(Channel& ch, Reply& reply) {
  Message m = Message::acquire();
  const uint32_t word = 0x01020304;
  m.append(&word, sizeof word);
  return ch.tryInvoke(kEchoIf, midlrt::rpc::testing::kEcho, m, reply);
}

std::string socketPath(const char* name) {
  return (std::filesystem::temp_directory_path() /
          ("midlrt-caller-" + std::string(name) + "-" + std::to_string(::getpid()) + ".sock"))
      .string();
}

TEST(Caller, LocalCallsCarryThePeersCredentials) {
  for (bool inProcess : {true, false}) {
    SCOPED_TRACE(inProcess ? "in-process" : "ncalrpc");
    Server server;
    auto recorder = std::make_shared<Recorder>();
    server.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, recorder);
    const std::string path = socketPath("creds");
    auto ch = inProcess ? Channel::createInProcess(server)
                        : Channel::create(server.listen("ncalrpc:[" + path + "]"));
    Reply reply;
    ASSERT_EQ(echo(*ch, reply), status::kOk);
    std::lock_guard lk(recorder->mu);
    EXPECT_EQ(recorder->last.transport,
              inProcess ? CallerInfo::Transport::kInProcess : CallerInfo::Transport::kLocal);
    EXPECT_EQ(recorder->last.protocolSequence, "ncalrpc");
    ASSERT_TRUE(recorder->last.hasCredentials);
    EXPECT_EQ(recorder->last.pid, ::getpid());
    EXPECT_EQ(recorder->last.uid, ::getuid());
    EXPECT_EQ(recorder->last.gid, ::getgid());
    EXPECT_EQ(recorder->last.address, "");
  }
}

TEST(Caller, TcpCallsCarryTheClientsAddress) {
  Server server;
  auto recorder = std::make_shared<Recorder>();
  server.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, recorder);
  auto ch = Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  Reply reply;
  ASSERT_EQ(echo(*ch, reply), status::kOk);
  std::lock_guard lk(recorder->mu);
  EXPECT_EQ(recorder->last.transport, CallerInfo::Transport::kTcp);
  EXPECT_EQ(recorder->last.protocolSequence, "ncacn_ip_tcp");
  EXPECT_FALSE(recorder->last.hasCredentials);
  EXPECT_EQ(recorder->last.address.rfind("127.0.0.1[", 0), 0u) << recorder->last.address;
  EXPECT_NE(recorder->last.address, "127.0.0.1[0]");
  EXPECT_TRUE(recorder->last.isLoopback);
}

// A dual-stack listener sees an IPv4 client as an IPv4-mapped IPv6 address, still a loopback one.
TEST(Caller, LoopbackClientsAreToldApartWhateverTheAddressFamily) {
  for (const char* listen : {"ncacn_ip_tcp:[::1][0]", "ncacn_ip_tcp:[::][0]"}) {
    SCOPED_TRACE(listen);
    Server server;
    auto recorder = std::make_shared<Recorder>();
    server.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, recorder);
    std::string at;
    try {
      at = server.listen(listen);
    } catch (const RpcError& e) {
      GTEST_SKIP() << "no IPv6 here: " << e.what();
    }
    const std::string port = at.substr(at.rfind('['));
    auto ch =
        Channel::create(std::string(listen) == "ncacn_ip_tcp:[::1][0]" ? "ncacn_ip_tcp:[::1]" + port
                                                                       : "ncacn_ip_tcp:127.0.0.1" + port);
    Reply reply;
    ASSERT_EQ(echo(*ch, reply), status::kOk);
    std::lock_guard lk(recorder->mu);
    EXPECT_EQ(recorder->last.address.rfind('[', 0), 0u) << recorder->last.address;  // an IPv6 address
    EXPECT_TRUE(recorder->last.isLoopback) << recorder->last.address;
  }
}

TEST(Caller, ASecurityCallbackRefusesBeforeTheStubRunsAndTheServerKeepsServing) {
  for (unsigned workers : {0u, 2u}) {
    SCOPED_TRACE("workers " + std::to_string(workers));
    ServerOptions options;
    options.workerThreads = workers;
    Server server(options);
    auto echoService = std::make_shared<EchoService>();
    std::atomic<bool> allow{false};
    std::atomic<int> asked{0};
    InterfaceOptions io;
    io.securityCallback = [&](const ServerCall& call) {
      ++asked;
      // Authorize on the caller, as a local service does: this user, and only while allowed.
      if (!call.caller().hasCredentials || call.caller().uid != ::getuid()) return status::kAccessDenied;
      return allow ? status::kOk : status::kAccessDenied;
    };
    server.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, echoService, io);
    auto ch = Channel::createInProcess(server);

    Reply refused;
    EXPECT_EQ(echo(*ch, refused), status::kAccessDenied);
    EXPECT_TRUE(refused.didNotExecute());
    EXPECT_EQ(echoService->calls.load(), 0) << "the stub ran for a refused call";

    allow = true;
    Reply served;
    ASSERT_EQ(echo(*ch, served), status::kOk);
    EXPECT_EQ(served.size(), 4u);
    EXPECT_EQ(echoService->calls.load(), 1);
    EXPECT_EQ(asked.load(), 2);
  }
}

TEST(Caller, ASecurityCallbackThatThrowsRefusesWithAccessDenied) {
  Server server;
  auto echoService = std::make_shared<EchoService>();
  InterfaceOptions io;
  io.securityCallback = [](const ServerCall&) -> uint32_t { throw std::runtime_error("policy unavailable"); };
  server.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, echoService, io);
  auto ch = Channel::createInProcess(server);
  Reply reply;
  EXPECT_EQ(echo(*ch, reply), status::kAccessDenied);
  EXPECT_EQ(echoService->calls.load(), 0);
}

TEST(Caller, LocalSocketModeSetsTheSocketFilesPermissions) {
  for (int mode : {0600, 0660}) {
    ServerOptions options;
    options.localSocketMode = mode;
    Server server(options);
    server.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, std::make_shared<EchoService>());
    const std::string path = socketPath("mode");
    auto ch = Channel::create(server.listen("ncalrpc:[" + path + "]"));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, static_cast<mode_t>(mode));
    Reply reply;
    EXPECT_EQ(echo(*ch, reply), status::kOk);  // its owner still connects
  }
}

}  // namespace

namespace {

// For managers without a handle_t: ServerCall::current() is the call being served on this thread, in the
// security callback and the stub, and null elsewhere.
class CurrentWatcher : public EchoService {
 public:
  void dispatch(ServerCall& call) override {
    sawItself = ServerCall::current() == &call;
    EchoService::dispatch(call);
  }
  std::atomic<bool> sawItself{false};
};

TEST(Caller, CurrentIsTheCallBeingServedOnThisThread) {
  EXPECT_EQ(ServerCall::current(), nullptr);
  for (unsigned workers : {0u, 2u}) {
    ServerOptions options;
    options.workerThreads = workers;
    Server server(options);
    auto watcher = std::make_shared<CurrentWatcher>();
    std::atomic<bool> callbackSawIt{false};
    InterfaceOptions io;
    io.securityCallback = [&](const ServerCall& call) {
      callbackSawIt = ServerCall::current() == &call;
      return status::kOk;
    };
    server.registerInterface(kEchoIf, midlrt::rpc::testing::kOpCount, watcher, io);
    auto ch = Channel::createInProcess(server);
    Reply reply;
    ASSERT_EQ(echo(*ch, reply), status::kOk);
    EXPECT_TRUE(watcher->sawItself.load());
    EXPECT_TRUE(callbackSawIt.load());
  }
  EXPECT_EQ(ServerCall::current(), nullptr);
}

}  // namespace
