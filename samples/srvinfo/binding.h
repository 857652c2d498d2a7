// How srvinfo reaches a host: the string binding of a TCP port, and the channel settings of every call.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <midlrt/rpc/channel.h>

namespace srvinfo {

// ncacn_ip_tcp:host[port], with an IPv6 address in brackets as the string binding syntax wants; without a
// port, the partial binding the host's endpoint mapper completes.
inline std::string tcpBinding(const std::string& host, std::optional<uint16_t> port = std::nullopt) {
  const std::string address = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!port) return "ncacn_ip_tcp:" + address + (host.find(':') != std::string::npos ? "[]" : "");
  return "ncacn_ip_tcp:" + address + "[" + std::to_string(*port) + "]";
}

// A host that does not answer is reported within seconds, not after the runtime's five-minute default.
// `auth`: how the calls authenticate (none: anonymously).
inline midlrt::rpc::ChannelOptions channelOptions(const midlrt::rpc::ClientAuth& auth = {}) {
  midlrt::rpc::ChannelOptions options;
  options.connectTimeout = std::chrono::seconds(5);
  options.defaultTimeout = std::chrono::seconds(15);
  options.auth = auth;
  return options;
}

}  // namespace srvinfo
