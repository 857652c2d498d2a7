// The HRESULT a COM call returns for the RPC status its call ended with.
#include "midlrt/com/status.h"

#include "midlrt/rpc/status.h"

namespace midlrt::com {

HRESULT hresultFromStatus(uint32_t s) {
  namespace status = rpc::status;
  constexpr uint32_t kProcnumOutOfRange = 1745;  // RPC_S_PROCNUM_OUT_OF_RANGE
  switch (s) {
    case status::kOk:
      return S_OK;
    case status::kCallCancelled:
    case status::kFaultCancel:
      return RPC_E_CALL_CANCELED;
    case status::kTimeout:
      return RPC_E_TIMEOUT;
    case status::kFaultRemoteNoMemory:
      return E_OUTOFMEMORY;
    case status::kOpRangeError:
      return hresultFromWin32(kProcnumOutOfRange);
    case status::kUnkIf:
      return hresultFromWin32(status::kUnknownIf);
    default:
      break;
  }
  if ((s & 0x80000000u) != 0) return static_cast<HRESULT>(s);
  if ((s & 0xffff0000u) == 0x1c000000u || (s & 0xffff0000u) == 0x1c010000u) return RPC_E_SERVERFAULT;
  return hresultFromWin32(s);
}

}  // namespace midlrt::com
