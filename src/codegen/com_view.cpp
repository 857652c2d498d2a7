// The view of object ([object]) interfaces: the interface classes, AsyncIFoo, the proxy with its
// ICallFactory and call objects, and the stub that dispatches to exported objects (synchronously, or to
// the object's own call object when it implements ICallFactory for AsyncIFoo).
#include "codegen/com_view.h"

#include "codegen/cpp_types.h"
#include "codegen/format.h"
#include "codegen/operation_plan.h"

namespace midlc::codegen {

namespace mustache = kainjow::mustache;
using sema::Type;

namespace {

const char* const kRuntimeInterfaces[] = {"IUnknown", "ICallFactory", "ISynchronize", "ISynchronizeHandle",
                                          "ICancelMethodCalls"};

bool returnsHresult(const sema::Operation& op) {
  const Type* t = op.returnType;
  for (int guard = 0; t && guard < 100; ++guard) {
    if (t->kind != Type::Kind::Named || t->decl->kind != sema::Decl::Kind::Typedef) return false;
    if (t->decl->name == "HRESULT" || t->decl->name == "SCODE") return true;
    t = static_cast<const sema::TypedefDecl*>(t->decl)->type;
  }
  return false;
}

// Failures of the call itself become the HRESULT a COM caller expects.
std::string guarded(const std::string& body, bool hresult) {
  if (!hresult) return body;
  return "try {\n" + body +
         "} catch (const ::midlrt::rpc::RpcError& midl_error) {\n"
         "return ::midlrt::async::hresultFromStatus(midl_error.status());\n"
         "} catch (const ::midlrt::ndr::NdrError& midl_error) {\n"
         "return ::midlrt::async::hresultFromStatus(midl_error.status());\n}\n";
}

std::string marshalRequest(const OperationParts& op) {
  return op.clientChecks +
         "::midlrt::rpc::Message midl_request = "
         "::midlrt::rpc::Message::acquire(::midlrt::rpc::kObjectRequestHeadroom);\n"
         "{\n::midlrt::ndr::Encoder e(midl_request.buffer(), midl_request.headroom());\n" +
         op.clientWrite + "}\n";
}

std::string unmarshalReply(const OperationParts& op) {
  std::string body;
  if (op.hasResult) body += op.returnType + " midl_result{};\n";
  if (!op.clientRead.empty())
    body += "::midlrt::ndr::Decoder d(midl_reply.data(), midl_reply.size());\n" + op.clientRead;
  if (op.hasResult) body += "return midl_result;\n";
  return body;
}

std::string proxyBody(const std::string& ifspec, const OperationParts& op, bool hresult) {
  std::string body = marshalRequest(op);
  body += "::midlrt::rpc::CallOptions midl_options;\nmidl_options.object = &object_;\n";
  body += "::midlrt::rpc::Reply midl_reply = channel_->invoke(" + ifspec + ", " + op.opnum +
          ", midl_request, midl_options);\n";
  body += unmarshalReply(op);
  return guarded(body, hresult);
}

std::string syncStubBody(const OperationParts& op) {
  std::string body = (op.hasResult ? "const " + op.returnType + " midl_result = " : std::string()) +
                     "object->" + op.name + "(" + joinParams(op.arguments) + ");\n";
  if (!op.serverWrite.empty())
    body +=
        "::midlrt::ndr::Encoder e(call.response().buffer(), call.response().headroom());\n" + op.serverWrite;
  return body + "return;\n";
}

std::string stubBody(const OperationParts& op, bool async, const std::string& asyncName) {
  std::string body = op.serverLocals;
  if (!op.serverRead.empty())
    body += "{\n::midlrt::ndr::Decoder d(call.requestData(), call.requestSize());\n" + op.serverRead + "}\n";
  body += op.serverChecks;
  if (async) {
    // The object's own call object, if it makes one for the asynchronous interface; otherwise the sync
    // method.
    body +=
        "const ::midlrt::com::HRESULT midl_hr = ::midlrt::async::dispatchToCallObject(\ncall, "
        "object.get(), " +
        asyncName + "::kIid,\n[&](void* midl_itf) {\nreturn static_cast<" + asyncName +
        "*>(midl_itf)->Begin_" + op.name + "(" + joinParams(op.beginArgs) +
        ");\n},\n[=](void* midl_itf, ::midlrt::rpc::Message& midl_response) {\n" + op.outLocals + "const " +
        op.returnType + " midl_result = static_cast<" + asyncName + "*>(midl_itf)->Finish_" + op.name + "(" +
        joinParams(op.finishArgs) + ");\n" +
        "::midlrt::ndr::Encoder e(midl_response.buffer(), midl_response.headroom());\n" + op.serverWrite +
        "});\n";
    body += "if (midl_hr != ::midlrt::com::E_NOINTERFACE) return;\n";
  }
  return body + syncStubBody(op);
}

std::string beginBody(const OperationParts& op) {
  return guarded(marshalRequest(op) + "return beginCall(" + op.opnum + ", std::move(midl_request));\n", true);
}

std::string finishBody(const OperationParts& op) {
  return "::midlrt::rpc::Reply midl_reply;\n"
         "const ::midlrt::com::HRESULT midl_hr = finishCall(midl_reply);\n"
         "if (midl_hr != ::midlrt::com::S_OK) return midl_hr;\n" +
         guarded(unmarshalReply(op), true);
}

}  // namespace

bool isRuntimeInterface(const std::string& name) {
  for (const char* n : kRuntimeInterfaces)
    if (name == n) return true;
  return false;
}

bool buildObjectInterface(const sema::InterfaceDecl& itf, NdrCode& ndr, mustache::data& out,
                          Diagnostics& diagnostics) {
  std::string name = cppName(itf.name);
  out.set("isObjectInterface", true);
  out.set("name", name);
  out.set("baseClass", !itf.base || itf.base->name == "IUnknown" ? std::string("::midlrt::com::IUnknown")
                                                                 : cppName(itf.base->name));
  out.set("iid", itf.uuid ? uuidInitializer(*itf.uuid) : std::string("{}"));
  out.set("iidText", itf.uuid ? itf.uuid->text() : std::string());
  bool ok = true;
  OperationPlanner planner(ndr, diagnostics, itf, /*marshal=*/false);

  // The interface's own methods (the header's pure virtuals).
  mustache::data methods{mustache::data::type::list};
  mustache::data asyncMethods{mustache::data::type::list};
  bool isAsync = itf.asyncSource != sema::AsyncSource::None && itf.asyncUuid && !itf.isLocal;
  for (const auto& op : itf.operations) {
    auto parts = planner.plan(op);
    if (!parts) {
      ok = false;
      continue;
    }
    mustache::data m;
    m.set("name", parts->name);
    m.set("returnType", parts->returnType);
    m.set("params", joinParams(parts->clientParams));
    methods.push_back(m);
    if (isAsync && op.isAsync && !returnsHresult(op)) {
      diagnostics.error(op.location, "asynchronous method '" + op.name + "' must return HRESULT");
      ok = false;
    }
  }
  out.set("methods", methods);
  out.set("isAsync", isAsync);
  out.set("asyncName", "Async" + name);
  out.set("asyncIid", itf.asyncUuid ? uuidInitializer(*itf.asyncUuid) : std::string("{}"));
  out.set("asyncIidText", itf.asyncUuid ? itf.asyncUuid->text() : std::string());
  if (isAsync && itf.base && itf.base->name != "IUnknown") {
    diagnostics.error(itf.location,
                      "cannot generate call objects for '" + itf.name +
                          "': asynchronous interfaces derived from another asynchronous interface are "
                          "not generated yet");
    ok = false;
  }

  // Proxy and stub: every method of the chain but IUnknown's, on this interface's IID.
  bool marshaled = !itf.isLocal && itf.uuid;
  out.set("hasProxy", static_cast<bool>(marshaled));
  if (!marshaled) {
    out.set("asyncMethods", asyncMethods);
    return ok;
  }
  std::string ifspec = name + "_ifspec";
  mustache::data proxyMethods{mustache::data::type::list};
  mustache::data stubCases{mustache::data::type::list};
  mustache::data baseIids{mustache::data::type::list};
  std::vector<const sema::InterfaceDecl*> chain;
  for (const sema::InterfaceDecl* i = &itf; i && i->name != "IUnknown"; i = i->base)
    chain.insert(chain.begin(), i);
  uint32_t opCount = 3;
  for (const sema::InterfaceDecl* i : chain) {
    if (i != &itf) {
      mustache::data b;
      b.set("name", cppName(i->name));
      baseIids.push_back(b);
    }
    OperationPlanner chainPlanner(ndr, diagnostics, *i);
    for (const auto& op : i->operations) {
      auto parts = chainPlanner.plan(op);
      if (!parts) {
        ok = false;
        continue;
      }
      opCount = std::max(opCount, op.opnum + 1);
      bool hresult = returnsHresult(op);
      mustache::data m;
      m.set("name", parts->name);
      m.set("returnType", parts->returnType);
      m.set("params", joinParams(parts->clientParams));
      m.set("body", formatStatements(proxyBody(ifspec, *parts, hresult), 2));
      proxyMethods.push_back(m);
      if (isAsync && i == &itf && op.isAsync) {
        mustache::data a;
        a.set("name", parts->name);
        a.set("beginParams", joinParams(parts->beginParams));
        a.set("finishParams", joinParams(parts->finishParams));
        a.set("beginBody", formatStatements(beginBody(*parts), 2));
        a.set("finishBody", formatStatements(finishBody(*parts), 2));
        asyncMethods.push_back(a);
      }
      mustache::data c;
      c.set("opnum", parts->opnum);
      c.set("body",
            formatStatements(stubBody(*parts, isAsync && i == &itf && op.isAsync, "Async" + name), 4));
      stubCases.push_back(c);
    }
  }
  out.set("ifspecUuid", uuidInitializer(*itf.uuid));
  out.set("proxyMethods", proxyMethods);
  out.set("stubCases", stubCases);
  out.set("baseIids", baseIids);
  out.set("opCount", std::to_string(opCount));
  out.set("asyncMethods", asyncMethods);
  return ok;
}

}  // namespace midlc::codegen
