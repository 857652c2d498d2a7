// The server of objects.idl, and a client that holds its objects until it is killed.
//   dcom_objects_server [--ping-ms N] [--port P] [--epm MAPPER] [--ntlm-users FILE --min-level L]
//       exports a factory and prints "objref=<hex>": the NDR bytes of an MInterfacePointer holding its
//       OBJREF, for a client to unmarshal, then "binding=<string binding>", where its activator makes
//       factories of coclass Factory (CLSID_Factory) for clients that create them; serves until SIGTERM.
//       It listens on 127.0.0.1, port P (default: one the system picks); with --epm it registers its
//       activator for CLSID_Factory with the endpoint mapper at MAPPER (midlrtd), whose activator then passes
//       requests for the class on to it, and unregisters when stopped. N shortens the ping period (default:
//       MS-DCOM's 120 s), and the objects nobody pings go after 3 periods. With --ntlm-users it accepts NTLM
//       for the accounts of FILE ("DOMAIN:user:password" lines), and its objects, exporter and activator
//       serve callers authenticated at level L (an RPC_C_AUTHN_LEVEL_*, 2..6) or above only.
//   dcom_objects_server --hold <hex> <count> [--ping-ms N]
//       unmarshals that factory, creates <count> counters, prints "holding", and waits to be killed
//       without releasing them.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "midlrt/dcom/activation.h"
#include "midlrt/dcom/exporter.h"
#include "midlrt/dcom/marshal.h"
#include "midlrt/epm/endpoint_mapper.h"
#include "objects.h"

namespace {

namespace com = midlrt::com;

std::atomic<int32_t> gLive{0};

class Counter final : public com::ComObject<ICounter> {
 public:
  explicit Counter(int32_t start) : total_(start) { ++gLive; }
  ~Counter() override { --gLive; }
  HRESULT Add(int32_t n, int32_t& total) override {
    total = total_ += n;
    return com::S_OK;
  }
  int32_t total() const { return total_; }

 private:
  std::atomic<int32_t> total_;
};

// INotifier's server call object: Begin_ starts the work on a thread of its own, which calls the sink
// back and then signals the call complete.
class NotifierCall final : public com::Aggregatable, public AsyncINotifier {
 public:
  MIDLRT_DELEGATING_IUNKNOWN
  explicit NotifierCall(com::IUnknown* outer) : Aggregatable(outer) {}
  HRESULT Begin_Notify(ISink* sink, int32_t times) override {
    finish([sink = com::ComPtr<ISink>(sink), times, this] {
      for (int32_t i = 0; i < times && hr_ >= 0; ++i) hr_ = sink->Notify(i);
    });
    return com::S_OK;
  }
  HRESULT Finish_Notify() override { return hr_; }
  HRESULT Begin_Make(int32_t start) override {
    finish([start, this] { counter_ = com::makeObject<Counter>(start); });
    return com::S_OK;
  }
  HRESULT Finish_Make(com::ComPtr<ICounter>& counter) override {
    counter = std::move(counter_);
    return com::S_OK;
  }

 private:
  void* queryOwnInterface(const com::IID& riid) override {
    return riid == AsyncINotifier::kIid ? static_cast<AsyncINotifier*>(this) : nullptr;
  }
  template <class Work>
  void finish(Work work) {
    com::ComPtr<com::ISynchronize> sync;
    controllingUnknown()->QueryInterface(com::ISynchronize::kIid, sync.putVoid());
    std::thread([sync, work = std::move(work)] {
      work();
      sync->Signal();
    }).detach();
  }
  std::atomic<HRESULT> hr_{com::S_OK};
  com::ComPtr<ICounter> counter_;
};

class Factory final : public com::ComObject<IFactory, INotifier, com::ICallFactory> {
 public:
  // INotifier, synchronously (a client without call objects); with them, NotifierCall serves it.
  HRESULT Notify(ISink* sink, int32_t times) override { return Subscribe(sink, times); }
  HRESULT Make(int32_t start, com::ComPtr<ICounter>& counter) override {
    return CreateCounter(start, counter);
  }
  HRESULT CreateCall(const com::IID& riid, com::IUnknown* outer, const com::IID& riid2,
                     com::IUnknown** ppv) override {
    if (riid != AsyncINotifier::kIid) return com::E_NOINTERFACE;
    if (outer == nullptr || riid2 != com::IUnknown::kIid) return com::E_INVALIDARG;
    *ppv = (new NotifierCall(outer))->innerUnknown();
    return com::S_OK;
  }

  HRESULT CreateCounter(int32_t start, com::ComPtr<ICounter>& counter) override {
    counter = com::makeObject<Counter>(start);
    return com::S_OK;
  }
  HRESULT CreateObject(const IID& riid, void*& ppv) override {
    return com::makeObject<Counter>(0)->QueryInterface(riid, &ppv);
  }
  HRESULT Sum(ICounter* a, ICounter* b, int32_t& total) override {
    // Objects of this process come back as themselves, not as proxies.
    const auto* ca = dynamic_cast<Counter*>(a);
    const auto* cb = dynamic_cast<Counter*>(b);
    if (ca == nullptr || cb == nullptr) return com::E_INVALIDARG;
    total = ca->total() + cb->total();
    return com::S_OK;
  }
  HRESULT Subscribe(ISink* sink, int32_t times) override {
    if (sink == nullptr) return com::E_POINTER;
    for (int32_t i = 0; i < times; ++i)
      if (HRESULT hr = sink->Notify(i); hr < 0) return hr;
    return com::S_OK;
  }
  HRESULT Renew(com::ComPtr<ICounter>& counter) override {
    if (!counter) return com::S_OK;
    const auto* c = dynamic_cast<Counter*>(counter.get());
    if (c == nullptr) return com::E_INVALIDARG;
    counter = com::makeObject<Counter>(c->total() + 1);
    return com::S_OK;
  }
  HRESULT Live(int32_t& counters) override {
    counters = gLive;
    return com::S_OK;
  }
  HRESULT Next(int32_t count, std::vector<com::ComPtr<ICounter>>& counters, int32_t& fetched) override {
    fetched = std::min(count, 3);
    counters.clear();
    for (int32_t i = 0; i < fetched; ++i) counters.push_back(com::makeObject<Counter>(i + 1));
    return fetched == count ? com::S_OK : com::S_FALSE;
  }
  HRESULT Total(int32_t, const std::vector<com::ComPtr<ICounter>>& counters, int32_t& total) override {
    total = 0;
    for (const auto& c : counters) {
      const auto* counter = dynamic_cast<Counter*>(c.get());
      if (counter == nullptr) return com::E_INVALIDARG;
      total += counter->total();
    }
    return com::S_OK;
  }
  HRESULT Tag(int32_t id, ENTRY& entry) override {
    entry.id = id;
    entry.counter = com::makeObject<Counter>(id);
    return com::S_OK;
  }
  HRESULT Read(const ENTRY& entry, int32_t& total) override {
    const auto* counter = dynamic_cast<Counter*>(entry.counter.get());
    if (counter == nullptr) return com::E_INVALIDARG;
    total = counter->total() + entry.id;
    return com::S_OK;
  }
  HRESULT RenewByIid(const IID* piid, std::unique_ptr<com::ComPtr<com::IUnknown>>& object) override {
    std::unique_ptr<com::ComPtr<ICounter>> none;
    return RenewMaybe(none, piid ? *piid : com::IUnknown::kIid, object);
  }
  HRESULT WrapVoid(const IID& riid, int32_t start, VOID_ENTRY& entry) override {
    ANY_ENTRY any;
    const HRESULT hr = Wrap(riid, start, any);
    entry.iid = any.iid;
    entry.object = std::move(any.object);
    return hr;
  }
  HRESULT UnwrapVoid(const VOID_ENTRY& entry, int32_t& total) override {
    return Unwrap(ANY_ENTRY{entry.iid, entry.object}, total);
  }
  HRESULT Wrap(const IID& riid, int32_t start, ANY_ENTRY& entry) override {
    com::ComPtr<com::IUnknown> object;
    if (HRESULT hr = com::makeObject<Counter>(start)->QueryInterface(riid, object.putVoid()); hr < 0)
      return hr;
    entry.iid = riid;
    entry.object = std::move(object);
    return com::S_OK;
  }
  HRESULT RenewAs(const IID& riid, void*& ppv) override {
    if (ppv == nullptr) return com::S_OK;
    // ICounter's pointer and IUnknown's are one here (a single base).
    auto* old = static_cast<com::IUnknown*>(ppv);
    const auto* c = dynamic_cast<Counter*>(old);
    if (c == nullptr) return com::E_INVALIDARG;
    const int32_t next = c->total() + 1;
    ppv = nullptr;
    old->Release();  // the callee's to release, when it replaces an [in,out] object
    return com::makeObject<Counter>(next)->QueryInterface(riid, &ppv);
  }
  HRESULT RenewMaybe(std::unique_ptr<com::ComPtr<ICounter>>& counter, const IID& riid,
                     std::unique_ptr<com::ComPtr<com::IUnknown>>& object) override {
    if (counter && *counter) {
      if (HRESULT hr = Renew(*counter); hr < 0) return hr;
    }
    if (object && *object) {
      const auto* c = dynamic_cast<Counter*>(object->get());
      if (c == nullptr) return com::E_INVALIDARG;
      com::ComPtr<com::IUnknown> next;
      if (HRESULT hr = com::makeObject<Counter>(c->total() + 1)->QueryInterface(riid, next.putVoid()); hr < 0)
        return hr;
      *object = std::move(next);
    }
    return com::S_OK;
  }
  HRESULT Unwrap(const ANY_ENTRY& entry, int32_t& total) override {
    // The object comes back as the interface its IID names: ICounter's pointer is an ICounter*.
    if (entry.iid != ICounter::kIid || !entry.object) return com::E_INVALIDARG;
    const auto* counter =
        dynamic_cast<Counter*>(static_cast<ICounter*>(static_cast<void*>(entry.object.get())));
    if (counter == nullptr) return com::E_INVALIDARG;
    total = counter->total();
    return com::S_OK;
  }
};

std::vector<uint8_t> fromHex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

int hold(const std::string& hex, int count) {
  const std::vector<uint8_t> bytes = fromHex(hex);
  midlrt::ndr::Decoder d(bytes.data(), bytes.size());
  auto factory = com::ComPtr<IFactory>::attach(static_cast<IFactory*>(midlrt::dcom::readInterfacePointer(
      d, IFactory::kIid,
      [](const midlrt::Binding& b, const midlrt::rpc::Uuid& id) -> com::ComPtr<com::IUnknown> {
        return IFactory_createProxy(b, id);
      })));
  std::vector<com::ComPtr<ICounter>> held(count);
  for (auto& c : held)
    if (factory->CreateCounter(1, c) != com::S_OK) return 1;
  std::cout << "holding" << std::endl;
  for (;;) pause();  // until SIGKILL: nothing is released
}

}  // namespace

int main(int argc, char** argv) {
  std::chrono::milliseconds ping{120'000};
  std::string holdHex;
  int holdCount = 0;
  std::string port = "0";
  std::string mapper;
  std::string ntlmUsers;
  auto minLevel = midlrt::rpc::AuthnLevel::kNone;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ping-ms") == 0 && i + 1 < argc)
      ping = std::chrono::milliseconds(std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--hold") == 0 && i + 2 < argc)
      holdHex = argv[++i], holdCount = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc)
      port = argv[++i];
    else if (std::strcmp(argv[i], "--epm") == 0 && i + 1 < argc)
      mapper = argv[++i];
    else if (std::strcmp(argv[i], "--ntlm-users") == 0 && i + 1 < argc)
      ntlmUsers = argv[++i];
    else if (std::strcmp(argv[i], "--min-level") == 0 && i + 1 < argc)
      minLevel = static_cast<midlrt::rpc::AuthnLevel>(std::atoi(argv[++i]));
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  midlrt::dcom::setPingPeriod(ping);
  if (!holdHex.empty()) return hold(holdHex, holdCount);

  midlrt::rpc::Server server;
  if (!ntlmUsers.empty())
    server.registerAuthInfo({.service = midlrt::rpc::AuthnService::kWinNT, .ntlmUserFile = ntlmUsers});
  auto objects = std::make_shared<com::ObjectTable>();
  const midlrt::rpc::InterfaceOptions secured{.minAuthnLevel = minLevel};
  ICounter_register(server, objects, secured);
  IFactory_register(server, objects, secured);
  INotifier_register(server, objects, secured);
  midlrt::dcom::ExporterOptions options;
  options.pingPeriod = ping;
  options.minAuthnLevel = minLevel;
  midlrt::dcom::ObjectExporter exporter(server, objects, options);
  const std::string binding = server.listen("ncacn_ip_tcp:127.0.0.1[" + port + "]");
  exporter.addEndpoint(binding);
  midlrt::dcom::Activator activator(server, exporter);
  activator.registerClass<Factory>(CLSID_Factory);
  const std::vector<midlrt::rpc::SyntaxId> activatorInterface{midlrt::dcom::activatorInterface()};
  const std::vector<std::string> bindings{binding};
  if (!mapper.empty())
    midlrt::epm::registerEndpoints(mapper, activatorInterface, bindings, "coclass Factory", CLSID_Factory);
  midlrt::ndr::Buffer buffer;
  midlrt::ndr::Encoder e(buffer, 0);
  midlrt::dcom::writeInterfacePointer(e, com::makeObject<Factory>().as<IFactory>().get(), IFactory::kIid);
  std::string hex;
  for (size_t i = 0; i < buffer.size(); ++i) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", buffer.data()[i]);
    hex += two;
  }
  std::cout << "objref=" << hex << std::endl;
  std::cout << "binding=" << binding << std::endl;
  int signal = 0;
  sigwait(&stop, &signal);
  if (!mapper.empty()) midlrt::epm::unregisterEndpoints(mapper, activatorInterface, bindings, CLSID_Factory);
  server.shutdown();
  return 0;
}
