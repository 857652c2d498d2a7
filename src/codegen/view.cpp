// Pieces of template data shared by the views (see view.h).
#include "codegen/view.h"

#include "support/text.h"

namespace midlc::codegen {

Data lines(const std::vector<std::string>& text) {
  DataList out;
  for (const auto& line : text) out.add(Data(line));
  return out.take();
}

Data lines(const Printer& p) {
  return lines(p.lines());
}

Data statements(const wire::Steps& steps, Coding coding) {
  Printer p;
  emitSteps(p, steps, coding);
  return lines(p);
}

Data clientChecks(const OperationPlan& op) {
  Printer p;
  for (const auto& param : op.params)
    if (param.kind == ParamPlan::Kind::Pipe && !op.isAsync)  // an [async] client's pipes are the runtime's
      p.emit({{"x", param.name},
              {"in", param.in ? "true" : "false"},
              {"out", param.out ? "true" : "false"},
              {"what", "\"'" + cEscape(param.idlName) + "'\""}},
             "::midlrt::ndr::checkPipe($x$, $in$, $out$, $what$);");
  emitSizeChecks(p, op.clientSizeChecks, Coding::Encode);
  emitRangeChecks(p, op.clientRangeChecks, Coding::Encode);
  emitSwitchChecks(p, op.clientSwitchChecks, Coding::Encode);
  return lines(p);
}

Data serverChecks(const OperationPlan& op) {
  Printer p;
  emitSizeChecks(p, op.serverSizeChecks, Coding::Decode);
  emitRangeChecks(p, op.serverRangeChecks, Coding::Decode);
  emitSwitchChecks(p, op.serverSwitchChecks, Coding::Decode);
  return lines(p);
}

Data serverReplyChecks(const OperationPlan& op) {
  Printer p;
  emitSizeChecks(p, op.serverReplyChecks, Coding::Encode);
  emitSwitchChecks(p, op.serverReplySwitchChecks, Coding::Encode);
  return lines(p);
}

Data clientReplyChecks(const OperationPlan& op) {
  Printer p;
  emitSizeChecks(p, op.clientReplyChecks, Coding::Decode);
  emitSwitchChecks(p, op.clientReplySwitchChecks, Coding::Decode);
  return lines(p);
}

namespace {
void declareCountLocals(Printer& p, const std::vector<std::string>& names) {
  for (const auto& name : names) p.emit({{"x", name}}, "uint32_t $x$ = 0;");
}
}  // namespace

Data serverLocals(const OperationPlan& op) {
  Printer p;
  // First, so that it goes last: after every value that may hold its objects.
  if (op.fullPointerGraph) p.emit("::midlrt::ndr::FullPointerGraph midl_graph;");
  for (const ParamPlan* param : op.serverLocals()) {
    p.emit({{"t", param->type}, {"x", param->local}, {"init", param->valueInitialized ? "{}" : ""}},
           "$t$ $x$$init$;");
    if (!param->contextIdLocal.empty())
      p.emit({{"id", param->contextIdLocal}}, "::midlrt::rpc::Uuid $id${};");
    if (param->releasesReference)
      p.emit({{"x", param->local}}, "const ::midlrt::dcom::ReleaseOnExit midl_release_$x$($x$);");
  }
  declareCountLocals(p, op.serverCountLocals);
  return lines(p);
}

std::vector<std::string> serverLocalNames(const OperationPlan& op) {
  std::vector<std::string> out;
  if (op.fullPointerGraph) out.push_back("midl_graph");
  for (const ParamPlan* param : op.serverLocals()) {
    out.push_back(param->local);
    if (!param->contextIdLocal.empty()) out.push_back(param->contextIdLocal);
  }
  out.insert(out.end(), op.serverCountLocals.begin(), op.serverCountLocals.end());
  return out;
}

Data pipeSetup(const OperationPlan& op) {
  Printer p;
  // Rules for Multiple Pipes: the [out] pipes wait for every [in] pipe to be drained.
  if (op.inPipes > 0 && op.outPipes > 0)
    p.emit({{"n", std::to_string(op.inPipes)}}, "midl_out_pipes.follow(midl_in_pipes, $n$);");
  for (const auto& param : op.params) {
    if (param.kind != ParamPlan::Kind::Pipe) continue;
    const auto& pipe = param.pipe;
    Printer::Var local{"local", param.local}, type{"type", param.type}, t{"t", pipe.elementType},
        i{"i", std::to_string(pipe.inIndex)}, o{"o", std::to_string(pipe.outIndex)},
        reader{"reader", [&] { emitElements(p, pipe.reader, Coding::Decode); }},
        writer{"writer", [&] { emitElements(p, pipe.writer, Coding::Encode); }};
    if (param.in && param.out)
      p.emit({local, type, t, i, o, reader, writer}, R"gen(
        $local$ = $type$(::midlrt::ndr::pipeReader<$t$>(midl_pipe_d, midl_in_pipes, $i$, [](::midlrt::ndr::Decoder& midl_d, std::span<$t$> midl_c) {
          $reader$
        }), ::midlrt::ndr::pipeWriter<$t$>(midl_pipe_e, midl_out_pipes, $o$, [](::midlrt::ndr::Encoder& midl_e, std::span<const $t$> midl_c) {
          $writer$
        }));
      )gen");
    else if (param.in)
      p.emit({local, type, t, i, reader}, R"gen(
        $local$ = $type$(::midlrt::ndr::pipeReader<$t$>(midl_pipe_d, midl_in_pipes, $i$, [](::midlrt::ndr::Decoder& midl_d, std::span<$t$> midl_c) {
          $reader$
        }), {});
      )gen");
    else
      p.emit({local, type, t, o, writer}, R"gen(
        $local$ = $type$({}, ::midlrt::ndr::pipeWriter<$t$>(midl_pipe_e, midl_out_pipes, $o$, [](::midlrt::ndr::Encoder& midl_e, std::span<const $t$> midl_c) {
          $writer$
        }));
      )gen");
  }
  return lines(p);
}

Data asyncPipeBindings(const OperationPlan& op, const std::string& pipeCall, bool server) {
  Printer p;
  for (const auto& param : op.params) {
    if (param.kind != ParamPlan::Kind::Pipe) continue;
    const auto& pipe = param.pipe;
    Printer::Var name{"x", server ? param.local : param.name}, t{"t", pipe.elementType},
        call{"call", pipeCall};
    // The client pushes its [in] pipes and pulls its [out] pipes; the manager the other way round.
    auto push = [&](int index) {
      p.emit({name,
              t,
              call,
              {"i", std::to_string(index)},
              {"writer", [&] { emitElements(p, pipe.writer, Coding::Encode); }}},
             R"gen(
        $x$.bindPush($call$, $i$, [](::midlrt::ndr::Encoder& midl_e, std::span<const $t$> midl_c) {
          $writer$
        });
      )gen");
    };
    auto pull = [&](int index) {
      p.emit({name,
              t,
              call,
              {"i", std::to_string(index)},
              {"reader", [&] { emitElements(p, pipe.reader, Coding::Decode); }}},
             R"gen(
        $x$.bindPull($call$, $i$, [](::midlrt::ndr::Decoder& midl_d, std::span<$t$> midl_c) {
          $reader$
        });
      )gen");
    };
    if (param.in) server ? pull(pipe.inIndex) : push(pipe.inIndex);
    if (param.out) server ? push(pipe.outIndex) : pull(pipe.outIndex);
  }
  return lines(p);
}

void putClientReply(Data& d, const OperationPlan& op, const wire::Steps& reply) {
  put(d, "hasReply", !reply.empty());
  // The reply's statements begin with the locals that keep varying arrays' max_counts for the checks.
  Printer p;
  declareCountLocals(p, op.clientCountLocals);
  emitSteps(p, reply, Coding::Decode);
  put(d, "reply", lines(p));
}

Data clientCallView(const OperationPlan& op) {
  Data d;
  put(d, "name", op.name);
  put(d, "opnum", std::to_string(op.opnum));
  put(d, "returnType", op.returnType);
  put(d, "hasResult", op.hasResult);
  put(d, "checks", clientChecks(op));
  put(d, "request", statements(op.clientRequest(), Coding::Encode));
  putClientReply(d, op, op.clientReply());
  put(d, "replyChecks", clientReplyChecks(op));
  return d;
}

Data serverCallView(const OperationPlan& op) {
  Data d;
  put(d, "name", op.name);
  put(d, "opnum", std::to_string(op.opnum));
  put(d, "returnType", op.returnType);
  put(d, "hasResult", op.hasResult);
  put(d, "locals", serverLocals(op));
  const wire::Steps request = op.serverRequest();
  put(d, "hasRequest", !request.empty());
  Printer requestLines;
  if (op.fullPointerGraph) requestLines.emit("midl_d.collectFullPointersInto(midl_graph);");
  emitSteps(requestLines, request, Coding::Decode);
  put(d, "request", lines(requestLines));
  put(d, "checks", serverChecks(op));
  put(d, "hasInPipes", op.inPipes > 0);
  put(d, "hasOutPipes", op.outPipes > 0);
  put(d, "inPipes", std::to_string(op.inPipes));
  put(d, "outPipes", std::to_string(op.outPipes));
  put(d, "pipeSetup", pipeSetup(op));
  put(d, "arguments", joinParams(op.arguments()));
  const wire::Steps reply = op.serverReply();
  put(d, "hasReply", !reply.empty());
  put(d, "replyChecks", serverReplyChecks(op));
  put(d, "reply", statements(reply, Coding::Encode));
  return d;
}

Data rpcInterfacesView(const FilePlan& plan,
                       const std::function<Data(const RpcInterfacePlan&, const OperationPlan&)>& operation,
                       const std::function<void(const RpcInterfacePlan&, Data&)>& more) {
  DataList rpc;
  for (const auto& itf : plan.rpcInterfaces) {
    Data i;
    put(i, "interface", itf.name);
    if (more) more(itf, i);
    DataList ops;
    for (const auto& op : itf.operations) ops.add(operation(itf, op));
    put(i, "operations", ops.take());
    rpc.add(std::move(i));
  }
  return rpc.take();
}

std::string rpcBinding(const RpcInterfacePlan& itf, const OperationPlan& op) {
  if (!op.bindingParam.empty()) return op.bindingParam;
  return itf.explicitHandle ? "midl_binding" : itf.implicitHandle;
}

std::vector<std::string> rpcClientParams(const RpcInterfacePlan& itf, const OperationPlan& op) {
  std::vector<std::string> params = op.clientParams();
  if (itf.explicitHandle && op.bindingParam.empty())
    params.insert(params.begin(), "const ::midlrt::Binding& midl_binding");
  // MIDL's asynchronous RPC: the async state first; completion delivers the result.
  if (op.isAsync) params.insert(params.begin(), "::midlrt::async::AsyncState& midl_state");
  return params;
}

std::vector<std::string> rpcManagerParams(const OperationPlan& op) {
  std::vector<std::string> params = op.managerParams();
  if (op.isAsync) params.insert(params.begin(), op.callType + " midl_call");
  return params;
}

std::string callAsProxyName(const std::string& owner, const std::string& local) {
  return owner + "_" + local + "_Proxy";
}

std::string callAsStubName(const std::string& owner, const std::string& local) {
  return owner + "_" + local + "_Stub";
}

std::string remoteProxyName(const std::string& owner, const std::string& remote) {
  return owner + "_" + remote + "_Proxy";
}

std::string proxyFunctionName(const std::string& owner, const std::string& method) {
  return owner + "_" + method + "_Proxy";
}

std::vector<std::string> callAsHelperParams(const std::string& owner, const OperationPlan& op) {
  std::vector<std::string> params = op.clientParams();
  params.insert(params.begin(), owner + "* This");
  return params;
}

}  // namespace midlc::codegen
