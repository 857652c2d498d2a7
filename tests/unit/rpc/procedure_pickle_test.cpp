// The header of a procedure pickle, byte by byte against the layout of DCE's idl_es and Wine's ndr_es.c
// (no independent implementation on this machine writes one), and every malformed header refused.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "midlrt/ndr/error.h"
#include "midlrt/rpc/procedure_pickle.h"

namespace {

using midlrt::ndr::DecodeError;
using midlrt::rpc::SyntaxId;
using midlrt::rpc::Uuid;

const SyntaxId kItf{*Uuid::parse("6d69646c-7069-636b-6c65-000000000030"), 1, 2};

// The pickle of procedure 3 with the data: long 0x11223344, short 5 (6 bytes), written by hand.
const std::vector<std::uint8_t> kExpected = {
    0x01, 0x01, 0xcc, 0xcc,                          // version 1, little-endian (low nibble), filler
    0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,  // NDR 2.0 8a885d04-1ceb-11c9-
    0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60,  //   9fe8-08002b104860
    0x02, 0x00, 0x00, 0x00,                          //   version 2.0
    0x6c, 0x64, 0x69, 0x6d, 0x69, 0x70, 0x6b, 0x63,  // the interface 6d69646c-7069-636b-
    0x6c, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30,  //   6c65-000000000030
    0x01, 0x00, 0x02, 0x00,                          //   version 1.2
    0x03, 0x00, 0x00, 0x00,                          // procedure 3
    0x01, 0x00, 0x00, 0x00,                          // drep: little-endian, ASCII, IEEE
    0x06, 0x00, 0x00, 0x00,                          // 6 bytes of data
    0x44, 0x33, 0x22, 0x11, 0x05, 0x00,              // the data
};

std::vector<std::uint8_t> encode() {
  return midlrt::rpc::encodeProcedure(kItf, 3, [](midlrt::ndr::Encoder& e) {
    e.write<int32_t>(0x11223344);
    e.write<int16_t>(5);
  });
}

// What decoding `bytes` as procedure 3 of kItf says: "" if it read the data.
std::string decodeError(const std::vector<std::uint8_t>& bytes) {
  try {
    midlrt::rpc::decodeProcedure(bytes.data(), bytes.size(), kItf, 3, [](midlrt::ndr::Decoder& d) {
      EXPECT_EQ(d.read<int32_t>(), 0x11223344);
      EXPECT_EQ(d.read<int16_t>(), 5);
    });
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::uint8_t> with(std::size_t at, std::uint8_t value) {
  auto bytes = kExpected;
  bytes[at] = value;
  return bytes;
}

TEST(ProcedurePickle, HeaderIsTheLayoutOfDceAndWindowsFieldByField) {
  EXPECT_EQ(encode(), kExpected);
}

TEST(ProcedurePickle, HandWrittenBytesDecode) {
  EXPECT_EQ(decodeError(kExpected), "");
}

TEST(ProcedurePickle, FillersAreIgnored) {
  EXPECT_EQ(decodeError(with(2, 0)), "");  // DCE writes zeros
  EXPECT_EQ(decodeError(with(3, 0)), "");
}

TEST(ProcedurePickle, PaddingAfterTheDataIsAccepted) {
  auto bytes = kExpected;
  bytes.insert(bytes.end(), {0, 0});  // to 8 bytes, uncounted
  EXPECT_EQ(decodeError(bytes), "");
  bytes[52] = 8;  // counted
  EXPECT_EQ(decodeError(bytes), "");
}

TEST(ProcedurePickle, EveryMalformedHeaderIsADecodeError) {
  auto says = [](const std::vector<std::uint8_t>& bytes, const std::string& what) {
    const std::string error = decodeError(bytes);
    EXPECT_NE(error.find(what), std::string::npos) << "'" << error << "' lacks '" << what << "'";
  };
  says(with(0, 2), "version 2");
  says(with(1, 0x00), "big-endian");
  says(with(1, 0x10), "unknown integer representation 16");
  says(with(4, 0x05), "transfer syntax 8a885d05");
  says(with(20, 0x01), "transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860 version 1.0");
  says(with(24, 0x6d), "it names interface 6d69646d-");
  says(with(40, 0x02), "version 2.2, not 6d69646c-7069-636b-6c65-000000000030 version 1.2");
  says(with(42, 0x03), "version 1.3");
  says(with(44, 0x04), "it holds procedure 4, not 3");
  says(with(47, 0x01), "it holds procedure 16777219, not 3");
  says(with(48, 0x00), "data representation 0/0/0");
  says(with(49, 0x01), "data representation 1/1/0");  // EBCDIC
  says(with(50, 0x01), "data representation 1/0/1");  // VAX floats
  says(with(52, 0x07), "truncated: the header announces 7 bytes of data but 6 follow");
  EXPECT_NE(decodeError(with(52, 0x05)), "");  // 5 bytes: the short's second byte is missing
  says(with(52, 0x00), "6 bytes follow the data");
  says(with(55, 0x01), "truncated");
  auto longer = kExpected;
  longer.insert(longer.end(), 3, 0);  // 9 bytes after 6 of data: more than padding
  says(longer, "3 bytes follow the data");
  auto unread = kExpected;
  unread.insert(unread.end(), 6, 0);
  unread[52] = 12;  // 12 bytes announced and present, 6 read
  says(unread, "the arguments' NDR ends after 6 bytes, but the header announces 12");
}

TEST(ProcedurePickle, EveryTruncationIsADecodeError) {
  for (std::size_t n = 0; n < kExpected.size(); ++n)
    EXPECT_NE(decodeError(std::vector<std::uint8_t>(kExpected.begin(), kExpected.begin() + n)), "") << n;
}

}  // namespace
