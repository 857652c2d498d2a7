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
  std::uint16_t major = 5;  ///< MajorVersion: 5
  std::uint16_t minor = 7;  ///< MinorVersion: 1, 2, 4, 6 or 7
};

/// ORPC_EXTENT (MS-DCOM 2.2.13.1): out-of-band data whose format `id` names; receivers ignore the formats
/// they do not know. On the wire the data is zero-padded to a multiple of 8 bytes.
struct OrpcExtent {
  Guid id;                         ///< the format of the data
  std::vector<std::uint8_t> data;  ///< without the padding
};

/// ORPCTHIS (MS-DCOM 2.2.13.3). `cid` is the causality id: the same for every call a logical call makes,
/// however deeply nested (MS-DCOM 1.3.5). reserved1 is sent as zero and ignored.
struct OrpcThis {
  ComVersion version;                  ///< the client's
  std::uint32_t flags = 0;             ///< 0 on ORPC calls; activation requests may send anything
  Guid cid;                            ///< the causality id
  std::vector<OrpcExtent> extensions;  ///< empty: a NULL extensions pointer
};

/// ORPCTHAT (MS-DCOM 2.2.13.4). The flags are ignored on receipt.
struct OrpcThat {
  std::uint32_t flags = 0;             ///< anything; ignored on receipt
  std::vector<OrpcExtent> extensions;  ///< empty: a NULL extensions pointer
};

///@{
/// Writes the structure with its deferred extensions, as MIDL writes a first [in] (ORPCTHIS) or [out]
/// (ORPCTHAT) parameter.
void ndrWrite(ndr::Encoder& e, const OrpcThis& v);
void ndrWrite(ndr::Encoder& e, const OrpcThat& v);
///@}
///@{
/// Reads one, checking the counts the extensions carry against their size fields and the bytes left, and
/// refusing more than kMaxOrpcExtents extents (DecodeError).
void ndrRead(ndr::Decoder& d, OrpcThis& v);
void ndrRead(ndr::Decoder& d, OrpcThat& v);
///@}

/// The most extents one ORPCTHIS or ORPCTHAT may carry (Windows sends at most a few).
inline constexpr std::uint32_t kMaxOrpcExtents = 64;

/// The causality id of the ORPC call this thread is serving (MS-DCOM 1.3.5), set by generated stubs for the
/// length of the call (CausalityScope); nil when it serves none.
Guid currentCausality() noexcept;

/// Makes `cid` this thread's causality id until destroyed (then the one before comes back): the calls a
/// manager makes meanwhile carry it on, so a server can tell a nested call of the same logical call.
class CausalityScope {
 public:
  /// `cid` is the thread's causality id from now on.
  explicit CausalityScope(const Guid& cid) noexcept;
  /// The one before comes back.
  ~CausalityScope();
  CausalityScope(const CausalityScope&) = delete;
  CausalityScope& operator=(const CausalityScope&) = delete;

 private:
  Guid previous_;
};

///@{
/// For generated proxies and stubs: the ORPCTHIS a request starts with (version 5.7, this thread's causality
/// id or a new random one, no extensions), and the ORPCTHAT a response starts with (no extensions). Read
/// ones are checked as ndrRead does; the receiver ignores extensions it does not know, which today is all.
void writeRequestOrpcThis(ndr::Encoder& e);
OrpcThis readRequestOrpcThis(ndr::Decoder& d);
void writeResponseOrpcThat(ndr::Encoder& e);
void readResponseOrpcThat(ndr::Decoder& d);
///@}

}  // namespace midlrt::com
