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
  return d;
}

Data proxy(const ObjectInterfacePlan& itf) {
  Data o = callObjectView(itf);
  put(o, "interface", itf.name);
  DataList bases;
  for (const auto& b : itf.bases) bases.add(Data(b));
  put(o, "bases", bases.take());
  DataList methods;
  for (const auto& m : itf.chain) {
    Data d = clientCallView(m.plan);
    put(d, "params", joinParams(m.plan.clientParams()));
    put(d, "returnsHresult", m.returnsHresult);
    methods.add(std::move(d));
  }
  put(o, "proxyMethods", methods.take());
  return o;
}

}  // namespace

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
