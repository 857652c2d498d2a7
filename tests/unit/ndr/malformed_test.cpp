// Malformed input: every case must end in a DecodeError naming the problem, never a crash or a huge
// allocation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "test_util.h"

namespace midlrt::ndr {
namespace {

using test::decoderFor;
using test::fromHex;
using ::testing::HasSubstr;

template <class F>
std::string decodeErrorOf(const std::string& hex, F&& f) {
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  try {
    f(d);
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.status(), kRpcXBadStubData);
    return e.what();
  }
  ADD_FAILURE() << "no DecodeError";
  return {};
}

TEST(NdrMalformed, TruncatedPrimitiveIsRejected) {
  EXPECT_THAT(decodeErrorOf("010203", [](Decoder& d) { d.read<std::uint32_t>(); }),
              HasSubstr("needs 4 bytes but only 3 remain"));
  EXPECT_THAT(decodeErrorOf("", [](Decoder& d) { d.readBool(); }), HasSubstr("truncated"));
}

TEST(NdrMalformed, TruncatedAlignmentPaddingIsRejected) {
  EXPECT_THAT(decodeErrorOf("0102",
                            [](Decoder& d) {
                              d.read<std::uint8_t>();
                              d.read<std::uint64_t>();
                            }),
              HasSubstr("alignment padding"));
}

TEST(NdrMalformed, ConformanceLargerThanRemainingIsRejectedBeforeAllocating) {
  std::vector<std::int32_t> out;
  EXPECT_EQ(decodeErrorOf("ffffffff"
                          "0100000002000000030000",
                          [&](Decoder& d) { d.readConformantArray(out); }),
            "array count 4294967295 (at least 4 bytes each) exceeds the 11 bytes remaining");
  EXPECT_EQ(out.capacity(), 0u);
}

TEST(NdrMalformed, MaxCountOfAllOnesFailsCleanlyForEveryElementSize) {
  std::vector<std::uint8_t> bytes1;
  std::vector<std::uint64_t> bytes8;
  decodeErrorOf("ffffffff00", [&](Decoder& d) { d.readConformantArray(bytes1); });
  decodeErrorOf("ffffffff00000000", [&](Decoder& d) { d.readConformantArray(bytes8); });
  EXPECT_EQ(bytes1.capacity(), 0u);
  EXPECT_EQ(bytes8.capacity(), 0u);
}

TEST(NdrMalformed, ElementCountLargerThanRemainingIsRejectedForElementwiseDecoding) {
  EXPECT_THAT(decodeErrorOf("00000010"
                            "00000000",
                            [](Decoder& d) {
                              const auto n = d.readConformance();
                              d.requireElements(n, 8, "Entry array");
                            }),
              HasSubstr("Entry array count 268435456"));
}

TEST(NdrMalformed, ActualCountLargerThanMaxCountIsRejected) {
  std::vector<std::int16_t> out;
  std::uint32_t max = 0;
  EXPECT_EQ(decodeErrorOf("02000000"
                          "00000000"
                          "03000000"
                          "010002000300",
                          [&](Decoder& d) { d.readConformantVaryingArray(out, max); }),
            "variance offset 0 + actual_count 3 exceeds max_count 2");
}

TEST(NdrMalformed, OffsetBeyondTheArrayIsRejected) {
  std::vector<std::int16_t> out;
  EXPECT_THAT(decodeErrorOf("05000000"
                            "01000000",
                            [&](Decoder& d) { d.readVaryingArray(out, 5); }),
              HasSubstr("offset 5 + actual_count 1 exceeds max_count 5"));
  // offset + actual_count overflowing 32 bits must not wrap around the check.
  EXPECT_THAT(decodeErrorOf("ffffffff"
                            "02000000",
                            [&](Decoder& d) { d.readVaryingArray(out, 10); }),
              HasSubstr("exceeds max_count 10"));
}

TEST(NdrMalformed, StringWithoutTerminatorIsRejected) {
  EXPECT_EQ(decodeErrorOf("03000000"
                          "00000000"
                          "03000000"
                          "616263",
                          [](Decoder& d) { d.readString(); }),
            "string of actual_count 3 does not end with a NUL");
  EXPECT_THAT(decodeErrorOf("02000000"
                            "00000000"
                            "02000000"
                            "61006200",
                            [](Decoder& d) { d.readWString(); }),
              HasSubstr("does not end with a NUL"));
}

TEST(NdrMalformed, StringWithEmbeddedNulIsRejected) {
  EXPECT_EQ(decodeErrorOf("04000000"
                          "00000000"
                          "04000000"
                          "61006200",
                          [](Decoder& d) { d.readString(); }),
            "string of actual_count 4 holds a NUL at index 1, before its terminator");
}

TEST(NdrMalformed, StringWithZeroActualCountIsRejected) {
  EXPECT_THAT(decodeErrorOf("00000000"
                            "00000000"
                            "00000000",
                            [](Decoder& d) { d.readString(); }),
              HasSubstr("no room for its terminator"));
}

TEST(NdrMalformed, StringWithNonzeroOffsetIsRejected) {
  EXPECT_THAT(decodeErrorOf("03000000"
                            "01000000"
                            "02000000"
                            "6100",
                            [](Decoder& d) { d.readString(); }),
              HasSubstr("string offset 1 is not 0"));
}

TEST(NdrMalformed, StringActualCountLargerThanMaxCountIsRejected) {
  EXPECT_THAT(decodeErrorOf("01000000"
                            "00000000"
                            "02000000"
                            "6100",
                            [](Decoder& d) { d.readString(); }),
              HasSubstr("actual_count 2 exceeds max_count 1"));
  EXPECT_THAT(decodeErrorOf("00000000"
                            "04000000"
                            "61626300",
                            [](Decoder& d) { d.readVaryingString(3); }),
              HasSubstr("actual_count 4 exceeds max_count 3"));
}

TEST(NdrMalformed, StringLongerThanTheRemainingBytesIsRejectedBeforeAllocating) {
  EXPECT_EQ(decodeErrorOf("ffffffff"
                          "00000000"
                          "ffffffff"
                          "6100",
                          [](Decoder& d) { d.readWString(); }),
            "string count 4294967295 (at least 2 bytes each) exceeds the 2 bytes remaining");
}

TEST(NdrMalformed, TruncatedPointerIdIsRejected) {
  decodeErrorOf("0000", [](Decoder& d) { d.readUniquePointer(); });
  decodeErrorOf("000002", [](Decoder& d) { d.readFullPointer<int>(); });
}

TEST(NdrMalformed, OriginBeyondTheDataIsRejected) {
  const std::vector<std::uint8_t> bytes(4);
  EXPECT_THROW(Decoder(bytes.data(), bytes.size(), 5), DecodeError);
}

TEST(NdrMalformed, EveryTruncationOfAValidMessageIsRejected) {
  // A message mixing every construct; each strict prefix must fail cleanly.
  Buffer b;
  Encoder e(b);
  const std::int32_t v = 3;
  const std::vector<double> xs{1, 2};
  e.write<std::uint8_t>(1);
  e.writeString("name");
  e.writeUniquePointer(&v);
  e.write(v);
  e.writeConformantArray(xs.data(), xs.size());
  e.writeWString(u"w");
  auto decodeAll = [](Decoder& d) {
    d.read<std::uint8_t>();
    d.readString();
    if (d.readUniquePointer()) d.read<std::int32_t>();
    std::vector<double> out;
    d.readConformantArray(out);
    d.readWString();
  };
  {
    Decoder d(b.data(), b.size());
    decodeAll(d);
    EXPECT_EQ(d.remaining(), 0u);
  }
  for (std::size_t n = 0; n < b.size(); ++n) {
    Decoder d(b.data(), n);
    EXPECT_THROW(decodeAll(d), DecodeError) << "prefix of " << n << " bytes";
  }
}

}  // namespace
}  // namespace midlrt::ndr
