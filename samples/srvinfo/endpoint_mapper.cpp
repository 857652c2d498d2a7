// ept_map through midlc's client for our epmapper.idl: the request names the interface in a protocol
// tower (C706 appendix L), the reply's towers carry the port.
#include "endpoint_mapper.h"

#include <stdexcept>
#include <vector>

#include "binding.h"
#include "epmapper.h"

namespace srvinfo {
namespace {

// Protocol identifiers of tower floors (C706 appendix I).
constexpr uint8_t kUuidFloor = 0x0d;
constexpr uint8_t kConnectionOriented = 0x0b;
constexpr uint8_t kTcpPort = 0x07;
constexpr uint8_t kIpAddress = 0x09;

constexpr uint32_t kEptNotRegistered = 0x16c9a0d6;  // ept_s_not_registered: no such endpoint

class TowerWriter {
 public:
  // A floor: its left-hand side (protocol identifier and data), then its right-hand side, each after
  // a 16-bit little-endian length.
  void floor(const std::vector<uint8_t>& lhs, const std::vector<uint8_t>& rhs) {
    ++floors_;
    u16le(static_cast<uint16_t>(lhs.size()));
    bytes_.insert(bytes_.end(), lhs.begin(), lhs.end());
    u16le(static_cast<uint16_t>(rhs.size()));
    bytes_.insert(bytes_.end(), rhs.begin(), rhs.end());
  }

  // An interface or transfer syntax floor: UUID and major version on the left, minor on the right.
  void syntaxFloor(const midlrt::rpc::SyntaxId& id) {
    std::vector<uint8_t> lhs(19);
    lhs[0] = kUuidFloor;
    id.uuid.encode(&lhs[1]);
    lhs[17] = static_cast<uint8_t>(id.major);
    lhs[18] = static_cast<uint8_t>(id.major >> 8);
    floor(lhs, {static_cast<uint8_t>(id.minor), static_cast<uint8_t>(id.minor >> 8)});
  }

  twr_t tower() const {
    std::vector<uint8_t> out{static_cast<uint8_t>(floors_), static_cast<uint8_t>(floors_ >> 8)};
    out.insert(out.end(), bytes_.begin(), bytes_.end());
    return twr_t{static_cast<uint32_t>(out.size()), std::move(out)};
  }

 private:
  void u16le(uint16_t v) {
    bytes_.push_back(static_cast<uint8_t>(v));
    bytes_.push_back(static_cast<uint8_t>(v >> 8));
  }
  std::vector<uint8_t> bytes_;
  uint16_t floors_ = 0;
};

// The interface over NDR 2.0, connection-oriented, on any TCP port and address: what ept_map matches.
twr_t tcpTowerFor(const midlrt::rpc::SyntaxId& iface) {
  TowerWriter w;
  w.syntaxFloor(iface);
  w.syntaxFloor(midlrt::rpc::kNdr20Syntax);
  w.floor({kConnectionOriented}, {0, 0});
  w.floor({kTcpPort}, {0, 0});
  w.floor({kIpAddress}, {0, 0, 0, 0});
  return w.tower();
}

// The port in a tower's TCP floor (big-endian, as the address floors are), or 0 if it has none or the
// tower is malformed.
uint16_t tcpPortOf(const twr_t& tower) {
  const std::vector<uint8_t>& b = tower.tower_octet_string;
  size_t at = 0;
  auto u16le = [&](uint16_t& v) {
    if (b.size() - at < 2) return false;
    v = static_cast<uint16_t>(b[at] | b[at + 1] << 8);
    at += 2;
    return true;
  };
  uint16_t floors = 0;
  if (!u16le(floors)) return 0;
  for (uint16_t i = 0; i < floors; ++i) {
    uint16_t lhsLength = 0, rhsLength = 0;
    if (!u16le(lhsLength) || b.size() - at < lhsLength) return 0;
    const bool isTcp = lhsLength >= 1 && b[at] == kTcpPort;
    at += lhsLength;
    if (!u16le(rhsLength) || b.size() - at < rhsLength) return 0;
    if (isTcp && rhsLength == 2) return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
    at += rhsLength;
  }
  return 0;
}

}  // namespace

uint16_t lookUpTcpPort(const std::string& host, const midlrt::rpc::SyntaxId& iface) {
  midlrt::Binding mapper = midlrt::rpc::Channel::create(tcpBinding(host, 135), channelOptions());
  const twr_t request = tcpTowerFor(iface);
  midlrt::rpc::ContextHandle entry;  // NULL: a new lookup
  uint32_t count = 0, status = 0;
  std::vector<twr_p_t> towers;
  epmapper::ept_map(mapper, nullptr, &request, entry, 4, count, towers, status);
  if (status != 0) {
    throw std::runtime_error("the endpoint mapper knows no TCP endpoint of " + iface.uuid.toString() + " (" +
                             (status == kEptNotRegistered ? std::string("ept_s_not_registered")
                                                          : midlrt::rpc::statusName(status)) +
                             ")");
  }
  for (const twr_p_t& tower : towers) {
    if (tower) {
      if (uint16_t port = tcpPortOf(*tower)) return port;
    }
  }
  throw std::runtime_error("the endpoint mapper's towers for " + iface.uuid.toString() + " name no TCP port");
}

}  // namespace srvinfo
