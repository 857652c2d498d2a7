// Semantic analysis: merging the ACF into the model. Every name the ACF uses must exist in the IDL;
// errors are located in the ACF.
#include <string_view>
#include <unordered_map>
#include <variant>

#include "sema/analyzer.h"
#include "support/spelling.h"

namespace midlc::sema {

namespace {

bool has(const ast::Attributes& attrs, const char* name) {
  return ast::findAttribute(attrs, name) != nullptr;
}

// What an unknown ACF name may have meant: the IDL file's typedefs, and the interfaces it defines.
bool isTypedef(const Decl& d) {
  return d.kind == Decl::Kind::Typedef;
}
bool isOwnInterface(const Decl& d) {
  return d.kind == Decl::Kind::Interface && !d.isForward && !d.imported;
}

// A typedef that names a struct or a union (through other typedefs): what [encode]/[decode] on an interface
// applies to.
bool namesStructOrUnion(const TypedefDecl& td) {
  const Type* t = resolveTypedefs(td.type);
  return !td.isContextHandle && td.conversion == Conversion::None && t && t->kind == Type::Kind::Named &&
         (t->decl->kind == Decl::Kind::Struct || t->decl->kind == Decl::Kind::Union);
}

}  // namespace

// [encode]/[decode] on an interface in the ACF: for the typedefs of structs and unions declared in the
// interface (MIDL says every type of the IDL file, which is one interface's in the files it documents;
// midlc keeps to the interface's own, and leaves out typedefs of other types), and, as in MIDL, for every
// procedure of the interface (checkPickling says which cannot be serialized).
void Analyzer::pickleInterface(InterfaceDecl& itf, const ast::AcfInterface& acf) {
  const bool encode = has(acf.attributes, "encode"), decode = has(acf.attributes, "decode");
  if (!encode && !decode) return;
  const ast::Attribute* attr = ast::findAttribute(acf.attributes, encode ? "encode" : "decode");
  for (auto& op : itf.operations) {
    op.encode = op.encode || encode;
    op.decode = op.decode || decode;
    if (!op.pickledAt.valid()) op.pickledAt = attr->location;
  }
  for (const Item& item : itf.members) {
    const auto* member = std::get_if<const Decl*>(&item);
    if (!member || (*member)->kind != Decl::Kind::Typedef) continue;
    auto* td = const_cast<TypedefDecl*>(static_cast<const TypedefDecl*>(*member));
    if (!namesStructOrUnion(*td)) continue;
    td->encode = td->encode || encode;
    td->decode = td->decode || decode;
    if (!td->pickledAt.valid()) td->pickledAt = attr->location;
  }
}

namespace {
// Why parameter `p` of `op` cannot be a [cpp_view], or null: it must be an [in]-only conformant array (a
// [ref] pointer or an array with [size_is] or [max_is], not varying) or [string] (a [ref] pointer, also
// through a typedef such as LPCWSTR, or an array without a fixed size) of a procedure that is remote: the
// client sends it and a manager receives it (a callback's or a pickled procedure's are not).
const char* notViewable(const Operation& op, const Param& p) {
  if (op.isCallback) return "a [callback]'s parameters are not views";
  if (op.encode || op.decode) return "a pickled procedure's parameters are decoded into, not viewed";
  if (p.direction != Direction::In) return "only an [in] parameter (not [out], not [in, out]) can be a view";
  const Type* t = p.type;
  const Type* level = t;  // a [ref] pointer spelled by a typedef is the parameter's own top-level pointer
  if (const Type* r = resolveTypedefs(t);
      t && t->kind == Type::Kind::Named && !conversionOf(t) && r && r->kind == Type::Kind::Pointer)
    level = r;
  if (level && level->isString) {
    if (level->kind == Type::Kind::Pointer && level->pointerKind != PointerKind::Ref)
      return "a [unique] or [ptr] string is not a view (it may be NULL)";
    if (level->kind == Type::Kind::Array && level->fixedLength)
      return "a [string] array of fixed size is not a view";
    return nullptr;
  }
  const bool array = t && (t->kind == Type::Kind::Array ||
                           (t->kind == Type::Kind::Pointer && t->pointerKind == PointerKind::Ref));
  if (!array || t->fixedLength)
    return "it must be a conformant array (a [ref] pointer or array with [size_is]) or a [string]";
  if (const Type* e = resolveTypedefs(t->element);
      !e || (e->kind == Type::Kind::Primitive && e->primitive == Primitive::Void))
    return "an array of void has no elements to view";
  if (!t->sizing.sizeIs && !t->sizing.maxIs && !(t->kind == Type::Kind::Array))
    return "it must be a conformant array (a [ref] pointer or array with [size_is]) or a [string]";
  if (t->sizing.lengthIs || t->sizing.firstIs || t->sizing.lastIs)
    return "a varying array ([length_is], [first_is], [last_is]) is not viewed";
  return nullptr;
}
}  // namespace

void Analyzer::views(InterfaceDecl& itf, const ast::AcfInterface& acf) {
  const bool all = has(acf.attributes, "cpp_view");
  std::unordered_map<std::string_view, const ast::AcfOperation*> acfOps;
  for (const auto& op : acf.operations) acfOps[op.name] = &op;
  for (auto& op : itf.operations) {
    auto found = acfOps.find(op.name);
    const ast::AcfOperation* a = found == acfOps.end() ? nullptr : found->second;
    const bool wholeOperation = all || (a && has(a->attributes, "cpp_view"));
    for (auto& p : op.params) {
      const ast::Attribute* own = nullptr;
      if (a)
        for (const auto& ap : a->params)
          if (ap.name == p.name) own = ast::findAttribute(ap.attributes, "cpp_view");
      if (!own && !wholeOperation) continue;
      const char* why = notViewable(op, p);
      if (!why) {
        p.view = true;
      } else if (own) {  // named on its own: it should have been one; on the operation or interface: others
                         // are
        d_.error(own->location, "[cpp_view] on parameter '" + p.name + "' of '" + op.name + "': " + why);
      }
    }
  }
}

std::optional<Analyzer::Binding> Analyzer::bindingAttribute(const ast::Attributes& attrs,
                                                            const std::string& itfName) {
  std::optional<Binding> out;
  for (const auto& attr : attrs) {
    Binding b;
    if (attr.name == "implicit_handle")
      b.kind = HandleKind::Implicit;
    else if (attr.name == "auto_handle")
      b.kind = HandleKind::Auto;
    else if (attr.name != "explicit_handle")
      continue;
    b.attribute = &attr;
    if (out) {
      d_.error(attr.location, "interface '" + itfName + "' has both [" + out->attribute->name + "] and [" +
                                  attr.name + "]; choose one binding");
      continue;
    }
    if (b.kind == HandleKind::Implicit && !attr.args.empty()) {
      const ast::AttributeArg& arg = attr.args[0];
      if (arg.type && !arg.declaredName.empty()) {
        b.name = arg.declaredName;
        b.type = arg.type->kind == ast::TypeRef::Kind::Base ? "handle_t" : arg.type->name;
      } else {
        d_.error(arg.location,
                 "implicit_handle needs a type and a name, as in implicit_handle(handle_t hBinding)");
      }
    }
    out = b;
  }
  return out;
}

void Analyzer::acf(const ast::AcfFile& acf) {
  file_ = acf.path;
  auto typedefs = [&](const std::vector<ast::AcfTypedef>& list) {
    for (const auto& td : list) {
      checker_.check(td.attributes, kAcfTypedef);
      for (const auto& n : td.names) {
        const Decl* d = m_.find(n.name);
        if (!d || d->kind != Decl::Kind::Typedef) {
          d_.error(n.location, "the ACF names type '" + n.name + "', which the IDL file does not define" +
                                   didYouMean(n.name, declNames(isTypedef)));
          continue;
        }
        auto* decl = const_cast<TypedefDecl*>(static_cast<const TypedefDecl*>(d));
        for (auto& a : convert(td.attributes, true)) decl->acfAttributes.push_back(std::move(a));
        if (has(td.attributes, "encode") || has(td.attributes, "decode")) {
          decl->encode = decl->encode || has(td.attributes, "encode");
          decl->decode = decl->decode || has(td.attributes, "decode");
          decl->pickledAt = n.location;
        }
        // typedef [represent_as(LocalT)] NetT; and typedef [user_marshal(UserT)] WireT;: the IDL's type
        // travels, the application works with the type the ACF names.
        for (const auto& [name, kind] : {std::pair{"represent_as", Conversion::RepresentAs},
                                         std::pair{"user_marshal", Conversion::UserMarshal}}) {
          const ast::Attribute* r = ast::findAttribute(td.attributes, name);
          if (!r || r->args.empty()) continue;
          if (decl->conversion != Conversion::None) {
            d_.error(r->location, "typedef '" + decl->name +
                                      "' has more than one of transmit_as, wire_marshal, "
                                      "user_marshal and represent_as");
            continue;
          }
          decl->conversion = kind;
          decl->wireType = decl->type;
          decl->localTypeName = r->args[0].text;
        }
      }
    }
  };
  typedefs(acf.typedefs);
  for (const auto& inc : acf.includes) m_.acfIncludes.push_back(inc.name);

  for (const auto& a : acf.interfaces) {
    checker_.check(a.attributes, kAcfInterface);
    const Decl* found = m_.find(a.name);
    if (!found || found->kind != Decl::Kind::Interface || found->isForward) {
      d_.error(a.location, "the ACF names interface '" + a.name + "', which the IDL file does not define" +
                               didYouMean(a.name, declNames(isOwnInterface)));
      continue;
    }
    auto* itf = const_cast<InterfaceDecl*>(static_cast<const InterfaceDecl*>(found));
    itf->acfAttributes = convert(a.attributes, true);
    if (auto binding = bindingAttribute(a.attributes, itf->name)) {
      // The IDL header may choose a binding too (widl, MIDL's /app_config). The ACF wins: it is the
      // configuration of this build, and the IDL form exists so that a file can do without one. A
      // different choice is reported, so that neither is overridden unnoticed.
      for (const auto& idl : itf->attributes) {
        if (idl.name != "implicit_handle" && idl.name != "explicit_handle" && idl.name != "auto_handle")
          continue;
        if (idl.name != binding->attribute->name || itf->implicitHandleName != binding->name ||
            itf->implicitHandleType != binding->type) {
          d_.warning(binding->attribute->location, "acf",
                     "the ACF's [" + binding->attribute->name + "] on interface '" + itf->name +
                         "' replaces the IDL file's [" + idl.name + "]");
          d_.note(idl.location, "the IDL file's binding attribute is here");
        }
      }
      itf->handleKind = binding->kind;
      itf->implicitHandleType = binding->type;
      itf->implicitHandleName = binding->name;
    }
    bool allAsync = has(a.attributes, "async");
    pickleInterface(*itf, a);
    // Looked up by name through a hash map, so an ACF naming every one of 100,000 operations stays linear.
    std::unordered_map<std::string_view, Operation*> operationsByName;
    if (!a.operations.empty()) {
      operationsByName.reserve(itf->operations.size());
      for (auto& o : itf->operations) operationsByName[o.name] = &o;  // the last of a name, as before
    }
    for (const auto& op : a.operations) {
      checker_.check(op.attributes, kAcfOperation);
      auto byName = operationsByName.find(op.name);
      Operation* target = byName == operationsByName.end() ? nullptr : byName->second;
      if (!target) {
        std::vector<std::string> names;
        for (const auto& o : itf->operations) names.push_back(o.name);
        d_.error(op.location, "interface '" + itf->name + "' has no operation '" + op.name +
                                  "' (named in the ACF)" + didYouMean(op.name, names));
        continue;
      }
      target->acfAttributes = convert(op.attributes, true);
      for (const char* name : {"encode", "decode"}) {
        const ast::Attribute* attr = ast::findAttribute(op.attributes, name);
        if (!attr) continue;
        (name[0] == 'e' ? target->encode : target->decode) = true;
        target->pickledAt = attr->location;  // the operation's own attribute, rather than its interface's
      }
      if (has(op.attributes, "async")) target->isAsync = true;
      target->hasCommStatusReturn = has(op.attributes, "comm_status");
      target->hasFaultStatusReturn = has(op.attributes, "fault_status");
      if ((target->hasCommStatusReturn || target->hasFaultStatusReturn)) {
        const Type* r = resolve(target->returnType);
        if (!r || r->kind != Type::Kind::Primitive || r->primitive != Primitive::ErrorStatus)
          d_.error(op.location, "[comm_status]/[fault_status] on operation '" + op.name +
                                    "' needs it to return error_status_t");
      }
      for (const auto& p : op.params) {
        checker_.check(p.attributes, kAcfParam);
        Param* param = nullptr;
        for (auto& candidate : target->params)
          if (candidate.name == p.name) param = &candidate;
        if (!param) {
          std::vector<std::string> names;
          for (const auto& candidate : target->params) names.push_back(candidate.name);
          d_.error(p.location, "operation '" + op.name + "' has no parameter '" + p.name +
                                   "' (named in the ACF)" + didYouMean(p.name, names));
          continue;
        }
        for (auto& attr : convert(p.attributes, true)) param->attributes.push_back(std::move(attr));
        param->isCommStatus = has(p.attributes, "comm_status");
        param->isFaultStatus = has(p.attributes, "fault_status");
        if (param->isCommStatus || param->isFaultStatus) {
          const Type* t = resolve(param->type);
          const Type* pointee = t && t->kind == Type::Kind::Pointer ? resolve(t->element) : nullptr;
          if (param->direction != Direction::Out || !pointee || pointee->kind != Type::Kind::Primitive ||
              pointee->primitive != Primitive::ErrorStatus)
            d_.error(p.location, "[comm_status]/[fault_status] parameter '" + p.name +
                                     "' must be an [out] error_status_t*");
        }
      }
    }
    if (allAsync)
      for (auto& o : itf->operations) o.isAsync = true;
    views(*itf, a);
    if (itf->isObject && itf->asyncSource == AsyncSource::None && itf->hasAsyncOperations()) {
      // midlc's extension: MIDL asks for [async_uuid] in the IDL; we derive AsyncIFoo's IID from IFoo's.
      itf->asyncSource = AsyncSource::Acf;
      if (itf->uuid) itf->asyncUuid = Uuid::nameBased(kAsyncIidNamespace, itf->uuid->text());
    }
    typedefs(a.typedefs);
    for (const auto& inc : a.includes) m_.acfIncludes.push_back(inc.name);
  }
}

}  // namespace midlc::sema
