// Interface pointers between two processes on MS-DCOM's wire (generated from objects.idl): this test is the
// client (with an exporter of its own, for the sinks it passes), dcom_objects_server the server. Objects
// come back as proxies that resolve their exporter, ping it and release their references when dropped;
// objects of the server come back to it as themselves; the server calls the client's sink during a call; a
// client killed without releasing has its objects collected after the ping timeout.
#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "midlrt/async/call_cancel.h"
#include "midlrt/dcom/activation.h"
#include "midlrt/dcom/exporter.h"
#include "midlrt/dcom/marshal.h"
#include "midlrt/dcom/security.h"
#include "midlrt/epm/endpoint_mapper.h"
#include "objects.h"

extern char** environ;

namespace {

namespace com = midlrt::com;
using com::ComPtr;
using namespace std::chrono_literals;

constexpr int kPingMs = 100;  // the server collects unpinged objects after 3 periods: 300 ms

// A child process whose stdout is read line by line.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + args[0]);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    out_ = fdopen(out[0], "r");
  }
  ~Child() {
    stop(SIGKILL);
    if (out_) fclose(out_);
  }
  std::string line() {
    char buf[4096];
    if (!fgets(buf, sizeof buf, out_)) return {};
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  int stop(int signal) {
    if (pid_ <= 0) return 0;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return status;
  }

 private:
  pid_t pid_ = 0;
  FILE* out_ = nullptr;
};

class Sink final : public com::ComObject<ISink> {
 public:
  HRESULT Notify(int32_t value) override {
    values.push_back(value);
    return com::S_OK;
  }
  std::vector<int32_t> values;  // written by the callbacks, read after the call that made them
};

ComPtr<IFactory> unmarshalFactory(const std::string& hex) {
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  midlrt::ndr::Decoder d(bytes.data(), bytes.size());
  // The registered proxy would do as well; naming IFactory_createProxy links the proxies in.
  return ComPtr<IFactory>::attach(static_cast<IFactory*>(midlrt::dcom::readInterfacePointer(
      d, IFactory::kIid, [](const midlrt::Binding& b, const midlrt::rpc::Uuid& id) -> ComPtr<com::IUnknown> {
        return IFactory_createProxy(b, id);
      })));
}

// What a started objects server prints first: its factory's OBJREF (hex) and its activator's binding.
void readStartLines(Child& server, std::string& hex, std::string& binding) {
  const std::string line = server.line();
  ASSERT_EQ(line.rfind("objref=", 0), 0u) << line;
  hex = line.substr(7);
  const std::string second = server.line();
  ASSERT_EQ(second.rfind("binding=", 0), 0u) << second;
  binding = second.substr(8);
}

class DcomObjects : public ::testing::Test {
 protected:
  // The ping period of both sides; the server collects unpinged objects after 3.
  virtual int pingMs() { return kPingMs; }

  void SetUp() override {
    midlrt::dcom::setPingPeriod(std::chrono::milliseconds(pingMs()));
    // This process exports the sinks it passes.
    objects_ = std::make_shared<com::ObjectTable>();
    ISink_register(server_, objects_);
    midlrt::dcom::ExporterOptions options;
    options.pingPeriod = std::chrono::milliseconds(pingMs());
    exporter_ = std::make_unique<midlrt::dcom::ObjectExporter>(server_, objects_, options);
    exporter_->addEndpoint(server_.listen("ncacn_ip_tcp:127.0.0.1[0]"));

    child_ = std::make_unique<Child>(
        std::vector<std::string>{OBJECTS_SERVER, "--ping-ms", std::to_string(pingMs())});
    ASSERT_NO_FATAL_FAILURE(readStartLines(*child_, hex_, binding_));
    factory_ = unmarshalFactory(hex_);
    ASSERT_TRUE(factory_);
  }
  void TearDown() override {
    factory_.reset();
    child_.reset();
    exporter_.reset();
    server_.shutdown();
  }

  int32_t live() {
    int32_t n = -1;
    EXPECT_EQ(factory_->Live(n), com::S_OK);
    return n;
  }
  // The server's live counters become `n` within `limit` (releases and collection are asynchronous).
  bool liveBecomes(int32_t n, std::chrono::milliseconds limit = 5000ms) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (live() == n) return true;
      std::this_thread::sleep_for(20ms);
    }
    return live() == n;
  }

  midlrt::rpc::Server server_;
  std::shared_ptr<com::ObjectTable> objects_;
  std::unique_ptr<midlrt::dcom::ObjectExporter> exporter_;
  std::unique_ptr<Child> child_;
  std::string hex_;
  std::string binding_;  // where the server's activator answers
  ComPtr<IFactory> factory_;
};

// With pings every minute, nothing is collected during a test: what goes, goes because it was released.
class DcomObjectsSlowPing : public DcomObjects {
 protected:
  int pingMs() override { return 60'000; }
};

TEST_F(DcomObjects, ARootObjectUnmarshaledFromItsObjRefIsAProxy) {
  EXPECT_NE(com::ProxyBase::find(factory_.get()), nullptr);
  EXPECT_EQ(live(), 0);
}

TEST_F(DcomObjects, AReturnedObjectIsAProxyToItsOwnObject) {
  ComPtr<ICounter> a, b;
  ASSERT_EQ(factory_->CreateCounter(10, a), com::S_OK);
  ASSERT_EQ(factory_->CreateCounter(20, b), com::S_OK);
  ASSERT_TRUE(a && b);
  EXPECT_NE(com::ProxyBase::find(a.get()), nullptr);
  int32_t total = 0;
  EXPECT_EQ(a->Add(5, total), com::S_OK);
  EXPECT_EQ(total, 15);
  EXPECT_EQ(b->Add(1, total), com::S_OK);
  EXPECT_EQ(total, 21);
  EXPECT_EQ(live(), 2);
}

// Activation: a client creates an object of a class the server registered, by its CLSID
// (RemoteCreateInstance), and calls it through the proxy it gets; releasing it releases what it made.
TEST_F(DcomObjectsSlowPing, ActivationCreatesAnObjectOfARegisteredClass) {
  ComPtr<IFactory> made;
  ASSERT_EQ(midlrt::dcom::createInstance(binding_, CLSID_Factory, made), com::S_OK);
  ASSERT_TRUE(made);
  EXPECT_NE(com::ProxyBase::find(made.get()), nullptr);
  ComPtr<ICounter> counter;
  ASSERT_EQ(made->CreateCounter(41, counter), com::S_OK);
  int32_t total = 0;
  EXPECT_EQ(counter->Add(1, total), com::S_OK);
  EXPECT_EQ(total, 42);
  EXPECT_EQ(live(), 1);
  counter.reset();
  made.reset();
  EXPECT_TRUE(liveBecomes(0));
}

// Several interfaces in one request (CoCreateInstanceEx's MULTI_QI): each answered on its own, and the
// activation says that not all were there.
TEST_F(DcomObjectsSlowPing, ActivationAnswersEachInterfaceAskedFor) {
  midlrt::dcom::QueryResult asked[] = {{IFactory::kIid, nullptr, com::E_FAIL},
                                       {ISink::kIid, nullptr, com::E_FAIL},
                                       {INotifier::kIid, nullptr, com::E_FAIL}};
  ASSERT_EQ(midlrt::dcom::createInstance(binding_, CLSID_Factory, asked), com::CO_S_NOTALLINTERFACES);
  EXPECT_EQ(asked[0].hr, com::S_OK);
  EXPECT_EQ(asked[1].hr, com::E_NOINTERFACE);
  EXPECT_FALSE(asked[1].object);
  EXPECT_EQ(asked[2].hr, com::S_OK);
  // Both proxies are of one object: the counter one makes, the other sums.
  ComPtr<INotifier> notifier = asked[2].object.as<INotifier>();
  ComPtr<IFactory> factory = asked[0].object.as<IFactory>();
  ASSERT_TRUE(notifier && factory);
  ComPtr<ICounter> counter;
  ASSERT_EQ(notifier->Make(7, counter), com::S_OK);
  int32_t total = 0;
  EXPECT_EQ(factory->Sum(counter.get(), counter.get(), total), com::S_OK);
  EXPECT_EQ(total, 14);

  midlrt::dcom::QueryResult none[] = {{ISink::kIid, nullptr, com::E_FAIL}};
  EXPECT_EQ(midlrt::dcom::createInstance(binding_, CLSID_Factory, none), com::E_NOINTERFACE);
}

// A machine's services, as midlrtd serves them: an endpoint mapper, and an activator that passes requests
// on to the server registered for a class; the test's server is registered for CLSID_Factory.
struct Machine {
  explicit Machine(const std::string& factoryServer) {
    mapper.add({midlrt::dcom::activatorInterface(), CLSID_Factory,
                midlrt::rpc::StringBinding::parse(factoryServer), "coclass Factory"});
  }
  ~Machine() { server.shutdown(); }
  midlrt::rpc::Server server;
  midlrt::epm::EndpointMapper mapper{server};
  midlrt::dcom::MachineActivator activator{
      server, [this](const com::CLSID& clsid) {
        std::optional<std::string> at;
        if (auto b = mapper.find(midlrt::dcom::activatorInterface(), clsid)) at = b->toString();
        return at;
      }};
  const std::string binding = server.listen("ncacn_ip_tcp:127.0.0.1");
};

// A machine's activator (midlrtd's) passes requests on to the server that registered the class with the
// endpoint mapper, so a client names only the machine.
TEST_F(DcomObjectsSlowPing, TheMachineActivatorPassesRequestsOnToTheServerOfTheClass) {
  Machine machine(binding_);
  const std::string& rpcss = machine.binding;

  ComPtr<IFactory> made;
  ASSERT_EQ(midlrt::dcom::createInstance(rpcss, CLSID_Factory, made), com::S_OK);
  ComPtr<ICounter> counter;
  ASSERT_EQ(made->CreateCounter(1, counter), com::S_OK);
  int32_t total = 0;
  EXPECT_EQ(counter->Add(1, total), com::S_OK);
  EXPECT_EQ(total, 2);
  EXPECT_EQ(midlrt::dcom::createInstance(rpcss, CLSID_Nowhere, made), com::REGDB_E_CLASSNOTREG);

  // A registered server that went away: an RPC failure, reported as the activation's HRESULT.
  machine.mapper.add({midlrt::dcom::activatorInterface(), CLSID_Nowhere,
                      midlrt::rpc::StringBinding::parse("ncacn_ip_tcp:127.0.0.1[1]"), ""});
  const com::HRESULT gone = midlrt::dcom::createInstance(rpcss, CLSID_Nowhere, made);
  EXPECT_LT(gone, 0);
  EXPECT_NE(gone, com::REGDB_E_CLASSNOTREG);
}

// The class object (RemoteGetClassObject, CoGetClassObject): an IClassFactory proxy whose CreateInstance
// (its [call_as] RemoteCreateInstance on the wire) makes a new object of the class on the server each time.
TEST_F(DcomObjectsSlowPing, AClassObjectMakesObjectsOfItsClassOnTheServer) {
  ComPtr<IClassFactory> classObject;
  ASSERT_EQ(midlrt::dcom::getClassObject(binding_, CLSID_Factory, classObject), com::S_OK);
  ASSERT_TRUE(classObject);
  EXPECT_NE(com::ProxyBase::find(classObject.get()), nullptr);
  ComPtr<IFactory> one;
  ComPtr<IFactory> two;
  ASSERT_EQ(classObject->CreateInstance(nullptr, IFactory::kIid, *one.putVoid()), com::S_OK);
  ASSERT_EQ(classObject->CreateInstance(nullptr, IFactory::kIid, *two.putVoid()), com::S_OK);
  ASSERT_TRUE(one && two);
  EXPECT_NE(com::ProxyBase::find(one.get())->object(), com::ProxyBase::find(two.get())->object());
  ComPtr<ICounter> counter;
  ASSERT_EQ(two->CreateCounter(9, counter), com::S_OK);
  int32_t total = 0;
  EXPECT_EQ(counter->Add(1, total), com::S_OK);
  EXPECT_EQ(total, 10);
  EXPECT_EQ(classObject->LockServer(1), com::S_OK);
  EXPECT_EQ(classObject->LockServer(0), com::S_OK);

  // An interface the class's objects lack; aggregation, which a remote class object cannot do.
  void* none = reinterpret_cast<void*>(1);
  EXPECT_EQ(classObject->CreateInstance(nullptr, ISink::kIid, none), com::E_NOINTERFACE);
  EXPECT_EQ(none, nullptr);
  EXPECT_EQ(classObject->CreateInstance(classObject.get(), IFactory::kIid, none), com::CLASS_E_NOAGGREGATION);
  EXPECT_EQ(live(), 1);
  counter.reset();
  EXPECT_TRUE(liveBecomes(0));

  // A class nobody registered; a class object asked for an interface it lacks.
  EXPECT_EQ(midlrt::dcom::getClassObject(binding_, CLSID_Nowhere, classObject), com::REGDB_E_CLASSNOTREG);
  EXPECT_FALSE(classObject);
  ComPtr<com::IUnknown> asSink;
  EXPECT_EQ(midlrt::dcom::getClassObject(binding_, CLSID_Factory, ISink::kIid, asSink), com::E_NOINTERFACE);
}

// The machine's activator passes RemoteGetClassObject on too.
TEST_F(DcomObjectsSlowPing, TheMachineActivatorPassesClassObjectRequestsOn) {
  Machine machine(binding_);
  const std::string& rpcss = machine.binding;
  ComPtr<IClassFactory> classObject;
  ASSERT_EQ(midlrt::dcom::getClassObject(rpcss, CLSID_Factory, classObject), com::S_OK);
  ComPtr<IFactory> made;
  ASSERT_EQ(classObject->CreateInstance(nullptr, IFactory::kIid, *made.putVoid()), com::S_OK);
  ComPtr<ICounter> counter;
  ASSERT_EQ(made->CreateCounter(2, counter), com::S_OK);
  int32_t total = 0;
  EXPECT_EQ(counter->Add(3, total), com::S_OK);
  EXPECT_EQ(total, 5);
  EXPECT_EQ(midlrt::dcom::getClassObject(rpcss, CLSID_Nowhere, classObject), com::REGDB_E_CLASSNOTREG);
}

TEST_F(DcomObjectsSlowPing, ActivationOfAClassNobodyRegisteredFails) {
  ComPtr<IFactory> made;
  EXPECT_EQ(midlrt::dcom::createInstance(binding_, CLSID_Nowhere, made), com::REGDB_E_CLASSNOTREG);
  EXPECT_FALSE(made);
  // A server that is not there: an RPC failure, not a throw.
  EXPECT_LT(midlrt::dcom::createInstance("ncacn_ip_tcp:127.0.0.1[1]", CLSID_Factory, made), 0);
  EXPECT_FALSE(made);
}

// [iid_is] on a structure field: the object travels as the interface the IID field names, both ways.
TEST_F(DcomObjectsSlowPing, AStructureCarriesAnInterfacePointerOfTheInterfaceItsIidFieldNames) {
  ANY_ENTRY entry;
  ASSERT_EQ(factory_->Wrap(ICounter::kIid, 40, entry), com::S_OK);
  EXPECT_EQ(entry.iid, ICounter::kIid);
  ASSERT_TRUE(entry.object);
  auto* counter = static_cast<ICounter*>(static_cast<void*>(entry.object.get()));  // the IID's interface
  int32_t total = 0;
  EXPECT_EQ(counter->Add(2, total), com::S_OK);
  EXPECT_EQ(total, 42);
  EXPECT_EQ(factory_->Unwrap(entry, total), com::S_OK);  // back to its server as itself
  EXPECT_EQ(total, 42);

  ANY_ENTRY unknown;
  ASSERT_EQ(factory_->Wrap(com::IUnknown::kIid, 7, unknown), com::S_OK);
  ASSERT_TRUE(unknown.object);
  EXPECT_TRUE(unknown.object.as<ICounter>());                      // a remote QueryInterface
  EXPECT_EQ(factory_->Unwrap(unknown, total), com::E_INVALIDARG);  // not the IID Unwrap wants
  EXPECT_EQ(live(), 2);
  entry = {};
  unknown = {};
  EXPECT_TRUE(liveBecomes(0));
}

// [iid_is(piid)] with piid an [in, unique] IID*: the IID it points to; a NULL one fails the call (there is
// no interface to marshal the object as) before anything is sent.
TEST_F(DcomObjectsSlowPing, AnIidBehindAUniquePointerNamesTheInterface) {
  ComPtr<ICounter> c;
  ASSERT_EQ(factory_->CreateCounter(5, c), com::S_OK);
  auto object = std::make_unique<ComPtr<com::IUnknown>>(c.as<com::IUnknown>());
  c.reset();
  const IID iid = ICounter::kIid;
  ASSERT_EQ(factory_->RenewByIid(&iid, object), com::S_OK);
  ASSERT_TRUE(object && *object);
  auto* counter = static_cast<ICounter*>(static_cast<void*>(object->get()));
  int32_t total = 0;
  ASSERT_EQ(counter->Add(0, total), com::S_OK);
  EXPECT_EQ(total, 6);
  EXPECT_LT(factory_->RenewByIid(nullptr, object), 0);
  std::unique_ptr<ComPtr<com::IUnknown>> none;
  EXPECT_EQ(factory_->RenewByIid(nullptr, none), com::S_OK);  // nothing travels: no IID needed
  object.reset();
  EXPECT_TRUE(liveBecomes(0));
}

// [iid_is] on a void* field: the same interface pointer, held as IUnknown.
TEST_F(DcomObjectsSlowPing, AVoidFieldWithIidIsCarriesAnInterfacePointer) {
  VOID_ENTRY entry;
  ASSERT_EQ(factory_->WrapVoid(ICounter::kIid, 40, entry), com::S_OK);
  EXPECT_EQ(entry.iid, ICounter::kIid);
  ASSERT_TRUE(entry.object);
  EXPECT_NE(com::ProxyBase::find(entry.object.get()), nullptr);
  auto* counter = static_cast<ICounter*>(static_cast<void*>(entry.object.get()));  // the IID's interface
  int32_t total = 0;
  EXPECT_EQ(counter->Add(3, total), com::S_OK);
  EXPECT_EQ(total, 43);
  EXPECT_EQ(factory_->UnwrapVoid(entry, total), com::S_OK);  // back to its server as itself
  EXPECT_EQ(total, 43);
  VOID_ENTRY none;
  EXPECT_EQ(factory_->UnwrapVoid(none, total), com::E_INVALIDARG);  // NULL travels as NULL
  entry = {};
  EXPECT_TRUE(liveBecomes(0));
}

// The last C++ reference to a proxy gives its references back (RemRelease), and the server's object goes.
TEST_F(DcomObjectsSlowPing, DroppingAProxyReleasesTheObject) {
  ComPtr<ICounter> a, b;
  ASSERT_EQ(factory_->CreateCounter(1, a), com::S_OK);
  ASSERT_EQ(factory_->CreateCounter(2, b), com::S_OK);
  ASSERT_EQ(live(), 2);
  ComPtr<ICounter> copy = a;
  a.reset();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(live(), 2);  // `copy` still holds the proxy
  copy.reset();
  EXPECT_TRUE(liveBecomes(1));
  b.reset();
  EXPECT_TRUE(liveBecomes(0));
}

// Pinging keeps the objects this client holds alive past the server's ping timeout.
TEST_F(DcomObjects, HeldObjectsOutliveThePingTimeout) {
  ComPtr<ICounter> a;
  ASSERT_EQ(factory_->CreateCounter(7, a), com::S_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(kPingMs * 8));
  int32_t total = 0;
  EXPECT_EQ(a->Add(0, total), com::S_OK);
  EXPECT_EQ(total, 7);
  EXPECT_EQ(live(), 1);
}

// An object activated through the machine's activator is pinged at its exporter's resolver, which its
// OBJREF names, not at the activator (midlrtd serves no resolver): it outlives the ping timeout. A server
// of its own, whose exporter this process has not met.
TEST_F(DcomObjects, ObjectsActivatedThroughTheMachineActivatorArePingedAtTheirExporter) {
  Child other({OBJECTS_SERVER, "--ping-ms", std::to_string(kPingMs)});
  ASSERT_EQ(other.line().rfind("objref=", 0), 0u);
  const std::string second = other.line();
  ASSERT_EQ(second.rfind("binding=", 0), 0u) << second;
  Machine machine(second.substr(8));
  ComPtr<IFactory> made;
  ASSERT_EQ(midlrt::dcom::createInstance(machine.binding, CLSID_Factory, made), com::S_OK);
  ComPtr<ICounter> counter;
  ASSERT_EQ(made->CreateCounter(7, counter), com::S_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(kPingMs * 8));
  int32_t total = 0;
  EXPECT_EQ(counter->Add(1, total), com::S_OK);
  EXPECT_EQ(total, 8);
  EXPECT_EQ(made->Live(total), com::S_OK);
  EXPECT_EQ(total, 1);
}

// [iid_is(riid)] void**: a reference of interface riid, which the caller owns. QueryInterface on a proxy for
// an interface it lacks asks the object's exporter.
TEST_F(DcomObjectsSlowPing, AnIidIsObjectComesBackAsTheInterfaceAskedFor) {
  void* raw = nullptr;
  ASSERT_EQ(factory_->CreateObject(ICounter::kIid, raw), com::S_OK);
  ASSERT_NE(raw, nullptr);
  auto counter = ComPtr<ICounter>::attach(static_cast<ICounter*>(raw));
  int32_t total = 0;
  EXPECT_EQ(counter->Add(3, total), com::S_OK);
  EXPECT_EQ(total, 3);
  // Known by IUnknown alone, the object answers QueryInterface through its exporter (RemQueryInterface).
  void* unknown = nullptr;
  ASSERT_EQ(factory_->CreateObject(com::IUnknown::kIid, unknown), com::S_OK);
  ASSERT_NE(unknown, nullptr);
  auto object = ComPtr<com::IUnknown>::attach(static_cast<com::IUnknown*>(unknown));
  ComPtr<ICounter> asCounter = object.as<ICounter>();
  ASSERT_TRUE(asCounter);
  EXPECT_EQ(asCounter->Add(2, total), com::S_OK);
  EXPECT_EQ(total, 2);
  EXPECT_FALSE(object.as<ISink>());
  EXPECT_FALSE(factory_.as<ICounter>());  // a generated proxy asks too, and the factory says no
  object.reset();
  asCounter.reset();
  void* none = nullptr;
  EXPECT_EQ(factory_->CreateObject(ISink::kIid, none), com::E_NOINTERFACE);
  EXPECT_EQ(none, nullptr);
  counter.reset();
  EXPECT_TRUE(liveBecomes(0));
}

// Proxies passed back to their server are passed on as the server's own references: it gets its objects.
TEST_F(DcomObjectsSlowPing, ObjectsPassedBackToTheirServerAreTheObjectsThemselves) {
  ComPtr<ICounter> a, b;
  ASSERT_EQ(factory_->CreateCounter(4, a), com::S_OK);
  ASSERT_EQ(factory_->CreateCounter(5, b), com::S_OK);
  int32_t total = 0;
  ASSERT_EQ(factory_->Sum(a.get(), b.get(), total), com::S_OK);
  EXPECT_EQ(total, 9);
  EXPECT_EQ(factory_->Sum(a.get(), nullptr, total), com::E_INVALIDARG);
  a.reset();
  b.reset();
  EXPECT_TRUE(liveBecomes(0));  // the references Sum's OBJREFs carried were given back too
}

// A sink of this process, passed in: the server calls it back (through this process's exporter and
// resolver) before its call returns.
TEST_F(DcomObjects, TheServerCallsBackASinkPassedIn) {
  auto sink = com::makeObject<Sink>();
  ASSERT_EQ(factory_->Subscribe(sink.get(), 3), com::S_OK);
  EXPECT_EQ(sink->values, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(factory_->Subscribe(nullptr, 1), com::E_POINTER);
}

TEST_F(DcomObjectsSlowPing, AnInOutObjectIsReplaced) {
  ComPtr<ICounter> c;
  ASSERT_EQ(factory_->CreateCounter(41, c), com::S_OK);
  ASSERT_EQ(factory_->Renew(c), com::S_OK);
  int32_t total = 0;
  ASSERT_EQ(c->Add(0, total), com::S_OK);
  EXPECT_EQ(total, 42);
  ComPtr<ICounter> none;
  EXPECT_EQ(factory_->Renew(none), com::S_OK);
  EXPECT_FALSE(none);
  c.reset();
  EXPECT_TRUE(liveBecomes(0));
}

// [in,out] [iid_is] void**: the caller's reference goes to the server, which replaces the object; the proxy
// releases the reference the caller held (the callee's to release) and hands back the new object's.
TEST_F(DcomObjectsSlowPing, AnInOutIidIsObjectIsReplacedAndTheOldReferenceReleased) {
  ComPtr<ICounter> c;
  ASSERT_EQ(factory_->CreateCounter(41, c), com::S_OK);
  void* ppv = nullptr;
  ASSERT_EQ(c->QueryInterface(ICounter::kIid, &ppv), com::S_OK);  // the caller's reference, handed over
  c.reset();
  ASSERT_EQ(factory_->RenewAs(ICounter::kIid, ppv), com::S_OK);
  ASSERT_NE(ppv, nullptr);
  auto renewed = ComPtr<ICounter>::attach(static_cast<ICounter*>(ppv));
  int32_t total = 0;
  ASSERT_EQ(renewed->Add(0, total), com::S_OK);
  EXPECT_EQ(total, 42);
  EXPECT_TRUE(liveBecomes(1));  // the old counter went: no reference is left on it anywhere

  // As IUnknown; NULL stays NULL.
  ASSERT_EQ(renewed->QueryInterface(com::IUnknown::kIid, &ppv), com::S_OK);
  ASSERT_EQ(factory_->RenewAs(com::IUnknown::kIid, ppv), com::S_OK);
  auto asUnknown = ComPtr<com::IUnknown>::attach(static_cast<com::IUnknown*>(ppv));
  ASSERT_TRUE(asUnknown);
  ComPtr<ICounter> again = asUnknown.as<ICounter>();
  ASSERT_TRUE(again);
  ASSERT_EQ(again->Add(0, total), com::S_OK);
  EXPECT_EQ(total, 43);
  ppv = nullptr;
  EXPECT_EQ(factory_->RenewAs(ICounter::kIid, ppv), com::S_OK);
  EXPECT_EQ(ppv, nullptr);
  renewed.reset();
  asUnknown.reset();
  again.reset();
  EXPECT_TRUE(liveBecomes(0));
}

// Interface pointers through [unique] pointers: NULL pointers, pointers to NULL, and objects, each replaced
// in place.
TEST_F(DcomObjectsSlowPing, InterfacePointersThroughUniquePointersMayBeNull) {
  std::unique_ptr<ComPtr<ICounter>> counter;
  std::unique_ptr<ComPtr<com::IUnknown>> object;
  ASSERT_EQ(factory_->RenewMaybe(counter, ICounter::kIid, object), com::S_OK);
  EXPECT_FALSE(counter);
  EXPECT_FALSE(object);

  counter = std::make_unique<ComPtr<ICounter>>();
  object = std::make_unique<ComPtr<com::IUnknown>>();
  ASSERT_EQ(factory_->RenewMaybe(counter, ICounter::kIid, object), com::S_OK);
  ASSERT_TRUE(counter && object);
  EXPECT_FALSE(*counter);
  EXPECT_FALSE(*object);

  ASSERT_EQ(factory_->CreateCounter(10, *counter), com::S_OK);
  ComPtr<ICounter> other;
  ASSERT_EQ(factory_->CreateCounter(20, other), com::S_OK);
  *object = other.as<com::IUnknown>();
  other.reset();
  ASSERT_EQ(factory_->RenewMaybe(counter, ICounter::kIid, object), com::S_OK);
  ASSERT_TRUE(counter && *counter && object && *object);
  int32_t total = 0;
  ASSERT_EQ((*counter)->Add(0, total), com::S_OK);
  EXPECT_EQ(total, 11);
  // The object is the [iid_is] interface: ICounter's pointer, held as IUnknown.
  auto* asCounter = static_cast<ICounter*>(static_cast<void*>(object->get()));
  ASSERT_EQ(asCounter->Add(0, total), com::S_OK);
  EXPECT_EQ(total, 21);
  EXPECT_TRUE(liveBecomes(2));  // the two replaced counters went
  counter.reset();
  object.reset();
  EXPECT_TRUE(liveBecomes(0));
}

// An enumerator's Next: a varying array of interface pointers ([size_is], [length_is]); and the array passed
// back, whose objects the server finds to be its own.
TEST_F(DcomObjectsSlowPing, ArraysOfInterfacePointersTravelBothWays) {
  std::vector<ComPtr<ICounter>> counters;
  int32_t fetched = 0;
  ASSERT_EQ(factory_->Next(5, counters, fetched), com::S_FALSE);
  ASSERT_EQ(fetched, 3);
  ASSERT_EQ(counters.size(), 3u);
  for (int32_t i = 0; i < 3; ++i) {
    ASSERT_NE(com::ProxyBase::find(counters[i].get()), nullptr);
    int32_t total = 0;
    EXPECT_EQ(counters[i]->Add(0, total), com::S_OK);
    EXPECT_EQ(total, i + 1);
  }
  int32_t total = 0;
  ASSERT_EQ(factory_->Total(3, counters, total), com::S_OK);
  EXPECT_EQ(total, 6);
  counters.push_back(nullptr);
  EXPECT_EQ(factory_->Total(4, counters, total), com::E_INVALIDARG);
  EXPECT_EQ(live(), 3);
  counters.clear();
  EXPECT_TRUE(liveBecomes(0));
}

// An interface pointer inside a structure, each way.
TEST_F(DcomObjectsSlowPing, AStructureCarriesAnInterfacePointer) {
  ENTRY entry;
  ASSERT_EQ(factory_->Tag(7, entry), com::S_OK);
  EXPECT_EQ(entry.id, 7);
  ASSERT_TRUE(entry.counter);
  int32_t total = 0;
  EXPECT_EQ(entry.counter->Add(3, total), com::S_OK);
  EXPECT_EQ(total, 10);
  ASSERT_EQ(factory_->Read(entry, total), com::S_OK);
  EXPECT_EQ(total, 17);
  entry.counter.reset();
  EXPECT_EQ(factory_->Read(entry, total), com::E_INVALIDARG);
  EXPECT_TRUE(liveBecomes(0));
}

// Call objects over MS-DCOM: an interface got by QueryInterface on a proxy (RemQueryInterface) makes call
// objects; the server's call object calls back the sink passed to Begin_ while the call is in flight, and an
// object returned to Finish_ is a proxy like any other.
TEST_F(DcomObjectsSlowPing, CallObjectsPassInterfacePointersBothWays) {
  ComPtr<INotifier> notifier = factory_.as<INotifier>();
  ASSERT_TRUE(notifier);
  auto created = midlrt::async::createCall<AsyncINotifier>(notifier);
  ASSERT_EQ(created.hr, com::S_OK);
  ComPtr<AsyncINotifier> call = created.call;
  ComPtr<com::ISynchronize> done = call.as<com::ISynchronize>();
  auto sink = com::makeObject<Sink>();
  ASSERT_EQ(call->Begin_Notify(sink.get(), 4), com::S_OK);
  ASSERT_EQ(done->Wait(0, 10'000), com::S_OK);
  EXPECT_EQ(call->Finish_Notify(), com::S_OK);
  EXPECT_EQ(sink->values, (std::vector<int32_t>{0, 1, 2, 3}));

  created = midlrt::async::createCall<AsyncINotifier>(notifier);
  ASSERT_EQ(created.hr, com::S_OK);
  call = created.call;
  done = call.as<com::ISynchronize>();
  ASSERT_EQ(call->Begin_Make(30), com::S_OK);
  ASSERT_EQ(done->Wait(0, 10'000), com::S_OK);
  ComPtr<ICounter> counter;
  ASSERT_EQ(call->Finish_Make(counter), com::S_OK);
  ASSERT_TRUE(counter);
  int32_t total = 0;
  EXPECT_EQ(counter->Add(1, total), com::S_OK);
  EXPECT_EQ(total, 31);
  counter.reset();
  EXPECT_TRUE(liveBecomes(0));
}

// A client killed without releasing: its ping set expires, and the server releases what it held.
TEST_F(DcomObjects, AKilledClientsObjectsAreCollectedAfterThePingTimeout) {
  Child holder({OBJECTS_SERVER, "--hold", hex_, "3", "--ping-ms", std::to_string(kPingMs)});
  ASSERT_EQ(holder.line(), "holding");
  EXPECT_EQ(live(), 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(kPingMs * 6));
  EXPECT_EQ(live(), 3);  // pinged while it lives
  holder.stop(SIGKILL);
  EXPECT_TRUE(liveBecomes(0, std::chrono::milliseconds(kPingMs * 3 * 4)));
}

// A server whose objects, exporter and activator require pkt_integrity (ExporterOptions::minAuthnLevel,
// InterfaceOptions at each IFoo_register) and accept NTLM for one account; this process's DCOM calls carry
// what setClientSecurity sets (reset after each test).
class DcomSecured : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/midlc-dcom-auth-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    std::ofstream(dir_ + "/users") << "TESTDOM:alice:Passw0rd!\n";
    child_ = std::make_unique<Child>(std::vector<std::string>{
        OBJECTS_SERVER, "--ping-ms", "60000", "--ntlm-users", dir_ + "/users", "--min-level", "5"});
    ASSERT_NO_FATAL_FAILURE(readStartLines(*child_, hex_, binding_));
  }
  void TearDown() override {
    midlrt::dcom::setClientSecurity({});
    child_.reset();
    std::remove((dir_ + "/users").c_str());
    rmdir(dir_.c_str());
  }
  static midlrt::rpc::ClientAuth alice(midlrt::rpc::AuthnLevel level) {
    return {.service = midlrt::rpc::AuthnService::kWinNT,
            .level = level,
            .user = "alice",
            .domain = "TESTDOM",
            .password = "Passw0rd!"};
  }

  std::string dir_;
  std::unique_ptr<Child> child_;
  std::string hex_;
  std::string binding_;
};

TEST_F(DcomSecured, AnUnauthenticatedClientIsRefusedActivationAndCalls) {
  ComPtr<IFactory> made;
  EXPECT_EQ(midlrt::dcom::createInstance(binding_, CLSID_Factory, made), com::E_ACCESSDENIED);
  EXPECT_FALSE(made);
  // The resolver answers anyone (its OXID resolves), but the object refuses the call.
  ComPtr<IFactory> factory = unmarshalFactory(hex_);
  ASSERT_TRUE(factory);
  int32_t n = -1;
  EXPECT_EQ(factory->Live(n), com::E_ACCESSDENIED);
}

TEST_F(DcomSecured, ActivationAndTheObjectsItReturnsCarryTheProcessSecurity) {
  midlrt::dcom::setClientSecurity(alice(midlrt::rpc::AuthnLevel::kPktIntegrity));
  ComPtr<IFactory> made;
  ASSERT_EQ(midlrt::dcom::createInstance(binding_, CLSID_Factory, made), com::S_OK);
  ComPtr<ICounter> counter;
  ASSERT_EQ(made->CreateCounter(41, counter), com::S_OK);
  int32_t total = 0;
  EXPECT_EQ(counter->Add(1, total), com::S_OK);
  EXPECT_EQ(total, 42);
  int32_t n = -1;
  EXPECT_EQ(made->Live(n), com::S_OK);
  EXPECT_EQ(n, 1);
}

// The exporter's authnHint (ResolveOxid2's) raises a client that asked for less to what the server wants.
TEST_F(DcomSecured, TheExportersHintRaisesTheClientsLevel) {
  midlrt::dcom::setClientSecurity(alice(midlrt::rpc::AuthnLevel::kConnect));
  ComPtr<IFactory> made;
  EXPECT_EQ(midlrt::dcom::createInstance(binding_, CLSID_Factory, made), com::E_ACCESSDENIED);
  ComPtr<IFactory> factory = unmarshalFactory(hex_);
  ASSERT_TRUE(factory);
  int32_t n = -1;
  EXPECT_EQ(factory->Live(n), com::S_OK);
  ComPtr<ICounter> counter;
  ASSERT_EQ(factory->CreateCounter(1, counter), com::S_OK);
  int32_t total = 0;
  EXPECT_EQ(counter->Add(2, total), com::S_OK);
  EXPECT_EQ(total, 3);
}

TEST_F(DcomSecured, AWrongPasswordIsRefused) {
  auto auth = alice(midlrt::rpc::AuthnLevel::kPktIntegrity);
  auth.password = "wrong";
  midlrt::dcom::setClientSecurity(auth);
  ComPtr<IFactory> made;
  EXPECT_EQ(midlrt::dcom::createInstance(binding_, CLSID_Factory, made), com::E_ACCESSDENIED);
}

}  // namespace
