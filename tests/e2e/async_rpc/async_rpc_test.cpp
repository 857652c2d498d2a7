// Asynchronous RPC through generated code: [async] client functions with every notification kind, [async]
// managers completing later from their own threads, cancel and abort, and both against the synchronous
// code of the same interface -- neither side can tell.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <thread>

#include "async/async_work.h"
#include "sync/async_work.h"

namespace {

using midlrt::async::AsyncState;
using midlrt::async::ServerAsyncCall;

std::vector<uint8_t> fillBytes(int32_t count, uint8_t seed) {
  std::vector<uint8_t> bytes(static_cast<size_t>(count));
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(seed + 7 * i);
  return bytes;
}

// Completes every call later, from a thread of its own; Touch(-1) aborts with a status of its own.
class AsyncWorker : public Work_Manager {
 public:
  ~AsyncWorker() override {
    for (auto& t : threads_) t.join();
  }
  void Compute(ComputeCall call, int32_t value, int32_t& doubled) override {
    later([call, value, &doubled]() mutable {
      doubled = value * 2;
      call.complete(value + 1);
    });
  }
  void Touch(TouchCall call, int32_t value) override {
    if (value == -1) {
      call.abort(0x20000123);
      return;
    }
    if (value == -2) {  // held until the client cancels
      call.onCancel([call]() mutable { call.abort(midlrt::rpc::status::kFaultCancel); });
      return;
    }
    if (value == -3) {  // held for ever; released only when the client goes away
      call.onDisconnect([this] { ++released; });
      std::lock_guard<std::mutex> lock(mu_);
      heldCalls_.push_back(call);
      ++held;
      return;
    }
    if (value >= 1000) {  // the ordering test: record the order of dispatch
      std::lock_guard<std::mutex> lock(mu_);
      order.push_back(value);
    }
    later([call]() mutable { call.complete(); });
  }
  void Echo(EchoCall call, const std::string& text, std::unique_ptr<std::string>& copy) override {
    later([call, text, &copy]() mutable {
      copy = std::make_unique<std::string>(text + text);
      call.complete(static_cast<int32_t>(copy->size()));
    });
  }
  // A move-only result: key "<key>" for key >= 0, NULL otherwise.
  void Lookup(LookupCall call, int32_t key) override {
    later([call, key]() mutable {
      call.complete(key < 0 ? nullptr : std::make_unique<std::string>("key" + std::to_string(key)));
    });
  }

  // Completes from a thread that lets go of the call, and so of the frame that `data` lives in, as soon as
  // complete() returns: a response still gathering from the frame then would read freed memory.
  void Fill(FillCall call, int32_t count, uint8_t seed, std::vector<uint8_t>& data) override {
    later([call, count, seed, &data]() mutable {
      data = fillBytes(count, seed);
      call.complete(count);
    });
  }

  std::vector<int32_t> order;  // guarded by mu_
  std::atomic<int> held{0};
  std::atomic<int> released{0};

  std::vector<int32_t> dispatched() {
    std::lock_guard<std::mutex> lock(mu_);
    return order;
  }

 private:
  template <class F>
  void later(F f) {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([f = std::move(f)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      f();
    });
  }
  std::mutex mu_;
  std::vector<std::thread> threads_;
  std::vector<ServerAsyncCall> heldCalls_;
};

class SyncWorker : public WorkSync_Manager {
 public:
  int32_t Compute(int32_t value, int32_t& doubled) override {
    doubled = value * 2;
    return value + 1;
  }
  void Touch(int32_t value) override {
    if (value == -1) throw midlrt::rpc::RpcError(0x20000123);
  }
  int32_t Echo(const std::string& text, std::unique_ptr<std::string>& copy) override {
    copy = std::make_unique<std::string>(text + text);
    return static_cast<int32_t>(copy->size());
  }
  std::unique_ptr<std::string> Lookup(int32_t key) override {
    return key < 0 ? nullptr : std::make_unique<std::string>("key" + std::to_string(key));
  }
  int32_t Fill(int32_t count, uint8_t seed, std::vector<uint8_t>& data) override {
    data = fillBytes(count, seed);
    return count;
  }
};

// Touch(-4) blocks its worker thread until release().
class BlockingWorker : public SyncWorker {
 public:
  void Touch(int32_t value) override {
    if (value != -4) return SyncWorker::Touch(value);
    std::unique_lock<std::mutex> lock(mu_);
    blocked_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
  }
  bool waitBlocked() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return blocked_; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;
  bool released_ = false;
};

// A server that runs each connection's calls one at a time, as a server that keeps calls in order per
// association may: a call blocked in its manager holds back every later call of its connection.
class OneAtATimePerConnection : public midlrt::rpc::Dispatcher {
 public:
  explicit OneAtATimePerConnection(std::shared_ptr<midlrt::rpc::Dispatcher> inner)
      : inner_(std::move(inner)) {}
  void dispatch(midlrt::rpc::ServerCall& call) override {
    std::shared_ptr<std::mutex> serial;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& slot = perConnection_[call.connectionId()];
      if (!slot) slot = std::make_shared<std::mutex>();
      serial = slot;
    }
    std::lock_guard<std::mutex> one(*serial);
    inner_->dispatch(call);
  }

 private:
  std::shared_ptr<midlrt::rpc::Dispatcher> inner_;
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<std::mutex>> perConnection_;
};

// Over a binding with the given ordering to such a server: Touch(-4), which blocks, then Compute(21).
// Returns whether Compute completed within `wait` while Touch was still blocked.
bool aLaterCallCompletesWhileAnEarlierOneIsBlocked(bool nonCausal, std::chrono::milliseconds wait) {
  auto worker = std::make_shared<BlockingWorker>();
  midlrt::rpc::ServerOptions serverOptions;
  serverOptions.workerThreads = 4;
  midlrt::rpc::Server server(serverOptions);
  server.registerInterface(WorkSync_ifspec, 3,
                           std::make_shared<OneAtATimePerConnection>(WorkSync_dispatcher(worker)));
  midlrt::rpc::ChannelOptions options;
  options.nonCausal = nonCausal;
  midlrt::Binding binding = midlrt::rpc::Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"), options);
  AsyncState blocked, later;
  blocked.notifyByEvent();
  later.notifyByEvent();
  EXPECT_EQ(Work::Touch(blocked, binding, -4), midlrt::rpc::status::kOk);
  EXPECT_TRUE(worker->waitBlocked());
  int32_t doubled = 0;
  EXPECT_EQ(Work::Compute(later, binding, 21, doubled), midlrt::rpc::status::kOk);
  bool laterFirst = later.wait(wait) && blocked.status() == midlrt::async::status::kAsyncCallPending;
  worker->release();
  EXPECT_TRUE(blocked.wait(std::chrono::seconds(5)));
  EXPECT_EQ(blocked.complete(), midlrt::rpc::status::kOk);
  EXPECT_TRUE(later.wait(std::chrono::seconds(5)));
  int32_t result = 0;
  EXPECT_EQ(later.complete(&result), midlrt::rpc::status::kOk);
  EXPECT_EQ(result, 22);
  EXPECT_EQ(doubled, 42);
  return laterFirst;
}

class AsyncRpc : public ::testing::Test {
 protected:
  void SetUp() override {
    worker_ = std::make_shared<AsyncWorker>();
    Work_register(asyncServer_, worker_);
    WorkSync_register(syncServer_, std::make_shared<SyncWorker>());
    asyncEndpoint_ = asyncServer_.listen("ncacn_ip_tcp:127.0.0.1[0]");
    toAsync_ = midlrt::rpc::Channel::create(asyncEndpoint_);
    toSync_ = midlrt::rpc::Channel::create(syncServer_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  void TearDown() override {
    toAsync_.reset();
    toSync_.reset();
    asyncServer_.shutdown();
    syncServer_.shutdown();
  }
  std::shared_ptr<AsyncWorker> worker_;
  std::string asyncEndpoint_;
  midlrt::rpc::Server asyncServer_, syncServer_;
  midlrt::Binding toAsync_, toSync_;
};

}  // namespace

TEST_F(AsyncRpc, EventNotificationThenCompleteYieldsTheResultAndOutputs) {
  for (auto* binding : {&toAsync_, &toSync_}) {
    AsyncState state;
    ASSERT_TRUE(state.notifyByEvent());
    int32_t doubled = 0;
    ASSERT_EQ(Work::Compute(state, *binding, 20, doubled), midlrt::rpc::status::kOk);
    ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
    int32_t result = 0;
    EXPECT_EQ(state.complete(&result), midlrt::rpc::status::kOk);
    EXPECT_EQ(result, 21);
    EXPECT_EQ(doubled, 40);
  }
}

TEST_F(AsyncRpc, CompletingEarlyIsStillPending) {
  AsyncState state;
  state.notifyNone();
  int32_t doubled = 0;
  ASSERT_EQ(Work::Compute(state, toAsync_, 1, doubled), midlrt::rpc::status::kOk);
  int32_t result = 0;
  EXPECT_EQ(state.complete(&result), midlrt::async::status::kAsyncCallPending);  // the server waits 2 ms
  while (state.status() == midlrt::async::status::kAsyncCallPending) std::this_thread::yield();  // polling
  EXPECT_EQ(state.complete(&result), midlrt::rpc::status::kOk);
  EXPECT_EQ(result, 2);
}

TEST_F(AsyncRpc, SyncClientAgainstAnAsyncManager) {
  int32_t doubled = 0;
  EXPECT_EQ(WorkSync::Compute(toAsync_, 5, doubled), 6);
  EXPECT_EQ(doubled, 10);
  std::unique_ptr<std::string> copy;
  EXPECT_EQ(WorkSync::Echo(toAsync_, "ab", copy), 4);
  EXPECT_EQ(*copy, "abab");
}

TEST_F(AsyncRpc, CallbackAndCompletionQueueNotifications) {
  std::atomic<int> callbacks{0};
  AsyncState viaCallback;
  viaCallback.notifyByCallback([&](AsyncState&) { ++callbacks; });
  AsyncState::Notification kind = viaCallback.notification();
  EXPECT_EQ(kind, AsyncState::Notification::kCallback);
  ASSERT_EQ(Work::Touch(viaCallback, toSync_, 1), midlrt::rpc::status::kOk);
  ASSERT_TRUE(viaCallback.wait(std::chrono::seconds(10)));
  EXPECT_EQ(viaCallback.complete(), midlrt::rpc::status::kOk);
  EXPECT_EQ(callbacks.load(), 1);

  // One thread drains a queue for many calls.
  midlrt::async::CompletionQueue queue;
  std::vector<std::unique_ptr<AsyncState>> states;
  std::vector<int32_t> doubled(50);
  for (int i = 0; i < 50; ++i) {
    states.push_back(std::make_unique<AsyncState>());
    states.back()->notifyByQueue(queue, static_cast<uint64_t>(i));
    ASSERT_EQ(Work::Compute(*states.back(), i % 2 ? toAsync_ : toSync_, i, doubled[static_cast<size_t>(i)]),
              midlrt::rpc::status::kOk);
  }
  for (int n = 0; n < 50; ++n) {
    midlrt::async::CompletionQueue::Entry entry;
    ASSERT_TRUE(queue.next(entry, std::chrono::seconds(10)));
    int32_t result = 0;
    ASSERT_EQ(entry.state->complete(&result), midlrt::rpc::status::kOk);
    EXPECT_EQ(result, static_cast<int32_t>(entry.key) + 1);
  }
  for (int i = 0; i < 50; ++i) EXPECT_EQ(doubled[static_cast<size_t>(i)], i * 2);
}

TEST_F(AsyncRpc, AnAbortOnTheServerIsAFaultAtCompletion) {
  for (auto* binding : {&toAsync_, &toSync_}) {
    AsyncState state;
    state.notifyByEvent();
    ASSERT_EQ(Work::Touch(state, *binding, -1), midlrt::rpc::status::kOk);
    ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
    EXPECT_EQ(state.complete(), 0x20000123u);
  }
}

TEST_F(AsyncRpc, AbortiveCancelCompletesAtOnceAndNonAbortiveWaitsForTheServer) {
  AsyncState abortive;
  abortive.notifyByEvent();
  ASSERT_EQ(Work::Touch(abortive, toAsync_, -2), midlrt::rpc::status::kOk);
  abortive.cancel(/*abortive=*/true);
  ASSERT_TRUE(abortive.wait(std::chrono::seconds(1)));
  EXPECT_EQ(abortive.complete(), midlrt::rpc::status::kCallCancelled);

  AsyncState polite;
  polite.notifyByEvent();
  ASSERT_EQ(Work::Touch(polite, toAsync_, -2), midlrt::rpc::status::kOk);
  polite.cancel(/*abortive=*/false);  // the server sees the cancel and aborts with nca_s_fault_cancel,
  ASSERT_TRUE(polite.wait(std::chrono::seconds(10)));  // which completes the call as cancelled
  EXPECT_EQ(polite.complete(), midlrt::rpc::status::kCallCancelled);
}

TEST_F(AsyncRpc, AnOutStringArrivesAtCompletion) {
  AsyncState state;
  state.notifyByEvent();
  std::unique_ptr<std::string> copy;
  ASSERT_EQ(Work::Echo(state, toAsync_, "xy", copy), midlrt::rpc::status::kOk);
  ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
  int32_t length = 0;
  EXPECT_EQ(state.complete(&length), midlrt::rpc::status::kOk);
  EXPECT_EQ(length, 4);
  ASSERT_TRUE(copy);
  EXPECT_EQ(*copy, "xyxy");
}

TEST_F(AsyncRpc, AReturnedUniquePointerTravelsBothWaysAndMayBeNull) {
  for (const midlrt::Binding* binding : {&toAsync_, &toSync_}) {
    for (int32_t key : {7, -1}) {
      AsyncState state;
      state.notifyByEvent();
      ASSERT_EQ(Work::Lookup(state, *binding, key), midlrt::rpc::status::kOk);
      ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
      std::unique_ptr<std::string> found = std::make_unique<std::string>("stale");
      EXPECT_EQ(state.complete(&found), midlrt::rpc::status::kOk);
      if (key < 0) {
        EXPECT_FALSE(found);
      } else {
        ASSERT_TRUE(found);
        EXPECT_EQ(*found, "key7");
      }
      // The synchronous client function returns it.
      std::unique_ptr<std::string> direct = WorkSync::Lookup(*binding, key);
      EXPECT_EQ(direct != nullptr, key >= 0);
      if (direct) {
        EXPECT_EQ(*direct, "key7");
      }
    }
  }
}

// [out] arrays of 16 KiB or more leave gathered from the [async] manager's frame. 33 MiB is more than the
// socket takes at once, so the rest is copied before complete() returns (the frame is freed right after; a
// block that large is unmapped when freed, so a response still reading it would fail even without ASan).
TEST_F(AsyncRpc, LargeOutArraysArriveWholeFromAnAsyncManager) {
  for (int32_t count : {100, 20000, 300000, 33 << 20}) {
    SCOPED_TRACE(count);
    const std::vector<uint8_t> expected = fillBytes(count, 3);
    AsyncState state;
    state.notifyByEvent();
    std::vector<uint8_t> data;
    ASSERT_EQ(Work::Fill(state, toAsync_, count, 3, data), midlrt::rpc::status::kOk);
    ASSERT_TRUE(state.wait(std::chrono::seconds(30)));
    int32_t result = 0;
    ASSERT_EQ(state.complete(&result), midlrt::rpc::status::kOk);
    EXPECT_EQ(result, count);
    EXPECT_TRUE(data == expected);
    std::vector<uint8_t> direct;
    EXPECT_EQ(WorkSync::Fill(toAsync_, count, 3, direct), count);  // a synchronous client, the same wire
    EXPECT_TRUE(direct == expected);
  }
}

TEST_F(AsyncRpc, AClientProcessKilledMidCallHasItsCallReleasedOnTheServer) {
  // A separate process (not a fork of this multi-threaded one), killed without a chance to say goodbye.
  pid_t child = ::fork();
  if (child == 0) {
    ::execl(HELD_CLIENT, HELD_CLIENT, asyncEndpoint_.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  for (int i = 0; i < 500 && worker_->held.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(worker_->held.load(), 1);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  for (int i = 0; i < 500 && worker_->released.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(worker_->released.load(), 1);  // the server saw the client go and dropped the call
}

TEST_F(AsyncRpc, CallsIssuedFromOneThreadOnOneBindingAreDispatchedInOrder) {
  // Causal ordering: 200 asynchronous calls from this thread, each issued without waiting for the last.
  std::vector<std::unique_ptr<AsyncState>> states;
  for (int32_t i = 0; i < 200; ++i) {
    states.push_back(std::make_unique<AsyncState>());
    states.back()->notifyByEvent();
    ASSERT_EQ(Work::Touch(*states.back(), toAsync_, 1000 + i), midlrt::rpc::status::kOk);
  }
  for (auto& state : states) {
    ASSERT_TRUE(state->wait(std::chrono::seconds(10)));
    EXPECT_EQ(state->complete(), midlrt::rpc::status::kOk);
  }
  std::vector<int32_t> order = worker_->dispatched();
  ASSERT_EQ(order.size(), 200u);
  for (int32_t i = 0; i < 200; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], 1000 + i);
}

TEST_F(AsyncRpc, OnACausalBindingACallWaitsForABlockedOneBeforeItOnAOneAtATimeServer) {
  EXPECT_FALSE(aLaterCallCompletesWhileAnEarlierOneIsBlocked(false, std::chrono::milliseconds(300)));
}

TEST_F(AsyncRpc, OnANonCausalBindingACallIsNotHeldBackByABlockedOneBeforeIt) {
  // RPC_C_OPT_BINDING_NONCAUSAL: calls run independently, so even a server that runs each connection's
  // calls one at a time runs the later call while the earlier one blocks.
  EXPECT_TRUE(aLaterCallCompletesWhileAnEarlierOneIsBlocked(true, std::chrono::seconds(5)));
}
