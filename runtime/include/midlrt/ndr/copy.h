// Bulk copies: around a slow case of the processor's string copy, and with padding holes zeroed in one pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

#include "midlrt/ndr/primitive.h"

namespace midlrt::ndr {

/// slowToCopy's rule for `gap`, the destination's address minus the source's (only its low 12 bits count):
/// for a copy whose destination is not an address in this process (the kernel's, into a socket's pages).
inline bool slowToCopyAtGap(std::uintptr_t gap, std::size_t n) noexcept {
  constexpr std::size_t kStringCopyMin = 2048;  // below it glibc moves vectors itself
  gap &= 4095;
  return n >= kStringCopyMin && gap != 0 && gap < 32;
}

/// Whether memcpy would copy `n` bytes from `src` to `dst` slowly: glibc copies a few KiB and more with
/// `rep movsb`, which on some processors (AMD EPYC, where this was measured) runs at a tenth of its speed
/// when the destination lies 1 to 31 bytes past the source modulo 4096 (64 KiB: 36 us instead of 1.6).
inline bool slowToCopy(const void* dst, const void* src, std::size_t n) noexcept {
  return slowToCopyAtGap(reinterpret_cast<std::uintptr_t>(dst) - reinterpret_cast<std::uintptr_t>(src), n);
}

/// memcpy for bulk data (no overlap): a copy that slowToCopy names goes in 64-byte moves instead (2 us for
/// 64 KiB at any offset).
inline void copyBytes(void* dst, const void* src, std::size_t n) noexcept {
  if (!slowToCopy(dst, src, n)) {
    std::memcpy(dst, src, n);
    return;
  }
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    std::memcpy(d + i, s + i, 64);  // a constant size: inline moves, not a call
#if defined(__GNUC__)
    __asm__ volatile("" ::: "memory");  // keeps the compiler from making the loop one memcpy again
#endif
  }
  std::memcpy(d + i, s + i, n - i);
}

/// Copies `count` elements of `Size` bytes from `src` to `dst` (no overlap), each element's `holes` zeroed,
/// in one pass: 16-byte moves through a mask, over the period after which the holes fall on the same bytes of
/// a move again (two elements of 24 bytes: 48). Copying the whole array and then storing zeros into its holes
/// cost three times the copy alone (ndr_bench, 10,000 24-byte elements: the zeros went to lines the copy had
/// already pushed out of the first-level cache). Periods longer than 256 bytes, and the elements after the
/// last whole period, are copied and then zeroed.
template <std::size_t Size, std::size_t N>
[[gnu::always_inline]] inline void copyZeroingHoles(std::uint8_t* dst, const std::uint8_t* src,
                                                    std::size_t count,
                                                    const PaddingHole (&holes)[N]) noexcept {
#if defined(__GNUC__)
  constexpr std::size_t kPeriod = std::lcm(Size, std::size_t{16});
  if constexpr (kPeriod <= 256) {
    using Vec = std::uint8_t __attribute__((vector_size(16)));
    constexpr std::size_t kVecs = kPeriod / 16;
    constexpr std::size_t kPerPeriod = kPeriod / Size;
    std::uint8_t keep[kPeriod];
    std::memset(keep, 0xff, kPeriod);
    for (std::size_t e = 0; e < kPeriod; e += Size) {
      for (const PaddingHole& h : holes) std::memset(keep + e + h.offset, 0, h.size);
    }
    Vec mask[kVecs];
    std::memcpy(mask, keep, kPeriod);
    const std::size_t periods = count / kPerPeriod;
    for (std::size_t i = 0; i < periods; ++i, dst += kPeriod, src += kPeriod) {
      for (std::size_t v = 0; v < kVecs; ++v) {
        Vec x;
        std::memcpy(&x, src + 16 * v, 16);
        x &= mask[v];
        std::memcpy(dst + 16 * v, &x, 16);
      }
    }
    count -= periods * kPerPeriod;
  }
#endif
  copyBytes(dst, src, count * Size);
  for (std::size_t i = 0; i < count; ++i, dst += Size) {
    for (const PaddingHole& h : holes) std::memset(dst + h.offset, 0, h.size);
  }
}

/// Appends `n` bytes at `p` to `v` with copyBytes (std::vector's insert copies with memmove).
inline void appendBytes(std::vector<std::uint8_t>& v, const std::uint8_t* p, std::size_t n) {
  if (n == 0) return;
  const std::size_t at = v.size();
  if (v.capacity() - at < n) v.reserve(at + n > 2 * at ? at + n : 2 * at);
  if (!slowToCopy(v.data() + at, p, n)) {
    v.insert(v.end(), p, p + n);
    return;
  }
  v.resize(at + n);  // zeros first: a pass that costs a tenth of what the slow copy would
  copyBytes(v.data() + at, p, n);
}

}  // namespace midlrt::ndr
