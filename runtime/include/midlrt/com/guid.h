// GUID/IID: the 16-byte DCE UUID of the RPC layer, with ordering for maps and the COM spellings.
#pragma once

#include <cstring>
#include <string>

#include "midlrt/rpc/uuid.h"

namespace midlrt::com {

/// Fields in host order; on the wire (and by Uuid::encode) in the NDR little-endian layout of DCE.
/// Text is "00000000-0000-0000-c000-000000000046" (Uuid::parse accepts braces and either case).
using Guid = rpc::Uuid;
///@{
/// Windows' names: a GUID, an interface's IID, a class's CLSID, and the const references that COM
/// signatures take. IDL's GUID/IID/CLSID map to these.
using GUID = Guid;
using IID = Guid;
using CLSID = Guid;
using REFIID = const IID&;
using REFCLSID = const CLSID&;
using REFGUID = const Guid&;
///@}

/// A strict weak order (data1, data2, data3, data4 bytes), for std::map and sorted tables.
struct GuidLess {
  /// a orders before b.
  bool operator()(const Guid& a, const Guid& b) const {
    if (a.data1 != b.data1) return a.data1 < b.data1;
    if (a.data2 != b.data2) return a.data2 < b.data2;
    if (a.data3 != b.data3) return a.data3 < b.data3;
    return std::memcmp(a.data4, b.data4, sizeof a.data4) < 0;
  }
};

/// A new version 4 (random) UUID, RFC 4122 4.4 (Windows' CoCreateGuid): unique, not secret. From a
/// per-thread generator seeded once from the system's entropy, so that causality ids and IPIDs cost no
/// system call.
Guid newGuid();

/// Windows' IsEqualGUID: the same 16 bytes (a == b).
inline bool IsEqualGUID(const Guid& a, const Guid& b) {
  return a == b;
}

}  // namespace midlrt::com
