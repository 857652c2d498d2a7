// The implicit first argument of every COM remote call on MS-DCOM's wire: ORPCTHIS before a request's
// parameters, ORPCTHAT before a response's (MS-DCOM 2.2.13), with the ORPC extensions either may carry.
#pragma once

#include <cstdint>
#include <vector>

#include "midlrt/com/guid.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"

namespace midlrt::com {

/// COMVERSION (MS-DCOM 2.2.11): the version of the protocol its sender speaks; 5.7 is the latest.
struct ComVersion {
  std::uint16_t major = 5;
  std::uint16_t minor = 7;
};

/// ORPC_EXTENT (MS-DCOM 2.2.13.1): out-of-band data whose format `id` names; receivers ignore the formats
/// they do not know. On the wire the data is zero-padded to a multiple of 8 bytes.
struct OrpcExtent {
  Guid id;
  std::vector<std::uint8_t> data;
};

/// ORPCTHIS (MS-DCOM 2.2.13.3). `cid` is the causality id: the same for every call a logical call makes,
/// however deeply nested (MS-DCOM 1.3.5). reserved1 is sent as zero and ignored.
struct OrpcThis {
  ComVersion version;
  std::uint32_t flags = 0;  ///< 0 on ORPC calls; activation requests may send anything
  Guid cid;
  std::vector<OrpcExtent> extensions;  ///< empty: a NULL extensions pointer
};

/// ORPCTHAT (MS-DCOM 2.2.13.4). The flags are ignored on receipt.
struct OrpcThat {
  std::uint32_t flags = 0;
  std::vector<OrpcExtent> extensions;  ///< empty: a NULL extensions pointer
};

/// Writes the structure with its deferred extensions, as MIDL writes a first [in] (ORPCTHIS) or [out]
/// (ORPCTHAT) parameter.
void ndrWrite(ndr::Encoder& e, const OrpcThis& v);
void ndrWrite(ndr::Encoder& e, const OrpcThat& v);
/// Reads one, checking the counts the extensions carry against their size fields and the bytes left
/// (DecodeError otherwise); at most kMaxOrpcExtents extents are kept.
void ndrRead(ndr::Decoder& d, OrpcThis& v);
void ndrRead(ndr::Decoder& d, OrpcThat& v);

/// The most extents one ORPCTHIS or ORPCTHAT may carry (Windows sends at most a few).
inline constexpr std::uint32_t kMaxOrpcExtents = 64;

}  // namespace midlrt::com
