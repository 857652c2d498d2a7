// Encoder::leaveGaps: the stub data laid out as fragments will carry it, a gap for the next fragment's
// header after every so many bytes. Whatever is written, closing the gaps gives the bytes written without
// them.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "midlrt/ndr/buffer.h"
#include "midlrt/ndr/encoder.h"

namespace midlrt::ndr {
namespace {

struct Point {  // NDR: 4 + pad 4 + 8 + 8, its C++ layout
  std::int32_t id;
  double x;
  double y;
};
constexpr PaddingHole kPointHoles[] = {{4, 4}};

// A bit of everything generated code writes, with values that show where each byte went.
void writeMixed(Encoder& e) {
  std::vector<Point> points(37);
  std::memset(points.data(), 0xee, sizeof(Point) * points.size());  // garbage in the padding
  for (std::size_t i = 0; i < points.size(); ++i)
    points[i] = Point{static_cast<std::int32_t>(i + 1), 0.5 * static_cast<double>(i), -1.0};
  std::vector<std::uint8_t> bytes(301);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
  e.write<std::uint8_t>(0x11);
  e.write<std::uint16_t>(0x2233);
  e.write<std::uint64_t>(0x4455667788990011u);
  e.writeConformance(points.size());
  e.writeBulk(points.data(), points.size(), kPointHoles);
  e.write<std::uint8_t>(0x99);
  e.writeString("a string that spans a gap or two");
  e.writeWString(u"wide characters, too");
  e.writeUniquePointer(&bytes);
  e.writeConformantArray(bytes.data(), bytes.size());
  e.write<double>(2.5);
  e.align(8);
  e.write<std::int32_t>(-1);
}

std::vector<std::uint8_t> contiguous() {
  Buffer b;
  Encoder e(b);
  writeMixed(e);
  return {b.data(), b.data() + b.size()};
}

TEST(NdrGaps, ClosingTheGapsGivesTheBytesWrittenWithoutThem) {
  const std::vector<std::uint8_t> want = contiguous();
  for (std::size_t every : {8u, 16u, 24u, 64u, 136u, 4096u}) {
    for (std::size_t gap : {3u, 24u, 40u}) {
      Buffer b;
      b.resize(16);  // headroom in front, as a Message keeps
      Encoder e(b, 16);
      std::size_t gaps = 99;
      e.leaveGaps(every, gap, &gaps);
      EXPECT_EQ(gaps, 0u);
      writeMixed(e);
      EXPECT_EQ(e.position(), want.size()) << every << " " << gap;
      // A gap before each stub byte at a multiple of `every`, none after the last.
      EXPECT_EQ(gaps, (want.size() - 1) / every) << every << " " << gap;
      ASSERT_EQ(b.size(), 16 + want.size() + gaps * gap) << every << " " << gap;
      for (std::size_t k = 0; k <= gaps; ++k) {
        const std::size_t len = std::min(every, want.size() - k * every);
        EXPECT_EQ(std::memcmp(b.data() + 16 + k * (every + gap), want.data() + k * every, len), 0)
            << every << " " << gap << " segment " << k;
      }
      const std::size_t n = closeGaps(b.data() + 16, b.size() - 16, every, gap);
      ASSERT_EQ(n, want.size());
      EXPECT_EQ(std::memcmp(b.data() + 16, want.data(), n), 0) << every << " " << gap;
    }
  }
}

TEST(NdrGaps, StoppingClosesThemAndWritingGoesOnContiguously) {
  const std::vector<std::uint8_t> want = contiguous();
  Buffer b;
  Encoder e(b);
  std::size_t gaps = 0;
  e.leaveGaps(16, 24, &gaps);
  e.write<std::uint64_t>(1);
  e.write<std::uint64_t>(2);
  e.write<std::uint64_t>(3);  // after a gap
  EXPECT_EQ(gaps, 1u);
  e.stopLeavingGaps();
  EXPECT_EQ(gaps, 0u);
  EXPECT_EQ(b.size(), 24u);
  EXPECT_EQ(e.position(), 24u);
  writeMixed(e);
  ASSERT_EQ(b.size(), 24 + want.size());
  EXPECT_EQ(std::memcmp(b.data() + 24, want.data(), want.size()), 0);
  EXPECT_EQ(b.data()[16], 3);
}

TEST(NdrGaps, AGatheredWriteClosesThem) {
  std::vector<std::uint8_t> big(Encoder::kGatherMin, 0x5a);
  Buffer b;
  Encoder e(b);
  std::size_t gaps = 0;
  std::vector<GatheredBytes> gathered;
  e.leaveGaps(8, 24, &gaps);
  e.gatherInto(&gathered);
  e.write<std::uint64_t>(1);
  e.write<std::uint32_t>(2);
  EXPECT_EQ(gaps, 1u);
  e.writeBulk(big.data(), big.size());
  EXPECT_EQ(gaps, 0u);
  ASSERT_EQ(gathered.size(), 1u);
  EXPECT_EQ(gathered[0].at, 12u);  // where it stands in the closed stub data
  e.write<std::uint32_t>(3);
  EXPECT_EQ(b.size(), 16u);
  EXPECT_EQ(e.position(), 16 + big.size());
}

TEST(NdrGaps, OnlyBeforeAnythingIsWritten) {
  Buffer b;
  Encoder e(b);
  std::size_t gaps = 0;
  EXPECT_THROW(e.leaveGaps(12, 24, &gaps), EncodeError);  // not a multiple of 8
  e.write<std::uint8_t>(1);
  EXPECT_THROW(e.leaveGaps(16, 24, &gaps), EncodeError);
}

}  // namespace
}  // namespace midlrt::ndr
