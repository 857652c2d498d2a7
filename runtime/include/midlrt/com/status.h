// The HRESULT for an RPC status: what a COM proxy (synchronous, or a call object's Finish_) returns for a
// call that ended with a fault or a local failure.
#pragma once

#include <cstdint>

#include "midlrt/com/hresult.h"

namespace midlrt::com {

/// 0 -> S_OK; kCallCancelled (local cancel/orphan) and nca_s_fault_cancel -> RPC_E_CALL_CANCELED;
/// kTimeout -> RPC_E_TIMEOUT; nca_s_fault_remote_no_memory -> E_OUTOFMEMORY; nca_s_op_rng_error ->
/// HRESULT_FROM_WIN32(RPC_S_PROCNUM_OUT_OF_RANGE); nca_s_unk_if -> HRESULT_FROM_WIN32(RPC_S_UNKNOWN_IF);
/// a status that already is a failure HRESULT (a COM server faulting with an HRESULT) -> itself; other
/// nca_s_* (0x1c......) faults -> RPC_E_SERVERFAULT; any other code, Win32 RPC_S_* statuses such as
/// kCallFailed (connection lost, server stub threw: 0x800706BE as on Windows) -> HRESULT_FROM_WIN32.
HRESULT hresultFromStatus(uint32_t status);

}  // namespace midlrt::com
