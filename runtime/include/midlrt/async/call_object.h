// Client call objects: the base class of every generated AsyncIFoo proxy call object (Begin_/Finish_ over
// rpc::Channel::invokeAsync), with ISynchronize, ISynchronizeHandle and ICancelMethodCalls.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "midlrt/com/objidl.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::async {

namespace detail {
class ClientOp;
}

/// One client call object: at most one call at a time, reusable after Finish_.
///
/// Rules (each a test in tests/unit/async):
/// - Begin_ while a call is in progress (begun and not yet finished, even if its reply is in) returns
///   RPC_E_CALL_PENDING and sends nothing. A Begin_ whose request cannot be issued (connection refused,
///   interface rejected) returns the failure at once and leaves the object idle.
/// - Finish_ with no call in progress returns RPC_E_CALL_COMPLETE. An early Finish_ waits for the reply
///   (without a deadline of its own: use CallOptions::timeout for one). Afterwards the object is reusable.
/// - Releasing the object after Begin_ abandons the call: nothing is sent, the reply is dropped when it
///   arrives and the runtime's small per-call record is freed then (or when the call times out or the
///   channel closes). The object itself is freed at once.
/// - Cancel(seconds) is accepted from Begin_ until Finish_ returns and is sticky: a cancel that comes before
///   the request is written (corked channel, or while Begin_ is still binding on another thread) is applied
///   as soon as the call exists. It sends co_cancel; if no reply has come `seconds` later the call is
///   orphaned and completes locally (Cancel(0) does that at once; RPC_C_CANCEL_INFINITE_TIMEOUT never).
///   Finish_ then returns RPC_E_CALL_CANCELED, whatever the server sends meanwhile ("Canceling Method
///   Calls": the client ignores the server's results after a cancel). Cancel returns S_OK,
///   RPC_E_CALL_CANCELED if already cancelled, RPC_E_CALL_COMPLETE if the call has completed (its reply is
///   then Finish_'s) or there is none.
/// - ISynchronize: a manual-reset event. Begin_ resets it; when the call completes the runtime calls Signal
///   on the ISynchronize of the controlling unknown (which, for an aggregating client, may be its own: that
///   is how COM lets a client be told of completion; its Signal should forward to ours). Wait(flags, ms)
///   returns S_OK when signalled, RPC_S_CALLPENDING on timeout. GetHandle gives an eventfd readable while
///   signalled.
/// - Threads: the completion (Signal, notifyWhenDone callbacks, coroutine resumption) runs on the thread
///   that reads the reply (the channel's reader thread, a thread blocked in a sync call on the channel, or
///   one in a blocking Finish_, which reads its reply itself while nobody else reads the connection) or on
///   the thread that orphans the call. Never block there waiting for another call of the channel.
class ClientCallObject : public com::ISynchronize,
                         public com::ISynchronizeHandle,
                         public com::ICancelMethodCalls,
                         public com::Aggregatable {
 public:
  /// A process-private IID (midlc's namespace, not Windows'): QueryInterface for it returns the
  /// ClientCallObject* itself, AddRef'd, so code holding only an AsyncIFoo* can reach the extensions below.
  static constexpr com::IID kIid{
      0x6d69646c, 0x6361, 0x7379, {0x6e, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02}};

  MIDLRT_DELEGATING_IUNKNOWN

  com::HRESULT Wait(com::DWORD dwFlags, com::DWORD dwMilliseconds) override;
  com::HRESULT Signal() override;
  com::HRESULT Reset() override;
  com::HRESULT GetHandle(int* ph) override;
  com::HRESULT Cancel(com::ULONG ulSeconds) override;
  com::HRESULT TestCancel() override;

  /// @name Beyond COM
  ///@{
  /// Cancel with a grace period finer than seconds.
  com::HRESULT cancelAfter(std::chrono::milliseconds grace);
  /// A call is in progress (begun, Finish_ not yet called).
  bool pending() const;
  /// A call is in progress and its outcome is known: Finish_ will not block.
  bool done() const;
  /// call_id of the current (or last) call; 0 before the request was issued.
  uint32_t callId() const;
  /// Runs fn once, when the call in progress completes (on the completing thread). Returns false, without
  /// keeping fn, when there is no call in progress or it has already completed.
  bool notifyWhenDone(std::function<void()> fn);
  ///@}

 protected:
  /// `object` is sent as the object UUID of every call (an object interface's IPID), when given.
  ClientCallObject(std::shared_ptr<rpc::Channel> channel, const rpc::SyntaxId& iface, com::IUnknown* outer,
                   const rpc::CallOptions& options = {}, std::optional<rpc::Uuid> object = std::nullopt);
  ~ClientCallObject() override;

  /// For Begin_X: marshal the [in] parameters into `request` (rpc::Message::acquire(
  /// rpc::kObjectRequestHeadroom) for object calls), then return beginCall(opnum, std::move(request)).
  com::HRESULT beginCall(uint16_t opnum, rpc::Message request);
  /// For Finish_X: on S_OK `reply` holds the stub data to unmarshal ([out] parameters and the HRESULT the
  /// server returned); any other result is the call's outcome (RPC_E_CALL_COMPLETE, RPC_E_CALL_CANCELED,
  /// or hresultFromStatus of the fault or failure); then set [out] pointers to their empty values.
  com::HRESULT finishCall(rpc::Reply& reply);

  /// The generated AsyncIFoo (no AddRef); nullptr for other IIDs.
  virtual void* queryAsyncInterface(com::REFIID riid) = 0;

 private:
  void* queryOwnInterface(com::REFIID riid) override;

  std::shared_ptr<rpc::Channel> channel_;
  rpc::SyntaxId iface_;
  rpc::CallOptions options_;
  std::optional<rpc::Uuid> object_;
  std::shared_ptr<detail::ClientOp> op_;
};

/// What a generated call object derives from:
/// @code
///   class AsyncICalc_CallObject final : public midlrt::async::CallObject<AsyncICalc> {
///    public:
///     using CallObject::CallObject;
///     HRESULT Begin_Add(long a, long b) override;   // marshal, beginCall(3, ...)
///     HRESULT Finish_Add(long* sum) override;       // finishCall(reply), unmarshal
///   };
/// @endcode
template <class AsyncItf>
class CallObject : public ClientCallObject, public AsyncItf {
 public:
  MIDLRT_DELEGATING_IUNKNOWN

 protected:
  using ClientCallObject::ClientCallObject;
  void* queryAsyncInterface(com::REFIID riid) override {
    return riid == AsyncItf::kIid ? static_cast<AsyncItf*>(this) : nullptr;
  }
};

/// The ClientCallObject behind any interface of a call object (AddRef'd), or null.
com::ComPtr<ClientCallObject> asCallObject(com::IUnknown* anyInterfaceOfTheCall);

/// A call object, or the HRESULT that says why there is none.
template <class AsyncItf>
struct CreatedCall {
  com::ComPtr<AsyncItf> call;     ///< the call object; null on failure
  com::HRESULT hr = com::E_FAIL;  ///< CreateCall's result (E_NOINTERFACE, E_POINTER for a null proxy, ...)
  /// A call object was created.
  explicit operator bool() const { return com::SUCCEEDED(hr) && call; }
  /// The call object's methods: add->Begin_Add(1, 2).
  AsyncItf* operator->() const { return call.get(); }
};

/// ICallFactory::CreateCall with the types spelled out: a new call object of AsyncItf (AsyncIFoo) for the
/// object behind `proxy`, not aggregated, as in
/// @code
///   auto add = midlrt::async::createCall<AsyncICalc>(calc);
///   if (add) add->Begin_Add(1, 2);
/// @endcode
/// E_NOINTERFACE if the object has no ICallFactory (a proxy of an interface without an asynchronous form)
/// or no call objects of AsyncItf.
template <class AsyncItf, class T>
CreatedCall<AsyncItf> createCall(const com::ComPtr<T>& proxy) {
  CreatedCall<AsyncItf> out;
  com::ComPtr<com::ICallFactory> factory = proxy ? proxy.template as<com::ICallFactory>() : nullptr;
  if (!factory) {
    out.hr = proxy ? com::E_NOINTERFACE : com::E_POINTER;
    return out;
  }
  com::ComPtr<com::IUnknown> created;
  out.hr = factory->CreateCall(AsyncItf::kIid, nullptr, AsyncItf::kIid, created.put());
  // CreateCall hands back the interface asked for (riid2), typed as IUnknown**.
  if (com::SUCCEEDED(out.hr)) out.call = com::ComPtr<AsyncItf>::attach(static_cast<AsyncItf*>(
                                  static_cast<void*>(created.detach())));
  return out;
}

}  // namespace midlrt::async
