// NDR correlation of parameters through generated code (issue 12): an array's [size_is]/[length_is] and an
// [out] union's [switch_is] must agree with what travels, checked by each side on what it sends and on what
// it receives (C706 14.3.3, MS-RPCE 2.2.5.2.5). Each rule is broken once per side and per code path: a
// manager that lies (sync and [async] managers), hand-written requests to both dispatchers, hand-written
// replies to both kinds of client, and clients given inconsistent arguments.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "async/correlation.h"
#include "support/hand_ndr.h"
#include "sync/correlation.h"

namespace {

using Bytes = std::vector<uint8_t>;
using midlrt::async::AsyncState;
namespace status = midlrt::rpc::status;

using midlc::test::Ndr;

constexpr uint16_t kFill = 0, kWindow = 1, kSum = 2, kSumMaybe = 3, kPick = 4, kOpCount = 5;

// What a manager answers; `lie` makes it break the rule its operation checks.
struct Answers {
  bool lie = false;
  std::vector<uint8_t> fill(int32_t n) const {
    return std::vector<uint8_t>(static_cast<size_t>(lie ? n - 2 : n), 7);
  }
  // Up to max elements, `used` of them sent; a liar claims one more than it sends, or sends more than max.
  void window(int32_t max, int32_t& used, std::vector<int32_t>& items) const {
    items.assign(static_cast<size_t>(max / 2), 5);
    used = static_cast<int32_t>(items.size()) + (lie ? 1 : 0);
  }
  static int32_t sum(const std::vector<int32_t>& items) {
    int32_t s = 0;
    for (int32_t x : items) s += x;
    return s;
  }
  template <class Choice>
  void pick(int16_t kind, Choice& c) const {
    if ((kind == 1) != lie)
      c.set_one(100);
    else
      c.set_two(200);
  }
};

class SyncManager : public CorrelationSync_Manager, public Answers {
 public:
  int32_t Fill(int32_t n, std::vector<uint8_t>& data) override {
    data = fill(n);
    return n;
  }
  int32_t Window(int32_t max, int32_t& used, std::vector<int32_t>& items) override {
    window(max, used, items);
    return used;
  }
  int32_t Sum(int32_t, int32_t, const std::vector<int32_t>& items) override { return sum(items); }
  int32_t SumMaybe(int32_t, const std::vector<int32_t>* items) override { return items ? sum(*items) : -1; }
  int32_t Pick(int16_t kind, ChoiceSync& c) override {
    pick(kind, c);
    return kind;
  }
};

// Completes each call from another thread, as an [async] manager may.
class AsyncManager : public Correlation_Manager, public Answers {
 public:
  ~AsyncManager() override {
    for (auto& t : threads_) t.join();
  }
  void Fill(FillCall call, int32_t n, std::vector<uint8_t>& data) override {
    later([this, call, n, &data]() mutable {
      data = fill(n);
      call.complete(n);
    });
  }
  void Window(WindowCall call, int32_t max, int32_t& used, std::vector<int32_t>& items) override {
    later([this, call, max, &used, &items]() mutable {
      window(max, used, items);
      call.complete(used);
    });
  }
  void Sum(SumCall call, int32_t, int32_t, const std::vector<int32_t>& items) override {
    call.complete(sum(items));
  }
  void SumMaybe(SumMaybeCall call, int32_t, const std::vector<int32_t>* items) override {
    call.complete(items ? sum(*items) : -1);
  }
  void Pick(PickCall call, int16_t kind, Choice& c) override {
    later([this, call, kind, &c]() mutable {
      pick(kind, c);
      call.complete(static_cast<int32_t>(kind));
    });
  }

 private:
  template <class F>
  void later(F f) {
    threads_.emplace_back(std::move(f));
  }
  std::vector<std::thread> threads_;
};

// Answers every call with the stub data it is given (a server that breaks the rules).
class CannedReply : public midlrt::rpc::Dispatcher {
 public:
  void dispatch(midlrt::rpc::ServerCall& call) override {
    call.response().append(reply.data(), reply.size());
  }
  Bytes reply;
};

// One server per dispatcher kind; the same clients and raw calls against each.
class CorrelationChecks : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      asyncManager_ = std::make_shared<AsyncManager>();
      answers_ = asyncManager_.get();
      server_.registerInterface(Correlation_ifspec, kOpCount, Correlation_dispatcher(asyncManager_));
    } else {
      syncManager_ = std::make_shared<SyncManager>();
      answers_ = syncManager_.get();
      server_.registerInterface(CorrelationSync_ifspec, kOpCount, CorrelationSync_dispatcher(syncManager_));
    }
    binding_ = midlrt::rpc::Channel::createInProcess(server_);
    canned_ = std::make_shared<CannedReply>();
    cannedServer_.registerInterface(CorrelationSync_ifspec, kOpCount, canned_);
    toCanned_ = midlrt::rpc::Channel::createInProcess(cannedServer_);
  }
  void TearDown() override {
    binding_.reset();  // before the managers' threads are joined
  }
  // Sends hand-written stub data to the generated server; returns the status (0, or the fault).
  uint32_t rawCall(uint16_t opnum, const Bytes& stub) {
    midlrt::rpc::Message request = midlrt::rpc::Message::acquire();
    request.append(stub.data(), stub.size());
    midlrt::rpc::Reply reply;
    return binding_->tryInvoke(CorrelationSync_ifspec, opnum, request, reply);
  }
  // The status an [async] client function's call ends with.
  template <class Issue>
  static uint32_t asyncStatus(Issue issue) {
    AsyncState state;
    const uint32_t issued = issue(state);
    if (issued != status::kOk) return issued;
    EXPECT_TRUE(state.wait(std::chrono::seconds(10)));
    int32_t result = 0;
    return state.complete(&result);
  }
  static uint32_t statusOf(const std::function<void()>& call) {
    try {
      call();
      return status::kOk;
    } catch (const midlrt::rpc::RpcError& e) {
      return e.status();
    } catch (const midlrt::ndr::NdrError& e) {
      return e.status();
    }
  }

  midlrt::rpc::Server server_, cannedServer_;
  std::shared_ptr<SyncManager> syncManager_;
  std::shared_ptr<AsyncManager> asyncManager_;
  Answers* answers_ = nullptr;
  std::shared_ptr<CannedReply> canned_;
  midlrt::Binding binding_, toCanned_;
};

// ---- the server checks the [out] arrays and unions its manager gives before marshaling them ----

TEST_P(CorrelationChecks, ConsistentAnswersPassBothWays) {
  std::vector<uint8_t> data;
  EXPECT_EQ(CorrelationSync::Fill(binding_, 5, data), 5);
  EXPECT_EQ(data.size(), 5u);
  int32_t used = 0;
  std::vector<int32_t> items;
  EXPECT_EQ(CorrelationSync::Window(binding_, 6, used, items), 3);
  EXPECT_EQ(items.size(), 3u);
  EXPECT_EQ(CorrelationSync::Sum(binding_, 4, 2, {1, 2}), 3);
  const std::vector<int32_t> three{1, 2, 3};
  EXPECT_EQ(CorrelationSync::SumMaybe(binding_, 3, &three), 6);
  EXPECT_EQ(CorrelationSync::SumMaybe(binding_, 3, nullptr), -1);
  ChoiceSync c{};
  EXPECT_EQ(CorrelationSync::Pick(binding_, 2, c), 2);
  EXPECT_EQ(c.two(), 200);
  EXPECT_EQ(asyncStatus([&](AsyncState& s) { return Correlation::Fill(s, binding_, 5, data); }), status::kOk);
  EXPECT_EQ(asyncStatus([&](AsyncState& s) { return Correlation::Window(s, binding_, 6, used, items); }),
            status::kOk);
}

TEST_P(CorrelationChecks, AManagerThatReturnsFewerElementsThanSizeIsFailsToMarshal) {
  answers_->lie = true;
  std::vector<uint8_t> data;
  EXPECT_EQ(statusOf([&] { CorrelationSync::Fill(binding_, 5, data); }), midlrt::ndr::kRpcXInvalidBound);
  EXPECT_EQ(asyncStatus([&](AsyncState& s) { return Correlation::Fill(s, binding_, 5, data); }),
            midlrt::ndr::kRpcXInvalidBound);
}

TEST_P(CorrelationChecks, AManagerWhoseLengthIsDisagreesWithItsElementsFailsToMarshal) {
  answers_->lie = true;
  int32_t used = 0;
  std::vector<int32_t> items;
  EXPECT_EQ(statusOf([&] { CorrelationSync::Window(binding_, 6, used, items); }),
            midlrt::ndr::kRpcXInvalidBound);
}

TEST_P(CorrelationChecks, AManagerWhoseUnionHoldsAnotherArmThanSwitchIsFailsToMarshal) {
  answers_->lie = true;
  ChoiceSync c{};
  EXPECT_EQ(statusOf([&] { CorrelationSync::Pick(binding_, 1, c); }), midlrt::ndr::kRpcXInvalidBound);
  Choice ac{};
  EXPECT_EQ(asyncStatus([&](AsyncState& s) { return Correlation::Pick(s, binding_, 1, ac); }),
            midlrt::ndr::kRpcXInvalidBound);
}

// ---- the server checks the [in] arrays of a request against their [size_is]/[length_is] ----

TEST_P(CorrelationChecks, ARequestWhoseMaxCountDisagreesWithSizeIsIsFaulted) {
  auto sum = [](uint32_t max, uint32_t used, uint32_t maxCount, uint32_t actual) {
    Ndr n;
    n.u32(max).u32(used).u32(maxCount).u32(0).u32(actual);
    for (uint32_t i = 0; i < actual; ++i) n.u32(i + 1);
    return n.b;
  };
  EXPECT_EQ(rawCall(kSum, sum(4, 2, 4, 2)), status::kOk);
  EXPECT_EQ(rawCall(kSum, sum(4, 2, 5, 2)), status::kBadStubData);  // max_count 5, size_is 4
  EXPECT_EQ(rawCall(kSum, sum(4, 2, 4, 3)), status::kBadStubData);  // actual_count 3, length_is 2
}

TEST_P(CorrelationChecks, AUniqueArrayWhoseMaxCountDisagreesWithSizeIsIsFaulted) {
  auto sumMaybe = [](uint32_t n, uint32_t maxCount) {
    Ndr b;
    b.u32(n).u32(0x00020000).u32(maxCount);
    for (uint32_t i = 0; i < maxCount; ++i) b.u32(i);
    return b.b;
  };
  EXPECT_EQ(rawCall(kSumMaybe, sumMaybe(3, 3)), status::kOk);
  EXPECT_EQ(rawCall(kSumMaybe, sumMaybe(3, 2)), status::kBadStubData);
  EXPECT_EQ(rawCall(kSumMaybe, Ndr{}.u32(3).u32(0).b), status::kOk);  // NULL: nothing to check
}

// ---- the client checks what it is about to send ----

TEST_P(CorrelationChecks, AClientGivenMoreElementsThanSizeIsAllowsFailsToMarshal) {
  EXPECT_THROW(CorrelationSync::Sum(binding_, 2, 3, {1, 2, 3}), midlrt::ndr::EncodeError);  // 3 > size_is 2
  EXPECT_THROW(CorrelationSync::Sum(binding_, 4, 3, {1, 2}), midlrt::ndr::EncodeError);     // length_is 3
  const std::vector<int32_t> two{1, 2};
  EXPECT_THROW(CorrelationSync::SumMaybe(binding_, 3, &two), midlrt::ndr::EncodeError);
  AsyncState state;
  EXPECT_THROW(Correlation::Sum(state, binding_, 2, 3, {1, 2, 3}), midlrt::ndr::EncodeError);
}

// ---- the client checks the reply against the values it passed and received ----

TEST_P(CorrelationChecks, AReplyWhoseMaxCountDisagreesWithSizeIsIsRejected) {
  canned_->reply = Ndr{}.u32(3).u8(1).u8(2).u8(3).align(4).u32(5).b;  // 3 bytes for size_is(n) = 5
  std::vector<uint8_t> data;
  EXPECT_EQ(statusOf([&] { CorrelationSync::Fill(toCanned_, 5, data); }), status::kBadStubData);
  EXPECT_EQ(asyncStatus([&](AsyncState& s) { return Correlation::Fill(s, toCanned_, 5, data); }),
            status::kBadStubData);
  EXPECT_EQ(statusOf([&] { CorrelationSync::Fill(toCanned_, 3, data); }), status::kOk);
}

TEST_P(CorrelationChecks, AReplyWhoseVaryingArrayDisagreesWithItsFieldsIsRejected) {
  auto window = [](uint32_t used, uint32_t maxCount, uint32_t actual) {
    Ndr n;
    n.u32(used).u32(maxCount).u32(0).u32(actual);
    for (uint32_t i = 0; i < actual; ++i) n.u32(i);
    return n.u32(used).b;
  };
  int32_t used = 0;
  std::vector<int32_t> items;
  canned_->reply = window(2, 4, 2);
  EXPECT_EQ(statusOf([&] { CorrelationSync::Window(toCanned_, 4, used, items); }), status::kOk);
  canned_->reply = window(2, 5, 2);  // max_count 5, size_is(max) 4
  EXPECT_EQ(statusOf([&] { CorrelationSync::Window(toCanned_, 4, used, items); }), status::kBadStubData);
  EXPECT_EQ(asyncStatus([&](AsyncState& s) { return Correlation::Window(s, toCanned_, 4, used, items); }),
            status::kBadStubData);
  canned_->reply = window(3, 4, 2);  // actual_count 2, length_is(*used) 3
  EXPECT_EQ(statusOf([&] { CorrelationSync::Window(toCanned_, 4, used, items); }), status::kBadStubData);
  EXPECT_EQ(asyncStatus([&](AsyncState& s) { return Correlation::Window(s, toCanned_, 4, used, items); }),
            status::kBadStubData);
}

TEST_P(CorrelationChecks, AReplyWhoseUnionHoldsAnotherArmThanSwitchIsIsRejected) {
  canned_->reply = Ndr{}.u16(2).u16(200).u32(1).b;  // arm 2 for kind 1
  ChoiceSync c{};
  EXPECT_EQ(statusOf([&] { CorrelationSync::Pick(toCanned_, 1, c); }), status::kBadStubData);
  Choice ac{};
  EXPECT_EQ(asyncStatus([&](AsyncState& s) { return Correlation::Pick(s, toCanned_, 1, ac); }),
            status::kBadStubData);
  EXPECT_EQ(statusOf([&] { CorrelationSync::Pick(toCanned_, 2, c); }), status::kOk);
}

INSTANTIATE_TEST_SUITE_P(Dispatchers, CorrelationChecks, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "Async" : "Sync"; });

}  // namespace
