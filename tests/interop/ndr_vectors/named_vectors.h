// The byte vectors the generator scripts of this folder write (orpc_vectors.inc, tower_vectors.inc): a
// table of {name, hex} rows, looked up by name.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace midlrt::test {

struct NamedVector {
  const char* name;
  const char* hex;
};

/// The bytes of the row called `name` (a test failure, and no bytes, if there is none).
template <std::size_t N>
std::vector<std::uint8_t> namedVector(const NamedVector (&table)[N], const char* name) {
  for (const NamedVector& v : table) {
    if (std::string(v.name) != name) continue;
    std::vector<std::uint8_t> out;
    for (const char* p = v.hex; p[0] != 0 && p[1] != 0; p += 2)
      out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(p, 2), nullptr, 16)));
    return out;
  }
  ADD_FAILURE() << "no vector " << name;
  return {};
}

}  // namespace midlrt::test
