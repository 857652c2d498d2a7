// Partial bindings ("ncacn_ip_tcp:host", no port): the port is asked of the host's endpoint mapper with
// ept_map, on the channel's first call, as RpcEpResolveBinding does.
#pragma once

#include <string>

#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/channel.h"

namespace midlrt::rpc::detail {

/// The TCP port (decimal) at which the endpoint mapper of `partial`'s host (port
/// options.endpointMapperPort) serves `iface` over NDR 2.0. RpcError: kEptNotRegistered when it serves
/// none, kServerUnavailable (or another status) when the mapper cannot be reached or answers malformed.
std::string resolveTcpEndpoint(const StringBinding& partial, const SyntaxId& iface,
                               const ChannelOptions& options);

}  // namespace midlrt::rpc::detail
