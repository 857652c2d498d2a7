// SHA-1, only for name-based (version 5) UUIDs; not for anything that needs collision resistance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace midlc {

std::array<uint8_t, 20> sha1(std::string_view data);

}  // namespace midlc
