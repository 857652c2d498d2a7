#include "midlrt/dcom/marshal.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <midlrt/idl/dcom.h>

#include "exporter_state.h"
#include "midlrt/com/objref.h"
#include "midlrt/detail/proxy_base.h"
#include "midlrt/ndr/error.h"
#include "midlrt/rpc/status.h"
#include "remote_objects.h"

namespace midlrt::dcom {

using com::ComPtr;
using com::IUnknown;

namespace {

constexpr uint32_t kOrInvalidSet = 1912;   // OR_INVALID_SET: the resolver forgot the set (it restarted)
constexpr std::size_t kMaxChannels = 256;  // channels to exporters and resolvers kept at once
// Resolved exporters kept at once: beyond it, those no proxy uses are forgotten (a peer handing out OBJREFs
// of ever new OXIDs cannot grow the table without bound; what live proxies use stays theirs).
constexpr std::size_t kMaxExporters = 1024;

std::atomic<bool> gOffline{false};

std::mutex gFactoriesMu;
std::map<com::IID, ProxyFactory, com::GuidLess>& factories() {
  static std::map<com::IID, ProxyFactory, com::GuidLess> registered;
  return registered;
}

ProxyFactory registeredFactory(const com::IID& iid) {
  std::lock_guard<std::mutex> lock(gFactoriesMu);
  auto it = factories().find(iid);
  return it == factories().end() ? nullptr : it->second;
}

// "ncacn_ip_tcp:host[port]" from a STRINGBINDING's "host[port]", or "host" with the resolver's well-known
// endpoint, 135.
std::string tcpBinding(const com::StringBinding& b) {
  std::string address;
  for (char16_t c : b.networkAddress) {
    if (c > 0x7e || c < 0x20) return {};  // not an address this runtime can call
    address += static_cast<char>(c);
  }
  if (address.empty()) return {};
  if (address.back() != ']') address += "[135]";
  return "ncacn_ip_tcp:" + address;
}

// The client side of DCOM in this process: the exporters it resolved, the channels it calls them on, the
// ping sets that keep the objects its proxies hold alive, and the releases waiting to be sent. One worker
// thread sends pings and releases, so that a proxy's destructor never calls out itself (it may run on a
// channel's own thread).
class Remotes {
 public:
  struct Exporter {
    std::shared_ptr<rpc::Channel> binding;
    com::Ipid remUnknown;
    std::string resolver;
  };

  static std::shared_ptr<Remotes> instance() {
    static const std::shared_ptr<Remotes> remotes = std::make_shared<Remotes>();
    return remotes;
  }

  Remotes() : worker_([this] { run(); }) {}

  ~Remotes() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
  }

  void setOffline(bool offline) { gOffline = offline; }

  void setPingPeriod(std::chrono::milliseconds period) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      period_ = period;
      rewait_ = true;
    }
    wake_.notify_all();
  }

  // Forgets the resolved exporters no proxy uses, when the table is full.
  void trimExportersLocked() {
    if (exporters_.size() < kMaxExporters) return;
    for (auto it = exporters_.begin(); it != exporters_.end();)
      it = it->second.use_count() == 1 ? exporters_.erase(it) : std::next(it);
  }

  // An exporter whose bindings an activation reply gave: its first ncacn_ip_tcp binding, unless known.
  void remember(com::Oxid oxid, const com::DualStringArray& bindings, const com::Ipid& remUnknown,
                uint32_t authnHint, const std::string& resolver) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (exporters_.count(oxid) != 0) return;
    }
    for (const com::StringBinding& b : bindings.strings) {
      const std::string exporter = b.towerId == com::kTowerNcacnIpTcp ? tcpBinding(b) : std::string();
      if (exporter.empty()) continue;
      auto known =
          std::make_shared<Exporter>(Exporter{channel(exporter, false, authnHint), remUnknown, resolver});
      std::lock_guard<std::mutex> lock(mu_);
      trimExportersLocked();
      exporters_.emplace(oxid, std::move(known));
      return;
    }
  }

  // The exporter an OBJREF names, resolved at the resolver its saResAddr names (ResolveOxid2) the first
  // time.
  std::shared_ptr<Exporter> resolve(const com::ObjRef& ref) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = exporters_.find(ref.std.oxid); it != exporters_.end()) return it->second;
    }
    std::string why = "its OBJREF names no resolver this runtime can call";
    for (const com::StringBinding& at : ref.resolver.strings) {
      if (at.towerId != com::kTowerNcacnIpTcp) continue;
      const std::string resolver = tcpBinding(at);
      if (resolver.empty()) continue;
      try {
        std::unique_ptr<DUALSTRINGARRAY> bindings;
        IPID remUnknown{};
        DWORD authnHint = 0;
        COMVERSION version{};
        const uint32_t status =
            IObjectExporter::ResolveOxid2(channel(resolver, true), ref.std.oxid, 1, {com::kTowerNcacnIpTcp},
                                          bindings, remUnknown, authnHint, version);
        if (status != 0 || !bindings) {
          why = resolver + " answered ResolveOxid2 with status " + std::to_string(status);
          continue;
        }
        const com::DualStringArray found = com::unpack(bindings->aStringArray, bindings->wSecurityOffset);
        for (const com::StringBinding& b : found.strings) {
          const std::string exporter = b.towerId == com::kTowerNcacnIpTcp ? tcpBinding(b) : std::string();
          if (exporter.empty()) continue;
          auto resolved =
              std::make_shared<Exporter>(Exporter{channel(exporter, false, authnHint), remUnknown, resolver});
          std::lock_guard<std::mutex> lock(mu_);
          trimExportersLocked();
          return exporters_.emplace(ref.std.oxid, std::move(resolved)).first->second;
        }
        why = resolver + " answered no ncacn_ip_tcp binding for the exporter";
      } catch (const std::exception& e) {
        why = resolver + ": " + e.what();
      }
    }
    throw rpc::RpcError(rpc::status::kServerUnavailable, "cannot reach the exporter of an object: " + why);
  }

  // A proxy holds `oid`: its resolver is pinged for it from the next ping on.
  void hold(const std::string& resolver, com::Oid oid) {
    std::lock_guard<std::mutex> lock(mu_);
    PingSet& set = sets_[resolver];
    if (set.held[oid]++ == 0) set.changed = true;
  }

  // A proxy is gone: its references go back, and its object is no longer pinged for it.
  void release(std::shared_ptr<Exporter> exporter, const com::Ipid& ipid, uint32_t refs, com::Oid oid,
               bool pinged) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (pinged) {
        PingSet& set = sets_[exporter->resolver];
        if (auto it = set.held.find(oid); it != set.held.end() && --it->second == 0) {
          set.held.erase(it);
          set.changed = true;
        }
      }
      if (refs != 0) releases_.push_back({std::move(exporter), ipid, refs});
    }
    wake_.notify_all();
  }

 private:
  struct PingSet {
    uint64_t id = 0;                    // the resolver's SETID; 0 until the first ComplexPing
    std::map<com::Oid, unsigned> held;  // OIDs, with the proxies holding each
    std::vector<com::Oid> sent;         // what the resolver's set holds
    bool changed = false;
  };
  struct Release {
    std::shared_ptr<Exporter> exporter;
    com::Ipid ipid;
    uint32_t refs;
  };

  // One channel per binding (and level), kept for the process. The bindings come from peers' OBJREFs:
  // when there are many, those nothing else uses any more are dropped first. A resolver's calls are short:
  // a resolver that accepts and never answers holds an unmarshaling thread for 30 s, not a call's 5
  // minutes. Each carries the process's DCOM security, raised to the exporter's authnHint.
  std::shared_ptr<rpc::Channel> channel(const std::string& stringBinding, bool resolver = false,
                                        uint32_t authnHint = 1) {
    rpc::ChannelOptions options = dcomChannelOptions(authnHint);
    std::lock_guard<std::mutex> lock(mu_);
    // Not shared between roles (other timeouts) or securities.
    const std::string key = (resolver ? "resolver " : "") + stringBinding + " as " +
                            std::to_string(static_cast<int>(options.auth.service)) + ":" +
                            options.auth.domain + "\\" + options.auth.user + " level " +
                            std::to_string(static_cast<int>(options.auth.level));
    if (channels_.size() >= kMaxChannels && channels_.count(key) == 0)
      for (auto it = channels_.begin(); it != channels_.end();)
        it = it->second.use_count() == 1 ? channels_.erase(it) : std::next(it);
    auto& c = channels_[key];
    if (!c) {
      if (resolver) options.defaultTimeout = std::chrono::seconds(30);
      c = rpc::Channel::create(stringBinding, options);
    }
    return c;
  }

  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    auto lastPing = std::chrono::steady_clock::now();
    while (true) {
      // Woken early by releases to send, by a new period (the wait's deadline is computed again) or to stop.
      wake_.wait_until(lock, lastPing + period_, [&] { return stopping_ || !releases_.empty() || rewait_; });
      rewait_ = false;
      std::vector<Release> releases = std::move(releases_);
      releases_.clear();
      const bool ping = std::chrono::steady_clock::now() >= lastPing + period_;
      const bool stopping = stopping_;
      lock.unlock();
      sendReleases(releases);
      if (ping && !stopping) pingAll();
      lock.lock();
      if (ping) lastPing = std::chrono::steady_clock::now();
      if (stopping && releases_.empty()) return;
    }
  }

  // RemRelease, one call per exporter. A failure (the server went away) leaves the references to its
  // garbage collection.
  static void sendReleases(const std::vector<Release>& releases) {
    std::map<Exporter*, std::vector<REMINTERFACEREF>> byExporter;
    std::map<Exporter*, std::shared_ptr<Exporter>> keep;
    for (const Release& r : releases) {
      byExporter[r.exporter.get()].push_back(REMINTERFACEREF{r.ipid, r.refs, 0});
      keep[r.exporter.get()] = r.exporter;
    }
    for (auto& [exporter, refs] : byExporter) {
      try {
        for (std::size_t at = 0; at < refs.size(); at += 0xffff) {
          std::vector<REMINTERFACEREF> part(refs.begin() + at,
                                            refs.begin() + std::min(refs.size(), at + 0xffff));
          IRemUnknown_createProxy(exporter->binding, exporter->remUnknown)
              ->RemRelease(static_cast<uint16_t>(part.size()), part);
        }
      } catch (const std::exception&) {
      }
    }
  }

  // Each resolver's set: ComplexPing when its OIDs changed (or the resolver forgot it), SimplePing
  // otherwise.
  void pingAll() {
    std::vector<std::pair<std::string, PingSet>> work;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [resolver, set] : sets_) {
        if (set.held.empty() && !set.changed) continue;
        work.emplace_back(resolver, set);
        set.changed = false;
      }
    }
    for (auto& [resolver, set] : work) {
      try {
        const auto binding = channel(resolver, true);
        if (!set.changed && set.id != 0) {
          if (IObjectExporter::SimplePing(binding, set.id) != kOrInvalidSet) continue;
          set.id = 0, set.sent.clear();  // forgotten: build it again
        }
        std::vector<OID> add, del;
        for (const auto& [oid, n] : set.held)
          if (std::find(set.sent.begin(), set.sent.end(), oid) == set.sent.end()) add.push_back(oid);
        for (com::Oid oid : set.sent)
          if (set.held.count(oid) == 0) del.push_back(oid);
        uint16_t backoff = 0;
        SETID id = set.id;
        if (IObjectExporter::ComplexPing(
                binding, id, 0, static_cast<uint16_t>(std::min<size_t>(add.size(), 0xffff)),
                static_cast<uint16_t>(std::min<size_t>(del.size(), 0xffff)), add.empty() ? nullptr : &add,
                del.empty() ? nullptr : &del, backoff) != 0)
          continue;
        std::lock_guard<std::mutex> lock(mu_);
        PingSet& live = sets_[resolver];
        live.id = id;
        live.sent.clear();
        for (const auto& [oid, n] : set.held) live.sent.push_back(oid);
        // A resolver whose objects are all released is forgotten; its set expires on its side.
        if (live.held.empty() && live.sent.empty() && !live.changed) sets_.erase(resolver);
      } catch (const std::exception&) {
        std::lock_guard<std::mutex> lock(mu_);
        sets_[resolver].changed = true;  // try again at the next ping
      }
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool rewait_ = false;
  std::chrono::milliseconds period_{120'000};
  std::map<com::Oxid, std::shared_ptr<Exporter>> exporters_;
  std::map<std::string, std::shared_ptr<rpc::Channel>> channels_;
  std::map<std::string, PingSet> sets_;  // by resolver binding
  std::vector<Release> releases_;
  std::thread worker_;  // last: it starts running in the constructor
};

// The remote reference a proxy made from an OBJREF holds: given back when the proxy goes, and what it is
// marshaled as when passed on.
struct RemoteRef {
  std::weak_ptr<Remotes> remotes;
  std::shared_ptr<Remotes::Exporter> exporter;
  com::IID iid;
  com::StdObjRef std;
  com::DualStringArray resolver;
  bool pinged = false;
};

void releaseRemoteRef(RemoteRef* r) {
  if (auto remotes = r->remotes.lock())
    remotes->release(r->exporter, r->std.ipid, r->std.publicRefs, r->std.oid, r->pinged);
  delete r;
}

// The OBJREF of interface `iid` of the object a proxy reaches, with one public reference for its receiver,
// got from the object's exporter (RemAddRef, or RemQueryInterface for another interface): passed on this
// way, the receiver calls the object itself, not this process.
com::ObjRef passOn(const RemoteRef& r, const com::IID& iid) {
  com::ObjRef ref;
  ref.iid = iid;
  ref.resolver = r.resolver;
  const auto remUnknown = IRemUnknown_createProxy(r.exporter->binding, r.exporter->remUnknown);
  if (iid == r.iid) {
    std::vector<HRESULT> results;
    const HRESULT hr = remUnknown->RemAddRef(1, {REMINTERFACEREF{r.std.ipid, 1, 0}}, results);
    if (hr < 0)
      ndr::detail::throwEncode("passing on a proxy: its exporter refused RemAddRef: " + com::hresultName(hr));
    ref.std = r.std;
    ref.std.publicRefs = 1;
    return ref;
  }
  std::unique_ptr<std::vector<REMQIRESULT>> results;
  const HRESULT hr = remUnknown->RemQueryInterface(r.std.ipid, 1, 1, {iid}, results);
  if (hr < 0 || !results || results->empty() || (*results)[0].hResult < 0)
    ndr::detail::throwEncode("passing on a proxy as interface " + iid.toString() +
                             ": its exporter answered RemQueryInterface with " + com::hresultName(hr));
  const STDOBJREF& s = (*results)[0].std_;
  ref.std = com::StdObjRef{s.flags, s.cPublicRefs, s.oxid, s.oid, s.ipid};
  return ref;
}

}  // namespace

ProxyRegistration::ProxyRegistration(const com::IID& iid, ProxyFactory factory) {
  std::lock_guard<std::mutex> lock(gFactoriesMu);
  factories()[iid] = factory;
}

void setOffline(bool offline) {
  gOffline = offline;
}

void setPingPeriod(std::chrono::milliseconds period) {
  Remotes::instance()->setPingPeriod(period);
}

void writeInterfacePointer(ndr::Encoder& e, IUnknown* object, const com::IID& iid) {
  if (const com::ProxyBase* proxy = com::ProxyBase::find(object); proxy && proxy->reference()) {
    com::writeInterfacePointer(e, passOn(*static_cast<const RemoteRef*>(proxy->reference().get()), iid));
    return;
  }
  const auto state = currentExporter();
  if (!state)
    ndr::detail::throwEncode(
        "an interface pointer is marshaled through this process's object exporter, and "
        "there is none: make a midlrt::dcom::ObjectExporter first");
  com::ObjRef ref;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    const com::HRESULT hr = state->exportLocked(object, iid, 1, ref.std);
    if (hr < 0) ndr::detail::throwEncode("interface pointer " + iid.toString() + ": " + com::hresultName(hr));
    ref.resolver = state->resolverBindingsLocked();
  }
  if (ref.resolver.strings.empty())
    ndr::detail::throwEncode(
        "the object exporter has no endpoint a client could reach it at: call "
        "ObjectExporter::addEndpoint");
  ref.iid = iid;
  com::writeInterfacePointer(e, ref);
}

namespace {

// A proxy for the object an OBJREF of another process names, holding its references.
ComPtr<IUnknown> makeProxy(const com::ObjRef& ref, ProxyFactory factory) {
  if (gOffline)
    throw rpc::RpcError(
        rpc::status::kServerUnavailable,
        "an interface pointer of another process, and this one is offline (dcom::setOffline)");
  const auto remotes = Remotes::instance();
  const auto exporter = remotes->resolve(ref);
  ProxyFactory make = factory != nullptr ? factory : registeredFactory(ref.iid);
  if (make == nullptr)
    throw rpc::RpcError(rpc::status::kUnknownIf, "an interface pointer of interface " + ref.iid.toString() +
                                                     ", which no generated proxy of this program implements");
  ComPtr<IUnknown> object = make(exporter->binding, ref.std.ipid);
  const bool pinged = (ref.std.flags & com::kSorfNoPing) == 0;
  if (pinged) remotes->hold(exporter->resolver, ref.std.oid);
  if (com::ProxyBase* proxy = com::ProxyBase::find(object.get()))
    proxy->holdReference(std::shared_ptr<void>(
        new RemoteRef{remotes, exporter, ref.iid, ref.std, ref.resolver, pinged}, releaseRemoteRef));
  return object;
}

// The proxy of an object known by IUnknown alone: every other interface is asked of its exporter.
class UnknownProxy final : public com::ComObject<IUnknown>, public com::ProxyBase {
 public:
  UnknownProxy(const std::shared_ptr<rpc::Channel>& binding, const rpc::Uuid& ipid)
      : ProxyBase(binding, ipid, rpc::SyntaxId{IUnknown::kIid, 0, 0}) {}
  com::HRESULT QueryInterface(com::REFIID riid, void** ppv) override {
    const com::HRESULT hr = ComObject::QueryInterface(riid, ppv);
    return hr == com::E_NOINTERFACE ? queryRemoteInterface(*this, riid, ppv) : hr;
  }
};

const ProxyRegistration gUnknownProxy{
    IUnknown::kIid,
    [](const std::shared_ptr<rpc::Channel>& binding, const rpc::Uuid& ipid) -> ComPtr<IUnknown> {
      return com::makeObject<UnknownProxy>(binding, ipid);
    }};

}  // namespace

com::HRESULT queryRemoteInterface(const com::ProxyBase& proxy, const com::IID& iid, void** ppv) {
  if (ppv == nullptr) return com::E_POINTER;
  *ppv = nullptr;
  const auto* r = static_cast<const RemoteRef*>(proxy.reference().get());
  if (r == nullptr || registeredFactory(iid) == nullptr) return com::E_NOINTERFACE;
  com::ObjRef ref;
  try {
    ref = passOn(*r, iid);
  } catch (const std::exception&) {
    return com::E_NOINTERFACE;
  }
  try {
    return makeProxy(ref, nullptr)->QueryInterface(iid, ppv);
  } catch (const std::exception&) {
    return com::E_NOINTERFACE;
  }
}

ComPtr<IUnknown> unmarshalObjRef(const com::ObjRef& ref, ProxyFactory factory) {
  if (const auto local = exporterWithOxid(ref.std.oxid)) {
    // An object of this process: itself, and the references meant for a proxy go back.
    std::vector<ComPtr<IUnknown>> released;
    std::lock_guard<std::mutex> lock(local->mu);
    ComPtr<IUnknown> object = local->objectOfLocked(ref.std.ipid);
    if (!object) ndr::Decoder::fail("an OBJREF names an IPID this process does not export");
    local->releaseLocked(ref.std.ipid, ref.std.publicRefs, 0, released);
    return object;
  }
  return makeProxy(ref, factory);
}

void rememberExporter(com::Oxid oxid, const com::DualStringArray& bindings, const com::Ipid& remUnknown,
                      uint32_t authnHint, const com::DualStringArray& resolvers,
                      const std::string& fallback) {
  if (gOffline || exporterWithOxid(oxid)) return;
  std::string resolver;
  for (const com::StringBinding& at : resolvers.strings)
    if (at.towerId == com::kTowerNcacnIpTcp && !(resolver = tcpBinding(at)).empty()) break;
  Remotes::instance()->remember(oxid, bindings, remUnknown, authnHint,
                                resolver.empty() ? fallback : resolver);
}

void* readInterfacePointer(ndr::Decoder& d, const com::IID& iid, ProxyFactory factory) {
  const com::ObjRef ref = com::readInterfacePointer(d);
  const ComPtr<IUnknown> object = unmarshalObjRef(ref, ref.iid == iid ? factory : nullptr);
  void* out = nullptr;
  if (object->QueryInterface(iid, &out) < 0 || out == nullptr)
    ndr::Decoder::fail("an interface pointer to an object without interface " + iid.toString());
  return out;
}

}  // namespace midlrt::dcom
