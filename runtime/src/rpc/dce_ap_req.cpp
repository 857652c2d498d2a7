// Reading just enough DER (definite lengths only, as DER requires) to find and unframe a Kerberos AP-REQ.
#include "dce_ap_req.h"

#include <cstring>

namespace midlrt::rpc::detail {

namespace {

// One DER element: its tag byte, and where its contents are.
struct Tlv {
  std::uint8_t tag = 0;
  std::size_t headerSize = 0;
  std::span<const std::uint8_t> contents;
  std::size_t size() const { return headerSize + contents.size(); }
};

// The element at the start of `in` (single-byte tags, definite lengths of at most 4 bytes), if it fits.
std::optional<Tlv> readTlv(std::span<const std::uint8_t> in) {
  if (in.size() < 2 || (in[0] & 0x1f) == 0x1f) return std::nullopt;
  Tlv t;
  t.tag = in[0];
  std::size_t length = in[1];
  std::size_t header = 2;
  if (length & 0x80) {
    const std::size_t n = length & 0x7f;
    if (n == 0 || n > 4 || in.size() < 2 + n) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = length << 8 | in[2 + i];
    header += n;
  }
  if (length > in.size() - header) return std::nullopt;
  t.headerSize = header;
  t.contents = in.subspan(header, length);
  return t;
}

void appendLength(std::vector<std::uint8_t>& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::uint8_t bytes[sizeof(std::size_t)];
  std::size_t n = 0;
  for (std::size_t v = length; v != 0; v >>= 8) bytes[n++] = static_cast<std::uint8_t>(v);
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  while (n != 0) out.push_back(bytes[--n]);
}

// An element of tag `tag` around `contents`.
std::vector<std::uint8_t> wrapTlv(std::uint8_t tag, std::span<const std::uint8_t> contents) {
  std::vector<std::uint8_t> out{tag};
  appendLength(out, contents.size());
  out.insert(out.end(), contents.begin(), contents.end());
  return out;
}

bool isOid(const Tlv& t, std::span<const std::uint8_t> der) {
  return t.tag == 0x06 && t.contents.size() == der.size() &&
         std::memcmp(t.contents.data(), der.data(), der.size()) == 0;
}

// Kerberos 5 (1.2.840.113554.1.2.2) and the OID Windows' peers also name it by (1.2.840.48018.1.2.2).
constexpr std::uint8_t kKrb5Oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
constexpr std::uint8_t kMsKrb5Oid[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
constexpr std::uint8_t kSpnegoOid[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
constexpr std::uint8_t kApReqTokenId[] = {0x01, 0x00};  // TOK_ID of KRB_AP_REQ (RFC 4121 4.1)
constexpr std::uint8_t kApReqTag = 0x6e;                // [APPLICATION 14], KRB_AP_REQ

// The bare AP-REQ inside a framed Kerberos initial context token, if `token` is one.
std::optional<std::span<const std::uint8_t>> framedApReq(std::span<const std::uint8_t> token) {
  const auto outer = readTlv(token);
  if (!outer || outer->tag != 0x60 || outer->size() != token.size()) return std::nullopt;
  const auto oid = readTlv(outer->contents);
  if (!oid || !(isOid(*oid, kKrb5Oid) || isOid(*oid, kMsKrb5Oid))) return std::nullopt;
  const auto rest = outer->contents.subspan(oid->size());
  if (rest.size() < 3 || std::memcmp(rest.data(), kApReqTokenId, 2) != 0 || rest[2] != kApReqTag)
    return std::nullopt;
  return rest.subspan(2);
}

}  // namespace

std::optional<std::vector<std::uint8_t>> bareDceApReq(std::span<const std::uint8_t> token, bool spnego) {
  if (!spnego) {
    const auto bare = framedApReq(token);
    if (!bare) return std::nullopt;
    return std::vector<std::uint8_t>(bare->begin(), bare->end());
  }
  // NegTokenInit: [APPLICATION 0] { spnego OID, [0] SEQUENCE { [0] mechTypes, [1] reqFlags OPTIONAL,
  // [2] mechToken OCTET STRING OPTIONAL, [3] mechListMIC OPTIONAL } } (RFC 4178 4.2.1). Rebuilt from the
  // inside out with the mechToken's contents made bare; everything else is kept byte for byte.
  const auto outer = readTlv(token);
  if (!outer || outer->tag != 0x60 || outer->size() != token.size()) return std::nullopt;
  const auto oid = readTlv(outer->contents);
  if (!oid || !isOid(*oid, kSpnegoOid)) return std::nullopt;
  const auto choice = readTlv(outer->contents.subspan(oid->size()));
  if (!choice || choice->tag != 0xa0) return std::nullopt;
  const auto sequence = readTlv(choice->contents);
  if (!sequence || sequence->tag != 0x30) return std::nullopt;
  std::vector<std::uint8_t> fields;
  bool changed = false;
  for (auto rest = sequence->contents; !rest.empty();) {
    const auto field = readTlv(rest);
    if (!field) return std::nullopt;
    std::optional<std::span<const std::uint8_t>> bare;
    if (field->tag == 0xa2) {
      const auto octets = readTlv(field->contents);
      if (octets && octets->tag == 0x04) bare = framedApReq(octets->contents);
    }
    if (bare) {
      const auto inner = wrapTlv(0x04, *bare);
      const auto rebuilt = wrapTlv(0xa2, inner);
      fields.insert(fields.end(), rebuilt.begin(), rebuilt.end());
      changed = true;
    } else {
      fields.insert(fields.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(field->size()));
    }
    rest = rest.subspan(field->size());
  }
  if (!changed) return std::nullopt;
  std::vector<std::uint8_t> body(outer->contents.begin(),
                                 outer->contents.begin() + static_cast<std::ptrdiff_t>(oid->size()));
  const auto rebuiltChoice = wrapTlv(0xa0, wrapTlv(0x30, fields));
  body.insert(body.end(), rebuiltChoice.begin(), rebuiltChoice.end());
  return wrapTlv(0x60, body);
}

}  // namespace midlrt::rpc::detail
