// Generated COM code (midlc on com_calls.idl): proxies over a real channel, stubs dispatching to exported
// objects, call objects (Begin_/Finish_) against servers with and without ICallFactory, and the rule that
// every combination puts the same bytes on the wire.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "com_calls.h"
#include "midlrt/async/call_cancel.h"

namespace {

// The runtime's COM names (the generated wtypes.h has IDL's own REFIID and HRESULT at global scope).
using midlrt::com::Aggregatable;
using midlrt::com::ComObject;
using midlrt::com::ComPtr;
using midlrt::com::E_INVALIDARG;
using midlrt::com::E_NOINTERFACE;
using midlrt::com::HRESULT;
using midlrt::com::ICallFactory;
using midlrt::com::ICancelMethodCalls;
using midlrt::com::ISynchronize;
using midlrt::com::IUnknown;
using midlrt::com::ObjectTable;
using midlrt::com::REFIID;
using midlrt::com::RPC_E_CALL_CANCELED;
using midlrt::com::RPC_E_CALL_COMPLETE;
using midlrt::com::RPC_E_CALL_PENDING;
using midlrt::com::RPC_E_DISCONNECTED;
using midlrt::com::RPC_S_CALLPENDING;
using midlrt::com::S_OK;

const midlrt::rpc::Uuid kStoreId = *midlrt::rpc::Uuid::parse("11111111-0000-4000-8000-000000000001");
const midlrt::rpc::Uuid kSyncAccountId = *midlrt::rpc::Uuid::parse("11111111-0000-4000-8000-000000000002");
const midlrt::rpc::Uuid kAsyncAccountId = *midlrt::rpc::Uuid::parse("11111111-0000-4000-8000-000000000003");
const midlrt::rpc::Uuid kMissingId = *midlrt::rpc::Uuid::parse("11111111-0000-4000-8000-0000000000ff");

class Store final : public ComObject<IStore> {
 public:
  HRESULT Name(std::unique_ptr<std::string>& name) override {
    name = std::make_unique<std::string>("store");
    return S_OK;
  }
  HRESULT Put(int32_t key, const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    values_[key] = value;
    return S_OK;
  }
  HRESULT Get(int32_t key, std::unique_ptr<std::string>& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = values_.find(key);
    if (it == values_.end()) return E_INVALIDARG;
    value = std::make_unique<std::string>(it->second);
    return S_OK;
  }

 private:
  std::mutex mu_;
  std::map<int32_t, std::string> values_;
};

// The synchronous implementation: what both servers compute.
struct Ledger {
  std::atomic<int32_t> balance{0};
  int32_t deposit(int32_t amount) { return balance += amount; }
  static double exchange(const std::vector<double>& rates, double total) {
    for (double r : rates) total *= r;
    return total;
  }
};

class SyncAccount final : public ComObject<IAccount> {
 public:
  HRESULT Deposit(int32_t amount, int32_t& balance) override {
    balance = ledger.deposit(amount);
    return S_OK;
  }
  HRESULT Exchange(int32_t, const std::vector<double>& rates, double& total) override {
    total = Ledger::exchange(rates, total);
    return S_OK;
  }
  Ledger ledger;
};

class AsyncAccount;

// A server call object: Begin_ parks the call, a worker thread (or the test) signals it later.
class AccountCall final : public Aggregatable, public AsyncIAccount {
 public:
  MIDLRT_DELEGATING_IUNKNOWN
  AccountCall(AsyncAccount& account, IUnknown* outer) : Aggregatable(outer), account_(account) {}
  HRESULT Begin_Deposit(int32_t amount) override;
  HRESULT Finish_Deposit(int32_t& balance) override {
    balance = result_;
    return S_OK;
  }
  HRESULT Begin_Exchange(int32_t count, const std::vector<double>& rates, const double& total) override;
  HRESULT Finish_Exchange(double& total) override {
    total = exchanged_;
    return S_OK;
  }

 private:
  void* queryOwnInterface(REFIID riid) override {
    return riid == AsyncIAccount::kIid ? static_cast<AsyncIAccount*>(this) : nullptr;
  }
  void park();
  AsyncAccount& account_;
  int32_t result_ = 0;
  double exchanged_ = 0;
};

class AsyncAccount final : public ComObject<IAccount, ICallFactory> {
 public:
  HRESULT Deposit(int32_t amount, int32_t& balance) override {
    ++syncCalls;
    balance = ledger.deposit(amount);
    return S_OK;
  }
  HRESULT Exchange(int32_t, const std::vector<double>& rates, double& total) override {
    ++syncCalls;
    total = Ledger::exchange(rates, total);
    return S_OK;
  }
  HRESULT CreateCall(REFIID riid, IUnknown* outer, REFIID riid2, IUnknown** ppv) override {
    if (riid != AsyncIAccount::kIid) return E_NOINTERFACE;
    if (outer == nullptr || riid2 != IUnknown::kIid) return E_INVALIDARG;
    *ppv = (new AccountCall(*this, outer))->innerUnknown();
    return S_OK;
  }

  // Signals the parked calls, last parked first, from another thread.
  void releaseReverse() {
    std::vector<ComPtr<ISynchronize>> calls;
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.swap(parked);
    }
    std::thread([calls = std::move(calls)]() mutable {
      for (auto it = calls.rbegin(); it != calls.rend(); ++it) (*it)->Signal();
    }).join();
  }
  bool waitParked(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return parked.size() >= n; });
  }

  Ledger ledger;
  std::atomic<int> syncCalls{0};
  std::atomic<int> asyncCalls{0};
  std::atomic<bool> hold{false};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<ComPtr<ISynchronize>> parked;
};

void AccountCall::park() {
  ++account_.asyncCalls;
  ComPtr<ISynchronize> sync;
  controllingUnknown()->QueryInterface(ISynchronize::kIid, sync.putVoid());
  if (!account_.hold) {
    std::thread([sync] { sync->Signal(); }).detach();  // completes later, from another thread
    return;
  }
  std::lock_guard<std::mutex> lock(account_.mu);
  account_.parked.push_back(sync);
  account_.cv.notify_all();
}

HRESULT AccountCall::Begin_Deposit(int32_t amount) {
  result_ = account_.ledger.deposit(amount);
  park();
  return S_OK;
}

HRESULT AccountCall::Begin_Exchange(int32_t, const std::vector<double>& rates, const double& total) {
  exchanged_ = Ledger::exchange(rates, total);
  park();
  return S_OK;
}

// Records the stub data of every request and response, so tests can compare what crossed the wire.
class Recorder final : public midlrt::rpc::Dispatcher {
 public:
  explicit Recorder(std::shared_ptr<midlrt::rpc::Dispatcher> inner) : inner_(std::move(inner)) {}
  void dispatch(midlrt::rpc::ServerCall& call) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      requests.emplace_back(call.requestData(), call.requestData() + call.requestSize());
    }
    inner_->dispatch(call);
  }
  std::mutex mu;
  std::vector<std::vector<uint8_t>> requests;

 private:
  std::shared_ptr<midlrt::rpc::Dispatcher> inner_;
};

class ComCalls : public ::testing::Test {
 protected:
  void SetUp() override {
    objects_ = std::make_shared<ObjectTable>();
    objects_->add(kStoreId, store_);
    objects_->add(kSyncAccountId, syncAccount_);
    objects_->add(kAsyncAccountId, asyncAccount_);  // a ComObject<IAccount, ICallFactory>: no cast needed
    IStore_register(server_, objects_);
    recorder_ = std::make_shared<Recorder>(IAccount_stub(objects_));
    server_.registerInterface(IAccount_ifspec, 5, recorder_);
    binding_ = midlrt::rpc::Channel::create(server_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  void TearDown() override {
    binding_.reset();
    server_.shutdown();
  }

  ComPtr<AsyncIAccount> newCall(const ComPtr<IAccount>& proxy) {
    auto created = midlrt::async::createCall<AsyncIAccount>(proxy);
    EXPECT_EQ(created.hr, S_OK);
    return created.call;
  }

  ComPtr<Store> store_ = Store::make<Store>();
  ComPtr<SyncAccount> syncAccount_ = SyncAccount::make<SyncAccount>();
  ComPtr<AsyncAccount> asyncAccount_ = AsyncAccount::make<AsyncAccount>();
  std::shared_ptr<ObjectTable> objects_;
  std::shared_ptr<Recorder> recorder_;
  midlrt::rpc::Server server_;
  midlrt::Binding binding_;
};

}  // namespace

TEST_F(ComCalls, ProxyCallsTheObjectThroughItsInterfaceChain) {
  ComPtr<IStore> store = IStore_createProxy(binding_, kStoreId);
  std::unique_ptr<std::string> name;
  ASSERT_EQ(store->Name(name), S_OK);  // IBase's method, opnum 3, on IStore's IID
  EXPECT_EQ(*name, "store");
  EXPECT_EQ(store->Put(7, "seven"), S_OK);
  std::unique_ptr<std::string> value;
  EXPECT_EQ(store->Get(7, value), S_OK);
  EXPECT_EQ(*value, "seven");
  EXPECT_EQ(store->Get(8, value), E_INVALIDARG);  // the object's failure HRESULT comes back as is
}

TEST_F(ComCalls, AnInheritedMethodIsMarshaledByItsOwnersGeneratedFunctionOnTheDerivedIid) {
  // IBase is com_calls_base.idl's: its file's IBase_Name_Proxy, given IStore's proxy, calls on IStore's IID
  // (the server serves IStore only), and IStore's stub hands opnum 3 to that file's IBase_dispatch.
  ComPtr<IStore> store = IStore_createProxy(binding_, kStoreId);
  std::unique_ptr<std::string> name;
  ASSERT_EQ(IBase_Name_Proxy(store.get(), name), S_OK);
  EXPECT_EQ(*name, "store");
  // An object that is no proxy has no channel to call through.
  EXPECT_EQ(IBase_Name_Proxy(store_.get(), name),
            midlrt::com::hresultFromStatus(midlrt::rpc::status::kInvalidBinding));
}

TEST_F(ComCalls, QueryInterfaceAnswersTheInterfaceItsBasesAndNothingElse) {
  ComPtr<IStore> store = IStore_createProxy(binding_, kStoreId);
  ComPtr<IBase> base = store.as<IBase>();
  ASSERT_TRUE(base);
  ComPtr<IUnknown> a = store.as<IUnknown>(), b = base.as<IUnknown>();
  EXPECT_EQ(a.get(), b.get());             // one identity
  EXPECT_FALSE(store.as<ICallFactory>());  // IStore has no asynchronous form
  EXPECT_FALSE(store.as<IAccount>());
  ComPtr<IAccount> account = IAccount_createProxy(binding_, kSyncAccountId);
  EXPECT_TRUE(account.as<ICallFactory>());
}

TEST_F(ComCalls, CreateCallWithTheWrongIidIsENoInterface) {
  ComPtr<ICallFactory> factory = IAccount_createProxy(binding_, kSyncAccountId).as<ICallFactory>();
  ComPtr<IUnknown> out;
  EXPECT_EQ(factory->CreateCall(IAccount::kIid, nullptr, IUnknown::kIid, out.put()), E_NOINTERFACE);
}

// "Making and Processing Asynchronous Calls": without marshaling (same apartment) there is no proxy to give
// a call object, so a client gets one only from an object that implements ICallFactory itself; otherwise
// QueryInterface for it fails and the client calls the synchronous method. Over a marshaled connection
// the proxy always has one (AsyncClientAgainstASyncOnlyServer).
TEST_F(ComCalls, WithoutMarshalingACallFactoryExistsOnlyIfTheObjectImplementsIt) {
  ComPtr<IAccount> local(syncAccount_.get());
  ComPtr<ICallFactory> factory;
  EXPECT_EQ(local->QueryInterface(ICallFactory::kIid, factory.putVoid()), E_NOINTERFACE);
  EXPECT_FALSE(factory);
  int32_t balance = 0;
  ASSERT_EQ(local->Deposit(3, balance), S_OK);  // the synchronous interface instead
  EXPECT_EQ(balance, 3);

  ComPtr<IAccount> own(static_cast<IAccount*>(asyncAccount_.get()));
  ASSERT_EQ(own->QueryInterface(ICallFactory::kIid, factory.putVoid()), S_OK);
  EXPECT_EQ(factory.get(), static_cast<ICallFactory*>(asyncAccount_.get()));  // the object's own, no proxy's
  ComPtr<IAccount> proxy = IAccount_createProxy(binding_, kSyncAccountId);
  EXPECT_TRUE(proxy.as<ICallFactory>());
}

TEST_F(ComCalls, AsyncClientAgainstASyncOnlyServer) {
  ComPtr<IAccount> proxy = IAccount_createProxy(binding_, kSyncAccountId);
  ComPtr<AsyncIAccount> call = newCall(proxy);
  ASSERT_EQ(call->Begin_Deposit(5), S_OK);
  int32_t balance = 0;
  ASSERT_EQ(call->Finish_Deposit(balance), S_OK);  // an early Finish_ waits
  EXPECT_EQ(balance, 5);
  // The call object is reusable after Finish_.
  ASSERT_EQ(call->Begin_Exchange(2, {2.0, 1.5}, 10.0), S_OK);
  double total = 0;
  ASSERT_EQ(call->Finish_Exchange(total), S_OK);
  EXPECT_EQ(total, 30.0);
}

// Arrays large enough to be sent from the caller's memory, in requests of several fragments, reach the object
// whole through a proxy and through a call object, whose caller's array goes as soon as Begin_ returns.
TEST_F(ComCalls, LargeArraysArriveWholeThroughProxiesAndCallObjects) {
  auto ratesOf = [](size_t n) {
    std::vector<double> rates(n);
    for (size_t i = 0; i < n; ++i)
      rates[i] = 1.0 + static_cast<double>(i % 1000) * 1e-7 - (i % 7 == 0 ? 3e-5 : 0);
    return rates;
  };
  ComPtr<IAccount> proxy = IAccount_createProxy(binding_, kSyncAccountId);
  for (size_t n : {size_t{2048}, size_t{8190}, size_t{100000}}) {
    const std::vector<double> rates = ratesOf(n);
    const double want = Ledger::exchange(rates, 2.0);
    double total = 2.0;
    ASSERT_EQ(proxy->Exchange(static_cast<int32_t>(n), rates, total), S_OK) << n;
    EXPECT_EQ(total, want) << n;
    ComPtr<AsyncIAccount> call = newCall(proxy);
    {
      auto gone = std::make_unique<std::vector<double>>(ratesOf(n));
      ASSERT_EQ(call->Begin_Exchange(static_cast<int32_t>(n), *gone, 2.0), S_OK) << n;
      std::fill(gone->begin(), gone->end(), 0.0);
    }
    total = 0;
    ASSERT_EQ(call->Finish_Exchange(total), S_OK) << n;
    EXPECT_EQ(total, want) << n;
  }
}

TEST_F(ComCalls, SyncClientAgainstAnAsyncServer) {
  ComPtr<IAccount> proxy = IAccount_createProxy(binding_, kAsyncAccountId);
  int32_t balance = 0;
  ASSERT_EQ(proxy->Deposit(9, balance), S_OK);
  EXPECT_EQ(balance, 9);
  EXPECT_EQ(asyncAccount_->asyncCalls.load(), 1);
  EXPECT_EQ(asyncAccount_->syncCalls.load(), 0);
}

TEST_F(ComCalls, AsyncClientAgainstAnAsyncServer) {
  ComPtr<AsyncIAccount> call = newCall(IAccount_createProxy(binding_, kAsyncAccountId));
  double total = 3.0;
  ASSERT_EQ(call->Begin_Exchange(1, {4.0}, total), S_OK);
  ASSERT_EQ(call->Finish_Exchange(total), S_OK);
  EXPECT_EQ(total, 12.0);
}

TEST_F(ComCalls, BeginTwiceReturnsCallPendingAndFinishWithoutACallReturnsCallComplete) {
  ComPtr<AsyncIAccount> call = newCall(IAccount_createProxy(binding_, kSyncAccountId));
  int32_t balance = 0;
  EXPECT_EQ(call->Finish_Deposit(balance), RPC_E_CALL_COMPLETE);
  ASSERT_EQ(call->Begin_Deposit(1), S_OK);
  EXPECT_EQ(call->Begin_Deposit(2), RPC_E_CALL_PENDING);
  ASSERT_EQ(call->Finish_Deposit(balance), S_OK);
  EXPECT_EQ(balance, 1);
  EXPECT_EQ(call->Finish_Deposit(balance), RPC_E_CALL_COMPLETE);
}

TEST_F(ComCalls, AThousandCallObjectsOutstandingFromOneThreadOnOneConnectionCompletedInReverseOrder) {
  constexpr int kCalls = 1000;
  asyncAccount_->hold = true;
  ComPtr<IAccount> proxy = IAccount_createProxy(binding_, kAsyncAccountId);
  std::vector<ComPtr<AsyncIAccount>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(newCall(proxy));
    ASSERT_EQ(calls.back()->Begin_Deposit(1), S_OK);
  }
  ASSERT_TRUE(asyncAccount_->waitParked(kCalls));
  asyncAccount_->releaseReverse();
  std::vector<int32_t> balances;
  for (auto& call : calls) {
    int32_t balance = 0;
    ASSERT_EQ(call->Finish_Deposit(balance), S_OK);
    balances.push_back(balance);
  }
  std::sort(balances.begin(), balances.end());
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(balances[static_cast<size_t>(i)], i + 1);
}

TEST_F(ComCalls, CancelBeforeTheServerAnswersFinishesWithCallCanceled) {
  asyncAccount_->hold = true;
  ComPtr<AsyncIAccount> call = newCall(IAccount_createProxy(binding_, kAsyncAccountId));
  ASSERT_EQ(call->Begin_Deposit(1), S_OK);
  ASSERT_TRUE(asyncAccount_->waitParked(1));
  ComPtr<ICancelMethodCalls> cancel = call.as<ICancelMethodCalls>();
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->Cancel(0), S_OK);
  int32_t balance = 0;
  EXPECT_EQ(call->Finish_Deposit(balance), RPC_E_CALL_CANCELED);
  asyncAccount_->releaseReverse();
}

TEST_F(ComCalls, AGeneratedProxyCallIsCancelledFromAnotherThread) {
  // "Canceling Method Calls": a thread blocked in a synchronous proxy method (the server's call object holds
  // the call) is cancelled through the call's cancel object; the orphan a second later ends the call.
  asyncAccount_->hold = true;
  ComPtr<IAccount> proxy = IAccount_createProxy(binding_, kAsyncAccountId);
  std::promise<std::thread::id> id;
  std::future<HRESULT> result = std::async(std::launch::async, [&] {
    midlrt::async::enableCallCancellation();
    id.set_value(std::this_thread::get_id());
    int32_t balance = 0;
    HRESULT hr = proxy->Deposit(5, balance);
    midlrt::async::disableCallCancellation();
    return hr;
  });
  std::thread::id caller = id.get_future().get();
  ASSERT_TRUE(asyncAccount_->waitParked(1));
  ComPtr<ICancelMethodCalls> cancel;
  for (int i = 0; i < 10000 && !cancel; ++i) {
    cancel = midlrt::async::getCancelObject(caller);  // published once the request is sent
    if (!cancel) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->TestCancel(), RPC_S_CALLPENDING);
  EXPECT_EQ(cancel->Cancel(1), S_OK);
  EXPECT_EQ(result.get(), RPC_E_CALL_CANCELED);
  EXPECT_EQ(cancel->TestCancel(), RPC_E_CALL_CANCELED);
  asyncAccount_->releaseReverse();
}

TEST_F(ComCalls, AnUnknownObjectIsDisconnected) {
  ComPtr<IAccount> proxy = IAccount_createProxy(binding_, kMissingId);
  int32_t balance = 0;
  EXPECT_EQ(proxy->Deposit(1, balance), RPC_E_DISCONNECTED);
}

// An account that passes each deposit on to another account through a proxy (a call the manager makes while
// it serves one), noting the causality id it serves under.
class RelayAccount final : public ComObject<IAccount> {
 public:
  explicit RelayAccount(ComPtr<IAccount> next) : next_(std::move(next)) {}
  HRESULT Deposit(int32_t amount, int32_t& balance) override {
    served.push_back(midlrt::com::currentCausality());
    return next_->Deposit(amount, balance);
  }
  HRESULT Exchange(int32_t, const std::vector<double>&, double&) override { return midlrt::com::E_NOTIMPL; }
  std::vector<midlrt::com::Guid> served;

 private:
  ComPtr<IAccount> next_;
};

// The causality id (bytes 12 to 27 of ORPCTHIS) of a request's stub data.
midlrt::com::Guid causalityOf(const std::vector<uint8_t>& request) {
  return request.size() >= 28 ? midlrt::com::Guid::decode(request.data() + 12) : midlrt::com::Guid{};
}

// MS-DCOM 1.3.5: a call a manager makes while it serves one carries the causality id of the call it
// serves; each call a client starts on its own has a new one.
TEST_F(ComCalls, ANestedCallCarriesTheCausalityIdOfTheCallItServes) {
  // The relay lives on a server of its own, so that its nested call to this fixture's server is not
  // dispatched behind the call it is made from.
  midlrt::rpc::Server relayServer;
  auto relayObjects = std::make_shared<ObjectTable>();
  auto relay = RelayAccount::make<RelayAccount>(IAccount_createProxy(binding_, kSyncAccountId));
  relayObjects->add(kSyncAccountId, relay);
  IAccount_register(relayServer, relayObjects);
  midlrt::Binding toRelay = midlrt::rpc::Channel::create(relayServer.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  ComPtr<IAccount> proxy = IAccount_createProxy(toRelay, kSyncAccountId);
  int32_t balance = 0;
  ASSERT_EQ(proxy->Deposit(5, balance), S_OK);
  ASSERT_EQ(proxy->Deposit(7, balance), S_OK);
  EXPECT_EQ(balance, 12);
  EXPECT_EQ(midlrt::com::currentCausality(), midlrt::com::Guid{}) << "the client serves no call";
  ASSERT_EQ(relay->served.size(), 2u);
  {
    std::lock_guard<std::mutex> lock(recorder_->mu);
    ASSERT_EQ(recorder_->requests.size(), 2u);  // the nested calls
    EXPECT_EQ(causalityOf(recorder_->requests[0]), relay->served[0]);
    EXPECT_EQ(causalityOf(recorder_->requests[1]), relay->served[1]);
  }
  EXPECT_NE(relay->served[0], midlrt::com::Guid{});
  EXPECT_NE(relay->served[0], relay->served[1]) << "two calls the client made, two causality ids";
  toRelay.reset();
  relayServer.shutdown();
}

TEST_F(ComCalls, TheWireIsTheSameForSyncAndAsyncClientsAndServers) {
  // The same call four ways: sync proxy or call object, to a sync-only or an asynchronous server object.
  for (const auto& object : {kSyncAccountId, kAsyncAccountId}) {
    ComPtr<IAccount> proxy = IAccount_createProxy(binding_, object);
    double total = 2.0;
    ASSERT_EQ(proxy->Exchange(2, {1.5, 2.0}, total), S_OK);
    EXPECT_EQ(total, 6.0);
    ComPtr<AsyncIAccount> call = newCall(proxy);
    ASSERT_EQ(call->Begin_Exchange(2, {1.5, 2.0}, 2.0), S_OK);
    total = 0;
    ASSERT_EQ(call->Finish_Exchange(total), S_OK);
    EXPECT_EQ(total, 6.0);
  }
  std::vector<uint8_t> request;
  {
    std::lock_guard<std::mutex> lock(recorder_->mu);
    ASSERT_EQ(recorder_->requests.size(), 4u);
    // The same but for ORPCTHIS's causality id (bytes 12 to 27): each call is a logical call of its own.
    auto withoutCid = [](std::vector<uint8_t> r) {
      if (r.size() >= 28) std::fill(r.begin() + 12, r.begin() + 28, uint8_t{0});
      return r;
    };
    for (const auto& r : recorder_->requests)
      EXPECT_EQ(withoutCid(r), withoutCid(recorder_->requests.front()));
    request = recorder_->requests.front();
  }
  // And the replies: the same request bytes, sent raw to the sync-only object and to the one that completes
  // through its call object, come back as the same bytes.
  std::vector<std::vector<uint8_t>> replies;
  for (const auto& object : {kSyncAccountId, kAsyncAccountId}) {
    midlrt::rpc::Message message = midlrt::rpc::Message::acquire(midlrt::rpc::kObjectRequestHeadroom);
    message.append(request.data(), request.size());
    midlrt::rpc::CallOptions options;
    options.object = &object;
    midlrt::rpc::Reply reply = binding_->invoke(IAccount_ifspec, 4, message, options);
    replies.emplace_back(reply.data(), reply.data() + reply.size());
  }
  EXPECT_EQ(replies[0], replies[1]);
  EXPECT_EQ(replies[0].size(), 20u);  // ORPCTHAT, [in,out] double total, HRESULT
}
