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

namespace midlrt::ndr {
namespace {

struct FreeDeleter {
  void operator()(std::uint8_t* p) const { std::free(p); }
};
using Pages = std::unique_ptr<std::uint8_t, FreeDeleter>;
Pages pages(std::size_t n) {
  return Pages(static_cast<std::uint8_t*>(std::aligned_alloc(4096, n)));
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

}  // namespace
}  // namespace midlrt::ndr
