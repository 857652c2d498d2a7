// A generated client against impacket's server (run by tests/interop/rpc/impacket_server.py, which passes the
// binding). Exits 0 when every reply is right.
#include <iostream>

#include "echo_if.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  try {
    midlrt::Binding binding = midlrt::rpc::Channel::create(argv[1]);
    bool ok = EchoIf::Echo(binding, -123456) == -123456;
    ok = ok && EchoIf::Add(binding, 40, 2) == 42;
    ok = ok && EchoIf::Add(binding, -7, 3) == -4;
    std::cout << (ok ? "generated client: impacket's server answered right\n"
                     : "generated client: wrong answer\n");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "generated client: " << e.what() << "\n";
    return 1;
  }
}
