// The echo service on an ephemeral port: prints the bound string binding, serves until stdin closes.
// With --ntlm-users FILE the server accepts NTLM for the accounts of FILE ("DOMAIN:user:password" lines),
// with --krb5-keytab FILE Kerberos (and SPNEGO) for the service principals of the keytab; either way it
// serves the echo interface only to callers authenticated at pkt_integrity or above, and kOtherIf to anyone:
// its every operation answers the caller's authentication level (one byte) and principal.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "echo_service.h"
#include "midlrt/rpc/server.h"

namespace {
using namespace midlrt::rpc;

class WhoIsCalling : public Dispatcher {
 public:
  void dispatch(ServerCall& call) override {
    const CallerInfo& who = call.caller();
    auto level = static_cast<uint8_t>(who.authnLevel);
    call.response().append(&level, 1);
    call.response().append(who.clientPrincipal.data(), who.clientPrincipal.size());
  }
};
}  // namespace

int main(int argc, char** argv) {
  std::string binding = "ncacn_ip_tcp:127.0.0.1[0]";
  std::string users;
  std::string keytab;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ntlm-users") == 0 && i + 1 < argc)
      users = argv[++i];
    else if (std::strcmp(argv[i], "--krb5-keytab") == 0 && i + 1 < argc)
      keytab = argv[++i];
    else
      binding = argv[i];
  }
  auto service = std::make_shared<testing::EchoService>();
  Server server;
  InterfaceOptions echoOptions;
  if (!users.empty()) {
    ServerAuth auth;
    auth.service = AuthnService::kWinNT;
    auth.ntlmUserFile = users;
    server.registerAuthInfo(auth);
  }
  if (!keytab.empty()) {
    for (AuthnService service : {AuthnService::kGssKerberos, AuthnService::kGssNegotiate}) {
      ServerAuth auth;
      auth.service = service;
      auth.keytab = keytab;
      server.registerAuthInfo(auth);
    }
  }
  if (!users.empty() || !keytab.empty()) {
    echoOptions.minAuthnLevel = AuthnLevel::kPktIntegrity;
    server.registerInterface(testing::kOtherIf, 1, std::make_shared<WhoIsCalling>());
  }
  server.registerInterface(testing::kEchoIf, testing::kOpCount, service, echoOptions);
  std::cout << server.listen(binding) << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server.shutdown();
  return 0;
}
