// midlrtd: the machine's endpoint mapper and activator, in the role Windows' RPCSS plays on port 135. Servers
// listen on dynamic ports and register them here (midlrt::epm::registerEndpoints); clients bind with partial
// bindings ("ncacn_ip_tcp:host") and ask it where an interface is served. A COM server registers its
// activator under each class's CLSID (dcom::activatorInterface()), and RemoteCreateInstance requests for the
// class, sent to this port, are passed on to it.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "midlrt/dcom/activation.h"
#include "midlrt/epm/endpoint_mapper.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"

int main(int argc, char** argv) {
  CLI::App app{
      "midlrtd: the endpoint mapper of this machine (DCE/RPC's epmapper 3.0, as Windows serves it on port "
      "135).\n"
      "Servers register the dynamic ports they listen on (ept_insert); clients resolve partial bindings\n"
      "(ncacn_ip_tcp:host, no port) with ept_map. Runs in the foreground until SIGTERM or SIGINT."};
  std::vector<std::string> listen;
  bool remoteRegistration = false;
  std::size_t maxRegistrations = 4096;
  app.add_option(
      "-l,--listen", listen,
      "string binding to serve on (repeatable); default ncacn_ip_tcp:0.0.0.0[135] (port 135 needs root "
      "or CAP_NET_BIND_SERVICE)");
  app.add_flag("--allow-remote-registration", remoteRegistration,
               "accept ept_insert/ept_delete from other hosts (default: this machine's callers only)");
  app.add_option("--max-registrations", maxRegistrations, "the most registrations kept (default 4096)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (listen.empty()) listen.push_back("ncacn_ip_tcp:0.0.0.0[135]");

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  midlrt::rpc::Server server;
  midlrt::epm::EndpointMapperOptions options;
  options.remoteRegistration = remoteRegistration;
  options.maxRegistrations = maxRegistrations;
  midlrt::epm::EndpointMapper mapper(server, options);
  midlrt::dcom::MachineActivator activator(server, [&mapper](const midlrt::com::CLSID& clsid) {
    std::optional<std::string> at;
    if (auto b = mapper.find(midlrt::dcom::activatorInterface(), clsid)) at = b->toString();
    return at;
  });
  try {
    for (const std::string& binding : listen)
      std::cout << "listening " << server.listen(binding) << std::endl;
  } catch (const midlrt::rpc::RpcError& e) {
    std::cerr << "midlrtd: " << e.what() << "\n";
    return 1;
  }
  int signal = 0;
  sigwait(&stop, &signal);
  server.shutdown();
  return 0;
}
