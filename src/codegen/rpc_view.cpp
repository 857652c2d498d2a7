// The view of RPC interfaces: client functions, the manager class and the server dispatcher.
#include "codegen/rpc_view.h"

#include <cstdio>

#include "codegen/cpp_types.h"
#include "codegen/format.h"

namespace midlc::codegen {

namespace mustache = kainjow::mustache;
using sema::Direction;
using sema::Type;

namespace {

bool isHandle(const sema::Param& p) {
  const Type* t = resolved(p.type);
  return t && t->kind == Type::Kind::Primitive && t->primitive == sema::Primitive::HandleT;
}

bool isStatus(const sema::Param& p) {
  return p.isCommStatus || p.isFaultStatus;
}

// Parameter names as C++ sees them; the few names the generated bodies use themselves get an underscore.
std::string paramName(const sema::Param& p, size_t index) {
  std::string name = cppName(p.name.empty() ? "arg" + std::to_string(index) : p.name);
  if (name == "e" || name == "d" || name == "call" || name == "binding" || name.rfind("midl_", 0) == 0)
    name += "_";
  return name;
}

// How one parameter crosses: its C++ declaration on each side and the statements that move it.
struct ParamPlan {
  std::string clientDecl;   // in the client function's parameter list
  std::string managerDecl;  // in the manager method's parameter list (empty: not passed)
  std::string local;        // server: the local that holds the value ("Type name{};")
  std::string argument;     // server: what the manager call passes
  std::string clientWrite, clientRead, serverRead, serverWrite;
};

std::string uuidInit(const sema::Uuid& u) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "{0x%08xu, 0x%04x, 0x%04x, {0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x}}",
                u.data1, u.data2, u.data3, u.data4[0], u.data4[1], u.data4[2], u.data4[3], u.data4[4],
                u.data4[5], u.data4[6], u.data4[7]);
  return buf;
}

class OperationPlanner {
 public:
  OperationPlanner(NdrCode& ndr, Diagnostics& diagnostics, const sema::InterfaceDecl& itf)
      : ndr_(ndr), diagnostics_(diagnostics), itf_(itf) {}

  bool plan(const sema::Operation& op, mustache::data& out) {
    const std::string what = "operation '" + op.name + "' of '" + itf_.name + "'";
    NdrCode::Scope scope{"", true, ""};
    std::vector<ParamPlan> plans;
    std::vector<std::string> clientParams, managerParams, arguments;
    std::string bindingName;
    std::string statusParam;
    bool explicitHandle = itf_.handleKind == sema::HandleKind::Explicit;
    for (const auto& p : op.params) {
      if (p.isContextHandle || isContextHandle(p.type))
        return fail(what, "context handles are not generated yet");
      if (resolved(p.type) && resolved(p.type)->kind == Type::Kind::Pipe)
        return fail(what, "pipes are not generated yet");
    }
    if (op.isAsync)
      return fail(what, "[async] operations are generated with the asynchronous runtime (not yet)");

    bool firstIsHandle = !op.params.empty() && isHandle(op.params.front());
    if (explicitHandle && !firstIsHandle) clientParams.push_back("const ::midlrt::Binding& binding");

    std::string clientWrite, clientRead, serverLocals, serverRead, serverWrite;
    for (size_t i = 0; i < op.params.size(); ++i) {
      const sema::Param& p = op.params[i];
      std::string name = paramName(p, i);
      std::string pwhat = "parameter '" + p.name + "' of " + what;
      if (isHandle(p)) {
        clientParams.push_back("const ::midlrt::Binding& " + name);
        if (i == 0) bindingName = name;
        managerParams.push_back("::midlrt::rpc::ServerCall& " + name);
        arguments.push_back("call");
        continue;
      }
      if (isStatus(p)) {
        clientParams.push_back("uint32_t& " + name);
        statusParam = name;
        continue;
      }
      const Type* t = p.type;
      bool in = p.direction != Direction::Out;
      bool out = p.direction != Direction::In;
      std::string local = "p_" + name;
      bool pointerLike = t && (t->kind == Type::Kind::Pointer || t->kind == Type::Kind::Array);
      if (pointerLike && t->kind == Type::Kind::Pointer && t->pointerKind != sema::PointerKind::Ref) {
        if (out) return fail(pwhat, "an [out] parameter must be a [ref] pointer");
        std::string pointee = pointeeType(t);
        clientParams.push_back("const " + pointee + "* " + name);
        managerParams.push_back("const " + pointee + "* " + name);
        serverLocals += cppType(t) + " " + local + ";\n";
        arguments.push_back(local + ".get()");
        clientWrite += ndr_.writeTopLevel(t, name, scope, pwhat, true);
        serverRead += ndr_.readTopLevel(t, local, scope, pwhat);
        continue;
      }
      if (pointerLike) {
        std::string pointee = pointeeType(t);
        clientParams.push_back((out ? pointee + "& " : "const " + pointee + "& ") + name);
        managerParams.push_back((out ? pointee + "& " : "const " + pointee + "& ") + name);
        serverLocals += pointee + " " + local + "{};\n";
        arguments.push_back(local);
        if (in) {
          clientWrite += ndr_.writeTopLevel(t, name, scope, pwhat, false);
          serverRead += ndr_.readTopLevel(t, local, scope, pwhat);
        }
        if (out) {
          clientRead += ndr_.readTopLevel(t, name, scope, pwhat);
          serverWrite += ndr_.writeTopLevel(t, local, renamed(scope), pwhat, false);
        }
        continue;
      }
      if (out) return fail(pwhat, "an [out] parameter must be a pointer");
      std::string type = cppType(t);
      const Type* r = resolved(t);
      bool byValue = r && (r->kind == Type::Kind::Primitive ||
                           (r->kind == Type::Kind::Named && r->decl->kind == sema::Decl::Kind::Enum));
      clientParams.push_back((byValue ? type + " " : "const " + type + "& ") + name);
      managerParams.push_back((byValue ? type + " " : "const " + type + "& ") + name);
      serverLocals += type + " " + local + "{};\n";
      arguments.push_back(local);
      clientWrite += ndr_.writeTopLevel(t, name, scope, pwhat, false);
      serverRead += ndr_.readTopLevel(t, local, scope, pwhat);
    }
    if (ndr_.failed()) return false;

    // Correlation between a size parameter and its vector, on both sides.
    std::string clientChecks, serverChecks;
    for (const auto& p : op.params) {
      const Type* t = p.type;
      if (!t || (t->kind != Type::Kind::Pointer && t->kind != Type::Kind::Array) || t->isString) continue;
      const sema::Expr* e = t->sizing.lengthIs ? t->sizing.lengthIs : t->sizing.sizeIs;
      if (!e || (t->kind == Type::Kind::Pointer && t->pointerKind != sema::PointerKind::Ref)) continue;
      std::string name = paramName(p, 0);
      std::string value = "static_cast<uint64_t>(" + ndr_.expression(e, scope) + ")";
      if (p.direction != Direction::Out)
        clientChecks +=
            "::midlrt::ndr::Encoder::checkSize(\"" + e->text + "\", " + value + ", " + name + ".size());\n";
      std::string serverValue = "static_cast<uint64_t>(" + ndr_.expression(e, renamed(scope)) + ")";
      if (p.direction != Direction::Out)
        serverChecks += "::midlrt::ndr::Decoder::checkCorrelation(\"" + e->text + "\", " + serverValue +
                        ", p_" + name + ".size());\n";
    }
    // [range] on parameters.
    for (const auto& p : op.params) {
      if (!p.rangeMin || !p.rangeMax || p.direction == Direction::Out) continue;
      std::string type = cppType(p.type);
      std::string bounds = "static_cast<" + type + ">(" + std::to_string(p.rangeMin->value.integer) +
                           "), static_cast<" + type + ">(" + std::to_string(p.rangeMax->value.integer) + ")";
      clientChecks += "::midlrt::ndr::Encoder::checkRange(\"parameter '" + p.name + "'\", " +
                      paramName(p, 0) + ", " + bounds + ");\n";
      serverChecks += "::midlrt::ndr::Decoder::checkRange(\"parameter '" + p.name + "'\", p_" +
                      paramName(p, 0) + ", " + bounds + ");\n";
    }

    // The return value.
    const Type* ret = op.returnType;
    const Type* rr = resolved(ret);
    bool hasResult = !(rr && rr->kind == Type::Kind::Primitive && rr->primitive == sema::Primitive::Void);
    if (hasResult && rr && (rr->kind == Type::Kind::Pointer || rr->kind == Type::Kind::Array))
      return fail(what, "returning a pointer is not generated yet");
    std::string returnType = hasResult ? cppType(ret) : "void";
    std::string clientResult, serverResult;
    if (hasResult) {
      clientRead += ndr_.readTopLevel(ret, "midl_result", scope, "the return value of " + what);
      serverWrite += ndr_.writeTopLevel(ret, "midl_result", scope, "the return value of " + what, false);
    }
    if (ndr_.failed()) return false;

    std::string binding = !bindingName.empty() ? bindingName
                          : explicitHandle     ? "binding"
                                               : itf_.implicitHandleName;
    if (binding.empty())
      return fail(what, "[auto_handle] is not supported; use explicit or implicit handles");
    std::string opnum = std::to_string(op.opnum);
    std::string ifspec = cppName(itf_.name) + "_ifspec";

    // Client body.
    std::string body = clientChecks;
    body += "::midlrt::rpc::Message midl_request = ::midlrt::rpc::Message::acquire();\n";
    body += "{\n::midlrt::ndr::Encoder e(midl_request.buffer(), midl_request.headroom());\n" + clientWrite +
            "}\n";
    if (hasResult) body += returnType + " midl_result{};\n";
    bool statusReturn = op.hasCommStatusReturn || op.hasFaultStatusReturn;
    if (!statusParam.empty() || statusReturn) {
      body += "::midlrt::rpc::Reply midl_reply;\n";
      body += "const uint32_t midl_status = " + binding + "->tryInvoke(" + ifspec + ", " + opnum +
              ", midl_request, midl_reply);\n";
      if (!statusParam.empty()) body += statusParam + " = midl_status;\n";
      body += "if (midl_status != 0) return" +
              std::string(statusReturn ? " midl_status"
                          : hasResult  ? " midl_result"
                                       : "") +
              ";\n";
    } else {
      body += "::midlrt::rpc::Reply midl_reply = " + binding + "->invoke(" + ifspec + ", " + opnum +
              ", midl_request);\n";
    }
    if (!clientRead.empty())
      body += "::midlrt::ndr::Decoder d(midl_reply.data(), midl_reply.size());\n" + clientRead;
    if (hasResult) body += "return midl_result;\n";

    // Server case.
    std::string server = serverLocals;
    if (!serverRead.empty())
      server += "{\n::midlrt::ndr::Decoder d(call.requestData(), call.requestSize());\n" + serverRead + "}\n";
    server += serverChecks;
    std::string args;
    for (size_t i = 0; i < arguments.size(); ++i) args += (i ? ", " : "") + arguments[i];
    server += (hasResult ? "const " + returnType + " midl_result = " : std::string()) + "manager_->" +
              cppName(op.name) + "(" + args + ");\n";
    if (!serverWrite.empty())
      server +=
          "::midlrt::ndr::Encoder e(call.response().buffer(), call.response().headroom());\n" + serverWrite;
    server += "return;\n";

    auto join = [](const std::vector<std::string>& list) {
      std::string s;
      for (size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + list[i];
      return s;
    };
    out.set("name", cppName(op.name));
    out.set("opnum", opnum);
    out.set("returnType", returnType);
    out.set("clientParams", join(clientParams));
    out.set("managerParams", join(managerParams));
    out.set("clientBody", formatStatements(body, 1));
    out.set("serverBody", formatStatements(server, 3));
    return true;
  }

 private:
  static NdrCode::Scope renamed(NdrCode::Scope scope) {
    scope.paramPrefix = "p_";  // server locals are p_<name>
    return scope;
  }

  static bool isContextHandle(const Type* t) {
    for (int guard = 0; t && guard < 100; ++guard) {
      if (t->kind == Type::Kind::Named && t->decl->kind == sema::Decl::Kind::Typedef) {
        if (static_cast<const sema::TypedefDecl*>(t->decl)->isContextHandle) return true;
        t = static_cast<const sema::TypedefDecl*>(t->decl)->type;
      } else if (t->kind == Type::Kind::Pointer) {
        t = t->element;
      } else {
        return false;
      }
    }
    return false;
  }

  bool fail(const std::string& what, const std::string& why) {
    diagnostics_.error(itf_.location, "cannot generate " + what + ": " + why);
    return false;
  }

  NdrCode& ndr_;
  Diagnostics& diagnostics_;
  const sema::InterfaceDecl& itf_;
};

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
    mustache::data i;
    i.set("name", cppName(itf->name));
    i.set("uuid", uuidInit(*itf->uuid));
    i.set("uuidText", itf->uuid->text());
    i.set("major", std::to_string(itf->versionMajor));
    i.set("minor", std::to_string(itf->versionMinor));
    i.set("opCount", std::to_string(itf->operations.size()));
    i.set("hasImplicitHandle", itf->handleKind == sema::HandleKind::Implicit);
    i.set("implicitHandle", cppName(itf->implicitHandleName));
    mustache::data ops{mustache::data::type::list};
    OperationPlanner planner(ndr, diagnostics, *itf);
    for (const auto& op : itf->operations) {
      mustache::data o;
      if (!planner.plan(op, o)) {
        ok = false;
        continue;
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
