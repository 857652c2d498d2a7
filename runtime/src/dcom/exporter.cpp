#include "midlrt/dcom/exporter.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <utility>
#include <vector>

#include <midlrt/idl/dcom.h>

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

struct ObjectExporter::State {
  struct Interface {
    com::Oid oid = 0;
    IID iid;
    InterfaceReferences refs;
  };
  struct Object {
    ComPtr<IUnknown> identity;
    std::map<IID, com::Ipid, GuidLess> ipids;  // by interface
  };

  State(std::shared_ptr<com::ObjectTable> table) : objects(std::move(table)) {}

  const std::shared_ptr<com::ObjectTable> objects;
  const com::Oxid oxid = randomId();
  const com::Ipid remUnknownIpid = com::newGuid();

  mutable std::mutex mu;
  std::uint64_t nextOid = randomId() >> 1;
  std::map<com::Ipid, Interface, GuidLess> interfaces;
  std::map<com::Oid, Object> exported;
  std::map<IUnknown*, com::Oid> byIdentity;
  com::DualStringArray resolver;
  bool stopped = false;

  // Adds `refs` public references on interface `iid` of `object`, exporting it first if needed.
  com::HRESULT exportLocked(IUnknown* object, const IID& iid, std::uint32_t refs, com::StdObjRef& out) {
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
    out = com::StdObjRef{0, refs, oxid, interfaces[ipid].oid, ipid};
    return S_OK;
  }

  // Removes an IPID whose references are gone, and its object with its last IPID.
  void unexportLocked(std::map<com::Ipid, Interface, GuidLess>::iterator it) {
    const com::Ipid ipid = it->first;
    const com::Oid oid = it->second.oid;
    const IID iid = it->second.iid;
    interfaces.erase(it);
    objects->remove(ipid);
    auto o = exported.find(oid);
    if (o == exported.end()) return;
    o->second.ipids.erase(iid);
    if (!o->second.ipids.empty()) return;
    byIdentity.erase(o->second.identity.get());
    exported.erase(o);
  }

  // The object behind an exported IPID (not the IRemUnknown one), or null.
  ComPtr<IUnknown> objectOf(const com::Ipid& ipid) const {
    auto it = interfaces.find(ipid);
    if (it == interfaces.end()) return {};
    auto o = exported.find(it->second.oid);
    return o == exported.end() ? ComPtr<IUnknown>() : o->second.identity;
  }
};

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
    const ComPtr<IUnknown> object = state_->objectOf(ripid);
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
      for (const REMINTERFACEREF& ref : InterfaceRefs) {
        auto it = state_->interfaces.find(ref.ipid);
        if (it == state_->interfaces.end()) {
          result = E_INVALIDARG;
          continue;
        }
        InterfaceReferences& r = it->second.refs;
        r.publicRefs -= std::min(r.publicRefs, ref.cPublicRefs);
        r.privateRefs -= std::min(r.privateRefs, ref.cPrivateRefs);
        if (r.publicRefs != 0 || r.privateRefs != 0) continue;
        released.push_back(state_->objectOf(ref.ipid));
        state_->unexportLocked(it);
      }
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
    const ComPtr<IUnknown> object = state_->objectOf(ripid);
    if (!object || state_->stopped) return com::RPC_E_INVALID_OBJECT;
    std::size_t found = 0;
    for (std::size_t i = 0; i < iids.size(); ++i) {
      com::ObjRef ref;
      phr[i] = state_->exportLocked(object.get(), iids[i], 1, ref.std);
      if (phr[i] < 0) continue;
      ++found;
      ref.iid = iids[i];
      ref.resolver = state_->resolver;
      std::vector<std::uint8_t> bytes = com::encodeObjRef(ref);
      ppMIF[i] = std::make_unique<MInterfacePointer>(
          MInterfacePointer{static_cast<uint32_t>(bytes.size()), std::move(bytes)});
    }
    return found == iids.size() ? S_OK : found > 0 ? S_FALSE : E_NOINTERFACE;
  }

 private:
  std::shared_ptr<ObjectExporter::State> state_;
};

}  // namespace

ObjectExporter::ObjectExporter(rpc::Server& server, std::shared_ptr<com::ObjectTable> objects)
    : state_(std::make_shared<State>(std::move(objects))) {
  state_->objects->add(state_->remUnknownIpid, com::makeObject<RemUnknown>(state_));
  IRemUnknown_register(server, state_->objects);
  IRemUnknown2_register(server, state_->objects);
}

ObjectExporter::~ObjectExporter() {
  std::vector<ComPtr<IUnknown>> released;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopped = true;
    for (auto& [oid, object] : state_->exported) released.push_back(object.identity);
    while (!state_->interfaces.empty()) state_->unexportLocked(state_->interfaces.begin());
  }
  state_->objects->remove(state_->remUnknownIpid);
}

com::Oxid ObjectExporter::oxid() const {
  return state_->oxid;
}

const com::Ipid& ObjectExporter::remUnknownIpid() const {
  return state_->remUnknownIpid;
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
  out.resolver = state_->resolver;
  return hr;
}

void ObjectExporter::setResolverBindings(com::DualStringArray bindings) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->resolver = std::move(bindings);
}

com::DualStringArray ObjectExporter::resolverBindings() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->resolver;
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
