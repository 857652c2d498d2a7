// OBJREF, DUALSTRINGARRAY and MInterfacePointer (MS-DCOM 2.2.14, 2.2.18, 2.2.19): our encoder writes
// impacket's bytes, our decoder reads them back and the other forms Windows sends, and malformed references
// are refused with a DecodeError whatever byte they end at.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dcom_vectors.h"
#include "midlrt/com/objref.h"
#include "midlrt/ndr/error.h"

namespace midlrt::com {
namespace {

using test::bytesOf;

const IID kIid = *Guid::parse("00000143-0000-0000-c000-000000000046");
const Ipid kIpid = *Guid::parse("0102a0b0-c0d0-e0f0-0102-030405060708");

DualStringArray bindings() {
  return {{{kTowerNcacnIpTcp, u"127.0.0.1"}, {kTowerNcacnIpTcp, u"host.example[4242]"}},
          {{10, u""}, {16, u"host/server@EXAMPLE.ORG"}}};
}

ObjRef reference(DualStringArray resolver) {
  ObjRef r;
  r.iid = kIid;
  r.std.publicRefs = 5;
  r.std.oxid = 0x1122334455667788;
  r.std.oid = 0x0102030405060708;
  r.std.ipid = kIpid;
  r.resolver = std::move(resolver);
  return r;
}

void expectSame(const ObjRef& a, const ObjRef& b) {
  EXPECT_EQ(a.iid, b.iid);
  EXPECT_EQ(a.std.flags, b.std.flags);
  EXPECT_EQ(a.std.publicRefs, b.std.publicRefs);
  EXPECT_EQ(a.std.oxid, b.std.oxid);
  EXPECT_EQ(a.std.oid, b.std.oid);
  EXPECT_EQ(a.std.ipid, b.std.ipid);
  EXPECT_EQ(a.resolver, b.resolver);
}

template <class T>
std::vector<std::uint8_t> encodeNdr(const T& v) {
  ndr::Buffer b;
  ndr::Encoder e(b, 0);
  ndrWrite(e, v);
  return {b.data(), b.data() + b.size()};
}

template <class F>
void expectRefused(F&& f, const std::string& why) {
  try {
    f();
    ADD_FAILURE() << "accepted; expected: " << why;
  } catch (const ndr::DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

TEST(ObjRef, AStandardReferenceIsImpacketsBytes) {
  EXPECT_EQ(encodeObjRef(reference(bindings())), bytesOf("objref_standard"));
  expectSame(decodeObjRef(bytesOf("objref_standard")), reference(bindings()));
}

// No bindings at all: each list is an empty entry and its terminator (the specification's smallest array).
TEST(ObjRef, AReferenceWithoutBindingsIsImpacketsBytes) {
  EXPECT_EQ(encodeObjRef(reference({})), bytesOf("objref_no_bindings"));
  expectSame(decodeObjRef(bytesOf("objref_no_bindings")), reference({}));
}

// The activation properties' form (OBJREF_CUSTOM): impacket's bytes both ways; other forms and extensions
// are refused.
TEST(ObjRef, ACustomReferenceIsImpacketsBytes) {
  const std::string text = "activation properties";
  const CustomObjRef custom{*Guid::parse("000001a2-0000-0000-c000-000000000046"),
                            *Guid::parse("00000338-0000-0000-c000-000000000046"),
                            std::vector<std::uint8_t>(text.begin(), text.end())};
  EXPECT_EQ(encodeCustomObjRef(custom), bytesOf("objref_custom"));
  const CustomObjRef read = decodeCustomObjRef(bytesOf("objref_custom"));
  EXPECT_EQ(read.iid, custom.iid);
  EXPECT_EQ(read.clsid, custom.clsid);
  EXPECT_EQ(read.data, custom.data);

  std::vector<std::uint8_t> extended = bytesOf("objref_custom");
  extended[40] = 1;  // cbExtension
  expectRefused([&] { decodeCustomObjRef(extended); }, "cbExtension");
  expectRefused([&] { decodeCustomObjRef(bytesOf("objref_standard")); },
                "custom-marshaled reference was expected");
  const std::vector<std::uint8_t> custom44 = bytesOf("objref_custom");
  expectRefused([&] { decodeCustomObjRef({custom44.data(), 43}); }, "truncated");
}

TEST(ObjRef, AnInterfacePointerIsImpacketsBytes) {
  ndr::Buffer b;
  ndr::Encoder e(b, 0);
  writeInterfacePointer(e, reference(bindings()));
  EXPECT_EQ(std::vector<std::uint8_t>(b.data(), b.data() + b.size()), bytesOf("minterfacepointer"));
  const std::vector<std::uint8_t> wire = bytesOf("minterfacepointer");
  ndr::Decoder d(wire.data(), wire.size());
  expectSame(readInterfacePointer(d), reference(bindings()));
  EXPECT_EQ(d.remaining(), 0u);
}

TEST(ObjRef, TheNdrFormsAreImpacketsBytes) {
  StdObjRef s = reference({}).std;
  s.publicRefs = 1;
  EXPECT_EQ(encodeNdr(s), bytesOf("stdobjref_ndr"));
  EXPECT_EQ(encodeNdr(bindings()), bytesOf("dualstringarray_ndr"));

  const std::vector<std::uint8_t> wire = bytesOf("dualstringarray_ndr");
  ndr::Decoder d(wire.data(), wire.size());
  DualStringArray a;
  ndrRead(d, a);
  EXPECT_EQ(a, bindings());
  const std::vector<std::uint8_t> std = bytesOf("stdobjref_ndr");
  ndr::Decoder d2(std.data(), std.size());
  StdObjRef back;
  ndrRead(d2, back);
  EXPECT_EQ(back.publicRefs, 1u);
  EXPECT_EQ(back.oxid, s.oxid);
  EXPECT_EQ(back.ipid, kIpid);
}

// OBJREF_HANDLER (a CLSID after the STDOBJREF) and OBJREF_EXTENDED (a signature before the bindings, envoy
// elements after them) carry a standard reference, which is what is read.
TEST(ObjRef, HandlerAndExtendedFormsAreReadAsTheirStandardReference) {
  const std::vector<std::uint8_t> standard = bytesOf("objref_standard");
  const std::size_t afterStd = 4 + 4 + 16 + 40;
  std::vector<std::uint8_t> handler = standard;
  handler[4] = 2;
  handler.insert(handler.begin() + afterStd, 16, 0xcc);
  expectSame(decodeObjRef(handler), reference(bindings()));

  std::vector<std::uint8_t> extended = standard;
  extended[4] = 8;
  const std::uint8_t signature1[] = {0x56, 0x59, 0x53, 0x4e};
  extended.insert(extended.begin() + afterStd, signature1, signature1 + 4);
  extended.insert(extended.end(), 40, 0xee);  // nElms, Signature2 and an element, not interpreted
  expectSame(decodeObjRef(extended), reference(bindings()));
}

TEST(ObjRef, MalformedReferencesAreRefused) {
  const std::vector<std::uint8_t> good = bytesOf("objref_standard");
  // Every truncation is refused, never read past.
  for (std::size_t n = 0; n < good.size(); ++n) {
    const std::vector<std::uint8_t> cut(good.begin(), good.begin() + n);
    EXPECT_THROW(decodeObjRef(cut), ndr::DecodeError) << n << " bytes";
  }
  std::vector<std::uint8_t> w = good;
  w[0] = 'X';
  expectRefused([&] { decodeObjRef(w); }, "not MEOW");
  w = good;
  w[4] = 4;
  expectRefused([&] { decodeObjRef(w); }, "custom-marshaled");
  w = good;
  w[4] = 0x11;
  expectRefused([&] { decodeObjRef(w); }, "unknown flags 17");
  // wSecurityOffset (bytes 66-67) past wNumEntries.
  w = good;
  w[66] = 0x40;
  expectRefused([&] { decodeObjRef(w); }, "wSecurityOffset 64 past its 62 entries");
  // A string binding that runs into the security bindings: its terminator is cut off by the offset.
  w = good;
  w[66] = 4;
  expectRefused([&] { decodeObjRef(w); }, "an unterminated network address");
  // The last principal name without its NUL: the two terminating entries made non-zero.
  w = good;
  w[w.size() - 4] = 'x';
  w[w.size() - 2] = 'x';
  expectRefused([&] { decodeObjRef(w); }, "an unterminated principal name");
  // A security binding cut after its authnSvc.
  const std::uint16_t lone[] = {0, 0, 10};
  expectRefused([&] { unpack(lone, 2); }, "without its Reserved field");
}

TEST(ObjRef, MalformedInterfacePointersAreRefused) {
  const std::vector<std::uint8_t> good = bytesOf("minterfacepointer");
  std::vector<std::uint8_t> w = good;
  w[4] = 0xbf;  // ulCntData one less than the conformance
  expectRefused(
      [&] {
        ndr::Decoder d(w.data(), w.size());
        readInterfacePointer(d);
      },
      "MInterfacePointer ulCntData");
  // A huge count (consistent in both fields) is refused before anything is allocated.
  w = good;
  for (std::size_t at : {0u, 4u}) w[at] = 0, w[at + 1] = 0, w[at + 2] = 0, w[at + 3] = 0x10;
  expectRefused(
      [&] {
        ndr::Decoder d(w.data(), w.size());
        readInterfacePointer(d);
      },
      "more than 65536");
}

TEST(ObjRef, UnrepresentableBindingsAreNotWritten) {
  EXPECT_THROW(pack({{{0, u"x"}}, {}}), ndr::EncodeError);
  EXPECT_THROW(pack({{{kTowerNcacnIpTcp, std::u16string(u"a\0b", 3)}}, {}}), ndr::EncodeError);
  EXPECT_THROW(pack({{}, {{0, u""}}}), ndr::EncodeError);
  EXPECT_THROW(pack({{{kTowerNcacnIpTcp, std::u16string(70000, u'a')}}, {}}), ndr::EncodeError);
}

}  // namespace
}  // namespace midlrt::com
