// Streaming pipes: a synchronous operation with pipes is dispatched at its request's first fragment, its
// manager pulls [in] chunks while the client still produces them, the server reads no further ahead than
// ServerOptions::pipeWindowBytes, and a pipe is not bounded by the largest request. The client's end
// (its pull failing, the call orphaned) and the server's (serving on) are checked too.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include "sync/pipes.h"

namespace {

using midlrt::rpc::ServerCall;
using namespace std::chrono_literals;

// Sum records how far it has pulled, and can wait between pulls (a slow consumer).
class RecordingPipes : public PipesSync_Manager {
 public:
  int32_t Sum(ServerCall&, int32_t scale, LONG_PIPE& values, int32_t& count) override {
    std::array<int32_t, 4096> buffer{};
    int64_t total = 0;
    count = 0;
    try {
      while (size_t n = values.pull(buffer)) {
        total = std::accumulate(buffer.begin(), buffer.begin() + static_cast<long>(n), total);
        count += static_cast<int32_t>(n);
        pulled.fetch_add(n);
        {
          std::lock_guard lk(mu);
          cv.notify_all();
        }
        if (pause.count() != 0) std::this_thread::sleep_for(pause);
      }
    } catch (const midlrt::rpc::RpcError& e) {
      pullFailed = e.status();
      throw;
    }
    return static_cast<int32_t>(total * scale);
  }
  int32_t Range(ServerCall&, int32_t first, int32_t count, int32_t chunk, LONG_PIPE& values) override {
    std::vector<int32_t> c;
    for (int32_t i = 0; i < count;) {
      c.clear();
      while (static_cast<int32_t>(c.size()) < chunk && i < count) c.push_back(first + i++);
      values.push(c);
    }
    values.push({});
    return count;
  }
  int32_t Echo(ServerCall&, BYTE_PIPE& input, BYTE_PIPE& output) override {
    std::array<uint8_t, 4096> buffer{};
    while (input.pull(buffer) != 0) {
    }
    output.push({});
    return 0;
  }
  int32_t Scale(ServerCall&, SAMPLE_PIPE& samples) override {
    std::array<SAMPLE, 16> buffer{};
    while (samples.pull(buffer) != 0) {
    }
    samples.push({});
    return 0;
  }
  int32_t Concat(ServerCall&, LONG_PIPE& first, LONG_PIPE& second, LONG_PIPE& joined) override {
    std::array<int32_t, 16> buffer{};
    while (first.pull(buffer) != 0) {
    }
    while (second.pull(buffer) != 0) {
    }
    joined.push({});
    return 0;
  }
  int32_t Misuse(ServerCall&, int32_t, LONG_PIPE&, LONG_PIPE&, LONG_PIPE&) override { return 0; }

  // Waits until Sum has pulled at least `n` values; false after `timeout`.
  bool waitPulled(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, timeout, [&] { return pulled.load() >= n; });
  }

  std::atomic<size_t> pulled{0};
  std::atomic<uint32_t> pullFailed{0};
  std::chrono::milliseconds pause{0};
  std::mutex mu;
  std::condition_variable cv;
};

class StreamingPipes : public ::testing::Test {
 protected:
  void start(midlrt::rpc::ServerOptions options = {}) {
    server_ = std::make_unique<midlrt::rpc::Server>(options);
    PipesSync_register(*server_, manager_);
    binding_ = midlrt::rpc::Channel::create(server_->listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  void TearDown() override {
    binding_.reset();
    if (server_) server_->shutdown();
  }

  std::shared_ptr<RecordingPipes> manager_ = std::make_shared<RecordingPipes>();
  std::unique_ptr<midlrt::rpc::Server> server_;
  midlrt::Binding binding_;
};

// A pull function that fills every buffer with 1s, `total` values in all.
LONG_PIPE ones(size_t total, std::atomic<size_t>& produced) {
  return LONG_PIPE::source([total, &produced](std::span<int32_t> buffer) {
    const size_t n = std::min(buffer.size(), total - produced.load());
    std::fill_n(buffer.begin(), n, 1);
    produced.fetch_add(n);
    return n;
  });
}

}  // namespace

TEST_F(StreamingPipes, TheManagerPullsTheFirstChunkWhileTheClientStillProducesTheRest) {
  start();
  // The client's second pull waits until the manager has the first chunk: that only ends (without the
  // timeout) if the first chunk left before the client finished producing.
  bool managerHadIt = false;
  size_t pulls = 0;
  LONG_PIPE values = LONG_PIPE::source([&](std::span<int32_t> buffer) -> size_t {
    if (++pulls == 1) {
      std::fill(buffer.begin(), buffer.end(), 2);
      return buffer.size();
    }
    if (pulls == 2) managerHadIt = manager_->waitPulled(1, 10s);
    return 0;
  });
  int32_t count = 0;
  const int32_t sum = PipesSync::Sum(binding_, 1, values, count);
  EXPECT_TRUE(managerHadIt);
  EXPECT_EQ(count, static_cast<int32_t>(midlrt::ndr::kPipeChunkElements<int32_t>));
  EXPECT_EQ(sum, 2 * count);
}

TEST_F(StreamingPipes, APipeIsNotBoundedByTheLargestRequest) {
  midlrt::rpc::ServerOptions options;
  options.maxRequestSize = 1u << 20;
  options.maxReassemblyBytesPerConnection = 1u << 20;
  start(options);
  // 64 MiB of values through a server that accepts requests of 1 MiB at most.
  const size_t total = size_t{16} << 20;
  std::atomic<size_t> produced{0};
  LONG_PIPE values = ones(total, produced);
  int32_t count = 0;
  EXPECT_EQ(PipesSync::Sum(binding_, 1, values, count), static_cast<int32_t>(total));
  EXPECT_EQ(count, static_cast<int32_t>(total));
}

TEST_F(StreamingPipes, ASlowManagerSlowsTheClient) {
  midlrt::rpc::ServerOptions options;
  options.pipeWindowBytes = 256u << 10;
  start(options);
  manager_->pause = 1ms;                 // about 16 MiB/s at 16 KiB per pull
  const size_t total = size_t{4} << 20;  // 16 MiB
  std::atomic<size_t> produced{0};
  std::atomic<size_t> largestLead{0};
  LONG_PIPE values = LONG_PIPE::source([&](std::span<int32_t> buffer) {
    // How far the client is ahead of the manager: bounded by the server's window, the sockets' buffers
    // and a chunk, whatever the transfer's size.
    const size_t lead = produced.load() - manager_->pulled.load();
    largestLead.store(std::max(largestLead.load(), lead));
    const size_t n = std::min(buffer.size(), total - produced.load());
    std::fill_n(buffer.begin(), n, 1);
    produced.fetch_add(n);
    return n;
  });
  int32_t count = 0;
  EXPECT_EQ(PipesSync::Sum(binding_, 1, values, count), static_cast<int32_t>(total));
  // Loopback sockets buffer about 5 MiB here; without flow control the client would be 16 MiB ahead.
  EXPECT_LT(largestLead.load() * sizeof(int32_t), size_t{12} << 20);
}

TEST_F(StreamingPipes, AClientWhosePullFailsAbandonsTheCallAndTheServerServesOn) {
  start();
  size_t pulls = 0;
  LONG_PIPE failing = LONG_PIPE::source([&](std::span<int32_t> buffer) -> size_t {
    if (++pulls == 20) throw std::runtime_error("the source failed");
    std::fill(buffer.begin(), buffer.end(), 1);
    return buffer.size();
  });
  int32_t count = 0;
  EXPECT_THROW(PipesSync::Sum(binding_, 1, failing, count), std::runtime_error);
  // The manager learns it: its pull fails with the cancel status (the client orphaned the call).
  for (int i = 0; i < 500 && manager_->pullFailed.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(manager_->pullFailed.load(), midlrt::rpc::status::kCallCancelled);
  std::atomic<size_t> produced{0};
  LONG_PIPE values = ones(1000, produced);
  EXPECT_EQ(PipesSync::Sum(binding_, 3, values, count), 3000);
}
