// Straight-line NDR 2.0 marshaling code (see ndr_code.h).
#include "codegen/ndr_code.h"

#include <algorithm>

#include "codegen/cpp_types.h"
#include "support/text.h"

namespace midlc::codegen {

using sema::Decl;
using sema::Primitive;
using sema::Type;

namespace {

std::string quote(const std::string& s) {
  return "\"" + cEscape(s) + "\"";
}

bool isNamed(const Type* t, Decl::Kind kind) {
  return t && t->kind == Type::Kind::Named && t->decl && t->decl->kind == kind;
}

bool sizedLevel(const Type* level) {
  if (level->kind == Type::Kind::Array)
    return !level->fixedLength || level->sizing.sizeIs || level->sizing.maxIs;
  return level->sizing.sizeIs || level->sizing.maxIs;
}

}  // namespace

NdrCode::NdrCode(const sema::Model& model, Diagnostics& diagnostics)
    : model_(model), diagnostics_(diagnostics) {}

unsigned NdrCode::structAlignment(const sema::StructDecl& s) {
  unsigned a = 1;
  for (const auto& f : s.fields) a = std::max(a, alignment(f.type));
  return a;
}

unsigned NdrCode::armAlignment(const sema::UnionDecl& u) {
  unsigned a = 1;
  for (const auto& arm : u.arms)
    if (arm.field) a = std::max(a, alignment(arm.field->type));
  return a;
}

const Type* NdrCode::switchType(const sema::UnionDecl& u) {
  return u.switchType;
}

std::string NdrCode::unsupported(const std::string& what, const std::string& why) {
  failed_ = true;
  // The four functions of a type meet the same obstacle: say it once.
  if (reported_.insert(what).second)
    diagnostics_.error(where_, "cannot generate marshaling code for " + what + ": " + why);
  return "";
}

unsigned NdrCode::alignment(const Type* t) {
  t = resolved(t);
  if (!t) return 1;
  switch (t->kind) {
    case Type::Kind::Primitive:
      return primitiveAlignment(t->primitive);
    case Type::Kind::Pointer:
      return 4;
    case Type::Kind::Array:
      if (t->isString) return 4;
      return std::max(sizedLevel(t) ? 4u : 1u, alignment(t->element));
    case Type::Kind::Named: {
      if (t->decl->kind == Decl::Kind::Enum) return isV1Enum(t->decl) ? 4 : 2;
      if (t->decl->kind == Decl::Kind::Struct) {
        unsigned a = 1;
        for (const auto& f : static_cast<const sema::StructDecl*>(t->decl)->fields)
          a = std::max(a, alignment(f.type));
        return a;
      }
      if (t->decl->kind == Decl::Kind::Union) {
        const auto* u = static_cast<const sema::UnionDecl*>(t->decl);
        unsigned a = switchType(*u) ? alignment(switchType(*u)) : 4;
        for (const auto& arm : u->arms)
          if (arm.field) a = std::max(a, alignment(arm.field->type));
        return a;
      }
      return 4;
    }
    default:
      return 4;
  }
}

bool NdrCode::hasPointees(const Type* t) {
  t = resolved(t);
  if (!t) return false;
  switch (t->kind) {
    case Type::Kind::Pointer:
      return true;
    case Type::Kind::Array:
      return !t->isString && hasPointees(t->element);
    case Type::Kind::Named:
      if (t->decl->kind == Decl::Kind::Struct) {
        for (const auto& f : static_cast<const sema::StructDecl*>(t->decl)->fields)
          if (hasPointees(f.type)) return true;
      } else if (t->decl->kind == Decl::Kind::Union) {
        for (const auto& arm : static_cast<const sema::UnionDecl*>(t->decl)->arms)
          if (arm.field && hasPointees(arm.field->type)) return true;
      }
      return false;
    default:
      return false;
  }
}

bool NdrCode::bulkCopyable(const Type* t) {
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

std::string NdrCode::expression(const sema::Expr* e, const Scope& scope) {
  using K = sema::Expr::Kind;
  if (!e) return "0";
  if (e->isConstant() &&
      (e->value.kind == sema::Value::Kind::Integer || e->value.kind == sema::Value::Kind::Char))
    return std::to_string(e->value.integer);
  switch (e->kind) {
    case K::FieldRef:
      return scope.fieldPrefix + cppName(e->name);
    case K::ParamRef:
      return scope.paramPrefix + cppName(e->name);
    case K::ConstRef:
    case K::EnumeratorRef:
      return cppName(e->name);
    case K::Unary:
      if (e->op == "*" && scope.refParamsAreValues && e->operands[0]->kind == K::ParamRef)
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

std::optional<NdrCode::BulkLayout> NdrCode::bulkStruct(const Type* t) {
  t = resolved(t);
  if (!isNamed(t, Decl::Kind::Struct)) return std::nullopt;
  const auto* s = static_cast<const sema::StructDecl*>(t->decl);
  BulkLayout layout;
  unsigned offset = 0;
  for (const auto& f : s->fields) {
    const Type* ft = resolved(f.type);
    if (!bulkCopyable(ft) || f.rangeMin || f.bitWidth) return std::nullopt;
    unsigned a = primitiveAlignment(ft->primitive);
    unsigned aligned = (offset + a - 1) / a * a;
    if (aligned > offset) layout.holes.emplace_back(offset, aligned - offset);
    offset = aligned + a;  // a primitive's size is its alignment
    layout.alignment = std::max(layout.alignment, a);
  }
  if (s->fields.empty() || offset % layout.alignment != 0) return std::nullopt;  // trailing padding
  layout.size = offset;
  return layout;
}

std::string NdrCode::elements(const Type* element, const std::string& c, const std::string& count, bool write,
                              const Scope& scope, const std::string& what, int depth) {
  std::string el = "el" + std::to_string(++counter_);
  if (auto layout = bulkStruct(element)) {
    // Structs whose NDR layout is their C++ layout move as one block; padding bytes are zeroed on the way
    // out.
    std::string type = cppType(element);
    std::string out = "static_assert(sizeof(" + type + ") == " + std::to_string(layout->size) + ", " +
                      quote(type + " has the NDR layout of its members") + ");\n";
    std::string align = std::to_string(layout->alignment);
    if (write) {
      if (layout->holes.empty())
        return out + "e.writeBulk(" + c + ".data(), " + c + ".size(), " + align + ");\n";
      std::string holes;
      for (const auto& [offset, size] : layout->holes)
        holes +=
            (holes.empty() ? "" : ", ") + ("{" + std::to_string(offset) + ", " + std::to_string(size) + "}");
      return out + "{\nstatic constexpr ::midlrt::ndr::PaddingHole holes[] = {" + holes + "};\ne.writeBulk(" +
             c + ".data(), " + c + ".size(), holes, " + align + ");\n}\n";
    }
    if (count.empty()) return out + "d.readBulk(" + c + ".data(), " + c + ".size(), " + align + ");\n";
    return out + "d.readBulk(" + c + ", " + count + ", " + align + ");\n";
  }
  if (bulkCopyable(element)) {
    if (write) return "e.writeBulk(" + c + ".data(), " + c + ".size());\n";
    if (count.empty()) return "d.readBulk(" + c + ".data(), " + c + ".size());\n";
    return "d.readBulk(" + c + ", " + count + ");\n";
  }
  if (write)
    return "for (const auto& " + el + " : " + c + ") {\n" + flat(element, el, true, scope, what, depth + 1) +
           "}\n";
  std::string out;
  if (!count.empty())
    out += "d.requireElements(" + count + ", " + std::to_string(alignment(element)) + ", " + quote(what) +
           ");\n" + c + ".resize(" + count + ");\n";
  return out + "for (auto& " + el + " : " + c + ") {\n" + flat(element, el, false, scope, what, depth + 1) +
         "}\n";
}

std::string NdrCode::pipeElementProblem(const Type* t, int depth) {
  if (depth > 64) return "the type nests too deeply";
  if (isNamed(t, Decl::Kind::Typedef)) {
    const auto* td = static_cast<const sema::TypedefDecl*>(t->decl);
    if (td->isContextHandle) return "a pipe element cannot be a context handle";
    return pipeElementProblem(td->type, depth + 1);
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
      for (const auto& f : static_cast<const sema::StructDecl*>(t->decl)->fields)
        if (std::string why = pipeElementProblem(f.type, depth + 1); !why.empty()) return why;
      return "";
    case Decl::Kind::Union:
      return "a pipe element cannot be or contain a union";
    default:
      return "a pipe element cannot be an interface";
  }
}

unsigned NdrCode::pipeInPlaceAlignment(const Type* element) {
  if (bulkCopyable(element)) return alignment(element);
  if (auto layout = bulkStruct(element); layout && layout->holes.empty()) return layout->alignment;
  return 0;
}

std::string NdrCode::pipeSpanWriter(const Type* element, const std::string& what) {
  return "[](::midlrt::ndr::Encoder& e, std::span<const " + cppType(element) + "> c) {\n" +
         elements(element, "c", "", true, Scope{}, what, 0) + "}";
}

std::string NdrCode::pipeSpanReader(const Type* element, const std::string& what) {
  return "[](::midlrt::ndr::Decoder& d, std::span<" + cppType(element) + "> c) {\n" +
         elements(element, "c", "", false, Scope{}, what, 0) + "}";
}

std::string NdrCode::pipeChunkReader(const Type* element, const std::string& what) {
  return "[](::midlrt::ndr::Decoder& d, std::vector<" + cppType(element) + ">& c, uint32_t n) {\n" +
         elements(element, "c", "n", false, Scope{}, what, 0) + "}";
}

std::string NdrCode::flat(const Type* t, const std::string& x, bool write, const Scope& scope,
                          const std::string& what, int depth) {
  if (depth > 64) return unsupported(what, "the type nests too deeply");
  if (isNamed(t, Decl::Kind::Typedef)) return flat(resolved(t), x, write, scope, what, depth);
  if (!t) return "";
  switch (t->kind) {
    case Type::Kind::Primitive: {
      std::string type = primitiveType(t->primitive);
      switch (t->primitive) {
        case Primitive::Boolean:
          return write ? "e.writeBool(" + x + ");\n" : x + " = d.readBool();\n";
        case Primitive::Int3264:
          return write ? "e.writeInt3264(" + x + ");\n" : x + " = d.readInt3264();\n";
        case Primitive::UInt3264:
          return write ? "e.writeUint3264(" + x + ");\n" : x + " = d.readUint3264();\n";
        case Primitive::HandleT:
        case Primitive::Void:
          return unsupported(what, "void, handle_t and function pointers carry no data");
        default:
          return write ? "e.write<" + type + ">(" + x + ");\n" : x + " = d.read<" + type + ">();\n";
      }
    }
    case Type::Kind::Named: {
      const Decl* d = t->decl;
      std::string name = cppName(d->name);
      if (d->kind == Decl::Kind::Enum) {
        if (isV1Enum(d))
          return write ? "e.write<int32_t>(static_cast<int32_t>(" + x + "));\n"
                       : x + " = static_cast<" + name + ">(d.read<int32_t>());\n";
        return write ? "e.writeEnum16(" + x + ");\n" : x + " = d.readEnum16<" + name + ">();\n";
      }
      if (d->kind == Decl::Kind::Struct || d->kind == Decl::Kind::Union)
        return write ? "ndrWriteFlat(e, " + x + ");\n" : "ndrReadFlat(d, " + x + ");\n";
      return unsupported(
          what, "interface pointers need MS-DCOM object references, which midlrt does not implement");
    }
    case Type::Kind::Pointer: {
      const Type* element = resolved(t->element);
      if (!element || (element->kind == Type::Kind::Primitive && element->primitive == Primitive::Void) ||
          element->kind == Type::Kind::Function)
        return unsupported(what, "void, handle_t and function pointers carry no data");
      if (isNamed(element, Decl::Kind::Interface) || isNamed(element, Decl::Kind::Dispinterface))
        return unsupported(
            what, "interface pointers need MS-DCOM object references, which midlrt does not implement");
      std::string pointee = pointeeType(t);
      switch (t->pointerKind) {
        case sema::PointerKind::Ref:
          return write ? "e.writeRefPointer();\n" : "d.readRefPointer();\n";
        case sema::PointerKind::Unique:
          return write ? "e.writeUniquePointer(" + x + ".get());\n"
                       : "if (d.readUniquePointer()) " + x + " = std::make_unique<" + pointee +
                             ">();\nelse " + x + ".reset();\n";
        case sema::PointerKind::Full:
          return write ? "e.writeFullPointer(" + x + ".get());\n"
                       : x + " = d.readFullPointer<" + pointee + ">();\n";
      }
      return "";
    }
    case Type::Kind::Array: {
      bool wide = isWideString(t);
      if (t->isString) {
        // A fixed [string] array keeps its bound; a conformant one had its max_count hoisted.
        std::string bound = t->fixedLength ? std::to_string(*t->fixedLength) : "conformance";
        if (write)
          return std::string(wide ? "e.writeVaryingWString(" : "e.writeVaryingString(") + x +
                 (t->fixedLength ? ", " + bound : "") + ");\n";
        return x + (wide ? " = d.readVaryingWString(" : " = d.readVaryingString(") + bound + ");\n";
      }
      if (t->sizing.firstIs || t->sizing.lastIs)
        return unsupported(what, "[first_is]/[last_is] arrays are not generated yet");
      if (!sizedLevel(t) && !t->sizing.lengthIs)
        return elements(t->element, x, "", write, scope, what, depth);
      if (!sizedLevel(t)) return unsupported(what, "fixed-size varying arrays are not generated yet");
      // Conformant (and conformant-varying) arrays inside a struct: max_count was hoisted.
      if (t->sizing.lengthIs) {
        if (write)
          return "e.writeVariance(0, " + x + ".size());\n" +
                 elements(t->element, x, "", true, scope, what, depth);
        std::string var = "variance" + std::to_string(++counter_);
        return "const auto " + var + " = d.readVariance(conformance);\n" +
               elements(t->element, x, var + ".actualCount", false, scope, what, depth);
      }
      return elements(t->element, x, write ? "" : "conformance", write, scope, what, depth);
    }
    case Type::Kind::Pipe:
      return unsupported(what, "a pipe can only be a parameter of an operation");
    case Type::Kind::Function:
      return unsupported(what, "function pointers carry no data");
  }
  return "";
}

std::string NdrCode::referent(const Type* level, const std::string& y, bool write, const Scope& scope,
                              const std::string& what, int depth) {
  if (level->isString) {
    bool wide = isWideString(level);
    if (write) return std::string(wide ? "e.writeWString(" : "e.writeString(") + y + ");\n";
    return std::string(wide ? "d.readWString(" : "d.readString(") + y + ");\n";
  }
  if (sizedLevel(level)) {
    std::string out = "{\n";
    if (write) {
      if (level->sizing.lengthIs) {
        out += "e.writeConformance(" +
               expression(level->sizing.sizeIs ? level->sizing.sizeIs : level->sizing.maxIs, scope) +
               (level->sizing.sizeIs ? "" : " + 1") + ");\n";
        out += "e.writeVariance(0, " + y + ".size());\n";
      } else {
        out += "e.writeConformance(" + y + ".size());\n";
      }
      out += elements(level->element, y, "", true, scope, what, depth);
    } else {
      std::string n = "count" + std::to_string(++counter_);
      out += "const uint32_t " + n + " = d.readConformance();\n";
      if (level->sizing.lengthIs) {
        std::string var = "variance" + std::to_string(++counter_);
        out += "const auto " + var + " = d.readVariance(" + n + ");\n";
        n = var + ".actualCount";
      }
      out += elements(level->element, y, n, false, scope, what, depth);
    }
    if (hasPointees(level->element)) {
      std::string el = "el" + std::to_string(++counter_);
      out += "for (" + std::string(write ? "const " : "") + "auto& " + el + " : " + y + ") {\n" +
             pointees(level->element, el, write, scope, what, depth + 1) + "}\n";
    }
    return out + "}\n";
  }
  return flat(level->element, y, write, scope, what, depth + 1) +
         pointees(level->element, y, write, scope, what, depth + 1);
}

std::string NdrCode::pointees(const Type* t, const std::string& x, bool write, const Scope& scope,
                              const std::string& what, int depth) {
  if (depth > 64) return unsupported(what, "the type nests too deeply");
  if (isNamed(t, Decl::Kind::Typedef)) return pointees(resolved(t), x, write, scope, what, depth);
  if (!t || !hasPointees(t)) return "";
  switch (t->kind) {
    case Type::Kind::Named:
      return write ? "ndrWritePointees(e, " + x + ");\n" : "ndrReadPointees(d, " + x + ");\n";
    case Type::Kind::Array: {
      std::string el = "el" + std::to_string(++counter_);
      return "for (" + std::string(write ? "const " : "") + "auto& " + el + " : " + x + ") {\n" +
             pointees(t->element, el, write, scope, what, depth + 1) + "}\n";
    }
    case Type::Kind::Pointer:
      switch (t->pointerKind) {
        case sema::PointerKind::Ref:
          return referent(t, x, write, scope, what, depth);
        case sema::PointerKind::Unique:
          return "if (" + x + ") {\n" + referent(t, "(*" + x + ")", write, scope, what, depth) + "}\n";
        case sema::PointerKind::Full:
          return "if (" + x + " && " + (write ? "e" : "d") + ".claimFullReferent(" + x + ".get())) {\n" +
                 referent(t, "(*" + x + ")", write, scope, what, depth) + "}\n";
      }
      return "";
    default:
      return "";
  }
}

const Type* NdrCode::conformantField(const sema::StructDecl& s, const sema::Field** field) {
  if (s.fields.empty()) return nullptr;
  const sema::Field& last = s.fields.back();
  const Type* t = resolved(last.type);
  if (t && t->kind == Type::Kind::Array && (sizedLevel(t) || (t->isString && !t->fixedLength))) {
    *field = &last;
    return t;
  }
  return nullptr;
}

// Correlation: a size/length field must agree with the container it describes.
namespace {
struct Check {
  std::string text;   // the attribute expression as written
  std::string value;  // its C++ value
  std::string container;
  std::string guard;  // for unique/full pointers: the pointer, checked only when non-NULL
};
}  // namespace

static std::vector<Check> correlationChecks(NdrCode& code, const sema::StructDecl& s,
                                            const NdrCode::Scope& scope) {
  std::vector<Check> checks;
  for (const auto& f : s.fields) {
    const Type* level = f.type;
    if (!level || (level->kind != Type::Kind::Pointer && level->kind != Type::Kind::Array) || level->isString)
      continue;
    const sema::Expr* e = level->sizing.lengthIs ? level->sizing.lengthIs : level->sizing.sizeIs;
    bool isMax = !e && level->sizing.maxIs;
    if (isMax) e = level->sizing.maxIs;
    if (!e) continue;
    Check c;
    c.text = e->text;
    c.value = code.expression(e, scope) + (isMax ? " + 1" : "");
    std::string name = scope.fieldPrefix + cppName(f.name);
    if (level->kind == Type::Kind::Pointer && level->pointerKind != sema::PointerKind::Ref) {
      c.guard = name;
      c.container = "(*" + name + ")";
    } else {
      c.container = name;
    }
    checks.push_back(c);
  }
  return checks;
}

// A struct's field checks, the same both ways: [range] on a field (before writing, after reading), or a
// [switch_is] field against the discriminant its union holds.
std::string NdrCode::fieldChecks(const sema::StructDecl& s, const Scope& scope, bool write, bool switches) {
  const std::string side = write ? "::midlrt::ndr::Encoder" : "::midlrt::ndr::Decoder";
  std::string out;
  for (const auto& f : s.fields) {
    const std::string what = "field '" + f.name + "' of '" + s.name + "'";
    if (!switches && f.rangeMin && f.rangeMax) {
      const std::string type = cppType(f.type);
      out += side + "::checkRange(" + quote(what) + ", v." + cppName(f.name) + ", static_cast<" + type +
             ">(" + expression(f.rangeMin, scope) + "), static_cast<" + type + ">(" +
             expression(f.rangeMax, scope) + "));\n";
    }
    if (switches && f.switchIs)
      out +=
          "if (static_cast<int64_t>(v." + cppName(f.name) + ".discriminant) != static_cast<int64_t>(" +
          expression(f.switchIs, scope) + ")) " + side + "::fail(" +
          quote("union " + what + " holds a different arm than [switch_is(" + f.switchIs->text + ")] says") +
          ");\n";
  }
  return out;
}

std::string NdrCode::structWriteFlat(const sema::StructDecl& s) {
  Scope scope{"v.", false, ""};
  std::string out = "DepthGuard guard(e);\n";
  for (const Check& c : correlationChecks(*this, s, scope)) {
    std::string check = "::midlrt::ndr::Encoder::checkSize(" + quote(c.text) + ", static_cast<uint64_t>(" +
                        c.value + "), " + c.container + ".size());\n";
    out += c.guard.empty() ? check : "if (" + c.guard + ") " + check;
  }
  const sema::Field* cf = nullptr;
  if (const Type* ct = conformantField(s, &cf)) {
    std::string name = "v." + cppName(cf->name);
    if (ct->isString)
      out += "e.writeConformance(" + name + ".size() + 1);\n";
    else if (ct->sizing.lengthIs && ct->sizing.sizeIs)
      out += "e.writeConformance(" + expression(ct->sizing.sizeIs, scope) + ");\n";
    else
      out += "e.writeConformance(" + name + ".size());\n";
  }
  out += fieldChecks(s, scope, true, false);
  out += "e.align(" + std::to_string(structAlignment(s)) + ");\n";
  for (const auto& f : s.fields)
    out += flat(f.type, "v." + cppName(f.name), true, scope, "field '" + f.name + "' of '" + s.name + "'", 0);
  out += fieldChecks(s, scope, true, true);
  return out;
}

std::string NdrCode::structWritePointees(const sema::StructDecl& s) {
  Scope scope{"v.", false, ""};
  std::string out;
  for (const auto& f : s.fields)
    out += pointees(f.type, "v." + cppName(f.name), true, scope, "field '" + f.name + "' of '" + s.name + "'",
                    0);
  return out.empty() ? "(void)e;\n(void)v;\n" : "DepthGuard guard(e);\n" + out;
}

std::string NdrCode::structReadFlat(const sema::StructDecl& s) {
  Scope scope{"v.", false, ""};
  std::string out = "DepthGuard guard(d);\n";
  const sema::Field* cf = nullptr;
  if (conformantField(s, &cf)) out += "const uint32_t conformance = d.readConformance();\n";
  out += "d.align(" + std::to_string(structAlignment(s)) + ");\n";
  for (const auto& f : s.fields)
    out +=
        flat(f.type, "v." + cppName(f.name), false, scope, "field '" + f.name + "' of '" + s.name + "'", 0);
  out += fieldChecks(s, scope, false, false);
  for (const Check& c : correlationChecks(*this, s, scope)) {
    if (!c.guard.empty()) continue;  // pointers are checked when their referents are read
    out += "::midlrt::ndr::Decoder::checkCorrelation(" + quote(c.text) + ", static_cast<uint64_t>(" +
           c.value + "), " + c.container + ".size());\n";
  }
  out += fieldChecks(s, scope, false, true);
  return out;
}

std::string NdrCode::structReadPointees(const sema::StructDecl& s) {
  Scope scope{"v.", false, ""};
  std::string out;
  for (const auto& f : s.fields)
    out += pointees(f.type, "v." + cppName(f.name), false, scope,
                    "field '" + f.name + "' of '" + s.name + "'", 0);
  for (const Check& c : correlationChecks(*this, s, scope)) {
    if (c.guard.empty()) continue;
    out += "if (" + c.guard + ") ::midlrt::ndr::Decoder::checkCorrelation(" + quote(c.text) +
           ", static_cast<uint64_t>(" + c.value + "), " + c.container + ".size());\n";
  }
  return out.empty() ? "(void)d;\n(void)v;\n" : "DepthGuard guard(d);\n" + out;
}

// Unions: the C++ type holds `discriminant` and `value`, a std::variant whose index 0 is std::monostate
// (an empty arm) and whose index i (1..n) is the i-th arm that has a field.
namespace {

std::string caseLabels(const sema::UnionArm& arm) {
  std::string out;
  for (const auto& c : arm.cases) out += "case " + std::to_string(c.integer) + ": ";
  if (arm.isDefault) out += "default: ";
  return out;
}

}  // namespace

std::string NdrCode::unionWriteFlat(const sema::UnionDecl& u) {
  return unionFlat(u, true);
}
std::string NdrCode::unionReadFlat(const sema::UnionDecl& u) {
  return unionFlat(u, false);
}
std::string NdrCode::unionWritePointees(const sema::UnionDecl& u) {
  return unionPointees(u, true);
}
std::string NdrCode::unionReadPointees(const sema::UnionDecl& u) {
  return unionPointees(u, false);
}

// The discriminant (as its switch type), then the arm it selects; an encapsulated union aligns the pair
// as a struct would, and its arm to the widest arm.
std::string NdrCode::unionFlat(const sema::UnionDecl& u, bool write) {
  Scope scope{"v.", false, ""};
  const std::string coder = write ? "e" : "d";
  std::string out = "DepthGuard guard(" + coder + ");\n";
  const Type* disc = switchType(u);
  if (!disc) return unsupported("union '" + u.name + "'", "a non-encapsulated union needs [switch_type]");
  if (u.encapsulated)
    out += coder + ".align(" + std::to_string(std::max(armAlignment(u), alignment(disc))) + ");\n";
  out += flat(disc, "v.discriminant", write, scope, "the discriminant of '" + u.name + "'", 0);
  if (u.encapsulated) out += coder + ".align(" + std::to_string(armAlignment(u)) + ");\n";
  out += "switch (static_cast<int64_t>(v.discriminant)) {\n";
  bool hasDefault = false;
  size_t index = 0;
  for (const auto& arm : u.arms) {
    hasDefault = hasDefault || arm.isDefault;
    size_t i = arm.field ? ++index : 0;
    out += caseLabels(arm) + "{\n";
    if (write)
      out += "if (v.value.index() != " + std::to_string(i) + ") e.fail(" +
             quote("union '" + u.name + "' holds an arm that does not match its discriminant") + ");\n";
    else
      out += "v.value.template emplace<" + std::to_string(i) + ">();\n";
    if (arm.field)
      out += flat(arm.field->type, "std::get<" + std::to_string(i) + ">(v.value)", write, scope,
                  "arm '" + arm.field->name + "' of '" + u.name + "'", 0);
    out += "break;\n}\n";
  }
  if (!hasDefault)
    out += "default:\n" + coder + ".fail(\"union '" + cEscape(u.name) +
           "' has no arm for discriminant \" + std::to_string(static_cast<int64_t>(v.discriminant)));\n";
  return out + "}\n";
}

std::string NdrCode::unionPointees(const sema::UnionDecl& u, bool write) {
  Scope scope{"v.", false, ""};
  const std::string coder = write ? "e" : "d";
  std::string body;
  size_t index = 0;
  for (const auto& arm : u.arms) {
    if (!arm.field) continue;
    ++index;
    std::string p = pointees(arm.field->type, "std::get<" + std::to_string(index) + ">(v.value)", write,
                             scope, "arm '" + arm.field->name + "' of '" + u.name + "'", 0);
    if (!p.empty()) body += "case " + std::to_string(index) + ": {\n" + p + "break;\n}\n";
  }
  if (body.empty()) return "(void)" + coder + ";\n(void)v;\n";
  return "DepthGuard guard(" + coder + ");\nswitch (v.value.index()) {\n" + body + "default: break;\n}\n";
}

std::string NdrCode::writeTopLevel(const Type* type, const std::string& expr, const Scope& scope,
                                   const std::string& what, bool rawPointer) {
  const Type* t = type;
  if (t && t->kind == Type::Kind::Pointer) {
    std::string p = rawPointer ? expr : expr + ".get()";
    switch (t->pointerKind) {
      case sema::PointerKind::Ref:
        return referent(t, expr, true, scope, what, 0);
      case sema::PointerKind::Unique:
        return "if (e.writeUniquePointer(" + p + ")) {\n" +
               referent(t, "(*" + expr + ")", true, scope, what, 0) + "}\n";
      case sema::PointerKind::Full:
        return "e.writeFullPointer(" + p + ");\nif (e.claimFullReferent(" + p + ")) {\n" +
               referent(t, "(*" + expr + ")", true, scope, what, 0) + "}\n";
    }
  }
  if (t && t->kind == Type::Kind::Array && (sizedLevel(t) || t->isString))
    return referent(t, expr, true, scope, what, 0);
  return flat(t, expr, true, scope, what, 0) + pointees(t, expr, true, scope, what, 0);
}

std::string NdrCode::readTopLevel(const Type* type, const std::string& expr, const Scope& scope,
                                  const std::string& what) {
  const Type* t = type;
  if (t && t->kind == Type::Kind::Pointer) {
    std::string pointee = pointeeType(t);
    switch (t->pointerKind) {
      case sema::PointerKind::Ref:
        return referent(t, expr, false, scope, what, 0);
      case sema::PointerKind::Unique:
        return "if (d.readUniquePointer()) {\n" + expr + " = std::make_unique<" + pointee + ">();\n" +
               referent(t, "(*" + expr + ")", false, scope, what, 0) + "} else {\n" + expr + ".reset();\n}\n";
      case sema::PointerKind::Full:
        return expr + " = d.readFullPointer<" + pointee + ">();\nif (" + expr + " && d.claimFullReferent(" +
               expr + ".get())) {\n" + referent(t, "(*" + expr + ")", false, scope, what, 0) + "}\n";
    }
  }
  if (t && t->kind == Type::Kind::Array && (sizedLevel(t) || t->isString))
    return referent(t, expr, false, scope, what, 0);
  return flat(t, expr, false, scope, what, 0) + pointees(t, expr, false, scope, what, 0);
}

}  // namespace midlc::codegen
