// Status codes of asynchronous RPC (Win32 RPC_S_* values) and the mapping of RPC statuses to HRESULTs.
#pragma once

#include <cstdint>

#include "midlrt/com/hresult.h"
#include "midlrt/rpc/status.h"

namespace midlrt::async {

namespace status {
using namespace rpc::status;
// The call has not completed yet (AsyncState::status, AsyncState::complete). Same value as ERROR_IO_PENDING.
inline constexpr uint32_t kAsyncCallPending = 997;  // RPC_S_ASYNC_CALL_PENDING
// kCallCancelled (RPC_S_CALL_CANCELLED, 1818) comes from rpc::status: an abortive cancel, or a
// non-abortive one whose server answered with nca_s_fault_cancel, or an orphaned call.
inline constexpr uint32_t kCallInProgress =
    1791;  // RPC_S_CALL_IN_PROGRESS: RpcServerTestCancel, not cancelled
inline constexpr uint32_t kInvalidAsyncHandle = 1914;  // RPC_S_INVALID_ASYNC_HANDLE: no call on this state
inline constexpr uint32_t kInvalidAsyncCall = 1915;  // RPC_S_INVALID_ASYNC_CALL: wrong time for the operation
}  // namespace status

// The HRESULT a call object's Finish_ returns for a call that ended with an RPC status:
//   0 -> S_OK; kCallCancelled (local cancel/orphan) and nca_s_fault_cancel -> RPC_E_CALL_CANCELED;
//   kTimeout -> RPC_E_TIMEOUT; nca_s_fault_remote_no_memory -> E_OUTOFMEMORY; nca_s_op_rng_error ->
//   HRESULT_FROM_WIN32(RPC_S_PROCNUM_OUT_OF_RANGE); nca_s_unk_if -> HRESULT_FROM_WIN32(RPC_S_UNKNOWN_IF);
//   a status that already is a failure HRESULT (a COM server faulting with an HRESULT) -> itself; other
//   nca_s_* (0x1c......) faults -> RPC_E_SERVERFAULT; any other code, Win32 RPC_S_* statuses such as
//   kCallFailed (connection lost, server stub threw: 0x800706BE as on Windows) -> HRESULT_FROM_WIN32.
com::HRESULT hresultFromStatus(uint32_t status);

}  // namespace midlrt::async
