// Type serialization as midlc generates it ([encode]/[decode] in pickle_types.acf): byte-exact against the
// streams impacket makes (make_pickles.py, run at build time), round trips, and hostile bytes refused with a
// DecodeError.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pickle_types.h"

namespace {

using midlrt::ndr::DecodeError;
using midlrt::ndr::EncodeError;

struct Pickle {
  const char* name;
  const char* hex;
};

const Pickle kPickles[] = {
#include "pickle_vectors.inc"
};

std::vector<std::uint8_t> pickle(const std::string& name) {
  for (const auto& p : kPickles) {
    if (name != p.name) continue;
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; p.hex[i] != 0 && p.hex[i + 1] != 0; i += 2)
      out.push_back(static_cast<std::uint8_t>(std::stoul(std::string(p.hex + i, 2), nullptr, 16)));
    return out;
  }
  throw std::runtime_error("no pickle " + name);
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static const char* const kDigits = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) s += std::string{kDigits[b >> 4], kDigits[b & 15]};
  return s;
}

// The value make_pickles.py gives impacket.
Record sampleRecord() {
  Record r;
  r.id = 7;
  r.name = std::make_unique<std::u16string>(u"h\u00e9llo");
  r.limit = std::make_unique<int32_t>(100);
  r.kind = 2;
  r.measure.set_level(-3);
  r.count = 3;
  r.samples = {1, -2, 3};
  return r;
}

void expectEqual(const Record& a, const Record& b) {
  EXPECT_EQ(a.id, b.id);
  ASSERT_EQ(a.name == nullptr, b.name == nullptr);
  if (a.name) {
    EXPECT_EQ(*a.name, *b.name);
  }
  ASSERT_EQ(a.limit == nullptr, b.limit == nullptr);
  if (a.limit) {
    EXPECT_EQ(*a.limit, *b.limit);
  }
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.measure.discriminant, b.measure.discriminant);
  EXPECT_EQ(a.measure.value, b.measure.value);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.samples, b.samples);
}

// What Record_Decode says of `bytes`: "" if it read a record.
std::string decodeError(const std::vector<std::uint8_t>& bytes) {
  try {
    Record_Decode(bytes.data(), bytes.size());
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

TEST(GeneratedPickle, RecordEncodesToTheSpecificationsBytesAsImpacketMakesThem) {
  EXPECT_EQ(hex(Record_Encode(sampleRecord())), hex(pickle("record_spec")));
}

TEST(GeneratedPickle, UniquePointerTravelsAsAReferentIdThenTheRecord) {
  RecordRef ref = std::make_unique<Record>(sampleRecord());
  EXPECT_EQ(hex(RecordRef_Encode(ref)), hex(pickle("record_ref_spec")));
  EXPECT_EQ(hex(RecordRef_Encode(nullptr)), hex(pickle("record_ref_null_spec")));
  const RecordRef back = RecordRef_Decode(pickle("record_ref_spec"));
  ASSERT_NE(back, nullptr);
  expectEqual(*back, sampleRecord());
  EXPECT_EQ(RecordRef_Decode(pickle("record_ref_null_spec")), nullptr);
}

TEST(GeneratedPickle, PointEncodesAsImpacketsTypeSerialization1) {
  EXPECT_EQ(hex(Point_Encode(Point{1, -2})), hex(pickle("point_spec")));
}

TEST(GeneratedPickle, ImpacketsStreamsDecode) {
  expectEqual(Record_Decode(pickle("record_impacket")), sampleRecord());
  expectEqual(Record_Decode(pickle("record_spec")), sampleRecord());
  const Measure m = Measure_Decode(pickle("measure_impacket"));
  EXPECT_EQ(m.discriminant, 1);
  EXPECT_EQ(m.count(), -5);
}

TEST(GeneratedPickle, RecordRoundTrips) {
  expectEqual(Record_Decode(Record_Encode(sampleRecord())), sampleRecord());
  Record sparse;  // NULL pointers, no samples, the [default] arm
  sparse.kind = 9;
  sparse.measure.discriminant = 9;
  const auto bytes = Record_Encode(sparse);
  EXPECT_EQ(bytes.size() % 8, 0u);
  expectEqual(Record_Decode(bytes), sparse);
}

TEST(GeneratedPickle, ValueWithoutRepresentationIsAnEncodeError) {
  Record r = sampleRecord();
  r.count = 4;  // [size_is(count)] disagrees with the vector
  EXPECT_THROW(Record_Encode(r), EncodeError);
}

TEST(GeneratedPickle, EveryTruncationIsADecodeError) {
  const auto bytes = Record_Encode(sampleRecord());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_NE(decodeError(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + n)), "") << n;
}

TEST(GeneratedPickle, BadHeadersAreDecodeErrors) {
  auto with = [](std::size_t at, std::uint8_t value) {
    auto bytes = Record_Encode(sampleRecord());
    bytes[at] = value;
    return decodeError(bytes);
  };
  EXPECT_NE(with(0, 2).find("version 2"), std::string::npos);
  EXPECT_NE(with(1, 0x00).find("big-endian"), std::string::npos);
  EXPECT_NE(with(2, 0x10).find("common header length"), std::string::npos);
  // The record's NDR is 72 bytes with its padding.
  EXPECT_NE(with(8, 0x50).find("truncated: the private header announces 80 bytes but 72 follow"),
            std::string::npos);
  EXPECT_NE(with(8, 0x40).find("8 bytes follow the value"), std::string::npos);
  EXPECT_NE(with(8, 0x10).find("56 bytes follow the value"), std::string::npos);
}

TEST(GeneratedPickle, HostileCountsAreDecodeErrorsWithoutHugeAllocations) {
  auto bytes = Record_Encode(sampleRecord());
  const std::uint32_t huge = 0x7fffffff;
  std::memcpy(bytes.data() + 16, &huge, sizeof huge);  // the conformant array's max_count
  EXPECT_NE(decodeError(bytes), "");
  bytes = Record_Encode(sampleRecord());
  std::memcpy(bytes.data() + 16 + 48, &huge, sizeof huge);  // the string's actual_count
  EXPECT_NE(decodeError(bytes), "");
  bytes.push_back(0);  // a byte after the value
  EXPECT_NE(decodeError(bytes).find("1 bytes follow the value"), std::string::npos);
}

TEST(GeneratedPickle, EveryFlippedBitDecodesOrIsADecodeError) {
  const auto bytes = Record_Encode(sampleRecord());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto flipped = bytes;
      flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
      try {
        Record_Decode(flipped);
      } catch (const DecodeError&) {
      } catch (const std::exception& e) {
        ADD_FAILURE() << "byte " << i << " bit " << bit << ": " << e.what();
      }
    }
  }
}

}  // namespace
