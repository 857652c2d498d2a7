// The echo service on an ephemeral port: prints the bound string binding, serves until stdin closes.
#include <cstdio>
#include <iostream>
#include <string>

#include "echo_service.h"
#include "midlrt/rpc/server.h"

int main(int argc, char** argv) {
  using namespace midlrt::rpc;
  std::string binding = argc > 1 ? argv[1] : "ncacn_ip_tcp:127.0.0.1[0]";
  auto service = std::make_shared<testing::EchoService>();
  Server server;
  server.registerInterface(testing::kEchoIf, testing::kOpCount, service);
  std::cout << server.listen(binding) << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server.shutdown();
  return 0;
}
