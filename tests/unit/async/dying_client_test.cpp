// A client process killed while its COM call is pending on the server: the server call object is told
// (IServerCallControl::OnDisconnect) and, once the server lets go of it, freed -- the runtime does not keep
// the call of a client that is gone.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "fixture.h"

extern char** environ;

namespace midlrt::async::testing {
namespace {

using namespace std::chrono_literals;
using DyingClient = AsyncFixture;

// Starts the client process against `endpoint`; returns its pid once it has begun its call.
pid_t startClient(const std::string& endpoint) {
  int out[2];
  if (::pipe(out) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string path = MIDLRT_DYING_CLIENT;
  char* argv[] = {path.data(), const_cast<char*>(endpoint.c_str()), nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  char buf[16] = {};
  ssize_t n = rc == 0 ? ::read(out[0], buf, sizeof buf - 1) : -1;
  ::close(out[0]);
  if (rc != 0) return -1;
  if (n <= 0 || std::string(buf).rfind("begun", 0) != 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return -1;
  }
  return pid;
}

template <class F>
bool eventually(F done) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

TEST_P(DyingClient, PendingServerCallObjectIsToldAndFreedWhenItsClientProcessDies) {
  calc_->mode = ServerMode::kLetGoOnDisconnect;
  int before = liveServerCalls.load();
  pid_t pid = startClient(endpoint_);  // the fixture's TCP endpoint
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(calc_->waitHeld(1));
  EXPECT_EQ(liveServerCalls.load(), before + 1);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);  // the kernel closes the process's connection
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(eventually([&] { return calc_->disconnectsSeen.load() == 1; }));  // told
  EXPECT_TRUE(eventually([&] { return liveServerCalls.load() == before; }));    // and freed
  EXPECT_EQ(calc_->held(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Tcp, DyingClient, ::testing::Values(Transport::kTcp), transportName);

}  // namespace
}  // namespace midlrt::async::testing
