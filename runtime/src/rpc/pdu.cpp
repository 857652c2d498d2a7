// Encoding and bounds-checked decoding of connection-oriented PDUs (C706 12.6, MS-RPCE 2.2.2).
#include "midlrt/rpc/pdu.h"

#include <cstring>

namespace midlrt::rpc::pdu {

namespace {

inline void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}
inline uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}
inline uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// Appends to a byte vector; the PDU's frag_length is patched when done.
struct Writer {
  std::vector<uint8_t>& out;
  size_t start;
  explicit Writer(std::vector<uint8_t>& o) : out(o), start(o.size()) {}
  uint8_t* grow(size_t n) {
    size_t at = out.size();
    out.resize(at + n);
    return out.data() + at;
  }
  void u8(uint8_t v) { *grow(1) = v; }
  void u16(uint16_t v) { put16(grow(2), v); }
  void u32(uint32_t v) { put32(grow(4), v); }
  void syntax(const SyntaxId& s) {
    s.uuid.encode(grow(16));
    u16(s.major);
    u16(s.minor);
  }
  void pad4() {
    while ((out.size() - start) % 4 != 0) u8(0);
  }
  void header(PType type, uint8_t flags, uint32_t callId) {
    Header h;
    h.type = type;
    h.flags = flags;
    h.callId = callId;
    encodeHeader(grow(kHeaderSize), h);
  }
  void finish() {
    size_t len = out.size() - start;
    if (len > 0xffff) throw ProtocolError("PDU longer than 65535 bytes");
    put16(out.data() + start + 8, static_cast<uint16_t>(len));
  }
};

// Bounds-checked reads over the body of one PDU.
struct Reader {
  const uint8_t* p;
  size_t pos;
  size_t end;
  void need(size_t n) const {
    if (n > end - pos) throw ProtocolError("PDU body truncated");
  }
  uint8_t u8() {
    need(1);
    return p[pos++];
  }
  uint16_t u16() {
    need(2);
    uint16_t v = get16(p + pos);
    pos += 2;
    return v;
  }
  uint32_t u32() {
    need(4);
    uint32_t v = get32(p + pos);
    pos += 4;
    return v;
  }
  Uuid uuid() {
    need(16);
    Uuid u = Uuid::decode(p + pos);
    pos += 16;
    return u;
  }
  SyntaxId syntax() {
    SyntaxId s;
    s.uuid = uuid();
    s.major = u16();
    s.minor = u16();
    return s;
  }
  void skip(size_t n) {
    need(n);
    pos += n;
  }
};

// The PDU body without the auth verifier (trailer + auth value + auth padding before it).
Reader bodyReader(const View& v) {
  size_t end = v.header.fragLength;
  if (v.header.authLength != 0) {
    size_t trailer = end - v.header.authLength - 8;  // decodeHeader guaranteed this fits
    end = trailer;
  }
  return Reader{v.data, kHeaderSize, end};
}

void expectType(const View& v, PType a, PType b) {
  if (v.header.type != a && v.header.type != b) throw ProtocolError("unexpected PDU type");
}

}  // namespace

void encodeHeader(uint8_t* o, const Header& h) {
  o[0] = h.rpcVers;
  o[1] = h.rpcVersMinor;
  o[2] = static_cast<uint8_t>(h.type);
  o[3] = h.flags;
  std::memcpy(o + 4, h.drep, 4);
  put16(o + 8, h.fragLength);
  put16(o + 10, h.authLength);
  put32(o + 12, h.callId);
}

void encodeBind(std::vector<uint8_t>& out, PType type, uint8_t flags, uint32_t callId, const Bind& b) {
  Writer w(out);
  w.header(type, flags, callId);
  w.u16(b.maxXmitFrag);
  w.u16(b.maxRecvFrag);
  w.u32(b.assocGroupId);
  w.u8(static_cast<uint8_t>(b.contexts.size()));
  w.u8(0);
  w.u16(0);
  for (const auto& c : b.contexts) {
    w.u16(c.contextId);
    w.u8(static_cast<uint8_t>(c.transferSyntaxes.size()));
    w.u8(0);
    w.syntax(c.abstractSyntax);
    for (const auto& t : c.transferSyntaxes) w.syntax(t);
  }
  w.finish();
}

void encodeBindAck(std::vector<uint8_t>& out, PType type, uint8_t flags, uint32_t callId, const BindAck& a) {
  Writer w(out);
  w.header(type, flags, callId);
  w.u16(a.maxXmitFrag);
  w.u16(a.maxRecvFrag);
  w.u32(a.assocGroupId);
  // port_any_t: the length counts the terminating NUL; an empty address is sent as length 0.
  if (a.secondaryAddress.empty()) {
    w.u16(0);
  } else {
    w.u16(static_cast<uint16_t>(a.secondaryAddress.size() + 1));
    std::memcpy(w.grow(a.secondaryAddress.size()), a.secondaryAddress.data(), a.secondaryAddress.size());
    w.u8(0);
  }
  w.pad4();
  w.u8(static_cast<uint8_t>(a.results.size()));
  w.u8(0);
  w.u16(0);
  for (const auto& r : a.results) {
    w.u16(static_cast<uint16_t>(r.result));
    w.u16(r.reason);
    w.syntax(r.transferSyntax);
  }
  w.finish();
}

void encodeBindNak(std::vector<uint8_t>& out, uint32_t callId, const BindNak& n) {
  Writer w(out);
  w.header(PType::kBindNak, kFirstFrag | kLastFrag, callId);
  w.u16(static_cast<uint16_t>(n.reason));
  w.u8(static_cast<uint8_t>(n.versions.size()));
  for (const auto& [major, minor] : n.versions) {
    w.u8(major);
    w.u8(minor);
  }
  if (n.signature) {
    n.signature->encode(w.grow(16));
  } else {
    w.pad4();
  }
  w.finish();
}

size_t requestHeaderSize(const Request& r) {
  return r.object ? kRequestHeaderSize + 16 : kRequestHeaderSize;
}

void encodeRequestHeader(uint8_t* o, uint8_t flags, uint32_t callId, const Request& r, size_t stubLength) {
  Header h;
  h.type = PType::kRequest;
  h.flags = static_cast<uint8_t>(r.object ? flags | kObjectUuid : flags & ~kObjectUuid);
  h.callId = callId;
  h.fragLength = static_cast<uint16_t>(requestHeaderSize(r) + stubLength);
  encodeHeader(o, h);
  put32(o + 16, r.allocHint);
  put16(o + 20, r.contextId);
  put16(o + 22, r.opnum);
  if (r.object) r.object->encode(o + 24);
}

void encodeResponseHeader(uint8_t* o, uint8_t flags, uint32_t callId, const Response& r, size_t stubLength) {
  Header h;
  h.type = PType::kResponse;
  h.flags = flags;
  h.callId = callId;
  h.fragLength = static_cast<uint16_t>(kResponseHeaderSize + stubLength);
  encodeHeader(o, h);
  put32(o + 16, r.allocHint);
  put16(o + 20, r.contextId);
  o[22] = r.cancelCount;
  o[23] = 0;
}

void encodeRequest(std::vector<uint8_t>& out, uint8_t flags, uint32_t callId, const Request& r,
                   const uint8_t* stub, size_t n) {
  size_t hs = requestHeaderSize(r);
  if (hs + n > 0xffff) throw ProtocolError("request fragment longer than 65535 bytes");
  size_t at = out.size();
  out.resize(at + hs + n);
  encodeRequestHeader(out.data() + at, flags, callId, r, n);
  if (n != 0) std::memcpy(out.data() + at + hs, stub, n);
}

void encodeResponse(std::vector<uint8_t>& out, uint8_t flags, uint32_t callId, const Response& r,
                    const uint8_t* stub, size_t n) {
  if (kResponseHeaderSize + n > 0xffff) throw ProtocolError("response fragment longer than 65535 bytes");
  size_t at = out.size();
  out.resize(at + kResponseHeaderSize + n);
  encodeResponseHeader(out.data() + at, flags, callId, r, n);
  if (n != 0) std::memcpy(out.data() + at + kResponseHeaderSize, stub, n);
}

void encodeFault(std::vector<uint8_t>& out, uint32_t callId, const Fault& f, uint8_t pfcFlags) {
  Writer w(out);
  w.header(PType::kFault, static_cast<uint8_t>(kFirstFrag | kLastFrag | pfcFlags), callId);
  w.u32(f.allocHint);
  w.u16(f.contextId);
  w.u8(f.cancelCount);
  w.u8(f.flags);
  w.u32(f.status);
  w.u32(0);  // reserved: pads the (absent) stub data to 8
  w.finish();
}

void encodeBare(std::vector<uint8_t>& out, PType type, uint8_t flags, uint32_t callId) {
  Writer w(out);
  w.header(type, flags, callId);
  w.finish();
}

HeaderStatus decodeHeader(const uint8_t* d, size_t available, Header& h) {
  if (available < kHeaderSize) return HeaderStatus::kNeedMore;
  h.rpcVers = d[0];
  h.rpcVersMinor = d[1];
  h.type = static_cast<PType>(d[2]);
  h.flags = d[3];
  std::memcpy(h.drep, d + 4, 4);
  h.fragLength = get16(d + 8);
  h.authLength = get16(d + 10);
  h.callId = get32(d + 12);
  // Integer representation little-endian, characters ASCII, floating point IEEE.
  if (h.drep[0] != 0x10 || h.drep[1] != 0) return HeaderStatus::kInvalid;
  if (h.fragLength < kHeaderSize) return HeaderStatus::kInvalid;
  if (h.authLength != 0 && size_t{h.authLength} + 8 + kHeaderSize > h.fragLength)
    return HeaderStatus::kInvalid;
  // Checked last: the rest of the header is readable, so a server can answer a bind with bind_nak.
  if (h.rpcVers != kSupportedVersion.first || h.rpcVersMinor > 1) return HeaderStatus::kUnsupportedVersion;
  return HeaderStatus::kOk;
}

Bind decodeBind(const View& v) {
  expectType(v, PType::kBind, PType::kAlterContext);
  Reader r = bodyReader(v);
  Bind b;
  b.maxXmitFrag = r.u16();
  b.maxRecvFrag = r.u16();
  b.assocGroupId = r.u32();
  uint8_t n = r.u8();
  r.skip(3);
  b.contexts.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    ContextElement c;
    c.contextId = r.u16();
    uint8_t nt = r.u8();
    r.skip(1);
    c.abstractSyntax = r.syntax();
    if (nt == 0) throw ProtocolError("presentation context without transfer syntax");
    for (unsigned j = 0; j < nt; ++j) c.transferSyntaxes.push_back(r.syntax());
    b.contexts.push_back(std::move(c));
  }
  return b;
}

BindAck decodeBindAck(const View& v) {
  expectType(v, PType::kBindAck, PType::kAlterContextResp);
  Reader r = bodyReader(v);
  BindAck a;
  a.maxXmitFrag = r.u16();
  a.maxRecvFrag = r.u16();
  a.assocGroupId = r.u32();
  uint16_t len = r.u16();
  r.need(len);
  if (len != 0) {
    const char* s = reinterpret_cast<const char*>(v.data + r.pos);
    a.secondaryAddress.assign(s, s[len - 1] == '\0' ? len - 1 : len);
  }
  r.skip(len);
  r.skip((4 - r.pos % 4) % 4);
  uint8_t n = r.u8();
  r.skip(3);
  for (unsigned i = 0; i < n; ++i) {
    ContextResultEntry e;
    e.result = static_cast<ContextResult>(r.u16());
    e.reason = r.u16();
    e.transferSyntax = r.syntax();
    a.results.push_back(e);
  }
  return a;
}

BindNak decodeBindNak(const View& v) {
  if (v.header.type != PType::kBindNak) throw ProtocolError("unexpected PDU type");
  Reader r{v.data, kHeaderSize, v.header.fragLength};
  BindNak n;
  n.reason = static_cast<RejectReason>(r.u16());
  n.versions.clear();
  // C706 lets a bind_nak end after the reject reason; the version list is then absent.
  if (r.pos < r.end) {
    uint8_t count = r.u8();
    for (unsigned i = 0; i < count; ++i) {
      uint8_t major = r.u8();
      uint8_t minor = r.u8();
      n.versions.emplace_back(major, minor);
    }
  }
  if (r.end - r.pos >= 16) n.signature = r.uuid();
  return n;
}

Request decodeRequest(const View& v, Body& body) {
  if (v.header.type != PType::kRequest) throw ProtocolError("unexpected PDU type");
  Reader r = bodyReader(v);
  Request q;
  q.allocHint = r.u32();
  q.contextId = r.u16();
  q.opnum = r.u16();
  if (v.header.flags & kObjectUuid) q.object = r.uuid();
  size_t end = r.end;
  if (v.header.authLength != 0) {
    uint8_t pad = v.data[end + 2];  // auth_pad_length in the security trailer
    if (pad > end - r.pos) throw ProtocolError("auth padding longer than stub data");
    end -= pad;
  }
  body.stub = v.data + r.pos;
  body.stubLength = end - r.pos;
  return q;
}

Response decodeResponse(const View& v, Body& body) {
  if (v.header.type != PType::kResponse) throw ProtocolError("unexpected PDU type");
  Reader r = bodyReader(v);
  Response s;
  s.allocHint = r.u32();
  s.contextId = r.u16();
  s.cancelCount = r.u8();
  r.skip(1);
  size_t end = r.end;
  if (v.header.authLength != 0) {
    uint8_t pad = v.data[end + 2];
    if (pad > end - r.pos) throw ProtocolError("auth padding longer than stub data");
    end -= pad;
  }
  body.stub = v.data + r.pos;
  body.stubLength = end - r.pos;
  return s;
}

Fault decodeFault(const View& v) {
  if (v.header.type != PType::kFault) throw ProtocolError("unexpected PDU type");
  Reader r = bodyReader(v);
  Fault f;
  f.allocHint = r.u32();
  f.contextId = r.u16();
  f.cancelCount = r.u8();
  f.flags = r.u8();
  f.status = r.u32();
  return f;  // reserved field and any stub data are ignored (MS-RPCE: clients ignore fault stub data)
}

const char* ptypeName(PType t) {
  switch (t) {
    case PType::kRequest:
      return "request";
    case PType::kResponse:
      return "response";
    case PType::kFault:
      return "fault";
    case PType::kBind:
      return "bind";
    case PType::kBindAck:
      return "bind_ack";
    case PType::kBindNak:
      return "bind_nak";
    case PType::kAlterContext:
      return "alter_context";
    case PType::kAlterContextResp:
      return "alter_context_resp";
    case PType::kAuth3:
      return "auth3";
    case PType::kShutdown:
      return "shutdown";
    case PType::kCoCancel:
      return "co_cancel";
    case PType::kOrphaned:
      return "orphaned";
  }
  return "unknown";
}

}  // namespace midlrt::rpc::pdu
