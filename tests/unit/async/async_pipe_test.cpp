// AsyncPipe<T> over a PipeCall that never has data: what pullWait registers with the call while it waits.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "midlrt/async/async_pipe.h"

namespace midlrt::async {
namespace {

using namespace std::chrono_literals;

// A call whose [out] pipe has nothing: pulls are pending until end(), and waiters are kept until fire().
class PendingCall final : public PipeCall {
 public:
  uint32_t push(std::size_t, bool, const Writer&) override { return status::kOk; }
  uint32_t pull(std::size_t, const Reader&) override {
    std::lock_guard lk(mu_);
    return ended_;
  }
  bool whenReceivable(std::function<void()> fn) override {
    std::lock_guard lk(mu_);
    waiters_.push_back(std::move(fn));
    ++registered_;
    return true;
  }
  // Pulls return `s` from now on, and the waiters run, as when a call fails.
  void end(uint32_t s) {
    {
      std::lock_guard lk(mu_);
      ended_ = s;
    }
    fire();
  }
  // Runs the waiters, as a call does when bytes arrive.
  void fire() {
    std::vector<std::function<void()>> ws;
    {
      std::lock_guard lk(mu_);
      ws.swap(waiters_);
    }
    for (auto& w : ws) w();
  }
  int registered() {
    std::lock_guard lk(mu_);
    return registered_;
  }
  size_t waiting() {
    std::lock_guard lk(mu_);
    return waiters_.size();
  }

 private:
  std::mutex mu_;
  std::vector<std::function<void()>> waiters_;
  int registered_ = 0;
  uint32_t ended_ = status::kAsyncCallPending;
};

// An application that polls with short timeouts while nothing arrives keeps one waiter registered, not one
// per poll (before, 200 polls left 200 waiters with the call until data came).
TEST(AsyncPipeWaits, PollingWithShortTimeoutsKeepsOneWaiter) {
  auto call = std::make_shared<PendingCall>();
  AsyncPipe<int32_t> pipe;
  pipe.bindPull(call, 0, [](ndr::Decoder&, std::span<int32_t>) {});
  std::vector<int32_t> buffer(16);
  size_t n = 0;
  for (int i = 0; i < 200; ++i) EXPECT_EQ(pipe.pullWait(buffer, n, 0ms), status::kAsyncCallPending);
  EXPECT_EQ(call->registered(), 1);
  EXPECT_EQ(call->waiting(), 1u);
  // Once it has run, the next wait registers again.
  call->fire();
  EXPECT_EQ(pipe.pullWait(buffer, n, 1ms), status::kAsyncCallPending);
  EXPECT_EQ(call->registered(), 2);
}

// The next wait after a timed-out one waits on the waiter that one left, and sees what the call says once
// it has run (here: the call ended).
TEST(AsyncPipeWaits, AWaitAfterATimedOutOneUsesTheWaiterItLeft) {
  auto call = std::make_shared<PendingCall>();
  AsyncPipe<int32_t> pipe;
  pipe.bindPull(call, 0, [](ndr::Decoder&, std::span<int32_t>) {});
  std::vector<int32_t> buffer(16);
  size_t n = 0;
  EXPECT_EQ(pipe.pullWait(buffer, n, 1ms), status::kAsyncCallPending);
  std::thread ender([&] {
    std::this_thread::sleep_for(50ms);
    call->end(status::kCallFailed);
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(pipe.pullWait(buffer, n, 10s), status::kCallFailed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  ender.join();
  EXPECT_EQ(call->registered(), 1);
}

}  // namespace
}  // namespace midlrt::async
