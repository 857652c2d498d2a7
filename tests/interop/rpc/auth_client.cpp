// A client of interop_server's authenticated interfaces, for the Kerberos test (kerberos_e2e.py):
//   auth_client BINDING kerberos|negotiate|ntlm connect|integrity|privacy [USER DOMAIN] [--principal P]
//               [--stub-signing]
// The password comes from AUTH_PASSWORD; without USER the provider's default credentials are used (the
// Kerberos credential cache). Prints what the server saw of the caller, then checks echoes of several sizes
// (fragmented ones too) from four threads at once; exits 0 when all succeed, else 1 with the failure.
// --stub-signing does not offer header signing (ClientAuth::signHeaders), so the stub data alone is signed.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "echo_service.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/status.h"

int main(int argc, char** argv) {
  using namespace midlrt::rpc;
  if (argc < 4) {
    std::cerr << "usage: auth_client BINDING kerberos|negotiate|ntlm connect|integrity|privacy [USER DOMAIN] "
                 "[--principal P] [--stub-signing]\n";
    return 2;
  }
  ChannelOptions o;
  const std::string service = argv[2];
  o.auth.service = service == "kerberos"    ? AuthnService::kGssKerberos
                   : service == "negotiate" ? AuthnService::kGssNegotiate
                                            : AuthnService::kWinNT;
  std::string level = argv[3];
  o.auth.level = level == "connect"     ? AuthnLevel::kConnect
                 : level == "integrity" ? AuthnLevel::kPktIntegrity
                                        : AuthnLevel::kPktPrivacy;
  int i = 4;
  if (i + 1 < argc && std::strncmp(argv[i], "--", 2) != 0) {
    o.auth.user = argv[i++];
    o.auth.domain = argv[i++];
    const char* password = std::getenv("AUTH_PASSWORD");
    o.auth.password = password != nullptr ? password : "";
  }
  for (; i < argc; ++i) {
    if (i + 1 < argc && std::strcmp(argv[i], "--principal") == 0) o.auth.serverPrincipal = argv[++i];
    if (std::strcmp(argv[i], "--stub-signing") == 0) o.auth.signHeaders = false;
  }
  try {
    auto ch = Channel::create(argv[1], o);
    Message who = Message::acquire();
    Reply seen = ch->invoke(testing::kOtherIf, 0, who);
    std::string principal(reinterpret_cast<const char*>(seen.data()) + 1, seen.size() - 1);
    std::cout << "server saw level " << int(seen.data()[0]) << " principal " << principal << std::endl;
    // A marker the capture must not show in clear at pkt_privacy.
    const std::string marker = "midlc-plaintext-marker";
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (size_t n : {size_t{0}, size_t{30}, size_t{5000}, size_t{70000}, size_t{200000}}) {
          std::vector<uint8_t> body(n);
          for (size_t k = 0; k < n; ++k) body[k] = static_cast<uint8_t>(marker[k % marker.size()] + t);
          if (n >= marker.size()) std::memcpy(body.data(), marker.data(), marker.size());
          Message m = Message::acquire();
          m.append(body.data(), body.size());
          Reply r;
          uint32_t s = ch->tryInvoke(testing::kEchoIf, testing::kEcho, m, r);
          if (s != status::kOk || r.size() != n || (n != 0 && std::memcmp(r.data(), body.data(), n) != 0)) {
            std::cerr << "echo of " << n << " bytes failed: " << statusName(s) << "\n";
            ++failures;
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    if (failures != 0) return 1;
    std::cout << "echoes ok" << std::endl;
    return 0;
  } catch (const RpcError& e) {
    std::cout << "failed: " << e.what() << std::endl;
    return 1;
  }
}
