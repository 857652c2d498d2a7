// The slow server: Compute completes later from a timer thread of the server's own (the dispatch thread
// is free as soon as the manager returns); ISlowObject is served synchronously.
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
  void Compute(ComputeCall call, int32_t delayMs, int32_t value) override {
    // A cancelled call is completed at once with the cancel status (the client asked to stop waiting).
    call.onCancel([call]() mutable { call.abort(midlrt::rpc::status::kFaultCancel); });
    timer_.after(std::chrono::milliseconds(delayMs), [call, value]() mutable {
      call.complete(value * 10);  // ignored if the call was already aborted
    });
  }

 private:
  Timer timer_;
};

class SlowObject final : public midlrt::com::ComObject<ISlowObject> {
 public:
  HRESULT Square(int32_t value, int32_t& square) override {
    square = value * value;
    return midlrt::com::S_OK;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: slow_server <string binding>...\n";
    return 2;
  }
  const sigset_t stop = samples::blockStopSignals();
  midlrt::rpc::Server server;
  SlowService_register(server, std::make_shared<SlowServiceImpl>());
  auto objects = std::make_shared<midlrt::com::ObjectTable>();
  objects->add(*midlrt::rpc::Uuid::parse("0badcafe-0000-4000-8000-000000000001"),
               midlrt::com::ComPtr<midlrt::com::IUnknown>(
                   midlrt::com::ComObject<ISlowObject>::make<SlowObject>().get()));
  ISlowObject_register(server, objects);
  return samples::serveUntilStopped(server, stop, argc, argv, "slow_server");
}
