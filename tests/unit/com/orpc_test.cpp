// ORPCTHIS and ORPCTHAT (MS-DCOM 2.2.13): our encoder writes impacket's bytes, our decoder reads them back,
// and malformed extension counts are refused before anything is allocated.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dcom_vectors.h"
#include "midlrt/com/orpc.h"
#include "midlrt/ndr/error.h"

namespace midlrt::com {
namespace {

using test::bytesOf;

const Guid kCid = *Guid::parse("12345678-9abc-def0-1122-334455667788");
const Guid kFirst = *Guid::parse("aabbccdd-0011-2233-4455-66778899aabb");
const Guid kSecond = *Guid::parse("00000001-0002-0003-0405-060708090a0b");

std::vector<std::uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

template <class T>
std::vector<std::uint8_t> encode(const T& v) {
  ndr::Buffer b;
  ndr::Encoder e(b, 0);
  ndrWrite(e, v);
  return {b.data(), b.data() + b.size()};
}

template <class T>
T decode(const std::vector<std::uint8_t>& wire) {
  T v;
  ndr::Decoder d(wire.data(), wire.size());
  ndrRead(d, v);
  EXPECT_EQ(d.remaining(), 0u);
  return v;
}

OrpcThis thisWith(std::vector<OrpcExtent> extents) {
  OrpcThis t;
  t.cid = kCid;
  t.extensions = std::move(extents);
  return t;
}

TEST(Orpc, OrpcThisWithoutExtensionsIsImpacketsBytes) {
  EXPECT_EQ(encode(thisWith({})), bytesOf("orpcthis_no_extensions"));
  OrpcThis t = decode<OrpcThis>(bytesOf("orpcthis_no_extensions"));
  EXPECT_EQ(t.version.major, 5);
  EXPECT_EQ(t.version.minor, 7);
  EXPECT_EQ(t.flags, 0u);
  EXPECT_EQ(t.cid, kCid);
  EXPECT_TRUE(t.extensions.empty());
}

// One extent: its data is padded to 8 bytes and the pointer array rounded to 2 entries (one NULL).
TEST(Orpc, OrpcThisWithOneExtentIsImpacketsBytes) {
  EXPECT_EQ(encode(thisWith({{kFirst, bytes("hello")}})), bytesOf("orpcthis_one_extent"));
  OrpcThis t = decode<OrpcThis>(bytesOf("orpcthis_one_extent"));
  ASSERT_EQ(t.extensions.size(), 1u);
  EXPECT_EQ(t.extensions[0].id, kFirst);
  EXPECT_EQ(t.extensions[0].data, bytes("hello"));
}

TEST(Orpc, OrpcThisWithTwoExtentsIsImpacketsBytes) {
  const std::vector<OrpcExtent> two{{kFirst, bytes("twelve bytes")}, {kSecond, bytes("8 bytes!")}};
  EXPECT_EQ(encode(thisWith(two)), bytesOf("orpcthis_two_extents"));
  OrpcThis t = decode<OrpcThis>(bytesOf("orpcthis_two_extents"));
  ASSERT_EQ(t.extensions.size(), 2u);
  EXPECT_EQ(t.extensions[0].data, bytes("twelve bytes"));
  EXPECT_EQ(t.extensions[1].id, kSecond);
  EXPECT_EQ(t.extensions[1].data, bytes("8 bytes!"));
}

TEST(Orpc, OrpcThatIsImpacketsBytes) {
  EXPECT_EQ(encode(OrpcThat{}), bytesOf("orpcthat_no_extensions"));
  OrpcThat t;
  t.flags = 7;
  t.extensions = {{kFirst, bytes("hello")}};
  EXPECT_EQ(encode(t), bytesOf("orpcthat_one_extent"));
  OrpcThat back = decode<OrpcThat>(bytesOf("orpcthat_one_extent"));
  EXPECT_EQ(back.flags, 7u);
  ASSERT_EQ(back.extensions.size(), 1u);
  EXPECT_EQ(back.extensions[0].data, bytes("hello"));
}

// The counts the wire carries are checked against each other and against what is left, before anything is
// allocated: a hostile size cannot make the receiver reserve memory.
TEST(Orpc, MalformedExtensionCountsAreRefused) {
  const std::vector<std::uint8_t> good = bytesOf("orpcthis_one_extent");
  auto refused = [](std::vector<std::uint8_t> wire, const std::string& why) {
    OrpcThis t;
    ndr::Decoder d(wire.data(), wire.size());
    try {
      ndrRead(d, t);
      ADD_FAILURE() << "accepted; expected: " << why;
    } catch (const ndr::DecodeError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  std::vector<std::uint8_t> w = good;
  // Offsets: the flat part is 32 bytes; then size (32), reserved (36), the array's pointer (40), its count
  // (44), the extent pointers (48, 52), and the extent: its data's count (56), id, size (76), data (80).
  w[32] = 3;  // size 3: the array holds 2 pointers, not (3+1)&~1 = 4
  refused(w, "'ORPC_EXTENT_ARRAY (size+1)&~1' is 4 but the array carries 2");
  w = good;
  w[32] = 0xff, w[33] = 0xff, w[34] = 0xff, w[35] = 0x7f;  // size 0x7fffffff
  w[44] = 0x00, w[45] = 0x00, w[46] = 0x00, w[47] = 0x80;  // with the matching count
  refused(w, "more than 64");
  w = good;
  w[56] = 16;  // 16 data bytes for size 5 (they must be (5+7)&~7 = 8)
  refused(w, "'ORPC_EXTENT (size+7)&~7' is 8 but the array carries 16");
  w = good;
  w.resize(w.size() - 4);  // truncated data
  refused(w, "exceeds the 4 bytes remaining");
  // More extents than kMaxOrpcExtents, with consistent counts.
  w = good;
  w[32] = kMaxOrpcExtents + 1;
  w[44] = kMaxOrpcExtents + 2;
  refused(w, "65 extents, more than 64");
}

TEST(Orpc, ARoundingEntryASenderFillsIsReadButNotKept) {
  // Two extents on the wire, size 1: the second pointer is the rounding's, which a sender should leave NULL.
  std::vector<std::uint8_t> w = bytesOf("orpcthis_two_extents");
  w[32] = 1;
  OrpcThis t = decode<OrpcThis>(w);
  ASSERT_EQ(t.extensions.size(), 1u);
  EXPECT_EQ(t.extensions[0].data, bytes("twelve bytes"));
}

}  // namespace
}  // namespace midlrt::com
