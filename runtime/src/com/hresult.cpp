// The names of the HRESULTs this runtime returns, for messages and test output.
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
    case REGDB_E_CLASSNOTREG:
      return "REGDB_E_CLASSNOTREG";
    case CO_S_NOTALLINTERFACES:
      return "CO_S_NOTALLINTERFACES";
    case CO_E_SERVER_STOPPING:
      return "CO_E_SERVER_STOPPING";
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
    case RPC_E_INVALID_OBJECT:
      return "RPC_E_INVALID_OBJECT";
    default:
      break;
  }
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", static_cast<uint32_t>(hr));
  return b;
}

}  // namespace midlrt::com
