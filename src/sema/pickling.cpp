// The checks of type serialization (see pickling.h).
#include "sema/pickling.h"

#include <string>
#include <utility>
#include <vector>

#include "sema/remoting.h"

namespace midlc::sema {

namespace {

// A pipe, passed by value or through a pointer.
bool passesPipe(const Param& p) {
  const Type* t = resolveTypedefs(p.type);
  if (t && t->kind == Type::Kind::Pointer) t = resolveTypedefs(t->element);
  return t && t->kind == Type::Kind::Pipe;
}

bool isContextHandleParam(const Param& p) {
  if (p.isContextHandle) return true;
  for (const Type* t = p.type; t;) {
    if (t->kind == Type::Kind::Pointer) {
      t = t->element;
    } else if (t->kind == Type::Kind::Named && t->decl->kind == Decl::Kind::Typedef) {
      const auto* td = static_cast<const TypedefDecl*>(t->decl);
      if (td->isContextHandle) return true;
      t = td->type;
    } else {
      return false;
    }
  }
  return false;
}

// A serialization procedure: what its header needs, what its functions would clash with, and what it
// passes. Handles carry no data and are left out of the functions; the result is not encoded.
void checkProcedure(Model& model, Diagnostics& diagnostics, const InterfaceDecl& itf, const Operation& op) {
  const std::string what = "procedure '" + op.name + "' of '" + itf.name + "' ([encode]/[decode])";
  const Location& at = op.pickledAt;
  if (itf.isObject) {
    diagnostics.error(at, "cannot generate [encode]/[decode] for method '" + op.name +
                              "' of object interface '" + itf.name +
                              "': midlc serializes the procedures of RPC interfaces only");
    return;
  }
  if (!itf.uuid) {
    diagnostics.error(at,
                      what + " cannot be serialized: its encoding names the interface, which has no [uuid]");
    return;
  }
  if (op.isLocal) {
    diagnostics.error(at, what + " cannot be serialized: it is [local]");
    return;
  }
  if (op.isAsync) {
    diagnostics.error(at, what +
                              " cannot be serialized: it is [async], and a serialization procedure is "
                              "not a call");
    return;
  }
  if (op.hasCommStatusReturn || op.hasFaultStatusReturn) {
    diagnostics.error(at, what +
                              " cannot be serialized: [comm_status]/[fault_status] report a call's "
                              "status, and a serialization procedure is not a call");
    return;
  }
  // The functions live in the interface's namespace, beside its client functions and the IDL's names.
  const std::pair<bool, const char*> functions[] = {{op.encode, "encode"}, {op.decode, "decode"}};
  for (const auto& [wanted, attribute] : functions) {
    if (!wanted) continue;
    const std::string function = op.name + (attribute[0] == 'e' ? "_Encode" : "_Decode");
    Location clash;
    if (const Decl* d = model.find(function)) clash = d->location;
    for (const auto& other : itf.operations)
      if (other.name == function) clash = other.location;
    if (!clash.valid()) continue;
    diagnostics.error(at, "the function '" + function + "' that [" + attribute + "] makes for procedure '" +
                              op.name + "' would clash with the IDL's '" + function + "'");
    diagnostics.note(clash, "'" + function + "' is declared here");
  }
  const size_t before = diagnostics.errorCount();
  for (size_t i = 0; i < op.params.size(); ++i) {
    const Param& p = op.params[i];
    const std::string param =
        (p.name.empty() ? "parameter " + std::to_string(i + 1) : "parameter '" + p.name + "'") + " of " +
        what;
    if (passesPipe(p))
      diagnostics.error(p.location, param + " cannot be serialized: a pipe streams during a call");
    else if (isContextHandleParam(p))
      diagnostics.error(p.location,
                        param + " cannot be serialized: a context handle names state on a server");
    else if (p.isCommStatus || p.isFaultStatus)
      diagnostics.error(p.location, param +
                                        " cannot be serialized: [comm_status]/[fault_status] report a "
                                        "call's status, and a serialization procedure is not a call");
  }
  if (diagnostics.errorCount() == before) checkPickledParameters(model, diagnostics, itf, op);
  const Type* ret = resolveTypedefs(op.returnType);
  if (ret && !(ret->kind == Type::Kind::Primitive && ret->primitive == Primitive::Void))
    diagnostics.warning(
        op.location, "acf",
        "the result of " + what +
            " is not encoded (an encoding carries a procedure's arguments only): its functions return none");
}

}  // namespace

void checkPickling(Model& model, Diagnostics& diagnostics) {
  for (const InterfaceDecl* itf : model.interfaces())
    for (const auto& op : itf->operations)
      if (op.isPickled()) checkProcedure(model, diagnostics, *itf, op);
  std::vector<MarshaledValue> constructed;  // structs and unions: the remoting checks say what they lack
  for (const auto& d : model.decls) {
    if (d->kind != Decl::Kind::Typedef) continue;
    const auto* td = static_cast<const TypedefDecl*>(d.get());
    if (!td->encode && !td->decode) continue;
    const std::string what = "type '" + td->name + "' ([encode]/[decode])";
    // The functions live beside the IDL's own names (types, constants, enumerators) in the header.
    const std::pair<bool, const char*> functions[] = {{td->encode, "encode"}, {td->decode, "decode"}};
    for (const auto& [wanted, attribute] : functions) {
      if (!wanted) continue;
      const std::string function = td->name + (attribute[0] == 'e' ? "_Encode" : "_Decode");
      if (const Decl* clash = model.find(function)) {
        diagnostics.error(td->pickledAt, "the function '" + function + "' that [" + attribute +
                                             "] makes for '" + td->name + "' would clash with the IDL's '" +
                                             function + "'");
        diagnostics.note(clash->location, "'" + function + "' is declared here");
      }
    }
    if (td->isContextHandle) {
      diagnostics.error(td->pickledAt,
                        what + " cannot be marshaled: a context handle can only be a parameter or a result");
      continue;
    }
    const Type* t = resolveTypedefs(td->type);
    // A [unique] or [ref] pointer to one (MS-PAC's PKERB_VALIDATION_INFO): a referent id, then the referent.
    const Type* pointee = t && t->kind == Type::Kind::Pointer && t->pointerKind != PointerKind::Full &&
                                  !t->isString && !t->sizing.any()
                              ? resolveTypedefs(t->element)
                              : t;
    if (td->conversion == Conversion::None && pointee && pointee->kind == Type::Kind::Named &&
        (pointee->decl->kind == Decl::Kind::Struct || pointee->decl->kind == Decl::Kind::Union)) {
      constructed.push_back({td->type, td->pickledAt, what});
      continue;
    }
    // Anything else: what NDR cannot carry first (an interface pointer...), else midlc's own limit.
    const size_t before = diagnostics.errorCount();
    if (td->conversion == Conversion::None)
      checkValues(model, diagnostics, {{td->type, td->pickledAt, what}});
    if (diagnostics.errorCount() == before)
      diagnostics.error(
          td->pickledAt,
          "cannot generate [encode]/[decode] for type '" + td->name +
              "': midlc serializes structs and unions, and [unique] or [ref] pointers to them, only");
  }
  checkValues(model, diagnostics, constructed);
}

}  // namespace midlc::sema
