// The MS-DCOM structures impacket's DCOM client writes (orpc_vectors.inc, from
// tests/interop/ndr_vectors/make_orpc_vectors.py), by name.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace midlrt::com::test {

inline std::vector<std::uint8_t> bytesOf(const char* name) {
  struct Vector {
    const char* name;
    const char* hex;
  };
  static const Vector kVectors[] = {
#include "orpc_vectors.inc"
  };
  for (const Vector& v : kVectors) {
    if (std::string(v.name) != name) continue;
    std::vector<std::uint8_t> out;
    for (const char* p = v.hex; p[0] != 0 && p[1] != 0; p += 2)
      out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(p, 2), nullptr, 16)));
    return out;
  }
  ADD_FAILURE() << "no vector " << name;
  return {};
}

}  // namespace midlrt::com::test
