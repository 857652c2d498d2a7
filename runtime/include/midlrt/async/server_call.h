// Server-side asynchrony: COM server call objects (ICallFactory on the server object, Begin_ from the stub,
// ISynchronize::Signal from any thread sends the reply) and the async handle of asynchronous RPC managers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "midlrt/com/objidl.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/server.h"

namespace midlrt::async {

namespace detail {
class ServerCore;
}

/// Offered by the runtime's server call context beside ISynchronize and ICancelMethodCalls (process-private
/// IID in midlc's namespace): cancel notification instead of polling TestCancel.
class IServerCallControl : public com::IUnknown {
 public:
  /// 6d69646c-6361-7379-6e63-000000000003 (midlc's namespace, not a Windows IID).
  static constexpr com::IID kIid{
      0x6d69646c, 0x6361, 0x7379, {0x6e, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03}};
  /// Runs fn once when the client cancels (co_cancel or orphaned), its connection drops, or the server shuts
  /// down -- on the thread that saw it (usually the server's I/O thread: do not block there); at once, on
  /// this thread, if that already happened.
  virtual void OnCancel(std::function<void()> fn) = 0;
  /// Runs fn once when the client's connection closes (after the cancel notification).
  virtual void OnDisconnect(std::function<void()> fn) = 0;
  /// The call's call_id on its connection (for logs and correlation with the client's callId()).
  virtual uint32_t CallId() = 0;
};

// Asynchronous calls on a server object. When a call of an asynchronous object interface arrives and the
// server object implements ICallFactory, the runtime creates a call context (ISynchronize,
// ICancelMethodCalls, IServerCallControl) and asks the object's CreateCall(asyncIid, context, IID_IUnknown,
// &inner) for a call object aggregated into it, then calls the call object's Begin_ on the dispatch thread.
// When the server calls Signal on the context (QueryInterface its controlling unknown for ISynchronize) --
// from any thread, once; later Signals are ignored -- the runtime calls Finish_ on that thread and sends the
// response. If Begin_ returns a failure HRESULT the call faults with that HRESULT as its status (the
// client's Finish_ returns it) and the call object is released; if it throws, the call faults with the
// status a sync stub's exception would give. The runtime holds the context (and so the call object) until
// Begin_ has returned, even if Begin_ signals. Without ICallFactory, or if CreateCall gives no call object
// with asyncIid, the synchronous method is called instead. (Generated stubs do this with
// dispatchToCallObject, midlrt/detail/call_object_stubs.h.)
//
// Rules for the server call object: do not keep a counted reference to the controlling unknown (aggregation);
// the call object is released when the context's last reference goes, which can be inside the Release that
// follows Signal -- touch nothing of it afterwards. ICancelMethodCalls::TestCancel on the context returns
// RPC_E_CALL_CANCELED once the client cancelled or vanished, RPC_S_CALLPENDING before, RPC_E_CALL_COMPLETE
// after Signal. A call object that never signals leaves the client waiting until its deadline.

/// For server call objects: registers fn through the context's IServerCallControl (E_NOINTERFACE if
/// `controllingUnknown` is not a server call context).
com::HRESULT onServerCallCancel(com::IUnknown* controllingUnknown, std::function<void()> fn);

/// The async handle an asynchronous RPC manager routine receives (the RPC_ASYNC_STATE of the server side).
/// Cheap to copy; every copy refers to the same call. If every copy is dropped without complete() or
/// abort(), the client receives a fault (RPC_S_CALL_FAILED) -- never a hang.
///
/// @code
///   // generated stub, after unmarshaling:
///   auto frame = std::make_shared<AddFrame>(a, b);
///   auto h = ServerAsyncCall::begin(call, [frame](rpc::Message& out, const void* reply) {
///     /* marshal frame->outputs and *static_cast<const long*>(reply) */ });
///   Add(h, frame->a, frame->b, &frame->sum);   // the manager, which may return before it completes
/// @endcode
///
/// Both dispatchToCallObject and ServerAsyncCall::begin take the rpc::ServerCall's single onCancel slot: a
/// stub must not set ServerCall::onCancel itself afterwards.
class ServerAsyncCall {
 public:
  /// Marshals the [out] parameters and `*reply` (the return value; null for none) into `response`; run by
  /// complete(), on its thread.
  using Marshal = std::function<void(rpc::Message& response, const void* reply)>;

  /// An empty handle (false), referring to no call.
  ServerAsyncCall() = default;
  /// Defers the call (the dispatch thread is free when the stub returns).
  static ServerAsyncCall begin(rpc::ServerCall& call, Marshal marshal);

  /// RpcAsyncCompleteCall: after setting the [out] parameters, from any thread; runs the marshal function
  /// with `reply` (the return value, or null) and sends the response. Touches none of the outputs afterwards.
  /// kOk, or kInvalidAsyncCall if the call was already completed or aborted, or the runtime already answered
  /// it (the manager threw, so the stub's call faulted; the server shut down).
  uint32_t complete(const void* reply = nullptr);
  /// RpcAsyncAbortCall: the client receives a fault with `status` (0 becomes RPC_S_CALL_FAILED); outputs are
  /// not marshaled. Once only: later calls (and complete) return kInvalidAsyncCall.
  uint32_t abort(uint32_t status);
  /// RpcServerTestCancel: kOk if the client cancelled (or the call was orphaned), kCallInProgress otherwise.
  uint32_t testCancel() const;
  /// The client cancelled (or the call was orphaned): testCancel() == kOk.
  bool isCancelled() const;
  /// The client's connection has closed.
  bool isDisconnected() const;
  /// Notifications, each once (at once if it already happened), on the thread that saw the event (usually
  /// the server's I/O thread: do not block there). A disconnect is also a cancel; cancel runs first.
  ///@{
  void onCancel(std::function<void()> fn);
  void onDisconnect(std::function<void()> fn);
  ///@}
  /// The call's call_id on its connection.
  uint32_t callId() const;
  /// Refers to a call (made by begin(), not default-constructed).
  explicit operator bool() const { return core_ != nullptr; }

 private:
  std::shared_ptr<detail::ServerCore> core_;
  std::shared_ptr<Marshal> marshal_;
};

/// The async handle of one [async] operation whose result is R, as its manager receives it (generated
/// managers name it Foo_Manager::AddCall for an operation Add): complete() takes only that result (no
/// argument for a void operation), so a slip such as complete(&someOtherVariable) does not compile. The
/// untyped handle it derives from stays for the runtime and generic code.
template <class R>
class ServerAsyncCallOf : public ServerAsyncCall {
 public:
  /// An empty handle.
  ServerAsyncCallOf() = default;
  /// Types the handle that ServerAsyncCall::begin returned (generated stubs do this).
  explicit ServerAsyncCallOf(ServerAsyncCall call) : ServerAsyncCall(std::move(call)) {}
  /// RpcAsyncCompleteCall with the operation's result (see ServerAsyncCall::complete).
  uint32_t complete(const R& result) { return ServerAsyncCall::complete(&result); }
};

/// The handle of an [async] operation that returns void: complete() takes no argument.
template <>
class ServerAsyncCallOf<void> : public ServerAsyncCall {
 public:
  /// An empty handle.
  ServerAsyncCallOf() = default;
  /// Types the handle that ServerAsyncCall::begin returned (generated stubs do this).
  explicit ServerAsyncCallOf(ServerAsyncCall call) : ServerAsyncCall(std::move(call)) {}
  /// RpcAsyncCompleteCall without a result (see ServerAsyncCall::complete).
  uint32_t complete() { return ServerAsyncCall::complete(nullptr); }
};

}  // namespace midlrt::async
