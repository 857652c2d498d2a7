// The unframing of a DCE-style Kerberos AP-REQ (runtime/src/rpc/dce_ap_req.h), for MIT's acceptor: directly
// and inside SPNEGO's NegTokenInit, with DER lengths short and long, and inputs that must be left alone.
#include "dce_ap_req.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {
using midlrt::rpc::detail::bareDceApReq;
using Bytes = std::vector<std::uint8_t>;

Bytes tlv(std::uint8_t tag, const Bytes& contents) {
  Bytes out{tag};
  const std::size_t n = contents.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  }
  out.insert(out.end(), contents.begin(), contents.end());
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const Bytes kKrb5Oid = tlv(0x06, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02});
const Bytes kMsKrb5Oid = tlv(0x06, {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02});
const Bytes kSpnegoOid = tlv(0x06, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02});

// A stand-in AP-REQ ([APPLICATION 14]) of `n` content bytes: only its tag is looked at.
Bytes apReq(std::size_t n) {
  Bytes contents(n);
  for (std::size_t i = 0; i < n; ++i) contents[i] = static_cast<std::uint8_t>(i);
  return tlv(0x6e, contents);
}

Bytes framed(const Bytes& oid, const Bytes& req) {
  return tlv(0x60, cat({oid, {0x01, 0x00}, req}));
}

Bytes negTokenInit(const Bytes& mechToken, const Bytes& mic = {}) {
  const Bytes mechTypes = tlv(0xa0, tlv(0x30, kMsKrb5Oid));
  Bytes fields = cat({mechTypes, tlv(0xa2, tlv(0x04, mechToken))});
  if (!mic.empty()) fields = cat({fields, tlv(0xa3, tlv(0x04, mic))});
  return tlv(0x60, cat({kSpnegoOid, tlv(0xa0, tlv(0x30, fields))}));
}

TEST(DceApReq, AFramedKerberosTokenIsMadeBare) {
  for (std::size_t n : {10u, 200u, 3000u}) {  // one-byte, 0x81 and 0x82 lengths
    const Bytes req = apReq(n);
    EXPECT_EQ(bareDceApReq(framed(kKrb5Oid, req), false), req) << n;
    EXPECT_EQ(bareDceApReq(framed(kMsKrb5Oid, req), false), req) << n;
  }
}

TEST(DceApReq, SpnegosMechTokenIsMadeBareAndTheRestKept) {
  for (std::size_t n : {10u, 200u, 3000u}) {
    const Bytes req = apReq(n);
    const Bytes mic{9, 8, 7};
    EXPECT_EQ(bareDceApReq(negTokenInit(framed(kKrb5Oid, req), mic), true), negTokenInit(req, mic)) << n;
  }
}

TEST(DceApReq, WhatIsBareAlreadyOrNotKerberosIsLeftAlone) {
  const Bytes req = apReq(40);
  EXPECT_FALSE(bareDceApReq(req, false));
  EXPECT_FALSE(bareDceApReq(negTokenInit(req), true));
  // Another mechanism's token, and a Kerberos token that is not an AP-REQ (TOK_ID 02 00: an AP-REP).
  EXPECT_FALSE(bareDceApReq(framed(kSpnegoOid, req), false));
  EXPECT_FALSE(bareDceApReq(tlv(0x60, cat({kKrb5Oid, {0x02, 0x00}, req})), false));
  // A framed token given where SPNEGO is expected, and the other way round.
  EXPECT_FALSE(bareDceApReq(framed(kKrb5Oid, req), true));
  EXPECT_FALSE(bareDceApReq(negTokenInit(framed(kKrb5Oid, req)), false));
}

TEST(DceApReq, MalformedDerIsLeftToTheProvider) {
  const Bytes good = negTokenInit(framed(kKrb5Oid, apReq(300)));
  // Every truncation, and every single byte changed to each of a few values: never a crash or an overread
  // (the sanitizer build checks), and a result only when the input still parses.
  for (std::size_t n = 0; n < good.size(); ++n) {
    const Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(bareDceApReq(cut, true)) << n;
    EXPECT_FALSE(bareDceApReq(cut, false)) << n;
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (std::uint8_t v : {0x00, 0x7f, 0x80, 0x84, 0x85, 0xff}) {
      Bytes changed = good;
      changed[i] = v;
      (void)bareDceApReq(changed, true);
      (void)bareDceApReq(changed, false);
    }
  }
  // Lengths longer than the input, long forms of five bytes, indefinite lengths.
  EXPECT_FALSE(bareDceApReq(Bytes{0x60, 0x84, 0xff, 0xff, 0xff, 0xff, 0x06}, false));
  EXPECT_FALSE(bareDceApReq(Bytes{0x60, 0x85, 0, 0, 0, 0, 1, 0x06}, false));
  EXPECT_FALSE(bareDceApReq(Bytes{0x60, 0x80, 0x06, 0x00, 0x00, 0x00}, true));
}

}  // namespace
