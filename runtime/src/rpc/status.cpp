// Names of RPC status codes and the RpcError exception.
#include "midlrt/rpc/status.h"

#include <cstdio>

namespace midlrt::rpc {

std::string statusName(uint32_t s) {
  using namespace status;
  switch (s) {
    case kOk:
      return "rpc_s_ok";
    case kAccessDenied:
      return "rpc_s_access_denied";
    case kReplyTooBig:
      return "ERROR_OUTOFMEMORY";
    case kTimeout:
      return "ERROR_TIMEOUT";
    case kInvalidBinding:
      return "RPC_S_INVALID_BINDING";
    case kProtseqNotSupported:
      return "RPC_S_PROTSEQ_NOT_SUPPORTED";
    case kServerUnavailable:
      return "RPC_S_SERVER_UNAVAILABLE";
    case kServerTooBusy:
      return "RPC_S_SERVER_TOO_BUSY";
    case kUnknownIf:
      return "RPC_S_UNKNOWN_IF";
    case kCallFailed:
      return "RPC_S_CALL_FAILED";
    case kCallFailedDne:
      return "RPC_S_CALL_FAILED_DNE";
    case kUnknownAuthnService:
      return "RPC_S_UNKNOWN_AUTHN_SERVICE";
    case kSecPkgError:
      return "RPC_S_SEC_PKG_ERROR";
    case kProtocolError:
      return "RPC_S_PROTOCOL_ERROR";
    case kBadStubData:
      return "rpc_x_bad_stub_data";
    case kCallCancelled:
      return "RPC_S_CALL_CANCELLED";
    case kFaultIntDivByZero:
      return "nca_s_fault_int_div_by_zero";
    case kFaultAddrError:
      return "nca_s_fault_addr_error";
    case kRpcVersionMismatch:
      return "nca_rpc_version_mismatch";
    case kUnspecReject:
      return "nca_unspec_reject";
    case kManagerNotEntered:
      return "nca_manager_not_entered";
    case kFaultCancel:
      return "nca_s_fault_cancel";
    case kFaultIntOverflow:
      return "nca_s_fault_int_overflow";
    case kFaultUnspec:
      return "nca_s_fault_unspec";
    case kFaultContextMismatch:
      return "nca_s_fault_context_mismatch";
    case kFaultRemoteNoMemory:
      return "nca_s_fault_remote_no_memory";
    case kInvalidPresContextId:
      return "nca_s_invalid_pres_context_id";
    case kCommFailure:
      return "nca_s_comm_failure";
    case kEptNotRegistered:
      return "ept_s_not_registered";
    case kOpRangeError:
      return "nca_s_op_rng_error";
    case kUnkIf:
      return "nca_s_unk_if";
    case kProtoError:
      return "nca_s_proto_error";
    case kOutArgsTooBig:
      return "nca_s_out_args_too_big";
    case kNcaServerTooBusy:
      return "nca_s_server_too_busy";
    default:
      break;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", s);
  return buf;
}

namespace {
std::string describe(uint32_t s, const std::string& detail) {
  char code[16];
  std::snprintf(code, sizeof code, "0x%08x", s);
  std::string text = "RPC call failed: " + statusName(s) + " (" + code + ")";
  if (!detail.empty()) text += ": " + detail;
  return text;
}
}  // namespace

RpcError::RpcError(uint32_t s) : std::runtime_error(describe(s, {})), status_(s) {}
RpcError::RpcError(uint32_t s, const std::string& detail)
    : std::runtime_error(describe(s, detail)), status_(s) {}
RpcError::RpcError(uint32_t s, const std::string& detail, bool didNotExecute)
    : std::runtime_error(describe(s, detail)), status_(s), didNotExecute_(didNotExecute) {}

}  // namespace midlrt::rpc
