// The view of RPC interfaces: client functions, the manager class and the server dispatcher.
#include "codegen/rpc_view.h"

#include "codegen/cpp_types.h"
#include "codegen/format.h"
#include "codegen/operation_plan.h"

namespace midlc::codegen {

namespace mustache = kainjow::mustache;

namespace {

// The client function: marshal, call through the binding, unmarshal.
std::string clientBody(const sema::InterfaceDecl& itf, const OperationParts& op) {
  const bool explicitHandle = itf.handleKind == sema::HandleKind::Explicit;
  std::string binding = !op.bindingName.empty() ? op.bindingName
                        : explicitHandle        ? "binding"
                                                : cppName(itf.implicitHandleName);
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
  if (!op.serverRead.empty())
    server +=
        "{\n::midlrt::ndr::Decoder d(call.requestData(), call.requestSize());\n" + op.serverRead + "}\n";
  server += op.serverChecks;
  server += (op.hasResult ? "const " + op.returnType + " midl_result = " : std::string()) + "manager_->" +
            op.name + "(" + joinParams(op.arguments) + ");\n";
  if (!op.serverWrite.empty())
    server +=
        "::midlrt::ndr::Encoder e(call.response().buffer(), call.response().headroom());\n" + op.serverWrite;
  return server + "return;\n";
}

}  // namespace

bool buildRpcInterfaces(const sema::Model& model, NdrCode& ndr, mustache::data& view,
                        Diagnostics& diagnostics) {
  mustache::data list{mustache::data::type::list};
  bool ok = true;
  for (const sema::InterfaceDecl* itf : model.interfaces()) {
    if (itf->isObject || itf->isLocal) continue;
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
      if (op.isAsync) {
        diagnostics.error(op.location, "cannot generate operation '" + op.name +
                                           "': asynchronous RPC operations are not generated yet");
        ok = false;
        continue;
      }
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
      o.set("returnType", parts->returnType);
      o.set("clientParams", joinParams(clientParams));
      o.set("managerParams", joinParams(parts->managerParams));
      o.set("clientBody", formatStatements(clientBody(*itf, *parts), 1));
      o.set("serverBody", formatStatements(serverBody(*parts), 3));
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
