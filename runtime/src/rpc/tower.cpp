#include "midlrt/rpc/tower.h"

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

#include "midlrt/ndr/decoder.h"

namespace midlrt::rpc {

namespace {

// Protocol identifiers of tower floors (C706 appendix I; MS-RPCE 2.2.1.x for the local ones).
constexpr std::uint8_t kUuidFloor = 0x0d;
constexpr std::uint8_t kConnectionOriented = 0x0b;
constexpr std::uint8_t kLocalRpc = 0x0c;  // ncalrpc
constexpr std::uint8_t kTcpPort = 0x07;
constexpr std::uint8_t kIpAddress = 0x09;
constexpr std::uint8_t kLocalEndpoint = 0x10;  // ncalrpc's endpoint name
constexpr std::size_t kMaxPath = 1024;

class Writer {
 public:
  // A floor: a 16-bit little-endian length and the left-hand side (protocol identifier, data), then the
  // same for the right-hand side.
  void floor(const std::vector<std::uint8_t>& lhs, const std::vector<std::uint8_t>& rhs) {
    ++floors_;
    u16(static_cast<std::uint16_t>(lhs.size()));
    bytes_.insert(bytes_.end(), lhs.begin(), lhs.end());
    u16(static_cast<std::uint16_t>(rhs.size()));
    bytes_.insert(bytes_.end(), rhs.begin(), rhs.end());
  }
  // An interface or transfer syntax floor: the UUID and major version left, the minor version right.
  void syntax(const SyntaxId& id) {
    std::vector<std::uint8_t> lhs(19);
    lhs[0] = kUuidFloor;
    id.uuid.encode(&lhs[1]);
    lhs[17] = static_cast<std::uint8_t>(id.major);
    lhs[18] = static_cast<std::uint8_t>(id.major >> 8);
    floor(lhs, {static_cast<std::uint8_t>(id.minor), static_cast<std::uint8_t>(id.minor >> 8)});
  }
  // The floor count, then the floors.
  std::vector<std::uint8_t> take() {
    std::vector<std::uint8_t> out(2 + bytes_.size());
    out[0] = static_cast<std::uint8_t>(floors_);
    out[1] = static_cast<std::uint8_t>(floors_ >> 8);
    std::copy(bytes_.begin(), bytes_.end(), out.begin() + 2);
    return out;
  }

 private:
  void u16(std::uint16_t v) {
    bytes_.push_back(static_cast<std::uint8_t>(v));
    bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  std::vector<std::uint8_t> bytes_;
  std::uint16_t floors_ = 0;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
  std::uint16_t u16(const char* what) {
    need(2, what);
    const auto v = static_cast<std::uint16_t>(in_[at_] | in_[at_ + 1] << 8);
    at_ += 2;
    return v;
  }
  // The left- or right-hand side of a floor.
  std::span<const std::uint8_t> side(const char* what) {
    const std::uint16_t n = u16(what);
    need(n, what);
    auto s = in_.subspan(at_, n);
    at_ += n;
    return s;
  }

 private:
  void need(std::size_t n, const char* what) {
    if (in_.size() - at_ < n)
      ndr::Decoder::fail(std::string("tower: truncated in ") + what + " (" + std::to_string(in_.size()) +
                         " bytes)");
  }
  std::span<const std::uint8_t> in_;
  std::size_t at_ = 0;
};

SyntaxId syntaxOf(std::span<const std::uint8_t> lhs, std::span<const std::uint8_t> rhs, const char* what) {
  if (lhs.size() != 19 || lhs[0] != kUuidFloor || rhs.size() != 2)
    ndr::Decoder::fail(std::string("tower: the ") + what + " floor is not a UUID floor");
  SyntaxId id;
  id.uuid = Uuid::decode(lhs.data() + 1);
  id.major = static_cast<std::uint16_t>(lhs[17] | lhs[18] << 8);
  id.minor = static_cast<std::uint16_t>(rhs[0] | rhs[1] << 8);
  return id;
}

}  // namespace

std::vector<std::uint8_t> encodeTower(const Tower& tower) {
  Writer w;
  w.syntax(tower.interface);
  w.syntax(tower.transfer);
  if (tower.protseq == Protseq::kTcp) {
    unsigned long port = 0;
    for (char c : tower.endpoint) {
      port = port * 10 + static_cast<unsigned long>(c - '0');
      if (c < '0' || c > '9' || port > 0xffff)
        throw std::invalid_argument("tower: \"" + tower.endpoint + "\" is not a TCP port");
    }
    in_addr address{};
    if (::inet_pton(AF_INET, tower.networkAddress.empty() ? "0.0.0.0" : tower.networkAddress.c_str(),
                    &address) != 1)
      throw std::invalid_argument("tower: \"" + tower.networkAddress + "\" is not an IPv4 address");
    const auto* a = reinterpret_cast<const std::uint8_t*>(&address.s_addr);  // network order
    w.floor({kConnectionOriented}, {0, 0});
    w.floor({kTcpPort}, {static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port)});
    w.floor({kIpAddress}, {a[0], a[1], a[2], a[3]});
  } else {
    if (tower.endpoint.size() > kMaxPath) throw std::invalid_argument("tower: an endpoint over 1 KiB");
    std::vector<std::uint8_t> name(tower.endpoint.begin(), tower.endpoint.end());
    name.push_back(0);
    w.floor({kLocalRpc}, {0, 0});
    w.floor({kLocalEndpoint}, name);
  }
  return w.take();
}

Tower decodeTower(std::span<const std::uint8_t> bytes) {
  Reader r(bytes);
  const std::uint16_t floors = r.u16("the floor count");
  if (floors < 4)
    ndr::Decoder::fail("tower: " + std::to_string(floors) + " floors, fewer than any protocol has");
  Tower t;
  auto lhs = r.side("floor 1");
  t.interface = syntaxOf(lhs, r.side("floor 1"), "interface");
  lhs = r.side("floor 2");
  t.transfer = syntaxOf(lhs, r.side("floor 2"), "transfer syntax");
  lhs = r.side("floor 3");
  r.side("floor 3");
  if (lhs.size() != 1) ndr::Decoder::fail("tower: floor 3 is not an RPC protocol");
  if (lhs[0] == kConnectionOriented) {
    if (floors != 5) ndr::Decoder::fail("tower: ncacn_ip_tcp has 5 floors, not " + std::to_string(floors));
    t.protseq = Protseq::kTcp;
    lhs = r.side("floor 4");
    auto rhs = r.side("floor 4");
    if (lhs.size() != 1 || lhs[0] != kTcpPort || rhs.size() != 2)
      ndr::Decoder::fail("tower: floor 4 of a connection-oriented tower is not a TCP port");
    t.endpoint = std::to_string(rhs[0] << 8 | rhs[1]);
    lhs = r.side("floor 5");
    rhs = r.side("floor 5");
    if (lhs.size() != 1 || lhs[0] != kIpAddress || rhs.size() != 4)
      ndr::Decoder::fail("tower: floor 5 of a TCP tower is not an IPv4 address");
    t.networkAddress = std::to_string(rhs[0]) + "." + std::to_string(rhs[1]) + "." + std::to_string(rhs[2]) +
                       "." + std::to_string(rhs[3]);
  } else if (lhs[0] == kLocalRpc) {
    if (floors != 4) ndr::Decoder::fail("tower: ncalrpc has 4 floors, not " + std::to_string(floors));
    t.protseq = Protseq::kLocal;
    lhs = r.side("floor 4");
    auto rhs = r.side("floor 4");
    if (lhs.size() != 1 || lhs[0] != kLocalEndpoint || rhs.empty() || rhs.back() != 0 ||
        rhs.size() > kMaxPath + 1)
      ndr::Decoder::fail("tower: floor 4 of an ncalrpc tower is not an endpoint name");
    t.endpoint.assign(rhs.begin(), rhs.end() - 1);
  } else {
    ndr::Decoder::fail("tower: protocol " + std::to_string(lhs[0]) + ", not one this runtime speaks");
  }
  return t;
}

StringBinding bindingOf(const Tower& tower) {
  StringBinding b;
  b.protseq = tower.protseq;
  b.networkAddress = tower.networkAddress;
  b.endpoint = tower.endpoint;
  return b;
}

}  // namespace midlrt::rpc
