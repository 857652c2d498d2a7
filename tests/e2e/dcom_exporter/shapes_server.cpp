// A server whose object exporter exports one Square (IShape, INamed), for independent DCOM clients to drive
// through IRemUnknown (tests/interop/generated/dcom_impacket.py). It prints
//   <endpoint> remunknown=<IPID> shape=<IPID> oxid=<hex> oid=<hex>
// then "destroyed" when the Square goes (its last reference released), and serves until SIGTERM.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "midlrt/dcom/exporter.h"
#include "shapes.h"

namespace {

namespace com = midlrt::com;

class Square final : public com::ComObject<IShape, INamed> {
 public:
  ~Square() override { std::cout << "destroyed" << std::endl; }
  HRESULT Area(double& area) override {
    area = 4.0;
    return com::S_OK;
  }
  HRESULT Name(std::unique_ptr<std::string>& name) override {
    name = std::make_unique<std::string>("square");
    return com::S_OK;
  }
};

}  // namespace

int main() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  midlrt::rpc::Server server;
  auto objects = std::make_shared<com::ObjectTable>();
  IShape_register(server, objects);
  INamed_register(server, objects);
  midlrt::dcom::ObjectExporter exporter(server, objects);
  const std::string endpoint = server.listen("ncacn_ip_tcp:127.0.0.1[0]");
  exporter.addEndpoint(endpoint);
  com::StdObjRef shape;
  if (exporter.exportInterface(com::makeObject<Square>(), IShape::kIid, 5, shape) != com::S_OK) return 1;
  std::printf("%s remunknown=%s shape=%s oxid=%016llx oid=%016llx\n", endpoint.c_str(),
              exporter.remUnknownIpid().toString().c_str(), shape.ipid.toString().c_str(),
              static_cast<unsigned long long>(shape.oxid), static_cast<unsigned long long>(shape.oid));
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  server.shutdown();
  return 0;
}
