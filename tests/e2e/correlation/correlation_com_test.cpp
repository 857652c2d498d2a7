// NDR correlation in an object interface (issue 12): a lying server object, hand-written replies to the
// proxy and to a call object's Finish_ (which checks against the [in] value only Begin_ was given), and a
// hand-written request to the stub. HRESULTs carry the statuses of the RPC tests beside this one.
#include <gtest/gtest.h>

#include <vector>

#include "correlation_com.h"
#include "support/hand_ndr.h"

namespace {

using Bytes = std::vector<uint8_t>;
using midlrt::com::ComObject;
using midlrt::com::ComPtr;
using midlrt::com::HRESULT;
using midlrt::com::ObjectTable;
using midlrt::com::S_OK;
namespace status = midlrt::rpc::status;

const midlrt::rpc::Uuid kObjectId = *midlrt::rpc::Uuid::parse("33333333-0000-4000-8000-000000000001");
constexpr uint16_t kSumOpnum = 4;  // after IUnknown's three and Window

HRESULT fromStatus(uint32_t s) {
  return midlrt::com::hresultFromStatus(s);
}

using midlc::test::Ndr;

// Up to max elements, max / 2 of them sent; a liar claims one more than it sends.
class WindowObject final : public ComObject<IWindow> {
 public:
  HRESULT Window(int32_t max, int32_t& used, std::vector<int32_t>& items) override {
    items.assign(static_cast<size_t>(max / 2), 1);
    used = static_cast<int32_t>(items.size()) + (lie ? 1 : 0);
    return S_OK;
  }
  HRESULT Sum(int32_t, const std::vector<int32_t>& items, int32_t& sum) override {
    sum = 0;
    for (int32_t x : items) sum += x;
    return S_OK;
  }
  bool lie = false;
};

// Answers every call with the stub data it is given.
class CannedReply : public midlrt::rpc::Dispatcher {
 public:
  void dispatch(midlrt::rpc::ServerCall& call) override {
    call.response().append(reply.data(), reply.size());
  }
  Bytes reply;
};

class CorrelationCom : public ::testing::Test {
 protected:
  void SetUp() override {
    objects_ = std::make_shared<ObjectTable>();
    objects_->add(kObjectId, object_);
    IWindow_register(server_, objects_);
    binding_ = midlrt::rpc::Channel::createInProcess(server_);
    cannedServer_.registerInterface(IWindow_ifspec, 5, canned_);
    toCanned_ = midlrt::rpc::Channel::createInProcess(cannedServer_);
  }
  // A reply of Window: ORPCTHAT, used, then the varying array (max_count, offset 0, actual_count,
  // elements), S_OK.
  static Bytes windowReply(uint32_t used, uint32_t maxCount, uint32_t actual) {
    Ndr n;
    n.orpcThat().u32(used).u32(maxCount).u32(0).u32(actual);
    for (uint32_t i = 0; i < actual; ++i) n.u32(i);
    return n.u32(0).b;
  }

  ComPtr<WindowObject> object_ = WindowObject::make<WindowObject>();
  std::shared_ptr<ObjectTable> objects_;
  std::shared_ptr<CannedReply> canned_ = std::make_shared<CannedReply>();
  midlrt::rpc::Server server_, cannedServer_;
  midlrt::Binding binding_, toCanned_;
};

}  // namespace

TEST_F(CorrelationCom, AServerObjectWhoseLengthIsDisagreesWithItsElementsFailsToMarshal) {
  ComPtr<IWindow> proxy = IWindow_createProxy(binding_, kObjectId);
  int32_t used = 0;
  std::vector<int32_t> items;
  ASSERT_EQ(proxy->Window(6, used, items), S_OK);
  EXPECT_EQ(items.size(), 3u);
  object_->lie = true;
  EXPECT_EQ(proxy->Window(6, used, items), fromStatus(midlrt::ndr::kRpcXInvalidBound));
}

TEST_F(CorrelationCom, TheProxyRejectsAReplyThatDisagreesWithSizeIsOrLengthIs) {
  ComPtr<IWindow> proxy = IWindow_createProxy(toCanned_, kObjectId);
  int32_t used = 0;
  std::vector<int32_t> items;
  canned_->reply = windowReply(2, 4, 2);
  EXPECT_EQ(proxy->Window(4, used, items), S_OK);
  canned_->reply = windowReply(2, 5, 2);  // max_count 5, size_is(max) 4
  EXPECT_EQ(proxy->Window(4, used, items), fromStatus(status::kBadStubData));
  canned_->reply = windowReply(3, 4, 2);  // actual_count 2, length_is(*used) 3
  EXPECT_EQ(proxy->Window(4, used, items), fromStatus(status::kBadStubData));
}

TEST_F(CorrelationCom, FinishChecksTheReplyAgainstTheValueBeginWasGiven) {
  ComPtr<IWindow> proxy = IWindow_createProxy(toCanned_, kObjectId);
  auto created = midlrt::async::createCall<AsyncIWindow>(proxy);
  ASSERT_EQ(created.hr, S_OK);
  int32_t used = 0;
  std::vector<int32_t> items;
  canned_->reply = windowReply(2, 4, 2);
  ASSERT_EQ(created.call->Begin_Window(4), S_OK);
  EXPECT_EQ(created.call->Finish_Window(used, items), S_OK);
  canned_->reply = windowReply(2, 5, 2);  // max_count 5, but Begin_ said 4
  ASSERT_EQ(created.call->Begin_Window(4), S_OK);
  EXPECT_EQ(created.call->Finish_Window(used, items), fromStatus(status::kBadStubData));
}

TEST_F(CorrelationCom, TheStubFaultsARequestWhoseMaxCountDisagreesWithSizeIs) {
  auto sum = [&](uint32_t n, uint32_t maxCount) {
    Ndr b;
    b.orpcThis().u32(n).u32(maxCount);
    for (uint32_t i = 0; i < maxCount; ++i) b.u32(i);
    midlrt::rpc::Message request = midlrt::rpc::Message::acquire(midlrt::rpc::kObjectRequestHeadroom);
    request.append(b.b.data(), b.b.size());
    midlrt::rpc::CallOptions options;
    options.object = &kObjectId;
    midlrt::rpc::Reply reply;
    return binding_->tryInvoke(IWindow_ifspec, kSumOpnum, request, reply, options);
  };
  EXPECT_EQ(sum(3, 3), status::kOk);
  EXPECT_EQ(sum(3, 2), status::kBadStubData);
}
