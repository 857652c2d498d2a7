// The view of <file>_fuzz.cpp (midlc --fuzz): a libFuzzer target over the RPC interfaces' stubs and the
// file's types. Each operation is two cases: its server stub given the input as request stub data (through a
// null manager), and its client function given the input as reply stub data (called with default [in]
// arguments). Each struct and union the header marshals is one: the input decoded as the type, then
// round-tripped.
#include "codegen/view.h"

namespace midlc::codegen {

namespace {

using Kind = ParamPlan::Kind;

// The null manager's method: every parameter ignored, [in] pipes drained, [out] pipes ended.
void putManagerMethod(Data& d, const OperationPlan& op) {
  put(d, "managerParams", joinParams(rpcManagerParams(op)));
  std::string names;
  DataList inPipes, outPipes;
  for (const auto& p : op.params) {
    if (p.managerDecl.empty()) continue;
    names += (names.empty() ? "" : ", ") + p.name;
    if (p.kind != Kind::Pipe) continue;
    if (p.in) inPipes.add(Data(p.name));
    if (p.out) outPipes.add(Data(p.name));
  }
  put(d, "managerNames", names);
  const bool hasPipes = op.inPipes + op.outPipes > 0;
  put(d, "hasPipes", hasPipes);
  put(d, "inPipes", inPipes.take());
  put(d, "outPipes", outPipes.take());
}

// The client call: a local per parameter, default but for what the client insists on before it sends (a
// pipe with the functions its direction needs, a context handle that is not NULL), and the arguments.
void putClientCall(Data& d, const RpcInterfacePlan& itf, const OperationPlan& op) {
  Printer locals;
  std::vector<std::string> arguments;
  if (op.isAsync) arguments.push_back("midl_state");
  if (itf.explicitHandle && op.bindingParam.empty()) arguments.push_back("midl_binding");
  for (const auto& p : op.params) {
    switch (p.kind) {
      case Kind::Binding:
        arguments.push_back("midl_binding");
        continue;
      case Kind::Status:
        locals.emit({{"x", p.name}}, "uint32_t $x${};");
        break;
      case Kind::ContextHandle:
        locals.emit({{"x", p.name}},
                    "::midlrt::rpc::ContextHandle $x$ = ::midlrt::fuzz::Harness::contextHandle();");
        break;
      case Kind::Pipe:
        locals.emit({{"t", p.type}, {"x", p.name}}, "$t$ $x$ = ::midlrt::fuzz::clientPipe<$t$>();");
        break;
      case Kind::Optional:
      case Kind::Reference:
      case Kind::Value:
        locals.emit({{"t", p.type}, {"x", p.local}, {"init", p.valueInitialized ? "{}" : ""}},
                    "$t$ $x$$init$;");
        arguments.push_back(p.argument);
        continue;
    }
    arguments.push_back(p.name);
  }
  put(d, "clientLocals", lines(locals));
  put(d, "clientArguments", joinParams(arguments));
  put(d, "hasImplicitHandle", !itf.explicitHandle && op.bindingParam.empty());
  put(d, "implicitHandle", itf.implicitHandle);
}

}  // namespace

Data fuzzView(const FilePlan& plan, const std::vector<std::string>& marshaledTypes) {
  Data view;
  unsigned nextCase = 0;
  put(view, "rpcInterfaces",
      rpcInterfacesView(
          plan,
          [&nextCase](const RpcInterfacePlan& itf, const OperationPlan& op) {
            Data d;
            put(d, "interface", itf.name);
            put(d, "name", op.name);
            put(d, "opnum", std::to_string(op.opnum));
            put(d, "isAsync", op.isAsync);
            put(d, "hasResult", op.hasResult);
            put(d, "returnType", op.returnType);
            put(d, "serverCase", std::to_string(nextCase++));
            put(d, "clientCase", std::to_string(nextCase++));
            putManagerMethod(d, op);
            putClientCall(d, itf, op);
            return d;
          },
          [](const RpcInterfacePlan& itf, Data& i) { put(i, "opCount", std::to_string(itf.opCount)); }));
  DataList types;
  for (const auto& type : marshaledTypes) {
    Data t;
    put(t, "type", type);
    put(t, "case", std::to_string(nextCase++));
    types.add(std::move(t));
  }
  put(view, "hasRpc", !plan.rpcInterfaces.empty());
  put(view, "hasTypes", !types.empty());
  put(view, "types", types.take());
  put(view, "hasCases", nextCase > 0);
  put(view, "caseCount", std::to_string(nextCase));
  DataList skipped;
  for (const auto& itf : plan.objects)
    if (itf.hasProxy) skipped.add(Data(itf.name));
  put(view, "objectInterfaces", skipped.take());
  return view;
}

}  // namespace midlc::codegen
