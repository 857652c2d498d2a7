// COM call objects over a real channel and server: the Begin_/Finish_ rules, cancellation, call
// synchronization, server call objects, aggregation, many outstanding calls, co_await and futures.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <thread>

#include "fixture.h"
#include "midlrt/async/coro.h"

namespace midlrt::async::testing {
namespace {

using namespace std::chrono_literals;
using CallObjects = AsyncFixture;

TEST_P(CallObjects, BeginThenFinishReturnsTheOutputsOfTheSyncMethod) {
  auto call = newCall(proxy_.get());
  ASSERT_TRUE(call);
  ASSERT_EQ(call->Begin_Add(2, 3), S_OK);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 5);
  EXPECT_EQ(calc_->asyncCalls.load(), 1);
}

TEST_P(CallObjects, BeginWhilePendingReturnsCallPending) {
  calc_->mode = ServerMode::kHold;
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(1, 1), S_OK);
  EXPECT_EQ(call->Begin_Add(2, 2), RPC_E_CALL_PENDING);
  ASSERT_TRUE(calc_->waitHeld(1));
  calc_->releaseReverse();
  // Still pending until Finish_, even once the reply is in.
  ASSERT_EQ(call.as<ISynchronize>()->Wait(0, INFINITE), S_OK);
  EXPECT_EQ(call->Begin_Add(3, 3), RPC_E_CALL_PENDING);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 2);
  EXPECT_EQ(calc_->asyncCalls.load(), 1);
}

TEST_P(CallObjects, FinishWithNoCallReturnsCallComplete) {
  auto call = newCall(proxy_.get());
  int32_t sum = 7;
  EXPECT_EQ(call->Finish_Add(&sum), RPC_E_CALL_COMPLETE);
  EXPECT_EQ(sum, 0);
  ASSERT_EQ(call->Begin_Add(1, 2), S_OK);
  EXPECT_EQ(call->Finish_Add(&sum), S_OK);
  EXPECT_EQ(call->Finish_Add(&sum), RPC_E_CALL_COMPLETE);
}

TEST_P(CallObjects, EarlyFinishWaitsForTheReply) {
  calc_->mode = ServerMode::kHold;
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(20, 22), S_OK);
  std::thread releaser([&] {
    calc_->waitHeld(1);
    std::this_thread::sleep_for(30ms);
    calc_->releaseReverse();
  });
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 42);
  releaser.join();
}

TEST_P(CallObjects, CallObjectIsReusableAfterFinish) {
  auto call = newCall(proxy_.get());
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(call->Begin_Add(i, 100), S_OK);
    int32_t sum = 0;
    ASSERT_EQ(call->Finish_Add(&sum), S_OK);
    EXPECT_EQ(sum, i + 100);
  }
}

TEST_P(CallObjects, ReleaseAfterBeginAbandonsTheCallAndFreesTheObject) {
  calc_->mode = ServerMode::kHold;
  int before = liveCallObjects.load();
  {
    auto call = newCall(proxy_.get());
    ASSERT_EQ(call->Begin_Add(1, 2), S_OK);
    EXPECT_EQ(liveCallObjects.load(), before + 1);
  }
  EXPECT_EQ(liveCallObjects.load(), before);
  ASSERT_TRUE(calc_->waitHeld(1));  // the call went out and runs on
  calc_->releaseReverse();          // its reply is dropped by the client
  // The channel stays usable.
  auto next = newCall(proxy_.get());
  calc_->mode = ServerMode::kImmediate;
  ASSERT_EQ(next->Begin_Add(4, 4), S_OK);
  int32_t sum = 0;
  EXPECT_EQ(next->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 8);
}

TEST_P(CallObjects, CancelBeforeTheRequestIsSentIsSticky) {
  // A first call connects; then the request is held back by a cork while Cancel is called.
  auto warm = newCall(proxy_.get());
  ASSERT_EQ(warm->Begin_Add(0, 0), S_OK);
  int32_t sum = 0;
  ASSERT_EQ(warm->Finish_Add(&sum), S_OK);

  calc_->mode = ServerMode::kCancelAware;
  auto call = newCall(proxy_.get());
  auto cancel = call.as<ICancelMethodCalls>();
  {
    rpc::Channel::Cork cork(*channel_);
    ASSERT_EQ(call->Begin_Add(5, 6), S_OK);
    EXPECT_EQ(cancel->Cancel(RPC_C_CANCEL_INFINITE_TIMEOUT), S_OK);
    EXPECT_EQ(cancel->TestCancel(), RPC_E_CALL_CANCELED);
  }
  // The server saw the request, then the co_cancel, and answered "cancelled".
  EXPECT_EQ(call->Finish_Add(&sum), RPC_E_CALL_CANCELED);
  EXPECT_EQ(calc_->cancelsSeen.load(), 1);
}

TEST_P(CallObjects, CancelDuringTheCallReachesTheServer) {
  calc_->mode = ServerMode::kCancelAware;
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(1, 1), S_OK);
  ASSERT_TRUE(calc_->waitHeld(1));
  auto cancel = call.as<ICancelMethodCalls>();
  EXPECT_EQ(cancel->TestCancel(), RPC_S_CALLPENDING);
  EXPECT_EQ(cancel->Cancel(5), S_OK);
  EXPECT_EQ(cancel->Cancel(5), RPC_E_CALL_CANCELED);  // already cancelled
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), RPC_E_CALL_CANCELED);
  EXPECT_EQ(calc_->cancelsSeen.load(), 1);
  EXPECT_EQ(cancel->TestCancel(), RPC_E_CALL_COMPLETE);  // finished: no call any more
}

TEST_P(CallObjects, CancelOrphansTheCallWhenTheServerIgnoresItPastTheTimeout) {
  calc_->mode = ServerMode::kHold;
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(1, 1), S_OK);
  ASSERT_TRUE(calc_->waitHeld(1));
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(call.as<ICancelMethodCalls>()->Cancel(1), S_OK);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), RPC_E_CALL_CANCELED);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 900ms);
  EXPECT_LT(waited, 5s);
  // The server saw co_cancel (and then orphaned) while it kept the call.
  auto ctx = calc_->heldAt(0);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx.as<ICancelMethodCalls>()->TestCancel(), RPC_E_CALL_CANCELED);
  calc_->releaseReverse();
}

TEST_P(CallObjects, ACancelledCallIgnoresTheReplyThatArrivesWithinTheTimeout) {
  // "Canceling Method Calls": after a cancel the client ignores whatever results the server passes.
  calc_->mode = ServerMode::kHold;
  calc_->honourCancel = false;  // the server answers with the sum anyway
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(2, 3), S_OK);
  ASSERT_TRUE(calc_->waitHeld(1));
  ASSERT_EQ(call.as<ICancelMethodCalls>()->Cancel(30), S_OK);
  calc_->releaseReverse();
  ASSERT_EQ(call.as<ISynchronize>()->Wait(0, 10000), S_OK);  // the reply came, well within 30 s
  int32_t sum = -1;
  EXPECT_EQ(call->Finish_Add(&sum), RPC_E_CALL_CANCELED);
  EXPECT_EQ(sum, 0);
}

TEST_P(CallObjects, CancelWithInfiniteTimeoutWaitsForTheServerPastTheChannelDeadline) {
  // RPC_C_CANCEL_INFINITE_TIMEOUT: wait for the server however long it takes; the channel's default
  // deadline does not end a cancelled call (RpcAsyncCancelCall: no built-in timeout).
  auto proxy = makeObject<CalcProxy>(connect(300ms));
  calc_->mode = ServerMode::kHold;
  auto call = newCall(proxy.get());
  ASSERT_EQ(call->Begin_Add(1, 1), S_OK);
  ASSERT_TRUE(calc_->waitHeld(1));
  ASSERT_EQ(call.as<ICancelMethodCalls>()->Cancel(RPC_C_CANCEL_INFINITE_TIMEOUT), S_OK);
  EXPECT_EQ(call.as<ISynchronize>()->Wait(0, 900), RPC_S_CALLPENDING);
  EXPECT_EQ(call.as<ICancelMethodCalls>()->TestCancel(), RPC_E_CALL_CANCELED);
  calc_->releaseReverse();  // the server answers (honouring the cancel)
  ASSERT_EQ(call.as<ISynchronize>()->Wait(0, 10000), S_OK);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), RPC_E_CALL_CANCELED);
}

TEST_P(CallObjects, CancelWithZeroTimeoutCompletesAtOnce) {
  calc_->mode = ServerMode::kHold;
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(1, 1), S_OK);
  EXPECT_EQ(call.as<ICancelMethodCalls>()->Cancel(0), S_OK);
  EXPECT_EQ(call.as<ISynchronize>()->Wait(0, 0), S_OK);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), RPC_E_CALL_CANCELED);
  calc_->waitHeld(1);
  calc_->releaseReverse();
}

TEST_P(CallObjects, CancelAfterCompletionReturnsCallCompleteAndTheReplyWins) {
  auto call = newCall(proxy_.get());
  EXPECT_EQ(call.as<ICancelMethodCalls>()->Cancel(0), RPC_E_CALL_COMPLETE);  // no call yet
  ASSERT_EQ(call->Begin_Add(3, 4), S_OK);
  ASSERT_EQ(call.as<ISynchronize>()->Wait(0, INFINITE), S_OK);
  EXPECT_EQ(call.as<ICancelMethodCalls>()->Cancel(0), RPC_E_CALL_COMPLETE);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 7);
}

TEST_P(CallObjects, WaitTimesOutWithCallPending) {
  calc_->mode = ServerMode::kHold;
  auto call = newCall(proxy_.get());
  auto sync = call.as<ISynchronize>();
  ASSERT_EQ(call->Begin_Add(1, 2), S_OK);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(sync->Wait(0, 30), RPC_S_CALLPENDING);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 25ms);
  ASSERT_TRUE(calc_->waitHeld(1));
  calc_->releaseReverse();
  EXPECT_EQ(sync->Wait(0, 10000), S_OK);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 3);
}

TEST_P(CallObjects, SynchronizeHandleIsAPollableDescriptorPerCall) {
  calc_->mode = ServerMode::kHold;
  auto first = newCall(proxy_.get());
  auto second = newCall(proxy_.get());
  int fds[2] = {-1, -1};
  ASSERT_EQ(first.as<ISynchronizeHandle>()->GetHandle(&fds[0]), S_OK);
  ASSERT_EQ(second.as<ISynchronizeHandle>()->GetHandle(&fds[1]), S_OK);
  ASSERT_EQ(first->Begin_Add(1, 1), S_OK);
  ASSERT_TRUE(calc_->waitHeld(1));
  ASSERT_EQ(second->Begin_Add(2, 2), S_OK);
  ASSERT_TRUE(calc_->waitHeld(2));
  pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
  EXPECT_EQ(::poll(p, 2, 0), 0);
  // Release only the second call.
  calc_->releaseOne(calc_->heldAt(1).get());
  p[0].revents = p[1].revents = 0;
  ASSERT_EQ(::poll(p, 2, 10000), 1);
  EXPECT_EQ(p[0].revents, 0);
  EXPECT_TRUE(p[1].revents & POLLIN);
  int32_t sum = 0;
  EXPECT_EQ(second->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 4);
  // Begin_ resets the event; Reset clears it by hand.
  second.as<ISynchronize>()->Reset();
  p[1].revents = 0;
  EXPECT_EQ(::poll(&p[1], 1, 0), 0);
  calc_->releaseReverse();
  EXPECT_EQ(first->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 2);
}

TEST_P(CallObjects, ThousandOutstandingCallsFromOneThreadCompleteInReverseOrder) {
  constexpr int kCalls = 1000;
  calc_->mode = ServerMode::kHold;
  std::vector<ComPtr<AsyncICalc>> calls;
  calls.reserve(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(newCall(proxy_.get()));
    ASSERT_EQ(calls.back()->Begin_Add(i, 1), S_OK);
  }
  ASSERT_TRUE(calc_->waitHeld(kCalls));
  std::thread releaser([&] { calc_->releaseReverse(); });
  for (int i = 0; i < kCalls; ++i) {
    int32_t sum = 0;
    ASSERT_EQ(calls[i]->Finish_Add(&sum), S_OK);
    ASSERT_EQ(sum, i + 1);
  }
  releaser.join();
  EXPECT_EQ(calc_->asyncCalls.load(), kCalls);
}

TEST_P(CallObjects, ServerCallObjectSignalledFromAnotherThreadSendsTheReply) {
  calc_->mode = ServerMode::kHold;
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(8, 9), S_OK);
  ASSERT_TRUE(calc_->waitHeld(1));
  auto ctx = calc_->heldAt(0);
  EXPECT_EQ(ctx.as<ICancelMethodCalls>()->TestCancel(), RPC_S_CALLPENDING);
  std::thread([&] { calc_->releaseReverse(); }).join();
  EXPECT_EQ(ctx.as<ICancelMethodCalls>()->TestCancel(), RPC_E_CALL_COMPLETE);
  ctx.reset();
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 17);
}

TEST_P(CallObjects, AsyncClientAgainstSyncOnlyServerCannotTell) {
  calc_->asyncEnabled = false;
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(30, 12), S_OK);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 42);
  EXPECT_EQ(calc_->syncCalls.load(), 1);
  EXPECT_EQ(calc_->asyncCalls.load(), 0);
}

TEST_P(CallObjects, SyncClientAgainstAsyncServerCannotTell) {
  rpc::Message m = rpc::Message::acquire(rpc::kObjectRequestHeadroom);
  int32_t a = 40, b = 2;
  m.append(&a, 4);
  m.append(&b, 4);
  rpc::Reply r = channel_->invoke(kICalcIf, kAddOpnum, m);
  ASSERT_EQ(r.size(), 8u);
  int32_t sum;
  HRESULT hr;
  std::memcpy(&sum, r.data(), 4);
  std::memcpy(&hr, r.data() + 4, 4);
  EXPECT_EQ(sum, 42);
  EXPECT_EQ(hr, S_OK);
  EXPECT_EQ(calc_->asyncCalls.load(), 1);
}

TEST_P(CallObjects, FailedServerBeginReachesFinishAsItsHresult) {
  calc_->mode = ServerMode::kFailBegin;
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(1, 1), S_OK);
  int32_t sum = 5;
  EXPECT_EQ(call->Finish_Add(&sum), E_ACCESSDENIED);
  EXPECT_EQ(sum, 0);
}

TEST_P(CallObjects, ServerBeginThatThrowsFaultsTheCall) {
  calc_->mode = ServerMode::kThrowBegin;
  int before = calc_->asyncCalls.load();
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(1, 1), S_OK);
  int32_t sum = 5;
  EXPECT_EQ(static_cast<uint32_t>(call->Finish_Add(&sum)), 0x800706BEu);  // RPC_S_CALL_FAILED
  EXPECT_EQ(calc_->asyncCalls.load(), before + 1);
}

TEST_P(CallObjects, CallObjectsIssuedFromOneThreadAreDispatchedInOrder) {
  calc_->mode = ServerMode::kHold;
  std::vector<ComPtr<AsyncICalc>> calls;
  for (int i = 0; i < 50; ++i) {
    calls.push_back(newCall(proxy_.get()));
    ASSERT_EQ(calls.back()->Begin_Add(i, 0), S_OK);
  }
  ASSERT_TRUE(calc_->waitHeld(50));
  // Parked in dispatch order; release them first to last and check each reply.
  std::vector<ComPtr<ISynchronize>> held;
  for (size_t i = 0; i < 50; ++i) held.push_back(calc_->heldAt(i));
  for (size_t i = 0; i < 50; ++i) {
    calc_->releaseOne(held[i].get());
    held[i].reset();
    int32_t sum = -1;
    ASSERT_EQ(calls[i]->Finish_Add(&sum), S_OK);
    EXPECT_EQ(sum, static_cast<int32_t>(i));  // the i-th dispatched call was the i-th issued
  }
}

TEST_P(CallObjects, CreateCallChecksTheIidsAndAggregationRule) {
  ComPtr<IUnknown> out;
  EXPECT_EQ(proxy_->CreateCall(ICalc::kIid, nullptr, IUnknown::kIid, out.put()), E_NOINTERFACE);
  class Outer final : public ComObject<IUnknown> {};
  auto outer = ComObject<IUnknown>::make<Outer>();
  EXPECT_EQ(proxy_->CreateCall(AsyncICalc::kIid, outer.get(), AsyncICalc::kIid, out.put()), E_INVALIDARG);
  EXPECT_EQ(proxy_->CreateCall(AsyncICalc::kIid, nullptr, AsyncICalc::kIid, nullptr), E_POINTER);
  // Unaggregated: every interface of the call object has the same identity.
  ASSERT_EQ(proxy_->CreateCall(AsyncICalc::kIid, nullptr, ISynchronize::kIid, out.put()), S_OK);
  ComPtr<IUnknown> id1 = out.as<IUnknown>();
  ComPtr<IUnknown> id2 = out.as<AsyncICalc>().as<IUnknown>();
  EXPECT_EQ(id1, id2);
  EXPECT_TRUE(out.as<ICancelMethodCalls>());
  EXPECT_TRUE(out.as<ISynchronizeHandle>());
}

// An aggregating client: the call object signals the outer's ISynchronize when the call completes.
class NotifiedOuter final : public ISynchronize {
 public:
  std::atomic<int> signals{0};
  ComPtr<IUnknown> inner;  // the call object's non-delegating IUnknown
  HRESULT QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IUnknown::kIid || riid == ISynchronize::kIid) {
      *ppv = static_cast<ISynchronize*>(this);
      AddRef();
      return S_OK;
    }
    return inner->QueryInterface(riid, ppv);
  }
  ULONG AddRef() override { return ++refs_; }
  ULONG Release() override { return --refs_; }  // lives on the test's stack
  HRESULT Wait(DWORD flags, DWORD ms) override { return innerSync()->Wait(flags, ms); }
  HRESULT Signal() override {
    ++signals;
    return innerSync()->Signal();  // forward, so that Wait on the call object works too
  }
  HRESULT Reset() override { return innerSync()->Reset(); }

 private:
  ISynchronize* innerSync() {
    void* p = nullptr;
    inner->QueryInterface(ISynchronize::kIid, &p);  // counts on the outer: give it back
    Release();
    return static_cast<ISynchronize*>(p);
  }
  std::atomic<ULONG> refs_{1};
};

TEST_P(CallObjects, AggregatingClientIsSignalledThroughItsOwnSynchronize) {
  NotifiedOuter outer;
  ASSERT_EQ(proxy_->CreateCall(AsyncICalc::kIid, &outer, IUnknown::kIid, outer.inner.put()), S_OK);
  ComPtr<AsyncICalc> call = ComPtr<IUnknown>(&outer).as<AsyncICalc>();
  ASSERT_TRUE(call);
  ASSERT_EQ(call->Begin_Add(1, 2), S_OK);
  EXPECT_EQ(outer.Wait(0, 10000), S_OK);
  EXPECT_EQ(outer.signals.load(), 1);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), S_OK);
  EXPECT_EQ(sum, 3);
  call.reset();
  outer.inner.reset();
}

TEST_P(CallObjects, BeginReportsAFailureToIssueAtOnce) {
  auto dead = rpc::Channel::create("ncacn_ip_tcp:127.0.0.1[1]", {std::chrono::milliseconds(500)});
  auto proxy = ComObject<ICallFactory>::make<CalcProxy>(dead);
  auto call = newCall(proxy.get());
  HRESULT hr = call->Begin_Add(1, 1);
  EXPECT_TRUE(FAILED(hr)) << hresultName(hr);
  int32_t sum = 0;
  EXPECT_EQ(call->Finish_Add(&sum), RPC_E_CALL_COMPLETE);
}

// A coroutine type for the test: runs eagerly, nothing to resume at the end.
struct Detached {
  struct promise_type {
    Detached get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
};

Detached addWithCoAwait(ComPtr<AsyncICalc> call, std::promise<int32_t>* result) {
  call->Begin_Add(19, 23);
  co_await done(*asCallObject(call.get()));
  int32_t sum = 0;
  call->Finish_Add(&sum);
  result->set_value(sum);
}

Task<int32_t> twoCalls(ComPtr<AsyncICalc> call) {
  int32_t total = 0;
  for (int i = 0; i < 2; ++i) {
    call->Begin_Add(i, 10);
    co_await done(*asCallObject(call.get()));
    int32_t sum = 0;
    call->Finish_Add(&sum);
    total += sum;
  }
  co_return total;
}

TEST_P(CallObjects, CallObjectCanBeAwaitedWithCoAwait) {
  calc_->mode = ServerMode::kHold;
  std::promise<int32_t> result;
  auto future = result.get_future();
  addWithCoAwait(newCall(proxy_.get()), &result);
  ASSERT_TRUE(calc_->waitHeld(1));
  EXPECT_EQ(future.wait_for(0ms), std::future_status::timeout);
  calc_->releaseReverse();
  EXPECT_EQ(future.get(), 42);

  calc_->mode = ServerMode::kImmediate;
  Task<int32_t> t = twoCalls(newCall(proxy_.get()));
  EXPECT_EQ(t.future().get(), 21);
}

TEST_P(CallObjects, CallObjectCanBeTurnedIntoAFuture) {
  calc_->mode = ServerMode::kHold;
  auto call = newCall(proxy_.get());
  ASSERT_EQ(call->Begin_Add(5, 5), S_OK);
  std::future<std::pair<HRESULT, int32_t>> f = toFuture(*asCallObject(call.get()), [call] {
    int32_t sum = 0;
    HRESULT hr = call->Finish_Add(&sum);
    return std::make_pair(hr, sum);
  });
  ASSERT_TRUE(calc_->waitHeld(1));
  calc_->releaseReverse();
  auto [hr, sum] = f.get();
  EXPECT_EQ(hr, S_OK);
  EXPECT_EQ(sum, 10);
}

INSTANTIATE_TEST_SUITE_P(Transports, CallObjects, ::testing::Values(Transport::kTcp, Transport::kInProcess),
                         transportName);

}  // namespace
}  // namespace midlrt::async::testing
