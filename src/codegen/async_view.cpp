// The asynchronous pass: the views of what asynchronous interfaces and operations add to each file.
//   header: AsyncIFoo, the call object interface (Begin_/Finish_ of each [async] method)
//   client: AsyncIFoo's call object, and [async] RPC client functions that issue through an AsyncState
//   server: [async] RPC dispatch through a frame that outlives the manager call, and a stub's hand-off of
//           an asynchronous method to the object's own call object
#include "codegen/view.h"

namespace midlc::codegen {

Data callObjectView(const ObjectInterfacePlan& itf) {
  Data o;
  o.set("isAsync", itf.isAsync);
  o.set("asyncName", itf.asyncName);
  o.set("asyncIid", itf.asyncIid);
  o.set("asyncIidText", itf.asyncIidText);
  Data methods = list();
  for (const auto& m : itf.chain) {
    if (!m.hasCallObject) continue;
    Data d = clientCallView(m.plan);
    d.set("beginParams", joinParams(m.plan.beginParams()));
    d.set("finishParams", joinParams(m.plan.finishParams()));
    methods.push_back(d);
  }
  o.set("asyncMethods", methods);
  return o;
}

Data asyncInterfaceView(const ObjectInterfacePlan& itf) {
  return callObjectView(itf);
}

Data asyncClientFunctionView(const RpcInterfacePlan& itf, const OperationPlan& op) {
  Data d = clientCallView(op);
  d.set("isAsync", true);
  d.set("params", joinParams(rpcClientParams(itf, op)));
  d.set("binding", rpcBinding(itf, op));
  d.set("resultType", op.returnType);
  // The reply is unmarshaled when the caller completes the call: into the [out] parameters it passed.
  std::string captures;
  for (const auto& name : op.outNames())
    captures += (captures.empty() ? "" : ", ") + ("&" + name + " = " + name);
  d.set("captures", captures);
  return d;
}

Data asyncDispatchCaseView(const OperationPlan& op) {
  Data d = serverCallView(op);
  d.set("isAsync", true);
  d.set("needsCall", op.serverWriteNeedsCall);
  Data names = list();
  for (const auto& name : serverLocalNames(op)) names.push_back(Data(name));
  d.set("localNames", names);
  std::string args;
  for (const auto& a : op.arguments()) args += ", " + a;
  d.set("argumentsAfterCall", args);
  return d;
}

Data callObjectDispatchView(const ObjectInterfacePlan& itf, const OperationPlan& op) {
  Data d;
  d.set("asyncName", itf.asyncName);
  d.set("beginArgs", joinParams(op.beginArgs()));
  d.set("finishArgs", joinParams(op.finishArgs()));
  Printer locals;  // the Finish_ call's [out] parameters, fresh in the completion
  for (const auto& p : op.params)
    if (p.out && p.kind == ParamPlan::Kind::Reference)
      locals.emit({{"t", p.type}, {"x", p.local}}, "$t$ $x${};");
  d.set("outLocals", lines(locals));
  return d;
}

}  // namespace midlc::codegen
