// Connection-oriented DCE/RPC v5.0 PDUs (C706 chapter 12, MS-RPCE 2.2.2): pure encode and decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "midlrt/rpc/uuid.h"

/// The PDUs of the protocol as plain structures, with their encoders and decoders (no I/O).
namespace midlrt::rpc::pdu {

/// PTYPE: the connection-oriented PDU types (C706 12.6.4; the connectionless ones are not used).
enum class PType : uint8_t {
  kRequest = 0,
  kResponse = 2,
  kFault = 3,
  kBind = 11,
  kBindAck = 12,
  kBindNak = 13,
  kAlterContext = 14,
  kAlterContextResp = 15,
  kAuth3 = 16,
  kShutdown = 17,
  kCoCancel = 18,
  kOrphaned = 19,
};

/// @name pfc_flags
/// The header's flag bits (PFC_FIRST_FRAG, PFC_LAST_FRAG, ... in C706 12.6.3.1).
///@{
inline constexpr uint8_t kFirstFrag = 0x01;      ///< PFC_FIRST_FRAG
inline constexpr uint8_t kLastFrag = 0x02;       ///< PFC_LAST_FRAG
inline constexpr uint8_t kPendingCancel = 0x04;  ///< also PFC_SUPPORT_HEADER_SIGN in bind (MS-RPCE)
inline constexpr uint8_t kConcMpx = 0x10;        ///< PFC_CONC_MPX: calls multiplexed on the connection
inline constexpr uint8_t kDidNotExecute = 0x20;  ///< PFC_DID_NOT_EXECUTE (in a fault)
inline constexpr uint8_t kMaybe = 0x40;          ///< PFC_MAYBE: ignored, as MS-RPCE 2.2.2.2 allows
inline constexpr uint8_t kObjectUuid = 0x80;     ///< PFC_OBJECT_UUID: a request carries an object UUID
///@}

/// @name Header sizes
/// The fixed part of each PDU, in bytes.
///@{
inline constexpr size_t kHeaderSize = 16;          ///< the common header of every PDU
inline constexpr size_t kRequestHeaderSize = 24;   ///< +16 with PFC_OBJECT_UUID
inline constexpr size_t kResponseHeaderSize = 24;  ///< response
inline constexpr size_t kFaultHeaderSize = 32;     ///< fault (status and reserved word included)
///@}
/// C706 12.6.3.1: every implementation must accept fragments of this size; smaller offers are refused.
inline constexpr uint16_t kMinFragSize = 1432;
inline constexpr uint16_t kDefaultMaxFrag = 65528;  ///< largest multiple of 8 a u16 frag_length allows
/// The data representation label this runtime sends and accepts: little-endian integers, ASCII, IEEE floats.
inline constexpr uint8_t kDrepLittleEndianAscii[4] = {0x10, 0x00, 0x00, 0x00};
/// The protocol versions this runtime speaks, as a bind_nak lists them (p_rt_versions_supported_t,
/// MS-RPCE 2.2.1.1.6): 5.0, as MS-RPCE 1.7 and 3.3.1.5.1 constrain C706. 5.1 PDUs are accepted too.
inline constexpr std::pair<uint8_t, uint8_t> kSupportedVersion{5, 0};

/// The 16-byte common header of every connection-oriented PDU (C706 12.6.3.1).
struct Header {
  ///@{
  /// The C706 field of the same name (rpc_vers, rpc_vers_minor, PTYPE, pfc_flags, packed_drep,
  /// frag_length, auth_length, call_id).
  uint8_t rpcVers = 5;
  uint8_t rpcVersMinor = 0;
  PType type = PType::kRequest;
  uint8_t flags = 0;
  uint8_t drep[4] = {0x10, 0, 0, 0};
  uint16_t fragLength = 0;
  uint16_t authLength = 0;
  uint32_t callId = 0;
  ///@}
};

/// p_cont_def_result_t and p_provider_reason_t (C706 12.6.3.1), negotiate_ack from MS-RPCE 2.2.2.4.
enum class ContextResult : uint16_t {
  kAcceptance = 0,
  kUserRejection = 1,
  kProviderRejection = 2,
  kNegotiateAck = 3
};
/// Why a presentation context was rejected by the provider (p_provider_reason_t).
enum class ProviderReason : uint16_t {
  kNotSpecified = 0,
  kAbstractSyntaxNotSupported = 1,
  kTransferSyntaxesNotSupported = 2,
  kLocalLimitExceeded = 3,
};
/// p_reject_reason_t (C706) plus the two MS-RPCE additions.
enum class RejectReason : uint16_t {
  kNotSpecified = 0,
  kTemporaryCongestion = 1,
  kLocalLimitExceeded = 2,
  kCalledPaddrUnknown = 3,
  kProtocolVersionNotSupported = 4,
  kDefaultContextNotSupported = 5,
  kUserDataNotReadable = 6,
  kNoPsapAvailable = 7,
  kAuthenticationTypeNotRecognized = 8,
  kInvalidChecksum = 9,
};

/// One presentation context a bind proposes (p_cont_elem_t): an interface and the transfer syntaxes the
/// client can use for it.
struct ContextElement {
  uint16_t contextId = 0;                  ///< p_cont_id: what later requests name the context by
  SyntaxId abstractSyntax;                 ///< the interface
  std::vector<SyntaxId> transferSyntaxes;  ///< in the client's order of preference
};

/// bind and alter_context.
struct Bind {
  uint16_t maxXmitFrag = kDefaultMaxFrag;  ///< max_xmit_frag: the largest fragment the sender will send
  uint16_t maxRecvFrag = kDefaultMaxFrag;  ///< max_recv_frag: the largest fragment the sender accepts
  uint32_t assocGroupId = 0;               ///< the association group to join; 0 asks for a new one
  std::vector<ContextElement> contexts;    ///< p_context_elem: the presentation contexts proposed
};

/// The answer to one proposed presentation context (p_result_t).
struct ContextResultEntry {
  ContextResult result = ContextResult::kAcceptance;  ///< accepted, or rejected by whom
  uint16_t reason = 0;  ///< ProviderReason, or the feature bitmask for kNegotiateAck
  SyntaxId transferSyntax;  ///< the transfer syntax chosen (all zero when rejected)
};

/// bind_ack and alter_context_resp.
struct BindAck {
  uint16_t maxXmitFrag = kDefaultMaxFrag;  ///< the negotiated largest fragment the server will send
  uint16_t maxRecvFrag = kDefaultMaxFrag;  ///< the negotiated largest fragment the server accepts
  uint32_t assocGroupId = 0;               ///< the association group the connection is now in
  std::string secondaryAddress;  ///< port_any_t without its NUL; empty = length 0
  std::vector<ContextResultEntry> results;  ///< one per proposed context, in the bind's order
};

/// bind_nak: the whole bind was refused.
struct BindNak {
  RejectReason reason = RejectReason::kNotSpecified;  ///< provider_reject_reason
  std::vector<std::pair<uint8_t, uint8_t>> versions{kSupportedVersion};  ///< versions supported (major, minor)
  std::optional<Uuid> signature;  ///< MS-RPCE optional trailing UUID
};

/// The fixed part of a request PDU after the common header.
struct Request {
  uint32_t allocHint = 0;      ///< alloc_hint: stub data from this fragment on (a sizing hint; 0: unknown)
  uint16_t contextId = 0;      ///< p_cont_id: the interface, as bound
  uint16_t opnum = 0;          ///< the operation's number in its interface
  std::optional<Uuid> object;  ///< the object UUID (PFC_OBJECT_UUID set), e.g. an object interface's IPID
};

/// The fixed part of a response PDU after the common header.
struct Response {
  uint32_t allocHint = 0;   ///< alloc_hint: stub data from this fragment on (a sizing hint; 0: unknown)
  uint16_t contextId = 0;   ///< p_cont_id of the request
  uint8_t cancelCount = 0;  ///< how many cancels the server received for the call
};

/// The fixed part of a fault PDU after the common header: the call failed with `status`.
struct Fault {
  uint32_t allocHint = 0;   ///< alloc_hint (a fault carries no stub data here)
  uint16_t contextId = 0;   ///< p_cont_id of the request
  uint8_t cancelCount = 0;  ///< how many cancels the server received for the call
  uint8_t flags = 0;  ///< MS-RPCE: bit 0 = extended error information present
  uint32_t status = 0;  ///< the fault status (an nca_s_* or Win32 code; see rpc::status)
};

/// A decode failure: the peer violated the protocol. The connection is not usable afterwards.
class ProtocolError : public std::exception {
 public:
  /// `what` must be a string literal (or live as long as the error): it is not copied.
  explicit ProtocolError(const char* what) : what_(what) {}
  /// What was wrong with the PDU.
  const char* what() const noexcept override { return what_; }

 private:
  const char* what_;
};

/// @name Encoding
/// Except for the three header writers, each appends one whole PDU (header included, frag_length filled
/// in) to `out`.
///@{
/// Writes the 16-byte common header at `out`.
void encodeHeader(uint8_t* out, const Header& h);
/// bind or alter_context (`type`).
void encodeBind(std::vector<uint8_t>& out, PType type, uint8_t flags, uint32_t callId, const Bind& bind);
/// bind_ack or alter_context_resp (`type`).
void encodeBindAck(std::vector<uint8_t>& out, PType type, uint8_t flags, uint32_t callId, const BindAck& ack);
/// bind_nak.
void encodeBindNak(std::vector<uint8_t>& out, uint32_t callId, const BindNak& nak);
/// The request header's size: 24 bytes, 40 with an object UUID.
size_t requestHeaderSize(const Request& r);
/// Writes a request header (requestHeaderSize(r) bytes) at `out` for stubLength bytes of stub data that
/// follow it; PFC_OBJECT_UUID is set or cleared in `flags` as `r.object` says.
void encodeRequestHeader(uint8_t* out, uint8_t flags, uint32_t callId, const Request& r, size_t stubLength);
/// Writes a response header (24 bytes) at `out` for stubLength bytes of stub data that follow it.
void encodeResponseHeader(uint8_t* out, uint8_t flags, uint32_t callId, const Response& r, size_t stubLength);
/// A request fragment carrying the given stub data; throws ProtocolError if it exceeds 65535 bytes.
void encodeRequest(std::vector<uint8_t>& out, uint8_t flags, uint32_t callId, const Request& r,
                   const uint8_t* stub, size_t stubLength);
/// A response fragment carrying the given stub data; throws ProtocolError if it exceeds 65535 bytes.
void encodeResponse(std::vector<uint8_t>& out, uint8_t flags, uint32_t callId, const Response& r,
                    const uint8_t* stub, size_t stubLength);
/// A fault, as one fragment.
/// `pfcFlags`: pfc_flags besides PFC_FIRST_FRAG|PFC_LAST_FRAG (kDidNotExecute for a call no manager ran).
void encodeFault(std::vector<uint8_t>& out, uint32_t callId, const Fault& f, uint8_t pfcFlags = 0);
/// co_cancel, orphaned, shutdown: a bare header.
void encodeBare(std::vector<uint8_t>& out, PType type, uint8_t flags, uint32_t callId);
///@}

/// What decodeHeader found: a valid header, too few bytes yet, a well-formed header of a protocol version
/// this runtime does not speak, or a header to reject.
enum class HeaderStatus { kOk, kNeedMore, kUnsupportedVersion, kInvalid };
/// Reads the common header from the first `available` bytes. kNeedMore if fewer than 16 bytes; kInvalid if
/// data representation or frag_length are unacceptable (frag_length < 16, auth_length too big); else
/// kUnsupportedVersion if rpc_vers.rpc_vers_minor is not 5.0 or 5.1 (a server answers such a bind with
/// bind_nak, C706 12.6.4.5). Only little-endian/ASCII/IEEE peers are accepted.
HeaderStatus decodeHeader(const uint8_t* data, size_t available, Header& out);

/// A whole PDU in memory (frag_length bytes starting at data), header already validated.
struct View {
  Header header;  ///< the decoded common header
  const uint8_t* data = nullptr;  ///< start of the PDU
};

/// @name Decoding
/// The decoders throw ProtocolError on any inconsistency.
///@{
/// bind or alter_context.
Bind decodeBind(const View& v);
/// bind_ack or alter_context_resp.
BindAck decodeBindAck(const View& v);
/// bind_nak.
BindNak decodeBindNak(const View& v);
/// Request/response/fault: the fixed part, plus where the stub data is (auth verifier excluded).
struct Body {
  const uint8_t* stub = nullptr;  ///< the stub data, inside the View's PDU
  size_t stubLength = 0;          ///< its length in bytes
};
/// A request's fixed part; `body` gets its stub data.
Request decodeRequest(const View& v, Body& body);
/// A response's fixed part; `body` gets its stub data.
Response decodeResponse(const View& v, Body& body);
/// A fault.
Fault decodeFault(const View& v);
///@}

/// C706's name of a PDU type ("request", "bind_ack", ...), for diagnostics.
const char* ptypeName(PType t);

}  // namespace midlrt::rpc::pdu
