// Asks a host's endpoint mapper (port 135) which TCP port serves an RPC interface.
#pragma once

#include <cstdint>
#include <string>

#include <midlrt/rpc/uuid.h>

namespace srvinfo {

// The TCP port of `iface` on `host`, from the endpoint mapper's ept_map. Throws midlrt::rpc::RpcError
// when the endpoint mapper cannot be reached or refuses, std::runtime_error when it knows no such
// interface or answers with a tower that names no TCP port.
uint16_t lookUpTcpPort(const std::string& host, const midlrt::rpc::SyntaxId& iface);

}  // namespace srvinfo
