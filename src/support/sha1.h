// SHA-1: for name-based (version 5) UUIDs, and to recognize files and cache entries (--cache-dir) that
// have not changed; not for anything that needs collision resistance against an adversary.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace midlc {

// With the x86 SHA extensions where the processor has them (hashing the files' contents in plain code took
// 6% of a cached run), else in plain code.
std::array<uint8_t, 20> sha1(std::string_view data);

// In plain code always: the reference the tests hold the other to.
std::array<uint8_t, 20> sha1Portable(std::string_view data);

}  // namespace midlc
