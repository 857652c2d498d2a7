// The plan of a file's interfaces (see interface_plan.h).
#include "codegen/interface_plan.h"

#include <algorithm>
#include <map>
#include <memory>

#include "codegen/names.h"
#include "sema/remoting.h"

namespace midlc::codegen {

namespace {

const char* const kRuntimeInterfaces[] = {"IUnknown", "ICallFactory", "ISynchronize", "ISynchronizeHandle",
                                          "ICancelMethodCalls"};

RpcInterfacePlan rpcInterface(const sema::InterfaceDecl& itf, WirePlanner& wire) {
  RpcInterfacePlan plan;
  plan.decl = &itf;
  plan.name = cppName(itf.name);
  plan.uuid = uuidInitializer(*itf.uuid);
  plan.uuidText = itf.uuid->text();
  plan.major = itf.versionMajor;
  plan.minor = itf.versionMinor;
  plan.opCount = static_cast<uint32_t>(itf.operations.size());
  plan.explicitHandle = itf.handleKind == sema::HandleKind::Explicit;
  if (itf.handleKind == sema::HandleKind::Implicit) plan.implicitHandle = cppName(itf.implicitHandleName);
  OperationPlanner planner(wire, itf);
  for (const auto& op : itf.operations)
    // A [local] procedure has no stub; a serialization procedure has its functions instead (MIDL's rule:
    // a procedure is remote or serialized, not both).
    if (!op.isLocal && !op.isPickled()) plan.operations.push_back(planner.plan(op));
  // Each [async] operation's typed handle is <Operation>Call, unless an operation has that name.
  for (auto& op : plan.operations) {
    if (!op.isAsync) continue;
    op.callType = op.name + "Call";
    for (const auto& other : itf.operations)
      if (cppName(other.name) == op.callType) op.callType += "_";
  }
  return plan;
}

// The plans of object interfaces' methods, each made once: every interface's chain holds its bases'
// methods, which plan the same whichever interface holds them (an operation plans within its own
// interface).
class MethodPlans {
 public:
  explicit MethodPlans(WirePlanner& wire) : wire_(wire) {}
  std::shared_ptr<const OperationPlan> get(const sema::InterfaceDecl& owner, const sema::Operation& op,
                                           bool marshal) {
    std::shared_ptr<const OperationPlan>& plan = plans_[{&op, marshal}];
    if (!plan) plan = std::make_shared<const OperationPlan>(OperationPlanner(wire_, owner, marshal).plan(op));
    return plan;
  }

 private:
  WirePlanner& wire_;
  std::map<std::pair<const sema::Operation*, bool>, std::shared_ptr<const OperationPlan>> plans_;
};

ObjectInterfacePlan objectInterface(const sema::InterfaceDecl& itf, WirePlanner& wire, MethodPlans& methods) {
  ObjectInterfacePlan plan;
  plan.decl = &itf;
  plan.name = cppName(itf.name);
  plan.baseClass = !itf.base || itf.base->name == "IUnknown" ? std::string("::midlrt::com::IUnknown")
                                                             : cppName(itf.base->name);
  plan.iid = itf.uuid ? uuidInitializer(*itf.uuid) : std::string("{}");
  plan.iidText = itf.uuid ? itf.uuid->text() : std::string();
  OperationPlanner signatures(wire, itf, /*marshal=*/false);
  for (const auto& op : itf.operations)
    if (!op.localForm) plan.methods.push_back(signatures.plan(op));  // a [call_as] method has no slot
  plan.isAsync = itf.asyncSource != sema::AsyncSource::None && itf.asyncUuid && !itf.isLocal;
  plan.asyncName = "Async" + plan.name;
  plan.asyncIid = itf.asyncUuid ? uuidInitializer(*itf.asyncUuid) : std::string("{}");
  plan.asyncIidText = itf.asyncUuid ? itf.asyncUuid->text() : std::string();
  auto isAsync = [](const sema::InterfaceDecl& i) {
    return i.asyncSource != sema::AsyncSource::None && i.asyncUuid && !i.isLocal;
  };
  if (plan.isAsync)
    for (const sema::InterfaceDecl* b = itf.base; b && isAsync(*b); b = b->base)
      plan.asyncBases.push_back("Async" + cppName(b->name));
  if (!plan.asyncBases.empty()) plan.asyncBaseClass = plan.asyncBases.front();
  plan.hasProxy = hasOwnStubs(itf);
  if (!plan.hasProxy) {
    plan.noStubs = itf.noStubs;
    return plan;
  }
  std::vector<const sema::InterfaceDecl*> chain;
  for (const sema::InterfaceDecl* i = &itf; i && i->name != "IUnknown"; i = i->base)
    chain.insert(chain.begin(), i);
  // Walking up from this interface, the methods are served here until a base with stubs of its own.
  const sema::InterfaceDecl* dispatchBase = nullptr;
  for (const sema::InterfaceDecl* i = itf.base; i && i->name != "IUnknown" && !dispatchBase; i = i->base)
    if (hasOwnStubs(*i)) dispatchBase = i;
  if (dispatchBase) plan.dispatchBase = cppName(dispatchBase->name);
  plan.dispatchBaseIsAsync = dispatchBase && plan.isAsync && isAsync(*dispatchBase);
  bool servedHere = !dispatchBase;  // the chain runs from the top down: served here below the dispatch base
  for (const sema::InterfaceDecl* i : chain) {
    if (i != &itf) plan.bases.push_back(cppName(i->name));
    const bool ownerHasStubs = i == &itf || hasOwnStubs(*i);
    for (const auto& op : i->operations) {
      if (op.localForm) continue;  // travels in its [local] method's slot
      plan.opCount = std::max(plan.opCount, op.opnum + 1);
      ObjectInterfacePlan::ChainMethod m;
      m.owner = cppName(i->name);
      m.returnsHresult = sema::returnsHresult(op);
      m.ownerHasStubs = ownerHasStubs;
      m.servedHere = servedHere;
      if (op.isLocal && op.remoteForm) {
        m.kind = ObjectInterfacePlan::ChainMethod::Kind::CallAs;
        m.remote = methods.get(*i, *op.remoteForm, true);
        m.signature = methods.get(*i, op, false);
        m.remoteReturnsHresult = sema::returnsHresult(*op.remoteForm);
      } else if (op.isLocal) {
        m.kind = ObjectInterfacePlan::ChainMethod::Kind::LocalOnly;
        m.remote = methods.get(*i, op, false);
      } else {
        m.remote = methods.get(*i, op, true);
        // An asynchronous interface's bases are asynchronous too (sema): its call object has them all.
        m.hasCallObject = plan.isAsync && op.isAsync && (i == &itf || isAsync(*i));
      }
      plan.chain.push_back(std::move(m));
    }
    if (i == dispatchBase) servedHere = true;
  }
  return plan;
}

// Sema checked that each serialization procedure can be encoded, whatever the interface's remote
// operations can do (its stubs may be refused, the procedures' functions are in the header).
PickledInterfacePlan pickledInterface(const sema::InterfaceDecl& itf, WirePlanner& wire) {
  PickledInterfacePlan plan;
  plan.name = cppName(itf.name);
  plan.uuid = uuidInitializer(*itf.uuid);
  plan.major = itf.versionMajor;
  plan.minor = itf.versionMinor;
  OperationPlanner planner(wire, itf);
  for (const auto& op : itf.operations)
    if (op.isPickled()) plan.procedures.push_back({planner.plan(op), op.encode, op.decode});
  return plan;
}

}  // namespace

bool isRuntimeInterface(const std::string& name) {
  for (const char* n : kRuntimeInterfaces)
    if (name == n) return true;
  return false;
}

bool hasOwnStubs(const sema::InterfaceDecl& itf) {
  return itf.isObject && !itf.isForward && !itf.isLocal && itf.uuid && itf.noStubs.empty() &&
         !isRuntimeInterface(itf.name);
}

FilePlan planFile(const sema::Model& model, WirePlanner& wire) {
  FilePlan plan;
  MethodPlans methods(wire);
  for (const sema::InterfaceDecl* itf : model.interfaces()) {
    if (itf->isForward || isRuntimeInterface(itf->name)) continue;
    if (!itf->isObject && itf->uuid &&
        std::any_of(itf->operations.begin(), itf->operations.end(),
                    [](const sema::Operation& op) { return op.isPickled(); }))
      plan.pickledInterfaces.push_back(pickledInterface(*itf, wire));
    if (itf->isObject) {
      plan.objects.push_back(objectInterface(*itf, wire, methods));
    } else if (!itf->isLocal && itf->uuid && !itf->noStubs.empty()) {
      plan.rpcWithoutStubs.push_back({cppName(itf->name), itf->noStubs});
    } else if (!itf->isLocal && itf->uuid) {
      plan.rpcInterfaces.push_back(rpcInterface(*itf, wire));
    }
  }
  return plan;
}

}  // namespace midlc::codegen
