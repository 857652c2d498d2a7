// Hand-written "generated-style" code for the async tests: an object interface ICalc with AsyncICalc (call
// object proxy, stub that dispatches to server call objects or the sync method) and an RPC interface whose
// Add operation is asynchronous on both sides (AsyncState client function, ServerAsyncCall manager).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "midlrt/async/async.h"
#include "midlrt/detail/call_object_stubs.h"
#include "midlrt/rpc/rpc.h"

namespace midlrt::async::testing {

using namespace com;

// ---- the object interface, as midlc would declare it ----

inline const rpc::SyntaxId kICalcIf{*rpc::Uuid::parse("3c1f4a8e-0d2b-4e6f-9a71-52c8e0b9d4a3"), 0, 0};

class ICalc : public IUnknown {
 public:
  static constexpr IID kIid{0x3c1f4a8e, 0x0d2b, 0x4e6f, {0x9a, 0x71, 0x52, 0xc8, 0xe0, 0xb9, 0xd4, 0xa3}};
  virtual HRESULT Add(int32_t a, int32_t b, int32_t* sum) = 0;
};

class AsyncICalc : public IUnknown {
 public:
  static constexpr IID kIid{0x3c1f4a8f, 0x0d2b, 0x4e6f, {0x9a, 0x71, 0x52, 0xc8, 0xe0, 0xb9, 0xd4, 0xa3}};
  virtual HRESULT Begin_Add(int32_t a, int32_t b) = 0;
  virtual HRESULT Finish_Add(int32_t* sum) = 0;
};

inline constexpr uint16_t kAddOpnum = 3;  // after IUnknown's three

// ---- client: the call object and the proxy's ICallFactory ----

inline std::atomic<int> liveCallObjects{0};

class AsyncICalcCall final : public CallObject<AsyncICalc> {
 public:
  AsyncICalcCall(std::shared_ptr<rpc::Channel> channel, IUnknown* outer)
      : CallObject(std::move(channel), kICalcIf, outer) {
    ++liveCallObjects;
  }
  ~AsyncICalcCall() override { --liveCallObjects; }

  HRESULT Begin_Add(int32_t a, int32_t b) override {
    rpc::Message m = rpc::Message::acquire(rpc::kObjectRequestHeadroom);
    m.append(&a, 4);
    m.append(&b, 4);
    return beginCall(kAddOpnum, std::move(m));
  }
  HRESULT Finish_Add(int32_t* sum) override {
    if (sum == nullptr) return E_POINTER;
    *sum = 0;
    rpc::Reply r;
    HRESULT hr = finishCall(r);
    if (hr != S_OK) return hr;
    if (r.size() != 8) return RPC_E_FAULT;
    HRESULT server;
    std::memcpy(sum, r.data(), 4);
    std::memcpy(&server, r.data() + 4, 4);
    return server;
  }
};

class CalcProxy final : public ComObject<ICallFactory> {
 public:
  explicit CalcProxy(std::shared_ptr<rpc::Channel> channel) : channel_(std::move(channel)) {}
  HRESULT CreateCall(REFIID riid, IUnknown* outer, REFIID riid2, IUnknown** ppv) override {
    return createCallObject(riid, AsyncICalc::kIid, outer, riid2, ppv,
                            [&](IUnknown* o) { return new AsyncICalcCall(channel_, o); });
  }

 private:
  std::shared_ptr<rpc::Channel> channel_;
};

// A new call object's AsyncICalc through the proxy.
inline ComPtr<AsyncICalc> newCall(ICallFactory* factory) {
  ComPtr<AsyncICalc> call;
  factory->CreateCall(AsyncICalc::kIid, nullptr, AsyncICalc::kIid, reinterpret_cast<IUnknown**>(call.put()));
  return call;
}

// ---- server: the object (sync ICalc, and ICallFactory for AsyncICalc) ----

enum class ServerMode {
  kImmediate,          // Begin_ signals at once
  kHold,               // Begin_ parks the call; the test releases it (any thread, any order)
  kCancelAware,        // parks the call; signals as soon as the client cancels
  kFailBegin,          // Begin_ fails with E_ACCESSDENIED
  kThrowBegin,         // Begin_ throws (as a careless implementation might)
  kLetGoOnDisconnect,  // parks the call; when the client's connection closes, drops it without Signal
};

class CalcServer;

inline std::atomic<int> liveServerCalls{0};

class CalcServerCall final : public Aggregatable, public AsyncICalc {
 public:
  MIDLRT_DELEGATING_IUNKNOWN
  CalcServerCall(CalcServer& server, IUnknown* outer) : Aggregatable(outer), server_(server) {
    ++liveServerCalls;
  }
  ~CalcServerCall() override { --liveServerCalls; }
  HRESULT Begin_Add(int32_t a, int32_t b) override;
  HRESULT Finish_Add(int32_t* sum) override {
    *sum = a_ + b_;
    ComPtr<ICancelMethodCalls> cancel;
    controllingUnknown()->QueryInterface(ICancelMethodCalls::kIid, cancel.putVoid());
    bool cancelled = cancel && cancel->TestCancel() == RPC_E_CALL_CANCELED;
    return cancelled && honourCancel() ? RPC_E_CALL_CANCELED : S_OK;
  }

 private:
  void* queryOwnInterface(REFIID riid) override {
    return riid == AsyncICalc::kIid ? static_cast<AsyncICalc*>(this) : nullptr;
  }
  bool honourCancel() const;
  CalcServer& server_;
  int32_t a_ = 0;
  int32_t b_ = 0;
};

class CalcServer final : public ComObject<ICalc, ICallFactory> {
 public:
  std::atomic<bool> asyncEnabled{true};
  std::atomic<ServerMode> mode{ServerMode::kImmediate};
  std::atomic<int> syncCalls{0};
  std::atomic<int> asyncCalls{0};
  std::atomic<int> cancelsSeen{0};
  std::atomic<bool> honourCancel{true};  // false: a cancelled call still answers with its sum
  std::atomic<int> disconnectsSeen{0};

  HRESULT Add(int32_t a, int32_t b, int32_t* sum) override {
    ++syncCalls;
    *sum = a + b;
    return S_OK;
  }
  HRESULT CreateCall(REFIID riid, IUnknown* outer, REFIID riid2, IUnknown** ppv) override {
    if (!asyncEnabled || riid != AsyncICalc::kIid) return E_NOINTERFACE;
    if (outer == nullptr || riid2 != IUnknown::kIid) return E_INVALIDARG;  // the runtime always aggregates
    *ppv = (new CalcServerCall(*this, outer))->innerUnknown();
    return S_OK;
  }

  void park(ComPtr<ISynchronize> sync) {
    {
      std::lock_guard lk(mu_);
      held_.push_back(std::move(sync));
    }
    cv_.notify_all();
  }
  bool waitHeld(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, timeout, [&] { return held_.size() >= n; });
  }
  size_t held() {
    std::lock_guard lk(mu_);
    return held_.size();
  }
  // Signals every parked call, last parked first.
  void releaseReverse() {
    std::vector<ComPtr<ISynchronize>> calls;
    {
      std::lock_guard lk(mu_);
      calls.swap(held_);
    }
    for (auto it = calls.rbegin(); it != calls.rend(); ++it) (*it)->Signal();
  }
  // Signals the parked call whose context is `sync` (the cancel-aware mode).
  void releaseOne(ISynchronize* sync) {
    ComPtr<ISynchronize> mine;
    {
      std::lock_guard lk(mu_);
      for (auto it = held_.begin(); it != held_.end(); ++it) {
        if (it->get() == sync) {
          mine = std::move(*it);
          held_.erase(it);
          break;
        }
      }
    }
    if (mine) mine->Signal();
  }
  // Drops the parked call whose context is `sync` without signalling it.
  void forget(ISynchronize* sync) {
    ComPtr<ISynchronize> mine;
    {
      std::lock_guard lk(mu_);
      for (auto it = held_.begin(); it != held_.end(); ++it) {
        if (it->get() == sync) {
          mine = std::move(*it);
          held_.erase(it);
          break;
        }
      }
    }
  }
  ComPtr<ISynchronize> heldAt(size_t i) {
    std::lock_guard lk(mu_);
    return i < held_.size() ? held_[i] : ComPtr<ISynchronize>();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ComPtr<ISynchronize>> held_;
};

inline bool CalcServerCall::honourCancel() const {
  return server_.honourCancel.load();
}

inline HRESULT CalcServerCall::Begin_Add(int32_t a, int32_t b) {
  ++server_.asyncCalls;
  a_ = a;
  b_ = b;
  ComPtr<ISynchronize> sync;
  controllingUnknown()->QueryInterface(ISynchronize::kIid, sync.putVoid());
  switch (server_.mode.load()) {
    case ServerMode::kFailBegin:
      return E_ACCESSDENIED;
    case ServerMode::kThrowBegin:
      throw std::runtime_error("Begin_Add failed");
    case ServerMode::kImmediate:
      sync->Signal();
      break;
    case ServerMode::kCancelAware: {
      CalcServer* server = &server_;
      ISynchronize* raw = sync.get();
      server_.park(sync);
      onServerCallCancel(controllingUnknown(), [server, raw] {
        ++server->cancelsSeen;
        server->releaseOne(raw);
      });
      break;
    }
    case ServerMode::kHold:
      onServerCallCancel(controllingUnknown(), [server = &server_] { ++server->cancelsSeen; });
      server_.park(sync);
      break;
    case ServerMode::kLetGoOnDisconnect: {
      CalcServer* server = &server_;
      ISynchronize* raw = sync.get();
      server_.park(sync);
      ComPtr<IServerCallControl> control;
      controllingUnknown()->QueryInterface(IServerCallControl::kIid, control.putVoid());
      if (control) {
        control->OnDisconnect([server, raw] {
          ++server->disconnectsSeen;
          server->forget(raw);
        });
      }
      break;
    }
  }
  return S_OK;
}

// The generated stub: call objects when the server offers them, the sync method otherwise.
class CalcStub final : public rpc::Dispatcher {
 public:
  explicit CalcStub(ComPtr<IUnknown> object) : object_(std::move(object)) {}
  void dispatch(rpc::ServerCall& call) override {
    if (call.opnum() != kAddOpnum) throw rpc::RpcError(rpc::status::kOpRangeError);
    if (call.requestSize() != 8) throw rpc::RpcError(rpc::status::kBadStubData);
    int32_t a, b;
    std::memcpy(&a, call.requestData(), 4);
    std::memcpy(&b, call.requestData() + 4, 4);
    HRESULT hr = dispatchToCallObject(
        call, object_.get(), AsyncICalc::kIid,
        [a, b](void* itf) { return static_cast<AsyncICalc*>(itf)->Begin_Add(a, b); },
        [](void* itf, rpc::Message& out) {
          int32_t sum = 0;
          HRESULT r = static_cast<AsyncICalc*>(itf)->Finish_Add(&sum);
          out.append(&sum, 4);
          out.append(&r, 4);
        });
    if (hr == S_OK) return;
    ComPtr<ICalc> calc = object_.as<ICalc>();
    int32_t sum = 0;
    HRESULT r = calc->Add(a, b, &sum);
    call.response().append(&sum, 4);
    call.response().append(&r, 4);
  }

 private:
  ComPtr<IUnknown> object_;
};

// ---- the RPC interface with an [async] operation ----

inline const rpc::SyntaxId kAdderIf{*rpc::Uuid::parse("7a0d3e52-91c4-4b8a-a6f0-2d4e8c1b3f57"), 1, 0};
inline constexpr uint16_t kAdderAdd = 0;

// Client function for `[async] long Add([in] long a, [in] long b)`.
inline uint32_t Add(AsyncState& state, rpc::Channel& channel, int32_t a, int32_t b) {
  rpc::Message m = rpc::Message::acquire();
  m.append(&a, 4);
  m.append(&b, 4);
  return state.issue(channel, kAdderIf, kAdderAdd, std::move(m), [](rpc::Reply& r, void* reply) {
    if (r.size() != 4) throw rpc::RpcError(rpc::status::kBadStubData);
    if (reply != nullptr) std::memcpy(reply, r.data(), 4);
  });
}

enum class AdderMode {
  kImmediate,      // the manager completes before it returns
  kHold,           // parked; the test completes or aborts
  kAbortOnCancel,  // parked; aborts with nca_s_fault_cancel when the client cancels
  kDrop,           // the manager drops its handle without answering
  kSyncStub,       // a sync stub for the same operation (no ServerAsyncCall)
  kHoldThenThrow,  // parked, then the manager throws (as a careless manager might)
};

// The manager (user code) and its stub.
class AdderServer final : public rpc::Dispatcher {
 public:
  std::atomic<AdderMode> mode{AdderMode::kImmediate};
  std::atomic<int> cancels{0};
  std::atomic<int> disconnects{0};

  void dispatch(rpc::ServerCall& call) override {
    if (call.requestSize() != 8) throw rpc::RpcError(rpc::status::kBadStubData);
    auto frame = std::make_shared<std::pair<int32_t, int32_t>>();
    std::memcpy(&frame->first, call.requestData(), 4);
    std::memcpy(&frame->second, call.requestData() + 4, 4);
    if (mode.load() == AdderMode::kSyncStub) {
      int32_t sum = frame->first + frame->second;
      call.response().append(&sum, 4);
      return;
    }
    ServerAsyncCall h = ServerAsyncCall::begin(call, [frame](rpc::Message& out, const void* reply) {
      int32_t r = reply != nullptr ? *static_cast<const int32_t*>(reply) : 0;
      out.append(&r, 4);
    });
    manager(h, frame->first, frame->second);
  }

  void manager(ServerAsyncCall h, int32_t a, int32_t b) {
    h.onCancel([this] { ++cancels; });
    h.onDisconnect([this] {
      ++disconnects;
      cv_.notify_all();
    });
    int32_t sum = a + b;
    switch (mode.load()) {
      case AdderMode::kImmediate:
        h.complete(&sum);
        return;
      case AdderMode::kDrop:
      case AdderMode::kSyncStub:
        return;
      case AdderMode::kAbortOnCancel:
        h.onCancel([h]() mutable { h.abort(rpc::status::kFaultCancel); });
        [[fallthrough]];
      case AdderMode::kHold:
      case AdderMode::kHoldThenThrow: {
        std::lock_guard lk(mu_);
        held_.push_back({h, sum});
      }
        cv_.notify_all();
        if (mode.load() == AdderMode::kHoldThenThrow) throw std::runtime_error("manager failed");
        return;
    }
  }

  bool waitHeld(size_t n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, std::chrono::seconds(10), [&] { return held_.size() >= n; });
  }
  bool waitDisconnects(int n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, std::chrono::seconds(10), [&] { return disconnects.load() >= n; });
  }
  std::vector<std::pair<ServerAsyncCall, int32_t>> takeHeld() {
    std::lock_guard lk(mu_);
    std::vector<std::pair<ServerAsyncCall, int32_t>> v;
    v.swap(held_);
    return v;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<ServerAsyncCall, int32_t>> held_;
};

}  // namespace midlrt::async::testing
