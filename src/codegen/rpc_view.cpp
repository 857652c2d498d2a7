// The view of RPC interfaces: client functions, the manager class and the server dispatcher.
#include "codegen/rpc_view.h"

#include "codegen/cpp_types.h"
#include "codegen/format.h"
#include "codegen/operation_plan.h"

namespace midlc::codegen {

namespace mustache = kainjow::mustache;

namespace {

// The client function: marshal, call through the binding, unmarshal.
// The binding a client function calls through: its handle_t parameter, the one explicit handles add, or
// the interface's implicit handle.
std::string bindingOf(const sema::InterfaceDecl& itf, const OperationParts& op) {
  if (!op.bindingName.empty()) return op.bindingName;
  return itf.handleKind == sema::HandleKind::Explicit ? "binding" : cppName(itf.implicitHandleName);
}

std::string clientBody(const sema::InterfaceDecl& itf, const OperationParts& op) {
  const std::string binding = bindingOf(itf, op);
  std::string body = op.clientChecks;
  body += "::midlrt::rpc::Message midl_request = ::midlrt::rpc::Message::acquire();\n";
  body += "{\n::midlrt::ndr::Encoder e(midl_request.buffer(), midl_request.headroom());\n" + op.clientWrite +
          "}\n";
  if (op.hasResult) body += op.returnType + " midl_result{};\n";
  if (!op.statusParam.empty() || op.statusReturn) {
    // [comm_status]/[fault_status]: the status goes to its slot instead of an exception.
    body += "::midlrt::rpc::Reply midl_reply;\n";
    body += "const uint32_t midl_status = " + binding + "->tryInvoke(" + cppName(itf.name) + "_ifspec, " +
            op.opnum + ", midl_request, midl_reply);\n";
    if (!op.statusParam.empty()) body += op.statusParam + " = midl_status;\n";
    body += "if (midl_status != 0) return" +
            std::string(op.statusReturn ? " midl_status"
                        : op.hasResult  ? " midl_result"
                                        : "") +
            ";\n";
  } else {
    body += "::midlrt::rpc::Reply midl_reply = " + binding + "->invoke(" + cppName(itf.name) + "_ifspec, " +
            op.opnum + ", midl_request);\n";
  }
  if (!op.clientRead.empty())
    body += "::midlrt::ndr::Decoder d(midl_reply.data(), midl_reply.size());\n" + op.clientRead;
  if (op.hasResult) body += "return midl_result;\n";
  return body;
}

// The dispatcher's case: unmarshal into locals, call the manager, marshal the outputs.
std::string serverBody(const OperationParts& op) {
  std::string server = op.serverLocals;
  if (op.inPipes) {
    // The [in] pipes are read, while the manager runs, from where the other [in] parameters end.
    server += "::midlrt::ndr::Decoder d(call.requestData(), call.requestSize());\n" + op.serverRead;
  } else if (!op.serverRead.empty()) {
    server +=
        "{\n::midlrt::ndr::Decoder d(call.requestData(), call.requestSize());\n" + op.serverRead + "}\n";
  }
  server += op.serverChecks;
  const std::string encoder =
      "::midlrt::ndr::Encoder e(call.response().buffer(), call.response().headroom());\n";
  if (op.inPipes) server += "::midlrt::ndr::PipeSequence midl_in_pipes(\"[in]\");\nauto& midl_pipe_d = d;\n";
  if (op.outPipes)
    server += encoder + "::midlrt::ndr::PipeSequence midl_out_pipes(\"[out]\");\nauto& midl_pipe_e = e;\n";
  server += op.pipeSetup;
  server += (op.hasResult ? "const " + op.returnType + " midl_result = " : std::string()) + "manager_->" +
            op.name + "(" + joinParams(op.arguments) + ");\n";
  if (op.inPipes) server += "midl_in_pipes.requireFinished(" + std::to_string(op.inPipes) + ");\n";
  if (op.outPipes) server += "midl_out_pipes.requireFinished(" + std::to_string(op.outPipes) + ");\n";
  if (!op.serverWrite.empty()) server += (op.outPipes ? "" : encoder) + op.serverWrite;
  return server + "return;\n";
}

// [async] client function: issue through the caller's AsyncState; the [out] parameters are filled when the
// caller completes the call (state.complete(&result)), so they must outlive it.
std::string asyncClientBody(const sema::InterfaceDecl& itf, const OperationParts& op) {
  const std::string binding = bindingOf(itf, op);
  std::string body = op.clientChecks;
  body += "::midlrt::rpc::Message midl_request = ::midlrt::rpc::Message::acquire();\n";
  body += "{\n::midlrt::ndr::Encoder e(midl_request.buffer(), midl_request.headroom());\n" + op.clientWrite +
          "}\n";
  std::string captures;
  for (const auto& name : op.outNames)
    captures += (captures.empty() ? "" : ", ") + ("&" + name + " = " + name);
  std::string unmarshal = "[" + captures + "](::midlrt::rpc::Reply& midl_reply, void* midl_reply_value) {\n";
  if (!op.clientRead.empty() || op.hasResult) {
    if (op.hasResult) unmarshal += op.returnType + " midl_result{};\n";
    unmarshal += "::midlrt::ndr::Decoder d(midl_reply.data(), midl_reply.size());\n" + op.clientRead;
    if (op.hasResult)
      unmarshal += "if (midl_reply_value != nullptr) *static_cast<" + op.returnType +
                   "*>(midl_reply_value) = midl_result;\n";
    else
      unmarshal += "(void)midl_reply_value;\n";
  } else {
    unmarshal += "(void)midl_reply;\n(void)midl_reply_value;\n";
  }
  unmarshal += "}";
  body += "return midl_state.issue(*" + binding + ", " + cppName(itf.name) + "_ifspec, " + op.opnum +
          ", std::move(midl_request),\n" + unmarshal + ");\n";
  return body;
}

// [async] manager: the parameters live in a frame that the completion marshals from, whichever thread
// completes; the manager gets the call's handle and may return before it completes. The frame also keeps
// the pipes' cursors: the manager may pull and push from any thread until it completes the call.
std::string asyncServerBody(const OperationParts& op) {
  std::string frame = "struct Frame {\n" + op.serverLocals;
  if (op.hasResult) frame += op.returnType + " midl_result{};\n";
  if (op.inPipes)
    frame +=
        "::midlrt::ndr::PipeSequence midl_in_pipes{\"[in]\"};\n"
        "std::optional<::midlrt::ndr::Decoder> midl_pipe_d;\n";
  if (op.outPipes)
    frame +=
        "::midlrt::ndr::PipeSequence midl_out_pipes{\"[out]\"};\n"
        "std::optional<::midlrt::ndr::Encoder> midl_pipe_e;\n";
  // [out] context handles register with the call's association group when the reply is marshaled; the
  // deferred call outlives that (a plain pointer: the call must not own its own frame).
  if (op.serverWriteNeedsCall) frame += "::midlrt::rpc::ServerCall* midl_server_call = nullptr;\n";
  frame += "};\nauto midl_frame = std::make_shared<Frame>();\n";
  if (op.serverWriteNeedsCall) frame += "midl_frame->midl_server_call = &call;\n";
  std::string refs;
  for (const auto& name : op.localNames)
    refs += "[[maybe_unused]] auto& " + name + " = midl_frame->" + name + ";\n";
  std::string body = frame + refs;
  if (op.inPipes)
    body += "::midlrt::ndr::Decoder d(call.requestData(), call.requestSize());\n" + op.serverRead;
  else if (!op.serverRead.empty())
    body += "{\n::midlrt::ndr::Decoder d(call.requestData(), call.requestSize());\n" + op.serverRead + "}\n";
  body += op.serverChecks;
  if (op.inPipes)
    body +=
        "auto& midl_in_pipes = midl_frame->midl_in_pipes;\nauto& midl_pipe_d = "
        "midl_frame->midl_pipe_d.emplace(d);\n";
  if (op.outPipes)
    body +=
        "auto& midl_out_pipes = midl_frame->midl_out_pipes;\n"
        "auto& midl_pipe_e = midl_frame->midl_pipe_e.emplace(call.response().buffer(), "
        "call.response().headroom());\n";
  body += op.pipeSetup;
  std::string marshal =
      "[midl_frame](::midlrt::rpc::Message& midl_response, const void* midl_reply_value) {\n" + refs;
  if (op.serverWriteNeedsCall)
    marshal += "::midlrt::rpc::ServerCall& call = *midl_frame->midl_server_call;\n";
  if (op.inPipes)
    marshal += "midl_frame->midl_in_pipes.requireFinished(" + std::to_string(op.inPipes) + ");\n";
  if (op.outPipes)
    marshal += "midl_frame->midl_out_pipes.requireFinished(" + std::to_string(op.outPipes) + ");\n";
  if (op.hasResult)
    marshal += "const " + op.returnType + " midl_result = midl_reply_value != nullptr ? *static_cast<const " +
               op.returnType + "*>(midl_reply_value) : " + op.returnType + "{};\n";
  else
    marshal += "(void)midl_reply_value;\n";
  marshal += "::midlrt::ndr::Encoder e(midl_response.buffer(), midl_response.headroom());\n" + op.serverWrite;
  marshal += "}";
  body += "::midlrt::async::ServerAsyncCall midl_call = ::midlrt::async::ServerAsyncCall::begin(call,\n" +
          marshal + ");\n";
  std::string args = "midl_call";
  for (const auto& a : op.arguments) args += ", " + a;
  body += "manager_->" + op.name + "(" + args + ");\n";
  return body + "return;\n";
}

}  // namespace

bool buildRpcInterfaces(const sema::Model& model, NdrCode& ndr, mustache::data& view,
                        Diagnostics& diagnostics) {
  mustache::data list{mustache::data::type::list};
  bool ok = true;
  for (const sema::InterfaceDecl* itf : model.interfaces()) {
    if (itf->isObject || itf->isLocal) continue;
    if (!itf->uuid && itf->operations.empty()) continue;  // a holder of types: nothing to call
    if (!itf->uuid) {
      diagnostics.error(itf->location,
                        "RPC interface '" + itf->name + "' has no [uuid], so it cannot be called");
      ok = false;
      continue;
    }
    if (itf->handleKind == sema::HandleKind::Auto) {
      diagnostics.error(itf->location,
                        "[auto_handle] is not supported: use explicit or implicit binding handles");
      ok = false;
      continue;
    }
    mustache::data i;
    i.set("name", cppName(itf->name));
    i.set("uuid", uuidInitializer(*itf->uuid));
    i.set("uuidText", itf->uuid->text());
    i.set("major", std::to_string(itf->versionMajor));
    i.set("minor", std::to_string(itf->versionMinor));
    i.set("opCount", std::to_string(itf->operations.size()));
    i.set("hasImplicitHandle", itf->handleKind == sema::HandleKind::Implicit);
    i.set("implicitHandle", cppName(itf->implicitHandleName));
    mustache::data ops{mustache::data::type::list};
    OperationPlanner planner(ndr, diagnostics, *itf);
    for (const auto& op : itf->operations) {
      if (op.isLocal) continue;  // no stub: the procedure is only declared
      auto parts = planner.plan(op);
      if (!parts) {
        ok = false;
        continue;
      }
      const bool explicitHandle = itf->handleKind == sema::HandleKind::Explicit;
      std::vector<std::string> clientParams = parts->clientParams;
      if (explicitHandle && parts->bindingName.empty())
        clientParams.insert(clientParams.begin(), "const ::midlrt::Binding& binding");
      mustache::data o;
      o.set("name", parts->name);
      o.set("opnum", parts->opnum);
      if (op.isAsync) {
        // MIDL's asynchronous RPC: the async state first; completion delivers the result.
        clientParams.insert(clientParams.begin(), "::midlrt::async::AsyncState& midl_state");
        std::vector<std::string> managerParams = parts->managerParams;
        managerParams.insert(managerParams.begin(), "::midlrt::async::ServerAsyncCall call");
        o.set("returnType", "uint32_t");
        o.set("managerReturnType", "void");
        o.set("clientParams", joinParams(clientParams));
        o.set("managerParams", joinParams(managerParams));
        o.set("clientBody", formatStatements(asyncClientBody(*itf, *parts), 1));
        o.set("serverBody", formatStatements(asyncServerBody(*parts), 3));
        o.set("isAsync", true);
        o.set("resultType", parts->returnType);
      } else {
        o.set("returnType", parts->returnType);
        o.set("managerReturnType", parts->returnType);
        o.set("clientParams", joinParams(clientParams));
        o.set("managerParams", joinParams(parts->managerParams));
        o.set("clientBody", formatStatements(clientBody(*itf, *parts), 1));
        o.set("serverBody", formatStatements(serverBody(*parts), 3));
      }
      ops.push_back(o);
    }
    i.set("operations", ops);
    list.push_back(i);
  }
  view.set("rpcInterfaces", list);
  view.set("hasRpcInterfaces", !list.is_empty_list());
  return ok;
}

}  // namespace midlc::codegen
