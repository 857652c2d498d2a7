// Compiled as C++17 (generated headers are C++17): the public NDR headers must build there warning-free.
#include "midlrt/ndr/ndr.h"

#if __cplusplus != 201703L
#error "this file must be compiled as C++17"
#endif

namespace midlrt::ndr::test {

// Instantiates the header templates once under C++17.
int cxx17RoundTrip() {
  Buffer buffer;
  Encoder e(buffer);
  e.write<std::int32_t>(3);
  e.writeString("x");
  e.writeEnum16(7);
  Decoder d(buffer.data(), buffer.size());
  DepthGuard guard(d);
  const auto v = d.read<std::int32_t>();
  const auto s = d.readString();
  return v + static_cast<int>(s.size()) + d.readEnum16<int>();
}

}  // namespace midlrt::ndr::test
