// The server attacks.py replays its attacks against: a midlrt Server with the default ServerOptions (unless
// told otherwise) on an ephemeral loopback TCP port, serving a small interface of echo, size, a slow
// asynchronous call and a blocking one. Prints its string binding on one line, then serves until its
// standard input closes.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "midlrt/rpc/uuid.h"

namespace {

using namespace std::chrono_literals;
using midlrt::rpc::ServerCall;

// Operation numbers, as attacks.py uses them.
enum Op : uint16_t {
  kEcho = 0,  // returns the request's bytes
  kSize = 1,  // returns the request's size (u32)
  kSlow = 2,  // asynchronous: answered (empty) by another thread `slowMs` after it arrived
  kOpCount = 3,
};

class RobustService : public midlrt::rpc::Dispatcher {
 public:
  explicit RobustService(std::chrono::milliseconds slow) : slow_(slow), timer_([this] { run(); }) {}
  ~RobustService() override {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    timer_.join();
  }

  void dispatch(ServerCall& call) override {
    switch (call.opnum()) {
      case kEcho:
        call.response().append(call.requestData(), call.requestSize());
        return;
      case kSize: {
        uint32_t n = static_cast<uint32_t>(call.requestSize());
        call.response().append(&n, 4);
        return;
      }
      case kSlow: {
        // A slow manager that ignores cancellation: it answers when it is done, whatever happened.
        std::lock_guard lk(mu_);
        slowCalls_.emplace_back(std::chrono::steady_clock::now() + slow_, call.defer());
        cv_.notify_all();
        return;
      }
      default:
        throw midlrt::rpc::RpcError(midlrt::rpc::status::kOpRangeError);
    }
  }

 private:
  void run() {
    std::unique_lock lk(mu_);
    while (!stop_) {
      if (slowCalls_.empty()) {
        cv_.wait(lk);
        continue;
      }
      auto due = slowCalls_.front().first;
      if (std::chrono::steady_clock::now() < due) {
        cv_.wait_until(lk, due);
        continue;
      }
      auto call = std::move(slowCalls_.front().second);
      slowCalls_.pop_front();
      lk.unlock();
      call->complete();
      call.reset();
      lk.lock();
    }
  }

  std::chrono::milliseconds slow_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::shared_ptr<ServerCall>>> slowCalls_;
  bool stop_ = false;
  std::thread timer_;
};

const midlrt::rpc::SyntaxId kRobustIf{*midlrt::rpc::Uuid::parse("5e1d3c2b-7a69-4f58-9e47-36251403f2e1"), 1,
                                      0};

long number(const char* s) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 0) {
    std::fprintf(stderr, "robust_server: not a number: %s\n", s);
    std::exit(2);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  midlrt::rpc::ServerOptions options;
  long fdLimit = -1;
  long slowMs = 3000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    long v = number(argv[i + 1]);
    if (a == "--fd-limit") {
      fdLimit = v;
    } else if (a == "--read-timeout-ms") {
      options.readTimeout = std::chrono::milliseconds(v);
    } else if (a == "--idle-timeout-ms") {
      options.idleTimeout = std::chrono::milliseconds(v);
    } else if (a == "--workers") {
      options.workerThreads = static_cast<unsigned>(v);
    } else if (a == "--slow-ms") {
      slowMs = v;
    } else {
      std::fprintf(stderr,
                   "usage: robust_server [--fd-limit N] [--read-timeout-ms N] [--idle-timeout-ms N] "
                   "[--workers N] [--slow-ms N]\n");
      return 2;
    }
  }
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = fdLimit >= 0 ? static_cast<rlim_t>(fdLimit) : rl.rlim_max;  // room for 1,000 idle peers
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) std::perror("setrlimit");

  auto service = std::make_shared<RobustService>(std::chrono::milliseconds(slowMs));
  midlrt::rpc::Server server(options);
  server.registerInterface(kRobustIf, kOpCount, service);
  std::cout << server.listen("ncacn_ip_tcp:127.0.0.1[0]") << std::endl;
  char buf[256];
  while (::read(0, buf, sizeof buf) > 0) {
  }
  server.shutdown();
  return 0;
}
