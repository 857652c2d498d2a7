// Internal: the auth verifier of connection-oriented PDUs (sec_trailer and auth_value, MS-RPCE 2.2.2.11 and
// 3.3.1.5.2) and a connection's security: the legs' tokens in bind, bind_ack, alter_context(_resp) and
// auth3, and the signatures and seals of requests and responses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gss_context.h"
#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/security.h"

namespace midlrt::rpc::detail {

// sec_trailer: the 8 bytes before the auth_value.
struct SecTrailer {
  std::uint8_t authType = 0;    // auth_type: the AuthnService
  std::uint8_t authLevel = 0;   // auth_level: the AuthnLevel
  std::uint8_t padLength = 0;   // auth_pad_length: padding before the trailer
  std::uint32_t contextId = 0;  // auth_context_id
};
inline constexpr std::size_t kSecTrailerSize = 8;
// Request and response stub data are padded so that the trailer starts 16-byte aligned from the start of
// the stub data (MS-RPCE 2.2.2.11; what Windows and Samba send); bind and the others align it to 4.
inline constexpr std::size_t kStubPadAlignment = 16;

// A received PDU's verifier (the PDU's auth_length is not 0).
struct Verifier {
  SecTrailer trailer;
  std::size_t trailerOffset = 0;        // from the start of the PDU
  std::span<const std::uint8_t> value;  // auth_value
};
// Throws pdu::ProtocolError if the trailer does not fit (decodeHeader checked the lengths already).
Verifier readVerifier(const pdu::View& v);

// Appends padding to align the PDU being written at out[pduStart...] to `align` from `alignFrom`, then the
// trailer (its padLength set) and `value`; sets the PDU's frag_length and auth_length.
void appendVerifier(std::vector<std::uint8_t>& out, std::size_t pduStart, std::size_t alignFrom,
                    std::size_t align, SecTrailer trailer, std::span<const std::uint8_t> value);

// One connection's security context and what it protects. The client's and the server's ends alike.
class ConnectionSecurity {
 public:
  ConnectionSecurity(AuthnService service, AuthnLevel level, std::uint32_t contextId,
                     std::unique_ptr<GssContext> gss)
      : service_(service), level_(level), contextId_(contextId), gss_(std::move(gss)) {}

  AuthnService service() const { return service_; }
  AuthnLevel level() const { return level_; }
  std::uint32_t contextId() const { return contextId_; }
  GssContext& gss() { return *gss_; }
  bool established() const { return gss_->established(); }
  // Whether signatures cover the header and trailer as well as the stub data: NTLM's always do; Kerberos's
  // only when both ends said so in bind and bind_ack (PFC_SUPPORT_HEADER_SIGN, MS-RPCE 3.3.1.5.2.2).
  bool signsHeader() const { return signHeader_ || service_ == AuthnService::kWinNT; }
  void setHeaderSigning(bool on) { signHeader_ = on; }
  // Requests and responses carry a verifier (pkt_integrity and pkt_privacy, once established).
  bool protects() const { return level_ >= AuthnLevel::kPktIntegrity && gss_->established(); }
  // The most a protected fragment grows by: padding, trailer and signature. Fragments are laid out that
  // much smaller than the negotiated size.
  std::size_t overhead() const;
  // The trailer of the legs' PDUs.
  SecTrailer trailer() const;

  // Protects the request or response PDU at out[pduStart...], laid out without a verifier (its header's
  // frag_length covering header and stub data, which starts `stubOffset` bytes in): pads it, appends the
  // trailer and the signature (encrypting the stub data at pkt_privacy). False if the provider failed.
  bool protect(std::vector<std::uint8_t>& out, std::size_t pduStart, std::size_t stubOffset);
  // Verifies the received request or response at `pdu` (decrypting its stub data in place at
  // pkt_privacy): a verifier of this context, at its level, whose signature holds. False: refuse the PDU
  // (error() says why).
  bool unprotect(std::uint8_t* pdu, const pdu::Header& h, std::size_t stubOffset);
  const std::string& error() const { return error_; }

 private:
  AuthnService service_;
  AuthnLevel level_;
  std::uint32_t contextId_;
  std::unique_ptr<GssContext> gss_;
  bool signHeader_ = false;
  std::string error_;
};

// A protected PDU's scratch buffer, after use: kept for the next PDUs unless a large request or response
// grew it past 1 MiB, so that one large call does not hold its size for the connection's life.
inline void releaseIfLarge(std::vector<std::uint8_t>& scratch) {
  if (scratch.capacity() > (std::size_t{1} << 20)) std::vector<std::uint8_t>().swap(scratch);
}

// The stub data's offset in a request (24, or 40 with an object UUID) or response (24) PDU.
inline std::size_t requestStubOffset(std::uint8_t pfcFlags) {
  return (pfcFlags & pdu::kObjectUuid) ? 40 : 24;
}
inline std::size_t stubOffsetOf(const pdu::Header& h) {
  return h.type == pdu::PType::kRequest ? requestStubOffset(h.flags) : pdu::kResponseHeaderSize;
}

}  // namespace midlrt::rpc::detail
