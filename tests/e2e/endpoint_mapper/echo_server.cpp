// Echo over the endpoint mapper, as two programs of a machine use it.
//   endpoint_mapper_echo serve <mapper binding>
//       serves Echo on a dynamic port, registers it with the mapper (ept_insert), prints "registered
//       <binding>", and on SIGTERM unregisters (ept_delete) and exits.
//   endpoint_mapper_echo call <mapper port> <x>
//       calls Echo::Twice(x) through the partial binding "ncacn_ip_tcp:127.0.0.1", asking the mapper at that
//       port, and prints the result.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "echo.h"
#include "midlrt/epm/endpoint_mapper.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"

namespace {

class Doubler final : public Echo_Manager {
 public:
  int32_t Twice(midlrt::rpc::ServerCall&, int32_t x) override { return 2 * x; }
};

int serve(const std::string& mapper) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  midlrt::rpc::Server server;
  Echo_register(server, std::make_shared<Doubler>());
  const std::vector<std::string> bindings{server.listen("ncacn_ip_tcp:127.0.0.1")};
  const std::vector<midlrt::rpc::SyntaxId> interfaces{Echo_ifspec};
  midlrt::epm::registerEndpoints(mapper, interfaces, bindings, "midlc echo");
  std::cout << "registered " << bindings[0] << std::endl;
  int signal = 0;
  sigwait(&stop, &signal);
  midlrt::epm::unregisterEndpoints(mapper, interfaces, bindings);
  server.shutdown();
  return 0;
}

int call(int mapperPort, int32_t x) {
  midlrt::rpc::ChannelOptions options;
  options.endpointMapperPort = static_cast<uint16_t>(mapperPort);
  std::cout << Echo::Twice(midlrt::rpc::Channel::create("ncacn_ip_tcp:127.0.0.1", options), x) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "serve" && argc == 3) return serve(argv[2]);
    if (mode == "call" && argc == 4) return call(std::atoi(argv[2]), std::atoi(argv[3]));
    std::cerr << "usage: endpoint_mapper_echo serve <mapper binding> | call <mapper port> <x>\n";
    return 2;
  } catch (const midlrt::rpc::RpcError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
