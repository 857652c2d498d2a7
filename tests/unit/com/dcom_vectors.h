// The MS-DCOM structures impacket's DCOM client writes (orpc_vectors.inc, from
// tests/interop/ndr_vectors/make_orpc_vectors.py), by name.
#pragma once

#include "named_vectors.h"

#include <cstdint>
#include <string>
#include <vector>

namespace midlrt::com::test {

inline std::vector<std::uint8_t> bytesOf(const char* name) {
  static const midlrt::test::NamedVector kVectors[] = {
#include "orpc_vectors.inc"
  };
  return midlrt::test::namedVector(kVectors, name);
}

}  // namespace midlrt::com::test
