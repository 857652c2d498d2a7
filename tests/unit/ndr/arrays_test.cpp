// Arrays (fixed, conformant, varying, conformant-varying), strings, and structs with hoisted conformance,
// written by hand the way generated code will write them.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "test_util.h"

namespace midlrt::ndr {
namespace {

using test::decoderFor;
using test::encodeHex;
using test::fromHex;
using test::toHex;

TEST(NdrArrays, FixedArrayIsItsElementsWithNoCounts) {
  const std::array<std::int16_t, 3> a{1, 2, 3};
  const std::string hex = encodeHex([&](Encoder& e) { e.writeBulk(a.data(), a.size()); });
  EXPECT_EQ(hex, "010002000300");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  std::array<std::int16_t, 3> back{};
  d.readBulk(back.data(), back.size());
  EXPECT_EQ(back, a);
}

TEST(NdrArrays, ConformantArrayIsMaxCountThenElements) {
  const std::vector<std::int32_t> a{10, -1};
  const std::string hex = encodeHex([&](Encoder& e) { e.writeConformantArray(a.data(), a.size()); });
  EXPECT_EQ(hex, "020000000a000000ffffffff");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  std::vector<std::int32_t> back;
  d.readConformantArray(back);
  EXPECT_EQ(back, a);
}

TEST(NdrArrays, ConformantArrayOfHypersAlignsElementsToEightAfterTheCount) {
  const std::vector<std::uint64_t> a{1};
  const std::string hex = encodeHex([&](Encoder& e) { e.writeConformantArray(a.data(), a.size()); });
  EXPECT_EQ(hex, "01000000000000000100000000000000");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  std::vector<std::uint64_t> back;
  d.readConformantArray(back);
  EXPECT_EQ(back, a);
}

TEST(NdrArrays, EmptyConformantArrayIsJustItsCount) {
  const std::vector<std::uint16_t> a;
  const std::string hex = encodeHex([&](Encoder& e) { e.writeConformantArray(a.data(), a.size()); });
  EXPECT_EQ(hex, "00000000");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  std::vector<std::uint16_t> back{7};
  d.readConformantArray(back);
  EXPECT_TRUE(back.empty());
}

TEST(NdrArrays, VaryingArrayIsOffsetAndActualCountThenTheTransmittedElements) {
  // [length_is(2)] short a[5]
  const std::array<std::int16_t, 5> a{1, 2, 0, 0, 0};
  const std::string hex = encodeHex([&](Encoder& e) { e.writeVaryingArray(a.data(), 2); });
  EXPECT_EQ(hex,
            "00000000020000000100"
            "0200");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  std::vector<std::int16_t> back;
  const Variance v = d.readVaryingArray(back, 5);
  EXPECT_EQ(v.offset, 0u);
  EXPECT_EQ(v.actualCount, 2u);
  EXPECT_EQ(back, (std::vector<std::int16_t>{1, 2}));
}

TEST(NdrArrays, ConformantVaryingArrayIsMaxOffsetActualThenElements) {
  // [size_is(4), length_is(3)] long* p
  const std::vector<std::int32_t> a{7, 8, 9};
  const std::string hex =
      encodeHex([&](Encoder& e) { e.writeConformantVaryingArray(a.data(), a.size(), 4); });
  EXPECT_EQ(hex,
            "04000000"
            "00000000"
            "03000000"
            "07000000"
            "08000000"
            "09000000");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  std::vector<std::int32_t> back;
  std::uint32_t max = 0;
  const Variance v = d.readConformantVaryingArray(back, max);
  EXPECT_EQ(max, 4u);
  EXPECT_EQ(v.actualCount, 3u);
  EXPECT_EQ(back, a);
}

TEST(NdrArrays, ConformantVaryingArrayWithMoreElementsThanMaxCountIsAnEncodeError) {
  const std::vector<std::int32_t> a{1, 2, 3};
  Buffer b;
  Encoder e(b);
  EXPECT_THROW(e.writeConformantVaryingArray(a.data(), a.size(), 2), EncodeError);
}

TEST(NdrArrays, VaryingArrayWithANonzeroOffsetIsAccepted) {
  const auto bytes = fromHex(
      "04000000"
      "02000000"
      "02000000"
      "01000000"
      "02000000");
  Decoder d = decoderFor(bytes);
  std::uint32_t max = 0;
  std::vector<std::int32_t> back;
  const Variance v = d.readConformantVaryingArray(back, max);
  EXPECT_EQ(v.offset, 2u);
  EXPECT_EQ(back, (std::vector<std::int32_t>{1, 2}));
}

TEST(NdrStrings, CharStringCountsIncludeTheTerminator) {
  const std::string hex = encodeHex([](Encoder& e) { e.writeString("abc"); });
  EXPECT_EQ(hex,
            "04000000"
            "00000000"
            "04000000"
            "61626300");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  EXPECT_EQ(d.readString(), "abc");
  EXPECT_EQ(d.remaining(), 0u);
}

TEST(NdrStrings, WideStringIsUtf16WithATwoByteTerminator) {
  const std::string hex = encodeHex([](Encoder& e) { e.writeWString(u"h\u00e9"); });
  EXPECT_EQ(hex,
            "03000000"
            "00000000"
            "03000000"
            "6800e9000000");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  EXPECT_EQ(d.readWString(), u"h\u00e9");
}

TEST(NdrStrings, DecodingIntoAnExistingStringReplacesItsContents) {
  const auto bytes = fromHex(
      "03000000"
      "00000000"
      "03000000"
      "6f006b000000");
  Decoder d = decoderFor(bytes);
  std::u16string s = u"previous contents, longer";
  d.readWString(s);
  EXPECT_EQ(s, u"ok");
}

TEST(NdrStrings, EmptyStringIsOneTerminator) {
  EXPECT_EQ(encodeHex([](Encoder& e) { e.writeString(""); }),
            "01000000"
            "00000000"
            "01000000"
            "00");
  EXPECT_EQ(encodeHex([](Encoder& e) { e.writeWString(u""); }),
            "01000000"
            "00000000"
            "01000000"
            "0000");
  const auto bytes = fromHex(
      "010000000000000001000000"
      "0000");
  Decoder d = decoderFor(bytes);
  EXPECT_EQ(d.readWString(), u"");
}

TEST(NdrStrings, StringWithAnEmbeddedNulIsAnEncodeError) {
  Buffer b;
  Encoder e(b);
  EXPECT_THROW(e.writeString(std::string_view("a\0b", 3)), EncodeError);
  EXPECT_THROW(e.writeWString(std::u16string_view(u"a\0b", 3)), EncodeError);
}

TEST(NdrStrings, FixedSizeStringInAStructIsAVaryingString) {
  // [string] char name[8]: offset, actual_count, characters; max_count 8 is known statically.
  const std::string hex = encodeHex([](Encoder& e) { e.writeVaryingString("hi", 8); });
  EXPECT_EQ(hex,
            "00000000"
            "03000000"
            "686900");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  EXPECT_EQ(d.readVaryingString(8), "hi");

  Buffer b;
  Encoder e(b);
  EXPECT_THROW(e.writeVaryingString("12345678", 8), EncodeError);  // 9 with its NUL
}

// struct Blob { long n; [size_is(n)] short data[]; } -- a conformant struct: max_count goes first.
struct Blob {
  std::int32_t n = 0;
  std::vector<std::int16_t> data;
};

void encodeBlob(Encoder& e, const Blob& v) {
  Encoder::checkSize("n", static_cast<std::uint64_t>(v.n), v.data.size());
  e.writeConformance(v.data.size());
  e.align(4);
  e.write<std::int32_t>(v.n);
  e.writeBulk(v.data.data(), v.data.size());
}

Blob decodeBlob(Decoder& d) {
  Blob v;
  const std::uint32_t max = d.readConformance();
  d.align(4);
  v.n = d.read<std::int32_t>();
  Decoder::checkCorrelation("n", static_cast<std::uint32_t>(v.n), max);
  d.readBulk(v.data, max);
  return v;
}

TEST(NdrStructs, ConformantStructHoistsMaxCountToTheFront) {
  const Blob blob{2, {5, 6}};
  const std::string hex = encodeHex([&](Encoder& e) { encodeBlob(e, blob); });
  EXPECT_EQ(hex,
            "02000000"
            "02000000"
            "0500"
            "0600");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  const Blob back = decodeBlob(d);
  EXPECT_EQ(back.n, 2);
  EXPECT_EQ(back.data, blob.data);
}

TEST(NdrStructs, SizeFieldThatDisagreesWithItsVectorIsAnEncodeError) {
  Buffer b;
  Encoder e(b);
  try {
    encodeBlob(e, Blob{3, {5, 6}});
    FAIL() << "no exception";
  } catch (const EncodeError& err) {
    EXPECT_STREQ(err.what(), "size field 'n' is 3 but the data holds 2 elements");
  }
}

TEST(NdrStructs, SizeFieldThatDisagreesWithTheWireCountIsADecodeError) {
  const auto bytes = fromHex(
      "02000000"
      "03000000"
      "0500"
      "0600");
  Decoder d = decoderFor(bytes);
  EXPECT_THROW(decodeBlob(d), DecodeError);
}

// struct Named { short tag; [string] wchar_t name[]; } -- a conformant-varying struct: max_count first,
// then the members, then the string's offset, actual_count and characters.
TEST(NdrStructs, ConformantVaryingStructHoistsMaxCountAndKeepsVarianceInPlace) {
  const std::u16string name = u"ab";
  const std::string hex = encodeHex([&](Encoder& e) {
    e.writeConformance(name.size() + 1);
    e.align(4);
    e.write<std::int16_t>(9);
    e.writeVaryingWString(name);
  });
  EXPECT_EQ(hex,
            "03000000"
            "0900"
            "0000"
            "00000000"
            "03000000"
            "610062000000");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  const std::uint32_t max = d.readConformance();
  d.align(4);
  EXPECT_EQ(d.read<std::int16_t>(), 9);
  EXPECT_EQ(d.readVaryingWString(max), name);
}

// struct Point { long id; double x; double y; }: NDR layout 4 + pad 4 + 8 + 8 = its C++ layout.
struct Point {
  std::int32_t id;
  double x;
  double y;
};
static_assert(sizeof(Point) == 24 && alignof(Point) == 8);

TEST(NdrStructs, ArrayOfFixedLayoutStructsIsOneCopyWithItsPaddingZeroed) {
  std::vector<Point> points(2);
  std::memset(points.data(), 0xee, sizeof(Point) * points.size());  // garbage in the padding
  points[0] = {1, 0.5, -0.5};
  points[1] = {2, 1.5, 2.5};
  static constexpr PaddingHole kPointHoles[] = {{4, 4}};
  Buffer b;
  Encoder e(b);
  e.write<std::uint8_t>(0);
  e.writeConformance(points.size());
  e.writeBulk(points.data(), points.size(), kPointHoles);
  // count at 4, elements aligned to 8 at 8, each with zeroed bytes 4..7.
  ASSERT_EQ(b.size(), 8 + 2 * sizeof(Point));
  for (std::size_t i = 0; i < 2; ++i) {
    for (std::size_t k = 4; k < 8; ++k) EXPECT_EQ(b.data()[8 + i * sizeof(Point) + k], 0) << i << "," << k;
  }
  Decoder d(b.data(), b.size());
  d.read<std::uint8_t>();
  std::vector<Point> back;
  d.readConformantArray(back);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].id, 1);
  EXPECT_EQ(back[0].x, 0.5);
  EXPECT_EQ(back[1].id, 2);
  EXPECT_EQ(back[1].y, 2.5);
}

}  // namespace
}  // namespace midlrt::ndr
