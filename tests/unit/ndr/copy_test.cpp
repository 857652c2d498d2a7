// Bulk copies that step around the slow case of `rep movsb` (midlrt/ndr/copy.h): the same bytes as memcpy
// at every offset and size, and the window they step around.
#include "midlrt/ndr/copy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "midlrt/ndr/decoder.h"

namespace midlrt::ndr {
namespace {

struct FreeDeleter {
  void operator()(std::uint8_t* p) const { std::free(p); }
};
using Pages = std::unique_ptr<std::uint8_t, FreeDeleter>;
Pages pages(std::size_t n) {
  return Pages(
      static_cast<std::uint8_t*>(std::aligned_alloc(4096, (n + 4095) / 4096 * 4096)));  // whole pages
}

TEST(CopyBytes, TheWindowIsADestination1To31BytesPastTheSourceWithinAPage) {
  Pages a = pages(8192), b = pages(8192);
  const std::uint8_t* src = a.get() + 100;
  EXPECT_FALSE(slowToCopy(b.get() + 100, src, 4096));  // the same offset
  EXPECT_TRUE(slowToCopy(b.get() + 101, src, 4096));
  EXPECT_TRUE(slowToCopy(b.get() + 131, src, 4096));
  EXPECT_FALSE(slowToCopy(b.get() + 132, src, 4096));
  EXPECT_FALSE(slowToCopy(b.get() + 99, src, 4096));         // before the source: fast
  EXPECT_TRUE(slowToCopy(b.get() + 4096 + 116, src, 4096));  // modulo a page
  EXPECT_FALSE(slowToCopy(b.get() + 116, src, 2047));        // short copies do not use the string copy
  EXPECT_TRUE(slowToCopy(b.get() + 116, src, 2048));
}

TEST(CopyBytes, CopiesWhatMemcpyCopiesAtEveryOffsetAndNothingMore) {
  Pages a = pages(3 * 65536), b = pages(3 * 65536);
  for (std::size_t i = 0; i < 3 * 65536; ++i) a.get()[i] = static_cast<std::uint8_t>(i * 31 + 7);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2047}, std::size_t{2048},
                        std::size_t{4096 + 13}, std::size_t{65536 + 7}}) {
    for (std::size_t gap = 0; gap <= 40; ++gap) {
      std::fill(b.get(), b.get() + 3 * 65536, std::uint8_t{0xee});
      const std::uint8_t* src = a.get() + 64;
      std::uint8_t* dst = b.get() + 64 + gap;
      copyBytes(dst, src, n);
      ASSERT_EQ(dst[-1], 0xee) << n << " " << gap;
      ASSERT_EQ(dst[n], 0xee) << n << " " << gap;
      ASSERT_EQ(std::memcmp(dst, src, n), 0) << n << " " << gap;
    }
  }
}

TEST(CopyBytes, AppendBytesAppendsInAndOutOfTheWindow) {
  Pages a = pages(2 * 65536);
  for (std::size_t i = 0; i < 2 * 65536; ++i) a.get()[i] = static_cast<std::uint8_t>(i * 13);
  for (std::size_t from = 0; from < 64; ++from) {
    std::vector<std::uint8_t> v = {1, 2, 3};
    appendBytes(v, a.get() + from, 5000);
    appendBytes(v, a.get() + from, 0);
    appendBytes(v, a.get() + from + 5000, 60000);
    ASSERT_EQ(v.size(), 65003u);
    EXPECT_EQ(v[0], 1);
    EXPECT_EQ(v[2], 3);
    EXPECT_EQ(std::memcmp(v.data() + 3, a.get() + from, 65000), 0) << from;
  }
}

// copyZeroingHoles against the plain rule (copy, then zero each element's holes) for element sizes whose
// period of 16-byte moves is 16, 48, 80 or 144 bytes, one beyond the masked path (272), one hole or several,
// counts around whole periods, and nothing written outside the elements.
template <std::size_t Size, std::size_t N>
void expectCopyZeroingHoles(const PaddingHole (&holes)[N]) {
  constexpr std::size_t kMax = 1001;
  Pages a = pages(kMax * Size + 64), b = pages(kMax * Size + 128);
  for (std::size_t i = 0; i < kMax * Size + 64; ++i) a.get()[i] = static_cast<std::uint8_t>(i * 29 + 1) | 1;
  std::vector<std::uint8_t> want(kMax * Size);
  for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5},
                            std::size_t{8}, std::size_t{17}, std::size_t{40}, std::size_t{41}, kMax}) {
    for (std::size_t from : {std::size_t{0}, std::size_t{8}, std::size_t{13}}) {
      const std::uint8_t* src = a.get() + from;
      std::uint8_t* dst = b.get() + 64;
      std::fill(b.get(), b.get() + kMax * Size + 128, std::uint8_t{0xee});
      std::memcpy(want.data(), src, count * Size);
      for (std::size_t e = 0; e < count; ++e) {
        for (const PaddingHole& h : holes) std::memset(want.data() + e * Size + h.offset, 0, h.size);
      }
      copyZeroingHoles<Size>(dst, src, count, holes);
      ASSERT_EQ(dst[-1], 0xee) << Size << " " << count;
      ASSERT_EQ(dst[count * Size], 0xee) << Size << " " << count;
      ASSERT_EQ(std::memcmp(dst, want.data(), count * Size), 0) << Size << " " << count << " " << from;
    }
  }
}

TEST(CopyZeroingHoles, CopiesEachElementWithItsHolesZeroedAndNothingMore) {
  // Byte ranges within elements of the size given (the function knows no types); the first is W4's
  // {long; double; double}.
  static constexpr PaddingHole kOne[] = {{4, 4}};                     // 24 bytes (period 48)
  static constexpr PaddingHole kTwo[] = {{1, 3}, {10, 2}};            // 12 (period 48)
  static constexpr PaddingHole kTail[] = {{2, 6}};                    // 24
  static constexpr PaddingHole kWide[] = {{1, 7}, {9, 7}, {17, 15}};  // 40 (period 80)
  static constexpr PaddingHole kOdd[] = {{2, 2}, {70, 2}};            // 72 (period 144)
  static constexpr PaddingHole kLong[] = {{4, 4}, {100, 12}};         // 136 (period 272: copy, then zero)
  static constexpr PaddingHole kSixteen[] = {{4, 4}};                 // 16 (period 16)
  expectCopyZeroingHoles<24>(kOne);
  expectCopyZeroingHoles<12>(kTwo);
  expectCopyZeroingHoles<24>(kTail);
  expectCopyZeroingHoles<40>(kWide);
  expectCopyZeroingHoles<72>(kOdd);
  expectCopyZeroingHoles<136>(kLong);
  expectCopyZeroingHoles<16>(kSixteen);
}

// Elements whose memory is their wire form, as the stubs' readBulk callers have: {long; [pad]; double}.
struct Sample {
  std::int32_t id;
  std::int32_t pad;
  double x;
};

// readBulk into a vector copies straight in where the bytes are aligned for the element, and makes the
// elements first where they are not (or where memcpy would be slow): the same values either way, replacing
// what the vector held and keeping its capacity.
TEST(CopyBytes, ReadBulkFillsAVectorFromAlignedMisalignedAndSlowToCopyBytes) {
  constexpr std::size_t kCount = 5000;  // 80,000 bytes: the string copy's size
  std::vector<Sample> want(kCount);
  for (std::size_t i = 0; i < kCount; ++i) want[i] = Sample{static_cast<std::int32_t>(i), 0, 0.5 * double(i)};
  Pages wire = pages(2 * 4096 + kCount * sizeof(Sample));
  for (std::size_t at : {std::size_t{0}, std::size_t{4}, std::size_t{8}, std::size_t{24}}) {
    std::memcpy(wire.get() + at, want.data(), kCount * sizeof(Sample));
    std::vector<Sample> got(kCount + 7, Sample{-1, -1, -1.0});
    const Sample* before = got.data();
    Decoder d(wire.get() + at, kCount * sizeof(Sample));
    d.readBulk(got, kCount);
    ASSERT_EQ(got.size(), kCount) << at;
    EXPECT_EQ(got.data(), before) << at;  // the capacity it had
    EXPECT_EQ(std::memcmp(got.data(), want.data(), kCount * sizeof(Sample)), 0) << at;
    EXPECT_EQ(d.remaining(), 0u);
  }
  // Bytes that the vector's block lies 1 to 31 bytes past, modulo a page.
  for (std::size_t gap = 1; gap < 32; gap += 15) {
    std::vector<Sample> got;
    got.reserve(kCount);
    const auto block = reinterpret_cast<std::uintptr_t>(got.data()) & 4095;
    std::uint8_t* src = wire.get() + ((block - gap) & 4095);
    std::memcpy(src, want.data(), kCount * sizeof(Sample));
    Decoder d(src, kCount * sizeof(Sample));
    ASSERT_TRUE(slowToCopy(got.data(), src, kCount * sizeof(Sample)));
    d.readBulk(got, kCount);
    EXPECT_EQ(std::memcmp(got.data(), want.data(), kCount * sizeof(Sample)), 0) << gap;
  }
}

}  // namespace
}  // namespace midlrt::ndr
