// Little-endian NDR written by hand, for tests that compare generated marshaling with the bytes C706
// chapter 14 prescribes or that send bytes breaking its rules: each helper appends one value, aligned as
// NDR aligns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace midlc::test {

struct Ndr {
  std::vector<uint8_t> b;
  Ndr& align(size_t n) {
    while (b.size() % n) b.push_back(0);
    return *this;
  }
  Ndr& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Ndr& u16(uint16_t v) {
    align(2);
    for (int i = 0; i < 2; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Ndr& u32(uint32_t v) {
    align(4);
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  // MS-DCOM 2.2.13: the ORPCTHIS an object call's request starts with (version 5.7, flags 0, reserved1 0,
  // the causality id `cid`, no extensions), and the ORPCTHAT its response starts with (flags 0, none).
  Ndr& orpcThis(uint8_t cid = 1) {
    u16(5).u16(7).u32(0).u32(0);
    for (int i = 0; i < 16; ++i) b.push_back(cid);
    return u32(0);
  }
  Ndr& orpcThat() { return u32(0).u32(0); }
};

}  // namespace midlc::test
