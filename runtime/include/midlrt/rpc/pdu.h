// Connection-oriented DCE/RPC v5.0 PDUs (C706 chapter 12, MS-RPCE 2.2.2): pure encode and decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc::pdu {

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

/// pfc_flags.
inline constexpr uint8_t kFirstFrag = 0x01;
inline constexpr uint8_t kLastFrag = 0x02;
inline constexpr uint8_t kPendingCancel = 0x04;  ///< also PFC_SUPPORT_HEADER_SIGN in bind (MS-RPCE)
inline constexpr uint8_t kConcMpx = 0x10;
inline constexpr uint8_t kDidNotExecute = 0x20;
inline constexpr uint8_t kMaybe = 0x40;
inline constexpr uint8_t kObjectUuid = 0x80;

inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kRequestHeaderSize = 24;  ///< +16 with PFC_OBJECT_UUID
inline constexpr size_t kResponseHeaderSize = 24;
inline constexpr size_t kFaultHeaderSize = 32;
/// C706 12.6.3.1: every implementation must accept fragments of this size; smaller offers are refused.
inline constexpr uint16_t kMinFragSize = 1432;
inline constexpr uint16_t kDefaultMaxFrag = 65528;  ///< largest multiple of 8 a u16 frag_length allows
inline constexpr uint8_t kDrepLittleEndianAscii[4] = {0x10, 0x00, 0x00, 0x00};

struct Header {
  uint8_t rpcVers = 5;
  uint8_t rpcVersMinor = 0;
  PType type = PType::kRequest;
  uint8_t flags = 0;
  uint8_t drep[4] = {0x10, 0, 0, 0};
  uint16_t fragLength = 0;
  uint16_t authLength = 0;
  uint32_t callId = 0;
};

/// p_cont_def_result_t and p_provider_reason_t (C706 12.6.3.1), negotiate_ack from MS-RPCE 2.2.2.4.
enum class ContextResult : uint16_t {
  kAcceptance = 0,
  kUserRejection = 1,
  kProviderRejection = 2,
  kNegotiateAck = 3
};
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

struct ContextElement {
  uint16_t contextId = 0;
  SyntaxId abstractSyntax;
  std::vector<SyntaxId> transferSyntaxes;
};

/// bind and alter_context.
struct Bind {
  uint16_t maxXmitFrag = kDefaultMaxFrag;
  uint16_t maxRecvFrag = kDefaultMaxFrag;
  uint32_t assocGroupId = 0;
  std::vector<ContextElement> contexts;
};

struct ContextResultEntry {
  ContextResult result = ContextResult::kAcceptance;
  uint16_t reason = 0;  ///< ProviderReason, or the feature bitmask for kNegotiateAck
  SyntaxId transferSyntax;
};

/// bind_ack and alter_context_resp.
struct BindAck {
  uint16_t maxXmitFrag = kDefaultMaxFrag;
  uint16_t maxRecvFrag = kDefaultMaxFrag;
  uint32_t assocGroupId = 0;
  std::string secondaryAddress;  ///< port_any_t without its NUL; empty = length 0
  std::vector<ContextResultEntry> results;
};

struct BindNak {
  RejectReason reason = RejectReason::kNotSpecified;
  std::vector<std::pair<uint8_t, uint8_t>> versions{{5, 0}};
  std::optional<Uuid> signature;  ///< MS-RPCE optional trailing UUID
};

struct Request {
  uint32_t allocHint = 0;
  uint16_t contextId = 0;
  uint16_t opnum = 0;
  std::optional<Uuid> object;
};

struct Response {
  uint32_t allocHint = 0;
  uint16_t contextId = 0;
  uint8_t cancelCount = 0;
};

struct Fault {
  uint32_t allocHint = 0;
  uint16_t contextId = 0;
  uint8_t cancelCount = 0;
  uint8_t flags = 0;  ///< MS-RPCE: bit 0 = extended error information present
  uint32_t status = 0;
};

/// A decode failure: the peer violated the protocol. The connection is not usable afterwards.
class ProtocolError : public std::exception {
 public:
  explicit ProtocolError(const char* what) : what_(what) {}
  const char* what() const noexcept override { return what_; }

 private:
  const char* what_;
};

/// ---- encoding: each appends one whole PDU (header included, frag_length filled in) to out ----
void encodeHeader(uint8_t* out, const Header& h);
void encodeBind(std::vector<uint8_t>& out, PType type, uint8_t flags, uint32_t callId, const Bind& bind);
void encodeBindAck(std::vector<uint8_t>& out, PType type, uint8_t flags, uint32_t callId, const BindAck& ack);
void encodeBindNak(std::vector<uint8_t>& out, uint32_t callId, const BindNak& nak);
/// Writes a request header (24 bytes, 40 with object) for stubLength bytes of stub data.
size_t requestHeaderSize(const Request& r);
void encodeRequestHeader(uint8_t* out, uint8_t flags, uint32_t callId, const Request& r, size_t stubLength);
void encodeResponseHeader(uint8_t* out, uint8_t flags, uint32_t callId, const Response& r, size_t stubLength);
void encodeRequest(std::vector<uint8_t>& out, uint8_t flags, uint32_t callId, const Request& r,
                   const uint8_t* stub, size_t stubLength);
void encodeResponse(std::vector<uint8_t>& out, uint8_t flags, uint32_t callId, const Response& r,
                    const uint8_t* stub, size_t stubLength);
void encodeFault(std::vector<uint8_t>& out, uint32_t callId, const Fault& f);
/// co_cancel, orphaned, shutdown: a bare header.
void encodeBare(std::vector<uint8_t>& out, PType type, uint8_t flags, uint32_t callId);

/// ---- decoding ----
enum class HeaderStatus { kOk, kNeedMore, kInvalid };
/// Reads the common header from the first `available` bytes. kNeedMore if fewer than 16 bytes; kInvalid if
/// version, data representation or frag_length are unacceptable (frag_length < 16, auth_length too big).
/// Only little-endian/ASCII/IEEE peers are accepted.
HeaderStatus decodeHeader(const uint8_t* data, size_t available, Header& out);

/// A whole PDU in memory (frag_length bytes starting at data), header already validated.
struct View {
  Header header;
  const uint8_t* data = nullptr;  ///< start of the PDU
};

/// The decoders throw ProtocolError on any inconsistency.
Bind decodeBind(const View& v);
BindAck decodeBindAck(const View& v);
BindNak decodeBindNak(const View& v);
/// Request/response/fault: the fixed part, plus where the stub data is (auth verifier excluded).
struct Body {
  const uint8_t* stub = nullptr;
  size_t stubLength = 0;
};
Request decodeRequest(const View& v, Body& body);
Response decodeResponse(const View& v, Body& body);
Fault decodeFault(const View& v);

const char* ptypeName(PType t);

}  // namespace midlrt::rpc::pdu
