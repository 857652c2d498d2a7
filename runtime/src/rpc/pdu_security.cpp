// The auth verifier of connection-oriented PDUs and the protection of requests and responses with it.
#include "pdu_security.h"

#include <cstring>

namespace midlrt::rpc::detail {

namespace {
void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
std::uint32_t get32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
void writeTrailer(std::uint8_t* p, const SecTrailer& t) {
  p[0] = t.authType;
  p[1] = t.authLevel;
  p[2] = t.padLength;
  p[3] = 0;  // auth_reserved
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<std::uint8_t>(t.contextId >> (8 * i));
}
}  // namespace

Verifier readVerifier(const pdu::View& v) {
  const std::size_t len = v.header.authLength;
  if (len == 0 || len + kSecTrailerSize + pdu::kHeaderSize > v.header.fragLength)
    throw pdu::ProtocolError("auth verifier does not fit the PDU");
  Verifier r;
  r.trailerOffset = v.header.fragLength - len - kSecTrailerSize;
  const std::uint8_t* t = v.data + r.trailerOffset;
  r.trailer.authType = t[0];
  r.trailer.authLevel = t[1];
  r.trailer.padLength = t[2];
  r.trailer.contextId = get32(t + 4);
  r.value = {t + kSecTrailerSize, len};
  return r;
}

void appendVerifier(std::vector<std::uint8_t>& out, std::size_t pduStart, std::size_t alignFrom,
                    std::size_t align, SecTrailer trailer, std::span<const std::uint8_t> value) {
  const std::size_t body = out.size() - pduStart - alignFrom;
  const std::size_t pad = (align - body % align) % align;
  trailer.padLength = static_cast<std::uint8_t>(pad);
  out.resize(out.size() + pad + kSecTrailerSize);
  writeTrailer(out.data() + out.size() - kSecTrailerSize, trailer);
  out.insert(out.end(), value.begin(), value.end());
  const std::size_t frag = out.size() - pduStart;
  if (frag > 0xffff || value.size() > 0xffff)
    throw pdu::ProtocolError("PDU with its verifier exceeds 64 KiB");
  put16(out.data() + pduStart + 8, static_cast<std::uint16_t>(frag));
  put16(out.data() + pduStart + 10, static_cast<std::uint16_t>(value.size()));
}

std::size_t ConnectionSecurity::overhead() const {
  return kStubPadAlignment - 1 + kSecTrailerSize + gss_->signatureSize(level_);
}

SecTrailer ConnectionSecurity::trailer() const {
  SecTrailer t;
  t.authType = static_cast<std::uint8_t>(service_);
  t.authLevel = static_cast<std::uint8_t>(level_);
  t.contextId = contextId_;
  return t;
}

bool ConnectionSecurity::protect(std::vector<std::uint8_t>& out, std::size_t pduStart,
                                 std::size_t stubOffset) {
  const std::size_t sigSize = gss_->signatureSize(level_);
  // The signature is a placeholder until the header (frag_length, auth_length) and trailer are final.
  static constexpr std::uint8_t kZeros[128] = {};
  if (sigSize > sizeof kZeros) {
    error_ = "the provider's signature is too long";
    return false;
  }
  appendVerifier(out, pduStart, stubOffset, kStubPadAlignment, trailer(), {kZeros, sigSize});
  std::uint8_t* p = out.data() + pduStart;
  const std::size_t trailerAt = out.size() - pduStart - sigSize - kSecTrailerSize;
  // The signature covers the whole PDU up to itself, or the stub data and its padding alone without
  // header signing; at pkt_privacy the stub data and its padding are encrypted (MS-RPCE 3.3.1.5.2.2).
  const std::size_t h = signsHeader() ? stubOffset : 0;
  const std::size_t t = signsHeader() ? kSecTrailerSize : 0;
  if (!gss_->wrap({p + stubOffset - h, h}, {p + stubOffset, trailerAt - stubOffset}, {p + trailerAt, t},
                  p + trailerAt + kSecTrailerSize, level_ == AuthnLevel::kPktPrivacy)) {
    error_ = gss_->error();
    return false;
  }
  return true;
}

bool ConnectionSecurity::unprotect(std::uint8_t* pdu, const pdu::Header& h, std::size_t stubOffset) {
  if (h.authLength == 0) {
    error_ = "a PDU without the connection's verifier";
    return false;
  }
  pdu::View v{h, pdu};
  Verifier ver = readVerifier(v);
  if (ver.trailer.authType != static_cast<std::uint8_t>(service_) ||
      ver.trailer.authLevel != static_cast<std::uint8_t>(level_) || ver.trailer.contextId != contextId_) {
    error_ = "a verifier of another security context or level";
    return false;
  }
  if (ver.trailerOffset < stubOffset || ver.trailer.padLength > ver.trailerOffset - stubOffset) {
    error_ = "auth padding longer than the stub data";
    return false;
  }
  const std::size_t t = ver.trailerOffset;
  const std::size_t before = signsHeader() ? stubOffset : 0;
  const std::size_t after = signsHeader() ? kSecTrailerSize : 0;
  if (!gss_->unwrap({pdu + stubOffset - before, before}, {pdu + stubOffset, t - stubOffset}, {pdu + t, after},
                    pdu + t + kSecTrailerSize, h.authLength, level_ == AuthnLevel::kPktPrivacy)) {
    error_ = gss_->error();
    return false;
  }
  return true;
}

}  // namespace midlrt::rpc::detail
