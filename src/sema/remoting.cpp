// The remoting checks (see remoting.h). Two kinds of error: what NDR cannot carry at all ("... cannot be
// marshaled: why"), and what midlc cannot generate yet ("cannot generate ...: why"); tools and tests tell
// them apart by those words.
#include "sema/remoting.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace midlc::sema {

namespace {

constexpr int kMaxDepth = 64;  // nesting of types inside one declaration, as the code generator allows

bool isNamed(const Type* t, Decl::Kind kind) {
  return t && t->kind == Type::Kind::Named && t->decl && t->decl->kind == kind;
}

bool isInterfaceType(const Type* t) {
  return isNamed(t, Decl::Kind::Interface) || isNamed(t, Decl::Kind::Dispinterface);
}

bool isVoidOrFunction(const Type* t) {
  return !t || (t->kind == Type::Kind::Primitive && t->primitive == Primitive::Void) ||
         t->kind == Type::Kind::Function;
}

const char* conversionName(Conversion c) {
  switch (c) {
    case Conversion::TransmitAs:
      return "transmit_as";
    case Conversion::WireMarshal:
      return "wire_marshal";
    case Conversion::UserMarshal:
      return "user_marshal";
    case Conversion::RepresentAs:
      return "represent_as";
    case Conversion::None:
      break;
  }
  return "";
}

// Why something cannot travel.
struct Problem {
  std::string why;
  bool isLimit = false;  // midlc cannot generate it (yet); otherwise NDR cannot carry it at all
};

Problem rule(std::string why) {
  return {std::move(why), false};
}
Problem limit(std::string why) {
  return {std::move(why), true};
}
Problem inOutUniqueOfCallObjects() {
  return limit(
      "[in,out] [unique] and [ptr] pointers of asynchronous object interfaces (call objects) are not "
      "generated yet");
}

// One problem of a declaration's own fields or arms.
struct MemberProblem {
  Location where;
  std::string what;  // "field 'x' of 'S'"
  Problem problem;
};

bool isContextHandleType(const Type* t) {
  for (int guard = 0; t && guard < 100; ++guard) {
    if (isNamed(t, Decl::Kind::Typedef)) {
      const auto* td = static_cast<const TypedefDecl*>(t->decl);
      if (td->isContextHandle) return true;
      t = td->type;
    } else if (t->kind == Type::Kind::Pointer) {
      t = t->element;
    } else {
      return false;
    }
  }
  return false;
}

// The pipe a parameter passes (by value or through a pointer), or null.
const Type* pipeOf(const Type* t) {
  const Type* r = resolveTypedefs(t);
  if (r && r->kind == Type::Kind::Pipe) return r;
  if (r && r->kind == Type::Kind::Pointer) {
    const Type* pointee = resolveTypedefs(r->element);
    if (pointee && pointee->kind == Type::Kind::Pipe) return pointee;
  }
  return nullptr;
}

// MIDL's rules for a pipe's elements: fixed-size values without pointers or unions.
std::string pipeElementProblem(const Type* t, int depth = 0) {
  if (depth > kMaxDepth) return "the type nests too deeply";
  if (isNamed(t, Decl::Kind::Typedef)) {
    const auto* td = static_cast<const TypedefDecl*>(t->decl);
    if (td->isContextHandle) return "a pipe element cannot be a context handle";
    // A type with a conversion travels as its wire type.
    return pipeElementProblem(td->conversion != Conversion::None ? td->wireType : td->type, depth + 1);
  }
  if (!t) return "";
  switch (t->kind) {
    case Type::Kind::Primitive:
      if (t->primitive == Primitive::HandleT || t->primitive == Primitive::Void)
        return "a pipe element cannot be a handle or void";
      return "";
    case Type::Kind::Pointer:
    case Type::Kind::Function:
      return "a pipe element cannot be or contain a pointer";
    case Type::Kind::Array:
      if (t->isString || !t->fixedLength || t->sizing.any())
        return "a pipe element cannot be or contain a conformant, varying or string array";
      return pipeElementProblem(t->element, depth + 1);
    case Type::Kind::Pipe:
      return "a pipe element cannot be a pipe";
    case Type::Kind::Named:
      break;
  }
  switch (t->decl->kind) {
    case Decl::Kind::Enum:
      return "";
    case Decl::Kind::Struct:
      for (const auto& f : static_cast<const StructDecl*>(t->decl)->fields)
        if (std::string why = pipeElementProblem(f.type, depth + 1); !why.empty()) return why;
      return "";
    case Decl::Kind::Union:
      return "a pipe element cannot be or contain a union";
    default:
      return "a pipe element cannot be an interface";
  }
}

class RemotingChecker {
 public:
  // Problems of what the operations pass go to `diagnostics` when stubs are required, and otherwise only
  // into InterfaceDecl::noStubs; the rules of what the header itself declares are always reported.
  RemotingChecker(Model& model, Diagnostics& diagnostics, bool stubsRequired)
      : model_(model), header_(diagnostics), d_(stubsRequired ? diagnostics : scratch_) {}

  // Values outside operations (checkValues).
  void values(const std::vector<MarshaledValue>& list) {
    decideRemotable();
    for (const auto& v : list) value(v.type, v.where, v.what);
  }

  // The parameters of a serialization procedure (checkPickledParameters).
  void pickledParameters(const InterfaceDecl& itf, const Operation& op) {
    decideRemotable();
    pickling_ = true;
    const std::string of = " of procedure '" + op.name + "' of '" + itf.name + "' ([encode]/[decode])";
    for (size_t i = 0; i < op.params.size(); ++i) {
      const Param& p = op.params[i];
      parameter(itf, p,
                (p.name.empty() ? "parameter " + std::to_string(i + 1) : "parameter '" + p.name + "'") + of);
    }
  }

  void run() {
    decideRemotable();
    for (auto& decl : model_.decls) {
      if (decl->kind == Decl::Kind::Struct)
        static_cast<StructDecl*>(decl.get())->remotable = remotable(decl.get());
      if (decl->kind == Decl::Kind::Union)
        static_cast<UnionDecl*>(decl.get())->remotable = remotable(decl.get());
    }
    for (auto& decl : model_.decls) {
      if (decl->kind != Decl::Kind::Interface || decl->isForward || decl->imported) continue;
      auto* itf = static_cast<InterfaceDecl*>(decl.get());
      const size_t before = d_.all().size();
      if (itf->isObject)
        objectInterface(*itf);
      else if (!itf->isLocal)
        rpcInterface(*itf);
      if (&d_ == &scratch_) itf->noStubs = firstProblem(*itf, before);
    }
  }

 private:
  void rpcInterface(const InterfaceDecl& itf) {
    if (!itf.uuid && itf.operations.empty()) return;  // a holder of types (oaidl.idl's IOleAutomationTypes)
    // Serialization procedures only (Picklp's interface): nothing is called, so nothing needs a binding;
    // checkPickling asks for the [uuid] their header names.
    if (std::all_of(itf.operations.begin(), itf.operations.end(),
                    [](const Operation& op) { return op.isPickled(); }))
      return;
    if (!itf.uuid) {
      d_.error(itf.location, "RPC interface '" + itf.name + "' has no [uuid], so it cannot be called");
      return;
    }
    if (itf.handleKind == HandleKind::Auto) {
      d_.error(itf.location,
               "cannot generate interface '" + itf.name +
                   "': [auto_handle] is not supported: use explicit or implicit binding handles");
      return;
    }
    for (const auto& op : itf.operations) operation(itf, op);
  }

  void objectInterface(const InterfaceDecl& itf) {
    const bool isAsync = itf.asyncSource != AsyncSource::None && itf.asyncUuid && !itf.isLocal;
    if (isAsync) {
      for (const auto& op : itf.operations)
        if (op.isAsync && !returnsHresult(op))
          header_.error(op.location, "asynchronous method '" + op.name + "' must return HRESULT");
    }
    if (itf.isLocal || !itf.uuid) return;
    // The proxy and stub marshal every method of the chain but IUnknown's.
    for (const InterfaceDecl* i = &itf; i && i->name != "IUnknown"; i = i->base)
      for (const auto& op : i->operations) operation(*i, op);
  }

  // Why `itf` gets no stubs: the first error reported since `before`, or the first method of its chain
  // found wanting before (a base's, or one reaching a type already reported); empty if it can have them.
  std::string firstProblem(const InterfaceDecl& itf, size_t before) const {
    for (size_t i = before; i < d_.all().size(); ++i)
      if (d_.all()[i].severity == Severity::Error) return d_.all()[i].message;
    for (const InterfaceDecl* i = &itf; i && i->name != "IUnknown"; i = i->base)
      for (const auto& op : i->operations)
        if (failed_.count(&op)) return "method '" + op.name + "' of '" + i->name + "' cannot be marshaled";
    return "";
  }

  void operation(const InterfaceDecl& itf, const Operation& op) {
    if (!checkedOperations_.insert(&op).second) return;
    const size_t errorsBefore = d_.errorCount();
    failing_ = false;
    checkOperation(itf, op);
    if (failing_ || d_.errorCount() > errorsBefore) failed_.insert(&op);
  }

  void checkOperation(const InterfaceDecl& itf, const Operation& op) {
    // A [local] method is never marshaled: an RPC interface's has no stub; an object interface's proxy
    // hands it to the application's <Interface>_<Method>_Proxy when it has a [call_as] remote form (checked
    // on its own), and otherwise answers it without a call.
    if (op.isLocal) return;
    // A serialization procedure is not remote either; checkPickling checks what it encodes, always.
    if (op.isPickled()) return;
    if (op.localForm && itf.isObject && itf.asyncSource != AsyncSource::None && itf.asyncUuid) {
      d_.error(op.location, "cannot generate [call_as] method '" + op.name + "' of '" + itf.name +
                                "': [call_as] in asynchronous object interfaces (call objects) is not "
                                "generated yet");
      return;
    }
    const std::string of = " of operation '" + op.name + "' of '" + itf.name + "'";
    for (size_t i = 0; i < op.params.size(); ++i) {
      const Param& p = op.params[i];
      const std::string what =
          (p.name.empty() ? "parameter " + std::to_string(i + 1) : "parameter '" + p.name + "'") + of;
      parameter(itf, p, what);
    }
    const Type* ret = resolveTypedefs(op.returnType);
    if (!ret || (ret->kind == Type::Kind::Primitive && ret->primitive == Primitive::Void)) return;
    const std::string what = "the return value" + of;
    if (conversionOf(op.returnType))
      value(op.returnType, op.location, what);
    else if (ret->kind == Type::Kind::Pipe)
      report(op.location, what, rule("an operation cannot return a pipe"));
    else if (ret->kind == Type::Kind::Array)
      report(op.location, what, rule("an operation cannot return an array"));
    else if (ret->kind == Type::Kind::Pointer && ret->pointerKind == PointerKind::Ref)
      report(op.location, what, rule("a returned pointer is [unique] or [ptr], never [ref]"));
    else
      value(op.returnType, op.location, what);
  }

  void parameter(const InterfaceDecl& itf, const Param& p, const std::string& what) {
    const Type* t = p.type;
    const Type* r = resolveTypedefs(t);
    if (!t || !r) return;
    if (r->kind == Type::Kind::Primitive && r->primitive == Primitive::HandleT && !itf.isObject) return;
    if (p.isCommStatus || p.isFaultStatus) return;
    const bool out = p.direction != Direction::In;
    if (const Type* pipe = pipeOf(t)) {
      if (itf.isObject)
        report(p.location, what, rule("pipes cannot be used in object interfaces"));
      else if (r->kind == Type::Kind::Pointer && r->pointerKind != PointerKind::Ref)
        report(p.location, what, rule("a pipe is passed by value or by [ref] pointer"));
      else if (std::string why = pipeElementProblem(pipe->element); !why.empty())
        report(p.location, what, rule(why));
      return;
    }
    if (p.isContextHandle || isContextHandleType(t)) return;
    if (conversionOf(t)) {  // it travels as its wire type, whatever the application's type is
      value(t, p.location, what);
      return;
    }
    if (auto ip = interfacePointerParam(p)) {
      if (ip->interface && undefinedInterface(ip->interface))
        report(p.location, what, undefinedInterfaceProblem(ip->interface));
      else if (pickling_)
        report(p.location, what,
               limit("[encode]/[decode] procedures do not serialize interface pointers yet"));
      else if (ip->throughUnique && p.direction == Direction::Out)
        report(p.location, what, rule("an [out]-only parameter cannot be a [unique] or [ptr] pointer"));
      else if (ip->throughUnique && out && itf.isObject && itf.asyncSource != AsyncSource::None &&
               itf.asyncUuid)
        report(p.location, what, inOutUniqueOfCallObjects());
      return;
    }
    if (const Type* pointee = r->kind == Type::Kind::Pointer ? resolveTypedefs(r->element) : nullptr;
        pointee && isInterfaceType(pointee) && p.direction != Direction::In) {
      report(p.location, what, rule("an interface pointer passed back is passed through a pointer (I**)"));
      return;
    }
    if (p.iidIs) {
      report(p.location, what,
             rule("[iid_is] is for interface pointers (I*, IUnknown*, void*, or a pointer to one)"));
      return;
    }
    if (t->kind == Type::Kind::Pointer && t->pointerKind != PointerKind::Ref &&
        p.direction == Direction::Out) {
      report(p.location, what, rule("an [out]-only parameter cannot be a [unique] or [ptr] pointer"));
      return;
    }
    if (t->kind == Type::Kind::Pointer && t->pointerKind != PointerKind::Ref && out && itf.isObject &&
        itf.asyncSource != AsyncSource::None && itf.asyncUuid) {
      report(p.location, what, inOutUniqueOfCallObjects());
      return;
    }
    if (out && t->kind != Type::Kind::Pointer && t->kind != Type::Kind::Array) {
      // A pointer spelled through a typedef (PULONG): a [ref] one is the top-level pointer; sema's own check
      // took the rest.
      if (r->kind == Type::Kind::Pointer && r->pointerKind == PointerKind::Ref)
        value(t, p.location, what);
      else if (r->kind == Type::Kind::Pointer || r->kind == Type::Kind::Array)
        report(p.location, what,
               limit("[out] parameters through pointer typedefs other than [ref] ones, and through array "
                     "typedefs, are not generated yet"));
      return;
    }
    value(t, p.location, what);
  }

  // A value passed at `where`: its own problems, then those of every declaration it reaches that cannot
  // travel (each reported once, with a note here).
  void value(const Type* type, const Location& where, const std::string& what) {
    std::vector<const Decl*> reached;
    if (auto problem = directProblem(type, reached, 0)) {
      report(where, what, *problem);
      return;
    }
    std::set<const Decl*> visited;
    while (!reached.empty()) {
      const Decl* decl = reached.back();
      reached.pop_back();
      if (!visited.insert(decl).second || remotable(decl)) continue;
      failing_ = true;
      if (reported_.insert(decl).second) {
        for (const MemberProblem& m : memberProblems(decl)) {
          report(m.where, m.what, m.problem);
          d_.note(where, what + " is marshaled here");
        }
      }
      for (const Decl* next : reachedBy(decl)) reached.push_back(next);
    }
  }

  // An interface declared (interface IFoo;) and defined nowhere in the model, as C headers' interfaces are
  // to IDL: nothing says it is an IUnknown, so pointers to it cannot be marshaled.
  bool undefinedInterface(const Decl* itf) {
    if (!itf->isForward) return false;
    auto [it, inserted] = undefined_.emplace(itf->name, true);
    if (inserted)
      for (const auto& d : model_.decls)
        if ((d->kind == Decl::Kind::Interface || d->kind == Decl::Kind::Dispinterface) && !d->isForward &&
            d->name == itf->name)
          it->second = false;
    return it->second;
  }
  Problem undefinedInterfaceProblem(const Decl* itf) {
    return limit("interface '" + itf->name +
                 "' is declared but not defined in IDL (a C header's?), so pointers to it are not marshaled");
  }

  void report(const Location& where, const std::string& what, const Problem& problem) {
    if (problem.isLimit)
      d_.error(where, "cannot generate marshaling code for " + what + ": " + problem.why);
    else
      d_.error(where, what + " cannot be marshaled: " + problem.why);
  }

  // The first thing in a value of type `t` that cannot travel, not looking inside the structs and unions
  // it reaches (they are added to `reached`).
  std::optional<Problem> directProblem(const Type* t, std::vector<const Decl*>& reached, int depth) {
    if (depth > kMaxDepth) return limit("the type nests too deeply");
    if (!t) return std::nullopt;
    switch (t->kind) {
      case Type::Kind::Primitive:
        if (t->primitive == Primitive::HandleT || t->primitive == Primitive::Void)
          return rule("void, handle_t and function pointers carry no data");
        return std::nullopt;
      case Type::Kind::Function:
        return rule("function pointers carry no data");
      case Type::Kind::Pipe:
        return rule("a pipe can only be a parameter of an operation");
      case Type::Kind::Pointer: {
        const Type* element = resolveTypedefs(t->element);
        if (isVoidOrFunction(element)) return rule("void, handle_t and function pointers carry no data");
        // An interface pointer: an MInterfacePointer behind a [unique] pointer, wherever it is.
        if (isInterfaceType(element) && undefinedInterface(element->decl))
          return undefinedInterfaceProblem(element->decl);
        if (isInterfaceType(element))
          return t->sizing.any() || t->isString ? std::optional<Problem>(rule("an interface is no array"))
                                                : std::nullopt;
        if (t->sizing.firstIs || t->sizing.lastIs)
          return limit("[first_is]/[last_is] are generated on struct fields only, not yet elsewhere");
        if (t->sizing.lengthIs && !t->sizing.sizeIs && !t->sizing.maxIs && !t->isString)
          return rule("a varying pointer needs [size_is] or [max_is] as well as [length_is]");
        return directProblem(t->element, reached, depth + 1);
      }
      case Type::Kind::Array: {
        if (t->isString) return std::nullopt;
        bool sized = !t->fixedLength || t->sizing.sizeIs || t->sizing.maxIs;
        if (sized && (t->sizing.firstIs || t->sizing.lastIs))
          return limit("[first_is]/[last_is] are generated on struct fields only, not yet elsewhere");
        if (!sized && (t->sizing.lengthIs || t->sizing.firstIs || t->sizing.lastIs))
          return limit("fixed-size varying arrays are generated as struct fields only, not yet elsewhere");
        return directProblem(t->element, reached, depth + 1);
      }
      case Type::Kind::Named:
        break;
    }
    const Decl* decl = t->decl;
    switch (decl->kind) {
      case Decl::Kind::Typedef: {
        const auto* td = static_cast<const TypedefDecl*>(decl);
        if (td->isContextHandle) return rule("a context handle can only be a parameter or a result");
        if (td->conversion != Conversion::None) return conversionProblem(*td, reached, depth);
        return directProblem(td->type, reached, depth + 1);
      }
      case Decl::Kind::Struct:
      case Decl::Kind::Union:
        reached.push_back(decl);
        return std::nullopt;
      case Decl::Kind::Enum:
        return std::nullopt;
      default:
        return rule("an interface travels as an interface pointer (IFoo*), not by value");
    }
  }

  // A typedef with a conversion travels as its wire type: what matters is whether that can travel, and
  // MIDL's rules for wire types. The wire type of wire_marshal/user_marshal is flat or a pointer ("Marshaling
  // Rules for user_marshal and wire_marshal"); midlc generates [unique] pointers (the ones Windows marks
  // 'User') and, for transmit_as/represent_as, wire types without pointers.
  std::optional<Problem> conversionProblem(const TypedefDecl& td, std::vector<const Decl*>& reached,
                                           int depth) {
    if (!td.wireType) return std::nullopt;  // its argument named no type: already an error
    const std::string of = "the wire type of '" + td.name + "' ([" + conversionName(td.conversion) + "])";
    const Type* wire = resolveTypedefs(td.wireType);
    const bool userMarshal =
        td.conversion == Conversion::WireMarshal || td.conversion == Conversion::UserMarshal;
    if (conversionOf(td.wireType))
      return limit(of + " has a conversion of its own, which is not generated yet");
    if (userMarshal && wire && wire->kind == Type::Kind::Pointer) {
      if (wire->pointerKind == PointerKind::Full) return rule(of + " cannot be a full ([ptr]) pointer");
      if (wire->pointerKind == PointerKind::Ref)
        return limit(of + " is a [ref] pointer; only [unique] wire pointers are generated yet");
    } else if (holdsPointers(td.wireType, 0)) {
      if (userMarshal)
        return rule(of + " must be a flat type or a pointer, not a type that holds pointers (MIDL's rule)");
      return limit(of + " holds pointers; conversions to wire types without pointers only are generated yet");
    } else if (isConformant(td.wireType, 0)) {
      // Its max_count would belong before an enclosing struct; MIDL asks for a well-defined size anyway.
      return limit(of + " is conformant; conversions to wire types of a fixed size only are generated yet");
    }
    if (auto problem = directProblem(td.wireType, reached, depth + 1)) {
      problem->why = of + ": " + problem->why;
      return problem;
    }
    return std::nullopt;
  }

  // Whether `t` is a conformant array or a struct that ends in one (its size travels as a max_count).
  bool isConformant(const Type* t, int depth) {
    t = resolveTypedefs(t);
    if (!t || depth > kMaxDepth) return false;
    if (t->kind == Type::Kind::Array) return !t->fixedLength || t->sizing.sizeIs || t->sizing.maxIs;
    if (!isNamed(t, Decl::Kind::Struct)) return false;
    const auto& fields = static_cast<const StructDecl*>(t->decl)->fields;
    return !fields.empty() && isConformant(fields.back().type, depth + 1);
  }

  // Whether a value of `t` holds a pointer, in itself or in the structs and unions it holds.
  bool holdsPointers(const Type* t, int depth) {
    t = resolveTypedefs(t);
    if (!t || depth > kMaxDepth) return false;
    switch (t->kind) {
      case Type::Kind::Pointer:
        return true;
      case Type::Kind::Array:
        return !t->isString && holdsPointers(t->element, depth + 1);
      case Type::Kind::Named:
        break;
      default:
        return false;
    }
    if (t->decl->kind == Decl::Kind::Struct) {
      for (const Field& f : static_cast<const StructDecl*>(t->decl)->fields)
        if (holdsPointers(f.type, depth + 1)) return true;
    } else if (t->decl->kind == Decl::Kind::Union) {
      for (const auto& arm : static_cast<const UnionDecl*>(t->decl)->arms)
        if (arm.field && holdsPointers(arm.field->type, depth + 1)) return true;
    }
    return false;
  }

  // What a struct or union's own fields and arms cannot carry.
  const std::vector<MemberProblem>& memberProblems(const Decl* decl) {
    auto found = members_.find(decl);
    if (found != members_.end()) return found->second.problems;
    Members& m = members_[decl];
    auto member = [&](const Field& f, const std::string& what) {
      if (!f.type) return;
      if (auto problem = directProblem(f.type, m.reached, 0))
        m.problems.push_back({f.location, what, *problem});
    };
    if (decl->kind == Decl::Kind::Struct) {
      for (const Field& f : static_cast<const StructDecl*>(decl)->fields) {
        const std::string what = "field '" + f.name + "' of '" + decl->name + "'";
        if (conversionOf(f.type)) {  // it travels as its wire type
          member(f, what);
          continue;
        }
        const Type* r = resolveTypedefs(f.type);
        if (r && r->kind == Type::Kind::Array && !r->fixedLength && !r->sizing.sizeIs && !r->sizing.maxIs &&
            !r->isString) {
          m.problems.push_back(
              {f.location, what, rule("an array field needs a constant size, [size_is] or [max_is]")});
          continue;
        }
        if (isNamed(r, Decl::Kind::Union) && !static_cast<const UnionDecl*>(r->decl)->encapsulated &&
            !f.switchIs) {
          m.problems.push_back({f.location, what, rule("a non-encapsulated union field needs [switch_is]")});
          continue;
        }
        if (f.rangeOfLength && r && r->kind == Type::Kind::Pointer) {
          m.problems.push_back(
              {f.location, what,
               limit("[range] on the length of a string or array a pointer field points to is not "
                     "generated yet")});
          continue;
        }
        // A fixed-size varying array field ([length_is], [first_is], [last_is]): generated for one dimension.
        if (const Type* a = f.type; a && a->kind == Type::Kind::Array && !a->isString && a->fixedLength &&
                                    !a->sizing.sizeIs && !a->sizing.maxIs &&
                                    (a->sizing.lengthIs || a->sizing.firstIs || a->sizing.lastIs)) {
          const Type* element = resolveTypedefs(a->element);
          if (element && element->kind == Type::Kind::Array)
            m.problems.push_back({f.location, what,
                                  limit("multidimensional fixed-size varying arrays are not generated yet")});
          else if (auto problem = directProblem(a->element, m.reached, 1))
            m.problems.push_back({f.location, what, *problem});
          continue;
        }
        // [first_is]/[last_is] on a conformant array or a sized pointer field: generated for arrays of
        // values.
        if (const Type* a = f.type; a && (a->kind == Type::Kind::Array || a->kind == Type::Kind::Pointer) &&
                                    !a->isString && (a->sizing.sizeIs || a->sizing.maxIs) &&
                                    (a->sizing.firstIs || a->sizing.lastIs)) {
          const Type* element = resolveTypedefs(a->element);
          if (!element || element->kind == Type::Kind::Array || element->kind == Type::Kind::Pointer ||
              isVoidOrFunction(element) || isInterfaceType(element))
            m.problems.push_back(
                {f.location, what,
                 limit("[first_is]/[last_is] are generated on one-dimensional arrays of values only")});
          else if (auto problem = directProblem(a->element, m.reached, 1))
            m.problems.push_back({f.location, what, *problem});
          continue;
        }
        // [iid_is] on a field: an interface pointer whose IID is another field's value (read before it:
        // every field's flat part comes before the referents).
        bool iidIs = false;
        for (const auto& a : f.attributes) iidIs = iidIs || a.name == "iid_is";
        if (iidIs) {
          const Type* r = resolveTypedefs(f.type);
          const Type* target = r && r->kind == Type::Kind::Pointer && !r->sizing.any() && !r->isString
                                   ? resolveTypedefs(r->element)
                                   : nullptr;
          const bool isVoid =
              target && target->kind == Type::Kind::Primitive && target->primitive == Primitive::Void;
          if (!f.iidIs || !target || (!isInterfaceType(target) && !isVoid)) {
            m.problems.push_back(
                {f.location, what, rule("[iid_is] is for interface pointers (I*, IUnknown* or void*)")});
            continue;
          }
          if (isVoid) continue;  // an interface pointer of the IID's interface: nothing more to check
        }
        member(f, what);
      }
    } else {
      const auto* u = static_cast<const UnionDecl*>(decl);
      if (u->isCUnion)
        m.problems.push_back({decl->location, "union '" + decl->name + "'",
                              rule("it has no [case] arms and no discriminant")});
      else if (!u->encapsulated && !u->switchType)
        m.problems.push_back(
            {decl->location, "union '" + decl->name + "'",
             rule("a non-encapsulated union without [switch_type] takes its discriminant's type from "
                  "the field, parameter or expression that switches it, and nothing here names one; give "
                  "it a [switch_type]")});
      else
        for (const auto& arm : u->arms)
          if (arm.field) member(*arm.field, "arm '" + arm.field->name + "' of '" + decl->name + "'");
    }
    return m.problems;
  }

  const std::vector<const Decl*>& reachedBy(const Decl* decl) {
    memberProblems(decl);
    return members_[decl].reached;
  }

  // A struct or union is remotable if its own members can travel and so can everything it reaches. Decided
  // for all at once, backwards from those whose own members cannot travel, so that a cycle (_wireVARIANT and
  // _wireSAFEARR_VARIANT reach each other) cannot leave one of them remotable while the other is not.
  void decideRemotable() {
    std::map<const Decl*, std::vector<const Decl*>> reachedFrom;
    std::vector<const Decl*> notRemotable;
    for (const auto& d : model_.decls) {
      if (d->kind != Decl::Kind::Struct && d->kind != Decl::Kind::Union) continue;
      const bool own = memberProblems(d.get()).empty();
      remotable_[d.get()] = own;
      if (!own) notRemotable.push_back(d.get());
      for (const Decl* next : reachedBy(d.get())) reachedFrom[next].push_back(d.get());
    }
    while (!notRemotable.empty()) {
      const Decl* d = notRemotable.back();
      notRemotable.pop_back();
      for (const Decl* from : reachedFrom[d]) {
        if (!remotable_[from]) continue;
        remotable_[from] = false;
        notRemotable.push_back(from);
      }
    }
  }

  // Whether a struct or union can travel; decideRemotable() decided for the model's own declarations.
  bool remotable(const Decl* decl) {
    if (auto it = remotable_.find(decl); it != remotable_.end()) return it->second;
    remotable_[decl] = true;  // while it is being decided: a type that reaches itself through a pointer
    bool ok = memberProblems(decl).empty();
    for (const Decl* next : reachedBy(decl)) ok = remotable(next) && ok;
    remotable_[decl] = ok;
    return ok;
  }

  struct Members {
    std::vector<MemberProblem> problems;
    std::vector<const Decl*> reached;
  };

  Model& model_;
  Diagnostics& header_;
  Diagnostics scratch_;
  Diagnostics& d_;
  bool failing_ = false;                   // the operation being checked reaches a type that cannot travel
  bool pickling_ = false;                  // checking a serialization procedure's parameters
  std::map<std::string, bool> undefined_;  // interfaces by name: declared and never defined
  std::set<const Operation*> failed_;      // operations that cannot be marshaled
  std::map<const Decl*, Members> members_;
  std::map<const Decl*, bool> remotable_;
  std::set<const Decl*> reported_;
  std::set<const Operation*> checkedOperations_;
};

}  // namespace

std::optional<InterfacePointerParam> interfacePointerParam(const Param& p) {
  // The pointer whose pointee is the interface (or void): the parameter, or what its [ref] pointer points to.
  // A plain pointer level: an array ([size_is]...) of interface pointers is not one.
  auto plain = [](const Type* r) {
    return r && r->kind == Type::Kind::Pointer && !r->sizing.any() && !r->isString;
  };
  auto pointee = [&](const Type* level) -> const Type* {
    const Type* r = resolveTypedefs(level);
    return plain(r) && !conversionOf(level) ? resolveTypedefs(r->element) : nullptr;
  };
  auto shape = [&](const Type* level, bool throughReference,
                   bool throughUnique) -> std::optional<InterfacePointerParam> {
    const Type* target = pointee(level);
    if (target && target->kind == Type::Kind::Named && target->decl &&
        (target->decl->kind == Decl::Kind::Interface || target->decl->kind == Decl::Kind::Dispinterface))
      return InterfacePointerParam{throughReference, throughUnique, target->decl, p.iidIs};
    if (p.iidIs && target && target->kind == Type::Kind::Primitive && target->primitive == Primitive::Void)
      return InterfacePointerParam{throughReference, throughUnique, nullptr, p.iidIs};
    return std::nullopt;
  };
  if (auto direct = shape(p.type, false, false); direct && p.direction == Direction::In) return direct;
  // Through a top-level pointer: [ref] (always there), or [unique]/[ptr] (may be NULL; a top-level [ptr]
  // is marshaled as a [unique] one).
  const Type* r = resolveTypedefs(p.type);
  if (plain(r))
    if (auto through = shape(r->element, true, r->pointerKind != PointerKind::Ref)) return through;
  return std::nullopt;
}

bool returnsHresult(const Operation& op) {
  const Type* t = op.returnType;
  for (int guard = 0; t && guard < 100; ++guard) {
    if (!isNamed(t, Decl::Kind::Typedef)) return false;
    if (t->decl->name == "HRESULT" || t->decl->name == "SCODE") return true;
    t = static_cast<const TypedefDecl*>(t->decl)->type;
  }
  return false;
}

void checkRemoting(Model& model, Diagnostics& diagnostics, bool stubsRequired) {
  RemotingChecker(model, diagnostics, stubsRequired).run();
}

void checkValues(Model& model, Diagnostics& diagnostics, const std::vector<MarshaledValue>& values) {
  RemotingChecker(model, diagnostics, true).values(values);
}

void checkPickledParameters(Model& model, Diagnostics& diagnostics, const InterfaceDecl& itf,
                            const Operation& op) {
  RemotingChecker(model, diagnostics, true).pickledParameters(itf, op);
}

}  // namespace midlc::sema
