// How MS-DCOM names an interface of an object in another process: the OBJREF (MS-DCOM 2.2.18) that an
// interface pointer is marshaled as, inside an MInterfacePointer (2.2.14). An OBJREF is a byte-packed
// little-endian structure, not NDR: it travels as the MInterfacePointer's opaque bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "midlrt/com/guid.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"

namespace midlrt::com {

///@{
/// The identifiers of MS-DCOM's object exporter (1.3.x): an OXID names an exporter (a process or
/// apartment), an OID one object of it, an IPID one interface of one object.
using Oxid = std::uint64_t;
using Oid = std::uint64_t;
using Ipid = Guid;
///@}

/// STDOBJREF (MS-DCOM 2.2.18.2): the exporter, object and interface a reference names, and the public
/// references it hands the receiver.
struct StdObjRef {
  std::uint32_t flags = 0;       ///< SORF_* (kSorfNoPing)
  std::uint32_t publicRefs = 0;  ///< cPublicRefs: references the receiver now owns (0 for a private one)
  Oxid oxid = 0;                 ///< the exporter
  Oid oid = 0;                   ///< the object
  Ipid ipid;                     ///< the interface of the object; the object UUID of its calls
};
/// SORF_NOPING: the object is not garbage-collected by pinging; its references need not be pinged.
inline constexpr std::uint32_t kSorfNoPing = 0x1000;

/// STRINGBINDING (MS-DCOM 2.2.19.3): a protocol (C706's tower id) and a network address, "host" for an
/// object resolver (its well-known endpoint assumed) or "host[endpoint]" for an exporter. Not to be confused
/// with rpc::StringBinding, the "ncacn_ip_tcp:host[port]" text.
struct StringBinding {
  std::uint16_t towerId = 0;      ///< kTowerNcacnIpTcp...; never 0 (0 ends the list on the wire)
  std::u16string networkAddress;  ///< without the terminating 0
  friend bool operator==(const StringBinding&, const StringBinding&) = default;
};
/// wTowerId of ncacn_ip_tcp (C706 appendix I).
inline constexpr std::uint16_t kTowerNcacnIpTcp = 0x0007;

/// SECURITYBINDING (MS-DCOM 2.2.19.4): a security provider the exporter accepts, with its principal name.
struct SecurityBinding {
  std::uint16_t authnSvc = 0;    ///< RPC_C_AUTHN_*; never 0 (0 ends the list on the wire)
  std::u16string principalName;  ///< empty: no SPN
  friend bool operator==(const SecurityBinding&, const SecurityBinding&) = default;
};

/// DUALSTRINGARRAY (MS-DCOM 2.2.19): where an exporter or object resolver is reached, and with which
/// security.
struct DualStringArray {
  std::vector<StringBinding> strings;     ///< in the sender's order of preference
  std::vector<SecurityBinding> security;  ///< in the sender's order of preference
  friend bool operator==(const DualStringArray&, const DualStringArray&) = default;
};

/// The packed form (2.2.19.1) as the aStringArray of unsigned shorts, and the offset of the security
/// bindings in it (wSecurityOffset); wNumEntries is the array's size. An empty list is written as one empty
/// entry and its terminator, as the specification's smallest array (4 zeros, offset 2) has it.
struct PackedDualStringArray {
  std::vector<std::uint16_t> entries;  ///< aStringArray; its size is wNumEntries
  std::uint16_t securityOffset = 0;    ///< wSecurityOffset
};
/// Packs `a`; throws ndr::EncodeError if it exceeds 65535 entries or holds a tower id or authnSvc of 0.
PackedDualStringArray pack(const DualStringArray& a);
/// Reads a packed array, checking that the offset and every string lie within it (ndr::DecodeError).
DualStringArray unpack(std::span<const std::uint16_t> entries, std::uint16_t securityOffset);

///@{
/// The IDL form of DUALSTRINGARRAY (2.2.19.2), an NDR conformant structure, as IObjectExporter's and the
/// activator's methods carry it (the pointer to it, if any, is the caller's).
void ndrWrite(ndr::Encoder& e, const DualStringArray& v);
void ndrRead(ndr::Decoder& d, DualStringArray& v);
///@}
///@{
/// STDOBJREF as an NDR structure (inside REMQIRESULT and the activator's replies).
void ndrWrite(ndr::Encoder& e, const StdObjRef& v);
void ndrRead(ndr::Decoder& d, StdObjRef& v);
///@}

/// An OBJREF: the interface `iid` of an object, by standard reference. OBJREF_STANDARD is what midlrt
/// writes; OBJREF_HANDLER and OBJREF_EXTENDED are read as the standard reference they contain (their handler
/// CLSID and envoy elements are not kept); OBJREF_CUSTOM needs the sender's unmarshaler and is refused.
struct ObjRef {
  IID iid;                   ///< the interface the reference is to
  StdObjRef std;             ///< the exporter, object and IPID, and the references handed over
  DualStringArray resolver;  ///< saResAddr: the object resolver of the exporter's machine
};
/// "MEOW", the OBJREF's signature.
inline constexpr std::uint32_t kObjRefSignature = 0x574f454d;
///@{
/// OBJREF flags (MS-DCOM 2.2.18.1): which form follows the common header.
inline constexpr std::uint32_t kObjRefStandard = 0x1;
inline constexpr std::uint32_t kObjRefHandler = 0x2;
inline constexpr std::uint32_t kObjRefCustom = 0x4;
inline constexpr std::uint32_t kObjRefExtended = 0x8;
///@}

/// The OBJREF_STANDARD bytes of `r`.
std::vector<std::uint8_t> encodeObjRef(const ObjRef& r);
/// Reads an OBJREF from the bytes of an MInterfacePointer; throws ndr::DecodeError for a bad signature, an
/// unknown or custom form, or a structure that overruns `bytes` (trailing bytes are allowed: Windows pads).
ObjRef decodeObjRef(std::span<const std::uint8_t> bytes);

/// OBJREF_CUSTOM (MS-DCOM 2.2.18.6): an object marshaled by a class of its own, `clsid`, whose unmarshaler
/// reads `data`. midlrt writes and reads them for one purpose: the activation properties, which travel as
/// custom OBJREFs of CLSID_ActivationPropertiesIn/Out (midlrt/dcom/activation.h).
struct CustomObjRef {
  IID iid;                         ///< the interface the reference is to
  CLSID clsid;                     ///< the class that unmarshals `data`
  std::vector<std::uint8_t> data;  ///< pObjectData
};
/// The OBJREF_CUSTOM bytes of `r`: cbExtension 0, and the reserved field set to the size of the data plus
/// 8, as Windows and impacket set it.
std::vector<std::uint8_t> encodeCustomObjRef(const CustomObjRef& r);
/// Reads an OBJREF_CUSTOM (its data is the rest of `bytes`; the reserved field is ignored, as the
/// specification asks); ndr::DecodeError for a bad signature, another form, or extensions (cbExtension must
/// be 0).
CustomObjRef decodeCustomObjRef(std::span<const std::uint8_t> bytes);

/// The most bytes an MInterfacePointer's OBJREF may have when read (a standard one with a few bindings is
/// well under 1 KiB; Windows' extended ones stay within a few KiB).
inline constexpr std::uint32_t kMaxObjRefBytes = 64 * 1024;

///@{
/// MInterfacePointer (MS-DCOM 2.2.14), the NDR conformant structure an interface pointer is marshaled as:
/// ulCntData, then that many bytes of OBJREF. Reading refuses more than kMaxObjRefBytes and checks the
/// conformance against ulCntData.
void writeInterfacePointer(ndr::Encoder& e, const ObjRef& r);
ObjRef readInterfacePointer(ndr::Decoder& d);
///@}

}  // namespace midlrt::com
