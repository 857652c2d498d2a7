// Server call contexts for COM call objects, and the async handle of asynchronous RPC managers.
#include "midlrt/async/server_call.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <utility>

#include "midlrt/async/status.h"
#include "midlrt/detail/call_object_stubs.h"
#include "midlrt/ndr/error.h"
#include "server_core.h"

namespace midlrt::async {

using com::HRESULT;

namespace {

// Runs the reply marshaling and sends the response, or faults with the status of what it threw.
template <class F>
void completeWith(detail::ServerCore& core, F&& marshal) {
  try {
    marshal(core.response());
  } catch (const rpc::RpcError& e) {
    core.fault(e.status());
    return;
  } catch (const ndr::NdrError& e) {
    core.fault(e.status());
    return;
  } catch (const std::bad_alloc&) {
    core.fault(status::kFaultRemoteNoMemory);
    return;
  } catch (...) {
    core.fault(status::kCallFailed);
    return;
  }
  core.complete();
}

// The controlling unknown that a server's call object is aggregated into.
class ServerCallContext final : public com::ISynchronize,
                                public com::ICancelMethodCalls,
                                public IServerCallControl {
 public:
  explicit ServerCallContext(std::function<void(void*, rpc::Message&)> collect)
      : collect_(std::move(collect)) {}

  // Set once CreateCall gave a call object, before Begin_.
  void attach(std::shared_ptr<detail::ServerCore> core, com::IUnknown* inner, void* itf) {
    core_ = std::move(core);
    inner_ = inner;
    itf_ = itf;
    // A client that goes away while the call is pending cannot be answered: after the server's own
    // disconnect notifications, the runtime lets go of the call, so that the context and the call object
    // are freed once the server lets go too. The callback holds a reference (a cycle that the call's
    // answer, or the disconnect itself, breaks: the core drops its callbacks then).
    core_->onDisconnect([self = com::ComPtr<com::ISynchronize>(static_cast<com::ISynchronize*>(this))] {
      static_cast<ServerCallContext*>(self.get())->dropPending();
    });
  }

  HRESULT QueryInterface(com::REFIID riid, void** ppv) override {
    if (ppv == nullptr) return com::E_POINTER;
    *ppv = nullptr;
    if (riid == com::IUnknown::kIid || riid == com::ISynchronize::kIid) {
      *ppv = static_cast<com::ISynchronize*>(this);
    } else if (riid == com::ICancelMethodCalls::kIid) {
      *ppv = static_cast<com::ICancelMethodCalls*>(this);
    } else if (riid == IServerCallControl::kIid) {
      *ppv = static_cast<IServerCallControl*>(this);
    } else if (inner_ != nullptr) {
      return inner_->QueryInterface(riid, ppv);  // the aggregate's other interfaces are the call object's
    }
    if (*ppv == nullptr) return com::E_NOINTERFACE;
    AddRef();
    return com::S_OK;
  }
  com::ULONG AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  com::ULONG Release() override {
    com::ULONG n = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (n == 0) delete this;
    return n;
  }

  HRESULT Wait(com::DWORD, com::DWORD ms) override {
    std::unique_lock lk(mu_);
    auto ready = [&] { return signalled_; };
    if (ms == com::INFINITE) {
      cv_.wait(lk, ready);
      return com::S_OK;
    }
    return cv_.wait_for(lk, std::chrono::milliseconds(ms), ready) ? com::S_OK : com::RPC_S_CALLPENDING;
  }
  // The server is done: collect the outputs with Finish_ and send the reply, on this thread. Once.
  HRESULT Signal() override {
    if (!core_) return com::E_UNEXPECTED;  // signalled before Begin_
    bool pending;
    {
      std::lock_guard lk(mu_);
      if (signalled_) return com::S_OK;
      signalled_ = true;
      pending = std::exchange(pending_, false);
    }
    cv_.notify_all();
    if (core_->claim()) {
      void* itf = itf_;
      completeWith(*core_, [&](rpc::Message& out) { collect_(itf, out); });
    }
    core_->dropCallbacks();  // also when the runtime had already answered the call
    if (pending) Release();  // the reference the pending call held
    return com::S_OK;
  }
  HRESULT Reset() override { return com::S_OK; }  // a call context signals once

  // The server side cannot cancel its own call.
  HRESULT Cancel(com::ULONG) override { return com::E_NOTIMPL; }
  HRESULT TestCancel() override {
    if (!core_) return com::RPC_E_CALL_COMPLETE;
    if (core_->cancelled()) return com::RPC_E_CALL_CANCELED;  // also while Finish_ runs inside Signal
    return core_->claimed() ? com::RPC_E_CALL_COMPLETE : com::RPC_S_CALLPENDING;
  }

  void OnCancel(std::function<void()> fn) override {
    if (core_) core_->onCancel(std::move(fn));
  }
  void OnDisconnect(std::function<void()> fn) override {
    if (core_) core_->onDisconnect(std::move(fn));
  }
  uint32_t CallId() override { return core_ ? core_->callId() : 0; }

  // Begin_ failed (an HRESULT) or threw (an RPC status): fault the call, drop the pending reference.
  void failBegin(uint32_t status) {
    bool pending;
    {
      std::lock_guard lk(mu_);
      if (signalled_) return;  // signalled inside Begin_ and then failed: the reply is already out
      signalled_ = true;
      pending = std::exchange(pending_, false);
    }
    if (core_->claim()) core_->fault(status);
    core_->dropCallbacks();
    if (pending) Release();
  }

  // The client's connection closed before the call was answered: drop the pending reference. A later
  // Signal still runs Finish_ (its reply goes nowhere) but releases nothing more.
  void dropPending() {
    bool pending;
    {
      std::lock_guard lk(mu_);
      pending = std::exchange(pending_, false);
    }
    if (pending) Release();
  }

 private:
  ~ServerCallContext() override {
    if (inner_ != nullptr) inner_->Release();
  }

  std::atomic<com::ULONG> refs_{1};
  std::shared_ptr<detail::ServerCore> core_;
  std::function<void(void*, rpc::Message&)> collect_;
  com::IUnknown* inner_ = nullptr;
  void* itf_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  bool signalled_ = false;
  // The reference the pending call holds (dropped by Signal, failBegin or a disconnect).
  bool pending_ = true;
};

}  // namespace

HRESULT dispatchToCallObject(rpc::ServerCall& call, com::IUnknown* serverObject, com::REFIID asyncIid,
                             std::function<HRESULT(void*)> begin,
                             std::function<void(void*, rpc::Message&)> collect) {
  if (serverObject == nullptr) return com::E_NOINTERFACE;
  com::ComPtr<com::ICallFactory> factory;
  if (serverObject->QueryInterface(com::ICallFactory::kIid, factory.putVoid()) != com::S_OK || !factory) {
    return com::E_NOINTERFACE;
  }
  // The call is deferred only once a call object exists, so that a refusal leaves it to the sync path.
  auto* ctx = new ServerCallContext(std::move(collect));
  com::IUnknown* inner = nullptr;
  HRESULT hr =
      factory->CreateCall(asyncIid, static_cast<com::ISynchronize*>(ctx), com::IUnknown::kIid, &inner);
  factory.reset();
  void* itf = nullptr;
  if (hr == com::S_OK && inner != nullptr && inner->QueryInterface(asyncIid, &itf) == com::S_OK &&
      itf != nullptr) {
    // That reference counts on the context (the controlling unknown); the context owns the call object
    // through `inner` for its whole life, so the interface pointer needs no count of its own.
    ctx->Release();
  } else {
    itf = nullptr;
  }
  if (itf == nullptr) {
    if (inner != nullptr) inner->Release();
    ctx->Release();
    return com::E_NOINTERFACE;
  }
  // Held across Begin_, so that a Signal inside it cannot free the context or the call object under us (nor
  // a client already gone, whose disconnect attach() reports at once).
  com::ComPtr<com::ISynchronize> hold(static_cast<com::ISynchronize*>(ctx));
  ctx->attach(detail::ServerCore::start(call), inner, itf);
  try {
    HRESULT b = begin(itf);
    if (com::FAILED(b)) ctx->failBegin(static_cast<uint32_t>(b));
  } catch (const rpc::RpcError& e) {
    ctx->failBegin(e.status());
  } catch (const ndr::NdrError& e) {
    ctx->failBegin(e.status());
  } catch (const std::bad_alloc&) {
    ctx->failBegin(status::kFaultRemoteNoMemory);
  } catch (...) {
    ctx->failBegin(status::kCallFailed);
  }
  return com::S_OK;
}

HRESULT onServerCallCancel(com::IUnknown* controllingUnknown, std::function<void()> fn) {
  if (controllingUnknown == nullptr) return com::E_POINTER;
  com::ComPtr<IServerCallControl> control;
  if (controllingUnknown->QueryInterface(IServerCallControl::kIid, control.putVoid()) != com::S_OK ||
      !control) {
    return com::E_NOINTERFACE;
  }
  control->OnCancel(std::move(fn));
  return com::S_OK;
}

// ---- ServerAsyncCall ----

ServerAsyncCall ServerAsyncCall::begin(rpc::ServerCall& call, Marshal marshal) {
  ServerAsyncCall h;
  h.core_ = detail::ServerCore::start(call);
  h.marshal_ = std::make_shared<Marshal>(std::move(marshal));
  return h;
}

uint32_t ServerAsyncCall::complete(const void* reply) {
  if (!core_ || !core_->claim()) return status::kInvalidAsyncCall;
  completeWith(*core_, [&](rpc::Message& out) {
    if (*marshal_) (*marshal_)(out, reply);
  });
  return status::kOk;
}

uint32_t ServerAsyncCall::abort(uint32_t s) {
  if (!core_ || !core_->claim()) return status::kInvalidAsyncCall;
  core_->fault(s != 0 ? s : status::kCallFailed);
  return status::kOk;
}

uint32_t ServerAsyncCall::testCancel() const {
  return isCancelled() ? status::kOk : status::kCallInProgress;
}

bool ServerAsyncCall::isCancelled() const {
  return core_ && core_->cancelled();
}

bool ServerAsyncCall::isDisconnected() const {
  return core_ && core_->disconnected();
}

void ServerAsyncCall::onCancel(std::function<void()> fn) {
  if (core_) core_->onCancel(std::move(fn));
}

void ServerAsyncCall::onDisconnect(std::function<void()> fn) {
  if (core_) core_->onDisconnect(std::move(fn));
}

uint32_t ServerAsyncCall::callId() const {
  return core_ ? core_->callId() : 0;
}

}  // namespace midlrt::async
