// Status codes of asynchronous RPC (Win32 RPC_S_* values), and the mapping of RPC statuses to HRESULTs
// under its older name.
#pragma once

#include <cstdint>

#include "midlrt/com/status.h"
#include "midlrt/rpc/status.h"

namespace midlrt::async {

/// The RPC statuses (rpc::status) plus those of asynchronous RPC.
///
/// kCallCancelled (RPC_S_CALL_CANCELLED, 1818) comes from rpc::status: an abortive cancel, or a
/// non-abortive one whose server answered with nca_s_fault_cancel, or an orphaned call.
namespace status {
using namespace rpc::status;
/// The call has not completed yet (AsyncState::status, AsyncState::complete). Same value as ERROR_IO_PENDING.
inline constexpr uint32_t kAsyncCallPending = 997;  ///< RPC_S_ASYNC_CALL_PENDING
inline constexpr uint32_t kCallInProgress =
    1791;  ///< RPC_S_CALL_IN_PROGRESS: RpcServerTestCancel, not cancelled
inline constexpr uint32_t kInvalidAsyncHandle = 1914;  ///< RPC_S_INVALID_ASYNC_HANDLE: no call on this state
/// RPC_S_INVALID_ASYNC_CALL: the operation is not allowed now (e.g. issue() while the previous call is
/// not completed, complete() on a server call already completed or aborted).
inline constexpr uint32_t kInvalidAsyncCall = 1915;
}  // namespace status

/// The COM layer's (midlrt/com/status.h), which generated proxies and call objects use; this name is kept for
/// applications that spelled it here before the COM layer had its own library.
using com::hresultFromStatus;

}  // namespace midlrt::async
