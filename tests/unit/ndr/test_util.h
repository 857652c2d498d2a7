// Small helpers shared by the NDR unit tests: hex dumps and one-shot encode/decode.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "midlrt/ndr/ndr.h"

namespace midlrt::ndr::test {

inline std::string toHex(const std::uint8_t* p, std::size_t n) {
  static const char* const kDigits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}
inline std::string toHex(const Buffer& b) {
  return toHex(b.data(), b.size());
}
inline std::string toHex(const std::vector<std::uint8_t>& b) {
  return toHex(b.data(), b.size());
}

inline std::vector<std::uint8_t> fromHex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  auto digit = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(digit(hex[i]) * 16 + digit(hex[i + 1])));
  return out;
}

/// Runs `f(Encoder&)` over a fresh buffer and returns the stub bytes as hex.
template <class F>
std::string encodeHex(F&& f) {
  Buffer buffer;
  Encoder e(buffer);
  f(e);
  return toHex(buffer);
}

/// A decoder over a byte vector, which must outlive it.
inline Decoder decoderFor(const std::vector<std::uint8_t>& bytes) {
  return Decoder(bytes.data(), bytes.size());
}

}  // namespace midlrt::ndr::test
