// libFuzzer target: the runtime's own services called with arbitrary stub data: the endpoint mapper
// (epmapper's seven operations), the activator (activation properties pickled in a custom OBJREF), the object
// resolver (IObjectExporter) and IRemUnknown2, all served by one Server and called through an in-process
// Channel. They must answer, fault or refuse, never crash, overread, leak or grow without bound; the
// sanitizers and libFuzzer's checks judge.
//
// Input: the first byte chooses the operation (kOperations, modulo its size), the rest is its stub data.
// Seeds: tests/fuzz/services_seeds.py (impacket's requests).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <midlrt/idl/dcom.h>
#include <midlrt/idl/epm.h>

#include "midlrt/com/object_table.h"
#include "midlrt/dcom/activation.h"
#include "midlrt/dcom/exporter.h"
#include "midlrt/dcom/marshal.h"
#include "midlrt/epm/endpoint_mapper.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/server.h"

namespace {

namespace com = midlrt::com;
namespace rpc = midlrt::rpc;

// The class the activator makes (the CLSID services_seeds.py asks for).
const com::CLSID kClass = *com::Guid::parse("6a0f5c1e-2d3b-4c4d-8e5f-9a0b1c2d3e10");

class Thing final : public com::ComObject<com::IUnknown> {};

struct Operation {
  const rpc::SyntaxId* interface;
  uint16_t opnum;
  bool remUnknown;  // called on the exporter's IRemUnknown IPID
};

const Operation kOperations[] = {
    {&epmapper_ifspec, 0, false},
    {&epmapper_ifspec, 1, false},
    {&epmapper_ifspec, 2, false},
    {&epmapper_ifspec, 3, false},
    {&epmapper_ifspec, 4, false},
    {&epmapper_ifspec, 5, false},
    {&epmapper_ifspec, 6, false},
    {&IRemoteSCMActivator_ifspec, 3, false},
    {&IRemoteSCMActivator_ifspec, 4, false},
    {&IObjectExporter_ifspec, 0, false},
    {&IObjectExporter_ifspec, 1, false},
    {&IObjectExporter_ifspec, 2, false},
    {&IObjectExporter_ifspec, 3, false},
    {&IObjectExporter_ifspec, 4, false},
    {&IObjectExporter_ifspec, 5, false},
    {&IRemUnknown2_ifspec, 3, true},
    {&IRemUnknown2_ifspec, 4, true},
    {&IRemUnknown2_ifspec, 5, true},
    {&IRemUnknown2_ifspec, 6, true},
};

struct Services {
  Services() : server(options()) {
    midlrt::dcom::setOffline(true);  // made-up OBJREFs name resolvers anywhere
    objects = std::make_shared<com::ObjectTable>();
    midlrt::dcom::ExporterOptions e;
    e.pingPeriod = std::chrono::milliseconds(10);  // what activation exports is collected soon
    e.maxPingSets = 64;
    exporter = std::make_unique<midlrt::dcom::ObjectExporter>(server, objects, e);
    exporter->addEndpoint("ncacn_ip_tcp:127.0.0.1[1]");  // never connected to: calls come in process
    activator = std::make_unique<midlrt::dcom::Activator>(server, *exporter);
    activator->registerClass<Thing>(kClass);
    midlrt::epm::EndpointMapperOptions m;
    m.maxRegistrations = 64;
    mapper = std::make_unique<midlrt::epm::EndpointMapper>(server, m);
    channel = rpc::Channel::createInProcess(server);
  }
  static rpc::ServerOptions options() {
    rpc::ServerOptions o;
    o.workerThreads = 1;
    o.shutdownGrace = std::chrono::milliseconds(10);
    return o;
  }
  rpc::Server server;
  std::shared_ptr<com::ObjectTable> objects;
  std::unique_ptr<midlrt::dcom::ObjectExporter> exporter;
  std::unique_ptr<midlrt::dcom::Activator> activator;
  std::unique_ptr<midlrt::epm::EndpointMapper> mapper;
  std::shared_ptr<rpc::Channel> channel;
};

Services& services() {
  static Services* s = new Services();  // never destroyed: libFuzzer exits without unwinding
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Services& s = services();
  const Operation& op = kOperations[data[0] % (sizeof kOperations / sizeof kOperations[0])];
  rpc::Message request = rpc::Message::acquire(rpc::kObjectRequestHeadroom);
  request.append(data + 1, size - 1);
  rpc::CallOptions call;
  call.timeout = std::chrono::seconds(5);
  const rpc::Uuid remUnknown = s.exporter->remUnknownIpid();
  if (op.remUnknown) call.object = &remUnknown;
  rpc::Reply reply;
  s.channel->tryInvoke(*op.interface, op.opnum, request, reply, call);
  return 0;
}
