// Cancel objects for synchronous calls ("Canceling Method Calls"): another thread cancels the call a thread
// is blocked in (a proxy method, or rpc::Channel::invoke) through that call's ICancelMethodCalls.
#pragma once

#include <thread>

#include "midlrt/com/objidl.h"

namespace midlrt::async {

/// Names the thread whose call is to be cancelled: what Microsoft's DWORD thread id is. The thread publishes
/// its own (std::this_thread::get_id()); a default-constructed id, like Microsoft's 0, is the calling thread.
using ThreadId = std::thread::id;

/// CoEnableCallCancellation: the synchronous calls this thread makes from now on can be cancelled from
/// another thread (a call made before stays as it was). Counted: cancellation stays enabled until
/// disableCallCancellation has been called as many times. S_OK.
com::HRESULT enableCallCancellation();
/// CoDisableCallCancellation: undoes one enableCallCancellation; CO_E_CANCEL_DISABLED if none is left.
com::HRESULT disableCallCancellation();

/// CoGetCancelObject: the cancel object (normally ICancelMethodCalls) of the synchronous call in progress
/// on `thread` (from when its request has been sent until it returns) -- the innermost one, if calls nest.
/// CO_E_CANCEL_DISABLED if that thread has not enabled cancellation, E_NOINTERFACE if no call is in progress
/// there (CoCancelCall's "no cancel object corresponding to the thread") or the object has no interface
/// `iid`.
///
/// The cancel object stays valid after its call; once the call has returned uncancelled, Cancel and
/// TestCancel return RPC_E_CALL_COMPLETE. Its rules:
/// - Cancel(seconds) sends co_cancel at once and returns S_OK; if the server has not answered `seconds`
///   later the call is orphaned (orphaned PDU) and completes locally. Either way the blocked caller returns
///   RPC_E_CALL_CANCELED (RpcError(RPC_S_CALL_CANCELLED) from rpc::Channel::invoke), whatever the server
///   sends: after a cancel the client ignores the server's results. Cancel(0) orphans at once;
///   RPC_C_CANCEL_INFINITE_TIMEOUT waits for the server without a deadline. A second Cancel returns
///   RPC_E_CALL_CANCELED (an abortive one still escalates a waiting one); after the call has returned,
///   RPC_E_CALL_COMPLETE.
/// - TestCancel: RPC_S_CALLPENDING while the call runs uncancelled, RPC_E_CALL_CANCELED once cancelled,
///   RPC_E_CALL_COMPLETE after the call returned uncancelled.
com::HRESULT getCancelObject(ThreadId thread, com::REFIID iid, void** ppv);

/// getCancelObject for ICancelMethodCalls, as a ComPtr (null on failure; `hr`, if given, says why).
com::ComPtr<com::ICancelMethodCalls> getCancelObject(ThreadId thread, com::HRESULT* hr = nullptr);

/// CoCancelCall: getCancelObject(thread), then its Cancel(seconds). S_OK, E_NOINTERFACE (no call in progress
/// on the thread), CO_E_CANCEL_DISABLED, RPC_E_CALL_COMPLETE, RPC_E_CALL_CANCELED.
com::HRESULT cancelCall(ThreadId thread, com::ULONG seconds);

}  // namespace midlrt::async
