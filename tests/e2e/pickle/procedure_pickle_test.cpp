// Procedure serialization as midlc generates it ([encode]/[decode] on operations in
// pickle_procedures.acf): the header's bytes checked by hand (no independent implementation on this machine
// writes procedure pickles), round trips of [in,out] arguments, and every malformed header refused with a
// DecodeError.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pickle_procedures.h"

namespace {

using midlrt::ndr::DecodeError;
using midlrt::ndr::EncodeError;

Page samplePage() {
  Page p;
  p.number = 12;
  p.text = std::make_unique<std::u16string>(u"caf\u00e9");
  p.marks = {3, -1};
  p.count = 2;
  return p;
}

void expectEqual(const Page& a, const Page& b) {
  EXPECT_EQ(a.number, b.number);
  ASSERT_EQ(a.text == nullptr, b.text == nullptr);
  if (a.text) {
    EXPECT_EQ(*a.text, *b.text);
  }
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.marks, b.marks);
}

// What Diary::Write_Decode says of `bytes`: "" if it read the arguments.
std::string writeError(const std::vector<std::uint8_t>& bytes) {
  Page page;
  int32_t total = 0;
  try {
    Diary::Write_Decode(bytes, page, total);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

TEST(GeneratedProcedurePickle, HeaderNamesTheInterfaceTheSyntaxAndTheProcedureByteForByte) {
  const std::vector<std::uint8_t> expected = {
      0x01, 0x01, 0xcc, 0xcc,                          // version 1, little-endian, filler
      0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,  // NDR 2.0
      0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60,  //
      0x02, 0x00, 0x00, 0x00,                          //   version 2.0
      0x6c, 0x64, 0x69, 0x6d, 0x69, 0x70, 0x6b, 0x63,  // Diary 6d69646c-7069-636b-
      0x6c, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50,  //   6c65-000000000050
      0x02, 0x00, 0x01, 0x00,                          //   version 2.1
      0x01, 0x00, 0x00, 0x00,                          // Stamp is procedure 1
      0x01, 0x00, 0x00, 0x00,                          // little-endian, ASCII, IEEE
      0x08, 0x00, 0x00, 0x00,                          // 8 bytes of data
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // when (hyper)
  };
  EXPECT_EQ(Diary::Stamp_Encode(0x0102030405060708), expected);
}

TEST(GeneratedProcedurePickle, DataIsTheRequestOfTheRemoteCall) {
  const auto bytes = Diary::Shape_Encode(2, [] {
    Measure m;
    m.set_ratio(0.5);
    return m;
  }());
  const std::vector<std::uint8_t> data(bytes.begin() + 56, bytes.end());
  const std::vector<std::uint8_t> expected = {
      0x02, 0x00,                                      // kind
      0x02, 0x00,                                      // the union's discriminant
      0x00, 0x00, 0x00, 0x00,                          // to 8
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f,  // 0.5
  };
  EXPECT_EQ(data, expected);
  EXPECT_EQ(bytes[44], 3);   // Shape is procedure 3
  EXPECT_EQ(bytes[52], 16);  // the data's length, without padding
}

TEST(GeneratedProcedurePickle, InOutArgumentsRoundTrip) {
  const auto bytes = Diary::Write_Encode(samplePage(), 40);
  Page page;
  int32_t total = 0;
  Diary::Write_Decode(bytes, page, total);
  expectEqual(page, samplePage());
  EXPECT_EQ(total, 40);

  Measure m;
  m.set_count(-9);
  int16_t kind = 0;
  Measure back;
  Diary::Shape_Decode(Diary::Shape_Encode(1, m), kind, back);
  EXPECT_EQ(kind, 1);
  EXPECT_EQ(back.discriminant, 1);
  EXPECT_EQ(back.count(), -9);
}

TEST(GeneratedProcedurePickle, ImplicitAndAutomaticHandlesAreLeftOut) {
  std::unique_ptr<int32_t> total = std::make_unique<int32_t>(100);
  int32_t amount = 0;
  Tally::Add_Decode(Tally::Add_Encode(5, total), amount, total);
  EXPECT_EQ(amount, 5);
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(*total, 100);
  Tally::Add_Decode(Tally::Add_Encode(6, nullptr), amount, total);
  EXPECT_EQ(total, nullptr);

  std::string text;
  Jotter::Note_Decode(Jotter::Note_Encode("jotted"), text);
  EXPECT_EQ(text, "jotted");
}

TEST(GeneratedProcedurePickle, ADecodeOnlyProcedureReadsItsOutArguments) {
  // Read's [out] page: the data of Write's pickle without its total, under Read's procedure number.
  auto bytes = Diary::Write_Encode(samplePage(), 0);
  bytes.resize(bytes.size() - 4);
  bytes[44] = 2;
  bytes[52] = static_cast<std::uint8_t>(bytes.size() - 56);
  Page page;
  Diary::Read_Decode(bytes, page);
  expectEqual(page, samplePage());
}

TEST(GeneratedProcedurePickle, ArgumentsWithoutRepresentationAreAnEncodeError) {
  Page page = samplePage();
  page.count = 3;  // [size_is(count)] disagrees with the vector
  EXPECT_THROW(Diary::Write_Encode(page, 0), EncodeError);
}

TEST(GeneratedProcedurePickle, AnotherProcedureOrInterfaceIsADecodeError) {
  auto bytes = Diary::Write_Encode(samplePage(), 1);
  bytes[44] = 3;
  EXPECT_NE(writeError(bytes).find("it holds procedure 3, not 0"), std::string::npos);
  // Tally's Add is procedure 0 too: the interface tells them apart.
  EXPECT_NE(writeError(Tally::Add_Encode(1, nullptr))
                .find("it names interface 6d69646c-7069-636b-6c65-000000000051 version 1.0, not "
                      "6d69646c-7069-636b-6c65-000000000050 version 2.1"),
            std::string::npos);
  bytes = Diary::Write_Encode(samplePage(), 1);
  bytes[42] = 0;  // version 2.0
  EXPECT_NE(writeError(bytes).find("version 2.0, not"), std::string::npos);
}

TEST(GeneratedProcedurePickle, MalformedHeadersAreDecodeErrors) {
  auto with = [](std::size_t at, std::uint8_t value) {
    auto bytes = Diary::Write_Encode(samplePage(), 1);
    bytes[at] = value;
    return writeError(bytes);
  };
  EXPECT_NE(with(0, 2).find("version 2"), std::string::npos);
  EXPECT_NE(with(1, 0).find("big-endian"), std::string::npos);
  EXPECT_NE(with(4, 0x33).find("transfer syntax"), std::string::npos);
  EXPECT_NE(with(48, 0x10).find("data representation 16/0/0"), std::string::npos);
  // The page's NDR ends after 42 bytes (conformance, flat part, the deferred string), the total at 48.
  auto bytes = Diary::Write_Encode(samplePage(), 1);
  ASSERT_EQ(bytes.size(), 56u + 48u);
  EXPECT_EQ(bytes[52], 48);
  EXPECT_NE(with(52, 49).find("truncated: the header announces 49 bytes of data but 48 follow"),
            std::string::npos);
  EXPECT_NE(with(52, 40).find("8 bytes follow the data"), std::string::npos);
  EXPECT_NE(with(52, 44), "");  // the total is cut off
  bytes.insert(bytes.end(), 8, 0);
  bytes[52] = 56;
  EXPECT_NE(writeError(bytes).find("the arguments' NDR ends after 48 bytes, but the header announces 56"),
            std::string::npos);
}

TEST(GeneratedProcedurePickle, EveryTruncationIsADecodeError) {
  const auto bytes = Diary::Write_Encode(samplePage(), 1);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_NE(writeError(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + n)), "") << n;
}

TEST(GeneratedProcedurePickle, EveryFlippedBitDecodesOrIsADecodeError) {
  const auto bytes = Diary::Write_Encode(samplePage(), 1);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto flipped = bytes;
      flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
      try {
        Page page;
        int32_t total = 0;
        Diary::Write_Decode(flipped, page, total);
        if (i < 56 && i != 2 && i != 3) ADD_FAILURE() << "header byte " << i << " bit " << bit << " accepted";
      } catch (const DecodeError&) {
      } catch (const std::exception& e) {
        ADD_FAILURE() << "byte " << i << " bit " << bit << ": " << e.what();
      }
    }
  }
}

}  // namespace
