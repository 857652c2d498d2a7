// HRESULT names and the mapping of RPC statuses to the HRESULTs call objects return.
#include "midlrt/async/status.h"

#include <cstdio>

#include "midlrt/com/hresult.h"

namespace midlrt::com {

std::string hresultName(HRESULT hr) {
  switch (hr) {
    case S_OK:
      return "S_OK";
    case S_FALSE:
      return "S_FALSE";
    case E_NOTIMPL:
      return "E_NOTIMPL";
    case E_NOINTERFACE:
      return "E_NOINTERFACE";
    case E_POINTER:
      return "E_POINTER";
    case E_ABORT:
      return "E_ABORT";
    case E_FAIL:
      return "E_FAIL";
    case E_UNEXPECTED:
      return "E_UNEXPECTED";
    case E_ACCESSDENIED:
      return "E_ACCESSDENIED";
    case E_OUTOFMEMORY:
      return "E_OUTOFMEMORY";
    case E_INVALIDARG:
      return "E_INVALIDARG";
    case CLASS_E_NOAGGREGATION:
      return "CLASS_E_NOAGGREGATION";
    case RPC_E_CALL_CANCELED:
      return "RPC_E_CALL_CANCELED";
    case RPC_E_FAULT:
      return "RPC_E_FAULT";
    case RPC_E_SERVERFAULT:
      return "RPC_E_SERVERFAULT";
    case RPC_E_DISCONNECTED:
      return "RPC_E_DISCONNECTED";
    case RPC_S_CALLPENDING:
      return "RPC_S_CALLPENDING";
    case RPC_E_CALL_COMPLETE:
      return "RPC_E_CALL_COMPLETE";
    case RPC_E_TIMEOUT:
      return "RPC_E_TIMEOUT";
    case CO_E_CANCEL_DISABLED:
      return "CO_E_CANCEL_DISABLED";
    default:
      break;
  }
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", static_cast<uint32_t>(hr));
  return b;
}

}  // namespace midlrt::com

namespace midlrt::async {

com::HRESULT hresultFromStatus(uint32_t s) {
  constexpr uint32_t kProcnumOutOfRange = 1745;  // RPC_S_PROCNUM_OUT_OF_RANGE
  switch (s) {
    case status::kOk:
      return com::S_OK;
    case status::kCallCancelled:
    case status::kFaultCancel:
      return com::RPC_E_CALL_CANCELED;
    case status::kTimeout:
      return com::RPC_E_TIMEOUT;
    case status::kFaultRemoteNoMemory:
      return com::E_OUTOFMEMORY;
    case status::kOpRangeError:
      return com::hresultFromWin32(kProcnumOutOfRange);
    case status::kUnkIf:
      return com::hresultFromWin32(status::kUnknownIf);
    default:
      break;
  }
  if ((s & 0x80000000u) != 0) return static_cast<com::HRESULT>(s);
  if ((s & 0xffff0000u) == 0x1c000000u || (s & 0xffff0000u) == 0x1c010000u) return com::RPC_E_SERVERFAULT;
  return com::hresultFromWin32(s);
}

}  // namespace midlrt::async
