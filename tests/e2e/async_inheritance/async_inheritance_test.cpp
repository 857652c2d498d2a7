// An asynchronous object interface derived from another asynchronous one (the async_uuid page: the base of
// an asynchronous interface is IUnknown or an asynchronous interface): AsyncIDerived derives from
// AsyncIBase; a call object of IDerived begins and finishes the inherited method and its own, answers for
// AsyncIBase, and a server object's call objects get both methods.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <type_traits>

#include "async_inheritance.h"

namespace {

using midlrt::com::Aggregatable;
using midlrt::com::ComObject;
using midlrt::com::ComPtr;
using midlrt::com::E_NOINTERFACE;
using midlrt::com::HRESULT;
using midlrt::com::ICallFactory;
using midlrt::com::ISynchronize;
using midlrt::com::IUnknown;
using midlrt::com::ObjectTable;
using midlrt::com::REFIID;
using midlrt::com::S_OK;

static_assert(std::is_base_of_v<AsyncIBase, AsyncIDerived>, "AsyncIDerived derives from AsyncIBase");

const midlrt::rpc::Uuid kSyncId = *midlrt::rpc::Uuid::parse("22222222-0000-4000-8000-000000000001");
const midlrt::rpc::Uuid kAsyncId = *midlrt::rpc::Uuid::parse("22222222-0000-4000-8000-000000000002");

class SyncDerived final : public ComObject<IDerived> {
 public:
  HRESULT Twice(int32_t value, int32_t& twice) override {
    twice = value * 2;
    return S_OK;
  }
  HRESULT Square(int32_t value, int32_t& square) override {
    square = value * value;
    return S_OK;
  }
};

class AsyncDerived;

// The server's call object: computes in Begin_, signals from another thread.
class DerivedCall final : public Aggregatable, public AsyncIDerived {
 public:
  MIDLRT_DELEGATING_IUNKNOWN
  DerivedCall(AsyncDerived& object, IUnknown* outer) : Aggregatable(outer), object_(object) {}
  HRESULT Begin_Twice(int32_t value) override {
    result_ = value * 2;
    return signalLater();
  }
  HRESULT Finish_Twice(int32_t& twice) override {
    twice = result_;
    return S_OK;
  }
  HRESULT Begin_Square(int32_t value) override {
    result_ = value * value;
    return signalLater();
  }
  HRESULT Finish_Square(int32_t& square) override {
    square = result_;
    return S_OK;
  }

 private:
  void* queryOwnInterface(REFIID riid) override {
    if (riid == AsyncIDerived::kIid) return static_cast<AsyncIDerived*>(this);
    if (riid == AsyncIBase::kIid) return static_cast<AsyncIBase*>(this);
    return nullptr;
  }
  HRESULT signalLater();
  AsyncDerived& object_;
  int32_t result_ = 0;
};

class AsyncDerived final : public ComObject<IDerived, ICallFactory> {
 public:
  HRESULT Twice(int32_t value, int32_t& twice) override {
    ++syncCalls;
    twice = value * 2;
    return S_OK;
  }
  HRESULT Square(int32_t value, int32_t& square) override {
    ++syncCalls;
    square = value * value;
    return S_OK;
  }
  // The stub asks for the call object interface of the interface that declares the method.
  HRESULT CreateCall(REFIID riid, IUnknown* outer, REFIID, IUnknown** ppv) override {
    if (riid == AsyncIBase::kIid) ++baseRequests;
    if (riid != AsyncIDerived::kIid && riid != AsyncIBase::kIid) return E_NOINTERFACE;
    *ppv = (new DerivedCall(*this, outer))->innerUnknown();
    return S_OK;
  }
  std::atomic<int> syncCalls{0}, asyncCalls{0}, baseRequests{0};
};

HRESULT DerivedCall::signalLater() {
  ++object_.asyncCalls;
  ComPtr<ISynchronize> sync;
  controllingUnknown()->QueryInterface(ISynchronize::kIid, sync.putVoid());
  std::thread([sync] { sync->Signal(); }).detach();
  return S_OK;
}

class AsyncInheritance : public ::testing::Test {
 protected:
  void SetUp() override {
    objects_ = std::make_shared<ObjectTable>();
    objects_->add(kSyncId, sync_);
    objects_->add(kAsyncId, async_);
    IDerived_register(server_, objects_);
    binding_ = midlrt::rpc::Channel::create(server_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  void TearDown() override {
    binding_.reset();
    server_.shutdown();
  }

  ComPtr<SyncDerived> sync_ = SyncDerived::make<SyncDerived>();
  ComPtr<AsyncDerived> async_ = AsyncDerived::make<AsyncDerived>();
  std::shared_ptr<ObjectTable> objects_;
  midlrt::rpc::Server server_;
  midlrt::Binding binding_;
};

}  // namespace

TEST_F(AsyncInheritance, ACallObjectOfTheDerivedInterfaceBeginsTheInheritedMethodAndItsOwn) {
  ComPtr<IDerived> proxy = IDerived_createProxy(binding_, kSyncId);
  auto created = midlrt::async::createCall<AsyncIDerived>(proxy);
  ASSERT_EQ(created.hr, S_OK);
  int32_t out = 0;
  ASSERT_EQ(created.call->Begin_Twice(21), S_OK);
  ASSERT_EQ(created.call->Finish_Twice(out), S_OK);
  EXPECT_EQ(out, 42);
  ASSERT_EQ(created.call->Begin_Square(7), S_OK);
  ASSERT_EQ(created.call->Finish_Square(out), S_OK);
  EXPECT_EQ(out, 49);
}

TEST_F(AsyncInheritance, TheDerivedProxyMakesCallObjectsOfTheBaseInterfaceToo) {
  ComPtr<IDerived> proxy = IDerived_createProxy(binding_, kSyncId);
  auto created = midlrt::async::createCall<AsyncIBase>(proxy);
  ASSERT_EQ(created.hr, S_OK);
  int32_t out = 0;
  ASSERT_EQ(created.call->Begin_Twice(5), S_OK);
  ASSERT_EQ(created.call->Finish_Twice(out), S_OK);
  EXPECT_EQ(out, 10);
  // And its call object answers QueryInterface for both call object interfaces.
  ComPtr<AsyncIDerived> derived;
  EXPECT_EQ(created.call->QueryInterface(AsyncIDerived::kIid, derived.putVoid()), S_OK);
}

TEST_F(AsyncInheritance, AServerObjectsCallObjectsGetTheInheritedMethodAndItsOwn) {
  ComPtr<IDerived> proxy = IDerived_createProxy(binding_, kAsyncId);
  int32_t out = 0;
  ASSERT_EQ(proxy->Twice(4, out), S_OK);  // a synchronous client: the server does not care
  EXPECT_EQ(out, 8);
  ASSERT_EQ(proxy->Square(4, out), S_OK);
  EXPECT_EQ(out, 16);
  auto created = midlrt::async::createCall<AsyncIDerived>(proxy);
  ASSERT_EQ(created.hr, S_OK);
  ASSERT_EQ(created.call->Begin_Twice(30), S_OK);
  ASSERT_EQ(created.call->Finish_Twice(out), S_OK);
  EXPECT_EQ(out, 60);
  EXPECT_EQ(async_->asyncCalls.load(), 3);
  EXPECT_EQ(async_->syncCalls.load(), 0);
  EXPECT_EQ(async_->baseRequests.load(), 2);  // the inherited method's call objects are AsyncIBase's
}
