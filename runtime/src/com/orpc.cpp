#include "midlrt/com/orpc.h"

#include <string>

#include "midlrt/detail/uuid_ndr.h"

namespace midlrt::com {

namespace {

// ORPC_EXTENT_ARRAY: size and reserved, then a unique pointer to (size+1)&~1 unique pointers to the
// extents (the array is rounded up to an even count; the extra entry is NULL).
void writeExtents(ndr::Encoder& e, const std::vector<OrpcExtent>& extents) {
  if (!e.writeUniquePointer(extents.empty() ? nullptr : &extents)) return;
  const auto size = static_cast<std::uint32_t>(extents.size());
  e.write<std::uint32_t>(size);
  e.write<std::uint32_t>(0);  // reserved
  e.writeRefPointer();        // the extent array: non-NULL whenever the structure is sent
  const std::uint32_t rounded = (size + 1) & ~std::uint32_t{1};
  e.writeConformance(rounded);
  for (std::uint32_t i = 0; i < rounded; ++i) e.writeUniquePointer(i < size ? &extents[i] : nullptr);
  for (const OrpcExtent& x : extents) {
    // A conformant structure: the data's max_count first, then id, size and the data padded to 8.
    const std::size_t padded = (x.data.size() + 7) & ~std::size_t{7};
    e.writeConformance(padded);
    rpc::ndrWriteFlat(e, x.id);
    e.write<std::uint32_t>(static_cast<std::uint32_t>(x.data.size()));
    e.writeBulk(x.data.data(), x.data.size());
    static constexpr std::uint8_t kZeros[8] = {};
    e.writeBulk(kZeros, padded - x.data.size());
  }
}

void readExtents(ndr::Decoder& d, std::vector<OrpcExtent>& extents) {
  extents.clear();
  if (!d.readUniquePointer()) return;
  const std::uint32_t size = d.read<std::uint32_t>();
  d.read<std::uint32_t>();  // reserved
  if (!d.readUniquePointer()) {
    if (size != 0)
      ndr::Decoder::fail("ORPC_EXTENT_ARRAY: a NULL extent array with size " + std::to_string(size));
    return;
  }
  const std::uint32_t rounded = d.readConformance();
  ndr::Decoder::checkCorrelation("ORPC_EXTENT_ARRAY (size+1)&~1",
                                 (std::uint64_t{size} + 1) & ~std::uint64_t{1}, rounded);
  if (size > kMaxOrpcExtents)
    ndr::Decoder::fail("ORPC_EXTENT_ARRAY: " + std::to_string(size) + " extents, more than " +
                       std::to_string(kMaxOrpcExtents));
  std::vector<bool> present(rounded);
  for (std::uint32_t i = 0; i < rounded; ++i) present[i] = d.readUniquePointer();
  for (std::uint32_t i = 0; i < rounded; ++i) {
    if (!present[i]) continue;
    const std::uint32_t padded = d.readConformance();
    OrpcExtent x;
    rpc::ndrReadFlat(d, x.id);
    const std::uint32_t n = d.read<std::uint32_t>();
    ndr::Decoder::checkCorrelation("ORPC_EXTENT (size+7)&~7", (std::uint64_t{n} + 7) & ~std::uint64_t{7},
                                   padded);
    d.readBulk(x.data, padded);  // checked against the bytes left before anything is allocated
    x.data.resize(n);
    // Entries past `size` are the rounding's; a sender that fills one is read but not kept.
    if (i < size) extents.push_back(std::move(x));
  }
}

thread_local Guid tCausality{};

}  // namespace

Guid currentCausality() noexcept {
  return tCausality;
}

CausalityScope::CausalityScope(const Guid& cid) noexcept : previous_(tCausality) {
  tCausality = cid;
}

CausalityScope::~CausalityScope() {
  tCausality = previous_;
}

void writeRequestOrpcThis(ndr::Encoder& e) {
  OrpcThis t;
  t.cid = tCausality == Guid{} ? newGuid() : tCausality;
  ndrWrite(e, t);
}

OrpcThis readRequestOrpcThis(ndr::Decoder& d) {
  OrpcThis t;
  ndrRead(d, t);
  return t;
}

void writeResponseOrpcThat(ndr::Encoder& e) {
  ndrWrite(e, OrpcThat{});
}

void readResponseOrpcThat(ndr::Decoder& d) {
  OrpcThat t;
  ndrRead(d, t);
}

void ndrWrite(ndr::Encoder& e, const OrpcThis& v) {
  e.align(4);
  e.write<std::uint16_t>(v.version.major);
  e.write<std::uint16_t>(v.version.minor);
  e.write<std::uint32_t>(v.flags);
  e.write<std::uint32_t>(0);  // reserved1
  rpc::ndrWriteFlat(e, v.cid);
  writeExtents(e, v.extensions);
}

void ndrWrite(ndr::Encoder& e, const OrpcThat& v) {
  e.align(4);
  e.write<std::uint32_t>(v.flags);
  writeExtents(e, v.extensions);
}

void ndrRead(ndr::Decoder& d, OrpcThis& v) {
  d.align(4);
  v.version.major = d.read<std::uint16_t>();
  v.version.minor = d.read<std::uint16_t>();
  v.flags = d.read<std::uint32_t>();
  d.read<std::uint32_t>();  // reserved1: ignored
  rpc::ndrReadFlat(d, v.cid);
  readExtents(d, v.extensions);
}

void ndrRead(ndr::Decoder& d, OrpcThat& v) {
  d.align(4);
  v.flags = d.read<std::uint32_t>();
  readExtents(d, v.extensions);
}

}  // namespace midlrt::com
