// The view of <file>_s.cpp: the RPC interfaces' dispatchers and the object interfaces' stubs (their
// asynchronous cases come from the asynchronous pass).
#include "codegen/view.h"

namespace midlc::codegen {

namespace {

Data dispatchCase(const OperationPlan& op) {
  if (op.isAsync) return asyncDispatchCaseView(op);
  Data d = serverCallView(op);
  d.set("isAsync", false);
  return d;
}

Data stubCase(const ObjectInterfacePlan& itf, const ObjectInterfacePlan::ChainMethod& m) {
  Data d = serverCallView(m.plan);
  if (m.hasCallObject) d.set("callObject", callObjectDispatchView(itf, m.plan));
  return d;
}

}  // namespace

Data serverView(const FilePlan& plan) {
  Data view;
  Data rpc = list();
  for (const auto& itf : plan.rpcInterfaces) {
    Data i;
    i.set("interface", itf.name);
    i.set("opCount", std::to_string(itf.opCount));
    Data ops = list();
    for (const auto& op : itf.operations) ops.push_back(dispatchCase(op));
    i.set("operations", ops);
    rpc.push_back(i);
  }
  view.set("rpcInterfaces", rpc);
  Data objects = list();
  for (const auto& itf : plan.objects) {
    if (!itf.hasProxy) continue;
    Data o;
    o.set("interface", itf.name);
    o.set("opCount", std::to_string(itf.opCount));
    Data cases = list();
    for (const auto& m : itf.chain) cases.push_back(stubCase(itf, m));
    o.set("stubCases", cases);
    objects.push_back(o);
  }
  view.set("objectInterfaces", objects);
  return view;
}

}  // namespace midlc::codegen
