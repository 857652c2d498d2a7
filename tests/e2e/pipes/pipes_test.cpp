// DCE pipes through generated code: [in], [out] and [in,out] pipes of primitives and of an 8-aligned struct,
// synchronous and [async] on both sides in every combination, the chunks on the wire checked byte for byte
// against NDR written by hand, Microsoft's pipe discipline on the server, and hostile chunk counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <random>
#include <thread>

#include "recording_pipes.h"
#include "support/sync_and_async_servers.h"

namespace {

using midlrt::async::AsyncState;
using midlrt::async::ServerAsyncCall;
using midlrt::rpc::ServerCall;
using pipes_test::blocking;
using pipes_test::pullAll;
using pipes_test::pushAll;

// What both managers do; the sync one returns the result, the async one completes with it from a thread.
int32_t sum(int32_t scale, LONG_PIPE& values, int32_t& count) {
  std::array<int32_t, 1000> buffer{};
  int64_t total = 0;
  count = 0;
  while (size_t n = values.pull(buffer)) {
    total = std::accumulate(buffer.begin(), buffer.begin() + static_cast<long>(n), total);
    count += static_cast<int32_t>(n);
  }
  return static_cast<int32_t>(total * scale);
}

int32_t range(int32_t first, int32_t count, int32_t chunk, LONG_PIPE& values) {
  std::vector<int32_t> c;
  for (int32_t i = 0; i < count;) {
    c.clear();
    while (static_cast<int32_t>(c.size()) < chunk && i < count) c.push_back(first + i++);
    values.push(c);
  }
  values.push({});
  return count;
}

// Every [in] pipe is drained before any [out] pipe is pushed ("Rules for Multiple Pipes"): the managers
// that send back what they receive keep it until the [in] pipes end, then push it in chunks of `chunk`.
template <class T>
void pushAll(midlrt::ndr::Pipe<T>& out, const std::vector<T>& all, size_t chunk) {
  for (size_t i = 0; i < all.size(); i += chunk)
    out.push(std::span<const T>(all).subspan(i, std::min(chunk, all.size() - i)));
  out.push({});
}

int32_t echo(BYTE_PIPE& input, BYTE_PIPE& output) {
  std::array<uint8_t, 4096> buffer{};
  std::vector<uint8_t> all;
  while (size_t n = input.pull(buffer)) {
    for (size_t i = 0; i < n; ++i) buffer[i] = static_cast<uint8_t>(~buffer[i]);
    all.insert(all.end(), buffer.begin(), buffer.begin() + static_cast<long>(n));
  }
  pushAll(output, all, buffer.size());
  return static_cast<int32_t>(all.size());
}

int32_t scale(SAMPLE_PIPE& samples) {
  std::array<SAMPLE, 7> buffer{};
  std::vector<SAMPLE> all;
  while (size_t n = samples.pull(buffer))
    for (size_t i = 0; i < n; ++i) all.push_back(SAMPLE{buffer[i].tag, buffer[i].value * 2});
  pushAll(samples, all, buffer.size());
  return static_cast<int32_t>(all.size());
}

int32_t concat(LONG_PIPE& first, LONG_PIPE& second, LONG_PIPE& joined) {
  std::array<int32_t, 100> buffer{};
  std::vector<int32_t> all;
  for (LONG_PIPE* in : {&first, &second})
    while (size_t n = in->pull(buffer))
      all.insert(all.end(), buffer.begin(), buffer.begin() + static_cast<long>(n));
  pushAll(joined, all, buffer.size());
  return 0;
}

// how: 1 returns with [in] pipe a unread; 2 reads b before a; 3 pushes after ending c; 4 never ends c;
// 5 pushes c before draining b; 0 follows the rules.
int32_t misuse(int32_t how, LONG_PIPE& a, LONG_PIPE& b, LONG_PIPE& c) {
  std::array<int32_t, 16> buffer{};
  if (how == 1) return 0;
  if (how == 2) b.pull(buffer);
  while (a.pull(buffer) != 0) {
  }
  if (how == 5) c.push(std::span<const int32_t>(buffer.data(), 1));
  while (b.pull(buffer) != 0) {
  }
  if (how == 4) return 0;
  c.push({});
  if (how == 3) c.push(std::span<const int32_t>(buffer.data(), 1));
  return 0;
}

class SyncPipes : public PipesSync_Manager {
 public:
  int32_t Sum(ServerCall&, int32_t s, LONG_PIPE& values, int32_t& count) override {
    return sum(s, values, count);
  }
  int32_t Range(ServerCall&, int32_t first, int32_t count, int32_t chunk, LONG_PIPE& values) override {
    return range(first, count, chunk, values);
  }
  int32_t Echo(ServerCall&, BYTE_PIPE& input, BYTE_PIPE& output) override { return echo(input, output); }
  int32_t Scale(ServerCall&, SAMPLE_PIPE& samples) override { return scale(samples); }
  int32_t Concat(ServerCall&, LONG_PIPE& first, LONG_PIPE& second, LONG_PIPE& joined) override {
    return concat(first, second, joined);
  }
  int32_t Misuse(ServerCall&, int32_t how, LONG_PIPE& a, LONG_PIPE& b, LONG_PIPE& c) override {
    return misuse(how, a, b, c);
  }
};

// Pulls a manager's [in] pipe to its end without holding a thread: whenever pull says kAsyncCallPending,
// it goes on from the pipe's next receive notification (on the server's I/O thread, where nothing may
// wait). Then `done(status)`.
template <class T>
class Drain : public std::enable_shared_from_this<Drain<T>> {
 public:
  Drain(midlrt::async::AsyncPipe<T>& pipe, std::function<void(std::span<const T>)> data,
        std::function<void(uint32_t)> done)
      : pipe_(pipe), data_(std::move(data)), done_(std::move(done)) {}
  void pump() {
    for (;;) {
      size_t n = 0;
      const uint32_t s = pipe_.pull(buffer_, n);
      if (s == midlrt::async::status::kAsyncCallPending) {
        if (pipe_.whenReceivable([self = this->shared_from_this()] { self->pump(); })) return;
        continue;  // it came meanwhile
      }
      if (s != 0 || n == 0) return done_(s);
      data_(std::span<const T>(buffer_.data(), n));
    }
  }

 private:
  midlrt::async::AsyncPipe<T>& pipe_;
  std::function<void(std::span<const T>)> data_;
  std::function<void(uint32_t)> done_;
  std::array<T, 1000> buffer_{};
};

// Sum pulls without a thread (Drain); the others work their pipes from a thread of their own through
// blocking(), then complete (or abort with the status a pipe reported).
class AsyncPipes : public Pipes_Manager {
 public:
  ~AsyncPipes() override {
    for (auto& t : threads_) t.join();
  }
  void Sum(SumCall call, ServerCall&, int32_t s, midlrt::async::AsyncPipe<int32_t>& values,
           int32_t& count) override {
    count = 0;
    auto total = std::make_shared<int64_t>(0);
    std::make_shared<Drain<int32_t>>(
        values,
        [total, &count](std::span<const int32_t> c) {
          *total = std::accumulate(c.begin(), c.end(), *total);
          count += static_cast<int32_t>(c.size());
        },
        [call, total, s](uint32_t status) mutable {
          if (status != 0) {
            call.abort(status);
          } else {
            call.complete(static_cast<int32_t>(*total * s));
          }
        })
        ->pump();
  }
  void Range(RangeCall call, ServerCall&, int32_t first, int32_t count, int32_t chunk,
             midlrt::async::AsyncPipe<int32_t>& values) override {
    later(call, [=, &values] {
      LONG_PIPE v = blocking(values);
      return range(first, count, chunk, v);
    });
  }
  void Echo(EchoCall call, ServerCall&, midlrt::async::AsyncPipe<uint8_t>& input,
            midlrt::async::AsyncPipe<uint8_t>& output) override {
    later(call, [&input, &output] {
      BYTE_PIPE in = blocking(input), out = blocking(output);
      return echo(in, out);
    });
  }
  void Scale(ScaleCall call, ServerCall&, midlrt::async::AsyncPipe<SAMPLE>& samples) override {
    later(call, [&samples] {
      SAMPLE_PIPE p = blocking(samples);
      return scale(p);
    });
  }
  void Concat(ConcatCall call, ServerCall&, midlrt::async::AsyncPipe<int32_t>& first,
              midlrt::async::AsyncPipe<int32_t>& second, midlrt::async::AsyncPipe<int32_t>& joined) override {
    later(call, [&first, &second, &joined] {
      LONG_PIPE a = blocking(first), b = blocking(second), j = blocking(joined);
      return concat(a, b, j);
    });
  }
  void Misuse(MisuseCall call, ServerCall&, int32_t how, midlrt::async::AsyncPipe<int32_t>& a,
              midlrt::async::AsyncPipe<int32_t>& b, midlrt::async::AsyncPipe<int32_t>& c) override {
    later(call, [how, &a, &b, &c] {
      LONG_PIPE x = blocking(a), y = blocking(b), z = blocking(c);
      return misuse(how, x, y, z);
    });
  }

 private:
  // Every operation returns a long: one typed handle type serves them all.
  template <class F>
  void later(midlrt::async::ServerAsyncCallOf<int32_t> call, F work) {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([call, work]() mutable {
      try {
        call.complete(work());
      } catch (const midlrt::ndr::NdrError& e) {
        call.abort(e.status());
      }
    });
  }
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

// Records the stub data of the last request and answers with canned stub data: the wire seen without
// generated code on the other end.
class RawDispatcher : public midlrt::rpc::Dispatcher {
 public:
  void dispatch(ServerCall& call) override {
    std::lock_guard<std::mutex> lock(mu_);
    request.assign(call.requestData(), call.requestData() + call.requestSize());
    call.response().append(response.data(), response.size());
  }
  std::mutex mu_;
  std::vector<uint8_t> request, response;
};

std::vector<uint8_t> bytes(std::initializer_list<uint32_t> words) {
  std::vector<uint8_t> out;
  for (uint32_t w : words)
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(w >> (8 * i)));
  return out;
}

class PipeCalls : public midlc::testing::SyncAndAsyncServers {
 protected:
  void SetUp() override {
    serve([](auto& server) { PipesSync_register(server, std::make_shared<SyncPipes>()); },
          [](auto& server) { Pipes_register(server, std::make_shared<AsyncPipes>()); });
  }
};

uint32_t statusOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const midlrt::rpc::RpcError& e) {
    return e.status();
  }
  return 0;
}

// What Scale sends back: every sample, its value doubled.
void expectScaled(const std::vector<SAMPLE>& back, const std::vector<SAMPLE>& sent) {
  ASSERT_EQ(back.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(back[i].tag, sent[i].tag);
    EXPECT_EQ(back[i].value, sent[i].value * 2);
  }
}

std::vector<int32_t> iota(int32_t from, size_t n) {
  std::vector<int32_t> v(n);
  std::iota(v.begin(), v.end(), from);
  return v;
}

}  // namespace

TEST_F(PipeCalls, InPipeDataFollowsTheOtherInParametersAcrossManyChunks) {
  // 200,000 values: several 64 KiB chunks and several request fragments.
  const std::vector<int32_t> values = iota(0, 200000);
  for (auto& b : bindings_) {
    LONG_PIPE pipe = LONG_PIPE::from(values);
    int32_t count = 0;
    EXPECT_EQ(PipesSync::Sum(b, 1, pipe, count), static_cast<int32_t>(199999LL * 200000 / 2));
    EXPECT_EQ(count, 200000);
  }
}

TEST_F(PipeCalls, OutPipeChunksArriveInOrderThenOneEmptyChunk) {
  for (auto& b : bindings_) {
    std::vector<size_t> chunks;
    std::vector<int32_t> received;
    LONG_PIPE pipe = LONG_PIPE::sink([&](std::span<const int32_t> c) {
      chunks.push_back(c.size());
      received.insert(received.end(), c.begin(), c.end());
    });
    EXPECT_EQ(PipesSync::Range(b, 10, 25, 10, pipe), 25);
    EXPECT_EQ(received, iota(10, 25));
    // The server pushed chunks of 10, 10 and 5; a streamed reply hands the client what has arrived, so a
    // chunk may come in pieces, never merged with the next one, and one empty chunk ends the pipe.
    ASSERT_FALSE(chunks.empty());
    EXPECT_EQ(chunks.back(), 0u);
    size_t inChunk = 0;
    std::vector<size_t> whole;
    for (size_t i = 0; i + 1 < chunks.size(); ++i) {
      EXPECT_NE(chunks[i], 0u);
      inChunk += chunks[i];
      if (inChunk == 10 || (whole.size() == 2 && inChunk == 5)) {
        whole.push_back(inChunk);
        inChunk = 0;
      }
    }
    EXPECT_EQ(whole, (std::vector<size_t>{10, 10, 5}));
  }
}

TEST_F(PipeCalls, EmptyPipesCarryOnlyTheEndChunk) {
  for (auto& b : bindings_) {
    LONG_PIPE none = LONG_PIPE::from({});
    int32_t count = -1;
    EXPECT_EQ(PipesSync::Sum(b, 3, none, count), 0);
    EXPECT_EQ(count, 0);
    std::vector<int32_t> out{1};
    LONG_PIPE sink = LONG_PIPE::into(out);
    EXPECT_EQ(PipesSync::Range(b, 0, 0, 4, sink), 0);
    EXPECT_EQ(out, std::vector<int32_t>{1});
  }
}

TEST_F(PipeCalls, OnePipeEachWayMovesMegabytes) {
  std::vector<uint8_t> data(3 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + i / 251);
  for (auto& b : bindings_) {
    std::vector<uint8_t> back;
    BYTE_PIPE input = BYTE_PIPE::from(data);
    BYTE_PIPE output = BYTE_PIPE::into(back);
    EXPECT_EQ(PipesSync::Echo(b, input, output), static_cast<int32_t>(data.size()));
    ASSERT_EQ(back.size(), data.size());
    // The server complements every byte it pulls (a pull returns what has arrived, up to 4096 bytes).
    std::vector<uint8_t> expected = data;
    for (auto& x : expected) x = static_cast<uint8_t>(~x);
    EXPECT_TRUE(back == expected);
  }
}

TEST_F(PipeCalls, InOutPipeOfAlignedStructsComesBackTransformed) {
  std::vector<SAMPLE> samples;
  for (int i = 0; i < 1000; ++i) samples.push_back(SAMPLE{static_cast<int16_t>(i), i + 0.25});
  for (auto& b : bindings_) {
    std::vector<SAMPLE> back;
    SAMPLE_PIPE pipe(
        [&, next = size_t{0}](std::span<SAMPLE> buffer) mutable {
          const size_t n = std::min<size_t>({buffer.size(), samples.size() - next, 33});
          std::copy_n(samples.begin() + static_cast<long>(next), n, buffer.begin());
          next += n;
          return n;
        },
        [&](std::span<const SAMPLE> c) { back.insert(back.end(), c.begin(), c.end()); });
    EXPECT_EQ(PipesSync::Scale(b, pipe), 1000);
    expectScaled(back, samples);
  }
}

TEST_F(PipeCalls, InPipesAreReadInDeclarationOrder) {
  for (auto& b : bindings_) {
    const std::vector<int32_t> first = iota(0, 150), second = iota(1000, 70);
    LONG_PIPE a = LONG_PIPE::from(first), c = LONG_PIPE::from(second);
    std::vector<int32_t> joined;
    LONG_PIPE j = LONG_PIPE::into(joined);
    EXPECT_EQ(PipesSync::Concat(b, a, c, j), 0);
    std::vector<int32_t> expected = first;
    expected.insert(expected.end(), second.begin(), second.end());
    EXPECT_EQ(joined, expected);
  }
}

// The asynchronous pipe model: the client pushes its [in] pipes and pulls its [out] pipes while the call is
// in progress, against the synchronous server and the asynchronous one (the same wire).
TEST_F(PipeCalls, AsyncClientPushesAndPullsItsPipesWhileTheCallIsInProgress) {
  for (auto& b : bindings_) {
    const std::vector<int32_t> values = iota(1, 5000);
    midlrt::async::AsyncPipe<int32_t> in;
    int32_t count = 0;
    AsyncState sumState;
    ASSERT_TRUE(sumState.notifyByEvent());
    ASSERT_EQ(Pipes::Sum(sumState, b, 2, in, count), midlrt::rpc::status::kOk);
    EXPECT_EQ(pushAll(in, values, 777), 0u);
    ASSERT_TRUE(sumState.wait(std::chrono::seconds(10)));
    int32_t result = 0;
    EXPECT_EQ(sumState.complete(&result), midlrt::rpc::status::kOk);
    EXPECT_EQ(result, 2 * 5000 * 5001 / 2);
    EXPECT_EQ(count, 5000);

    midlrt::async::AsyncPipe<int32_t> out;
    AsyncState rangeState;
    ASSERT_TRUE(rangeState.notifyByEvent());
    ASSERT_EQ(Pipes::Range(rangeState, b, 5, 300, 64, out), midlrt::rpc::status::kOk);
    std::vector<int32_t> received;
    EXPECT_EQ(pullAll(out, received, 50), 0u);
    ASSERT_TRUE(rangeState.wait(std::chrono::seconds(10)));
    EXPECT_EQ(rangeState.complete(&result), midlrt::rpc::status::kOk);
    EXPECT_EQ(result, 300);
    EXPECT_EQ(received, iota(5, 300));
  }
}

TEST_F(PipeCalls, AsyncClientInOutPipeIsPushedThenPulled) {
  for (auto& b : bindings_) {
    std::vector<SAMPLE> samples;
    for (int i = 0; i < 300; ++i) samples.push_back(SAMPLE{static_cast<int16_t>(-i), i * 0.5});
    midlrt::async::AsyncPipe<SAMPLE> pipe;
    AsyncState state;
    ASSERT_TRUE(state.notifyByEvent());
    ASSERT_EQ(Pipes::Scale(state, b, pipe), midlrt::rpc::status::kOk);
    EXPECT_EQ(pushAll(pipe, samples, 13), 0u);
    std::vector<SAMPLE> back;
    EXPECT_EQ(pullAll(pipe, back, 11), 0u);
    ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
    int32_t result = 0;
    EXPECT_EQ(state.complete(&result), midlrt::rpc::status::kOk);
    EXPECT_EQ(result, 300);
    expectScaled(back, samples);
  }
}

// Microsoft's pipe discipline, enforced on the server: the client gets the status as a fault.
TEST_F(PipeCalls, ServerThatBreaksThePipeDisciplineFaultsTheCall) {
  for (auto& b : bindings_) {
    auto misuseWith = [&](int32_t how) {
      return statusOf([&] {
        const std::vector<int32_t> values = iota(0, 10);
        LONG_PIPE a = LONG_PIPE::from(values), c = LONG_PIPE::from(values);
        std::vector<int32_t> out;
        LONG_PIPE sink = LONG_PIPE::into(out);
        PipesSync::Misuse(b, how, a, c, sink);
      });
    };
    EXPECT_EQ(misuseWith(0), 0u);
    EXPECT_EQ(misuseWith(1), midlrt::ndr::kRpcXPipeDisciplineError) << "returned with an [in] pipe unread";
    EXPECT_EQ(misuseWith(2), midlrt::ndr::kRpcXWrongPipeOrder) << "read the second [in] pipe first";
    EXPECT_EQ(misuseWith(3), midlrt::ndr::kRpcXPipeClosed) << "pushed after the end of the [out] pipe";
    EXPECT_EQ(misuseWith(4), midlrt::ndr::kRpcXPipeDisciplineError) << "never ended the [out] pipe";
    EXPECT_EQ(misuseWith(5), midlrt::ndr::kRpcXWrongPipeOrder)
        << "pushed the [out] pipe before draining the [in]";
  }
}

TEST_F(PipeCalls, ClientPipeWithoutTheFunctionItsDirectionNeedsFailsBeforeSending) {
  LONG_PIPE noSource = LONG_PIPE::sink([](std::span<const int32_t>) {});
  int32_t count = 0;
  EXPECT_THROW(PipesSync::Sum(bindings_[0], 1, noSource, count), midlrt::ndr::PipeError);
  LONG_PIPE noSink = LONG_PIPE::from({});
  EXPECT_THROW(PipesSync::Range(bindings_[0], 0, 1, 1, noSink), midlrt::ndr::PipeError);
}

// Scale's pipe stream of one sample, an 8-aligned struct: after each count, 4 bytes of padding; in the
// element, 6 after `tag`; then the end chunk.
namespace {
std::vector<uint8_t> oneSampleStream(const SAMPLE& one) {
  std::vector<uint8_t> stream = bytes({1, 0});
  std::vector<uint8_t> element(16, 0);
  std::memcpy(element.data(), &one.tag, 2);
  std::memcpy(element.data() + 8, &one.value, 8);
  stream.insert(stream.end(), element.begin(), element.end());
  for (uint8_t x : bytes({0})) stream.push_back(x);
  return stream;
}
}  // namespace

// The wire, without generated code on the other side: C706's chunks (a count, aligned to 4; the elements,
// aligned to their own alignment; a zero count at the end), [in] pipes after the other [in] parameters,
// [out] pipes before the other [out] parameters and the return value.
TEST(PipesWire, RequestAndResponseChunksMatchHandWrittenNdr) {
  auto raw = std::make_shared<RawDispatcher>();
  midlrt::rpc::Server server;
  server.registerInterface(PipesSync_ifspec, 6, raw);
  midlrt::Binding b = midlrt::rpc::Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));

  // Sum(scale 7, values {1, 2, 3} then {4}): the client sends each chunk its source yields.
  raw->response = bytes({4, 70});  // count, then the result
  std::vector<std::vector<int32_t>> chunks{{1, 2, 3}, {4}};
  LONG_PIPE values = LONG_PIPE::source([&, next = size_t{0}](std::span<int32_t> buffer) mutable {
    if (next == chunks.size()) return size_t{0};
    std::copy(chunks[next].begin(), chunks[next].end(), buffer.begin());
    return chunks[next++].size();
  });
  int32_t count = 0;
  EXPECT_EQ(PipesSync::Sum(b, 7, values, count), 70);
  EXPECT_EQ(count, 4);
  EXPECT_EQ(raw->request, bytes({7, 3, 1, 2, 3, 1, 4, 0}));

  // Scale: an 8-aligned struct. After each count, 4 bytes of padding; in the element, 6 after `tag`. The
  // same stream comes back, then the return value at offset 28.
  const SAMPLE one{-2, 1.5};
  const std::vector<uint8_t> stream = oneSampleStream(one);
  raw->response = stream;
  for (uint8_t x : bytes({1})) raw->response.push_back(x);
  std::vector<SAMPLE> back;
  SAMPLE_PIPE source = SAMPLE_PIPE::from(std::span<const SAMPLE>(&one, 1));
  SAMPLE_PIPE pipe([&source](std::span<SAMPLE> buffer) { return source.pull(buffer); },
                   [&](std::span<const SAMPLE> c) { back.insert(back.end(), c.begin(), c.end()); });
  EXPECT_EQ(PipesSync::Scale(b, pipe), 1);
  EXPECT_EQ(raw->request, stream);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].tag, -2);
  EXPECT_EQ(back[0].value, 1.5);

  // Range: [out] chunks {10, 11} and {12}, the end chunk, then the result.
  raw->response = bytes({2, 10, 11, 1, 12, 0, 5});
  std::vector<std::vector<int32_t>> received;
  LONG_PIPE sink =
      LONG_PIPE::sink([&](std::span<const int32_t> c) { received.emplace_back(c.begin(), c.end()); });
  EXPECT_EQ(PipesSync::Range(b, 10, 3, 2, sink), 5);
  EXPECT_EQ(raw->request, bytes({10, 3, 2}));
  EXPECT_EQ(received, (std::vector<std::vector<int32_t>>{{10, 11}, {12}, {}}));
  b.reset();
  server.shutdown();
}

// The [async] client's pipes make the same stub data as the synchronous client's above (pushes for pulls,
// pulls for pushes): a server cannot tell them apart.
TEST(PipesWire, AnAsyncClientsChunksAreTheSyncClientsChunks) {
  auto raw = std::make_shared<RawDispatcher>();
  midlrt::rpc::Server server;
  server.registerInterface(PipesSync_ifspec, 6, raw);
  midlrt::Binding b = midlrt::rpc::Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  AsyncState state;
  ASSERT_TRUE(state.notifyByEvent());
  int32_t result = 0;

  raw->response = bytes({4, 70});
  midlrt::async::AsyncPipe<int32_t> values;
  int32_t count = 0;
  ASSERT_EQ(Pipes::Sum(state, b, 7, values, count), 0u);
  EXPECT_EQ(values.push(std::vector<int32_t>{1, 2, 3}), 0u);
  EXPECT_EQ(values.push(std::vector<int32_t>{4}), 0u);
  EXPECT_EQ(values.push({}), 0u);
  ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
  EXPECT_EQ(state.complete(&result), 0u);
  EXPECT_EQ(result, 70);
  EXPECT_EQ(count, 4);
  EXPECT_EQ(raw->request, bytes({7, 3, 1, 2, 3, 1, 4, 0}));

  const SAMPLE one{-2, 1.5};
  const std::vector<uint8_t> stream = oneSampleStream(one);
  raw->response = stream;
  for (uint8_t x : bytes({1})) raw->response.push_back(x);
  midlrt::async::AsyncPipe<SAMPLE> samples;
  ASSERT_EQ(Pipes::Scale(state, b, samples), 0u);
  EXPECT_EQ(samples.push(std::span<const SAMPLE>(&one, 1)), 0u);
  EXPECT_EQ(samples.push({}), 0u);
  std::array<SAMPLE, 4> back{};
  size_t n = 0;
  EXPECT_EQ(samples.pullWait(back, n, std::chrono::seconds(10)), 0u);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(back[0].tag, -2);
  EXPECT_EQ(back[0].value, 1.5);
  EXPECT_EQ(samples.pullWait(back, n, std::chrono::seconds(10)), 0u);
  EXPECT_EQ(n, 0u) << "the end of the pipe";
  ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
  EXPECT_EQ(state.complete(&result), 0u);
  EXPECT_EQ(result, 1);
  EXPECT_EQ(raw->request, stream);

  // Range: whole chunks as they were sent, each pulled into a buffer that holds it.
  raw->response = bytes({2, 10, 11, 1, 12, 0, 5});
  midlrt::async::AsyncPipe<int32_t> out;
  ASSERT_EQ(Pipes::Range(state, b, 10, 3, 2, out), 0u);
  ASSERT_TRUE(state.wait(std::chrono::seconds(10)));  // the whole reply has come: pulls go by chunks
  std::vector<std::vector<int32_t>> received;
  std::array<int32_t, 8> buffer{};
  do {
    ASSERT_EQ(out.pull(buffer, n), 0u);
    received.emplace_back(buffer.begin(), buffer.begin() + static_cast<long>(n));
  } while (n != 0);
  EXPECT_EQ(state.complete(&result), 0u);
  EXPECT_EQ(result, 5);
  EXPECT_EQ(raw->request, bytes({10, 3, 2}));
  EXPECT_EQ(received, (std::vector<std::vector<int32_t>>{{10, 11}, {12}, {}}));
  b.reset();
  server.shutdown();
}

// The synchronous and the [async] server answer one request with the same bytes: a hand-written Range
// (chunks of 2) and Sum (two chunks in), each reply compared byte for byte with the NDR written by hand.
TEST_F(PipeCalls, TheSyncAndTheAsyncServerAnswerWithTheSameBytes) {
  for (auto& b : bindings_) {
    midlrt::rpc::Message range = midlrt::rpc::Message::acquire();
    const std::vector<uint8_t> rangeArgs = bytes({10, 3, 2});
    range.append(rangeArgs.data(), rangeArgs.size());
    midlrt::rpc::Reply reply = b->invoke(PipesSync_ifspec, 1, range);
    EXPECT_EQ(std::vector<uint8_t>(reply.data(), reply.data() + reply.size()),
              bytes({2, 10, 11, 1, 12, 0, 3}));
    midlrt::rpc::Message sum = midlrt::rpc::Message::acquire();
    const std::vector<uint8_t> sumArgs = bytes({3, 2, 5, 6, 1, 7, 0});
    sum.append(sumArgs.data(), sumArgs.size());
    reply = b->invoke(PipesSync_ifspec, 0, sum);
    EXPECT_EQ(std::vector<uint8_t>(reply.data(), reply.data() + reply.size()), bytes({3, 3 * 18}));
  }
}

// Hostile chunk counts: the server faults with rpc_x_bad_stub_data and the client throws DecodeError,
// neither allocating for the count it was sent.
TEST(PipesWire, ChunkCountsBeyondTheDataAreRejectedOnBothSides) {
  midlrt::rpc::Server server;
  PipesSync_register(server, std::make_shared<SyncPipes>());
  midlrt::Binding toGenerated = midlrt::rpc::Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  midlrt::rpc::Message request = midlrt::rpc::Message::acquire();
  const std::vector<uint8_t> hostile = bytes({1, 0x7fffffff, 1, 2});  // Sum: scale, a chunk of 2^31-1
  request.append(hostile.data(), hostile.size());
  EXPECT_EQ(statusOf([&] { toGenerated->invoke(PipesSync_ifspec, 0, request); }),
            midlrt::ndr::kRpcXBadStubData);
  toGenerated.reset();
  server.shutdown();

  auto raw = std::make_shared<RawDispatcher>();
  midlrt::rpc::Server rawServer;
  rawServer.registerInterface(PipesSync_ifspec, 6, raw);
  midlrt::Binding toRaw = midlrt::rpc::Channel::create(rawServer.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  raw->response = bytes({0xfffffff0, 1, 2});  // Range's [out] pipe: a chunk of 2^32-16 values
  LONG_PIPE sink = LONG_PIPE::sink([](std::span<const int32_t>) { ADD_FAILURE() << "no chunk expected"; });
  EXPECT_THROW(PipesSync::Range(toRaw, 0, 1, 1, sink), midlrt::ndr::DecodeError);
  toRaw.reset();
  rawServer.shutdown();
}

// Random stub data for every operation, on both servers: each call ends with a result or a fault, never a
// crash or a hang (the sanitizer build checks for overreads), and the servers keep serving.
TEST_F(PipeCalls, RandomStubDataGetsAFaultAndTheServerServesOn) {
  std::mt19937 random(20261126);
  for (auto& b : bindings_) {
    for (int i = 0; i < 300; ++i) {
      midlrt::rpc::Message request = midlrt::rpc::Message::acquire();
      std::vector<uint8_t> bytes(random() % 96);
      for (auto& x : bytes) x = static_cast<uint8_t>(random() % 4 == 0 ? random() : random() % 4);
      request.append(bytes.data(), bytes.size());
      midlrt::rpc::Reply reply;
      // Not Range (opnum 1): its manager trusts the count it is asked for, as a real one would check it.
      const uint16_t opnums[] = {0, 2, 3, 4, 5};
      const uint16_t opnum = opnums[random() % 5];
      (void)b->tryInvoke(PipesSync_ifspec, opnum, request, reply);
    }
    const std::vector<int32_t> values = iota(1, 10);
    LONG_PIPE pipe = LONG_PIPE::from(values);
    int32_t count = 0;
    EXPECT_EQ(PipesSync::Sum(b, 1, pipe, count), 55);
  }
}
