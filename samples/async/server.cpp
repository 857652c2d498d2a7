// The slow server: Compute completes later from a timer thread of the server's own (the dispatch thread
// is free as soon as the manager returns). ISlowObject is served both ways: synchronously by its Square,
// and asynchronously by a server call object (AsyncISlowObject) that its ICallFactory makes for each call,
// whose Begin_Square returns at once and which signals its ISynchronize when the timer has done the work.
// Usage: slow_server <string binding>...
#include <condition_variable>
#include <iostream>
#include <map>
#include <thread>

#include "common/serve.h"
#include "slow.h"

namespace {

// Runs functions at their due time on one thread.
class Timer {
 public:
  Timer() : thread_([this] { run(); }) {}
  ~Timer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void after(std::chrono::milliseconds delay, std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      due_.emplace(std::chrono::steady_clock::now() + delay, std::move(fn));
    }
    cv_.notify_all();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      if (due_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto next = due_.begin();
      if (cv_.wait_until(lock, next->first) == std::cv_status::timeout ||
          next->first <= std::chrono::steady_clock::now()) {
        auto fn = std::move(next->second);
        due_.erase(next);
        lock.unlock();
        fn();
        lock.lock();
      }
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> due_;
  bool stop_ = false;
  std::thread thread_;
};

class SlowServiceImpl : public SlowService_Manager {
 public:
  explicit SlowServiceImpl(Timer& timer) : timer_(timer) {}
  void Compute(ComputeCall call, int32_t delayMs, int32_t value) override {
    // A cancelled call is completed at once with the cancel status (the client asked to stop waiting).
    call.onCancel([call]() mutable { call.abort(midlrt::rpc::status::kFaultCancel); });
    // What a hostile client can send is refused, not computed: a result a long cannot hold
    // (nca_s_fault_int_overflow) or a delay beyond a minute (the server would hold the call that long).
    int32_t result = 0;
    if (__builtin_mul_overflow(value, 10, &result)) {
      call.abort(midlrt::rpc::status::kFaultIntOverflow);
      return;
    }
    if (delayMs < 0 || delayMs > 60000) {
      call.abort(midlrt::rpc::status::kBadStubData);
      return;
    }
    timer_.after(std::chrono::milliseconds(delayMs), [call, result]() mutable {
      call.complete(result);  // ignored if the call was already aborted
    });
  }

 private:
  Timer& timer_;
};

// One asynchronous call of ISlowObject on the server. The stub aggregates it (the runtime's outer object
// supplies ISynchronize and ICancelMethodCalls), calls Begin_Square on a dispatch thread, and when we
// Signal() calls Finish_Square and sends the reply. The dispatch thread is free once Begin_ returns.
class SquareCall final : public midlrt::com::Aggregatable, public AsyncISlowObject {
 public:
  MIDLRT_DELEGATING_IUNKNOWN
  SquareCall(Timer& timer, midlrt::com::IUnknown* outer) : Aggregatable(outer), timer_(timer) {}

  HRESULT Begin_Square(int32_t value) override {
    midlrt::com::ComPtr<midlrt::com::ISynchronize> done;
    controllingUnknown()->QueryInterface(midlrt::com::ISynchronize::kIid, done.putVoid());
    // The timer's function holds the call alive (done refers to the outer object) until it signals.
    timer_.after(std::chrono::milliseconds(5), [this, done, value] {
      overflowed_ = __builtin_mul_overflow(value, value, &square_);
      done->Signal();
    });
    return midlrt::com::S_OK;
  }
  HRESULT Finish_Square(int32_t& square) override {
    square = square_;
    return overflowed_ ? midlrt::com::E_INVALIDARG : midlrt::com::S_OK;  // a square a long cannot hold
  }

 private:
  void* queryOwnInterface(midlrt::com::REFIID riid) override {
    return riid == AsyncISlowObject::kIid ? static_cast<AsyncISlowObject*>(this) : nullptr;
  }
  Timer& timer_;
  int32_t square_ = 0;
  bool overflowed_ = false;
};

class SlowObject final : public midlrt::com::ComObject<ISlowObject, midlrt::com::ICallFactory> {
 public:
  explicit SlowObject(Timer& timer) : timer_(timer) {}
  // The synchronous form, for a stub that finds no call factory or a client that calls Square.
  HRESULT Square(int32_t value, int32_t& square) override {
    return __builtin_mul_overflow(value, value, &square) ? midlrt::com::E_INVALIDARG : midlrt::com::S_OK;
  }
  // ICallFactory: the stub asks for a call object per asynchronous call, aggregated by its own outer object.
  HRESULT CreateCall(midlrt::com::REFIID riid, midlrt::com::IUnknown* outer, midlrt::com::REFIID riid2,
                     midlrt::com::IUnknown** ppv) override {
    if (riid != AsyncISlowObject::kIid) return midlrt::com::E_NOINTERFACE;
    if (outer == nullptr || riid2 != midlrt::com::IUnknown::kIid) return midlrt::com::E_INVALIDARG;
    *ppv = (new SquareCall(timer_, outer))->innerUnknown();
    return midlrt::com::S_OK;
  }

 private:
  Timer& timer_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: slow_server <string binding>...\n";
    return 2;
  }
  const sigset_t stop = samples::blockStopSignals();
  Timer timer;  // outlives the server, whose calls it completes
  midlrt::rpc::Server server;
  SlowService_register(server, std::make_shared<SlowServiceImpl>(timer));
  auto objects = std::make_shared<midlrt::com::ObjectTable>();
  objects->add(*midlrt::rpc::Uuid::parse("0badcafe-0000-4000-8000-000000000001"),
               midlrt::com::ComObject<ISlowObject, midlrt::com::ICallFactory>::make<SlowObject>(timer));
  ISlowObject_register(server, objects);
  return samples::serveUntilStopped(server, stop, argc, argv, "slow_server");
}
