// Semantic analysis: types, declarators and the attributes that apply to each pointer/array level.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <string_view>
#include <unordered_set>

#include "sema/analyzer.h"

namespace midlc::sema {

namespace {

Primitive primitiveOf(const ast::TypeRef& ref) {
  using K = ast::BaseKeyword;
  bool u = ref.isUnsigned;
  switch (ref.base) {
    case K::Boolean:
      return Primitive::Boolean;
    case K::Byte:
      return Primitive::Byte;
    case K::Char:
      return u ? Primitive::UInt8 : ref.isSigned ? Primitive::Int8 : Primitive::Char;
    case K::WChar:
      return Primitive::WChar;
    case K::Small:
    case K::Int8:
      return u ? Primitive::UInt8 : Primitive::Int8;
    case K::Short:
    case K::Int16:
      return u ? Primitive::UInt16 : Primitive::Int16;
    case K::Long:
    case K::Int:
    case K::Int32:
    case K::None:
      return u ? Primitive::UInt32 : Primitive::Int32;
    case K::LongLong:
    case K::Hyper:
    case K::Int64:
      return u ? Primitive::UInt64 : Primitive::Int64;
    case K::Int3264:
      return u ? Primitive::UInt3264 : Primitive::Int3264;
    case K::Float:
      return Primitive::Float;
    case K::Double:
      return Primitive::Double;
    case K::Void:
      return Primitive::Void;
    case K::HandleT:
      return Primitive::HandleT;
    case K::ErrorStatusT:
      return Primitive::ErrorStatus;
  }
  return Primitive::Int32;
}

// A base type as the user wrote it, for messages: "unsigned long", "__int64", "long long".
std::string baseSpelling(const ast::TypeRef& ref) {
  using K = ast::BaseKeyword;
  static const std::pair<K, const char*> kWords[] = {
      {K::Boolean, "boolean"},   {K::Byte, "byte"},
      {K::Char, "char"},         {K::WChar, "wchar_t"},
      {K::Small, "small"},       {K::Short, "short"},
      {K::Long, "long"},         {K::LongLong, "long long"},
      {K::Hyper, "hyper"},       {K::Int, "int"},
      {K::Int8, "__int8"},       {K::Int16, "__int16"},
      {K::Int32, "__int32"},     {K::Int64, "__int64"},
      {K::Int3264, "__int3264"}, {K::Float, "float"},
      {K::Double, "double"},     {K::Void, "void"},
      {K::HandleT, "handle_t"},  {K::ErrorStatusT, "error_status_t"},
  };
  std::string out = ref.isUnsigned ? "unsigned" : ref.isSigned ? "signed" : "";
  for (const auto& [keyword, word] : kWords)
    if (keyword == ref.base) out += (out.empty() ? "" : " ") + std::string(word);
  return out.empty() ? "int" : out;
}

// The argument of a multi-level attribute (size_is(a, b)) that applies to level `level`, if any.
const ast::AttributeArg* levelArg(const ast::Attributes& attrs, const char* name, size_t level) {
  const ast::Attribute* a = ast::findAttribute(attrs, name);
  if (!a || level >= a->args.size() || a->args[level].empty()) return nullptr;
  return &a->args[level];
}

}  // namespace

const Type* Analyzer::resolve(const Type* t) {
  return resolveTypedefs(t);
}

bool Analyzer::isIntegerType(const Type* t) {
  t = resolve(t);
  if (!t) return false;
  if (t->kind == Type::Kind::Primitive) return isInteger(t->primitive);
  return t->kind == Type::Kind::Named && t->decl && t->decl->kind == Decl::Kind::Enum;
}

bool Analyzer::isCharType(const Type* t) {
  t = resolve(t);
  if (!t || t->kind != Type::Kind::Primitive) return false;
  switch (t->primitive) {
    case Primitive::Char:
    case Primitive::WChar:
    case Primitive::Byte:
    case Primitive::UInt8:
    case Primitive::Int8:
    case Primitive::UInt16:
      return true;  // unsigned short strings are wide strings in MIDL
    default:
      return false;
  }
}

std::string Analyzer::typeText(const Type* t) const {
  if (!t) return "?";
  switch (t->kind) {
    case Type::Kind::Primitive:
      return t->spelling.empty() ? idlTypeName(t->primitive) : t->spelling;
    case Type::Kind::Named:
      return t->decl ? t->decl->name : "?";
    case Type::Kind::Pointer:
      return typeText(t->element) + "*";
    case Type::Kind::Array:
      return typeText(t->element) + "[" + (t->fixedLength ? std::to_string(*t->fixedLength) : "") + "]";
    case Type::Kind::Pipe:
      return "pipe " + typeText(t->element);
    case Type::Kind::Function:
      return "function returning " + typeText(t->element);
  }
  return "?";
}

const Type* Analyzer::typeSpec(const ast::TypeRef& ref, std::vector<Item>* out,
                               const std::string& typedefName) {
  switch (ref.kind) {
    case ast::TypeRef::Kind::Base: {
      Type* t = newType(Type::Kind::Primitive);
      t->primitive = primitiveOf(ref);
      t->isConst = ref.isConst;
      t->spelling = baseSpelling(ref);
      return t;
    }
    case ast::TypeRef::Kind::Named: {
      const Decl* decl = findName(ref.name);
      for (const auto& arg : ref.typeArgs) typeSpec(*arg, nullptr);  // IVector<HSTRING>: HSTRING must exist
      if (!decl) {
        d_.error(ref.location, "unknown type '" + ref.name + "'" + typeSuggestion(ref.name));
        noteBaseImport(ref.name, ref.location);
        return nullptr;
      }
      if (!decl->isType()) {
        d_.error(ref.location, "'" + ref.name + "' is not a type");
        return nullptr;
      }
      Type* t = newType(Type::Kind::Named);
      t->decl = decl;
      t->isConst = ref.isConst;
      t->spelling = ref.name;
      return t;
    }
    case ast::TypeRef::Kind::Struct:
    case ast::TypeRef::Kind::Union:
    case ast::TypeRef::Kind::Enum: {
      Decl* decl = tagDecl(ref, out, typedefName);
      if (!decl) return nullptr;
      Type* t = newType(Type::Kind::Named);
      t->decl = decl;
      t->isConst = ref.isConst;
      t->spelling = decl->name;
      return t;
    }
    case ast::TypeRef::Kind::Safearray: {
      // SAFEARRAY(T) is a SAFEARRAY*, marshaled as oaidl.idl's LPSAFEARRAY (wire_marshal), as widl does.
      const Type* element = typeSpec(*ref.safearrayElement, out);
      if (!element) return nullptr;
      for (unsigned i = 0; i < ref.safearrayPointers; ++i) {
        Type* p = newType(Type::Kind::Pointer);
        p->element = element;
        element = p;
      }
      Type* t = nullptr;
      if (const Decl* lp = m_.find("LPSAFEARRAY"); lp && lp->kind == Decl::Kind::Typedef) {
        t = newType(Type::Kind::Named);
        t->decl = lp;
      } else if (const Decl* sa = m_.find("SAFEARRAY"); sa && sa->kind != Decl::Kind::Const) {
        Type* named = newType(Type::Kind::Named);
        named->decl = sa;
        named->spelling = "SAFEARRAY";
        t = newType(Type::Kind::Pointer);
        t->element = named;
      } else {
        d_.error(ref.location, "SAFEARRAY(...) needs the SAFEARRAY type: import oaidl.idl");
        return nullptr;
      }
      t->safearrayElement = element;
      t->isConst = ref.isConst;
      t->spelling = "SAFEARRAY(" + typeText(element) + ")";
      return t;
    }
    case ast::TypeRef::Kind::Pipe: {
      const Type* element = typeSpec(*ref.pipeElement, out);
      if (!element) return nullptr;
      Type* t = newType(Type::Kind::Pipe);
      t->element = element;
      return t;
    }
  }
  return nullptr;
}

std::string Analyzer::anonymousName() {
  std::string stem = std::filesystem::path(file_).stem().string();
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return "__midl_anonymous_" + stem + "_" + std::to_string(++anonymousCount_[file_]);
}

Decl* Analyzer::tagDecl(const ast::TypeRef& ref, std::vector<Item>* out, const std::string& typedefName) {
  Decl::Kind kind = ref.kind == ast::TypeRef::Kind::Struct  ? Decl::Kind::Struct
                    : ref.kind == ast::TypeRef::Kind::Union ? Decl::Kind::Union
                                                            : Decl::Kind::Enum;
  const char* word = kind == Decl::Kind::Struct ? "struct" : kind == Decl::Kind::Union ? "union" : "enum";
  bool hasBody = (ref.structDef && ref.structDef->hasBody) || (ref.unionDef && ref.unionDef->hasBody) ||
                 (ref.enumDef && ref.enumDef->hasBody);
  Location loc = ref.structDef  ? ref.structDef->location
                 : ref.unionDef ? ref.unionDef->location
                 : ref.enumDef  ? ref.enumDef->location
                                : ref.location;
  std::string tag = ref.name;

  Decl* decl = nullptr;
  if (!tag.empty()) {
    auto it = m_.tags.find(tag);
    if (it != m_.tags.end()) {
      decl = const_cast<Decl*>(it->second);
      if (decl->kind != kind) {
        d_.error(loc, "'" + tag + "' was declared as a different kind of tag");
        return nullptr;
      }
      if (!hasBody) return decl;  // a use or a repeated forward declaration
      if (!decl->isForward) {
        d_.error(loc, std::string("redefinition of '") + word + " " + tag + "'");
        if (decl->location.valid()) d_.note(decl->location, "previous definition is here");
        return nullptr;
      }
    }
  }
  if (!decl) {
    if (kind == Decl::Kind::Struct)
      decl = make<StructDecl>();
    else if (kind == Decl::Kind::Union)
      decl = make<UnionDecl>();
    else
      decl = make<EnumDecl>();
    decl->name = !tag.empty() ? tag : !typedefName.empty() ? typedefName : anonymousName();
    decl->location = loc;
    decl->isForward = true;
    if (!tag.empty()) m_.tags.emplace(tag, decl);
  }
  if (!hasBody) return decl;
  decl->isForward = false;
  decl->location = loc;
  decl->file = file_;
  decl->imported = imported_;
  if (kind == Decl::Kind::Struct) {
    structBody(*ref.structDef, static_cast<StructDecl&>(*decl));
  } else if (kind == Decl::Kind::Union) {
    unionBody(*ref.unionDef, static_cast<UnionDecl&>(*decl), {});
  } else {
    enumBody(*ref.enumDef, static_cast<EnumDecl&>(*decl));
  }
  if (out) out->push_back(static_cast<const Decl*>(decl));
  return decl;
}

void Analyzer::structBody(const ast::StructDef& def, StructDecl& decl) {
  fieldList(def.fields, decl.fields);
  if (decl.fields.empty()) d_.error(decl.location, "struct '" + decl.name + "' has no fields");
}

std::string Analyzer::memberName(const Type* type, const std::vector<Field>& fields) {
  const Type* t = resolveTypedefs(type);
  const bool isUnion = t && t->kind == Type::Kind::Named && t->decl->kind == Decl::Kind::Union;
  const bool isStruct = t && t->kind == Type::Kind::Named && t->decl->kind == Decl::Kind::Struct;
  const std::string stem = isUnion ? "u" : isStruct ? "s" : "anonymous";
  for (int n = 1;; ++n) {
    std::string name = n == 1 ? stem : stem + std::to_string(n);
    bool taken = false;
    for (const auto& f : fields) taken = taken || f.name == name;
    if (!taken) return name;
  }
}

void Analyzer::fieldList(const std::vector<ast::Field>& in, std::vector<Field>& out) {
  out.reserve(in.size());  // correlation expressions point into this vector
  for (const auto& f : in) {
    Field field;
    field.name = f.declarator ? f.declarator->name : std::string();
    field.location = f.location;
    field.attributes = convert(f.attributes);
    field.ignore = ast::findAttribute(f.attributes, "ignore") != nullptr;
    out.push_back(std::move(field));
  }
  // A hash set, not a pairwise comparison: a struct of a million fields is checked in linear time.
  std::unordered_set<std::string_view> seenNames;
  seenNames.reserve(out.size());
  for (const Field& field : out)
    if (!field.name.empty() && !seenNames.insert(field.name).second)
      d_.error(field.location, "duplicate field '" + field.name + "'");
  Scope outer = scope_;
  scope_ = Scope{&out, nullptr};
  for (size_t i = 0; i < in.size(); ++i) {
    const ast::Field& f = in[i];
    Field& field = out[i];
    checker_.check(f.attributes, kField);
    const Type* base = typeSpec(f.type, nullptr);
    if (!base) continue;
    if (!f.declarator) {
      // An anonymous member (union { ... };, or a name #defined away) still carries its discriminant. C++
      // has no anonymous structs, so it is named as Windows' headers name it without them
      // (NONAMELESSUNION): u, u2, ... for unions, s, s2, ... for structs.
      field.type = base;
      field.name = memberName(base, out);
      if (const auto* sw = ast::findAttribute(f.attributes, "switch_is"); sw && !sw->args.empty())
        field.switchIs = correlation(sw->args[0], scope_, "switch_is");
      continue;
    }
    std::string what = "field '" + field.name + "'";
    field.type = declaratorType(base, *f.declarator, f.attributes, Context::Field, what);
    if (f.declarator->bitWidth) {
      const Expr* width = constantExpr(*f.declarator->bitWidth, "a bit-field width");
      if (width && width->value.kind == Value::Kind::Integer)
        field.bitWidth = static_cast<uint32_t>(width->value.integer);
    }
    if (const auto* s = ast::findAttribute(f.attributes, "switch_is"); s && !s->args.empty()) {
      field.switchIs = correlation(s->args[0], scope_, "switch_is");
    }
    if (const auto* iid = ast::findAttribute(f.attributes, "iid_is");
        iid && !iid->args.empty() && iid->args[0].expr)
      field.iidIs = expr(*iid->args[0].expr, scope_);
    rangeAttribute(f.attributes, field.type, field.rangeMin, field.rangeMax, field.rangeOfLength);
  }
  scope_ = outer;
}

void Analyzer::unionBody(const ast::UnionDef& def, UnionDecl& decl, const ast::Attributes& typeAttrs) {
  (void)typeAttrs;
  decl.encapsulated = def.encapsulated;
  std::vector<std::pair<Value, Location>> seen;
  bool seenDefault = false;
  auto addCases = [&](UnionArm& arm, const std::vector<const ast::Expr*>& labels, bool isDefault,
                      const Location& loc) {
    for (const ast::Expr* label : labels) {
      const Expr* e = constantExpr(*label, "a case label");
      if (!e) continue;
      if (e->value.kind != Value::Kind::Integer && e->value.kind != Value::Kind::Char) {
        d_.error(label->location, "case label '" + e->text + "' is not an integer constant");
        continue;
      }
      for (const auto& [v, where] : seen)
        if (v.integer == e->value.integer) {
          d_.error(label->location, "duplicate case value " + std::to_string(e->value.integer) +
                                        " in union '" + decl.name + "'");
          break;
        }
      seen.emplace_back(e->value, label->location);
      arm.cases.push_back(e->value);
    }
    if (isDefault) {
      if (seenDefault) d_.error(loc, "union '" + decl.name + "' has more than one default arm");
      seenDefault = true;
      arm.isDefault = true;
    }
  };
  if (def.encapsulated) {
    decl.switchType = typeSpec(*def.switchType, nullptr);
    decl.switchName = def.switchName;
    decl.armName = def.armName.empty() ? "tagged_union" : def.armName;
    if (decl.switchType && !isIntegerType(decl.switchType))
      d_.error(def.switchLocation,
               "the discriminant of union '" + decl.name + "' must have an integer or enum type");
    std::vector<ast::Field> armFields;
    for (const auto& c : def.cases) {
      UnionArm arm;
      std::vector<const ast::Expr*> labels;
      for (const auto& l : c.labels) labels.push_back(l.get());
      addCases(arm, labels, c.isDefault, c.location);
      if (c.arm.declarator) {
        checker_.check(c.arm.attributes, kField);
        Field field;
        field.name = c.arm.declarator->name;
        field.location = c.arm.location;
        field.attributes = convert(c.arm.attributes);
        const Type* base = typeSpec(c.arm.type, nullptr);
        if (base)
          field.type = declaratorType(base, *c.arm.declarator, c.arm.attributes, Context::Field,
                                      "union arm '" + field.name + "'");
        arm.field = std::move(field);
      }
      decl.arms.push_back(std::move(arm));
    }
    return;
  }
  // Non-encapsulated: the arms carry [case(...)] or [default]. A union with none at all is a plain C
  // union: fine in types that are never marshaled (or are marshaled through wire_marshal and the like).
  std::vector<Field> fields;
  fieldList(def.fields, fields);
  bool anyCase = false;
  for (const auto& f : def.fields)
    anyCase =
        anyCase || ast::findAttribute(f.attributes, "case") || ast::findAttribute(f.attributes, "default");
  if (!anyCase) {
    decl.isCUnion = true;
    for (auto& f : fields) {
      UnionArm arm;
      if (!f.name.empty() || f.type) arm.field = std::move(f);
      decl.arms.push_back(std::move(arm));
    }
    return;
  }
  for (size_t i = 0; i < def.fields.size(); ++i) {
    const ast::Field& f = def.fields[i];
    UnionArm arm;
    const ast::Attribute* caseAttr = ast::findAttribute(f.attributes, "case");
    bool isDefault = ast::findAttribute(f.attributes, "default") != nullptr;
    if (!caseAttr && !isDefault) {
      d_.error(f.location, "arm of union '" + decl.name + "' has neither [case] nor [default]");
      continue;
    }
    std::vector<const ast::Expr*> labels;
    if (caseAttr)
      for (const auto& arg : caseAttr->args)
        if (arg.expr) labels.push_back(arg.expr.get());
    addCases(arm, labels, isDefault, f.location);
    if (f.declarator) arm.field = std::move(fields[i]);
    decl.arms.push_back(std::move(arm));
  }
}

void Analyzer::enumBody(const ast::EnumDef& def, EnumDecl& decl) {
  int64_t next = 0;
  for (const auto& e : def.enumerators) {
    checker_.check(e.attributes, kEnumerator);
    Enumerator out;
    out.name = e.name;
    out.location = e.location;
    if (e.value) {
      const Expr* v = constantExpr(*e.value, "an enumerator value");
      if (v && (v->value.kind == Value::Kind::Integer || v->value.kind == Value::Kind::Char))
        next = v->value.integer;
      else if (v)
        d_.error(e.value->location, "enumerator '" + e.name + "' needs an integer value");
    }
    out.value = next++;
    decl.enumerators.push_back(std::move(out));
    // Enumerators are names in the enclosing scope, like constants.
    auto* constant = make<ConstDecl>();
    constant->name = e.name;
    constant->location = e.location;
    constant->value.kind = Value::Kind::Integer;
    constant->value.integer = decl.enumerators.back().value;
    constant->enumOwner = &decl;
    declare(constant);
  }
}

const Type* Analyzer::declaratorType(const Type* base, const ast::Declarator& decl,
                                     const ast::Attributes& attrs, Context context, const std::string& what) {
  if (decl.isFunctionPointer) return functionPointerType(base, decl);
  if (decl.isFunction) return functionType(base, decl, context, what);
  Levels levels = declaratorLevels(base, decl, what);
  // size_is or [unique] on a pointer typedef (LPVOID p) applies to the typedef's own pointer: copy it
  // for this use.
  const char* explicitKind = ast::findAttribute(attrs, "ref")      ? "ref"
                             : ast::findAttribute(attrs, "unique") ? "unique"
                             : ast::findAttribute(attrs, "ptr")    ? "ptr"
                                                                   : nullptr;
  bool contextHandle = false;  // typedef [context_handle] void* H: the handle, not a pointer
  for (const Type* t = base;
       t && t->kind == Type::Kind::Named && t->decl && t->decl->kind == Decl::Kind::Typedef;
       t = static_cast<const TypedefDecl*>(t->decl)->type)
    contextHandle = contextHandle || static_cast<const TypedefDecl*>(t->decl)->isContextHandle;
  // A wire_marshal/user_marshal/transmit_as/represent_as type travels as its wire type: a pointer
  // attribute on the parameter does not reach the pointer it may be. widl ignores it without a word
  // ([in, unique] HWND and SNB in Wine's and the SDK's headers are the user-marshaled value, no referent
  // id), and so does midlc.
  const bool converted = levels.levels.empty() && conversionOf(base);
  if (converted && context == Context::Param) explicitKind = nullptr;
  size_t wanted = explicitKind && context != Context::Typedef ? 1 : 0;
  // A pointer typedef used as a parameter (PLONG p) is a top-level pointer and so [ref] unless its typedef
  // says otherwise ("Default Pointer Types": "void Foo1([in] PLONG p); // p is ref"; widl the same).
  if (context == Context::Param && !explicitKind && levels.levels.empty() && !converted && !contextHandle)
    if (const Type* r = resolve(base); r && r->kind == Type::Kind::Pointer && !r->pointerKindExplicit)
      wanted = std::max<size_t>(wanted, 1);
  for (const char* name : {"size_is", "max_is", "min_is", "length_is", "first_is", "last_is"})
    if (const ast::Attribute* a = ast::findAttribute(attrs, name)) wanted = std::max(wanted, a->args.size());
  while (levels.levels.size() < wanted) {
    const Type* inner = levels.levels.empty() ? resolve(base) : resolve(levels.levels.back()->element);
    if (!inner || (inner->kind != Type::Kind::Pointer && inner->kind != Type::Kind::Array)) break;
    Type* copy = newType(inner->kind);
    *copy = *inner;
    if (levels.levels.empty())
      levels.top = copy;
    else
      levels.levels.back()->element = copy;
    levels.levels.push_back(copy);
  }
  pointerKinds(levels.levels, explicitKind, context, decl.location, what);
  sizingAttributes(levels.levels, attrs, what);
  if (const ast::Attribute* str = ast::findAttribute(attrs, "string"))
    stringAttribute(levels, base, *str, what);
  return levels.top;
}

const Type* Analyzer::functionPointerType(const Type* base, const ast::Declarator& decl) {
  Type* fn = newType(Type::Kind::Function);
  fn->element = base;
  const Type* t = fn;
  for (size_t i = 0; i < decl.pointers.size(); ++i) {
    Type* p = newType(Type::Kind::Pointer);
    p->element = t;
    p->pointerKind = PointerKind::Unique;
    t = p;
  }
  fn->isVariadic = decl.functionVarargs;
  std::vector<Param> ignored;
  params(decl.functionParams, ignored, false);
  return t;
}

const Type* Analyzer::functionType(const Type* base, const ast::Declarator& decl, Context context,
                                   const std::string& what) {
  // typedef int fn(const char*, ...); names a function type, as in C; only pointers to it can be used.
  if (context != Context::Typedef)
    d_.error(decl.location, what + " is declared as a function; only a typedef may name a function type");
  const Type* returns = base;
  for (const auto& level : decl.pointers) {  // char *fn(void) returns a char*
    Type* p = newType(Type::Kind::Pointer);
    p->element = returns;
    p->isConst = level.isConst;
    p->pointerKind = PointerKind::Unique;
    returns = p;
  }
  Type* fn = newType(Type::Kind::Function);
  fn->element = returns;
  fn->isVariadic = decl.functionVarargs;
  std::vector<Param> ignored;
  params(decl.functionParams, ignored, false);
  return fn;
}

Analyzer::Levels Analyzer::declaratorLevels(const Type* base, const ast::Declarator& decl,
                                            const std::string& what) {
  // Built inside out: base, then pointers left to right, then arrays right to left.
  Levels out;
  out.top = base;
  for (size_t i = 0; i < decl.pointers.size(); ++i) {
    Type* p = newType(Type::Kind::Pointer);
    p->element = out.top;
    p->isConst = decl.pointers[i].isConst;
    out.top = p;
    out.levels.insert(out.levels.begin(), p);
  }
  std::vector<Type*> arrays;
  for (size_t i = decl.arrays.size(); i-- > 0;) {
    Type* a = newType(Type::Kind::Array);
    a->element = out.top;
    if (decl.arrays[i].size) {
      const Expr* size = constantExpr(*decl.arrays[i].size, "an array size");
      if (size && size->value.kind == Value::Kind::Integer && size->value.integer > 0)
        a->fixedLength = static_cast<uint64_t>(size->value.integer);
      else if (size)
        d_.error(decl.arrays[i].location,
                 "the size of array " + what + " must be a positive integer constant");
    }
    out.top = a;
    arrays.insert(arrays.begin(), a);
  }
  out.levels.insert(out.levels.begin(), arrays.begin(), arrays.end());
  return out;
}

void Analyzer::pointerKinds(std::vector<Type*>& levels, const char* explicitKind, Context context,
                            const Location& where, const std::string& what) {
  // An array parameter is passed as a pointer, so [unique] CATID ids[] is a unique pointer to the
  // (conformant) elements: MIDL and widl accept pointer attributes on it.
  if (explicitKind && context == Context::Param && !levels.empty() &&
      levels.front()->kind == Type::Kind::Array && !levels.front()->fixedLength)
    levels.front()->kind = Type::Kind::Pointer;
  // A field's array is embedded in its structure, not pointed to: [size_is(n), unique] long a[] stays a
  // conformant array. widl skips the pointer attribute of an array declarator without a word (its
  // declare_var checks pointer attributes only on non-arrays) and MIDL ignores it with a warning, so the
  // wire is the same as without it; midlc warns too.
  if (explicitKind && context == Context::Field && !levels.empty() &&
      levels.front()->kind == Type::Kind::Array) {
    d_.warning(where, "deprecated",
               std::string("[") + explicitKind + "] on " + what +
                   " is ignored: an array in a structure or union is embedded, not a pointer");
    explicitKind = nullptr;
  }

  // The attribute applies to the top-level pointer; others take the defaults.
  const PointerKind fallback = currentInterface_ ? currentInterface_->pointerDefault : PointerKind::Unique;
  bool first = true;
  for (Type* level : levels) {
    if (level->kind != Type::Kind::Pointer) {
      first = false;
      continue;
    }
    if (first && explicitKind) {
      level->pointerKind = std::string(explicitKind) == "ref"      ? PointerKind::Ref
                           : std::string(explicitKind) == "unique" ? PointerKind::Unique
                                                                   : PointerKind::Full;
      level->pointerKindExplicit = true;
    } else if (first && context == Context::Param) {
      level->pointerKind =
          PointerKind::Ref;  // top-level parameter pointers are [ref] unless written otherwise
    } else {
      level->pointerKind = fallback;
    }
    first = false;
  }
  if (explicitKind && (levels.empty() || levels.front()->kind != Type::Kind::Pointer) &&
      context != Context::Typedef && !(context == Context::Param && !levels.empty()))
    d_.error(where, std::string("[") + explicitKind + "] applies to pointers, and " + what + " is not one");
}

void Analyzer::sizingAttributes(std::vector<Type*>& levels, const ast::Attributes& attrs,
                                const std::string& what) {
  // size_is(a, b) and friends: argument i applies to level i.
  static const std::pair<const char*, const Expr * Sizing::*> kSizing[] = {
      {"size_is", &Sizing::sizeIs},     {"max_is", &Sizing::maxIs},     {"min_is", &Sizing::minIs},
      {"length_is", &Sizing::lengthIs}, {"first_is", &Sizing::firstIs}, {"last_is", &Sizing::lastIs}};
  for (const auto& [name, member] : kSizing) {
    const ast::Attribute* attr = ast::findAttribute(attrs, name);
    if (!attr) continue;
    if (attr->args.size() > levels.size()) {
      d_.error(attr->location, std::string("[") + name + "] has " + std::to_string(attr->args.size()) +
                                   " dimensions but " + what + " has " + std::to_string(levels.size()) +
                                   " pointer or array levels");
      continue;
    }
    for (size_t i = 0; i < levels.size(); ++i)
      if (const ast::AttributeArg* arg = levelArg(attrs, name, i))
        levels[i]->sizing.*member = correlation(*arg, scope_, name);
  }
}

void Analyzer::stringAttribute(Levels& levels, const Type* base, const ast::Attribute& str,
                               const std::string& what) {
  // [string] applies to the level just above the characters: the innermost pointer or array, through
  // typedefs as widl does ([out, string] LPWSTR *p is a pointer to LPWSTR's own string pointer).
  Type* inner = levels.levels.empty() ? nullptr : levels.levels.back();
  const Type* deepest = inner;
  const Type* element = inner ? inner->element : base;
  for (const Type* r = resolve(element);
       r && (r->kind == Type::Kind::Pointer || r->kind == Type::Kind::Array); r = resolve(r->element)) {
    deepest = r;
    element = r->element;
  }
  if (!deepest) {
    d_.error(str.location,
             "[string] applies to arrays and pointers of characters, and " + what + " is neither");
    return;
  }
  if (!isCharType(element)) {
    const Type* e = resolve(element);
    if (!(e && e->kind == Type::Kind::Named && e->decl && e->decl->kind == Decl::Kind::Struct))
      d_.error(str.location, "[string] applies to char, wchar_t or byte data, not '" + typeText(element) +
                                 "' (" + what + ")");
  }
  if (deepest == inner) {
    inner->isString = true;
    return;
  }
  if (deepest->isString) return;
  // The string level belongs to a typedef written without [string]: copy it for this use.
  Type* level = inner;
  for (const Type* r = resolve(inner ? inner->element : base);
       r && (r->kind == Type::Kind::Pointer || r->kind == Type::Kind::Array); r = resolve(r->element)) {
    Type* copy = newType(r->kind);
    *copy = *r;
    if (level)
      level->element = copy;
    else
      levels.top = copy;
    level = copy;
  }
  if (level) level->isString = true;
}

}  // namespace midlc::sema
