// The view of <file>_c.cpp: the RPC interfaces' client functions, and the object interfaces' proxies (their
// call objects come from the asynchronous pass).
#include "codegen/view.h"

namespace midlc::codegen {

namespace {

Data clientFunction(const RpcInterfacePlan& itf, const OperationPlan& op) {
  if (op.isAsync) return asyncClientFunctionView(itf, op);
  Data d = clientCallView(op);
  put(d, "isAsync", false);
  put(d, "params", joinParams(rpcClientParams(itf, op)));
  put(d, "binding", rpcBinding(itf, op));
  // [comm_status]/[fault_status]: the status goes to its slot instead of an exception.
  const bool hasStatus = !op.statusParam.empty() || op.statusReturn;
  put(d, "hasStatus", hasStatus);
  put(d, "hasStatusParam", !op.statusParam.empty());
  put(d, "statusParam", op.statusParam);
  put(d, "failureValue", op.statusReturn ? " midl_status" : op.hasResult ? " midl_result" : "");
  // [in] pipes stream: the request leaves as the runtime's encoder fills it (Channel::invoke's
  // RequestWriter).
  put(d, "hasStreamedRequest", op.inPipes > 0);
  // [out] pipes stream too, but not through tryInvoke: a [comm_status] operation's status comes first.
  put(d, "hasStreamedReply", op.outPipes > 0 && !hasStatus);
  if (op.inPipes > 0) {
    put(d, "request", statements(op.clientRequestBeforePipes(), Coding::Encode));
    put(d, "streamedRequest", statements(op.clientRequestPipes(), Coding::Encode));
  }
  return d;
}

Data proxy(const ObjectInterfacePlan& itf) {
  Data o = callObjectView(itf);
  put(o, "interface", itf.name);
  DataList bases;
  for (const auto& b : itf.bases) bases.add(Data(b));
  put(o, "bases", bases.take());
  using Kind = ObjectInterfacePlan::ChainMethod::Kind;
  DataList methods;
  for (const auto& m : itf.chain) {
    // A [call_as] pair's proxy method has the [local] method's signature; the wire is the remote form's.
    const OperationPlan& signature = m.kind == Kind::CallAs ? m.local() : m.plan();
    // A remote method whose owner has no stubs of its own is marshaled in place; every other goes to a
    // function given the proxy as This: the owner's generated <Owner>_<Method>_Proxy, or for a [call_as]
    // pair the application's.
    const bool inPlace = m.kind == Kind::Remote && !m.ownerHasStubs;
    Data d = inPlace ? clientCallView(m.plan()) : Data();
    put(d, "name", signature.name);
    put(d, "returnType", signature.returnType);
    put(d, "params", joinParams(signature.clientParams()));
    put(d, "returnsHresult", m.returnsHresult);
    put(d, "isRemote", inPlace);
    put(d, "isForwarded", m.kind != Kind::LocalOnly && !inPlace);
    put(d, "isLocalOnly", m.kind == Kind::LocalOnly);
    put(d, "invoker", "ProxyBase::");
    std::string arguments;
    DataList unused;
    for (const auto& p : signature.params) {
      arguments += ", " + p.name;
      unused.add(Data(p.name));
    }
    put(d, "function", proxyFunctionName(m.owner, signature.name));
    put(d, "arguments", arguments);
    put(d, "unusedParams", unused.take());
    methods.add(std::move(d));
  }
  put(o, "proxyMethods", methods.take());
  putProxyFunctions(o, itf, /*declarations=*/false);
  return o;
}

}  // namespace

void putProxyFunctions(Data& object, const ObjectInterfacePlan& itf, bool declarations) {
  using Kind = ObjectInterfacePlan::ChainMethod::Kind;
  DataList functions;
  for (const auto& m : itf.chain) {
    if (m.owner != itf.name || m.kind == Kind::LocalOnly) continue;
    // A [call_as] pair's remote form has its function here; the header declares it with the pair.
    if (declarations && m.kind == Kind::CallAs) continue;
    Data d = declarations ? Data() : clientCallView(m.plan());
    put(d, "function", proxyFunctionName(m.owner, m.plan().name));
    put(d, "returnType", m.plan().returnType);
    put(d, "params", joinParams(callAsHelperParams(itf.name, m.plan())));
    put(d, "returnsHresult", m.kind == Kind::CallAs ? m.remoteReturnsHresult : m.returnsHresult);
    put(d, "invoker", "midl_proxy.");
    functions.add(std::move(d));
  }
  put(object, "hasProxyFunctions", !functions.empty());
  put(object, "proxyFunctions", functions.take());
}

Data clientView(const FilePlan& plan) {
  Data view;
  put(view, "rpcInterfaces", rpcInterfacesView(plan, clientFunction));
  DataList objects;
  for (const auto& itf : plan.objects)
    if (itf.hasProxy) objects.add(proxy(itf));
  put(view, "objectInterfaces", objects.take());
  return view;
}

}  // namespace midlc::codegen
