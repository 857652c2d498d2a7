// The managers and fixture of the streaming tests (streaming_test.cpp, async_pipes_test.cpp): managers that
// record how far they have pulled and pushed and can wait for the client, sync and [async], and a fixture
// that serves the synchronous one.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "async/pipes.h"
#include "sync/pipes.h"

namespace pipes_test {

using midlrt::rpc::ServerCall;
using namespace std::chrono_literals;

// An [async] manager's AsyncPipe seen as a synchronous Pipe, for managers that work their pipes from a
// thread of their own: pull waits (pullWait) and a status other than kOk becomes a PipeError with it.
template <class T>
midlrt::ndr::Pipe<T> blocking(midlrt::async::AsyncPipe<T>& pipe) {
  auto check = [](uint32_t s) {
    if (s != 0) throw midlrt::ndr::PipeError("the pipe failed", s);
  };
  return midlrt::ndr::Pipe<T>(
      [&pipe, check](std::span<T> buffer) {
        size_t n = 0;
        check(pipe.pullWait(buffer, n));
        return n;
      },
      [&pipe, check](std::span<const T> chunk) { check(pipe.push(chunk)); });
}

// Pushes `values` in chunks of `chunk`, then ends the pipe; the first status that is not kOk.
template <class T>
inline uint32_t pushAll(midlrt::async::AsyncPipe<T>& pipe, const std::vector<T>& values, size_t chunk) {
  for (size_t i = 0; i < values.size(); i += chunk)
    if (uint32_t s = pipe.push(std::span<const T>(values).subspan(i, std::min(chunk, values.size() - i))))
      return s;
  return pipe.push({});
}

// Pulls to the end of the pipe, `chunk` elements at a time (waiting for each); the status that ended it.
template <class T>
inline uint32_t pullAll(midlrt::async::AsyncPipe<T>& pipe, std::vector<T>& out, size_t chunk) {
  std::vector<T> buffer(chunk);
  for (;;) {
    size_t n = 0;
    if (uint32_t s = pipe.pullWait(buffer, n, std::chrono::seconds(10))) return s;
    if (n == 0) return 0;
    out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<long>(n));
  }
}

// Sum(scale) of `values` through an [async] call on `state`, pushed in one chunk: its result, after checking
// that every step succeeded (a client's call that must simply work, e.g. after a failed one).
inline int32_t asyncSum(midlrt::async::AsyncState& state, const midlrt::Binding& binding, int32_t scale,
                        const std::vector<int32_t>& values) {
  midlrt::async::AsyncPipe<int32_t> pipe;
  int32_t count = 0, result = 0;
  EXPECT_EQ(Pipes::Sum(state, binding, scale, pipe, count), 0u);
  EXPECT_EQ(pushAll(pipe, values, values.size() + 1), 0u);
  EXPECT_TRUE(state.wait(10s));
  EXPECT_EQ(state.complete(&result), 0u);
  EXPECT_EQ(count, static_cast<int32_t>(values.size()));
  return result;
}

// Sum records how far it has pulled, and can wait between pulls (a slow consumer).
class RecordingPipes : public PipesSync_Manager {
 public:
  int32_t Sum(ServerCall&, int32_t scale, LONG_PIPE& values, int32_t& count) override {
    std::array<int32_t, 4096> buffer{};
    int64_t total = 0;
    count = 0;
    {
      std::lock_guard lk(mu);
      threads.push_back(std::this_thread::get_id());
    }
    try {
      while (size_t n = values.pull(buffer)) {
        total = std::accumulate(buffer.begin(), buffer.begin() + static_cast<long>(n), total);
        if (keepValues) kept.insert(kept.end(), buffer.begin(), buffer.begin() + static_cast<long>(n));
        count += static_cast<int32_t>(n);
        pulled.fetch_add(n);
        {
          std::lock_guard lk(mu);
          cv.notify_all();
        }
        if (pause.count() != 0) std::this_thread::sleep_for(pause);
        if (failAfterPulled != 0 && pulled.load() >= failAfterPulled)
          throw std::runtime_error("the disk is full");
      }
    } catch (const midlrt::rpc::RpcError& e) {
      pullFailed = e.status();
      throw;
    }
    return static_cast<int32_t>(total * scale);
  }
  int32_t Range(ServerCall&, int32_t first, int32_t count, int32_t chunk, LONG_PIPE& values) override {
    std::vector<int32_t> c;
    try {
      for (int32_t i = 0; i < count;) {
        c.clear();
        while (static_cast<int32_t>(c.size()) < chunk && i < count) c.push_back(first + i++);
        values.push(c);
        pushed.fetch_add(c.size());
        if (failAfterPushed != 0 && pushed.load() >= failAfterPushed)
          throw std::runtime_error("the disk failed");
        if (stallAfterPushed != 0 && pushed.load() >= stallAfterPushed) {
          stallAfterPushed = 0;  // once
          std::this_thread::sleep_for(stall);
        }
        if (waitForClient && i == static_cast<int32_t>(c.size())) sawClient = clientGot.waitFor(10s);
      }
      values.push({});
    } catch (const midlrt::rpc::RpcError& e) {
      pushFailed = e.status();
      throw;
    }
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

  // Waits until Range has pushed something and then stopped pushing (no change over 20 ms; at most 4 s):
  // what it has pushed.
  size_t waitUntilPushesStop() {
    size_t before = 0;
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const size_t now = pushed.load();
      if (now != 0 && now == before) break;
      before = now;
    }
    return pushed.load();
  }
  // Waits until Range has pushed at least `n` values; false after `timeout`.
  bool waitPushed(size_t n, std::chrono::milliseconds timeout) {
    for (auto end = std::chrono::steady_clock::now() + timeout; pushed.load() < n;) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }
  // Waits until Sum has pulled at least `n` values; false after `timeout`.
  bool waitPulled(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, timeout, [&] { return pulled.load() >= n; });
  }

  std::atomic<size_t> pulled{0};
  std::atomic<uint32_t> pullFailed{0};
  std::vector<std::thread::id> threads;  // the thread each Sum ran on (under mu)
  std::atomic<size_t> pushed{0};
  std::atomic<uint32_t> pushFailed{0};
  // Range waits after its first chunk until the client has pushed it on (clientGot), and says whether it did.
  bool waitForClient = false;
  std::atomic<bool> sawClient{false};
  struct Latch {
    void set() {
      std::lock_guard lk(mu);
      done = true;
      cv.notify_all();
    }
    bool waitFor(std::chrono::milliseconds timeout) {
      std::unique_lock lk(mu);
      return cv.wait_for(lk, timeout, [&] { return done; });
    }
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  } clientGot;
  std::chrono::milliseconds pause{0};
  bool keepValues = false;  // Sum keeps what it pulls in `kept` (set before the call)
  std::vector<int32_t> kept;
  // The manager fails (throws) once it has pulled, or pushed, this many values; or waits `stall`, once.
  size_t failAfterPulled = 0;
  size_t failAfterPushed = 0;
  size_t stallAfterPushed = 0;
  std::chrono::milliseconds stall{0};
  std::mutex mu;
  std::condition_variable cv;
};

// The [async] manager: Sum pulls from a thread of its own (waiting: pullWait) and says when the first chunk
// came; Range pushes from one, waiting after its first chunk until the client has it. The rest fails the
// call (unused).
class AsyncRecordingPipes : public Pipes_Manager {
 public:
  ~AsyncRecordingPipes() override {
    for (auto& t : threads_) t.join();
  }
  void Sum(SumCall call, ServerCall&, int32_t scale, midlrt::async::AsyncPipe<int32_t>& values,
           int32_t& count) override {
    threads_.emplace_back([this, call, scale, &values, &count]() mutable {
      std::array<int32_t, 4096> buffer{};
      int64_t total = 0;
      count = 0;
      LONG_PIPE pipe = blocking(values);
      try {
        while (size_t n = pipe.pull(buffer)) {
          total = std::accumulate(buffer.begin(), buffer.begin() + static_cast<long>(n), total);
          count += static_cast<int32_t>(n);
          firstPulled.set();
        }
      } catch (const midlrt::ndr::NdrError& e) {
        pullFailed = e.status();
        call.abort(e.status());
        return;
      }
      call.complete(static_cast<int32_t>(total * scale));
    });
  }
  void Range(RangeCall call, ServerCall&, int32_t first, int32_t count, int32_t chunk,
             midlrt::async::AsyncPipe<int32_t>& values) override {
    threads_.emplace_back([this, call, first, count, chunk, &values]() mutable {
      std::vector<int32_t> c;
      for (int32_t i = 0; i < count;) {
        c.clear();
        while (static_cast<int32_t>(c.size()) < chunk && i < count) c.push_back(first + i++);
        if (uint32_t s = values.push(c)) {
          call.abort(s);
          return;
        }
        if (i == static_cast<int32_t>(c.size())) sawClient = clientGot.waitFor(10s);
      }
      values.push({});
      call.complete(count);
    });
  }
  void Echo(EchoCall call, ServerCall&, midlrt::async::AsyncPipe<uint8_t>&,
            midlrt::async::AsyncPipe<uint8_t>&) override {
    call.abort(1);
  }
  void Scale(ScaleCall call, ServerCall&, midlrt::async::AsyncPipe<SAMPLE>&) override { call.abort(1); }
  void Concat(ConcatCall call, ServerCall&, midlrt::async::AsyncPipe<int32_t>&,
              midlrt::async::AsyncPipe<int32_t>&, midlrt::async::AsyncPipe<int32_t>&) override {
    call.abort(1);
  }
  void Misuse(MisuseCall call, ServerCall&, int32_t, midlrt::async::AsyncPipe<int32_t>&,
              midlrt::async::AsyncPipe<int32_t>&, midlrt::async::AsyncPipe<int32_t>&) override {
    call.abort(1);
  }

  RecordingPipes::Latch firstPulled, clientGot;
  std::atomic<bool> sawClient{false};
  std::atomic<uint32_t> pullFailed{0};

 private:
  std::vector<std::thread> threads_;
};

class StreamingPipes : public ::testing::Test {
 protected:
  void start(midlrt::rpc::ServerOptions options = {}, midlrt::rpc::ChannelOptions channel = {}) {
    server_ = std::make_unique<midlrt::rpc::Server>(options);
    PipesSync_register(*server_, manager_);
    endpoint_ = server_->listen("ncacn_ip_tcp:127.0.0.1[0]");
    binding_ = midlrt::rpc::Channel::create(endpoint_, channel);
  }
  void TearDown() override {
    binding_.reset();
    if (server_) server_->shutdown();
  }

  std::shared_ptr<RecordingPipes> manager_ = std::make_shared<RecordingPipes>();
  std::unique_ptr<midlrt::rpc::Server> server_;
  std::string endpoint_;
  midlrt::Binding binding_;
};

}  // namespace pipes_test
