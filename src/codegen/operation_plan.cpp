// The plan of one operation (see operation_plan.h).
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

// Parameter names as C++ sees them (cppName keeps them clear of every name generated code declares).
std::string paramName(const sema::Param& p, size_t index) {
  return cppName(p.name.empty() ? "arg" + std::to_string(index) : p.name);
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

const ExprScope kClientScope{"", true, ""};
const ExprScope kServerScope{"", true, ""};

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

// ---- what the views ask ----

namespace {

template <typename F>
std::vector<std::string> collect(const std::vector<ParamPlan>& params, F field) {
  std::vector<std::string> out;
  for (const auto& p : params)
    if (std::string s = field(p); !s.empty()) out.push_back(std::move(s));
  return out;
}

bool marshaledParam(const ParamPlan& p) {
  return p.kind != ParamPlan::Kind::Binding && p.kind != ParamPlan::Kind::Status;
}

}  // namespace

std::vector<std::string> OperationPlan::clientParams() const {
  return collect(params, [](const ParamPlan& p) { return p.clientDecl; });
}
std::vector<std::string> OperationPlan::managerParams() const {
  return collect(params, [](const ParamPlan& p) { return p.managerDecl; });
}
std::vector<std::string> OperationPlan::arguments() const {
  return collect(params, [](const ParamPlan& p) { return p.argument; });
}
std::vector<std::string> OperationPlan::beginParams() const {
  return collect(params, [](const ParamPlan& p) { return p.beginDecl; });
}
std::vector<std::string> OperationPlan::beginArgs() const {
  return collect(params, [](const ParamPlan& p) { return p.beginArg; });
}
std::vector<std::string> OperationPlan::finishParams() const {
  return collect(params, [](const ParamPlan& p) { return p.finishDecl; });
}
std::vector<std::string> OperationPlan::finishArgs() const {
  return collect(params, [](const ParamPlan& p) { return p.finishArg; });
}

std::vector<std::string> OperationPlan::outNames() const {
  std::vector<std::string> out;
  for (const auto& p : params)
    if (p.out && marshaledParam(p)) out.push_back(p.name);
  return out;
}

std::vector<const ParamPlan*> OperationPlan::serverLocals() const {
  std::vector<const ParamPlan*> out;
  for (const auto& p : params)
    if (!p.local.empty()) out.push_back(&p);
  return out;
}

wire::Steps OperationPlan::clientRequest() const {
  wire::Steps out;
  for (const auto& p : params)
    if (p.in && p.kind != ParamPlan::Kind::Pipe)
      out.insert(out.end(), p.clientWire.begin(), p.clientWire.end());
  for (const auto& p : params)  // [in] pipes follow the other [in] parameters
    if (p.in && p.kind == ParamPlan::Kind::Pipe) out.push_back(p.clientWire.front());
  return out;
}

wire::Steps OperationPlan::clientReply() const {
  wire::Steps out;
  for (const auto& p : params)  // [out] pipes come before the other [out] parameters
    if (p.out && p.kind == ParamPlan::Kind::Pipe) out.push_back(p.clientWire.back());
  for (const auto& p : params)
    if (p.out && p.kind != ParamPlan::Kind::Pipe)
      out.insert(out.end(), p.clientWire.begin(), p.clientWire.end());
  out.insert(out.end(), resultClientWire.begin(), resultClientWire.end());
  return out;
}

wire::Steps OperationPlan::serverRequest() const {
  wire::Steps out;
  for (const auto& p : params)
    if (p.in && p.kind != ParamPlan::Kind::Pipe)
      out.insert(out.end(), p.serverWire.begin(), p.serverWire.end());
  return out;
}

wire::Steps OperationPlan::serverReply() const {
  wire::Steps out;
  for (const auto& p : params)
    if (p.out && p.kind != ParamPlan::Kind::Pipe)
      out.insert(out.end(), p.serverWire.begin(), p.serverWire.end());
  out.insert(out.end(), resultServerWire.begin(), resultServerWire.end());
  return out;
}

// ---- planning ----

OperationPlan OperationPlanner::plan(const sema::Operation& op) {
  const std::string what = "operation '" + op.name + "' of '" + itf_.name + "'";
  OperationPlan plan;
  plan.name = cppName(op.name);
  plan.opnum = op.opnum;
  plan.isAsync = op.isAsync;
  Locals clientLocals, serverLocals;
  for (size_t i = 0; i < op.params.size(); ++i)
    parameter(op.params[i], i, plan, clientLocals, serverLocals,
              "parameter '" + op.params[i].name + "' of " + what);

  if (marshal_) {
    // Correlation between a size parameter and its vector, on both sides.
    for (const auto& p : op.params) {
      const Type* t = p.type;
      if (!t || (t->kind != Type::Kind::Pointer && t->kind != Type::Kind::Array) || t->isString) continue;
      const sema::Expr* e = t->sizing.lengthIs ? t->sizing.lengthIs : t->sizing.sizeIs;
      if (!e || (t->kind == Type::Kind::Pointer && t->pointerKind != sema::PointerKind::Ref)) continue;
      if (p.direction == Direction::Out) continue;
      const std::string name = paramName(p, 0);
      plan.clientSizeChecks.push_back({e->text, wire_.expression(e, kClientScope), name, ""});
      plan.serverSizeChecks.push_back({e->text, wire_.expression(e, kServerScope), name, ""});
    }
    // [range] on parameters: on the value, or on the length of a string (with its terminator) or array.
    for (const auto& p : op.params) {
      if (!p.rangeMin || !p.rangeMax || p.direction == Direction::Out) continue;
      const std::string min = std::to_string(p.rangeMin->value.integer);
      const std::string max = std::to_string(p.rangeMax->value.integer);
      const std::string what = "parameter '" + p.name + "'";
      const std::string name = paramName(p, 0);
      if (!p.rangeOfLength) {
        plan.clientRangeChecks.push_back({what, name, cppType(p.type), min, max, ""});
        plan.serverRangeChecks.push_back({what, name, cppType(p.type), min, max, ""});
        continue;
      }
      const Type* t = resolved(p.type);
      const bool optional = t->kind == Type::Kind::Pointer && t->pointerKind != sema::PointerKind::Ref;
      const std::string container = optional ? "(*" + name + ")" : name;
      const std::string length =
          "static_cast<uint64_t>(" + container + ".size()" + (t->isString ? " + 1" : "") + ")";
      const std::string guard = optional ? name : "";
      plan.clientRangeChecks.push_back({"the length of " + what, length, "uint64_t", min, max, guard});
      plan.serverRangeChecks.push_back({"the length of " + what, length, "uint64_t", min, max, guard});
    }
  }

  if (marshal_) {
    // An [in] union's discriminant against its [switch_is] (MS-RPCE's correlation check; struct codecs
    // check the unions they hold): on the client before the request goes, on the server once it is read.
    for (const auto& p : op.params) {
      if (!p.switchIs || p.direction == Direction::Out) continue;
      const std::string name = paramName(p, 0);
      const Type* t = p.type;
      const bool optional = t && t->kind == Type::Kind::Pointer && t->pointerKind != sema::PointerKind::Ref;
      const std::string value = optional ? "(*" + name + ")" : name, guard = optional ? name : "";
      const std::string what = "parameter '" + p.name + "'";
      plan.clientSwitchChecks.push_back(
          {what, p.switchIs->text, value, wire_.expression(p.switchIs, kClientScope), guard});
      plan.serverSwitchChecks.push_back(
          {what, p.switchIs->text, value, wire_.expression(p.switchIs, kServerScope), guard});
    }
  }

  const Type* ret = op.returnType;
  const Type* rr = resolved(ret);
  plan.hasResult = !(rr && rr->kind == Type::Kind::Primitive && rr->primitive == sema::Primitive::Void);
  plan.returnType = plan.hasResult ? cppType(ret) : "void";
  // A serialization procedure's result is not encoded (sema warns): only its arguments are.
  if (plan.hasResult && marshal_ && !op.isPickled()) {
    const std::string rwhat = "the return value of " + what;
    plan.resultClientWire =
        wire_.topLevel(ret, Value{"midl_result", "result"}, kClientScope, clientLocals, rwhat);
    plan.resultServerWire =
        wire_.topLevel(ret, Value{"midl_result", "result"}, kClientScope, serverLocals, rwhat);
  }
  plan.statusReturn = op.hasCommStatusReturn || op.hasFaultStatusReturn;
  return plan;
}

void OperationPlanner::parameter(const sema::Param& p, size_t index, OperationPlan& plan,
                                 Locals& clientLocals, Locals& serverLocals, const std::string& what) {
  ParamPlan param;
  param.idlName = p.name;
  param.name = paramName(p, index);
  param.in = p.direction != Direction::Out;
  param.out = p.direction != Direction::In;
  const std::string& name = param.name;
  const Value client{name, p.name.empty() ? name : p.name};
  const Value server{name, client.path};  // the server holds each parameter in a local of its name
  const Type* t = p.type;

  if (isHandle(p) && !itf_.isObject) {
    param.kind = ParamPlan::Kind::Binding;
    param.clientDecl = "const ::midlrt::Binding& " + name;
    if (index == 0) plan.bindingParam = name;
    param.managerDecl = "::midlrt::rpc::ServerCall& " + name;
    param.argument = "midl_call";
    plan.params.push_back(std::move(param));
    return;
  }
  if (p.isCommStatus || p.isFaultStatus) {
    param.kind = ParamPlan::Kind::Status;
    param.clientDecl = "uint32_t& " + name;
    plan.statusParam = name;
    plan.params.push_back(std::move(param));
    return;
  }
  param.local = server.expr;
  param.argument = server.expr;

  if (const Type* pipe = pipeOf(t)) {
    param.kind = ParamPlan::Kind::Pipe;
    const Type* element = resolved(pipe)->element;
    param.type = cppType(pipe);
    param.valueInitialized = false;
    param.pipe.elementType = cppType(element);
    param.clientDecl = param.type + "& " + name;
    param.managerDecl = param.clientDecl;
    if (marshal_) {
      if (param.in) {
        Locals writerLocals, readerLocals;
        param.pipe.inIndex = static_cast<int>(plan.inPipes++);
        param.clientWire.push_back(wire::PipeOut{name, wire_.pipeInPlaceAlignment(element),
                                                 wire_.pipeChunk(element, "midl_c", "", writerLocals, what)});
        param.pipe.reader = wire_.pipeChunk(element, "midl_c", "", readerLocals, what);
      }
      if (param.out) {
        Locals writerLocals, readerLocals;
        param.pipe.outIndex = static_cast<int>(plan.outPipes++);
        param.clientWire.push_back(
            wire::PipeIn{name, wire_.pipeChunk(element, "midl_c", "midl_n", readerLocals, what)});
        param.pipe.writer = wire_.pipeChunk(element, "midl_c", "", writerLocals, what);
      }
    }
    plan.params.push_back(std::move(param));
    return;
  }

  if (p.isContextHandle || isContextHandle(t)) {
    // The client holds an opaque handle; the server's manager sees the state it keeps for the client.
    param.kind = ParamPlan::Kind::ContextHandle;
    param.type = "std::shared_ptr<void>";
    param.valueInitialized = false;
    param.contextIdLocal = "midl_" + name + "_id";
    param.clientDecl =
        (param.out ? "::midlrt::rpc::ContextHandle& " : "const ::midlrt::rpc::ContextHandle& ") + name;
    param.managerDecl = (param.out ? "std::shared_ptr<void>& " : "const std::shared_ptr<void>& ") + name;
    if (param.out) plan.serverWriteNeedsCall = true;
    if (marshal_) {
      param.clientWire.push_back(wire::ClientContext{name});
      param.serverWire.push_back(wire::ServerContext{server.expr, param.contextIdLocal});
    }
    plan.params.push_back(std::move(param));
    return;
  }

  // A [ref] pointer spelled through a typedef (PULONG, REFIID) is the top-level pointer, which has no wire
  // form of its own; the parameter is spelled by the typedef, which names the pointee.
  const Type* level = t;
  std::string referenceType;
  if (const Type* r = resolved(t); t && t->kind == Type::Kind::Named && !sema::conversionOf(t) && r &&
                                   r->kind == Type::Kind::Pointer &&
                                   r->pointerKind == sema::PointerKind::Ref) {
    level = r;
    referenceType = cppType(t);
  }
  const bool pointerLike = level && (level->kind == Type::Kind::Pointer || level->kind == Type::Kind::Array);
  if (pointerLike && t->kind == Type::Kind::Pointer && t->pointerKind != sema::PointerKind::Ref) {
    param.kind = ParamPlan::Kind::Optional;
    const std::string pointee = pointeeType(t);
    param.type = cppType(t);
    param.valueInitialized = false;
    // [in]: a `const P*`. [in,out]: the smart pointer itself, which the manager may set, clear or replace
    // (an [out]-only one is only ever in a signature: sema refuses it where it is marshaled).
    param.clientDecl = param.out ? param.type + "& " + name : "const " + pointee + "* " + name;
    param.managerDecl = param.clientDecl;
    param.beginDecl = "const " + pointee + "* " + name;
    param.beginArg = server.expr + ".get()";
    param.argument = param.out ? server.expr : server.expr + ".get()";
    if (param.out) {
      param.finishDecl = param.type + "& " + name;
      param.finishArg = server.expr;
    }
    if (marshal_) {
      param.clientWire =
          wire_.topLevel(t, client, kClientScope, clientLocals, what, /*rawPointer=*/!param.out);
      param.serverWire = wire_.topLevel(t, server, kServerScope, serverLocals, what);
    }
    plan.params.push_back(std::move(param));
    return;
  }
  // A pointer to void (a [local] method's buffer, [in] or [out], an [iid_is] object) is a plain C++
  // pointer: there is no value to refer to. Only ever in a signature: sema refuses it where it is marshaled.
  if (const Type* pointee = level && level->kind == Type::Kind::Pointer ? resolved(level->element) : nullptr;
      pointee && pointee->kind == Type::Kind::Primitive && pointee->primitive == sema::Primitive::Void) {
    param.kind = ParamPlan::Kind::Value;
    param.type = level->element->isConst ? "const void*" : "void*";
    param.clientDecl = param.managerDecl = param.beginDecl = param.type + " " + name;
    param.beginArg = param.argument = server.expr;
    plan.params.push_back(std::move(param));
    return;
  }
  if (pointerLike) {
    param.kind = ParamPlan::Kind::Reference;
    param.type = referenceType.empty() ? pointeeType(t) : referenceType;
    param.clientDecl = (param.out ? param.type + "& " : "const " + param.type + "& ") + name;
    param.managerDecl = param.clientDecl;
    if (param.in) {
      param.beginDecl = "const " + param.type + "& " + name;
      param.beginArg = server.expr;
    }
    if (param.out) {
      param.finishDecl = param.type + "& " + name;
      param.finishArg = server.expr;
    }
    if (marshal_) {
      param.clientWire = wire_.topLevel(level, client, kClientScope, clientLocals, what);
      param.serverWire = wire_.topLevel(level, server, kServerScope, serverLocals, what);
    }
    plan.params.push_back(std::move(param));
    return;
  }
  param.kind = ParamPlan::Kind::Value;
  param.type = cppType(t);
  const Type* r = resolved(t);
  // A typedef with a conversion is passed as its application's type, by const& whatever it converts to.
  const bool byValue = r && !sema::conversionOf(t) &&
                       (r->kind == Type::Kind::Primitive ||
                        (r->kind == Type::Kind::Named && r->decl->kind == sema::Decl::Kind::Enum));
  // An [out] value is only ever in a signature (sema refuses it where it is marshaled).
  param.clientDecl = (param.out ? param.type + "& "
                      : byValue ? param.type + " "
                                : "const " + param.type + "& ") +
                     name;
  param.managerDecl = param.clientDecl;
  param.beginDecl = param.clientDecl;
  param.beginArg = server.expr;
  if (marshal_) {
    param.clientWire = wire_.topLevel(t, client, kClientScope, clientLocals, what);
    param.serverWire = wire_.topLevel(t, server, kServerScope, serverLocals, what);
  }
  plan.params.push_back(std::move(param));
}

}  // namespace midlc::codegen
