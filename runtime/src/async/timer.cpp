// The deferred-action thread: started by the first action, joined at process exit.
#include "timer.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace midlrt::async::detail {

namespace {
using Clock = std::chrono::steady_clock;

class TimerThread {
 public:
  ~TimerThread() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
      actions_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void add(Clock::time_point at, std::function<void()> fn) {
    std::lock_guard lk(mu_);
    if (stop_) return;
    actions_.emplace(at, std::move(fn));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    cv_.notify_all();
  }

 private:
  void run() {
    std::unique_lock lk(mu_);
    while (!stop_) {
      if (actions_.empty()) {
        cv_.wait(lk);
        continue;
      }
      auto it = actions_.begin();
      if (Clock::time_point at = it->first; at > Clock::now()) {
        cv_.wait_until(lk, at);  // a copy: the entry may be erased while we wait
        continue;
      }
      std::function<void()> fn = std::move(it->second);
      actions_.erase(it);
      lk.unlock();
      fn();
      lk.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, std::function<void()>> actions_;
  bool stop_ = false;
  std::thread thread_;
};

TimerThread& timerThread() {
  static TimerThread t;
  return t;
}
}  // namespace

void runAfter(std::chrono::milliseconds delay, std::function<void()> fn) {
  timerThread().add(Clock::now() + delay, std::move(fn));
}

}  // namespace midlrt::async::detail
