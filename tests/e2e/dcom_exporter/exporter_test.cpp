// The object exporter (MS-DCOM 3.1.1.5.6, 3.1.1.5.7): interfaces exported under IPIDs are called through
// proxies naming them; IRemUnknown's RemQueryInterface exports more interfaces of the same object,
// RemAddRef and RemRelease count references per IPID, and the last release unexports the IPID and, with an
// object's last IPID, releases the object. All through the runtime's own generated IRemUnknown(2) proxies.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "midlrt/dcom/exporter.h"
#include "shapes.h"

namespace {

using midlrt::com::ComObject;
using midlrt::com::ComPtr;
using midlrt::com::IUnknown;
using midlrt::com::ObjectTable;
using midlrt::dcom::ObjectExporter;
namespace com = midlrt::com;

class Square final : public ComObject<IShape, INamed> {
 public:
  explicit Square(std::atomic<int>& destroyed) : destroyed_(destroyed) {}
  ~Square() override { ++destroyed_; }
  HRESULT Area(double& area) override {
    area = 4.0;
    return com::S_OK;
  }
  HRESULT Name(std::unique_ptr<std::string>& name) override {
    name = std::make_unique<std::string>("square");
    return com::S_OK;
  }

 private:
  std::atomic<int>& destroyed_;
};

class DcomExporter : public ::testing::Test {
 protected:
  void SetUp() override {
    objects_ = std::make_shared<ObjectTable>();
    IShape_register(server_, objects_);
    INamed_register(server_, objects_);
    IColored_register(server_, objects_);
    exporter_ = std::make_unique<ObjectExporter>(server_, objects_, options());
    endpoint_ = server_.listen("ncacn_ip_tcp:127.0.0.1[0]");
    exporter_->addEndpoint(endpoint_);
    binding_ = midlrt::rpc::Channel::create(endpoint_);
    remUnknown_ = IRemUnknown2_createProxy(binding_, exporter_->remUnknownIpid());
  }
  void TearDown() override {
    remUnknown_.reset();
    binding_.reset();
    server_.shutdown();
  }

  // A new Square exported as IShape with `refs` public references, and no reference left in the test: the
  // exporter's is the only one.
  com::StdObjRef exportSquare(std::uint32_t refs) {
    auto square = com::makeObject<Square>(destroyed_);
    com::StdObjRef std;
    EXPECT_EQ(exporter_->exportInterface(square, IShape::kIid, refs, std), com::S_OK);
    return std;
  }

  HRESULT release(const com::Ipid& ipid, std::uint32_t publicRefs, std::uint32_t privateRefs = 0) {
    return remUnknown_->RemRelease(1, {REMINTERFACEREF{ipid, publicRefs, privateRefs}});
  }

  virtual midlrt::dcom::ExporterOptions options() { return {}; }

  std::atomic<int> destroyed_{0};
  std::string endpoint_;
  std::shared_ptr<ObjectTable> objects_;
  midlrt::rpc::Server server_;
  std::unique_ptr<ObjectExporter> exporter_;
  midlrt::Binding binding_;
  ComPtr<IRemUnknown2> remUnknown_;
};

TEST_F(DcomExporter, AnExportedInterfaceIsCalledThroughItsIpid) {
  const com::StdObjRef std = exportSquare(5);
  EXPECT_EQ(std.oxid, exporter_->oxid());
  EXPECT_EQ(std.publicRefs, 5u);
  EXPECT_EQ(std.flags, 0u);
  double area = 0;
  EXPECT_EQ(IShape_createProxy(binding_, std.ipid)->Area(area), com::S_OK);
  EXPECT_EQ(area, 4.0);
  EXPECT_EQ(exporter_->references(std.ipid)->publicRefs, 5u);
  EXPECT_EQ(exporter_->exportedObjectCount(), 1u);
}

// Exporting the same interface of the same object again reuses its IPID and adds the references; another
// object gets another OID.
TEST_F(DcomExporter, OneIpidPerObjectAndInterface) {
  auto square = com::makeObject<Square>(destroyed_);
  com::StdObjRef first, second, other;
  ASSERT_EQ(exporter_->exportInterface(square, IShape::kIid, 1, first), com::S_OK);
  ASSERT_EQ(exporter_->exportInterface(square.as<INamed>(), IShape::kIid, 2, second), com::S_OK);
  EXPECT_EQ(second.ipid, first.ipid);
  EXPECT_EQ(second.oid, first.oid);
  EXPECT_EQ(exporter_->references(first.ipid)->publicRefs, 3u);
  other = exportSquare(1);
  EXPECT_NE(other.oid, first.oid);
  EXPECT_NE(other.ipid, first.ipid);
  EXPECT_EQ(exporter_->exportInterface(square, IColored::kIid, 1, other), com::E_NOINTERFACE);
  EXPECT_EQ(exporter_->exportInterface(square, IShape::kIid, 0, other), com::E_INVALIDARG);
  EXPECT_EQ(exporter_->exportInterface(ComPtr<IShape>(), IShape::kIid, 1, other), com::E_POINTER);
}

TEST_F(DcomExporter, RemQueryInterfaceExportsMoreInterfacesOfTheObject) {
  const com::StdObjRef shape = exportSquare(5);
  std::unique_ptr<std::vector<REMQIRESULT>> results;
  ASSERT_EQ(remUnknown_->RemQueryInterface(shape.ipid, 2, 2, {INamed::kIid, IShape::kIid}, results),
            com::S_OK);
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 2u);
  const STDOBJREF& named = (*results)[0].std_;
  EXPECT_EQ((*results)[0].hResult, com::S_OK);
  EXPECT_EQ(named.oxid, exporter_->oxid());
  EXPECT_EQ(named.oid, shape.oid);
  EXPECT_NE(named.ipid, shape.ipid);
  EXPECT_EQ(named.cPublicRefs, 2u);
  EXPECT_EQ((*results)[1].std_.ipid, shape.ipid);
  EXPECT_EQ(exporter_->references(shape.ipid)->publicRefs, 7u);
  std::unique_ptr<std::string> name;
  EXPECT_EQ(INamed_createProxy(binding_, named.ipid)->Name(name), com::S_OK);
  EXPECT_EQ(*name, "square");
}

TEST_F(DcomExporter, RemQueryInterfaceAnswersEachInterfaceItsOwnResult) {
  const com::StdObjRef shape = exportSquare(1);
  std::unique_ptr<std::vector<REMQIRESULT>> results;
  EXPECT_EQ(remUnknown_->RemQueryInterface(shape.ipid, 1, 2, {IColored::kIid, INamed::kIid}, results),
            com::S_FALSE);
  ASSERT_TRUE(results);
  EXPECT_EQ((*results)[0].hResult, com::E_NOINTERFACE);
  EXPECT_EQ((*results)[1].hResult, com::S_OK);
  EXPECT_EQ(remUnknown_->RemQueryInterface(shape.ipid, 1, 1, {IColored::kIid}, results), com::E_NOINTERFACE);
  // An IPID the exporter does not know, and its own IRemUnknown's, name no object.
  const com::Ipid unknown = com::newGuid();
  results.reset();
  EXPECT_EQ(remUnknown_->RemQueryInterface(unknown, 1, 1, {INamed::kIid}, results),
            com::RPC_E_INVALID_OBJECT);
  EXPECT_FALSE(results);
  EXPECT_EQ(remUnknown_->RemQueryInterface(exporter_->remUnknownIpid(), 1, 1, {INamed::kIid}, results),
            com::RPC_E_INVALID_OBJECT);
  EXPECT_EQ(remUnknown_->RemQueryInterface(shape.ipid, 0, 1, {INamed::kIid}, results), com::E_INVALIDARG);
}

// The last release of an IPID unexports it (its calls then find no object); the last IPID of an object
// takes the object with it.
TEST_F(DcomExporter, TheLastReleaseUnexportsTheInterfaceAndThenTheObject) {
  const com::StdObjRef shape = exportSquare(2);
  std::unique_ptr<std::vector<REMQIRESULT>> results;
  ASSERT_EQ(remUnknown_->RemQueryInterface(shape.ipid, 1, 1, {INamed::kIid}, results), com::S_OK);
  const com::Ipid named = (*results)[0].std_.ipid;

  EXPECT_EQ(release(shape.ipid, 1), com::S_OK);
  EXPECT_EQ(exporter_->references(shape.ipid)->publicRefs, 1u);
  EXPECT_EQ(release(shape.ipid, 1), com::S_OK);
  EXPECT_FALSE(exporter_->references(shape.ipid));
  double area = 0;
  EXPECT_EQ(IShape_createProxy(binding_, shape.ipid)->Area(area), com::RPC_E_DISCONNECTED);
  EXPECT_EQ(destroyed_, 0);  // INamed's IPID still holds it
  std::unique_ptr<std::string> name;
  EXPECT_EQ(INamed_createProxy(binding_, named)->Name(name), com::S_OK);
  EXPECT_EQ(exporter_->exportedObjectCount(), 1u);

  EXPECT_EQ(release(named, 1), com::S_OK);
  EXPECT_EQ(destroyed_, 1);
  EXPECT_EQ(exporter_->exportedObjectCount(), 0u);
  EXPECT_EQ(release(named, 1), com::E_INVALIDARG);  // no longer exported
}

TEST_F(DcomExporter, RemAddRefAndRemReleaseCountPublicAndPrivateReferences) {
  const com::StdObjRef a = exportSquare(1);
  const com::StdObjRef b = exportSquare(1);
  const com::Ipid unknown = com::newGuid();
  std::vector<HRESULT> results;
  EXPECT_EQ(remUnknown_->RemAddRef(3, {{a.ipid, 2, 1}, {unknown, 1, 0}, {b.ipid, 0, 4}}, results),
            com::E_INVALIDARG);
  EXPECT_EQ(results, (std::vector<HRESULT>{com::S_OK, com::E_INVALIDARG, com::S_OK}));
  EXPECT_EQ(exporter_->references(a.ipid)->publicRefs, 3u);
  EXPECT_EQ(exporter_->references(a.ipid)->privateRefs, 1u);
  EXPECT_EQ(exporter_->references(b.ipid)->privateRefs, 4u);
  // Counts stay below 2^31.
  EXPECT_EQ(remUnknown_->RemAddRef(1, {{a.ipid, 0x7ffffffe, 0}}, results), com::E_INVALIDARG);
  EXPECT_EQ(exporter_->references(a.ipid)->publicRefs, 3u);

  // Releasing more than is held stops at zero; private references keep the IPID until they go too.
  EXPECT_EQ(release(b.ipid, 10), com::S_OK);
  EXPECT_EQ(exporter_->references(b.ipid)->publicRefs, 0u);
  EXPECT_EQ(destroyed_, 0);
  EXPECT_EQ(release(b.ipid, 0, 4), com::S_OK);
  EXPECT_EQ(destroyed_, 1);
  // One call releases several IPIDs; an unknown one among them is reported and skipped.
  EXPECT_EQ(remUnknown_->RemRelease(2, {{unknown, 1, 0}, {a.ipid, 3, 1}}), com::E_INVALIDARG);
  EXPECT_EQ(destroyed_, 2);
}

TEST_F(DcomExporter, RemQueryInterface2ReturnsObjRefs) {
  exporter_->setResolverBindings({{{com::kTowerNcacnIpTcp, u"127.0.0.1"}}, {}});
  const com::StdObjRef shape = exportSquare(1);
  std::vector<HRESULT> hr;
  std::vector<PMInterfacePointerInternal> pointers;
  ASSERT_EQ(remUnknown_->RemQueryInterface2(shape.ipid, 2, {INamed::kIid, IColored::kIid}, hr, pointers),
            com::S_FALSE);
  ASSERT_EQ(hr.size(), 2u);
  EXPECT_EQ(hr[0], com::S_OK);
  EXPECT_EQ(hr[1], com::E_NOINTERFACE);
  ASSERT_TRUE(pointers[0]);
  EXPECT_FALSE(pointers[1]);
  const com::ObjRef ref = com::decodeObjRef(pointers[0]->abData);
  EXPECT_EQ(ref.iid, INamed::kIid);
  EXPECT_EQ(ref.std.oxid, exporter_->oxid());
  EXPECT_EQ(ref.std.oid, shape.oid);
  EXPECT_EQ(ref.std.publicRefs, 1u);
  EXPECT_EQ(ref.resolver, exporter_->resolverBindings());
  std::unique_ptr<std::string> name;
  EXPECT_EQ(INamed_createProxy(binding_, ref.std.ipid)->Name(name), com::S_OK);
}

// IRemUnknown is served beside IRemUnknown2 on the same IPID, for clients that bind the older interface.
TEST_F(DcomExporter, IRemUnknownIsServedToo) {
  const com::StdObjRef shape = exportSquare(1);
  ComPtr<IRemUnknown> older = IRemUnknown_createProxy(binding_, exporter_->remUnknownIpid());
  EXPECT_EQ(older->RemRelease(1, {{shape.ipid, 1, 0}}), com::S_OK);
  EXPECT_EQ(destroyed_, 1);
}

// The exporter going away unexports everything it exported; what the application added to the table under
// names of its own stays.
TEST_F(DcomExporter, DestroyingTheExporterReleasesWhatItExported) {
  exportSquare(3);
  const midlrt::rpc::Uuid pinned = com::newGuid();
  objects_->add(pinned, com::makeObject<Square>(destroyed_));
  exporter_.reset();
  EXPECT_EQ(destroyed_, 1);
  double area = 0;
  EXPECT_EQ(IShape_createProxy(binding_, pinned)->Area(area), com::S_OK);
  EXPECT_EQ(remUnknown_->RemRelease(1, {{com::newGuid(), 1, 0}}), com::RPC_E_DISCONNECTED);
}

// The object resolver served beside the exporter: where the OXID is reached and its IRemUnknown's IPID.
TEST_F(DcomExporter, ResolveOxid2AnswersTheExportersBindings) {
  std::unique_ptr<DUALSTRINGARRAY> bindings;
  IPID remUnknown{};
  DWORD authnHint = 0;
  COMVERSION version{};
  ASSERT_EQ(IObjectExporter::ResolveOxid2(binding_, exporter_->oxid(), 1, {com::kTowerNcacnIpTcp}, bindings,
                                          remUnknown, authnHint, version),
            0u);
  EXPECT_EQ(remUnknown, exporter_->remUnknownIpid());
  EXPECT_EQ(version.MajorVersion, 5);
  EXPECT_EQ(version.MinorVersion, 7);
  EXPECT_EQ(authnHint, 1u);  // RPC_C_AUTHN_LEVEL_NONE
  ASSERT_TRUE(bindings);
  const com::DualStringArray answered = com::unpack(bindings->aStringArray, bindings->wSecurityOffset);
  ASSERT_EQ(answered.strings.size(), 1u);
  const std::string port = endpoint_.substr(endpoint_.rfind('['));
  EXPECT_EQ(answered.strings[0].networkAddress, u"127.0.0.1" + std::u16string(port.begin(), port.end()));
  EXPECT_EQ(answered, exporter_->bindings());
  EXPECT_EQ(IObjectExporter::ResolveOxid2(binding_, exporter_->oxid() + 1, 1, {com::kTowerNcacnIpTcp},
                                          bindings, remUnknown, authnHint, version),
            1910u);  // OR_INVALID_OXID
  // Served here, the resolver's bindings (an OBJREF's saResAddr) are the exporter's own.
  EXPECT_EQ(exporter_->resolverBindings(), exporter_->bindings());
}

TEST_F(DcomExporter, AnEndpointClientsCannotCallIsRefused) {
  EXPECT_THROW(exporter_->addEndpoint("ncalrpc:[/tmp/x.sock]"), std::invalid_argument);
  EXPECT_THROW(exporter_->addEndpoint("ncacn_ip_tcp:0.0.0.0[135]"), std::invalid_argument);
  EXPECT_THROW(exporter_->addEndpoint("ncacn_ip_tcp:127.0.0.1[x"), midlrt::rpc::RpcError);
}

// Garbage collection by pinging, with MS-DCOM's 120 s shortened to 100 ms (3 periods: 300 ms; pings every
// 40 ms leave room for a loaded machine).
class DcomPinging : public DcomExporter {
 protected:
  midlrt::dcom::ExporterOptions options() override {
    midlrt::dcom::ExporterOptions o;
    o.pingPeriod = std::chrono::milliseconds(100);
    return o;
  }
  void waitTimeouts(int n) { std::this_thread::sleep_for(std::chrono::milliseconds(300 * n + 150)); }
};

TEST_F(DcomPinging, AnObjectNobodyPingsIsReleasedAfterThePingTimeout) {
  const com::StdObjRef shape = exportSquare(1);
  waitTimeouts(1);
  EXPECT_EQ(destroyed_, 1);
  EXPECT_FALSE(exporter_->references(shape.ipid));
  EXPECT_EQ(exporter_->exportedObjectCount(), 0u);
}

TEST_F(DcomPinging, APingSetKeepsItsObjectsAlive) {
  const com::StdObjRef kept = exportSquare(1);
  const com::StdObjRef dropped = exportSquare(1);
  SETID set = 0;
  uint16_t backoff = 1;
  const std::vector<OID> add{kept.oid, 0x1234};  // an OID nobody exported is ignored
  ASSERT_EQ(IObjectExporter::ComplexPing(binding_, set, 1, 2, 0, &add, nullptr, backoff), 0u);
  EXPECT_NE(set, 0u);
  EXPECT_EQ(backoff, 0);
  for (int i = 0; i < 16; ++i) {  // 640 ms of pings every 40 ms
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    ASSERT_EQ(IObjectExporter::SimplePing(binding_, set), 0u);
  }
  EXPECT_TRUE(exporter_->references(kept.ipid));
  EXPECT_FALSE(exporter_->references(dropped.ipid));
  EXPECT_EQ(destroyed_, 1);
  // Taken out of the set, it goes too; so does the set itself once nobody pings it.
  const std::vector<OID> del{kept.oid};
  ASSERT_EQ(IObjectExporter::ComplexPing(binding_, set, 2, 0, 1, nullptr, &del, backoff), 0u);
  waitTimeouts(1);
  EXPECT_EQ(destroyed_, 2);
  EXPECT_EQ(IObjectExporter::SimplePing(binding_, set), 1912u);  // OR_INVALID_SET
}

// Ping sets are bounded: a flood of new sets displaces the empty ones (oldest first), never a set that
// keeps objects alive, and once every set keeps some, new ones are refused.
class DcomPingSetLimit : public DcomExporter {
 protected:
  midlrt::dcom::ExporterOptions options() override {
    midlrt::dcom::ExporterOptions o;
    o.maxPingSets = 3;
    return o;
  }
  uint32_t newSet(SETID& set, const std::vector<OID>& add) {
    uint16_t backoff = 0;
    set = 0;
    return IObjectExporter::ComplexPing(binding_, set, 1, static_cast<uint16_t>(add.size()), 0,
                                        add.empty() ? nullptr : &add, nullptr, backoff);
  }
};

TEST_F(DcomPingSetLimit, NewSetsDisplaceEmptyOnesAndNeverOnesHoldingObjects) {
  const com::StdObjRef a = exportSquare(1), b = exportSquare(1), c = exportSquare(1);
  SETID empty1 = 0, empty2 = 0, holding = 0, flood = 0;
  ASSERT_EQ(newSet(empty1, {}), 0u);
  ASSERT_EQ(newSet(holding, {a.oid}), 0u);
  ASSERT_EQ(newSet(empty2, {}), 0u);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(newSet(flood, {}), 0u) << i;
  EXPECT_EQ(IObjectExporter::SimplePing(binding_, empty1), 1912u);  // displaced: OR_INVALID_SET
  EXPECT_EQ(IObjectExporter::SimplePing(binding_, empty2), 1912u);
  EXPECT_EQ(IObjectExporter::SimplePing(binding_, holding), 0u);
  EXPECT_EQ(IObjectExporter::SimplePing(binding_, flood), 0u);

  SETID second = 0, third = 0, refused = 0;
  ASSERT_EQ(newSet(second, {b.oid}), 0u);
  ASSERT_EQ(newSet(third, {c.oid}), 0u);
  EXPECT_EQ(newSet(refused, {}), 1721u);  // RPC_S_OUT_OF_RESOURCES: every set keeps an object
  EXPECT_EQ(refused, 0u);
  EXPECT_EQ(IObjectExporter::SimplePing(binding_, holding), 0u);
  EXPECT_EQ(IObjectExporter::SimplePing(binding_, second), 0u);
  EXPECT_EQ(IObjectExporter::SimplePing(binding_, third), 0u);
}

// Exported objects are bounded: past the limit, exporting another fails until one is released.
class DcomExportLimit : public DcomExporter {
 protected:
  midlrt::dcom::ExporterOptions options() override {
    midlrt::dcom::ExporterOptions o;
    o.maxExportedObjects = 2;
    return o;
  }
};

TEST_F(DcomExportLimit, ExportingPastTheLimitFailsUntilAnObjectIsReleased) {
  const com::StdObjRef a = exportSquare(1);
  exportSquare(1);
  auto third = com::makeObject<Square>(destroyed_);
  com::StdObjRef std;
  EXPECT_EQ(exporter_->exportInterface(third, IShape::kIid, 1, std), com::E_OUTOFMEMORY);
  // Another interface of an exported object is no new object.
  std::unique_ptr<std::vector<REMQIRESULT>> results;
  ASSERT_EQ(remUnknown_->RemQueryInterface(a.ipid, 1, 1, {INamed::kIid}, results), com::S_OK);
  ASSERT_EQ(release(a.ipid, 1), com::S_OK);
  ASSERT_EQ(release((*results)[0].std_.ipid, 1), com::S_OK);
  EXPECT_EQ(exporter_->exportedObjectCount(), 1u);
  EXPECT_EQ(exporter_->exportInterface(third, IShape::kIid, 1, std), com::S_OK);
}

// An IRemUnknown call reaching an object counts as a sign of life, as a ping does.
TEST_F(DcomPinging, RemQueryInterfaceKeepsAnObjectAliveForAnotherTimeout) {
  const com::StdObjRef shape = exportSquare(1);
  std::unique_ptr<std::vector<REMQIRESULT>> results;
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    ASSERT_EQ(remUnknown_->RemQueryInterface(shape.ipid, 1, 1, {IShape::kIid}, results), com::S_OK);
  }
  EXPECT_EQ(destroyed_, 0);
  waitTimeouts(1);
  EXPECT_EQ(destroyed_, 1);
}

}  // namespace
