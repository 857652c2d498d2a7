// Primitives, their alignment relative to the stub data start, and the Buffer they are written to.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "test_util.h"

namespace midlrt::ndr {
namespace {

using test::decoderFor;
using test::encodeHex;
using test::fromHex;
using test::toHex;

TEST(NdrPrimitives, EachPrimitiveIsAlignedToItsSizeWithZeroPadding) {
  EXPECT_EQ(encodeHex([](Encoder& e) {
              e.write<std::uint8_t>(0x11);
              e.write<std::int16_t>(-2);
              e.write<std::uint8_t>(0x22);
              e.write<std::uint32_t>(0x44332211);
              e.write<std::uint8_t>(0x33);
              e.write<double>(1.0);
            }),
            "1100feff220000001122334433000000000000000000f03f");
}

TEST(NdrPrimitives, HyperIsAlignedToEight) {
  EXPECT_EQ(encodeHex([](Encoder& e) {
              e.write<std::uint8_t>(1);
              e.write<std::uint64_t>(0x0807060504030201ull);
            }),
            "01000000000000000102030405060708");
}

TEST(NdrPrimitives, AlignmentIsRelativeToTheStubDataOrigin) {
  Buffer buffer;
  buffer.append("HDR", 3);  // e.g. a PDU header of odd length in front of the stub data
  Encoder e(buffer);
  e.write<std::uint8_t>(0xaa);
  e.write<std::uint32_t>(7);
  EXPECT_EQ(toHex(buffer), "484452aa00000007000000");
  EXPECT_EQ(e.position(), 8u);

  Decoder d(buffer.data(), buffer.size(), 3);
  EXPECT_EQ(d.read<std::uint8_t>(), 0xaa);
  EXPECT_EQ(d.read<std::uint32_t>(), 7u);
  EXPECT_EQ(d.remaining(), 0u);
}

TEST(NdrPrimitives, EncoderOriginBeyondTheBufferIsRejected) {
  Buffer buffer;
  buffer.append("ab", 2);
  EXPECT_THROW(Encoder(buffer, 3), EncodeError);
  EXPECT_NO_THROW(Encoder(buffer, 2));
}

TEST(NdrPrimitives, EveryPrimitiveRoundTrips) {
  Buffer buffer;
  Encoder e(buffer);
  e.write<std::int8_t>(-5);
  e.write<std::uint8_t>(250);
  e.write<std::int16_t>(-30000);
  e.write<std::uint16_t>(65000);
  e.write<std::int32_t>(-2000000000);
  e.write<std::uint32_t>(4000000000u);
  e.write<std::int64_t>(std::numeric_limits<std::int64_t>::min());
  e.write<std::uint64_t>(std::numeric_limits<std::uint64_t>::max());
  e.write<float>(1.5f);
  e.write<double>(-2.25);
  e.writeBool(true);
  e.writeBool(false);
  e.write<char>('x');
  e.write<char16_t>(u'\u20ac');

  Decoder d(buffer.data(), buffer.size());
  EXPECT_EQ(d.read<std::int8_t>(), -5);
  EXPECT_EQ(d.read<std::uint8_t>(), 250);
  EXPECT_EQ(d.read<std::int16_t>(), -30000);
  EXPECT_EQ(d.read<std::uint16_t>(), 65000);
  EXPECT_EQ(d.read<std::int32_t>(), -2000000000);
  EXPECT_EQ(d.read<std::uint32_t>(), 4000000000u);
  EXPECT_EQ(d.read<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(d.read<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(d.read<float>(), 1.5f);
  EXPECT_EQ(d.read<double>(), -2.25);
  EXPECT_TRUE(d.readBool());
  EXPECT_FALSE(d.readBool());
  EXPECT_EQ(d.read<char>(), 'x');
  EXPECT_EQ(d.read<char16_t>(), u'\u20ac');
  EXPECT_EQ(d.remaining(), 0u);
}

TEST(NdrPrimitives, BooleanIsOneByteAndAnyNonzeroByteIsTrue) {
  EXPECT_EQ(encodeHex([](Encoder& e) { e.writeBool(true); }), "01");
  const auto bytes = fromHex("7f");
  Decoder d = decoderFor(bytes);
  EXPECT_TRUE(d.readBool());
}

enum class Color { kRed = 0, kBlue = 0x7fff, kTooBig = 0x8000 };

TEST(NdrPrimitives, Enum16IsSixteenBitsOnTheWire) {
  EXPECT_EQ(encodeHex([](Encoder& e) {
              e.write<std::uint8_t>(1);
              e.writeEnum16(Color::kBlue);
            }),
            "0100ff7f");
  const auto bytes = fromHex("0100ff7f");
  Decoder d = decoderFor(bytes);
  d.read<std::uint8_t>();
  EXPECT_EQ(d.readEnum16<Color>(), Color::kBlue);
}

TEST(NdrPrimitives, Enum16OutsideZeroTo7fffIsRejectedOnEncode) {
  Buffer b;
  Encoder e(b);
  try {
    e.writeEnum16(Color::kTooBig);
    FAIL() << "no exception";
  } catch (const EncodeError& err) {
    EXPECT_EQ(err.status(), kRpcXEnumValueOutOfRange);
  }
  EXPECT_THROW(e.writeEnum16(-1), EncodeError);
}

TEST(NdrPrimitives, Enum16Above7fffIsRejectedOnDecode) {
  const auto bytes = fromHex("0080");
  Decoder d = decoderFor(bytes);
  try {
    d.readEnum16<Color>();
    FAIL() << "no exception";
  } catch (const DecodeError& err) {
    EXPECT_EQ(err.status(), kRpcXEnumValueOutOfRange);
  }
}

TEST(NdrPrimitives, Int3264IsThirtyTwoBitsOnTheWire) {
  EXPECT_EQ(encodeHex([](Encoder& e) {
              e.writeInt3264(-2);
              e.writeUint3264(0xfffffffful);
            }),
            "feffffffffffffff");
  const auto bytes = fromHex("feffffffffffffff");
  Decoder d = decoderFor(bytes);
  EXPECT_EQ(d.readInt3264(), -2);
  EXPECT_EQ(d.readUint3264(), 0xffffffffu);
}

TEST(NdrPrimitives, Int3264ThatDoesNotFitInThirtyTwoBitsIsRejected) {
  Buffer b;
  Encoder e(b);
  EXPECT_THROW(e.writeInt3264(std::int64_t{1} << 31), EncodeError);
  EXPECT_THROW(e.writeInt3264(-(std::int64_t{1} << 31) - 1), EncodeError);
  EXPECT_THROW(e.writeUint3264(std::uint64_t{1} << 32), EncodeError);
  EXPECT_NO_THROW(e.writeInt3264(-(std::int64_t{1} << 31)));
  EXPECT_EQ(b.size(), 4u);
}

TEST(NdrBuffer, ClearKeepsCapacity) {
  Buffer b;
  b.append(1000);
  const auto cap = b.capacity();
  const auto* data = b.data();
  b.clear();
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.capacity(), cap);
  b.append(1000);
  EXPECT_EQ(b.data(), data);
}

TEST(NdrBuffer, GrowthIsGeometric) {
  Buffer b;
  int reallocations = 0;
  std::size_t lastCapacity = 0;
  for (int i = 0; i < 100000; ++i) {
    b.append(1)[0] = 0;
    if (b.capacity() != lastCapacity) {
      ++reallocations;
      lastCapacity = b.capacity();
    }
  }
  EXPECT_LT(reallocations, 20);
}

TEST(NdrBuffer, PatchWritesAtARememberedPosition) {
  Buffer b;
  Encoder e(b);
  e.write<std::uint32_t>(0);  // placeholder for a count known later
  const std::size_t countAt = 0;
  e.write<std::uint16_t>(1);
  e.write<std::uint16_t>(2);
  b.patch<std::uint32_t>(countAt, 2);
  EXPECT_EQ(toHex(b), "0200000001000200");
  EXPECT_THROW(b.patch<std::uint64_t>(4, 1), EncodeError);
}

TEST(NdrBuffer, ReservePreventsReallocation) {
  Buffer b;
  b.reserve(1 << 20);
  const auto* data = b.data();
  for (int i = 0; i < 1024; ++i) b.append(1024);
  EXPECT_EQ(b.data(), data);
}

TEST(NdrRange, ValuesOutsideRangeAreRejected) {
  EXPECT_EQ(Decoder::checkRange("count", 5, 1, 10), 5);
  EXPECT_THROW(Decoder::checkRange("count", 11, 1, 10), DecodeError);
  EXPECT_THROW(Decoder::checkRange("count", 0u, 1u, 10u), DecodeError);
  EXPECT_THROW(Encoder::checkRange("count", -1, 0, 10), EncodeError);
  EXPECT_NO_THROW(Encoder::checkRange("count", 10, 0, 10));
  try {
    Decoder::checkRange("cbBuffer", 70000u, 0u, 65536u);
  } catch (const DecodeError& err) {
    EXPECT_STREQ(err.what(), "cbBuffer value 70000 is outside its range [0, 65536]");
  }
}

}  // namespace
}  // namespace midlrt::ndr
