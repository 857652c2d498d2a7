// Asynchronous RPC over a real channel and server: every notification type, complete() rules, abortive and
// non-abortive cancel, server abort, client disconnect, RAII, co_await and futures.
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>

#include <chrono>
#include <thread>

#include "fixture.h"
#include "midlrt/async/coro.h"

namespace midlrt::async::testing {
namespace {

using namespace std::chrono_literals;
using AsyncRpc = AsyncFixture;

TEST_P(AsyncRpc, NoNotificationStatusIsPendingUntilDone) {
  adder_->mode = AdderMode::kHold;
  AsyncState st;
  EXPECT_EQ(st.status(), status::kInvalidAsyncHandle);
  ASSERT_EQ(Add(st, *channel_, 2, 40), status::kOk);
  EXPECT_EQ(st.status(), status::kAsyncCallPending);
  int32_t r = 0;
  EXPECT_EQ(st.complete(&r), status::kAsyncCallPending);  // early: try again later
  ASSERT_TRUE(adder_->waitHeld(1));
  for (auto& [h, sum] : adder_->takeHeld()) EXPECT_EQ(h.complete(&sum), status::kOk);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (st.status() == status::kAsyncCallPending && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(st.status(), status::kOk);
  EXPECT_EQ(st.complete(&r), status::kOk);
  EXPECT_EQ(r, 42);
  EXPECT_EQ(st.complete(&r), status::kInvalidAsyncHandle);  // completed: no call any more
}

TEST_P(AsyncRpc, EventNotificationIsWaitableAndPollable) {
  adder_->mode = AdderMode::kHold;
  AsyncState st;
  ASSERT_TRUE(st.notifyByEvent());
  int fd = st.eventFd();
  ASSERT_EQ(Add(st, *channel_, 1, 2), status::kOk);
  EXPECT_FALSE(st.wait(10ms));
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
  ASSERT_TRUE(adder_->waitHeld(1));
  for (auto& [h, sum] : adder_->takeHeld()) h.complete(&sum);
  ASSERT_EQ(::poll(&p, 1, 10000), 1);
  EXPECT_TRUE(st.wait(0ms));
  int32_t r = 0;
  EXPECT_EQ(st.complete(&r), status::kOk);
  EXPECT_EQ(r, 3);
  p.revents = 0;
  EXPECT_EQ(::poll(&p, 1, 0), 0);  // complete() clears the event
}

TEST_P(AsyncRpc, CallbackNotificationRunsOnceAndMayCompleteTheCall) {
  AsyncState st;
  std::promise<std::pair<uint32_t, int32_t>> got;
  std::atomic<int> runs{0};
  st.notifyByCallback([&](AsyncState& s) {
    ++runs;
    int32_t r = 0;
    uint32_t status = s.complete(&r);
    got.set_value({status, r});
  });
  ASSERT_EQ(Add(st, *channel_, 20, 22), status::kOk);
  auto [status, r] = got.get_future().get();
  EXPECT_EQ(status, status::kOk);
  EXPECT_EQ(r, 42);
  EXPECT_EQ(runs.load(), 1);
}

TEST_P(AsyncRpc, AWaiterReadsItsOwnReplyWhenNobodyElseReads) {
  // This thread and the channel's reader thread (started by the first async call, it inherits the
  // affinity) share one CPU, where a woken reader that preempted its waker would take every read. The
  // thread in wait() reads the reply itself instead, and the callback runs there, before wait() returns.
  struct Affinity {      // restored however the test ends: the tests after it run on this thread too
    cpu_set_t before{};  // empty: a restore after a failed read changes nothing (EINVAL)
    ~Affinity() { ::sched_setaffinity(0, sizeof before, &before); }
  } restore;
  ASSERT_EQ(::sched_getaffinity(0, sizeof restore.before, &restore.before), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(::sched_getcpu(), &one);
  ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
  const std::thread::id self = std::this_thread::get_id();
  int here = 0;
  constexpr int kCalls = 20;
  for (int i = 0; i < kCalls; ++i) {
    AsyncState st;
    std::thread::id ran;
    st.notifyByCallback([&](AsyncState&) { ran = std::this_thread::get_id(); });
    ASSERT_EQ(Add(st, *channel_, i, 1), status::kOk);
    ASSERT_TRUE(st.wait(10000ms));
    int32_t r = 0;
    EXPECT_EQ(st.complete(&r), status::kOk);
    EXPECT_EQ(r, i + 1);
    if (ran == self) ++here;
  }
  // All of them on an idle machine. Under load, a time slice that ends between the issue and the wait lets
  // the reader in first (4 of 20 in some runs beside two busy loops); without the waiter reading, none.
  EXPECT_GE(here, 1);
}

TEST_P(AsyncRpc, CompletionQueueDrainsManyCallsOnOneThread) {
  constexpr int kCalls = 200;
  adder_->mode = AdderMode::kHold;
  CompletionQueue queue;
  std::vector<std::unique_ptr<AsyncState>> states;
  for (int i = 0; i < kCalls; ++i) {
    states.push_back(std::make_unique<AsyncState>());
    states.back()->notifyByQueue(queue, static_cast<uint64_t>(i));
    ASSERT_EQ(Add(*states.back(), *channel_, i, 1000), status::kOk);
  }
  ASSERT_TRUE(adder_->waitHeld(kCalls));
  pollfd p{queue.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
  std::thread completer([&] {
    auto held = adder_->takeHeld();
    for (auto it = held.rbegin(); it != held.rend(); ++it) it->first.complete(&it->second);
  });
  std::vector<bool> seen(kCalls, false);
  for (int n = 0; n < kCalls; ++n) {
    CompletionQueue::Entry e;
    ASSERT_TRUE(queue.next(e, 10000ms));
    ASSERT_LT(e.key, static_cast<uint64_t>(kCalls));
    EXPECT_EQ(e.state, states[e.key].get());
    int32_t r = 0;
    ASSERT_EQ(e.state->complete(&r), status::kOk);
    EXPECT_EQ(r, static_cast<int32_t>(e.key) + 1000);
    EXPECT_FALSE(seen[e.key]);
    seen[e.key] = true;
  }
  completer.join();
  CompletionQueue::Entry e;
  EXPECT_FALSE(queue.tryNext(e));
}

TEST_P(AsyncRpc, DestroyingAStateRemovesItsQueuedCompletion) {
  CompletionQueue queue;
  {
    AsyncState st;
    st.notifyByQueue(queue, 7);
    ASSERT_EQ(Add(st, *channel_, 1, 1), status::kOk);
    ASSERT_TRUE(st.wait(10000ms));
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (queue.size() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(queue.size(), 1u);
  }
  EXPECT_EQ(queue.size(), 0u);  // no entry left pointing at a destroyed state
  pollfd p{queue.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
}

TEST_P(AsyncRpc, AbortiveCancelCompletesLocallyAtOnce) {
  adder_->mode = AdderMode::kHold;
  AsyncState st;
  ASSERT_EQ(Add(st, *channel_, 1, 1), status::kOk);
  ASSERT_TRUE(adder_->waitHeld(1));
  EXPECT_EQ(st.cancel(true), status::kOk);
  EXPECT_EQ(st.status(), status::kCallCancelled);
  int32_t r = 0;
  EXPECT_EQ(st.complete(&r), status::kCallCancelled);
  // The server is told (orphaned) and sees the cancel.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (adder_->cancels.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(adder_->cancels.load(), 1);
  auto held = adder_->takeHeld();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].first.testCancel(), status::kOk);
}

TEST_P(AsyncRpc, NonAbortiveCancelWaitsForTheServer) {
  adder_->mode = AdderMode::kAbortOnCancel;
  AsyncState st;
  st.notifyByEvent();
  ASSERT_EQ(Add(st, *channel_, 1, 1), status::kOk);
  ASSERT_TRUE(adder_->waitHeld(1));
  auto held = adder_->takeHeld();
  EXPECT_EQ(held[0].first.testCancel(), status::kCallInProgress);
  EXPECT_EQ(st.cancel(false), status::kOk);
  EXPECT_TRUE(st.wait(10000ms));  // completes when the server's cancel fault arrives
  EXPECT_TRUE(held[0].first.isCancelled());
  EXPECT_EQ(st.complete(), status::kCallCancelled);
}

TEST_P(AsyncRpc, NonAbortiveCancelHasNoBuiltInTimeout) {
  // RpcAsyncCancelCall: a non-abortive cancel waits for the server, with no timeout of its own; the
  // channel's default deadline no longer ends the call once it is cancelled.
  auto channel = connect(300ms);
  adder_->mode = AdderMode::kHold;
  AsyncState st;
  ASSERT_EQ(Add(st, *channel, 1, 1), status::kOk);
  ASSERT_TRUE(adder_->waitHeld(1));
  EXPECT_EQ(st.cancel(false), status::kOk);
  EXPECT_FALSE(st.wait(900ms));  // three times the default deadline
  EXPECT_EQ(st.status(), status::kAsyncCallPending);
  for (auto& [h, sum] : adder_->takeHeld()) h.abort(rpc::status::kFaultCancel);  // the server honours it
  ASSERT_TRUE(st.wait(10000ms));
  EXPECT_EQ(st.complete(), status::kCallCancelled);
}

TEST_P(AsyncRpc, NonAbortiveCancelLosesToAReplyTheServerSends) {
  adder_->mode = AdderMode::kHold;
  AsyncState st;
  ASSERT_EQ(Add(st, *channel_, 4, 5), status::kOk);
  ASSERT_TRUE(adder_->waitHeld(1));
  EXPECT_EQ(st.cancel(false), status::kOk);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (adder_->cancels.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  for (auto& [h, sum] : adder_->takeHeld()) h.complete(&sum);  // the server ignores the cancel
  ASSERT_TRUE(st.wait(10000ms));
  int32_t r = 0;
  EXPECT_EQ(st.complete(&r), status::kOk);
  EXPECT_EQ(r, 9);
}

TEST_P(AsyncRpc, ServerAbortReachesTheClientAsAFaultOnce) {
  adder_->mode = AdderMode::kHold;
  AsyncState st;
  ASSERT_EQ(Add(st, *channel_, 1, 1), status::kOk);
  ASSERT_TRUE(adder_->waitHeld(1));
  auto held = adder_->takeHeld();
  constexpr uint32_t kMyFault = 0x00001234;
  std::thread([&] { EXPECT_EQ(held[0].first.abort(kMyFault), status::kOk); }).join();
  EXPECT_EQ(held[0].first.abort(kMyFault), status::kInvalidAsyncCall);
  EXPECT_EQ(held[0].first.complete(&held[0].second), status::kInvalidAsyncCall);
  ASSERT_TRUE(st.wait(10000ms));
  EXPECT_EQ(st.complete(), kMyFault);
}

TEST_P(AsyncRpc, ClientDisconnectIsSeenOnTheServer) {
  adder_->mode = AdderMode::kHold;
  auto other = connect();
  AsyncState st;
  ASSERT_EQ(Add(st, *other, 1, 1), status::kOk);
  ASSERT_TRUE(adder_->waitHeld(1));
  other->disconnect();  // the client goes away with the call in flight
  EXPECT_EQ(st.complete(), status::kCallFailed);
  ASSERT_TRUE(adder_->waitDisconnects(1));
  auto held = adder_->takeHeld();
  EXPECT_TRUE(held[0].first.isDisconnected());
  EXPECT_TRUE(held[0].first.isCancelled());
  EXPECT_EQ(adder_->cancels.load(), 1);
  EXPECT_EQ(held[0].first.complete(&held[0].second), status::kOk);  // harmless: nobody to send it to
}

TEST_P(AsyncRpc, DestroyingAPendingStateCancelsTheCall) {
  adder_->mode = AdderMode::kHold;
  std::atomic<int> callbacks{0};
  {
    AsyncState st;
    st.notifyByCallback([&](AsyncState&) { ++callbacks; });
    ASSERT_EQ(Add(st, *channel_, 1, 1), status::kOk);
    ASSERT_TRUE(adder_->waitHeld(1));
  }
  EXPECT_EQ(callbacks.load(), 0);  // no notification during or after destruction
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (adder_->cancels.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(adder_->cancels.load(), 1);
  for (auto& [h, sum] : adder_->takeHeld()) h.complete(&sum);
}

TEST_P(AsyncRpc, FailureToIssueIsReportedAtOnceWithoutNotification) {
  auto dead = rpc::Channel::create("ncacn_ip_tcp:127.0.0.1[1]", {std::chrono::milliseconds(500)});
  AsyncState st;
  std::atomic<int> callbacks{0};
  st.notifyByCallback([&](AsyncState&) { ++callbacks; });
  uint32_t s = Add(st, *dead, 1, 1);
  EXPECT_NE(s, status::kOk);
  EXPECT_EQ(st.status(), status::kInvalidAsyncHandle);
  EXPECT_EQ(callbacks.load(), 0);
}

TEST_P(AsyncRpc, AStateIsReusableAfterComplete) {
  AsyncState st;
  st.notifyByEvent();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Add(st, *channel_, i, i), status::kOk);
    EXPECT_EQ(Add(st, *channel_, i, i), status::kInvalidAsyncCall);  // one call per state
    ASSERT_TRUE(st.wait(10000ms));
    int32_t r = 0;
    ASSERT_EQ(st.complete(&r), status::kOk);
    EXPECT_EQ(r, 2 * i);
  }
}

TEST_P(AsyncRpc, TimeoutSurfacesAtCompletion) {
  adder_->mode = AdderMode::kHold;
  AsyncState st;
  rpc::CallOptions o;
  o.timeout = 50ms;
  rpc::Message m = rpc::Message::acquire();
  int32_t a = 1, b = 2;
  m.append(&a, 4);
  m.append(&b, 4);
  ASSERT_EQ(st.issue(*channel_, kAdderIf, kAdderAdd, std::move(m), nullptr, o), status::kOk);
  ASSERT_TRUE(st.wait(10000ms));
  EXPECT_EQ(st.complete(), status::kTimeout);
  adder_->waitHeld(1);
  adder_->takeHeld();
}

TEST_P(AsyncRpc, CallbackMayDestroyItsState) {
  std::promise<uint32_t> got;
  auto* st = new AsyncState;
  st->notifyByCallback([&](AsyncState& s) {
    uint32_t status = s.complete();
    delete &s;
    got.set_value(status);
  });
  ASSERT_EQ(Add(*st, *channel_, 1, 1), status::kOk);
  EXPECT_EQ(got.get_future().get(), status::kOk);
}

TEST_P(AsyncRpc, AsyncClientAgainstASyncManagerCannotTell) {
  adder_->mode = AdderMode::kSyncStub;
  AsyncState st;
  ASSERT_EQ(Add(st, *channel_, 40, 2), status::kOk);
  ASSERT_TRUE(st.wait(10000ms));
  int32_t r = 0;
  EXPECT_EQ(st.complete(&r), status::kOk);
  EXPECT_EQ(r, 42);
}

TEST_P(AsyncRpc, SyncClientAgainstAnAsyncManagerCannotTell) {
  rpc::Message m = rpc::Message::acquire();
  int32_t a = 40, b = 2;
  m.append(&a, 4);
  m.append(&b, 4);
  rpc::Reply r = channel_->invoke(kAdderIf, kAdderAdd, m);
  ASSERT_EQ(r.size(), 4u);
  int32_t sum;
  std::memcpy(&sum, r.data(), 4);
  EXPECT_EQ(sum, 42);
}

TEST_P(AsyncRpc, AManagerThatDropsItsHandleFailsTheCallInsteadOfHanging) {
  adder_->mode = AdderMode::kDrop;
  AsyncState st;
  ASSERT_EQ(Add(st, *channel_, 1, 1), status::kOk);
  ASSERT_TRUE(st.wait(10000ms));
  EXPECT_EQ(st.complete(), status::kCallFailed);
}

TEST_P(AsyncRpc, AManagerThatThrowsFinishesItsHandle) {
  // The throw faults the call; the handle the manager kept refers to a finished call, which
  // RpcAsyncCompleteCall and RpcAsyncAbortCall report as RPC_S_INVALID_ASYNC_CALL.
  adder_->mode = AdderMode::kHoldThenThrow;
  AsyncState st;
  ASSERT_EQ(Add(st, *channel_, 1, 1), status::kOk);
  ASSERT_TRUE(st.wait(10000ms));
  EXPECT_EQ(st.complete(), status::kCallFailed);
  auto held = adder_->takeHeld();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].first.complete(&held[0].second), status::kInvalidAsyncCall);
  EXPECT_EQ(held[0].first.abort(rpc::status::kFaultCancel), status::kInvalidAsyncCall);
}

TEST_P(AsyncRpc, AbortiveCancelEscalatesANonAbortiveOne) {
  adder_->mode = AdderMode::kHold;
  AsyncState st;
  ASSERT_EQ(Add(st, *channel_, 1, 1), status::kOk);
  ASSERT_TRUE(adder_->waitHeld(1));
  EXPECT_EQ(st.cancel(false), status::kOk);
  EXPECT_EQ(st.status(), status::kAsyncCallPending);  // the server ignores it
  EXPECT_EQ(st.cancel(true), status::kOk);
  EXPECT_EQ(st.complete(), status::kCallCancelled);
  adder_->takeHeld();
}

Task<int32_t> addAwaited(AsyncState& st, rpc::Channel& channel) {
  int32_t total = 0;
  for (int i = 1; i <= 3; ++i) {
    if (Add(st, channel, i, i) != status::kOk) co_return -1;
    co_await done(st);
    int32_t r = 0;
    if (st.complete(&r) != status::kOk) co_return -2;
    total += r;
  }
  co_return total;
}

TEST_P(AsyncRpc, AsyncStateCanBeAwaitedWithCoAwait) {
  AsyncState st;
  Task<int32_t> t = addAwaited(st, *channel_);
  EXPECT_EQ(t.future().get(), 12);
}

TEST_P(AsyncRpc, AsyncStateCanBeTurnedIntoAFuture) {
  adder_->mode = AdderMode::kHold;
  AsyncState st;
  ASSERT_EQ(Add(st, *channel_, 6, 7), status::kOk);
  std::future<std::pair<uint32_t, int32_t>> f = toFuture(st, [&st] {
    int32_t r = 0;
    uint32_t s = st.complete(&r);
    return std::make_pair(s, r);
  });
  ASSERT_TRUE(adder_->waitHeld(1));
  for (auto& [h, sum] : adder_->takeHeld()) h.complete(&sum);
  auto [s, r] = f.get();
  EXPECT_EQ(s, status::kOk);
  EXPECT_EQ(r, 13);
}

INSTANTIATE_TEST_SUITE_P(Transports, AsyncRpc, ::testing::Values(Transport::kTcp, Transport::kInProcess),
                         transportName);

}  // namespace
}  // namespace midlrt::async::testing
