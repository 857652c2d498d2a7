// The view of <file>_s.cpp: the RPC interfaces' dispatchers and the object interfaces' stubs (their
// asynchronous cases come from the asynchronous pass).
#include "codegen/view.h"

namespace midlc::codegen {

namespace {

Data dispatchCase(const OperationPlan& op) {
  if (op.isAsync) return asyncDispatchCaseView(op);
  Data d = serverCallView(op);
  put(d, "isAsync", false);
  return d;
}

Data stubCase(const ObjectInterfacePlan& itf, const ObjectInterfacePlan::ChainMethod& m) {
  Data d = serverCallView(m.plan());
  if (m.kind == ObjectInterfacePlan::ChainMethod::Kind::CallAs) {
    // The remote form, made local by the application's <Owner>_<Local>_Stub.
    put(d, "callee", callAsStubName(m.owner, m.local().name));
    std::string arguments = "midl_object";
    for (const auto& a : m.plan().arguments()) arguments += ", " + a;
    put(d, "arguments", arguments);
  } else {
    put(d, "callee", "midl_object->" + m.plan().name);
  }
  if (m.hasCallObject) put(d, "callObject", callObjectDispatchView(itf, m.plan()));
  return d;
}

}  // namespace

Data serverView(const FilePlan& plan) {
  Data view;
  put(view, "rpcInterfaces",
      rpcInterfacesView(
          plan, [](const RpcInterfacePlan&, const OperationPlan& op) { return dispatchCase(op); },
          [](const RpcInterfacePlan& itf, Data& i) {
            put(i, "opCount", std::to_string(itf.opCount));
            DataList streamed;
            for (const auto& op : itf.operations)
              if (op.streams()) streamed.add(Data(std::to_string(op.opnum)));
            put(i, "hasStreamedOpnums", !streamed.empty());
            put(i, "streamedOpnums", streamed.take());
          }));
  DataList objects;
  for (const auto& itf : plan.objects) {
    if (!itf.hasProxy) continue;
    Data o;
    put(o, "interface", itf.name);
    put(o, "opCount", std::to_string(itf.opCount));
    put(o, "hasDispatchBase", !itf.dispatchBase.empty());
    put(o, "dispatchBase", itf.dispatchBase);
    // An asynchronous base's methods go to call objects too, when this interface's do.
    put(o, "dispatchBaseCallObjects", itf.dispatchBaseIsAsync ? "midl_callObjects" : "false");
    DataList cases;
    bool usesCallObjects = false;
    bool servesAny = false;
    for (const auto& m : itf.chain) {
      if (m.kind == ObjectInterfacePlan::ChainMethod::Kind::LocalOnly || !m.servedHere) continue;
      cases.add(stubCase(itf, m));
      usesCallObjects = usesCallObjects || m.hasCallObject;
      servesAny = true;
    }
    put(o, "stubCases", cases.take());
    // An interface with no remote method of its own and no base to ask (empty, or all [local]) never
    // touches its object.
    put(o, "usesObject", servesAny || !itf.dispatchBase.empty());
    put(o, "usesCallObjects", usesCallObjects || itf.dispatchBaseIsAsync);
    objects.add(std::move(o));
  }
  put(view, "objectInterfaces", objects.take());
  return view;
}

}  // namespace midlc::codegen
