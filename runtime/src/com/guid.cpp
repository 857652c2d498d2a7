#include "midlrt/com/guid.h"

#include <cstdint>
#include <cstring>
#include <random>

namespace midlrt::com {

Guid newGuid() {
  thread_local std::mt19937_64 generator{(std::uint64_t{std::random_device{}()} << 32) ^
                                         std::random_device{}()};
  std::uint8_t b[16];
  const std::uint64_t hi = generator(), lo = generator();
  std::memcpy(b, &hi, 8);
  std::memcpy(b + 8, &lo, 8);
  b[7] = static_cast<std::uint8_t>((b[7] & 0x0f) | 0x40);  // version 4 in data3's high nibble (wire order)
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // the RFC 4122 variant
  return Guid::decode(b);
}

}  // namespace midlrt::com
