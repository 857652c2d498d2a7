// Activation on MS-DCOM's wire (3.1.2.5.2.3): a server registers the classes it makes objects of, and a
// client asks a machine for a new object of a class by its CLSID (IRemoteSCMActivator::RemoteCreateInstance),
// getting proxies for the interfaces it asked for. The request and the reply are activation properties
// (2.2.22) pickled into the BLOB of a custom OBJREF.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "midlrt/com/guid.h"
#include "midlrt/com/hresult.h"
#include "midlrt/com/unknown.h"

namespace midlrt::rpc {
class Server;
struct SyntaxId;
}  // namespace midlrt::rpc

namespace midlrt::dcom {

class ObjectExporter;

/// Makes a new object of a class for an activation request, as IClassFactory::CreateInstance does: S_OK and
/// the object, or a failure the client receives as the activation's HRESULT.
using ClassFactory = std::function<com::HRESULT(com::ComPtr<com::IUnknown>& object)>;

/// The activator of a server (Windows' service control manager answers these on port 135 for every server
/// of a machine; here the server that makes the objects answers them, on its own endpoints). It serves
/// IRemoteSCMActivator on `server` for the classes registered with it, and exports the objects it makes
/// through `exporter`, whose endpoints and OXID the reply names. RemoteCreateInstance makes one object per
/// request and answers every interface asked for: S_OK when it has them all, CO_S_NOTALLINTERFACES when it
/// has some, E_NOINTERFACE (and the object is released) when it has none; REGDB_E_CLASSNOTREG for a class
/// nobody registered, CLASS_E_NOAGGREGATION when asked to aggregate. RemoteGetClassObject answers the
/// same way with a new class object (IClassFactory) whose CreateInstance makes objects with the class's
/// factory; its LockServer changes nothing (the application decides how long its server runs). Malformed
/// activation properties fault the call (rpc_x_bad_stub_data). Thread-safe.
class Activator {
 public:
  /// Serves IRemoteSCMActivator on `server`. `exporter` must outlive the activator; once the activator is
  /// destroyed, requests answer CO_E_SERVER_STOPPING.
  Activator(rpc::Server& server, ObjectExporter& exporter);
  ~Activator();
  Activator(const Activator&) = delete;
  Activator& operator=(const Activator&) = delete;

  /// Makes objects of class `clsid` with `factory` (CoRegisterClassObject); replaces an earlier
  /// registration of the class.
  void registerClass(const com::CLSID& clsid, ClassFactory factory);
  /// registerClass for a class whose objects are `com::makeObject<T>()`.
  template <class T>
  void registerClass(const com::CLSID& clsid) {
    registerClass(clsid, [](com::ComPtr<com::IUnknown>& object) {
      object = com::makeObject<T>().template as<com::IUnknown>();
      return com::S_OK;
    });
  }
  /// Stops making objects of `clsid` (CoRevokeClassObject); false if it was not registered.
  bool revokeClass(const com::CLSID& clsid);

  struct State;  ///< shared with the IRemoteSCMActivator manager (runtime/src/dcom/activation.cpp)

 private:
  std::shared_ptr<State> state_;
};

/// The interface an Activator serves (IRemoteSCMActivator 0.0). A server registers it with the machine's
/// endpoint mapper under each class's CLSID as the object, for a MachineActivator to find:
/// `epm::registerEndpoints(mapper, {activatorInterface()}, bindings, "name", CLSID_Foo)`.
const rpc::SyntaxId& activatorInterface();

/// Where the activator of the server that makes objects of a class is reached (a string binding), or
/// nothing if no server registered it.
using ClassLocator = std::function<std::optional<std::string>(const com::CLSID& clsid)>;

/// The activator of a machine, in the role Windows' RPCSS plays on port 135 (midlrtd serves one): it makes
/// no objects itself, but passes each RemoteCreateInstance on to the activator of the server `locate`
/// names for the class asked for, and that server's answer back, so that a client needs only the host.
/// The answer names the server's own endpoints: the client then talks to the server directly.
/// RemoteGetClassObject is passed on the same way. REGDB_E_CLASSNOTREG for a class nobody registered; the
/// RPC HRESULT of a registered server that cannot be reached (RPC_S_SERVER_UNAVAILABLE's).
class MachineActivator {
 public:
  /// Serves IRemoteSCMActivator on `server`.
  MachineActivator(rpc::Server& server, ClassLocator locate);
  MachineActivator(const MachineActivator&) = delete;
  MachineActivator& operator=(const MachineActivator&) = delete;
};

/// One interface asked of a new object, and what came of it (MULTI_QI).
struct QueryResult {
  com::IID iid;                          ///< the interface asked for
  com::ComPtr<com::IUnknown> object;     ///< the proxy for it (as IUnknown), when `hr` succeeded
  com::HRESULT hr = com::E_NOINTERFACE;  ///< this interface's result
};

/// Asks the activator at `server` for a new object of class `clsid` and the interfaces `results` name
/// (CoCreateInstanceEx): their proxies and results land in `results`. `server` is a string binding,
/// "ncacn_ip_tcp:host[port]" (a server's own activator), or "ncacn_ip_tcp:host" for the machine's activator
/// on Windows' well-known endpoint 135 (midlrtd's, or Windows'). Returns the
/// activation's HRESULT (S_OK, CO_S_NOTALLINTERFACES, E_NOINTERFACE, REGDB_E_CLASSNOTREG...), or
/// RPC_E_DISCONNECTED / an RPC HRESULT when the server cannot be reached or answers with malformed
/// properties. Each interface needs a proxy in this program (a generated client file registers its
/// interfaces'). Blocks for the request and the reply.
com::HRESULT createInstance(const std::string& server, const com::CLSID& clsid,
                            std::span<QueryResult> results);

/// createInstance of one interface, I.
template <class I>
com::HRESULT createInstance(const std::string& server, const com::CLSID& clsid, com::ComPtr<I>& out) {
  QueryResult r{I::kIid, nullptr, com::E_NOINTERFACE};
  out = nullptr;
  const com::HRESULT hr = createInstance(server, clsid, std::span<QueryResult>(&r, 1));
  if (hr < 0) return hr;
  if (r.hr < 0) return r.hr;
  return r.object->QueryInterface(I::kIid, out.putVoid());
}

/// Asks the activator at `server` (as createInstance does) for the class object of `clsid`
/// (CoGetClassObject with CLSCTX_REMOTE_SERVER): a proxy for its interface `iid`, usually IClassFactory,
/// whose CreateInstance makes objects of the class on that server. Each call gets a class object of its
/// own. Returns the activation's HRESULT (REGDB_E_CLASSNOTREG, E_NOINTERFACE...) or an RPC HRESULT.
com::HRESULT getClassObject(const std::string& server, const com::CLSID& clsid, const com::IID& iid,
                            com::ComPtr<com::IUnknown>& out);

/// getClassObject of interface I (IClassFactory, from <midlrt/idl/unknwn.h>).
template <class I>
com::HRESULT getClassObject(const std::string& server, const com::CLSID& clsid, com::ComPtr<I>& out) {
  com::ComPtr<com::IUnknown> object;
  out = nullptr;
  const com::HRESULT hr = getClassObject(server, clsid, I::kIid, object);
  if (hr < 0) return hr;
  return object->QueryInterface(I::kIid, out.putVoid());
}

}  // namespace midlrt::dcom
