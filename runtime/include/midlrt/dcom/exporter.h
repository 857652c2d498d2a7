// The object exporter of MS-DCOM (3.1.1.1): the OXID a server's objects are reached through, an OID per
// exported object, an IPID per exported interface of it, the remote reference counts of each IPID, and the
// IRemUnknown/IRemUnknown2 object clients use to ask for more interfaces and to add and release references.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "midlrt/com/object_table.h"
#include "midlrt/com/objref.h"
#include "midlrt/com/unknown.h"
#include "midlrt/rpc/security.h"

namespace midlrt::rpc {
class Server;
}

namespace midlrt::dcom {

/// The references clients hold on one IPID: public ones (any client may release them) and private ones
/// (MS-DCOM keeps these per client identity; without authentication midlrt counts them per IPID).
struct InterfaceReferences {
  std::uint32_t publicRefs = 0;   ///< cPublicRefs held
  std::uint32_t privateRefs = 0;  ///< cPrivateRefs held
};

/// How an exporter collects the objects of clients that went away (MS-DCOM 3.1.2.5.1.x): an object is
/// released when no ping set holding its OID has been pinged, and no ORPC call has reached it, for
/// pingPeriod * pingPeriods (MS-DCOM's 120 s * 3 by default; tests shorten it).
struct ExporterOptions {
  std::chrono::milliseconds pingPeriod{120'000};  ///< how often clients ping, and the sweep's period
  unsigned pingPeriods = 3;                       ///< periods without a ping after which an object goes
  /// Serve the object resolver (IObjectExporter) on the same server, for the exporters of this process:
  /// the resolver bindings of the OBJREFs made here are then the exporter's own endpoints (with their
  /// ports; MS-DCOM assumes 135 when none is given). Off when a machine-wide resolver serves them.
  bool serveResolver = true;
  /// The most ping sets the resolver keeps for this exporter (a client machine needs one per resolver it
  /// pings). A new set beyond it takes the place of the least recently pinged empty set (one that keeps
  /// nothing alive); when every set holds objects, ComplexPing refuses it with RPC_S_OUT_OF_RESOURCES.
  std::size_t maxPingSets = 4096;
  /// The most objects exported at once: exporting another (marshaling an interface pointer, an activation)
  /// fails with E_OUTOFMEMORY until clients release some or stop pinging them, so that requests that make
  /// objects (activation floods, say) cannot grow the exporter without bound.
  std::size_t maxExportedObjects = 65536;
  /// The least authentication level of the calls the exporter serves (CoInitializeSecurity's dwAuthnLevel
  /// on the server): IRemUnknown, IRemUnknown2 and class objects' IClassFactory refuse calls below it with
  /// RPC_S_ACCESS_DENIED (E_ACCESSDENIED to COM), as does an Activator using the exporter, and ResolveOxid2
  /// and activation replies give it to clients as authnHint. The server's object interfaces take it at
  /// their registration: `IFoo_register(server, objects, {.minAuthnLevel = ...})`. The providers callers
  /// authenticate with are the server's (rpc::Server::registerAuthInfo). The resolver itself (ping sets,
  /// ResolveOxid2) serves unauthenticated callers too, as a machine's resolver does.
  rpc::AuthnLevel minAuthnLevel = rpc::AuthnLevel::kNone;
};

/// A server's object exporter. It serves IRemUnknown and IRemUnknown2 on the server it is made for (and
/// IClassFactory, for the class objects it exports), and puts each interface it exports into the ObjectTable
/// that the server's generated stubs find objects in, under that interface's IPID: a client calls interface I
/// of an exported object through a proxy for I whose object UUID is the IPID. An IPID lives while clients
/// hold references on it and ping its object; the object lives while one of its IPIDs does (or while the
/// application keeps it in the table under a name of its own). The oldest exporter of a process is the one
/// generated code marshals interface pointers with; an OBJREF naming any exporter of the process unmarshals
/// to the object itself. Thread-safe.
class ObjectExporter {
 public:
  /// An exporter with a new random OXID, serving IRemUnknown and IRemUnknown2 (registered on `server`) for
  /// the objects it exports into `objects`, and the object resolver unless options say otherwise. `objects`
  /// may also hold objects under names of their own (ObjectTable::add): their IPIDs and references are not
  /// the exporter's business. Clients reach it at the endpoints given to addEndpoint.
  ObjectExporter(rpc::Server& server, std::shared_ptr<com::ObjectTable> objects,
                 ExporterOptions options = {});
  /// Stops exporting: the IPIDs it put in the table are removed, which releases their objects. (The
  /// IRemUnknown interfaces stay registered on the server; calls to them fail with RPC_E_DISCONNECTED.)
  ~ObjectExporter();
  ObjectExporter(const ObjectExporter&) = delete;
  ObjectExporter& operator=(const ObjectExporter&) = delete;

  /// The exporter's identifier, in every STDOBJREF it hands out.
  com::Oxid oxid() const;
  /// Adds where clients reach the server: a string binding as rpc::Server::listen returns it
  /// ("ncacn_ip_tcp:10.0.0.5[49152]"; MS-DCOM remoting is over TCP). It becomes one of the exporter's
  /// bindings (ResolveOxid2 answers them) and, while it serves the resolver, of its resolver bindings.
  /// Throws std::invalid_argument for another protocol or a wildcard address (0.0.0.0, ::), which names no
  /// host a client could call; rpc::RpcError (RPC_S_INVALID_BINDING) for a malformed binding.
  void addEndpoint(const std::string& stringBinding);
  /// The exporter's string bindings ("host[port]"), as ResolveOxid2 answers them.
  com::DualStringArray bindings() const;
  /// The IPID of its IRemUnknown2 object (which serves IRemUnknown too): the object UUID of the calls
  /// that add and release references and query for interfaces. Not reference-counted.
  const com::Ipid& remUnknownIpid() const;
  /// ExporterOptions::minAuthnLevel: what the exporter's clients are told to authenticate at (authnHint).
  rpc::AuthnLevel minAuthnLevel() const;

  /// Exports interface `iid` of `object` (an IPID is made once per object and interface; later exports of
  /// it reuse it) and adds `publicRefs` public references on it, which the receiver of `out` now owns and
  /// gives back by RemRelease. E_POINTER for a null object, E_NOINTERFACE if the object does not
  /// implement `iid`, E_INVALIDARG for 0 references or a count that would pass 2^31, E_OUTOFMEMORY when
  /// ExporterOptions::maxExportedObjects are exported already.
  com::HRESULT exportInterface(com::IUnknown* object, com::REFIID iid, std::uint32_t publicRefs,
                               com::StdObjRef& out);
  /// exportInterface for any interface of the object, or a class that reaches IUnknown by several bases
  /// (ComObject<IFoo, IBar>), as ObjectTable::add takes it.
  template <class T>
  com::HRESULT exportInterface(const com::ComPtr<T>& object, com::REFIID iid, std::uint32_t publicRefs,
                               com::StdObjRef& out) {
    return exportInterface(object.template as<com::IUnknown>().get(), iid, publicRefs, out);
  }
  /// exportInterface as an OBJREF, with resolverBindings() as its saResAddr.
  com::HRESULT marshalInterface(com::IUnknown* object, com::REFIID iid, std::uint32_t publicRefs,
                                com::ObjRef& out);

  ///@{
  /// Where a client finds this machine's object resolver (the saResAddr of the OBJREFs made here); empty
  /// until set.
  void setResolverBindings(com::DualStringArray bindings);
  com::DualStringArray resolverBindings() const;
  ///@}

  ///@{
  /// What the exporter holds, as RemAddRef and RemRelease change it: the references on an IPID (nothing if
  /// it is not exported), and the number of objects with at least one exported IPID.
  std::optional<InterfaceReferences> references(const com::Ipid& ipid) const;
  std::size_t exportedObjectCount() const;
  ///@}

  struct State;  ///< shared with the IRemUnknown object and the resolver (runtime/src/dcom/exporter_state.h)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace midlrt::dcom
