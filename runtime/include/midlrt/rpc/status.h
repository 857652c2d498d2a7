// Status codes of the DCE/RPC runtime: wire fault statuses (C706 appendix E, MS-RPCE) and local failures.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace midlrt::rpc {

/// Fault statuses as they travel in fault PDUs and as the client reports them. Statuses found by the
/// client itself (connection lost, timeout, protocol violation) use the Win32 RPC_S_* values that a
/// Windows client would report for the same condition.
namespace status {
inline constexpr uint32_t kOk = 0;                            ///< rpc_s_ok: success
inline constexpr uint32_t kAccessDenied = 0x00000005;         ///< rpc_s_access_denied
inline constexpr uint32_t kTimeout = 0x000005b4;              ///< ERROR_TIMEOUT: a call's deadline passed
inline constexpr uint32_t kServerUnavailable = 0x000006ba;    ///< RPC_S_SERVER_UNAVAILABLE: connect failed
inline constexpr uint32_t kServerTooBusy = 0x000006bb;        ///< RPC_S_SERVER_TOO_BUSY: server shutting down
inline constexpr uint32_t kInvalidBinding = 0x000006a6;       ///< RPC_S_INVALID_BINDING (bad string binding)
inline constexpr uint32_t kProtseqNotSupported = 0x000006a7;  ///< RPC_S_PROTSEQ_NOT_SUPPORTED
inline constexpr uint32_t kUnknownIf = 0x000006b5;            ///< RPC_S_UNKNOWN_IF: bind rejected the iface
inline constexpr uint32_t kCallFailed = 0x000006be;     ///< RPC_S_CALL_FAILED: connection lost, server threw
inline constexpr uint32_t kCallFailedDne = 0x000006bf;  ///< RPC_S_CALL_FAILED_DNE: failed, did not execute
inline constexpr uint32_t kProtocolError = 0x000006c0;  ///< RPC_S_PROTOCOL_ERROR
inline constexpr uint32_t kUnknownAuthnService = 0x000006d3;  ///< RPC_S_UNKNOWN_AUTHN_SERVICE
inline constexpr uint32_t kBadStubData = 0x000006f7;          ///< RPC_X_BAD_STUB_DATA == nca_s_fault_ndr
inline constexpr uint32_t kCallCancelled = 0x0000071a;        ///< RPC_S_CALL_CANCELLED: abandoned locally
inline constexpr uint32_t kSecPkgError = 0x00000721;  ///< RPC_S_SEC_PKG_ERROR: a security package failed
inline constexpr uint32_t kReplyTooBig = 0x0000000e;  ///< ERROR_OUTOFMEMORY: reassembly limit exceeded

inline constexpr uint32_t kFaultIntDivByZero = 0x1c000001;   ///< nca_s_fault_int_div_by_zero
inline constexpr uint32_t kFaultAddrError = 0x1c000002;      ///< nca_s_fault_addr_error
inline constexpr uint32_t kRpcVersionMismatch = 0x1c000008;  ///< nca_rpc_version_mismatch
inline constexpr uint32_t kUnspecReject = 0x1c000009;        ///< nca_unspec_reject
inline constexpr uint32_t kManagerNotEntered = 0x1c00000c;   ///< nca_manager_not_entered
inline constexpr uint32_t kFaultCancel = 0x1c00000d;         ///< nca_s_fault_cancel
inline constexpr uint32_t kFaultIntOverflow = 0x1c000010;    ///< nca_s_fault_int_overflow
inline constexpr uint32_t kFaultUnspec = 0x1c000012;         ///< nca_s_fault_unspec
/// nca_s_fault_context_mismatch: a context handle the server does not know (or no longer holds).
inline constexpr uint32_t kFaultContextMismatch = 0x1c00001a;
inline constexpr uint32_t kFaultRemoteNoMemory = 0x1c00001b;  ///< nca_s_fault_remote_no_memory
/// nca_s_invalid_pres_context_id: a request names a presentation context not bound on the connection.
inline constexpr uint32_t kInvalidPresContextId = 0x1c00001c;
inline constexpr uint32_t kCommFailure = 0x1c010001;       ///< nca_s_comm_failure
inline constexpr uint32_t kOpRangeError = 0x1c010002;      ///< nca_s_op_rng_error: opnum >= operation count
inline constexpr uint32_t kUnkIf = 0x1c010003;             ///< nca_s_unk_if: unknown interface / context id
inline constexpr uint32_t kProtoError = 0x1c01000b;        ///< nca_s_proto_error
inline constexpr uint32_t kOutArgsTooBig = 0x1c010013;     ///< nca_s_out_args_too_big
inline constexpr uint32_t kNcaServerTooBusy = 0x1c010014;  ///< nca_s_server_too_busy (a fault)
/// ept_s_not_registered: the endpoint mapper knows no endpoint of the interface (C706 appendix O; DCE's
/// rpc_s_no_more_elements share the value).
inline constexpr uint32_t kEptNotRegistered = 0x16c9a0d6;
}  // namespace status

/// The symbolic name of a status ("nca_s_op_rng_error"), or "0x%08x" for codes this runtime does not name.
std::string statusName(uint32_t status);

/// A failed call: a fault from the server or a local failure, with its status and that status's name.
class RpcError : public std::runtime_error {
 public:
  /// what() says "RPC call failed: ", then statusName(status) and the code in hex.
  explicit RpcError(uint32_t status);
  /// As above, followed by ": " and `detail` (what went wrong, e.g. why a binding is malformed).
  RpcError(uint32_t status, const std::string& detail);
  /// As above, for a call the server guaranteed it did not run (`didNotExecute`; see didNotExecute()).
  RpcError(uint32_t status, const std::string& detail, bool didNotExecute);
  /// The status to report: for generated code, the [comm_status]/[fault_status] value or the fault to send.
  uint32_t status() const noexcept { return status_; }
  /// The server ran none of the call: its fault carried PFC_DID_NOT_EXECUTE (C706 12.6.3.1), or the bind
  /// before it was refused. Such a call may be retried.
  bool didNotExecute() const noexcept { return didNotExecute_; }

 private:
  uint32_t status_;
  bool didNotExecute_ = false;
};

}  // namespace midlrt::rpc
