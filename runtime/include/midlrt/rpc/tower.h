// Protocol towers (C706 appendix L): how the endpoint mapper names where an interface is served. A tower is
// a list of floors, each a protocol identifier with its data: the interface (UUID and version), the
// transfer syntax, the RPC protocol, then the transport's endpoint and host.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc {

/// One tower of the two protocol sequences this runtime speaks: ncacn_ip_tcp (floors: interface, transfer
/// syntax, connection-oriented RPC, TCP port, IPv4 address) and ncalrpc (interface, transfer syntax, local
/// RPC, endpoint name).
struct Tower {
  SyntaxId interface;                ///< the interface and its version
  SyntaxId transfer = kNdr20Syntax;  ///< the transfer syntax
  Protseq protseq = Protseq::kTcp;   ///< the protocol sequence
  /// The TCP port in decimal, or the ncalrpc socket path; empty in a lookup's tower (any).
  std::string endpoint;
  /// TCP: the host's IPv4 address, dotted ("0.0.0.0" in a lookup's tower); empty for ncalrpc.
  std::string networkAddress;
};

/// The tower's bytes (twr_t's tower_octet_string). Throws std::invalid_argument for an endpoint or address
/// the floors cannot hold (a TCP port outside 0..65535, an address that is not IPv4, a path over 1 KiB).
std::vector<std::uint8_t> encodeTower(const Tower& tower);

/// Reads a tower; ndr::DecodeError for a malformed one, or one of a protocol this runtime does not speak
/// (the message says which floor).
Tower decodeTower(std::span<const std::uint8_t> bytes);

/// The string binding a tower names ("ncacn_ip_tcp:10.0.0.5[49152]", "ncalrpc:[/run/x.sock]").
StringBinding bindingOf(const Tower& tower);

}  // namespace midlrt::rpc
