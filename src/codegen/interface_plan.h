// The plan of a file's interfaces, made once and read by every view: for each RPC interface its identity,
// binding and operations; for each object interface its class, its call object interface and the methods
// its proxy and stub marshal.
//
// The interfaces midlrt itself implements (IUnknown, ICallFactory, ISynchronize, ISynchronizeHandle,
// ICancelMethodCalls) get no code: headers name the runtime's classes instead.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codegen/operation_plan.h"
#include "codegen/wire_planner.h"
#include "sema/model.h"

namespace midlc::codegen {

struct RpcInterfacePlan {
  const sema::InterfaceDecl* decl = nullptr;
  std::string name;
  std::string uuid;  // a Uuid initializer
  std::string uuidText;
  uint16_t major = 0, minor = 0;
  uint32_t opCount = 0;
  bool explicitHandle = true;  // client functions take the binding first (the ACF's default)
  std::string implicitHandle;  // [implicit_handle]: the variable every client function uses
  std::vector<OperationPlan> operations;
};

struct ObjectInterfacePlan {
  const sema::InterfaceDecl* decl = nullptr;
  std::string name;
  std::string baseClass;
  std::string iid;  // a Uuid initializer
  std::string iidText;
  std::vector<OperationPlan> methods;  // its own methods' signatures (the class's pure virtuals)
  // Asynchronous: AsyncIFoo with Begin_/Finish_ for the methods marked [async].
  bool isAsync = false;
  std::string asyncName;
  // AsyncIFoo derives from the base's call object interface when the base is asynchronous (the async_uuid
  // page), else from IUnknown; asyncBases: every asynchronous base up the chain (a call object answers for
  // them too), nearest first.
  std::string asyncBaseClass = "::midlrt::com::IUnknown";
  std::vector<std::string> asyncBases;
  std::string asyncIid;
  std::string asyncIidText;
  // Remote (not [local], with a [uuid]): a proxy over every method of the chain but IUnknown's, and a stub
  // whose dispatch function serves this interface's own methods and hands the rest to its base's.
  bool hasProxy = false;
  std::string noStubs;  // why a remote interface has no proxy or stub (only a header is generated)
  uint32_t opCount = 3;
  std::vector<std::string> bases;  // the base interfaces its proxy also answers for, IUnknown aside
  // The nearest base with stubs of its own: this interface's dispatch function hands it the opnums it does
  // not serve itself (empty: none, the chain ends at IUnknown).
  std::string dispatchBase;
  bool dispatchBaseIsAsync = false;  // its methods are handed on with the call objects' pass
  // A vtable slot of the chain. A [local] method with a [call_as] remote form: the proxy hands the call to
  // the application's <Owner>_<Method>_Proxy, which calls <Owner>_<Remote>_Proxy (generated, marshals
  // `plan`); the stub unmarshals `plan` and calls the application's <Owner>_<Method>_Stub. A [local] method
  // without one is answered by the proxy without a call (E_NOTIMPL) and has no stub case.
  struct ChainMethod {
    enum class Kind { Remote, CallAs, LocalOnly };
    Kind kind = Kind::Remote;
    // Planned once per method and shared by every interface whose chain holds it (a base's methods are in
    // each derived interface's chain).
    std::shared_ptr<const OperationPlan> remote;  // what travels (the remote form for CallAs; the
                                                  // signature only for LocalOnly)
    std::shared_ptr<const OperationPlan>
        signature;  // CallAs: the [local] method's, which the proxy overrides
    const OperationPlan& plan() const { return *remote; }
    const OperationPlan& local() const { return *signature; }
    std::string owner;                  // the interface that declares the method
    bool returnsHresult = false;        // of the method the proxy overrides
    bool remoteReturnsHresult = false;  // CallAs: of the remote form
    bool hasCallObject = false;         // one of this interface's own [async] methods: Begin_/Finish_
    // Where the method is marshaled. The owner's generated code (<Owner>_<Method>_Proxy, <Owner>_dispatch,
    // in the owner's own _c.cpp and _s.cpp, maybe an imported file's) when the owner has stubs of its own;
    // a base without them ([local], no [uuid]) has its methods marshaled by every proxy that inherits them,
    // and served by the dispatch function of the nearest interface below it that has stubs.
    bool ownerHasStubs = true;
    bool servedHere = true;  // a case of this interface's dispatch function
  };
  std::vector<ChainMethod> chain;
  // This interface's own [local]/[call_as] pairs (CallAs entries of `chain`), for the header's declarations
  // and the generated <Interface>_<Remote>_Proxy.
  std::vector<const ChainMethod*> ownCallAs() const {
    std::vector<const ChainMethod*> out;
    for (const auto& m : chain)
      if (m.kind == ChainMethod::Kind::CallAs && m.owner == name) out.push_back(&m);
    return out;
  }
};

// An RPC interface's serialization procedures (the ACF's [encode]/[decode] on operations): not remote, so
// not among its client functions; the header writes <Op>_Encode/<Op>_Decode in the interface's namespace.
struct PickledInterfacePlan {
  std::string name;
  std::string uuid;  // a Uuid initializer: the header of each encoding names the interface
  uint16_t major = 0, minor = 0;
  struct Procedure {
    OperationPlan plan;  // the client's wire: the [in] arguments encoded, the [out] ones decoded
    bool encode = false;
    bool decode = false;
  };
  std::vector<Procedure> procedures;
};

// A remote RPC interface that only a header is generated for, and one of its operations cannot be marshaled.
struct RpcInterfaceWithoutStubs {
  std::string name;
  std::string why;
};

struct FilePlan {
  std::vector<RpcInterfacePlan> rpcInterfaces;  // the main file's, in order
  std::vector<RpcInterfaceWithoutStubs> rpcWithoutStubs;
  std::vector<PickledInterfacePlan> pickledInterfaces;  // the main file's with serialization procedures
  std::vector<ObjectInterfacePlan> objects;             // the main file's, in order
  const ObjectInterfacePlan* object(const sema::InterfaceDecl* decl) const {
    for (const auto& o : objects)
      if (o.decl == decl) return &o;
    return nullptr;
  }
};

bool isRuntimeInterface(const std::string& idlName);

// An object interface that gets a proxy and a stub when its file is generated: remote, with a [uuid], every
// method of its chain marshalable, not one midlrt implements.
bool hasOwnStubs(const sema::InterfaceDecl& itf);

FilePlan planFile(const sema::Model& model, WirePlanner& wire);

}  // namespace midlc::codegen
