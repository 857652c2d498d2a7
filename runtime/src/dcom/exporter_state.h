// The state of an object exporter (midlrt/dcom/exporter.h), shared by its IRemUnknown object, the object
// resolver that answers for it, its sweeper, and the unmarshaling of OBJREFs that name it (marshal.cpp).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "midlrt/dcom/exporter.h"

namespace midlrt::dcom {

struct ObjectExporter::State {
  using Clock = std::chrono::steady_clock;

  struct Interface {
    com::Oid oid = 0;
    com::IID iid;
    InterfaceReferences refs;
  };
  struct Object {
    com::ComPtr<com::IUnknown> identity;
    std::map<com::IID, com::Ipid, com::GuidLess> ipids;  // by interface
    Clock::time_point lastAlive;                         // exported, or last reached by an IRemUnknown call
  };
  struct PingSet {
    std::set<com::Oid> oids;
    Clock::time_point lastPing;
  };

  State(std::shared_ptr<com::ObjectTable> table, ExporterOptions opts);

  const std::shared_ptr<com::ObjectTable> objects;
  const ExporterOptions options;
  const com::Oxid oxid;
  const com::Ipid remUnknownIpid;

  mutable std::mutex mu;
  std::uint64_t nextOid;
  std::map<com::Ipid, Interface, com::GuidLess> interfaces;
  std::map<com::Oid, Object> exported;
  std::map<com::IUnknown*, com::Oid> byIdentity;
  std::map<std::uint64_t, PingSet> pingSets;     // by SETID
  com::DualStringArray bindings;                 // the exporter's ("host[port]")
  std::optional<com::DualStringArray> resolver;  // set explicitly; otherwise the bindings, if served here
  bool stopped = false;
  std::condition_variable sweepWake;
  std::thread sweeper;

  // Adds `refs` public references on interface `iid` of `object`, exporting it first if needed.
  com::HRESULT exportLocked(com::IUnknown* object, const com::IID& iid, std::uint32_t refs,
                            com::StdObjRef& out);
  // Removes an IPID whose references are gone, and its object with its last IPID; the object's reference
  // goes to `released`, to be dropped after the lock.
  void unexportLocked(std::map<com::Ipid, Interface, com::GuidLess>::iterator it,
                      std::vector<com::ComPtr<com::IUnknown>>& released);
  // Releases references on an exported IPID (never below 0), unexporting it when none are left; false if
  // the IPID is not exported.
  bool releaseLocked(const com::Ipid& ipid, std::uint32_t publicRefs, std::uint32_t privateRefs,
                     std::vector<com::ComPtr<com::IUnknown>>& released);
  // The object behind an exported IPID (not the IRemUnknown one), or null; marks it reached.
  com::ComPtr<com::IUnknown> objectOfLocked(const com::Ipid& ipid);
  // Releases the objects that no ping set held and no call reached for the ping timeout.
  void sweepLocked(Clock::time_point now, std::vector<com::ComPtr<com::IUnknown>>& released);
  com::DualStringArray resolverBindingsLocked() const;
  Clock::duration timeout() const { return options.pingPeriod * options.pingPeriods; }
};

/// The exporters of this process: the one whose OXID is `oxid`, and the oldest (which marshals interface
/// pointers). Null if there is none.
std::shared_ptr<ObjectExporter::State> exporterWithOxid(com::Oxid oxid);
std::shared_ptr<ObjectExporter::State> currentExporter();

}  // namespace midlrt::dcom
