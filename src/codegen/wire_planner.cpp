// The wire plan of values (see wire_planner.h). Embedded pointers' referents are deferred: a type's "flat"
// plan writes them as ids, its "pointees" plan writes the referents afterwards, in declaration order, each
// referent itself flat then pointees (runtime/include/midlrt/ndr/ndr.h describes the deferral).
#include "codegen/wire_planner.h"

#include <algorithm>
#include <tuple>

#include "codegen/cpp_types.h"
#include "codegen/names.h"

namespace midlc::codegen {

using sema::Decl;
using sema::Primitive;
using sema::Type;

namespace {

// A pointer level whose pointee is a struct or union (through plain typedefs): one with generated
// functions, which a [ptr] referent's links are found with (ndr::FullPointerGraph).
bool pointeeIsType(const Type* level) {
  if (sema::conversionOf(level->element) != nullptr) return false;
  const Type* p = sema::resolveTypedefs(level->element);
  return p && p->kind == Type::Kind::Named && p->decl &&
         (p->decl->kind == Decl::Kind::Struct || p->decl->kind == Decl::Kind::Union);
}

bool isNamed(const Type* t, Decl::Kind kind) {
  return t && t->kind == Type::Kind::Named && t->decl && t->decl->kind == kind;
}

// The interface a pointer level points to (an interface pointer), or null.
const Decl* interfaceOf(const Type* level) {
  if (!level || level->kind != Type::Kind::Pointer) return nullptr;
  const Type* e = sema::resolveTypedefs(level->element);
  return isNamed(e, Decl::Kind::Interface) || isNamed(e, Decl::Kind::Dispinterface) ? e->decl : nullptr;
}

// A pointer or array level whose element count travels as a conformance (max_count).
bool sizedLevel(const Type* level) {
  if (level->kind == Type::Kind::Array)
    return !level->fixedLength || level->sizing.sizeIs || level->sizing.maxIs;
  return level->sizing.sizeIs || level->sizing.maxIs;
}

std::string deref(const std::string& expr) {
  return "(*" + expr + ")";
}

// A fixed-size array that transmits part of itself: [length_is], [first_is] or [last_is] without a size.
bool varyingFixed(const Type* level) {
  return level->kind == Type::Kind::Array && !level->isString && !sizedLevel(level) &&
         (level->sizing.lengthIs || level->sizing.firstIs || level->sizing.lastIs);
}

// The last conformant array or string field of a struct, whose max_count goes before the struct.
const Type* conformantField(const sema::StructDecl& s, const sema::Field** field) {
  if (s.fields.empty()) return nullptr;
  const sema::Field& last = s.fields.back();
  if (sema::conversionOf(last.type)) return nullptr;  // it travels as its (fixed-size) wire type
  const Type* t = resolved(last.type);
  if (t && t->kind == Type::Kind::Array && (sizedLevel(t) || (t->isString && !t->fixedLength))) {
    *field = &last;
    return t;
  }
  return nullptr;
}

}  // namespace

std::string Locals::make(const std::string& path, const std::string& role) {
  std::string base = "midl_";
  for (char c : path) base += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  base += "_" + role;
  std::string name = base;
  for (int n = 2; !used_.insert(name).second; ++n) name = base + std::to_string(n);
  return name;
}

// ---- facts about types ----

unsigned WirePlanner::structAlignment(const sema::StructDecl& s) {
  unsigned a = 1;
  for (const auto& f : s.fields) a = std::max(a, alignment(f.type));
  return a;
}

unsigned WirePlanner::armAlignment(const sema::UnionDecl& u) {
  unsigned a = 1;
  for (const auto& arm : u.arms)
    if (arm.field) a = std::max(a, alignment(arm.field->type));
  return a;
}

unsigned WirePlanner::alignment(const Type* t) {
  if (const sema::TypedefDecl* conv = sema::conversionOf(t))  // its wire type's (a wire pointer's: 4)
    return conversionNames(*conv).wirePointer ? 4 : alignment(conv->wireType);
  t = resolved(t);
  if (!t) return 1;
  switch (t->kind) {
    case Type::Kind::Primitive:
      return primitiveAlignment(t->primitive);
    case Type::Kind::Pointer:
      return 4;
    case Type::Kind::Array:
      if (t->isString) return 4;
      return std::max(sizedLevel(t) || varyingFixed(t) ? 4u : 1u, alignment(t->element));
    case Type::Kind::Named:
      break;
    default:
      return 4;
  }
  const Decl* d = t->decl;
  if (d->kind == Decl::Kind::Enum) return static_cast<const sema::EnumDecl*>(d)->v1Enum ? 4 : 2;
  if (d->kind != Decl::Kind::Struct && d->kind != Decl::Kind::Union) return 4;
  if (auto it = alignments_.find(d); it != alignments_.end()) return it->second;
  alignments_[d] = 4;  // a type that holds itself does so through a pointer, which is 4-aligned
  unsigned a;
  if (d->kind == Decl::Kind::Struct) {
    a = structAlignment(*static_cast<const sema::StructDecl*>(d));
  } else {
    const auto* u = static_cast<const sema::UnionDecl*>(d);
    a = std::max(u->switchType ? alignment(u->switchType) : 4u, armAlignment(*u));
  }
  return alignments_[d] = a;
}

bool WirePlanner::hasPointees(const Type* t) {
  // A conversion's wire value travels whole in its place, except a wire pointer's referent (sema allows
  // no other pointers in wire types).
  if (const sema::TypedefDecl* conv = sema::conversionOf(t)) return conversionNames(*conv).wirePointer;
  t = resolved(t);
  if (!t) return false;
  switch (t->kind) {
    case Type::Kind::Pointer:
      return true;
    case Type::Kind::Array:
      return !t->isString && hasPointees(t->element);
    case Type::Kind::Named:
      break;
    default:
      return false;
  }
  const Decl* d = t->decl;
  if (d->kind != Decl::Kind::Struct && d->kind != Decl::Kind::Union) return false;
  if (auto it = pointees_.find(d); it != pointees_.end()) return it->second;
  pointees_[d] = false;  // a type that holds itself through a pointer has pointees through that pointer
  bool any = false;
  if (d->kind == Decl::Kind::Struct) {
    for (const auto& f : static_cast<const sema::StructDecl*>(d)->fields) any = any || hasPointees(f.type);
  } else {
    for (const auto& arm : static_cast<const sema::UnionDecl*>(d)->arms)
      any = any || (arm.field && hasPointees(arm.field->type));
  }
  return pointees_[d] = any;
}

bool WirePlanner::bulkCopyable(const Type* t) {
  if (sema::conversionOf(t)) return false;
  t = resolved(t);
  if (!t || t->kind != Type::Kind::Primitive) return false;
  switch (t->primitive) {
    case Primitive::Boolean:
    case Primitive::Int3264:
    case Primitive::UInt3264:
    case Primitive::HandleT:
    case Primitive::Void:
      return false;
    default:
      return true;
  }
}

const std::optional<WirePlanner::BulkLayout>& WirePlanner::bulkStruct(const Type* t) {
  static const std::optional<BulkLayout> none;
  if (sema::conversionOf(t)) return none;
  t = resolved(t);
  if (!isNamed(t, Decl::Kind::Struct)) return none;
  if (auto it = layouts_.find(t->decl); it != layouts_.end()) return it->second;
  const auto* s = static_cast<const sema::StructDecl*>(t->decl);
  std::optional<BulkLayout> result;
  BulkLayout layout;
  unsigned offset = 0;
  bool bulk = !s->fields.empty();
  for (const auto& f : s->fields) {
    const Type* ft = resolved(f.type);
    if (!bulkCopyable(f.type) || f.rangeMin || f.bitWidth) {
      bulk = false;
      break;
    }
    unsigned a = primitiveAlignment(ft->primitive);
    unsigned aligned = (offset + a - 1) / a * a;
    if (aligned > offset) layout.holes.emplace_back(offset, aligned - offset);
    offset = aligned + a;  // a primitive's size is its alignment
    layout.alignment = std::max(layout.alignment, a);
  }
  if (bulk && offset % layout.alignment == 0) {  // no trailing padding
    layout.size = offset;
    result = layout;
  }
  return layouts_[t->decl] = result;
}

unsigned WirePlanner::pipeInPlaceAlignment(const Type* element) {
  if (bulkCopyable(element)) return alignment(element);
  if (const auto& layout = bulkStruct(element); layout && layout->holes.empty()) return layout->alignment;
  return 0;
}

// ---- expressions ----

std::string WirePlanner::expression(const sema::Expr* e, const ExprScope& scope) {
  using K = sema::Expr::Kind;
  if (!e) return "0";
  if (e->isConstant() &&
      (e->value.kind == sema::Value::Kind::Integer || e->value.kind == sema::Value::Kind::Char))
    return std::to_string(e->value.integer);
  switch (e->kind) {
    case K::FieldRef:
      return scope.fieldPrefix + cppName(e->name);
    case K::ParamRef:
      return scope.paramPrefix + (e->param ? paramCppName(*e->param) : cppName(e->name));
    case K::ConstRef:
    case K::EnumeratorRef:
      return cppName(e->name);
    case K::Unary:
      if (e->op == "*" && scope.refParamsAreValues && e->operands[0]->kind == K::ParamRef &&
          !isOptionalParam(e->operands[0]->param))
        return expression(e->operands[0], scope);  // *pcount: the [ref] pointer is passed as the value
      return "(" + e->op + expression(e->operands[0], scope) + ")";
    case K::Binary:
      return "(" + expression(e->operands[0], scope) + " " + e->op + " " + expression(e->operands[1], scope) +
             ")";
    case K::Conditional:
      return "(" + expression(e->operands[0], scope) + " ? " + expression(e->operands[1], scope) + " : " +
             expression(e->operands[2], scope) + ")";
    case K::Cast:
      return "static_cast<" + cppType(e->type) + ">(" + expression(e->operands[0], scope) + ")";
    case K::Member:
      return expression(e->operands[0], scope) + "." + cppName(e->name);
    default:
      return "0";
  }
}

// ---- values ----

wire::Elements WirePlanner::elements(const Type* element, const Value& c, const std::string& count,
                                     const ExprScope& scope, Locals& locals, const std::string& what) {
  wire::Elements out;
  out.container = c.expr;
  out.count = count;
  out.elementType = cppType(element);
  out.alignment = alignment(element);
  out.what = what;
  if (const auto& layout = bulkStruct(element)) {
    // Structs whose NDR layout is their C++ layout move as one block; padding bytes are zeroed on the way
    // out.
    out.codec = wire::Elements::Codec::BulkStruct;
    out.size = layout->size;
    out.alignment = layout->alignment;
    out.holes = layout->holes;
    return out;
  }
  if (bulkCopyable(element)) {
    out.codec = wire::Elements::Codec::Bulk;
    return out;
  }
  out.codec = wire::Elements::Codec::EachFlat;
  out.element = locals.make(c.path, "el");
  if (const sema::TypedefDecl* conv = sema::conversionOf(element);
      conv && conversionNames(*conv).wirePointer) {
    out.userMarkers = true;
    return out;
  }
  flat(element, Value{out.element, c.path + "_el"}, scope, locals, what, out.body);
  return out;
}

wire::Elements WirePlanner::pipeChunk(const Type* element, const std::string& container,
                                      const std::string& count, Locals& locals, const std::string& what) {
  return elements(element, Value{container, "chunk"}, count, ExprScope{}, locals, what);
}

wire::Convert WirePlanner::convert(const sema::TypedefDecl& td, const Value& x, const ExprScope& scope,
                                   Locals& locals, const std::string& what) {
  const ConversionNames names = conversionNames(td);
  wire::Convert c;
  c.value = x.expr;
  c.wireType = names.wireType;
  c.local = locals.make(x.path, "wire");
  c.toWire = names.toWire;
  c.fromWire = names.fromWire;
  const Value wireValue{c.local, x.path + "_wire"};
  if (names.wirePointer) {
    referent(names.wirePointer, wireValue, scope, locals, what, c.body);
  } else {
    flat(td.wireType, wireValue, scope, locals, what, c.body);
    pointees(td.wireType, wireValue, scope, locals, what, c.body);
  }
  return c;
}

void WirePlanner::flat(const Type* t, const Value& x, const ExprScope& scope, Locals& locals,
                       const std::string& what, wire::Steps& out) {
  if (const sema::TypedefDecl* conv = sema::conversionOf(t)) {
    if (conversionNames(*conv).wirePointer)
      out.push_back(wire::UserMarker{});  // the referent follows with the pointees
    else
      out.push_back(convert(*conv, x, scope, locals, what));
    return;
  }
  t = resolved(t);
  if (!t) return;
  switch (t->kind) {
    case Type::Kind::Primitive:
      out.push_back(wire::Scalar{x.expr, t->primitive});
      return;
    case Type::Kind::Named: {
      const Decl* d = t->decl;
      if (d->kind == Decl::Kind::Enum)
        out.push_back(wire::Enum{x.expr, cppName(d->name), static_cast<const sema::EnumDecl*>(d)->v1Enum});
      else
        out.push_back(wire::TypeFlat{x.expr});
      return;
    }
    case Type::Kind::Pointer:
      if (interfaceOf(t)) {
        out.push_back(wire::InterfaceId{x.expr});
        return;
      }
      out.push_back(wire::PointerId{x.expr, t->pointerKind, pointeeType(t), pointeeIsType(t)});
      return;
    case Type::Kind::Array: {
      if (t->isString) {
        // A fixed [string] array keeps its bound; a conformant one had its max_count hoisted.
        out.push_back(wire::BoundedString{x.expr, isWideString(t), t->fixedLength});
        return;
      }
      if (varyingFixed(t)) {
        out.push_back(varyingArray(t, x, scope, locals, what));
        return;
      }
      if (!sizedLevel(t)) {
        out.push_back(elements(t->element, x, "", scope, locals, what));
        return;
      }
      // A struct's conformant (and maybe varying) array: its max_count was hoisted before the struct.
      wire::HoistedArray a;
      a.value = x.expr;
      a.varying = t->sizing.lengthIs || t->sizing.firstIs || t->sizing.lastIs;
      if (t->sizing.firstIs) {
        a.offset = expression(t->sizing.firstIs, scope);
        a.offsetText = "first_is(" + t->sizing.firstIs->text + ")";
      }
      std::string count = "midl_conformance";
      if (a.varying) {
        a.varianceLocal = locals.make(x.path, "variance");
        count = a.varianceLocal + ".actualCount";
      }
      a.elements = elements(t->element, x, count, scope, locals, what);
      out.push_back(std::move(a));
      return;
    }
    default:
      return;  // sema's remoting checks refuse everything else
  }
}

std::pair<std::string, std::string> WirePlanner::varyingWindow(const Type* level, const ExprScope& scope) {
  const sema::Sizing& z = level->sizing;
  const std::string first = z.firstIs ? expression(z.firstIs, scope) : "0";
  std::string count;
  if (z.lengthIs)
    count = expression(z.lengthIs, scope);
  else if (z.lastIs)
    count = "(" + expression(z.lastIs, scope) + " - " + first + " + 1)";
  else
    count = "(" + std::to_string(*level->fixedLength) + " - " + first + ")";
  return {first, count};
}

wire::VaryingArray WirePlanner::varyingArray(const Type* level, const Value& x, const ExprScope& scope,
                                             Locals& locals, const std::string& what) {
  const sema::Sizing& z = level->sizing;
  wire::VaryingArray a;
  a.value = x.expr;
  a.size = *level->fixedLength;
  std::tie(a.first, a.count) = varyingWindow(level, scope);
  a.firstText = z.firstIs ? "first_is(" + z.firstIs->text + ")" : "an offset of 0";
  a.countText = z.lengthIs ? "length_is(" + z.lengthIs->text + ")"
                : z.lastIs ? "last_is(" + z.lastIs->text + ")"
                           : "the elements from the first to the last";
  a.firstLocal = locals.make(x.path, "first");
  a.countLocal = locals.make(x.path, "count");
  a.varianceLocal = locals.make(x.path, "variance");
  a.window = locals.make(x.path, "window");
  a.elements = elements(level->element, Value{a.window, x.path}, "", scope, locals, what);
  a.what = what;
  return a;
}

void WirePlanner::referent(const Type* level, const Value& y, const ExprScope& scope, Locals& locals,
                           const std::string& what, wire::Steps& out) {
  if (level->isString) {
    out.push_back(wire::String{y.expr, isWideString(level), ""});
    return;
  }
  if (!sizedLevel(level)) {
    flat(level->element, y, scope, locals, what, out);
    pointees(level->element, y, scope, locals, what, out);
    return;
  }
  wire::ConformantArray a;
  a.value = y.expr;
  a.varying = level->sizing.lengthIs || level->sizing.firstIs || level->sizing.lastIs;
  if (level->sizing.firstIs) {
    a.offset = expression(level->sizing.firstIs, scope);
    a.offsetText = "first_is(" + level->sizing.firstIs->text + ")";
  }
  if (a.varying) {
    const sema::Expr* max = level->sizing.sizeIs ? level->sizing.sizeIs : level->sizing.maxIs;
    a.maxCount = expression(max, scope) + (level->sizing.sizeIs ? "" : " + 1");
    a.maxCountText = std::string(level->sizing.sizeIs ? "size_is(" : "max_is(") + max->text + ")";
    a.checkMaxCount = !scope.fieldPrefix.empty();  // a struct's fields precede their referents
  }
  a.countLocal = locals.make(y.path, "count");
  std::string count = a.countLocal;
  if (a.varying) {
    a.varianceLocal = locals.make(y.path, "variance");
    count = a.varianceLocal + ".actualCount";
  }
  a.elements = elements(level->element, y, count, scope, locals, what);
  if (hasPointees(level->element)) {
    wire::EachElement each;
    each.container = y.expr;
    each.element = locals.make(y.path, "el");
    pointees(level->element, Value{each.element, y.path + "_el"}, scope, locals, what, each.body);
    a.pointees = std::move(each);
  }
  out.push_back(std::move(a));
}

void WirePlanner::pointees(const Type* t, const Value& x, const ExprScope& scope, Locals& locals,
                           const std::string& what, wire::Steps& out) {
  if (const sema::TypedefDecl* conv = sema::conversionOf(t)) {
    if (conversionNames(*conv).wirePointer) out.push_back(convert(*conv, x, scope, locals, what));
    return;
  }
  t = resolved(t);
  if (!t || !hasPointees(t)) return;
  switch (t->kind) {
    case Type::Kind::Named:
      out.push_back(wire::TypePointees{x.expr});
      return;
    case Type::Kind::Array: {
      wire::EachElement each;
      each.container = x.expr;
      if (varyingFixed(t)) {  // only the transmitted elements' pointees; flat has checked the window
        const auto [first, count] = varyingWindow(t, scope);
        each.container = "::midlrt::ndr::window(" + x.expr + ", static_cast<uint64_t>(" + first +
                         "), static_cast<uint64_t>(" + count + "))";
      }
      each.element = locals.make(x.path, "el");
      pointees(t->element, Value{each.element, x.path + "_el"}, scope, locals, what, each.body);
      out.push_back(std::move(each));
      return;
    }
    case Type::Kind::Pointer: {
      if (const Decl* itf = interfaceOf(t)) {
        const std::string name = cppName(itf->name);
        out.push_back(wire::InterfaceReferent{x.expr, name, name + "::kIid", proxyFactory(itf)});
        return;
      }
      if (t->pointerKind == sema::PointerKind::Ref) {
        referent(t, x, scope, locals, what, out);
        return;
      }
      wire::Referent r{x.expr, t->pointerKind, {}};
      referent(t, Value{deref(x.expr), x.path}, scope, locals, what, r.body);
      out.push_back(std::move(r));
      return;
    }
    default:
      return;
  }
}

wire::Steps WirePlanner::topLevel(const Type* t, const Value& value, const ExprScope& scope, Locals& locals,
                                  const std::string& what, bool rawPointer) {
  wire::Steps out;
  if (t && t->kind == Type::Kind::Pointer) {
    if (t->pointerKind == sema::PointerKind::Ref) {
      referent(t, value, scope, locals, what, out);
      return out;
    }
    wire::TopPointer p{value.expr, t->pointerKind, pointeeType(t), rawPointer, {}, pointeeIsType(t)};
    referent(t, Value{deref(value.expr), value.path}, scope, locals, what, p.body);
    out.push_back(std::move(p));
    return out;
  }
  if (t && t->kind == Type::Kind::Array && (sizedLevel(t) || t->isString)) {
    referent(t, value, scope, locals, what, out);
    return out;
  }
  flat(t, value, scope, locals, what, out);
  pointees(t, value, scope, locals, what, out);
  return out;
}

// ---- structs and unions ----

wire::StructCodec WirePlanner::structCodec(const sema::StructDecl& s) {
  const ExprScope scope{"midl_v.", false, ""};
  Locals locals;
  wire::StructCodec codec;
  codec.type = cppName(s.name);
  codec.alignment = structAlignment(s);
  // Correlation: a size or length field must agree with the container it describes.
  for (const auto& f : s.fields) {
    const Type* level = f.type;
    if (!level || (level->kind != Type::Kind::Pointer && level->kind != Type::Kind::Array) ||
        level->isString || varyingFixed(level))  // checked against its variance (wire::VaryingArray)
      continue;
    const sema::Expr* e = level->sizing.lengthIs ? level->sizing.lengthIs : level->sizing.sizeIs;
    const bool isMax = !e && level->sizing.maxIs;
    if (isMax) e = level->sizing.maxIs;
    if (!e) continue;
    wire::SizeCheck c;
    c.text = e->text;
    c.value = expression(e, scope) + (isMax ? " + 1" : "");
    if (const sema::Sizing& z = level->sizing; !z.lengthIs && (z.firstIs || z.lastIs)) {
      // The elements from [first_is] (0 without it) to [last_is] (the last without it) travel.
      const std::string first = z.firstIs ? expression(z.firstIs, scope) : "0";
      c.text = z.lastIs ? "last_is(" + z.lastIs->text + ")" : "first_is(" + z.firstIs->text + ")";
      c.value = z.lastIs ? "(" + expression(z.lastIs, scope) + " - " + first + " + 1)"
                         : "(" + c.value + " - " + first + ")";
    }
    const std::string name = scope.fieldPrefix + cppName(f.name);
    if (level->kind == Type::Kind::Pointer && level->pointerKind != sema::PointerKind::Ref) {
      c.guard = name;
      c.container = deref(name);
    } else {
      c.container = name;
    }
    c.deferred = level->kind == Type::Kind::Pointer;
    codec.sizes.push_back(std::move(c));
  }
  const sema::Field* cf = nullptr;
  if (const Type* ct = conformantField(s, &cf)) {
    const std::string name = "midl_v." + cppName(cf->name);
    if (ct->isString)
      codec.hoisted = name + ".size() + 1";
    else if ((ct->sizing.lengthIs || ct->sizing.firstIs || ct->sizing.lastIs) && ct->sizing.sizeIs)
      codec.hoisted = expression(ct->sizing.sizeIs, scope),
      codec.hoistedText = "size_is(" + ct->sizing.sizeIs->text + ")";
    else if ((ct->sizing.lengthIs || ct->sizing.firstIs || ct->sizing.lastIs) && ct->sizing.maxIs)
      codec.hoisted = expression(ct->sizing.maxIs, scope) + " + 1",
      codec.hoistedText = "max_is(" + ct->sizing.maxIs->text + ")";
    else
      codec.hoisted = name + ".size()";
  }
  for (const auto& f : s.fields) {
    const std::string what = "field '" + f.name + "' of '" + s.name + "'";
    const Value value{"midl_v." + cppName(f.name), f.name};
    if (f.rangeMin && f.rangeMax && !f.rangeOfLength)
      codec.ranges.push_back({what, value.expr, cppType(f.type), expression(f.rangeMin, scope),
                              expression(f.rangeMax, scope), ""});
    if (f.rangeMin && f.rangeMax && f.rangeOfLength)  // an array in the struct (sema refuses pointers)
      codec.ranges.push_back({"the length of " + what,
                              value.expr + ".size()" + (resolved(f.type)->isString ? " + 1" : ""), "uint64_t",
                              expression(f.rangeMin, scope), expression(f.rangeMax, scope), ""});
    if (f.switchIs)
      codec.switches.push_back({what, f.switchIs->text, value.expr, expression(f.switchIs, scope), ""});
    if (isIidIsVoidField(f))
      codec.flat.push_back(wire::InterfaceId{value.expr});
    else
      flat(f.type, value, scope, locals, what, codec.flat);
  }
  for (const auto& f : s.fields) {
    const Value value{"midl_v." + cppName(f.name), f.name};
    // An [iid_is] interface pointer travels as the interface its IID field names (I*, IUnknown* or void*).
    if (isIidIsVoidField(f)) {
      codec.pointees.push_back(wire::InterfaceReferent{value.expr, "::midlrt::com::IUnknown",
                                                       expression(f.iidIs, scope), "nullptr"});
      continue;
    }
    if (const Decl* itf = f.iidIs ? interfaceOf(resolved(f.type)) : nullptr) {
      codec.pointees.push_back(
          wire::InterfaceReferent{value.expr, cppName(itf->name), expression(f.iidIs, scope), "nullptr"});
      continue;
    }
    pointees(f.type, value, scope, locals, "field '" + f.name + "' of '" + s.name + "'", codec.pointees);
  }
  return codec;
}

wire::UnionCodec WirePlanner::unionCodec(const sema::UnionDecl& u) {
  const ExprScope scope{"midl_v.", false, ""};
  Locals locals;
  wire::UnionCodec codec;
  codec.type = cppName(u.name);
  codec.name = u.name;
  codec.encapsulated = u.encapsulated;
  codec.armAlignment = armAlignment(u);
  codec.pairAlignment = std::max(codec.armAlignment, alignment(u.switchType));
  flat(u.switchType, Value{"midl_v.discriminant", "discriminant"}, scope, locals,
       "the discriminant of '" + u.name + "'", codec.discriminant);
  size_t index = 0;
  for (const auto& arm : u.arms) {
    wire::UnionArm a;
    for (const auto& c : arm.cases) a.cases.push_back(c.integer);
    a.isDefault = arm.isDefault;
    codec.hasDefault = codec.hasDefault || arm.isDefault;
    if (arm.field) {
      a.index = ++index;
      const Value value{"std::get<" + std::to_string(a.index) + ">(midl_v.value)", arm.field->name};
      const std::string what = "arm '" + arm.field->name + "' of '" + u.name + "'";
      flat(arm.field->type, value, scope, locals, what, a.flat);
      pointees(arm.field->type, value, scope, locals, what, a.pointees);
    }
    codec.arms.push_back(std::move(a));
  }
  return codec;
}

}  // namespace midlc::codegen
