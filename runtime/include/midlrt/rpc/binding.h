// DCE string bindings: "[uuid@]protseq:[network_addr][endpoint,option=value,...]".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc {

enum class Protseq { kTcp, kLocal };  ///< ncacn_ip_tcp, ncalrpc (Unix domain socket)

struct StringBinding {
  std::optional<Uuid> object;
  Protseq protseq = Protseq::kTcp;
  std::string networkAddress;  ///< host name, IPv4, or IPv6 without brackets; empty = local host
  std::string endpoint;        ///< TCP port (decimal, "0" = ephemeral) or socket path
  std::vector<std::pair<std::string, std::string>> options;

  /// Throws RpcError(status::kInvalidBinding / kProtseqNotSupported) with a message saying what is wrong.
  static StringBinding parse(std::string_view text);
  std::string toString() const;
};

}  // namespace midlrt::rpc
