// The asynchronous pass: the views of what asynchronous interfaces and operations add to each file.
//   header: AsyncIFoo, the call object interface (Begin_/Finish_ of each [async] method)
//   client: AsyncIFoo's call object, and [async] RPC client functions that issue through an AsyncState
//   server: [async] RPC dispatch through a frame that outlives the manager call, and a stub's hand-off of
//           an asynchronous method to the object's own call object
#include "codegen/view.h"

namespace midlc::codegen {

Data callObjectView(const ObjectInterfacePlan& itf) {
  Data o;
  put(o, "isAsync", itf.isAsync);
  put(o, "asyncName", itf.asyncName);
  put(o, "asyncIid", itf.asyncIid);
  put(o, "asyncIidText", itf.asyncIidText);
  put(o, "asyncBaseClass", itf.asyncBaseClass);
  DataList bases;
  for (const auto& b : itf.asyncBases) bases.add(Data(b));
  put(o, "asyncBases", bases.take());
  put(o, "hasAsyncBases", !itf.asyncBases.empty());
  DataList methods;
  for (const auto& m : itf.chain) {
    if (!m.hasCallObject) continue;
    Data d = clientCallView(m.plan());
    put(d, "declared", m.owner == itf.name);  // a base's are declared by the base's AsyncIBase
    put(d, "beginParams", joinParams(m.plan().beginParams()));
    put(d, "finishParams", joinParams(m.plan().finishParams()));
    // Finish_ checks the reply against [in] parameters that only Begin_ was given: it keeps copies.
    DataList kept;
    for (size_t i : m.plan().replyCheckInputs) {
      const ParamPlan& p = m.plan().params[i];
      Data k;
      put(k, "type", p.type);
      put(k, "name", p.name);
      put(k, "member", "midl_" + m.plan().name + "_" + p.name);
      kept.add(std::move(k));
    }
    put(d, "keptInputs", kept.take());
    methods.add(std::move(d));
  }
  put(o, "asyncMethods", methods.take());
  return o;
}

Data asyncInterfaceView(const ObjectInterfacePlan& itf) {
  return callObjectView(itf);
}

Data asyncClientFunctionView(const RpcInterfacePlan& itf, const OperationPlan& op) {
  Data d = clientCallView(op);
  put(d, "isAsync", true);
  put(d, "params", joinParams(rpcClientParams(itf, op)));
  put(d, "binding", rpcBinding(itf, op));
  put(d, "resultType", op.returnType);
  // The reply is unmarshaled when the caller completes the call: into the [out] parameters it passed.
  // The reply's checks read the [in] parameters they name: kept by value.
  std::string captures;
  for (const auto& name : op.outNames())
    captures += (captures.empty() ? "" : ", ") + ("&" + name + " = " + name);
  for (size_t i : op.replyCheckInputs) captures += (captures.empty() ? "" : ", ") + op.params[i].name;
  put(d, "captures", captures);
  // With pipes, the request's [in] parameters go out at issue and the pipes' chunks as the application
  // pushes them; the reply is unmarshaled after the [out] pipes the application pulled.
  const bool hasPipes = op.inPipes + op.outPipes > 0;
  put(d, "hasPipes", hasPipes);
  if (hasPipes) {
    put(d, "inPipes", std::to_string(op.inPipes));
    put(d, "outPipes", std::to_string(op.outPipes));
    put(d, "request", statements(op.clientRequestBeforePipes(), Coding::Encode));
    putClientReply(d, op, op.clientReplyAfterPipes());
    put(d, "pipeBindings", asyncPipeBindings(op, "midl_state.pipeCall()", false));
  }
  return d;
}

Data asyncDispatchCaseView(const OperationPlan& op) {
  Data d = serverCallView(op);
  put(d, "isAsync", true);
  put(d, "needsCall", op.serverWriteNeedsCall);
  DataList names;
  for (const auto& name : serverLocalNames(op)) names.add(Data(name));
  put(d, "localNames", names.take());
  std::string args;
  for (const auto& a : op.arguments()) args += ", " + a;
  put(d, "argumentsAfterCall", args);
  put(d, "callType", op.callType);
  // The manager's pipes are AsyncPipes over the call's ServerPipes.
  const bool hasPipes = op.inPipes + op.outPipes > 0;
  put(d, "hasPipes", hasPipes);
  if (hasPipes) {
    put(d, "inPipes", std::to_string(op.inPipes));
    put(d, "outPipes", std::to_string(op.outPipes));
    put(d, "pipeBindings", asyncPipeBindings(op, "midl_frame->midl_pipes", true));
  }
  return d;
}

Data callObjectDispatchView(const ObjectInterfacePlan& itf, const OperationPlan& op) {
  Data d;
  put(d, "asyncName", itf.asyncName);
  put(d, "beginArgs", joinParams(op.beginArgs()));
  put(d, "finishArgs", joinParams(op.finishArgs()));
  Printer locals;  // the Finish_ call's [out] parameters, fresh in the completion
  for (const auto& p : op.params)
    if (p.out && p.kind == ParamPlan::Kind::Reference)
      locals.emit({{"t", p.type}, {"x", p.local}}, "$t$ $x${};");
  put(d, "outLocals", lines(locals));
  return d;
}

}  // namespace midlc::codegen
