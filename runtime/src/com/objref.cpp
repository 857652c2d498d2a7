#include "midlrt/com/objref.h"

#include <string>

#include "midlrt/detail/uuid_ndr.h"
#include "midlrt/ndr/error.h"

namespace midlrt::com {

namespace {

[[noreturn]] void malformed(const std::string& what) {
  ndr::Decoder::fail(what);
}

// The byte-packed little-endian forms (OBJREF, the packed DUALSTRINGARRAY): no alignment, no padding.
class PackedWriter {
 public:
  template <class T>
  void put(T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void put(const Guid& g) {
    std::uint8_t b[16];
    g.encode(b);
    out_.insert(out_.end(), b, b + 16);
  }
  std::vector<std::uint8_t>& bytes() { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

class PackedReader {
 public:
  explicit PackedReader(std::span<const std::uint8_t> in) : in_(in) {}
  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>(v | (T{in_[pos_ + i]} << (8 * i)));
    pos_ += sizeof(T);
    return v;
  }
  Guid guid(const char* what) {
    need(16, what);
    Guid g = Guid::decode(in_.data() + pos_);
    pos_ += 16;
    return g;
  }
  std::span<const std::uint8_t> rest() const { return in_.subspan(pos_); }
  void skip(std::size_t n, const char* what) {
    need(n, what);
    pos_ += n;
  }

 private:
  void need(std::size_t n, const char* what) {
    if (in_.size() - pos_ < n)
      malformed(std::string("OBJREF: truncated in ") + what + " (" + std::to_string(in_.size()) + " bytes)");
  }
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
};

void putString(std::vector<std::uint16_t>& out, const std::u16string& s, const char* what) {
  for (char16_t c : s) {
    if (c == 0) ndr::detail::throwEncode(std::string("DUALSTRINGARRAY: a NUL inside a ") + what);
    out.push_back(c);
  }
  out.push_back(0);
}

// A NUL-terminated string starting at entries[i]; i moves past the terminator.
std::u16string getString(std::span<const std::uint16_t> entries, std::size_t& i, const char* what) {
  std::u16string s;
  while (true) {
    if (i >= entries.size()) malformed(std::string("DUALSTRINGARRAY: an unterminated ") + what);
    const std::uint16_t c = entries[i++];
    if (c == 0) return s;
    s.push_back(static_cast<char16_t>(c));
  }
}

void writeStdObjRefPacked(PackedWriter& w, const StdObjRef& s) {
  w.put<std::uint32_t>(s.flags);
  w.put<std::uint32_t>(s.publicRefs);
  w.put<std::uint64_t>(s.oxid);
  w.put<std::uint64_t>(s.oid);
  w.put(s.ipid);
}

StdObjRef readStdObjRefPacked(PackedReader& r) {
  StdObjRef s;
  s.flags = r.get<std::uint32_t>("STDOBJREF");
  s.publicRefs = r.get<std::uint32_t>("STDOBJREF");
  s.oxid = r.get<std::uint64_t>("STDOBJREF");
  s.oid = r.get<std::uint64_t>("STDOBJREF");
  s.ipid = r.guid("STDOBJREF");
  return s;
}

DualStringArray readDualStringArrayPacked(PackedReader& r) {
  const std::uint16_t count = r.get<std::uint16_t>("DUALSTRINGARRAY");
  const std::uint16_t securityOffset = r.get<std::uint16_t>("DUALSTRINGARRAY");
  std::vector<std::uint16_t> entries(count);
  for (std::uint16_t& e : entries) e = r.get<std::uint16_t>("DUALSTRINGARRAY entries");
  return unpack(entries, securityOffset);
}

}  // namespace

PackedDualStringArray pack(const DualStringArray& a) {
  PackedDualStringArray p;
  for (const StringBinding& s : a.strings) {
    if (s.towerId == 0) ndr::detail::throwEncode("DUALSTRINGARRAY: a string binding with tower id 0");
    p.entries.push_back(s.towerId);
    putString(p.entries, s.networkAddress, "network address");
  }
  if (a.strings.empty()) p.entries.push_back(0);  // the empty entry of an empty list
  p.entries.push_back(0);
  const std::size_t securityOffset = p.entries.size();
  for (const SecurityBinding& s : a.security) {
    if (s.authnSvc == 0) ndr::detail::throwEncode("DUALSTRINGARRAY: a security binding with authnSvc 0");
    p.entries.push_back(s.authnSvc);
    p.entries.push_back(0xffff);  // Reserved
    putString(p.entries, s.principalName, "principal name");
  }
  if (a.security.empty()) p.entries.push_back(0);
  p.entries.push_back(0);
  if (p.entries.size() > 0xffff)
    ndr::detail::throwEncode("DUALSTRINGARRAY: " + std::to_string(p.entries.size()) +
                             " entries, more than wNumEntries can count");
  p.securityOffset = static_cast<std::uint16_t>(securityOffset);
  return p;
}

DualStringArray unpack(std::span<const std::uint16_t> entries, std::uint16_t securityOffset) {
  if (securityOffset > entries.size())
    malformed("DUALSTRINGARRAY: wSecurityOffset " + std::to_string(securityOffset) + " past its " +
              std::to_string(entries.size()) + " entries");
  DualStringArray a;
  // String bindings until a tower id of 0 (the terminator, or the empty entry of an empty list); they must
  // end before the security bindings begin.
  const auto strings = entries.first(securityOffset);
  for (std::size_t i = 0; i < strings.size();) {
    const std::uint16_t tower = strings[i++];
    if (tower == 0) break;
    a.strings.push_back({tower, getString(strings, i, "network address")});
  }
  const auto security = entries.subspan(securityOffset);
  for (std::size_t i = 0; i < security.size();) {
    const std::uint16_t authn = security[i++];
    if (authn == 0) break;
    if (i >= security.size()) malformed("DUALSTRINGARRAY: a security binding without its Reserved field");
    ++i;  // Reserved: ignored on receipt
    a.security.push_back({authn, getString(security, i, "principal name")});
  }
  return a;
}

void ndrWrite(ndr::Encoder& e, const DualStringArray& v) {
  const PackedDualStringArray p = pack(v);
  e.writeConformance(p.entries.size());
  e.write<std::uint16_t>(static_cast<std::uint16_t>(p.entries.size()));
  e.write<std::uint16_t>(p.securityOffset);
  e.writeBulk(p.entries.data(), p.entries.size());
}

void ndrRead(ndr::Decoder& d, DualStringArray& v) {
  const std::uint32_t maxCount = d.readConformance();
  const std::uint16_t count = d.read<std::uint16_t>();
  const std::uint16_t securityOffset = d.read<std::uint16_t>();
  ndr::Decoder::checkCorrelation("DUALSTRINGARRAY wNumEntries", count, maxCount);
  std::vector<std::uint16_t> entries;
  d.readBulk(entries, count);
  v = unpack(entries, securityOffset);
}

void ndrWrite(ndr::Encoder& e, const StdObjRef& v) {
  e.align(8);
  e.write<std::uint32_t>(v.flags);
  e.write<std::uint32_t>(v.publicRefs);
  e.write<std::uint64_t>(v.oxid);
  e.write<std::uint64_t>(v.oid);
  rpc::ndrWriteFlat(e, v.ipid);
}

void ndrRead(ndr::Decoder& d, StdObjRef& v) {
  d.align(8);
  v.flags = d.read<std::uint32_t>();
  v.publicRefs = d.read<std::uint32_t>();
  v.oxid = d.read<std::uint64_t>();
  v.oid = d.read<std::uint64_t>();
  rpc::ndrReadFlat(d, v.ipid);
}

std::vector<std::uint8_t> encodeObjRef(const ObjRef& r) {
  PackedWriter w;
  w.put<std::uint32_t>(kObjRefSignature);
  w.put<std::uint32_t>(kObjRefStandard);
  w.put(r.iid);
  writeStdObjRefPacked(w, r.std);
  const PackedDualStringArray p = pack(r.resolver);
  w.put<std::uint16_t>(static_cast<std::uint16_t>(p.entries.size()));
  w.put<std::uint16_t>(p.securityOffset);
  for (std::uint16_t e : p.entries) w.put<std::uint16_t>(e);
  return std::move(w.bytes());
}

ObjRef decodeObjRef(std::span<const std::uint8_t> bytes) {
  PackedReader r(bytes);
  const std::uint32_t signature = r.get<std::uint32_t>("the signature");
  if (signature != kObjRefSignature)
    malformed("OBJREF: signature " + std::to_string(signature) + ", not MEOW");
  const std::uint32_t flags = r.get<std::uint32_t>("the flags");
  ObjRef o;
  o.iid = r.guid("the IID");
  switch (flags) {
    case kObjRefStandard:
      o.std = readStdObjRefPacked(r);
      o.resolver = readDualStringArrayPacked(r);
      break;
    case kObjRefHandler:
      o.std = readStdObjRefPacked(r);
      r.guid("the handler's CLSID");
      o.resolver = readDualStringArrayPacked(r);
      break;
    case kObjRefExtended:
      // STDOBJREF, Signature1, saResAddr, then envoy data elements this runtime does not use.
      o.std = readStdObjRefPacked(r);
      r.skip(4, "OBJREF_EXTENDED's Signature1");
      o.resolver = readDualStringArrayPacked(r);
      break;
    case kObjRefCustom:
      malformed("OBJREF: a custom-marshaled reference (OBJREF_CUSTOM); midlrt has no custom unmarshalers");
    default:
      malformed("OBJREF: unknown flags " + std::to_string(flags));
  }
  return o;
}

std::vector<std::uint8_t> encodeCustomObjRef(const CustomObjRef& r) {
  if (r.data.size() > kMaxObjRefBytes) throw ndr::EncodeError("OBJREF_CUSTOM: more than 64 KiB of data");
  PackedWriter w;
  w.put<std::uint32_t>(kObjRefSignature);
  w.put<std::uint32_t>(kObjRefCustom);
  w.put(r.iid);
  w.put(r.clsid);
  w.put<std::uint32_t>(0);  // cbExtension
  w.put<std::uint32_t>(static_cast<std::uint32_t>(r.data.size() + 8));
  w.bytes().insert(w.bytes().end(), r.data.begin(), r.data.end());
  return std::move(w.bytes());
}

CustomObjRef decodeCustomObjRef(std::span<const std::uint8_t> bytes) {
  PackedReader r(bytes);
  const std::uint32_t signature = r.get<std::uint32_t>("the signature");
  if (signature != kObjRefSignature)
    malformed("OBJREF: signature " + std::to_string(signature) + ", not MEOW");
  const std::uint32_t flags = r.get<std::uint32_t>("the flags");
  if (flags != kObjRefCustom)
    malformed("OBJREF: flags " + std::to_string(flags) + " where a custom-marshaled reference was expected");
  CustomObjRef o;
  o.iid = r.guid("the IID");
  o.clsid = r.guid("the CLSID");
  if (r.get<std::uint32_t>("cbExtension") != 0) malformed("OBJREF_CUSTOM: extensions (cbExtension is not 0)");
  r.skip(4, "the reserved size");
  const auto rest = r.rest();
  o.data.assign(rest.begin(), rest.end());
  return o;
}

void writeInterfacePointer(ndr::Encoder& e, const ObjRef& r) {
  const std::vector<std::uint8_t> bytes = encodeObjRef(r);
  e.writeConformance(bytes.size());
  e.write<std::uint32_t>(static_cast<std::uint32_t>(bytes.size()));
  e.writeBulk(bytes.data(), bytes.size());
}

ObjRef readInterfacePointer(ndr::Decoder& d) {
  const std::uint32_t maxCount = d.readConformance();
  const std::uint32_t count = d.read<std::uint32_t>();
  ndr::Decoder::checkCorrelation("MInterfacePointer ulCntData", count, maxCount);
  if (count > kMaxObjRefBytes)
    malformed("MInterfacePointer: " + std::to_string(count) + " bytes of OBJREF, more than " +
              std::to_string(kMaxObjRefBytes));
  std::vector<std::uint8_t> bytes;
  d.readBulk(bytes, count);
  return decodeObjRef(bytes);
}

}  // namespace midlrt::com
