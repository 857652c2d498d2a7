// SHA-1: for name-based (version 5) UUIDs, and to recognize files and cache entries (--cache-dir) that
// have not changed; not for anything that needs collision resistance against an adversary.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace midlc {

std::array<uint8_t, 20> sha1(std::string_view data);

}  // namespace midlc
