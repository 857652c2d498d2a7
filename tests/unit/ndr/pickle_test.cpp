// The headers of a pickled value (MS-RPCE 2.2.6, type serialization version 1): written byte for byte, and
// every malformed header or length refused with a DecodeError that says what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "test_util.h"

namespace midlrt::ndr {
namespace {

using test::fromHex;
using test::toHex;
using ::testing::HasSubstr;

// A hyper then a short: 10 bytes of NDR, padded to 16.
std::vector<std::uint8_t> pickleHyperAndShort() {
  return encodePickle([](Encoder& e) {
    e.write<std::uint64_t>(0x0102030405060708ull);
    e.write<std::int16_t>(-2);
  });
}

// What a reader of hyper-then-short does with `bytes`: the error's text, or "" if it read them.
std::string readError(const std::vector<std::uint8_t>& bytes) {
  try {
    decodePickle(bytes.data(), bytes.size(), [](Decoder& d) {
      EXPECT_EQ(d.read<std::uint64_t>(), 0x0102030405060708ull);
      EXPECT_EQ(d.read<std::int16_t>(), -2);
    });
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.status(), kRpcXBadStubData);
    return e.what();
  }
  return "";
}

TEST(PickleHeaders, HeadersFrameTheValuePaddedToEightBytes) {
  EXPECT_EQ(toHex(pickleHyperAndShort()),
            "01100800cccccccc"    // common header: version 1, little-endian, length 8, filler
            "1000000000000000"    // private header: 16 bytes of value, filler 0
            "0807060504030201"    // the hyper
            "feff000000000000");  // the short and zero padding
}

TEST(PickleHeaders, ValueAlignsFromItsOwnStart) {
  // A small then a long: the long sits at offset 4 of the value (not of the stream, which agrees here).
  const auto bytes = encodePickle([](Encoder& e) {
    e.write<std::uint8_t>(1);
    e.write<std::uint32_t>(2);
  });
  EXPECT_EQ(toHex(bytes),
            "01100800cccccccc"
            "0800000000000000"
            "0100000002000000");
}

TEST(PickleHeaders, EmptyValueHasNoBody) {
  EXPECT_EQ(toHex(encodePickle([](Encoder&) {})), "01100800cccccccc0000000000000000");
}

TEST(PickleHeaders, RoundTripAndFillersAreIgnored) {
  EXPECT_EQ(readError(pickleHyperAndShort()), "");
  // impacket writes 0xCCCCCCCC in the private header's filler too; both fillers SHOULD be ignored.
  auto bytes = pickleHyperAndShort();
  for (std::size_t i : {4, 5, 6, 7}) bytes[i] = 0;
  for (std::size_t i : {12, 13, 14, 15}) bytes[i] = 0xcc;
  EXPECT_EQ(readError(bytes), "");
}

TEST(PickleHeaders, ShortBufferIsRefused) {
  const auto bytes = pickleHyperAndShort();
  for (std::size_t n : {0, 1, 8, 15}) {
    EXPECT_THAT(readError(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + n)),
                HasSubstr("fewer than the 16 of the headers"))
        << n;
  }
  EXPECT_THAT(readError(std::vector<std::uint8_t>(bytes.begin(), bytes.end() - 1)),
              HasSubstr("truncated: the private header announces 16 bytes but 15 follow"));
  EXPECT_THAT(readError(std::vector<std::uint8_t>(bytes.begin(), bytes.end() - 8)),
              HasSubstr("truncated: the private header announces 16 bytes but 8 follow"));
}

TEST(PickleHeaders, WrongCommonHeaderIsRefused) {
  auto with = [](std::size_t at, std::uint8_t value) {
    auto bytes = pickleHyperAndShort();
    bytes[at] = value;
    return readError(bytes);
  };
  EXPECT_THAT(with(0, 2), HasSubstr("version 2 (NDR64); midlrt reads version 1"));
  EXPECT_THAT(with(0, 0), HasSubstr("version 0"));
  EXPECT_THAT(with(1, 0x00), HasSubstr("big-endian data (endianness 0x00)"));
  EXPECT_THAT(with(1, 0x11), HasSubstr("unknown endianness byte 17"));
  EXPECT_THAT(with(2, 16), HasSubstr("common header length 16, not 8"));
  EXPECT_THAT(with(3, 1), HasSubstr("common header length 264, not 8"));
}

TEST(PickleHeaders, LengthThatDisagreesWithTheBytesIsRefused) {
  auto withLength = [](std::uint32_t length) {
    auto bytes = pickleHyperAndShort();
    std::memcpy(bytes.data() + 8, &length, sizeof length);
    return readError(bytes);
  };
  EXPECT_THAT(withLength(4), HasSubstr("8 bytes follow the value; midlrt reads one value per buffer"));
  EXPECT_THAT(withLength(0xfffffff8u), HasSubstr("announces 4294967288 bytes but 16 follow"));
  EXPECT_THAT(withLength(8), HasSubstr("8 bytes follow the value; midlrt reads one value per buffer"));
  auto longer = pickleHyperAndShort();
  longer.insert(longer.end(), 8, 0);
  EXPECT_THAT(readError(longer), HasSubstr("8 bytes follow the value"));
}

TEST(PickleHeaders, LengthWithoutPaddingIsRead) {
  // As impacket writes it: ObjectBufferLength 10 and no padding, or the padding present but not counted.
  auto bytes = pickleHyperAndShort();
  bytes[8] = 10;
  EXPECT_EQ(readError(bytes), "");
  const std::vector<std::uint8_t> unpadded(bytes.begin(), bytes.end() - 6);
  EXPECT_EQ(readError(unpadded), "");
  std::vector<std::uint8_t> cut(bytes.begin(), bytes.end() - 5);
  EXPECT_THAT(readError(cut), HasSubstr("the padding after the value is cut short (11 bytes of 16)"));
}

TEST(PickleHeaders, ValueShorterOrLongerThanItsBufferIsRefused) {
  // The length says 24: the reader stops after 10 bytes, more than 7 short of the end.
  auto bytes = pickleHyperAndShort();
  bytes[8] = 24;
  bytes.insert(bytes.end(), 8, 0);
  EXPECT_THAT(readError(bytes), HasSubstr("the value's NDR ends after 10 bytes, but the private header "
                                          "announces 24"));
  // The length says 8: the short is past the body, and the decoder does not read beyond it.
  const auto truncatedBody = fromHex(
      "01100800cccccccc"
      "0800000000000000"
      "0807060504030201");
  EXPECT_THAT(readError(truncatedBody), HasSubstr("truncated stub data"));
}

}  // namespace
}  // namespace midlrt::ndr
