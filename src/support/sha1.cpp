// SHA-1 as FIPS 180-4 defines it.
#include "support/sha1.h"

#include <cstring>
#include <string>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define MIDLC_SHA1_X86 1
#endif

namespace midlc {

namespace {
uint32_t rotl(uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}
}  // namespace

namespace {
// One 64-byte block into the state.
void block(uint32_t h[5], const unsigned char* p) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i, p += 4)
    w[i] = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
  for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t t = rotl(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}
}  // namespace

#ifdef MIDLC_SHA1_X86
namespace {

// Four rounds with the x86 SHA extensions: the round function F (0 to 3: rounds 0-19, 20-39...) is an
// immediate operand, hence a template parameter.
template <int F>
__attribute__((target("sha,sse4.1"))) inline void fourRounds(__m128i& abcd, __m128i& previous, __m128i words,
                                                             bool first) {
  // The E of these rounds: the words plus, for the first four, the state's E, else what sha1nexte derives
  // from the A of four rounds before.
  const __m128i e = first ? _mm_add_epi32(previous, words) : _mm_sha1nexte_epu32(previous, words);
  previous = abcd;
  abcd = _mm_sha1rnds4_epu32(abcd, e, F);
}

// The 64-byte blocks of `p` into the state, with the SHA instructions (sha1msg1/2 extend the message four
// words at a time; the lanes hold words in reverse order, the first in the highest lane).
__attribute__((target("sha,sse4.1"))) void blocksWithShaExtensions(uint32_t h[5], const unsigned char* p,
                                                                   size_t blocks) {
  const __m128i byteSwap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), 0x1B);
  __m128i e0 = _mm_set_epi32(static_cast<int>(h[4]), 0, 0, 0);
  for (size_t b = 0; b < blocks; ++b, p += 64) {
    const __m128i abcdBefore = abcd, eBefore = e0;
    __m128i w[20];
    for (int i = 0; i < 4; ++i)
      w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)), byteSwap);
    for (int i = 4; i < 20; ++i)
      w[i] = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w[i - 4], w[i - 3]), w[i - 2]), w[i - 1]);
    __m128i previous = e0;
    fourRounds<0>(abcd, previous, w[0], true);
    for (int i = 1; i < 5; ++i) fourRounds<0>(abcd, previous, w[i], false);
    for (int i = 5; i < 10; ++i) fourRounds<1>(abcd, previous, w[i], false);
    for (int i = 10; i < 15; ++i) fourRounds<2>(abcd, previous, w[i], false);
    for (int i = 15; i < 20; ++i) fourRounds<3>(abcd, previous, w[i], false);
    e0 = _mm_sha1nexte_epu32(previous, eBefore);
    abcd = _mm_add_epi32(abcd, abcdBefore);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_shuffle_epi32(abcd, 0x1B));
  h[4] = static_cast<uint32_t>(_mm_extract_epi32(e0, 3));
}

// CPUID (clang 14's __builtin_cpu_supports does not know "sha"): leaf 7's EBX bit 29 is SHA, leaf 1's ECX
// bit 19 is SSE4.1.
bool hasShaExtensions() {
  static const bool has = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19))) return false;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return (b & (1u << 29)) != 0;
  }();
  return has;
}

}  // namespace
#endif

namespace {

void blocks(uint32_t h[5], const unsigned char* p, size_t count, bool portable) {
#ifdef MIDLC_SHA1_X86
  if (!portable && hasShaExtensions()) return blocksWithShaExtensions(h, p, count);
#endif
  (void)portable;
  for (size_t i = 0; i < count; ++i) block(h, p + 64 * i);
}

std::array<uint8_t, 20> digest(std::string_view data, bool portable) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  // The whole blocks straight from the data (no copy: the cache hashes whole files), then the padded tail.
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  const size_t whole = data.size() / 64 * 64;
  blocks(h, bytes, whole / 64, portable);
  unsigned char tail[128] = {};
  const size_t rest = data.size() - whole;
  if (rest != 0) std::memcpy(tail, bytes + whole, rest);
  tail[rest] = 0x80;
  const size_t tailSize = rest + 1 + 8 <= 64 ? 64 : 128;
  const uint64_t bitLength = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i)
    tail[tailSize - 1 - static_cast<size_t>(i)] = static_cast<unsigned char>(bitLength >> (i * 8));
  blocks(h, tail, tailSize / 64, portable);
  std::array<uint8_t, 20> out{};
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j)
      out[static_cast<size_t>(i * 4 + j)] = static_cast<uint8_t>(h[i] >> (24 - j * 8));
  return out;
}

}  // namespace

std::array<uint8_t, 20> sha1(std::string_view data) {
  return digest(data, false);
}

std::array<uint8_t, 20> sha1Portable(std::string_view data) {
  return digest(data, true);
}

}  // namespace midlc
