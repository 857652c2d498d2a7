// The plan of one operation's marshaling (see operation_plan.h).
#include "codegen/operation_plan.h"

#include <cstdio>

#include "codegen/cpp_types.h"

namespace midlc::codegen {

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
  if (name == "e" || name == "d" || name == "call" || name == "binding" || name == "itf" ||
      name == "response" || name.rfind("midl_", 0) == 0)
    name += "_";
  return name;
}

NdrCode::Scope renamed(NdrCode::Scope scope) {
  scope.paramPrefix = "p_";  // server locals are p_<name>
  return scope;
}

bool isContextHandle(const Type* t) {
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

}  // namespace

std::string joinParams(const std::vector<std::string>& list) {
  std::string s;
  for (size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + list[i];
  return s;
}

std::string uuidInitializer(const sema::Uuid& u) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "{0x%08xu, 0x%04x, 0x%04x, {0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x}}",
                u.data1, u.data2, u.data3, u.data4[0], u.data4[1], u.data4[2], u.data4[3], u.data4[4],
                u.data4[5], u.data4[6], u.data4[7]);
  return buf;
}

std::string OperationPlanner::writeTop(const Type* t, const std::string& expr, const NdrCode::Scope& scope,
                                       const std::string& what, bool rawPointer) {
  return marshal_ ? ndr_.writeTopLevel(t, expr, scope, what, rawPointer) : std::string();
}

std::string OperationPlanner::readTop(const Type* t, const std::string& expr, const NdrCode::Scope& scope,
                                      const std::string& what) {
  return marshal_ ? ndr_.readTopLevel(t, expr, scope, what) : std::string();
}

std::nullopt_t OperationPlanner::fail(const std::string& what, const std::string& why) {
  diagnostics_.error(where_, "cannot generate " + what + ": " + why);
  return std::nullopt;
}

std::optional<OperationParts> OperationPlanner::plan(const sema::Operation& op) {
  const std::string what = "operation '" + op.name + "' of '" + itf_.name + "'";
  where_ = op.location;
  ndr_.at(op.location);
  NdrCode::Scope scope{"", true, ""};
  OperationParts parts;
  auto& clientParams = parts.clientParams;
  auto& managerParams = parts.managerParams;
  auto& arguments = parts.arguments;
  std::string& bindingName = parts.bindingName;
  std::string& statusParam = parts.statusParam;
  for (const auto& p : op.params) {
    if (pipeOf(p.type) && itf_.isObject && marshal_)
      return fail(what, "pipes cannot be used in object interfaces");
  }

  std::string& clientWrite = parts.clientWrite;
  std::string& clientRead = parts.clientRead;
  std::string& serverLocals = parts.serverLocals;
  std::string& serverRead = parts.serverRead;
  std::string& serverWrite = parts.serverWrite;
  std::string pipeWrites, pipeReads;
  for (size_t i = 0; i < op.params.size(); ++i) {
    const sema::Param& p = op.params[i];
    std::string name = paramName(p, i);
    std::string pwhat = "parameter '" + p.name + "' of " + what;
    if (isHandle(p) && !itf_.isObject) {
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
    if (const Type* pipe = pipeOf(t)) {
      const Type* r = resolved(t);
      if (r->kind == Type::Kind::Pointer && r->pointerKind != sema::PointerKind::Ref)
        return fail(pwhat, "a pipe is passed by value or by [ref] pointer");
      const Type* element = resolved(pipe)->element;
      if (std::string why = ndr_.pipeElementProblem(element); !why.empty()) return fail(pwhat, why);
      std::string type = cppType(pipe);
      std::string elementType = cppType(element);
      clientParams.push_back(type + "& " + name);
      managerParams.push_back(type + "& " + name);
      serverLocals += type + " " + local + ";\n";
      parts.localNames.push_back(local);
      arguments.push_back(local);
      if (!marshal_) continue;
      parts.clientChecks += "::midlrt::ndr::checkPipe(" + name + ", " + (in ? "true" : "false") + ", " +
                            (out ? "true" : "false") + ", \"'" + p.name + "'\");\n";
      // [in] pipes follow the other [in] parameters; [out] pipes come before the other [out] ones.
      std::string pull = "{}", push = "{}";
      if (in) {
        if (unsigned alignment = ndr_.pipeInPlaceAlignment(element))
          pipeWrites += "::midlrt::ndr::writePipeInPlace(e, " + name + ", " + std::to_string(alignment) + ");\n";
        else
          pipeWrites +=
              "::midlrt::ndr::writePipe(e, " + name + ", " + ndr_.pipeSpanWriter(element, pwhat) + ");\n";
        pull = "::midlrt::ndr::pipeReader<" + elementType + ">(midl_pipe_d, midl_in_pipes, " +
               std::to_string(parts.inPipes++) + ", " + ndr_.pipeSpanReader(element, pwhat) + ")";
      }
      if (out) {
        pipeReads +=
            "::midlrt::ndr::readPipe(d, " + name + ", " + ndr_.pipeChunkReader(element, pwhat) + ");\n";
        parts.outNames.push_back(name);
        push = "::midlrt::ndr::pipeWriter<" + elementType + ">(midl_pipe_e, midl_out_pipes, " +
               std::to_string(parts.outPipes++) + ", " + ndr_.pipeSpanWriter(element, pwhat) + ")";
      }
      parts.pipeSetup += local + " = " + type + "(" + pull + ", " + push + ");\n";
      continue;
    }
    if (p.isContextHandle || isContextHandle(t)) {
      // The client holds an opaque handle; the server's manager sees the state it keeps for the client.
      clientParams.push_back(
          (out ? "::midlrt::rpc::ContextHandle& " : "const ::midlrt::rpc::ContextHandle& ") + name);
      managerParams.push_back((out ? "std::shared_ptr<void>& " : "const std::shared_ptr<void>& ") + name);
      serverLocals += "std::shared_ptr<void> " + local + ";\n::midlrt::rpc::Uuid " + local + "_id{};\n";
      parts.localNames.push_back(local);
      parts.localNames.push_back(local + "_id");
      arguments.push_back(local);
      if (in) {
        if (marshal_) clientWrite += "::midlrt::rpc::writeContextHandle(e, " + name + ");\n";
        if (marshal_)
          serverRead += local + " = ::midlrt::rpc::readServerContext(d, call, " + local + "_id);\n";
      }
      if (out) {
        parts.outNames.push_back(name);
        parts.serverWriteNeedsCall = true;
        if (marshal_) clientRead += name + " = ::midlrt::rpc::readContextHandle(d);\n";
        if (marshal_)
          serverWrite += "::midlrt::rpc::writeServerContext(e, call, " + local + "_id, " + local + ");\n";
      }
      continue;
    }
    bool pointerLike = t && (t->kind == Type::Kind::Pointer || t->kind == Type::Kind::Array);
    if (pointerLike && t->kind == Type::Kind::Pointer && t->pointerKind != sema::PointerKind::Ref) {
      if (out) return fail(pwhat, "an [out] parameter must be a [ref] pointer");
      std::string pointee = pointeeType(t);
      clientParams.push_back("const " + pointee + "* " + name);
      managerParams.push_back("const " + pointee + "* " + name);
      parts.beginParams.push_back("const " + pointee + "* " + name);
      parts.beginArgs.push_back(local + ".get()");
      serverLocals += cppType(t) + " " + local + ";\n";
      parts.localNames.push_back(local);
      arguments.push_back(local + ".get()");
      clientWrite += writeTop(t, name, scope, pwhat, true);
      serverRead += readTop(t, local, scope, pwhat);
      continue;
    }
    if (pointerLike) {
      std::string pointee = pointeeType(t);
      clientParams.push_back((out ? pointee + "& " : "const " + pointee + "& ") + name);
      managerParams.push_back((out ? pointee + "& " : "const " + pointee + "& ") + name);
      serverLocals += pointee + " " + local + "{};\n";
      parts.localNames.push_back(local);
      if (in) {
        parts.beginParams.push_back("const " + pointee + "& " + name);
        parts.beginArgs.push_back(local);
      }
      if (out) {
        parts.outNames.push_back(name);
        parts.finishParams.push_back(pointee + "& " + name);
        parts.finishArgs.push_back(local);
        parts.outLocals += pointee + " " + local + "{};\n";
      }
      arguments.push_back(local);
      if (in) {
        clientWrite += writeTop(t, name, scope, pwhat, false);
        serverRead += readTop(t, local, scope, pwhat);
      }
      if (out) {
        clientRead += readTop(t, name, scope, pwhat);
        serverWrite += writeTop(t, local, renamed(scope), pwhat, false);
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
    parts.beginParams.push_back((byValue ? type + " " : "const " + type + "& ") + name);
    parts.beginArgs.push_back(local);
    serverLocals += type + " " + local + "{};\n";
    parts.localNames.push_back(local);
    arguments.push_back(local);
    clientWrite += writeTop(t, name, scope, pwhat, false);
    serverRead += readTop(t, local, scope, pwhat);
  }
  if (ndr_.failed()) return std::nullopt;
  clientWrite += pipeWrites;
  clientRead = pipeReads + clientRead;

  // Correlation between a size parameter and its vector, on both sides.
  std::string& clientChecks = parts.clientChecks;
  std::string& serverChecks = parts.serverChecks;
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
    clientChecks += "::midlrt::ndr::Encoder::checkRange(\"parameter '" + p.name + "'\", " + paramName(p, 0) +
                    ", " + bounds + ");\n";
    serverChecks += "::midlrt::ndr::Decoder::checkRange(\"parameter '" + p.name + "'\", p_" +
                    paramName(p, 0) + ", " + bounds + ");\n";
  }

  // The return value.
  const Type* ret = op.returnType;
  const Type* rr = resolved(ret);
  bool hasResult = !(rr && rr->kind == Type::Kind::Primitive && rr->primitive == sema::Primitive::Void);
  if (hasResult && rr && (rr->kind == Type::Kind::Pointer || rr->kind == Type::Kind::Array))
    return fail(what, "returning a pointer is not generated yet");
  if (hasResult && rr && rr->kind == Type::Kind::Pipe) return fail(what, "an operation cannot return a pipe");
  parts.hasResult = hasResult;
  parts.returnType = hasResult ? cppType(ret) : "void";
  if (hasResult) {
    clientRead += readTop(ret, "midl_result", scope, "the return value of " + what);
    serverWrite += writeTop(ret, "midl_result", scope, "the return value of " + what, false);
  }
  if (ndr_.failed()) return std::nullopt;
  parts.statusReturn = op.hasCommStatusReturn || op.hasFaultStatusReturn;
  parts.opnum = std::to_string(op.opnum);
  parts.name = cppName(op.name);
  return parts;
}

}  // namespace midlc::codegen
