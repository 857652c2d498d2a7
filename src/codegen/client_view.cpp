// The view of <file>_c.cpp: the RPC interfaces' client functions, and the object interfaces' proxies (their
// call objects come from the asynchronous pass).
#include "codegen/view.h"

namespace midlc::codegen {

namespace {

Data clientFunction(const RpcInterfacePlan& itf, const OperationPlan& op) {
  if (op.isAsync) return asyncClientFunctionView(itf, op);
  Data d = clientCallView(op);
  d.set("isAsync", false);
  d.set("params", joinParams(rpcClientParams(itf, op)));
  d.set("binding", rpcBinding(itf, op));
  // [comm_status]/[fault_status]: the status goes to its slot instead of an exception.
  const bool hasStatus = !op.statusParam.empty() || op.statusReturn;
  d.set("hasStatus", hasStatus);
  d.set("hasStatusParam", !op.statusParam.empty());
  d.set("statusParam", op.statusParam);
  d.set("failureValue", op.statusReturn ? " midl_status" : op.hasResult ? " midl_result" : "");
  return d;
}

Data proxy(const ObjectInterfacePlan& itf) {
  Data o = callObjectView(itf);
  o.set("interface", itf.name);
  Data bases = list();
  for (const auto& b : itf.bases) bases.push_back(Data(b));
  o.set("bases", bases);
  Data methods = list();
  for (const auto& m : itf.chain) {
    Data d = clientCallView(m.plan);
    d.set("params", joinParams(m.plan.clientParams()));
    d.set("returnsHresult", m.returnsHresult);
    methods.push_back(d);
  }
  o.set("proxyMethods", methods);
  return o;
}

}  // namespace

Data clientView(const FilePlan& plan) {
  Data view;
  Data rpc = list();
  for (const auto& itf : plan.rpcInterfaces) {
    Data i;
    i.set("interface", itf.name);
    Data ops = list();
    for (const auto& op : itf.operations) ops.push_back(clientFunction(itf, op));
    i.set("operations", ops);
    rpc.push_back(i);
  }
  view.set("rpcInterfaces", rpc);
  Data objects = list();
  for (const auto& itf : plan.objects)
    if (itf.hasProxy) objects.push_back(proxy(itf));
  view.set("objectInterfaces", objects);
  return view;
}

}  // namespace midlc::codegen
