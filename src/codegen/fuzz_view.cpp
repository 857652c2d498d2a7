// The view of <file>_fuzz.cpp (midlc --fuzz): a libFuzzer target over the stubs of the RPC and object
// interfaces and over the file's types. Each operation is two cases: its server stub given the input as
// request stub data (through a null manager, or a null object), and its client function or proxy method
// given the input as reply stub data (called with default [in] arguments). Each struct and union the header
// marshals is one: the input decoded as the type, then round-tripped.
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
// pipe with the functions its direction needs, a context handle that is not NULL), and the arguments after
// those `arguments` already holds (the async state, the binding).
void putClientCall(Data& d, const OperationPlan& op, std::vector<std::string> arguments) {
  Printer locals;
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
        if (op.isAsync)  // bound to the call by the client function
          locals.emit({{"t", p.pipe.elementType}, {"x", p.name}}, "::midlrt::async::AsyncPipe<$t$> $x$;");
        else
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
  // An [async] client's pipes after the issue: the [in] ones ended, the [out] ones pulled to their end.
  Printer pipes;
  if (op.isAsync)
    for (const auto& p : op.params) {
      if (p.kind != Kind::Pipe) continue;
      if (p.in) pipes.emit({{"x", p.name}}, "::midlrt::fuzz::finish($x$);");
      if (p.out) pipes.emit({{"x", p.name}}, "::midlrt::fuzz::drain($x$);");
    }
  put(d, "asyncPipes", lines(pipes));
  put(d, "clientArguments", joinParams(arguments));
}

void putRpcClientCall(Data& d, const RpcInterfacePlan& itf, const OperationPlan& op) {
  std::vector<std::string> leading;
  if (op.isAsync) leading.push_back("midl_state");
  if (itf.explicitHandle && op.bindingParam.empty()) leading.push_back("midl_binding");
  putClientCall(d, op, std::move(leading));
  put(d, "hasImplicitHandle", !itf.explicitHandle && op.bindingParam.empty());
  put(d, "implicitHandle", itf.implicitHandle);
}

// Why an object interface is left out, or empty: a [call_as] method needs the application's
// <Owner>_<Method>_Proxy and _Stub, which the fuzz target cannot link.
std::string whyNotFuzzed(const ObjectInterfacePlan& itf) {
  for (const auto& m : itf.chain)
    if (m.kind == ObjectInterfacePlan::ChainMethod::Kind::CallAs)
      return "its [call_as] method " + m.local().name + " needs the application's " +
             callAsProxyName(m.owner, m.local().name) + " and " + callAsStubName(m.owner, m.local().name);
  return {};
}

// An object interface: its null object (every method of the chain), and two cases per remote method of its
// own (the stub's request with the object's UUID, the proxy's reply).
Data objectInterface(const ObjectInterfacePlan& itf, unsigned index, unsigned& nextCase) {
  using ChainKind = ObjectInterfacePlan::ChainMethod::Kind;
  Data o;
  put(o, "interface", itf.name);
  put(o, "opCount", std::to_string(itf.opCount));
  put(o, "objectIndex", std::to_string(index));
  DataList methods, cases;
  for (const auto& m : itf.chain) {
    const OperationPlan& signature = m.kind == ChainKind::CallAs ? m.local() : m.plan();
    Data d;
    put(d, "name", signature.name);
    put(d, "returnType", signature.returnType);
    put(d, "hasResult", signature.returnType != "void");
    put(d, "params", joinParams(signature.clientParams()));
    std::string names;
    for (const auto& p : signature.params) names += (names.empty() ? "" : ", ") + p.name;
    put(d, "names", names);
    methods.add(std::move(d));
    if (m.kind != ChainKind::Remote || m.owner != itf.name) continue;
    Data c;
    put(c, "interface", itf.name);
    put(c, "name", m.plan().name);
    put(c, "opnum", std::to_string(m.plan().opnum));
    put(c, "objectIndex", std::to_string(index));
    put(c, "hasResult", m.plan().returnType != "void");
    put(c, "serverCase", std::to_string(nextCase++));
    put(c, "clientCase", std::to_string(nextCase++));
    putClientCall(c, m.plan(), {});
    cases.add(std::move(c));
  }
  put(o, "methods", methods.take());
  put(o, "cases", cases.take());
  return o;
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
            putRpcClientCall(d, itf, op);
            return d;
          },
          [](const RpcInterfacePlan& itf, Data& i) { put(i, "opCount", std::to_string(itf.opCount)); }));
  DataList objects, skipped;
  unsigned objectIndex = 0;
  for (const auto& itf : plan.objects) {
    if (!itf.hasProxy) continue;
    if (std::string why = whyNotFuzzed(itf); !why.empty()) {
      skipped.add(Data(itf.name + ": " + why));
      continue;
    }
    objects.add(objectInterface(itf, objectIndex++, nextCase));
  }
  put(view, "hasObjects", objectIndex > 0);
  put(view, "objectInterfaces", objects.take());
  put(view, "notFuzzed", skipped.take());
  DataList types;
  for (const auto& type : marshaledTypes) {
    Data t;
    put(t, "type", type);
    put(t, "case", std::to_string(nextCase++));
    types.add(std::move(t));
  }
  // The in-process servers and their channels, for RPC and object interfaces alike.
  put(view, "hasHarness", !plan.rpcInterfaces.empty() || objectIndex > 0);
  put(view, "hasTypes", !types.empty());
  put(view, "types", types.take());
  put(view, "hasCases", nextCase > 0);
  put(view, "caseCount", std::to_string(nextCase));
  return view;
}

}  // namespace midlc::codegen
