#include "midlrt/dcom/exporter.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

#include <midlrt/idl/dcom.h>
#include <midlrt/idl/unknwn.h>

#include "exporter_state.h"
#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/server.h"

namespace midlrt::dcom {

using com::ComPtr;
using com::E_INVALIDARG;
using com::E_NOINTERFACE;
using com::E_POINTER;
using com::GuidLess;
using com::IUnknown;
using com::S_FALSE;
using com::S_OK;

namespace {

// Public and private counts each stay below 2^31, as Windows' do: a client that asks for more is refused
// rather than wrapped around.
constexpr std::uint64_t kMaxReferences = 0x7fffffff;

std::uint64_t randomId() {
  std::random_device entropy;
  return (std::uint64_t{entropy()} << 32) | entropy();
}

}  // namespace

namespace {

std::mutex gRegistryMu;
std::vector<std::weak_ptr<ObjectExporter::State>> gExporters;  // oldest first

}  // namespace

std::shared_ptr<ObjectExporter::State> exporterWithOxid(com::Oxid oxid) {
  std::lock_guard<std::mutex> lock(gRegistryMu);
  for (const auto& weak : gExporters)
    if (auto state = weak.lock(); state && state->oxid == oxid) return state;
  return nullptr;
}

std::shared_ptr<ObjectExporter::State> currentExporter() {
  std::lock_guard<std::mutex> lock(gRegistryMu);
  for (const auto& weak : gExporters)
    if (auto state = weak.lock()) return state;
  return nullptr;
}

ObjectExporter::State::State(std::shared_ptr<com::ObjectTable> table, ExporterOptions opts)
    : objects(std::move(table)),
      options(opts),
      oxid(randomId()),
      remUnknownIpid(com::newGuid()),
      nextOid(randomId() >> 1) {}

com::HRESULT ObjectExporter::State::exportLocked(IUnknown* object, const IID& iid, std::uint32_t refs,
                                                 com::StdObjRef& out) {
  if (object == nullptr) return E_POINTER;
  if (refs == 0) return E_INVALIDARG;
  ComPtr<IUnknown> identity;
  if (object->QueryInterface(IUnknown::kIid, identity.putVoid()) < 0 || !identity) return E_NOINTERFACE;
  auto known = byIdentity.find(identity.get());
  Object* o = known != byIdentity.end() ? &exported[known->second] : nullptr;
  com::Ipid ipid;
  if (o != nullptr && o->ipids.count(iid) != 0) {
    ipid = o->ipids[iid];
    InterfaceReferences& r = interfaces[ipid].refs;
    if (r.publicRefs + std::uint64_t{refs} > kMaxReferences) return E_INVALIDARG;
    r.publicRefs += refs;
  } else {
    ComPtr<IUnknown> itf;
    if (object->QueryInterface(iid, itf.putVoid()) < 0 || !itf) return E_NOINTERFACE;
    if (refs > kMaxReferences) return E_INVALIDARG;
    if (o == nullptr) {
      if (exported.size() >= options.maxExportedObjects) return com::E_OUTOFMEMORY;
      const com::Oid oid = nextOid++;
      byIdentity[identity.get()] = oid;
      o = &exported[oid];
      o->identity = identity;
    }
    ipid = com::newGuid();
    o->ipids[iid] = ipid;
    interfaces[ipid] = Interface{byIdentity[identity.get()], iid, {refs, 0}};
    objects->add(ipid, identity);
  }
  // A client gets a ping timeout from now to add the object to a ping set.
  o->lastAlive = Clock::now();
  out = com::StdObjRef{0, refs, oxid, interfaces[ipid].oid, ipid};
  return S_OK;
}

void ObjectExporter::State::unexportLocked(std::map<com::Ipid, Interface, GuidLess>::iterator it,
                                           std::vector<ComPtr<IUnknown>>& released) {
  const com::Ipid ipid = it->first;
  const com::Oid oid = it->second.oid;
  const IID iid = it->second.iid;
  interfaces.erase(it);
  objects->remove(ipid);
  auto o = exported.find(oid);
  if (o == exported.end()) return;
  o->second.ipids.erase(iid);
  if (!o->second.ipids.empty()) return;
  released.push_back(o->second.identity);
  byIdentity.erase(o->second.identity.get());
  exported.erase(o);
}

bool ObjectExporter::State::releaseLocked(const com::Ipid& ipid, std::uint32_t publicRefs,
                                          std::uint32_t privateRefs,
                                          std::vector<ComPtr<IUnknown>>& released) {
  auto it = interfaces.find(ipid);
  if (it == interfaces.end()) return false;
  InterfaceReferences& r = it->second.refs;
  r.publicRefs -= std::min(r.publicRefs, publicRefs);
  r.privateRefs -= std::min(r.privateRefs, privateRefs);
  if (r.publicRefs == 0 && r.privateRefs == 0) unexportLocked(it, released);
  return true;
}

ComPtr<IUnknown> ObjectExporter::State::objectOfLocked(const com::Ipid& ipid) {
  auto it = interfaces.find(ipid);
  if (it == interfaces.end()) return {};
  auto o = exported.find(it->second.oid);
  if (o == exported.end()) return {};
  o->second.lastAlive = Clock::now();
  return o->second.identity;
}

void ObjectExporter::State::sweepLocked(Clock::time_point now, std::vector<ComPtr<IUnknown>>& released) {
  std::set<com::Oid> pinged;
  for (auto it = pingSets.begin(); it != pingSets.end();) {
    if (now - it->second.lastPing >= timeout()) {
      it = pingSets.erase(it);
      continue;
    }
    pinged.insert(it->second.oids.begin(), it->second.oids.end());
    ++it;
  }
  std::vector<com::Ipid> expired;
  for (const auto& [oid, object] : exported)
    if (now - object.lastAlive >= timeout() && pinged.count(oid) == 0)
      for (const auto& [iid, ipid] : object.ipids) expired.push_back(ipid);
  for (const com::Ipid& ipid : expired)
    if (auto it = interfaces.find(ipid); it != interfaces.end()) unexportLocked(it, released);
}

com::DualStringArray ObjectExporter::State::resolverBindingsLocked() const {
  if (resolver) return *resolver;
  return options.serveResolver ? bindings : com::DualStringArray{};
}

namespace {

// The exporter's IRemUnknown2 (and, by its base, IRemUnknown) object (MS-DCOM 3.1.1.5.6 and 3.1.1.5.7).
class RemUnknown final : public com::ComObject<IRemUnknown2> {
 public:
  explicit RemUnknown(std::shared_ptr<ObjectExporter::State> state) : state_(std::move(state)) {}

  com::HRESULT QueryInterface(com::REFIID riid, void** ppv) override {
    if (ppv != nullptr && riid == IRemUnknown::kIid) {
      *ppv = static_cast<IRemUnknown*>(this);
      AddRef();
      return S_OK;
    }
    return ComObject::QueryInterface(riid, ppv);
  }

  // Each interface gets cRefs public references; S_OK if the object has them all, S_FALSE if only some,
  // E_NOINTERFACE if none; RPC_E_INVALID_OBJECT (and no results) for an IPID the exporter does not know.
  HRESULT RemQueryInterface(const REFIPID& ripid, uint32_t cRefs, uint16_t cIids,
                            const std::vector<IID>& iids,
                            std::unique_ptr<std::vector<REMQIRESULT>>& ppQIResults) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    const ComPtr<IUnknown> object = state_->objectOfLocked(ripid);
    if (!object || state_->stopped) return com::RPC_E_INVALID_OBJECT;
    if (cRefs == 0) return E_INVALIDARG;
    ppQIResults = std::make_unique<std::vector<REMQIRESULT>>(cIids);
    std::size_t found = 0;
    for (std::size_t i = 0; i < iids.size(); ++i) {
      com::StdObjRef std;
      REMQIRESULT& r = (*ppQIResults)[i];
      r.hResult = state_->exportLocked(object.get(), iids[i], cRefs, std);
      if (r.hResult < 0) continue;
      ++found;
      r.std_ = STDOBJREF{std.flags, std.publicRefs, std.oxid, std.oid, std.ipid};
    }
    return found == iids.size() ? S_OK : found > 0 ? S_FALSE : E_NOINTERFACE;
  }

  // Adds the references of each entry; an unknown IPID or a count past 2^31 fails that entry
  // (E_INVALIDARG in its result and as the call's result), the others are still added.
  HRESULT RemAddRef(uint16_t cInterfaceRefs, const std::vector<REMINTERFACEREF>& InterfaceRefs,
                    std::vector<HRESULT>& pResults) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    pResults.assign(cInterfaceRefs, S_OK);
    HRESULT result = S_OK;
    for (std::size_t i = 0; i < InterfaceRefs.size(); ++i) {
      const REMINTERFACEREF& ref = InterfaceRefs[i];
      auto it = state_->interfaces.find(ref.ipid);
      InterfaceReferences* r = it == state_->interfaces.end() ? nullptr : &it->second.refs;
      if (r == nullptr || r->publicRefs + std::uint64_t{ref.cPublicRefs} > kMaxReferences ||
          r->privateRefs + std::uint64_t{ref.cPrivateRefs} > kMaxReferences) {
        pResults[i] = result = E_INVALIDARG;
        continue;
      }
      r->publicRefs += ref.cPublicRefs;
      r->privateRefs += ref.cPrivateRefs;
      state_->objectOfLocked(ref.ipid);  // reached
    }
    return result;
  }

  // Releases the references of each entry (no count goes below 0); an IPID left with none is no longer
  // exported, and an object left without IPIDs is released. Unknown IPIDs are skipped (E_INVALIDARG).
  HRESULT RemRelease(uint16_t /*cInterfaceRefs*/,
                     const std::vector<REMINTERFACEREF>& InterfaceRefs) override {
    std::vector<ComPtr<IUnknown>> released;  // released after the lock: an object's destructor may call in
    HRESULT result = S_OK;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      for (const REMINTERFACEREF& ref : InterfaceRefs)
        if (!state_->releaseLocked(ref.ipid, ref.cPublicRefs, ref.cPrivateRefs, released))
          result = E_INVALIDARG;
    }
    return result;
  }

  // RemQueryInterface with one public reference per interface, each returned as an OBJREF.
  HRESULT RemQueryInterface2(const REFIPID& ripid, uint16_t cIids, const std::vector<IID>& iids,
                             std::vector<HRESULT>& phr,
                             std::vector<PMInterfacePointerInternal>& ppMIF) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    phr.assign(cIids, com::RPC_E_INVALID_OBJECT);
    ppMIF.clear();
    ppMIF.resize(cIids);
    const ComPtr<IUnknown> object = state_->objectOfLocked(ripid);
    if (!object || state_->stopped) return com::RPC_E_INVALID_OBJECT;
    std::size_t found = 0;
    for (std::size_t i = 0; i < iids.size(); ++i) {
      com::ObjRef ref;
      phr[i] = state_->exportLocked(object.get(), iids[i], 1, ref.std);
      if (phr[i] < 0) continue;
      ++found;
      ref.iid = iids[i];
      ref.resolver = state_->resolverBindingsLocked();
      std::vector<std::uint8_t> bytes = com::encodeObjRef(ref);
      ppMIF[i] = std::make_unique<MInterfacePointer>(
          MInterfacePointer{static_cast<uint32_t>(bytes.size()), std::move(bytes)});
    }
    return found == iids.size() ? S_OK : found > 0 ? S_FALSE : E_NOINTERFACE;
  }

 private:
  std::shared_ptr<ObjectExporter::State> state_;
};

// MS-DCOM's error codes of the object resolver ([MS-ERREF] 2.2).
constexpr uint32_t kOrInvalidOxid = 1910;      // OR_INVALID_OXID
constexpr uint32_t kOrInvalidSet = 1912;       // OR_INVALID_SET
constexpr uint32_t kRpcOutOfResources = 1721;  // RPC_S_OUT_OF_RESOURCES

std::unique_ptr<DUALSTRINGARRAY> toIdl(const com::DualStringArray& a) {
  const com::PackedDualStringArray p = com::pack(a);
  return std::make_unique<DUALSTRINGARRAY>(
      DUALSTRINGARRAY{static_cast<uint16_t>(p.entries.size()), p.securityOffset, p.entries});
}

// The object resolver of this process's exporters (MS-DCOM 3.1.2.5.1): where each is reached, and the
// ping sets that keep their objects alive. Served on the server of the exporter that made it.
class Resolver final : public IObjectExporter_Manager {
 public:
  explicit Resolver(std::weak_ptr<ObjectExporter::State> pinged) : pinged_(std::move(pinged)) {}

  uint32_t ResolveOxid(midlrt::rpc::ServerCall& call, const OXID& oxid, uint16_t count,
                       const std::vector<uint16_t>& protseqs, std::unique_ptr<DUALSTRINGARRAY>& bindings,
                       IPID& remUnknown, DWORD& authnHint) override {
    COMVERSION version;
    return ResolveOxid2(call, oxid, count, protseqs, bindings, remUnknown, authnHint, version);
  }

  uint32_t ResolveOxid2(midlrt::rpc::ServerCall&, const OXID& oxid, uint16_t, const std::vector<uint16_t>&,
                        std::unique_ptr<DUALSTRINGARRAY>& bindings, IPID& remUnknown, DWORD& authnHint,
                        COMVERSION& version) override {
    const auto state = exporterWithOxid(oxid);
    if (!state) return kOrInvalidOxid;
    std::lock_guard<std::mutex> lock(state->mu);
    bindings = toIdl(state->bindings);
    remUnknown = state->remUnknownIpid;
    authnHint = static_cast<DWORD>(state->options.minAuthnLevel);
    version = COMVERSION{5, 7};
    return 0;
  }

  // A set of OIDs this client holds: created with id 0, then changed by additions and deletions; each
  // call is a ping. OIDs of no exporter here are ignored (they cannot be kept alive here).
  uint32_t ComplexPing(midlrt::rpc::ServerCall&, SETID& setId, uint16_t, uint16_t, uint16_t,
                       const std::vector<OID>* add, const std::vector<OID>* del, uint16_t& backoff) override {
    backoff = 0;
    const auto state = pinged_.lock();
    if (!state) return kOrInvalidSet;
    std::lock_guard<std::mutex> lock(state->mu);
    if (setId == 0) {
      if (state->pingSets.size() >= state->options.maxPingSets && !dropIdleSetLocked(*state))
        return kRpcOutOfResources;
      do setId = randomId();
      while (setId == 0 || state->pingSets.count(setId) != 0);
      state->pingSets[setId];
    }
    auto it = state->pingSets.find(setId);
    if (it == state->pingSets.end()) return kOrInvalidSet;
    if (add)
      for (OID oid : *add)
        if (state->exported.count(oid) != 0) it->second.oids.insert(oid);
    if (del)
      for (OID oid : *del) it->second.oids.erase(oid);
    it->second.lastPing = ObjectExporter::State::Clock::now();
    return 0;
  }

  // Makes room for a new set by dropping the least recently pinged set that holds no objects (a flood of
  // empty sets cannot then lock out clients with objects); false if every set holds some.
  static bool dropIdleSetLocked(ObjectExporter::State& state) {
    auto idle = state.pingSets.end();
    for (auto it = state.pingSets.begin(); it != state.pingSets.end(); ++it)
      if (it->second.oids.empty() &&
          (idle == state.pingSets.end() || it->second.lastPing < idle->second.lastPing))
        idle = it;
    if (idle == state.pingSets.end()) return false;
    state.pingSets.erase(idle);
    return true;
  }

  uint32_t SimplePing(midlrt::rpc::ServerCall&, const SETID& setId) override {
    const auto state = pinged_.lock();
    if (!state) return kOrInvalidSet;
    std::lock_guard<std::mutex> lock(state->mu);
    auto it = state->pingSets.find(setId);
    if (it == state->pingSets.end()) return kOrInvalidSet;
    it->second.lastPing = ObjectExporter::State::Clock::now();
    return 0;
  }

  uint32_t ServerAlive(midlrt::rpc::ServerCall&) override { return 0; }

  uint32_t ServerAlive2(midlrt::rpc::ServerCall&, COMVERSION& version,
                        std::unique_ptr<DUALSTRINGARRAY>& bindings, DWORD& reserved) override {
    version = COMVERSION{5, 7};
    reserved = 0;
    const auto state = pinged_.lock();
    com::DualStringArray resolver;
    if (state) {
      std::lock_guard<std::mutex> lock(state->mu);
      resolver = state->resolverBindingsLocked();
    }
    bindings = toIdl(resolver);
    return 0;
  }

 private:
  // Ping sets live with the exporter of the server that serves this resolver.
  std::weak_ptr<ObjectExporter::State> pinged_;
};

// "host[port]" for the STRINGBINDING of an endpoint.
com::StringBinding towerOf(const std::string& stringBinding) {
  const rpc::StringBinding b = rpc::StringBinding::parse(stringBinding);
  if (b.protseq != rpc::Protseq::kTcp)
    throw std::invalid_argument("an object exporter is reached over ncacn_ip_tcp, not " + stringBinding);
  if (b.networkAddress.empty() || b.networkAddress == "0.0.0.0" || b.networkAddress == "::")
    throw std::invalid_argument("'" + stringBinding +
                                "' names no host a client could call: listen on an address, or give the one "
                                "clients use");
  std::string address =
      b.networkAddress.find(':') != std::string::npos ? "[" + b.networkAddress + "]" : b.networkAddress;
  address += "[" + b.endpoint + "]";
  return {com::kTowerNcacnIpTcp, std::u16string(address.begin(), address.end())};
}

}  // namespace

ObjectExporter::ObjectExporter(rpc::Server& server, std::shared_ptr<com::ObjectTable> objects,
                               ExporterOptions options)
    : state_(std::make_shared<State>(std::move(objects), options)) {
  state_->objects->add(state_->remUnknownIpid, com::makeObject<RemUnknown>(state_));
  const rpc::InterfaceOptions secured{.minAuthnLevel = options.minAuthnLevel};
  IRemUnknown_register(server, state_->objects, secured);
  IRemUnknown2_register(server, state_->objects, secured);
  // Class objects are exported like any object (an Activator's, or one an application marshals).
  IClassFactory_register(server, state_->objects, secured);
  if (options.serveResolver) IObjectExporter_register(server, std::make_shared<Resolver>(state_));
  {
    std::lock_guard<std::mutex> lock(gRegistryMu);
    gExporters.erase(
        std::remove_if(gExporters.begin(), gExporters.end(), [](const auto& weak) { return weak.expired(); }),
        gExporters.end());
    gExporters.push_back(state_);
  }
  // The sweeper: every ping period (or sooner, for short timeouts), objects nobody pinged go.
  const auto period = std::max<State::Clock::duration>(
      std::min<State::Clock::duration>(options.pingPeriod, state_->timeout() / 3),
      std::chrono::milliseconds(1));
  state_->sweeper = std::thread([state = state_.get(), period] {
    std::unique_lock<std::mutex> lock(state->mu);
    while (!state->stopped) {
      state->sweepWake.wait_for(lock, period);
      if (state->stopped) break;
      std::vector<ComPtr<IUnknown>> released;
      state->sweepLocked(State::Clock::now(), released);
      lock.unlock();
      released.clear();  // objects' destructors run without the lock
      lock.lock();
    }
  });
}

ObjectExporter::~ObjectExporter() {
  std::vector<ComPtr<IUnknown>> released;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopped = true;
    while (!state_->interfaces.empty()) state_->unexportLocked(state_->interfaces.begin(), released);
  }
  state_->sweepWake.notify_all();
  if (state_->sweeper.joinable()) state_->sweeper.join();
  state_->objects->remove(state_->remUnknownIpid);
  std::lock_guard<std::mutex> lock(gRegistryMu);
  gExporters.erase(std::remove_if(gExporters.begin(), gExporters.end(),
                                  [this](const auto& weak) {
                                    auto s = weak.lock();
                                    return !s || s == state_;
                                  }),
                   gExporters.end());
}

com::Oxid ObjectExporter::oxid() const {
  return state_->oxid;
}

const com::Ipid& ObjectExporter::remUnknownIpid() const {
  return state_->remUnknownIpid;
}

rpc::AuthnLevel ObjectExporter::minAuthnLevel() const {
  return state_->options.minAuthnLevel;
}

void ObjectExporter::addEndpoint(const std::string& stringBinding) {
  const com::StringBinding tower = towerOf(stringBinding);
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->bindings.strings.push_back(tower);
}

com::DualStringArray ObjectExporter::bindings() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->bindings;
}

com::HRESULT ObjectExporter::exportInterface(IUnknown* object, com::REFIID iid, std::uint32_t publicRefs,
                                             com::StdObjRef& out) {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->exportLocked(object, iid, publicRefs, out);
}

com::HRESULT ObjectExporter::marshalInterface(IUnknown* object, com::REFIID iid, std::uint32_t publicRefs,
                                              com::ObjRef& out) {
  std::lock_guard<std::mutex> lock(state_->mu);
  const com::HRESULT hr = state_->exportLocked(object, iid, publicRefs, out.std);
  if (hr < 0) return hr;
  out.iid = iid;
  out.resolver = state_->resolverBindingsLocked();
  return hr;
}

void ObjectExporter::setResolverBindings(com::DualStringArray bindings) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->resolver = std::move(bindings);
}

com::DualStringArray ObjectExporter::resolverBindings() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->resolverBindingsLocked();
}

std::optional<InterfaceReferences> ObjectExporter::references(const com::Ipid& ipid) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->interfaces.find(ipid);
  if (it == state_->interfaces.end()) return std::nullopt;
  return it->second.refs;
}

std::size_t ObjectExporter::exportedObjectCount() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->exported.size();
}

}  // namespace midlrt::dcom
