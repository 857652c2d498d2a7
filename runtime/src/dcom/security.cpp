// The process's DCOM client security, and the channel options it gives each DCOM channel.
#include "midlrt/dcom/security.h"

#include <algorithm>
#include <mutex>

#include "remote_objects.h"

namespace midlrt::dcom {

namespace {
std::mutex gMu;
rpc::ClientAuth gAuth;
}  // namespace

void setClientSecurity(const rpc::ClientAuth& auth) {
  std::lock_guard<std::mutex> lock(gMu);
  gAuth = auth;
}

rpc::ClientAuth clientSecurity() {
  std::lock_guard<std::mutex> lock(gMu);
  return gAuth;
}

rpc::ChannelOptions dcomChannelOptions(std::uint32_t authnHint) {
  rpc::ChannelOptions options;
  options.auth = clientSecurity();
  // The exporter's hint raises an authenticated client's level; it cannot make an anonymous one
  // authenticate (it has no identity to do it with): the exporter then refuses its calls.
  const auto hint = static_cast<rpc::AuthnLevel>(std::clamp<std::uint32_t>(authnHint, 1, 6));
  if (options.auth.service != rpc::AuthnService::kNone && hint > options.auth.level)
    options.auth.level = hint;
  return options;
}

}  // namespace midlrt::dcom
