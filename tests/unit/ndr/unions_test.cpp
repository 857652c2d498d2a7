// Unions marshaled by hand the way generated code will: the discriminant, then the selected arm aligned to
// its own alignment; encapsulated unions as a struct of both; unions inside structs.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>

#include "test_util.h"

namespace midlrt::ndr {
namespace {

using test::decoderFor;
using test::encodeHex;
using test::fromHex;

// typedef [switch_type(short)] union { [case(1)] char c; [case(2)] double d; [case(3)] ; [default] long l; }
// U; as a non-encapsulated union: short discriminant, then the arm.
using U = std::variant<char, double, std::monostate, std::int32_t>;
constexpr std::int16_t kDefaultTag = 9;  // any value not among the cases selects [default]

void encodeU(Encoder& e, std::int16_t tag, const U& u) {
  e.write(tag);
  switch (tag) {
    case 1:
      e.write(std::get<char>(u));
      break;
    case 2:
      e.write(std::get<double>(u));
      break;
    case 3:
      break;
    default:
      e.write(std::get<std::int32_t>(u));
      break;
  }
}

U decodeU(Decoder& d, std::int16_t& tag) {
  tag = d.read<std::int16_t>();
  switch (tag) {
    case 1:
      return d.read<char>();
    case 2:
      return d.read<double>();
    case 3:
      return std::monostate{};
    default:
      return d.read<std::int32_t>();
  }
}

TEST(NdrUnions, ArmIsAlignedToItsOwnAlignmentAfterTheDiscriminant) {
  EXPECT_EQ(encodeHex([](Encoder& e) { encodeU(e, 1, U{'z'}); }),
            "0100"
            "7a");
  EXPECT_EQ(encodeHex([](Encoder& e) { encodeU(e, 2, U{1.0}); }),
            "0200"
            "000000000000"
            "000000000000f03f");
  EXPECT_EQ(encodeHex([](Encoder& e) { encodeU(e, 3, U{std::monostate{}}); }), "0300");
  EXPECT_EQ(encodeHex([](Encoder& e) { encodeU(e, kDefaultTag, U{std::int32_t{-1}}); }),
            "0900"
            "0000"
            "ffffffff");
}

TEST(NdrUnions, EveryArmRoundTrips) {
  for (const auto& [tag, value] : {std::pair<std::int16_t, U>{1, 'q'},
                                   {2, 2.5},
                                   {3, std::monostate{}},
                                   {kDefaultTag, std::int32_t{77}}}) {
    Buffer b;
    Encoder e(b);
    encodeU(e, tag, value);
    Decoder d(b.data(), b.size());
    std::int16_t backTag = 0;
    const U back = decodeU(d, backTag);
    EXPECT_EQ(backTag, tag);
    EXPECT_EQ(back, value);
    EXPECT_EQ(d.remaining(), 0u);
  }
}

// typedef union switch (long kind) arm { case 1: short s; case 2: hyper h; } E; -- encapsulated: a struct
// { long kind; union arm; } aligned to 8 (the largest of the discriminant and every arm).
TEST(NdrUnions, EncapsulatedUnionIsAlignedAsAStructOfDiscriminantAndArms) {
  const std::string hex = encodeHex([](Encoder& e) {
    e.write<std::uint8_t>(0xee);  // something before, to show the struct alignment
    e.align(8);
    e.write<std::int32_t>(1);
    e.write<std::int16_t>(-3);
  });
  EXPECT_EQ(hex,
            "ee00000000000000"
            "01000000"
            "fdff");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  d.read<std::uint8_t>();
  d.align(8);
  ASSERT_EQ(d.read<std::int32_t>(), 1);
  EXPECT_EQ(d.read<std::int16_t>(), -3);

  EXPECT_EQ(encodeHex([](Encoder& e) {
              e.align(8);
              e.write<std::int32_t>(2);
              e.write<std::int64_t>(5);
            }),
            "02000000"
            "00000000"
            "0500000000000000");
}

// struct Holder { short before; [switch_is(kind)] U u; long kind; [unique] long* p; } -- a union inside a
// struct; the union's pointer-free arms do not change the struct's flat/pointee split.
TEST(NdrUnions, UnionInsideAStructIsWrittenInPlace) {
  const std::int32_t pointee = 4;
  const std::string hex = encodeHex([&](Encoder& e) {
    e.align(8);
    e.write<std::int16_t>(1);
    encodeU(e, 2, U{0.5});
    e.write<std::int32_t>(2);
    e.writeUniquePointer(&pointee);
    e.write(pointee);  // pointee pass
  });
  EXPECT_EQ(hex,
            "0100"
            "0200"
            "00000000"
            "000000000000e03f"
            "02000000"
            "00000200"
            "04000000");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  d.align(8);
  EXPECT_EQ(d.read<std::int16_t>(), 1);
  std::int16_t tag = 0;
  EXPECT_EQ(decodeU(d, tag), U{0.5});
  EXPECT_EQ(d.read<std::int32_t>(), 2);
  ASSERT_TRUE(d.readUniquePointer());
  EXPECT_EQ(d.read<std::int32_t>(), 4);
}

// A union whose arm is a [string] pointer: the pointer's referent is deferred like any embedded pointer.
TEST(NdrUnions, UnionArmPointerReferentIsDeferredToThePointeePass) {
  const std::string text = "ok";
  const std::string hex = encodeHex([&](Encoder& e) {
    e.write<std::int32_t>(1);  // long discriminant
    e.writeUniquePointer(&text);
    e.write<std::int32_t>(9);  // the next struct member
    e.writeString(text);       // pointee pass
  });
  EXPECT_EQ(hex,
            "01000000"
            "00000200"
            "09000000"
            "03000000"
            "00000000"
            "03000000"
            "6f6b00");
}

// typedef [switch_type(long)] union { [case(1)] long a; [case(2)] short b; } V; -- no [default]: any other
// discriminant is bad stub data.
TEST(NdrUnions, DiscriminantWithoutAnArmOrDefaultIsRejected) {
  const auto bytes = fromHex(
      "07000000"
      "01000000");
  Decoder d = decoderFor(bytes);
  try {
    const auto tag = d.read<std::int32_t>();
    switch (tag) {
      case 1:
        d.read<std::int32_t>();
        break;
      case 2:
        d.read<std::int16_t>();
        break;
      default:
        Decoder::fail("union V has no arm for discriminant " + std::to_string(tag));
    }
    FAIL() << "no exception";
  } catch (const DecodeError& e) {
    EXPECT_STREQ(e.what(), "union V has no arm for discriminant 7");
    EXPECT_EQ(e.status(), kRpcXBadStubData);
  }
}

}  // namespace
}  // namespace midlrt::ndr
