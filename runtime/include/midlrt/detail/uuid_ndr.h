// NDR marshaling of rpc::Uuid, the C++ type of IDL's GUID (`struct _GUID` in wtypes.idl): a 32-bit, two
// 16-bit and eight 8-bit fields, 4-aligned, as any struct of that shape. Generated code finds these by
// argument-dependent lookup, beside the functions it generates for the types it declares itself.
#pragma once

#include <cstdint>

#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc {

inline void ndrWriteFlat(ndr::Encoder& e, const Uuid& v) {
  e.align(4);
  e.write<uint32_t>(v.data1);
  e.write<uint16_t>(v.data2);
  e.write<uint16_t>(v.data3);
  e.writeBulk(v.data4, sizeof v.data4);
}
inline void ndrWritePointees(ndr::Encoder&, const Uuid&) {}
inline void ndrReadFlat(ndr::Decoder& d, Uuid& v) {
  d.align(4);
  v.data1 = d.read<uint32_t>();
  v.data2 = d.read<uint16_t>();
  v.data3 = d.read<uint16_t>();
  d.readBulk(v.data4, sizeof v.data4);
}
inline void ndrReadPointees(ndr::Decoder&, Uuid&) {}
inline void ndrWrite(ndr::Encoder& e, const Uuid& v) {
  ndrWriteFlat(e, v);
}
inline void ndrRead(ndr::Decoder& d, Uuid& v) {
  ndrReadFlat(d, v);
}

}  // namespace midlrt::rpc
