// DCE string bindings: "[uuid@]protseq:[network_addr][endpoint,option=value,...]".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc {

/// The protocol sequences this runtime speaks: kTcp is ncacn_ip_tcp, kLocal is ncalrpc (a Unix domain
/// socket, whose path is the endpoint).
enum class Protseq { kTcp, kLocal };

/// A parsed string binding (RpcStringBindingParse / RpcStringBindingCompose), e.g.
/// "ncacn_ip_tcp:127.0.0.1[4747]" or "ncalrpc:[/tmp/calc.sock]".
struct StringBinding {
  std::optional<Uuid> object;       ///< the "uuid@" prefix: object UUID sent with every call
  Protseq protseq = Protseq::kTcp;  ///< the protocol sequence
  std::string networkAddress;  ///< host name, IPv4, or IPv6 without brackets; empty = local host
  std::string endpoint;        ///< TCP port (decimal, "0" = ephemeral) or socket path
  std::vector<std::pair<std::string, std::string>> options;  ///< ",name=value" pairs after the endpoint

  /// Throws RpcError(status::kInvalidBinding / kProtseqNotSupported) with a message saying what is wrong.
  static StringBinding parse(std::string_view text);
  /// The binding as text again (IPv6 addresses in brackets); parse(toString()) gives the same binding.
  std::string toString() const;
};

}  // namespace midlrt::rpc
