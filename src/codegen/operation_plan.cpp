// The plan of one operation (see operation_plan.h).
#include "codegen/operation_plan.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <unordered_set>
#include <vector>

#include "codegen/cpp_types.h"
#include "sema/remoting.h"

namespace midlc::codegen {

using sema::Direction;
using sema::Type;

namespace {

// Whether decoding a value of `type` may create objects through full ([ptr]) pointers, anywhere inside it
// (fields, union arms, elements, pointees, the wire type of a conversion). Iterative: type chains may be
// long.
bool mayHoldFullPointers(const Type* type) {
  std::vector<const Type*> stack{type};
  std::unordered_set<const sema::Decl*> seen;
  while (!stack.empty()) {
    const Type* t = stack.back();
    stack.pop_back();
    if (t == nullptr) continue;
    switch (t->kind) {
      case Type::Kind::Pointer:
        if (t->pointerKind == sema::PointerKind::Full) return true;
        stack.push_back(t->element);
        break;
      case Type::Kind::Array:
        stack.push_back(t->element);
        break;
      case Type::Kind::Named: {
        const sema::Decl* d = t->decl;
        if (d == nullptr || !seen.insert(d).second) break;
        if (d->kind == sema::Decl::Kind::Typedef) {
          const auto* td = static_cast<const sema::TypedefDecl*>(d);
          stack.push_back(td->wireType != nullptr ? td->wireType : td->type);
          if (td->wireType != nullptr) stack.push_back(td->type);
        } else if (d->kind == sema::Decl::Kind::Struct) {
          for (const auto& f : static_cast<const sema::StructDecl*>(d)->fields) stack.push_back(f.type);
        } else if (d->kind == sema::Decl::Kind::Union) {
          for (const auto& arm : static_cast<const sema::UnionDecl*>(d)->arms)
            if (arm.field) stack.push_back(arm.field->type);
        }
        break;
      }
      default:
        break;  // primitives, pipes (their elements hold no pointers), function types
    }
  }
  return false;
}

bool isHandle(const sema::Param& p) {
  const Type* t = resolved(p.type);
  return t && t->kind == Type::Kind::Primitive && t->primitive == sema::Primitive::HandleT;
}

// Parameter names as C++ sees them (cppName keeps them clear of every name generated code declares).
std::string paramName(const sema::Param& p, size_t index) {
  return p.name.empty() ? "arg" + std::to_string(index) : paramCppName(p);
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

// An array parameter's sized level: the parameter itself ([size_is(n)] T* or T[]), or the [unique] pointer
// a [ref] one points to ([out, size_is(, *n)] T**), with the C++ container and, if optional, its pointer.
struct SizedParam {
  const Type* level = nullptr;
  std::string container, guard;
};
bool sized(const Type* t) {
  return t && (t->kind == Type::Kind::Pointer || t->kind == Type::Kind::Array) && !t->isString &&
         (t->sizing.sizeIs || t->sizing.maxIs || t->sizing.lengthIs);
}
std::optional<SizedParam> sizedParam(const Type* t, const std::string& name) {
  if (sized(t)) {
    if (t->kind == Type::Kind::Pointer && t->pointerKind != sema::PointerKind::Ref)
      return SizedParam{t, "(*" + name + ")", name};
    return SizedParam{t, name, ""};
  }
  if (t && t->kind == Type::Kind::Pointer && t->pointerKind == sema::PointerKind::Ref && !t->sizing.any() &&
      sized(t->element) && t->element->kind == Type::Kind::Pointer &&
      t->element->pointerKind != sema::PointerKind::Ref)
    return SizedParam{t->element, "(*" + name + ")", name};
  return std::nullopt;
}

// The conformant array a parameter's wire plan makes of `container`, if any.
wire::ConformantArray* findArray(wire::Steps& steps, const std::string& container) {
  for (auto& step : steps) {
    if (auto* a = std::get_if<wire::ConformantArray>(&step.node); a && a->value == container) return a;
    if (auto* p = std::get_if<wire::TopPointer>(&step.node))
      if (auto* a = findArray(p->body, container)) return a;
  }
  return nullptr;
}

// The [string] a parameter's wire plan makes of `value`, if any.
wire::String* findString(wire::Steps& steps, const std::string& value) {
  for (auto& step : steps) {
    if (auto* s = std::get_if<wire::String>(&step.node); s && s->value == value) return s;
    if (auto* p = std::get_if<wire::TopPointer>(&step.node))
      if (auto* s = findString(p->body, value)) return s;
  }
  return nullptr;
}

void collectParams(const sema::Expr* e, std::vector<const sema::Param*>& out) {
  if (!e) return;
  if (e->kind == sema::Expr::Kind::ParamRef && e->param) out.push_back(e->param);
  for (const sema::Expr* o : e->operands) collectParams(o, out);
}

// `guard` (a pointer that must not be NULL, or "") and the [unique]/[ptr] parameters `exprs` read.
std::string guarded(const sema::Operation& op, std::initializer_list<const sema::Expr*> exprs,
                    std::string guard) {
  std::vector<const sema::Param*> read;
  for (const sema::Expr* e : exprs) collectParams(e, read);
  for (size_t i = 0; i < op.params.size(); ++i)
    if (isOptionalParam(&op.params[i]) && std::find(read.begin(), read.end(), &op.params[i]) != read.end()) {
      const std::string name = paramName(op.params[i], i);
      if (guard != name && guard.find(name + " && ") != 0)
        guard = guard.empty() ? name : name + " && " + guard;
    }
  return guard;
}

}  // namespace

// NDR correlation of array parameters (C706 14.3.3, MS-RPCE 2.2.5.2.5): each side checks the sizes it is
// about to send against the [size_is]/[length_is] values, and the counts it received against them once the
// whole message is read: the client its request before sending and its reply after reading, the server the
// request before the manager runs and the reply before sending it.
void OperationPlanner::correlate(const sema::Operation& op, OperationPlan& plan) {
  // The client checks its reply after the call: the [in] parameters those checks read are kept for it, by
  // value (an asynchronous call's caller need not keep them). An [in] [unique] one is not kept, and a check
  // that reads it is the server's alone.
  auto keepInputs = [&](std::initializer_list<const sema::Expr*> exprs) {
    std::vector<size_t> kept;
    for (const sema::Expr* e : exprs) {
      std::vector<const sema::Param*> read;
      collectParams(e, read);
      for (const sema::Param* r : read)
        for (size_t j = 0; j < op.params.size(); ++j)
          if (&op.params[j] == r && r->direction == Direction::In) {
            if (plan.params[j].kind == ParamPlan::Kind::Optional) return false;
            kept.push_back(j);
          }
    }
    for (size_t j : kept)
      if (std::find(plan.replyCheckInputs.begin(), plan.replyCheckInputs.end(), j) ==
          plan.replyCheckInputs.end())
        plan.replyCheckInputs.push_back(j);
    return true;
  };
  for (size_t i = 0; i < op.params.size(); ++i) {
    const sema::Param& p = op.params[i];
    const std::string name = paramName(p, i);
    const std::optional<SizedParam> s = sizedParam(p.type, name);
    if (!s) continue;
    const sema::Sizing& z = s->level->sizing;
    if (z.firstIs || z.lastIs) continue;  // refused for parameters (wire planner)
    const sema::Expr* max = z.sizeIs ? z.sizeIs : z.maxIs;
    const std::string maxValue = max ? wire_.expression(max, kClientScope) + (z.sizeIs ? "" : " + 1") : "";
    // The elements the vector holds: [length_is] if varying, else the max_count.
    const sema::Expr* count = z.lengthIs ? z.lengthIs : max;
    const std::string countValue = z.lengthIs ? wire_.expression(z.lengthIs, kClientScope) : maxValue;
    const std::string countText = count ? count->text : "";
    // A [unique] parameter the values read (length_is(*pcFetched)) is checked only when it is not NULL.
    const std::string guard = guarded(op, {count}, s->guard), maxGuard = guarded(op, {max}, s->guard);
    const wire::SizeCheck elements{countText, countValue, s->container, guard, false, ""};
    // A varying array's max_count is kept while decoding, to be checked with the rest.
    auto keepMaxCount = [&](ParamPlan& param, bool server, std::vector<std::string>& sinks,
                            std::vector<wire::SizeCheck>& checks) {
      if (!z.lengthIs || !max) return;
      wire::ConformantArray* a = findArray(server ? param.serverWire : param.clientWire, s->container);
      if (!a) return;
      a->maxCountSink = "midl_" + name + "_max_count";
      sinks.push_back(a->maxCountSink);
      checks.push_back({max->text, maxValue, s->container, maxGuard, false, a->maxCountSink});
    };
    ParamPlan& param = plan.params[i];
    if (p.direction != Direction::Out && count) {
      plan.clientSizeChecks.push_back(elements);
      plan.serverSizeChecks.push_back(elements);
      keepMaxCount(param, true, plan.serverCountLocals, plan.serverSizeChecks);
    }
    if (p.direction != Direction::In && count) {
      plan.serverReplyChecks.push_back(elements);
      if (keepInputs({count, z.lengthIs ? max : nullptr})) {
        plan.clientReplyChecks.push_back(elements);
        keepMaxCount(param, false, plan.clientCountLocals, plan.clientReplyChecks);
      }
    }
  }

  // A union parameter's discriminant against its [switch_is] (struct codecs check the unions they hold).
  for (const auto& p : op.params) {
    if (!p.switchIs) continue;
    const std::string name = paramName(p, 0);
    const Type* t = p.type;
    const bool optional = t && t->kind == Type::Kind::Pointer && t->pointerKind != sema::PointerKind::Ref;
    const std::string value = optional ? "(*" + name + ")" : name, guard = optional ? name : "";
    const wire::SwitchCheck check{"parameter '" + p.name + "'", p.switchIs->text, value,
                                  wire_.expression(p.switchIs, kClientScope),
                                  guarded(op, {p.switchIs}, guard)};
    if (p.direction != Direction::Out) {
      plan.clientSwitchChecks.push_back(check);
      plan.serverSwitchChecks.push_back(check);
    }
    if (p.direction != Direction::In) {
      plan.serverReplySwitchChecks.push_back(check);
      if (keepInputs({p.switchIs})) plan.clientReplySwitchChecks.push_back(check);
    }
  }
  // An [out] [iid_is] interface pointer is unmarshaled as the interface its IID parameter names: a call
  // object's Finish_ keeps what Begin_ was given.
  for (const auto& p : op.params)
    if (auto ip = sema::interfacePointerParam(p); ip && ip->iidIs && p.direction != Direction::In)
      keepInputs({ip->iidIs});
}

// An [in] [string] marked [cpp_view]: a std::string_view (std::u16string_view for wchar_t) on the client and
// in the manager. The server's local is an ndr::StringView<C>: a view of the request's characters
// (readView), or a copy where they cannot be viewed.
void OperationPlanner::viewString(const Type* t, ParamPlan& param, OperationPlan& plan, Locals& clientLocals,
                                  Locals& serverLocals, const std::string& what) {
  const bool wide = isWideString(t);
  param.kind = ParamPlan::Kind::Reference;
  param.type = wide ? "::midlrt::ndr::StringView<char16_t>" : "::midlrt::ndr::StringView<char>";
  param.clientDecl = (wide ? "std::u16string_view " : "std::string_view ") + param.name;
  param.managerDecl = param.beginDecl = param.clientDecl;
  param.argument = param.beginArg = param.local + ".text()";
  if (marshal_) {
    const std::string path = param.idlName.empty() ? param.name : param.idlName;
    param.clientWire = wire_.topLevel(t, Value{param.name, path}, kClientScope, clientLocals, what);
    param.serverWire =
        wire_.topLevel(t, Value{param.local + ".owned()", path}, kServerScope, serverLocals, what);
    if (wire::String* s = findString(param.serverWire, param.local + ".owned()")) s->viewOf = param.local;
  }
  plan.params.push_back(std::move(param));
}

// An [in] conformant array marked [cpp_view] (sema says which may be): a std::span<const E> on the client and
// in the manager. The server's local is an ndr::ArrayView<E>: a view of the request's bytes when the
// elements move as one block (readView), else the elements decoded one by one into its own vector.
void OperationPlanner::viewParameter(const Type* t, ParamPlan& param, OperationPlan& plan,
                                     Locals& clientLocals, Locals& serverLocals, const std::string& what) {
  if (t->isString) {
    viewString(t, param, plan, clientLocals, serverLocals, what);
    return;
  }
  const std::string element = cppType(t->element);
  param.kind = ParamPlan::Kind::Reference;
  param.type = "::midlrt::ndr::ArrayView<" + element + ">";
  param.clientDecl = "std::span<const " + element + "> " + param.name;
  param.managerDecl = param.beginDecl = param.clientDecl;
  param.argument = param.beginArg = param.local + ".span()";
  if (!marshal_) {
    plan.params.push_back(std::move(param));
    return;
  }
  const std::string path = param.idlName.empty() ? param.name : param.idlName;
  param.clientWire = wire_.topLevel(t, Value{param.name, path}, kClientScope, clientLocals, what);
  // Decoded into the view's own vector, unless its elements are their own wire form (then viewed in place).
  param.serverWire =
      wire_.topLevel(t, Value{param.local + ".owned()", path}, kServerScope, serverLocals, what);
  if (wire::ConformantArray* a = findArray(param.serverWire, param.local + ".owned()");
      a && a->elements.codec != wire::Elements::Codec::EachFlat)
    a->elements.viewOf = param.local;
  plan.params.push_back(std::move(param));
}

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
    if (p.out && marshaledParam(p) && p.kind != ParamPlan::Kind::Pipe) out.push_back(p.name);
  return out;
}

std::vector<const ParamPlan*> OperationPlan::serverLocals() const {
  std::vector<const ParamPlan*> out;
  for (const auto& p : params)
    if (!p.local.empty()) out.push_back(&p);
  return out;
}

wire::Steps OperationPlan::clientRequest() const {
  wire::Steps out = clientRequestBeforePipes();
  const wire::Steps pipes = clientRequestPipes();
  out.insert(out.end(), pipes.begin(), pipes.end());
  return out;
}

wire::Steps OperationPlan::clientRequestBeforePipes() const {
  wire::Steps out;
  for (const auto& p : params)
    if (p.in && p.kind != ParamPlan::Kind::Pipe)
      out.insert(out.end(), p.clientWire.begin(), p.clientWire.end());
  return out;
}

wire::Steps OperationPlan::clientRequestPipes() const {
  wire::Steps out;
  for (const auto& p : params)  // [in] pipes follow the other [in] parameters
    if (p.in && p.kind == ParamPlan::Kind::Pipe) out.push_back(p.clientWire.front());
  return out;
}

wire::Steps OperationPlan::clientReply() const {
  wire::Steps out;
  for (const auto& p : params)  // [out] pipes come before the other [out] parameters
    if (p.out && p.kind == ParamPlan::Kind::Pipe) out.push_back(p.clientWire.back());
  const wire::Steps rest = clientReplyAfterPipes();
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

wire::Steps OperationPlan::clientReplyAfterPipes() const {
  wire::Steps out;
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
    correlate(op, plan);
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
  if (marshal_) {
    for (const auto& p : op.params)
      if (p.direction != Direction::Out && mayHoldFullPointers(p.type)) plan.fullPointerGraph = true;
  }
  return plan;
}

// The IID an [iid_is] names: the expression's value, or what an [in, unique] IID* parameter points to.
std::string OperationPlanner::iidExpression(const sema::Expr* iidIs, const ExprScope& scope) {
  const std::string value = wire_.expression(iidIs, scope);
  if (iidIs->kind == sema::Expr::Kind::ParamRef && isOptionalParam(iidIs->param))
    return "::midlrt::dcom::iidAt(" + value + ")";
  return value;
}

// The wire node of interface pointer `value`, on the client and on the server (which read an [iid_is]
// IID each in its own scope); held in a ComPtr unless the caller says otherwise.
std::pair<wire::InterfacePointer, wire::InterfacePointer> OperationPlanner::interfaceNodes(
    const sema::InterfacePointerParam& ip, const std::string& value) {
  const std::string itf = ip.interface ? cppName(ip.interface->name) : "";
  wire::InterfacePointer client;
  client.value = value;
  client.interface = ip.interface ? itf : "::midlrt::com::IUnknown";
  client.iid = ip.iidIs ? iidExpression(ip.iidIs, kClientScope) : itf + "::kIid";
  client.factory = ip.iidIs ? "nullptr" : proxyFactory(ip.interface);
  wire::InterfacePointer server = client;
  if (ip.iidIs) server.iid = iidExpression(ip.iidIs, kServerScope);
  return {client, server};
}

// An interface pointer: [in] I* is borrowed (I*), I** is held (ComPtr<I>&), [iid_is] void** is a reference
// of the [iid_is] interface the caller owns (void*&). The server holds each in a ComPtr<I> (void**: a void*).
// Through a [unique] pointer, which may be NULL, it is held as other [unique] pointers are: a
// std::unique_ptr<ComPtr<I>> (void**: of ComPtr<IUnknown>, holding the [iid_is] interface).
void OperationPlanner::interfacePointer(const sema::InterfacePointerParam& ip, ParamPlan& param,
                                        OperationPlan& plan) {
  using Holder = wire::InterfacePointer::Holder;
  const std::string& name = param.name;
  const std::string itf = ip.interface ? cppName(ip.interface->name) : "";
  if (ip.throughUnique) {
    const std::string object = ip.interface ? itf : "::midlrt::com::IUnknown";
    const std::string held = "::midlrt::com::ComPtr<" + object + ">";
    param.kind = ParamPlan::Kind::Optional;
    param.type = "std::unique_ptr<" + held + ">";
    param.valueInitialized = false;
    param.clientDecl = param.out ? param.type + "& " + name : "const " + held + "* " + name;
    param.managerDecl = param.clientDecl;
    param.beginDecl = "const " + held + "* " + name;
    param.beginArg = name + ".get()";
    param.argument = param.out ? name : name + ".get()";
    if (param.out) {
      param.finishDecl = param.type + "& " + name;
      param.finishArg = name;
    }
    if (marshal_) {
      const auto [n, serverNode] = interfaceNodes(ip, "(*" + name + ")");
      auto top = [&](const wire::InterfacePointer& referent, bool raw) {
        wire::TopPointer t;
        t.value = name;
        t.kind = sema::PointerKind::Unique;
        t.pointee = held;
        t.raw = raw;
        t.body.push_back(referent);
        return t;
      };
      param.clientWire.push_back(top(n, !param.out));
      param.serverWire.push_back(top(serverNode, false));
    }
    plan.params.push_back(std::move(param));
    return;
  }
  const std::string held = ip.interface ? "::midlrt::com::ComPtr<" + itf + ">" : "void*";
  param.type = ip.interface ? held : "::midlrt::com::ComPtr<::midlrt::com::IUnknown>";
  if (!ip.throughReference) {  // [in] I* / [in, iid_is] void*
    param.kind = ParamPlan::Kind::Value;
    param.clientDecl = param.managerDecl = param.beginDecl = (ip.interface ? itf : "void") + "* " + name;
    param.argument = param.beginArg = name + ".get()";
  } else {
    param.kind = ParamPlan::Kind::Reference;
    param.type = held;
    param.clientDecl = param.managerDecl = (param.out ? held + "& " : "const " + held + "& ") + name;
    if (param.in) {  // Begin_ sends the caller's object (void*: the [iid_is] interface, borrowed)
      param.beginDecl = ip.interface ? "const " + held + "& " + name : "void* " + name;
      param.beginArg = name;
    }
    if (param.out) {
      param.finishDecl = held + "& " + name;
      param.finishArg = name;
    }
    param.argument = name;
    param.releasesReference = !ip.interface;
  }
  if (marshal_) {
    auto [clientNode, serverNode] = interfaceNodes(ip, name);
    clientNode.holder = !ip.interface && ip.throughReference
                            ? (param.in ? Holder::CallersVoid : Holder::OwnedVoid)
                        : ip.throughReference ? Holder::ComPtr
                                              : Holder::Borrowed;
    serverNode.holder = ip.interface || !ip.throughReference ? Holder::ComPtr : Holder::OwnedVoid;
    param.clientWire.push_back(clientNode);
    param.serverWire.push_back(serverNode);
  }
  plan.params.push_back(std::move(param));
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
    // An [async] operation's pipes are pushed and pulled actively on both sides while the call is in
    // progress (Microsoft's asynchronous pipes).
    if (plan.isAsync) param.type = "::midlrt::async::AsyncPipe<" + param.pipe.elementType + ">";
    param.managerDecl = param.type + "& " + name;
    param.clientDecl = param.managerDecl;
    if (marshal_) {
      // A span's elements each way: the server reads [in] chunks and writes [out] ones, a client the other
      // way round ([async]: through its AsyncPipes; otherwise PipeOut and PipeIn below).
      Locals writerLocals, readerLocals;
      param.pipe.reader = wire_.pipeChunk(element, "midl_c", "", readerLocals, what);
      param.pipe.writer = wire_.pipeChunk(element, "midl_c", "", writerLocals, what);
      if (param.in) {
        Locals locals;
        param.pipe.inIndex = static_cast<int>(plan.inPipes++);
        param.clientWire.push_back(wire::PipeOut{name, wire_.pipeInPlaceAlignment(element),
                                                 wire_.pipeChunk(element, "midl_c", "", locals, what)});
      }
      if (param.out) {
        Locals locals;
        param.pipe.outIndex = static_cast<int>(plan.outPipes++);
        param.clientWire.push_back(
            wire::PipeIn{name, wire_.pipeChunk(element, "midl_c", "midl_n", locals, what)});
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

  if (auto ip = sema::interfacePointerParam(p)) {
    interfacePointer(*ip, param, plan);
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
  if (pointerLike && p.view && (referenceType.empty() || level->isString)) {
    viewParameter(level, param, plan, clientLocals, serverLocals, what);
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
