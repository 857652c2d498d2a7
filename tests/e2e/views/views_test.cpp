// [cpp_view]: [in] arrays reach the manager as std::span views of the request's bytes (no copy) where their
// elements are their own wire form, and over the stub's copy where they are not; [in] strings as
// std::string_view / std::u16string_view of the request's characters; sync and [async] managers, big
// (fragmented) requests, callers passing any contiguous memory, and clients and servers compiled with and
// without views calling each other (one wire).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "plain/views.h"
#include "views/views.h"

namespace {

// Whether `bytes` bytes at `p` lie inside the request of the call being served.
int32_t inRequest(const void* p, size_t bytes) {
  const midlrt::rpc::ServerCall* call = midlrt::rpc::ServerCall::current();
  if (call == nullptr || p == nullptr) return 0;
  auto* b = static_cast<const uint8_t*>(p);
  return b >= call->requestData() && b + bytes <= call->requestData() + call->requestSize() ? 1 : 0;
}

// A checksum of bytes (wrapping, in unsigned arithmetic).
int64_t checksum(std::span<const uint8_t> bytes) {
  uint64_t sum = 0;
  for (uint8_t b : bytes) sum = sum * 31 + b;
  return static_cast<int64_t>(sum);
}

double total(std::span<const Sample> samples) {
  double sum = 0;
  for (const Sample& s : samples) sum += s.id * s.value;
  return sum;
}

// The sum of a text's code units.
int32_t sumOf(std::u16string_view text) {
  int32_t sum = 0;
  for (char16_t c : text) sum += c;
  return sum;
}

int32_t countTagged(std::span<const Tagged> items) {
  int32_t n = 0;
  for (const Tagged& t : items) n += t.kind + (t.extra ? *t.extra : 0);
  return n;
}

class ViewsImpl : public Views_Manager {
 public:
  double Total(int32_t, std::span<const Sample> samples, int32_t& in) override {
    in = inRequest(samples.data(), samples.size_bytes());
    return total(samples);
  }
  int64_t Checksum(int32_t, std::span<const uint8_t> data, int32_t& in) override {
    in = inRequest(data.data(), data.size_bytes());
    return checksum(data);
  }
  int32_t CountTagged(int32_t, std::span<const Tagged> items, int32_t& in) override {
    in = inRequest(items.data(), items.size_bytes());
    return countTagged(items);
  }
  int32_t Greet(std::string_view name, std::u16string_view wide, int32_t& in) override {
    in = inRequest(name.data(), name.size()) & inRequest(wide.data(), wide.size() * 2);
    return static_cast<int32_t>(name.size() + wide.size());
  }
};

// The same interface without views: vectors in, as before.
class PlainImpl : public PlainViews_Manager {
 public:
  double Total(int32_t, const std::vector<PlainSample>& samples, int32_t& in) override {
    in = -1;
    double sum = 0;
    for (const PlainSample& s : samples) sum += s.id * s.value;
    return sum;
  }
  int64_t Checksum(int32_t, const std::vector<uint8_t>& data, int32_t& in) override {
    in = -1;
    return checksum(data);
  }
  int32_t CountTagged(int32_t, const std::vector<PlainTagged>& items, int32_t& in) override {
    in = -1;
    int32_t n = 0;
    for (const PlainTagged& t : items) n += t.kind + (t.extra ? *t.extra : 0);
    return n;
  }
  int32_t Greet(const std::string& name, const std::u16string& wide, int32_t& in) override {
    in = -1;
    return static_cast<int32_t>(name.size() + wide.size());
  }
};

// Completes each call from a thread of its own, after the stub has returned: reads the views only then.
class LaterImpl : public Later_Manager {
 public:
  ~LaterImpl() override {
    for (auto& t : threads_) t.join();
  }
  void Total(TotalCall call, int32_t, std::span<const Sample> samples) override {
    later([call, samples]() mutable { call.complete(total(samples)); });
  }
  void CountTagged(CountTaggedCall call, int32_t, std::span<const Tagged> items) override {
    later([call, items]() mutable { call.complete(countTagged(items)); });
  }
  void Sum(SumCall call, std::u16string_view text) override {
    later([call, text]() mutable { call.complete(sumOf(text)); });
  }
  void Checksum(ChecksumCall call, int32_t, std::span<const uint8_t> data) override {
    later([call, data]() mutable { call.complete(checksum(data)); });
  }

 private:
  template <class F>
  void later(F f) {
    std::lock_guard lk(mu_);
    threads_.emplace_back([f]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      f();
    });
  }
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

std::vector<Sample> samples(int32_t n) {
  std::vector<Sample> v(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = Sample{i, 0.5 * i};
  return v;
}

double expectedTotal(int32_t n) {
  double sum = 0;
  for (int32_t i = 0; i < n; ++i) sum += i * (0.5 * i);
  return sum;
}

std::vector<Tagged> tagged(int32_t n) {
  std::vector<Tagged> v(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    v[static_cast<size_t>(i)].kind = static_cast<int16_t>(i % 3);
    if (i % 2 == 0) v[static_cast<size_t>(i)].extra = std::make_unique<int32_t>(i);
  }
  return v;
}

int32_t expectedTagged(int32_t n) {
  int32_t sum = 0;
  for (int32_t i = 0; i < n; ++i) sum += i % 3 + (i % 2 == 0 ? i : 0);
  return sum;
}

class ViewParams : public ::testing::Test {
 protected:
  void SetUp() override {
    Views_register(server_, std::make_shared<ViewsImpl>());
    later_ = std::make_shared<LaterImpl>();
    Later_register(server_, later_);
    PlainViews_register(plainServer_, std::make_shared<PlainImpl>());
    views_ = midlrt::rpc::Channel::create(server_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
    plain_ = midlrt::rpc::Channel::create(plainServer_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  void TearDown() override {
    views_.reset();
    plain_.reset();
    server_.shutdown();
    plainServer_.shutdown();
  }
  midlrt::rpc::Server server_, plainServer_;
  std::shared_ptr<LaterImpl> later_;
  midlrt::Binding views_, plain_;
};

}  // namespace

TEST_F(ViewParams, ElementsThatAreTheirOwnWireFormAreViewedInTheRequest) {
  for (int32_t n : {0, 1, 1000}) {
    int32_t in = 0;
    EXPECT_DOUBLE_EQ(Views::Total(views_, n, samples(n), in), expectedTotal(n));
    if (n != 0) {
      EXPECT_EQ(in, 1) << n;
    }
  }
  // 16 MiB of bytes: many fragments, reassembled, then viewed.
  std::vector<uint8_t> big(16u << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 13);
  const int64_t expected = checksum(big);
  int32_t in = 0;
  EXPECT_EQ(Views::Checksum(views_, static_cast<int32_t>(big.size()), big, in), expected);
  EXPECT_EQ(in, 1);
}

TEST_F(ViewParams, ElementsThatAreNotTheirOwnWireFormAreViewedInTheStubsCopy) {
  int32_t in = 1;
  EXPECT_EQ(Views::CountTagged(views_, 9, tagged(9), in), expectedTagged(9));
  EXPECT_EQ(in, 0);
}

TEST_F(ViewParams, CallersPassAnyContiguousMemory) {
  const std::array<uint8_t, 4> bytes{1, 2, 3, 4};
  int32_t in = 0;
  const int64_t whole = Views::Checksum(views_, 4, bytes, in);
  EXPECT_EQ(whole, ((1 * 31 + 2) * 31 + 3) * 31 + 4);
  // A part of a buffer, without copying it into a vector first.
  const std::vector<Sample> all = samples(100);
  EXPECT_DOUBLE_EQ(Views::Total(views_, 10, std::span<const Sample>(all).subspan(90), in),
                   total(std::span<const Sample>(all).subspan(90)));
  // The size_is value must agree with the span: checked before anything is sent.
  EXPECT_THROW(Views::Checksum(views_, 5, bytes, in), midlrt::ndr::NdrError);
}

TEST_F(ViewParams, AsyncManagersReadTheirViewsUntilTheyComplete) {
  for (int32_t n : {1, 5000}) {
    midlrt::async::AsyncState state;
    ASSERT_TRUE(state.notifyByEvent());
    ASSERT_EQ(Later::Total(state, views_, n, samples(n)), midlrt::rpc::status::kOk);
    ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
    double result = 0;
    ASSERT_EQ(state.complete(&result), midlrt::rpc::status::kOk);
    EXPECT_DOUBLE_EQ(result, expectedTotal(n));
  }
  midlrt::async::AsyncState state;
  ASSERT_TRUE(state.notifyByEvent());
  ASSERT_EQ(Later::CountTagged(state, views_, 7, tagged(7)), midlrt::rpc::status::kOk);
  ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
  int32_t result = 0;
  ASSERT_EQ(state.complete(&result), midlrt::rpc::status::kOk);
  EXPECT_EQ(result, expectedTagged(7));
}

TEST_F(ViewParams, ClientsAndServersWithAndWithoutViewsShareTheWire) {
  // A vector client against the view server, and a view client against the vector server.
  std::vector<PlainSample> plainSamples(50);
  for (int32_t i = 0; i < 50; ++i) plainSamples[static_cast<size_t>(i)] = PlainSample{i, 0.5 * i};
  int32_t in = 0;
  EXPECT_DOUBLE_EQ(PlainViews::Total(views_, 50, plainSamples, in), expectedTotal(50));
  EXPECT_EQ(in, 1);
  EXPECT_DOUBLE_EQ(Views::Total(plain_, 50, samples(50), in), expectedTotal(50));
  EXPECT_EQ(in, -1);
  EXPECT_EQ(Views::CountTagged(plain_, 9, tagged(9), in), expectedTagged(9));
  std::vector<PlainTagged> plainTagged(9);
  for (int32_t i = 0; i < 9; ++i) {
    plainTagged[static_cast<size_t>(i)].kind = static_cast<int16_t>(i % 3);
    if (i % 2 == 0) plainTagged[static_cast<size_t>(i)].extra = std::make_unique<int32_t>(i);
  }
  EXPECT_EQ(PlainViews::CountTagged(views_, 9, plainTagged, in), expectedTagged(9));
}

TEST_F(ViewParams, StringsAreViewedInTheRequestsCharacters) {
  int32_t in = 0;
  EXPECT_EQ(Views::Greet(views_, "hello", u"w\u00f6rld", in), 10);
  EXPECT_EQ(in, 1);
  EXPECT_EQ(Views::Greet(views_, "", u"", in), 0);
  // 200 KB of characters: several fragments, reassembled, then viewed.
  const std::string longName(100000, 'n');
  const std::u16string longWide(50000, u'w');
  EXPECT_EQ(Views::Greet(views_, longName, longWide, in), 150000);
  EXPECT_EQ(in, 1);
  // Part of a buffer, without a std::string made of it first.
  const char buffer[] = "prefix:name:suffix";
  EXPECT_EQ(Views::Greet(views_, std::string_view(buffer).substr(7, 4), u"", in), 4);
  // A NUL inside would shorten the peer's string: refused before anything is sent.
  EXPECT_THROW(Views::Greet(views_, std::string_view("a\0b", 3), u"", in), midlrt::ndr::NdrError);
}

TEST_F(ViewParams, AsyncManagersReadTheirStringsUntilTheyComplete) {
  for (const std::u16string& text : {std::u16string(u"abc"), std::u16string(70000, u'\u0101')}) {
    midlrt::async::AsyncState state;
    ASSERT_TRUE(state.notifyByEvent());
    ASSERT_EQ(Later::Sum(state, views_, text), midlrt::rpc::status::kOk);
    ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
    int32_t result = 0;
    ASSERT_EQ(state.complete(&result), midlrt::rpc::status::kOk);
    EXPECT_EQ(result, sumOf(text));
  }
}

TEST_F(ViewParams, StringsShareTheWireWithAndWithoutViews) {
  int32_t in = 0;
  EXPECT_EQ(PlainViews::Greet(views_, "plain", u"client", in), 11);
  EXPECT_EQ(in, 1);
  EXPECT_EQ(Views::Greet(plain_, "view", u"client", in), 10);
  EXPECT_EQ(in, -1);
}

TEST_F(ViewParams, AnAsyncCallersArraysMayGoOnceTheCallIsIssued) {
  // 16 KiB and more are sent from the caller's memory (Message::gatherLargeWrites): written, or copied where
  // the socket does not take them, before the client function returns. 4 MiB is more than the socket takes
  // at once.
  for (size_t size : {size_t{16} << 10, size_t{4} << 20}) {
    auto data = std::make_unique<std::vector<uint8_t>>(size);
    for (size_t i = 0; i < size; ++i) (*data)[i] = static_cast<uint8_t>(i * 7 + 1);
    const int64_t expected = checksum(*data);
    midlrt::async::AsyncState state;
    ASSERT_TRUE(state.notifyByEvent());
    ASSERT_EQ(Later::Checksum(state, views_, static_cast<int32_t>(size), *data), midlrt::rpc::status::kOk);
    std::fill(data->begin(), data->end(), uint8_t{0xee});
    data.reset();  // under AddressSanitizer a read of it after this is an error
    ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
    int64_t result = 0;
    ASSERT_EQ(state.complete(&result), midlrt::rpc::status::kOk);
    EXPECT_EQ(result, expected) << size;
  }
}
