// Cancel objects of synchronous calls ("Canceling Method Calls", CoGetCancelObject, CoCancelCall): a thread
// blocked in a proxy method is cancelled from another thread through its call's ICancelMethodCalls.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "fixture.h"
#include "midlrt/detail/proxy_base.h"

namespace midlrt::async::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A synchronous ICalc proxy written as midlc writes one: ProxyBase::invoke, a failed call as its HRESULT.
class CalcSyncProxy final : public ComObject<ICalc>, public ProxyBase {
 public:
  explicit CalcSyncProxy(std::shared_ptr<rpc::Channel> channel)
      : ProxyBase(std::move(channel), rpc::Uuid{}, kICalcIf) {}
  HRESULT Add(int32_t a, int32_t b, int32_t* sum) override {
    try {
      rpc::Message m = rpc::Message::acquire(rpc::kObjectRequestHeadroom);
      m.append(&a, 4);
      m.append(&b, 4);
      rpc::Reply r = invoke(kAddOpnum, m);
      if (r.size() != 8) return RPC_E_FAULT;
      HRESULT server;
      std::memcpy(sum, r.data(), 4);
      std::memcpy(&server, r.data() + 4, 4);
      return server;
    } catch (const rpc::RpcError& e) {
      return hresultFromStatus(e.status());
    }
  }
};

// A thread that (optionally) enables cancellation, publishes its id and makes one blocking Add.
class BlockedCaller {
 public:
  BlockedCaller(ComPtr<CalcSyncProxy> proxy, bool enable = true) {
    std::promise<ThreadId> id;
    idReady_ = id.get_future();
    result_ = std::async(std::launch::async, [proxy, enable, this, id = std::move(id)]() mutable {
      if (enable) {
        EXPECT_EQ(enableCallCancellation(), S_OK);
      }
      id.set_value(std::this_thread::get_id());
      HRESULT hr = proxy->Add(1, 2, &sum_);
      returned_ = Clock::now();
      if (enable) {
        EXPECT_EQ(disableCallCancellation(), S_OK);
      }
      return hr;
    });
    id_ = idReady_.get();
  }
  ThreadId id() const { return id_; }
  HRESULT result() { return result_.get(); }
  bool stillBlockedAfter(std::chrono::milliseconds ms) {
    return result_.wait_for(ms) == std::future_status::timeout;
  }
  Clock::time_point returned() const { return returned_; }
  int32_t sum() const { return sum_; }

 private:
  std::future<ThreadId> idReady_;
  ThreadId id_;
  std::future<HRESULT> result_;
  int32_t sum_ = 0;
  Clock::time_point returned_;
};

// The cancel object of the call in progress on `thread`: it exists from when the request has been sent,
// which the server may see before the caller's thread has published it.
ComPtr<ICancelMethodCalls> cancelObjectOf(ThreadId thread) {
  auto deadline = Clock::now() + 10s;
  HRESULT hr = E_FAIL;
  auto cancel = getCancelObject(thread, &hr);
  while (!cancel && hr == E_NOINTERFACE && Clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
    cancel = getCancelObject(thread, &hr);
  }
  return cancel;
}

class SyncCancel : public AsyncFixture {
 protected:
  void SetUp() override {
    AsyncFixture::SetUp();
    calc_->asyncEnabled = true;  // the server runs the call as a call object it can hold
    sync_ = makeObject<CalcSyncProxy>(channel_);
  }
  ComPtr<CalcSyncProxy> sync_;
};

TEST_P(SyncCancel, ABlockedCallIsCancelledFromAnotherThreadAndTheServerSeesIt) {
  calc_->mode = ServerMode::kCancelAware;  // the server answers as soon as it sees the co_cancel
  BlockedCaller caller(sync_);
  ASSERT_TRUE(calc_->waitHeld(1));
  auto cancel = cancelObjectOf(caller.id());
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->TestCancel(), RPC_S_CALLPENDING);
  auto start = Clock::now();
  EXPECT_EQ(cancel->Cancel(30), S_OK);
  EXPECT_EQ(cancel->TestCancel(), RPC_E_CALL_CANCELED);
  EXPECT_EQ(cancel->Cancel(30), RPC_E_CALL_CANCELED);  // already cancelled
  EXPECT_EQ(caller.result(), RPC_E_CALL_CANCELED);
  EXPECT_LT(caller.returned() - start, 10s);  // the server's answer ended it, not the 30 s
  EXPECT_EQ(calc_->cancelsSeen.load(), 1);
  EXPECT_EQ(cancel->TestCancel(), RPC_E_CALL_CANCELED);
  // No call in progress on the thread any more: CoCancelCall's "no cancel object".
  EXPECT_EQ(cancelCall(caller.id(), 0), CO_E_CANCEL_DISABLED);  // the thread disabled it as it returned
}

TEST_P(SyncCancel, ACallTheServerIgnoresIsOrphanedWhenTheTimeoutPasses) {
  calc_->mode = ServerMode::kHold;
  BlockedCaller caller(sync_);
  ASSERT_TRUE(calc_->waitHeld(1));
  ASSERT_TRUE(cancelObjectOf(caller.id()));
  auto start = Clock::now();
  ASSERT_EQ(cancelCall(caller.id(), 1), S_OK);  // CoCancelCall
  EXPECT_EQ(caller.result(), RPC_E_CALL_CANCELED);
  EXPECT_GE(caller.returned() - start, 900ms);
  EXPECT_LT(caller.returned() - start, 10s);
  // The server saw the co_cancel (and then the orphaned PDU) while it kept the call.
  auto ctx = calc_->heldAt(0);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx.as<ICancelMethodCalls>()->TestCancel(), RPC_E_CALL_CANCELED);
  EXPECT_EQ(calc_->cancelsSeen.load(), 1);
  calc_->releaseReverse();
}

TEST_P(SyncCancel, ZeroTimeoutReturnsTheCallerAtOnce) {
  calc_->mode = ServerMode::kHold;
  BlockedCaller caller(sync_);
  ASSERT_TRUE(calc_->waitHeld(1));
  ASSERT_TRUE(cancelObjectOf(caller.id()));
  auto start = Clock::now();
  ASSERT_EQ(cancelCall(caller.id(), 0), S_OK);
  EXPECT_EQ(caller.result(), RPC_E_CALL_CANCELED);
  EXPECT_LT(caller.returned() - start, 2s);
  calc_->releaseReverse();
}

TEST_P(SyncCancel, ACancelledCallIgnoresTheServersResults) {
  calc_->mode = ServerMode::kHold;
  calc_->honourCancel = false;  // the server answers with the sum anyway
  BlockedCaller caller(sync_);
  ASSERT_TRUE(calc_->waitHeld(1));
  auto cancel = cancelObjectOf(caller.id());
  ASSERT_TRUE(cancel);
  ASSERT_EQ(cancel->Cancel(30), S_OK);
  calc_->releaseReverse();
  EXPECT_EQ(caller.result(), RPC_E_CALL_CANCELED);
  EXPECT_EQ(caller.sum(), 0);
}

TEST_P(SyncCancel, InfiniteTimeoutWaitsForTheServerPastTheChannelDeadline) {
  auto proxy = makeObject<CalcSyncProxy>(connect(300ms));
  calc_->mode = ServerMode::kHold;
  BlockedCaller caller(proxy);
  ASSERT_TRUE(calc_->waitHeld(1));
  ASSERT_TRUE(cancelObjectOf(caller.id()));
  ASSERT_EQ(cancelCall(caller.id(), RPC_C_CANCEL_INFINITE_TIMEOUT), S_OK);
  EXPECT_TRUE(caller.stillBlockedAfter(900ms));  // three times the channel's default deadline
  calc_->releaseReverse();                       // the server honours the cancel
  EXPECT_EQ(caller.result(), RPC_E_CALL_CANCELED);
}

TEST_P(SyncCancel, TheCancelObjectOfACompletedCallReportsCallComplete) {
  calc_->mode = ServerMode::kHold;
  BlockedCaller caller(sync_);
  ASSERT_TRUE(calc_->waitHeld(1));
  auto cancel = cancelObjectOf(caller.id());
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->TestCancel(), RPC_S_CALLPENDING);
  calc_->releaseReverse();
  EXPECT_EQ(caller.result(), S_OK);
  EXPECT_EQ(caller.sum(), 3);
  EXPECT_EQ(cancel->TestCancel(), RPC_E_CALL_COMPLETE);
  EXPECT_EQ(cancel->Cancel(5), RPC_E_CALL_COMPLETE);  // "the call was completed"
  EXPECT_EQ(calc_->cancelsSeen.load(), 0);
}

TEST_P(SyncCancel, WithoutACallOrWithoutEnablingThereIsNothingToCancel) {
  // Enabled, no call in progress: CoCancelCall's E_NOINTERFACE ("no cancel object for the thread").
  ASSERT_EQ(enableCallCancellation(), S_OK);
  EXPECT_EQ(cancelCall(std::this_thread::get_id(), 5), E_NOINTERFACE);
  EXPECT_EQ(cancelCall(ThreadId(), 5), E_NOINTERFACE);  // 0 = the calling thread
  void* p = reinterpret_cast<void*>(1);
  EXPECT_EQ(getCancelObject(ThreadId(), ICancelMethodCalls::kIid, &p), E_NOINTERFACE);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(disableCallCancellation(), S_OK);
  EXPECT_EQ(disableCallCancellation(), CO_E_CANCEL_DISABLED);  // more disables than enables

  // A thread that never enabled it: CO_E_CANCEL_DISABLED, and its call runs to the end.
  calc_->mode = ServerMode::kHold;
  BlockedCaller caller(sync_, /*enable=*/false);
  ASSERT_TRUE(calc_->waitHeld(1));
  EXPECT_EQ(cancelCall(caller.id(), 0), CO_E_CANCEL_DISABLED);
  calc_->releaseReverse();
  EXPECT_EQ(caller.result(), S_OK);
}

TEST_P(SyncCancel, NestedEnablesAreCounted) {
  ASSERT_EQ(enableCallCancellation(), S_OK);
  ASSERT_EQ(enableCallCancellation(), S_OK);
  EXPECT_EQ(disableCallCancellation(), S_OK);
  EXPECT_EQ(cancelCall(ThreadId(), 5), E_NOINTERFACE);  // still enabled: only no call
  EXPECT_EQ(disableCallCancellation(), S_OK);
  EXPECT_EQ(cancelCall(ThreadId(), 5), CO_E_CANCEL_DISABLED);
}

INSTANTIATE_TEST_SUITE_P(Transports, SyncCancel, ::testing::Values(Transport::kTcp, Transport::kInProcess),
                         transportName);

}  // namespace
}  // namespace midlrt::async::testing
