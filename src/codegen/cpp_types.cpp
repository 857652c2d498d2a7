// The C++ mapping of IDL types (see cpp_types.h for the table).
#include "codegen/cpp_types.h"

#include "codegen/names.h"

namespace midlc::codegen {

using sema::Primitive;
using sema::Type;

const Type* resolved(const Type* t) {
  return sema::resolveTypedefs(t);
}

bool isOptionalParam(const sema::Param* p) {
  return p && p->type && p->type->kind == Type::Kind::Pointer &&
         p->type->pointerKind != sema::PointerKind::Ref;
}

const Type* pipeOf(const Type* t) {
  const Type* r = resolved(t);
  if (r && r->kind == Type::Kind::Pipe) return t;
  if (r && r->kind == Type::Kind::Pointer) {
    const Type* pointee = resolved(r->element);
    if (pointee && pointee->kind == Type::Kind::Pipe) return r->element;
  }
  return nullptr;
}

std::string runtimeType(const sema::Decl& decl) {
  // GUID: `struct _GUID` (MIDL's and midlc's base IDL), or the unnamed struct typedef'd GUID (guiddef.h as
  // Wine's widl reads it); a `struct _GUID` that the IDL names but never defines is the same type.
  if (decl.kind == sema::Decl::Kind::Struct && decl.name == "_GUID" && decl.isForward)
    return "::midlrt::com::Guid";
  if (decl.kind == sema::Decl::Kind::Struct && (decl.name == "_GUID" || decl.name == "GUID")) {
    const auto& fields = static_cast<const sema::StructDecl&>(decl).fields;
    auto primitive = [&](size_t i, std::initializer_list<Primitive> allowed) {
      const Type* t = resolved(fields[i].type);
      if (!t || t->kind != Type::Kind::Primitive) return false;
      for (Primitive p : allowed)
        if (t->primitive == p) return true;
      return false;
    };
    if (fields.size() != 4 || !primitive(0, {Primitive::UInt32, Primitive::Int32}) ||
        !primitive(1, {Primitive::UInt16, Primitive::Int16}) ||
        !primitive(2, {Primitive::UInt16, Primitive::Int16}))
      return "";
    const Type* data4 = resolved(fields[3].type);
    const Type* byte = data4 && data4->kind == Type::Kind::Array ? resolved(data4->element) : nullptr;
    if (!data4 || data4->fixedLength != 8u || data4->sizing.any() || data4->isString || !byte ||
        byte->kind != Type::Kind::Primitive ||
        (byte->primitive != Primitive::UInt8 && byte->primitive != Primitive::Byte &&
         byte->primitive != Primitive::Int8))
      return "";
    return "::midlrt::com::Guid";
  }
  if (decl.kind == sema::Decl::Kind::Typedef &&
      (decl.name == "REFIID" || decl.name == "REFCLSID" || decl.name == "REFGUID")) {
    const Type* t = static_cast<const sema::TypedefDecl&>(decl).type;
    const Type* pointee = t && t->kind == Type::Kind::Pointer && t->pointerKind == sema::PointerKind::Ref
                              ? resolved(t->element)
                              : nullptr;
    if (pointee && pointee->kind == Type::Kind::Named && !runtimeType(*pointee->decl).empty())
      return "::midlrt::com::" + decl.name;
  }
  return "";
}

ConversionNames conversionNames(const sema::TypedefDecl& td) {
  ConversionNames n;
  const std::string name = cppName(td.name);
  const Type* wire = resolved(td.wireType);
  const bool userMarshal =
      td.conversion == sema::Conversion::WireMarshal || td.conversion == sema::Conversion::UserMarshal;
  if (userMarshal && wire && wire->kind == Type::Kind::Pointer) n.wirePointer = wire;
  switch (td.conversion) {
    case sema::Conversion::TransmitAs:
      n = {name, cppType(td.wireType), name + "_to_xmit", name + "_from_xmit", nullptr, "transmit_as"};
      break;
    case sema::Conversion::RepresentAs:
      n = {td.localTypeName, name, name + "_from_local", name + "_to_local", nullptr, "represent_as"};
      break;
    case sema::Conversion::WireMarshal:
      n = {name,
           n.wirePointer ? pointeeType(n.wirePointer) : cppType(td.wireType),
           name + "_UserMarshal",
           name + "_UserUnmarshal",
           n.wirePointer,
           "wire_marshal"};
      break;
    case sema::Conversion::UserMarshal:
      n = {td.localTypeName,
           n.wirePointer ? pointeeType(n.wirePointer) : name,
           td.localTypeName + "_UserMarshal",
           td.localTypeName + "_UserUnmarshal",
           n.wirePointer,
           "user_marshal"};
      break;
    case sema::Conversion::None:
      break;
  }
  return n;
}

std::string primitiveType(Primitive p) {
  switch (p) {
    case Primitive::Boolean:
      return "bool";
    case Primitive::Byte:
      return "uint8_t";
    case Primitive::Char:
      return "char";
    case Primitive::WChar:
      return "char16_t";
    case Primitive::Int8:
      return "int8_t";
    case Primitive::UInt8:
      return "uint8_t";
    case Primitive::Int16:
      return "int16_t";
    case Primitive::UInt16:
      return "uint16_t";
    case Primitive::Int32:
      return "int32_t";
    case Primitive::UInt32:
      return "uint32_t";
    case Primitive::Int64:
      return "int64_t";
    case Primitive::UInt64:
      return "uint64_t";
    case Primitive::Int3264:
      return "int64_t";
    case Primitive::UInt3264:
      return "uint64_t";
    case Primitive::Float:
      return "float";
    case Primitive::Double:
      return "double";
    case Primitive::ErrorStatus:
      return "uint32_t";
    case Primitive::HandleT:
      return "::midlrt::ndr::HandleT";
    case Primitive::Void:
      return "void";
  }
  return "void";
}

unsigned primitiveAlignment(Primitive p) {
  const unsigned size = sema::ndrSize(p);
  return size ? size : 4;
}

bool isWideString(const Type* level) {
  const Type* element = resolved(level ? level->element : nullptr);
  return element && element->kind == Type::Kind::Primitive &&
         (element->primitive == Primitive::WChar || element->primitive == Primitive::UInt16 ||
          element->primitive == Primitive::Int16);
}

std::string pointeeType(const Type* level) {
  if (level->isString) return isWideString(level) ? "std::u16string" : "std::string";
  bool sized = level->kind == Type::Kind::Array
                   ? !level->fixedLength || level->sizing.sizeIs || level->sizing.maxIs
                   : level->sizing.sizeIs || level->sizing.maxIs;
  std::string element = cppType(level->element);
  // A sized pointer to void ([size_is(1)] void* reserved, in a [local] method's signature) is a plain one:
  // there are no elements to hold.
  if (const Type* e = sema::resolveTypedefs(level->element);
      e && e->kind == Type::Kind::Primitive && e->primitive == sema::Primitive::Void)
    return element;
  if (level->kind == Type::Kind::Array && !sized)
    return "std::array<" + element + ", " + std::to_string(*level->fixedLength) + ">";
  if (sized) return "std::vector<" + element + ">";
  return element;
}

bool isIidIsVoidField(const sema::Field& f) {
  const Type* r = f.iidIs ? sema::resolveTypedefs(f.type) : nullptr;
  const Type* e = r && r->kind == Type::Kind::Pointer ? sema::resolveTypedefs(r->element) : nullptr;
  return e && e->kind == Type::Kind::Primitive && e->primitive == sema::Primitive::Void;
}

std::string fieldType(const sema::Field& f) {
  return isIidIsVoidField(f) ? "::midlrt::com::ComPtr<::midlrt::com::IUnknown>" : cppType(f.type);
}

std::string cppType(const Type* t) {
  if (!t) return "void";
  switch (t->kind) {
    case Type::Kind::Primitive:
      return primitiveType(t->primitive);
    case Type::Kind::Named: {
      const sema::Decl* d = t->decl;
      if (const sema::TypedefDecl* conv = sema::conversionOf(t)) return conversionNames(*conv).appType;
      // The runtime's references (REFIID) are spelled by what they refer to.
      if (d->kind == sema::Decl::Kind::Typedef && !runtimeType(*d).empty())
        return cppType(static_cast<const sema::TypedefDecl*>(d)->type);
      if (d->kind == sema::Decl::Kind::Struct)
        if (std::string runtime = runtimeType(*d); !runtime.empty()) return runtime;
      return cppName(d->name);  // an interface is only ever behind a pointer
    }
    case Type::Kind::Pointer: {
      const Type* element = resolved(t->element);
      if (element && element->kind == Type::Kind::Named && element->decl &&
          (element->decl->kind == sema::Decl::Kind::Interface ||
           element->decl->kind == sema::Decl::Kind::Dispinterface))
        // An interface pointer held as a value (a field, an element, a referent) owns its reference; an [in]
        // parameter borrows it (operation_plan.cpp).
        return "::midlrt::com::ComPtr<" + cppName(element->decl->name) + ">";
      if (element && element->kind == Type::Kind::Primitive && element->primitive == Primitive::Void)
        return "void*";
      if (t->element && t->element->kind == Type::Kind::Function) return "void*";
      std::string pointee = pointeeType(t);
      switch (t->pointerKind) {
        case sema::PointerKind::Ref:
          return pointee;
        case sema::PointerKind::Unique:
          return "std::unique_ptr<" + pointee + ">";
        case sema::PointerKind::Full:
          return "std::shared_ptr<" + pointee + ">";
      }
      return pointee;
    }
    case Type::Kind::Array:
      return pointeeType(t);
    case Type::Kind::Pipe:
      return "::midlrt::ndr::Pipe<" + cppType(t->element) + ">";
    case Type::Kind::Function:
      return "void*";
  }
  return "void";
}

std::string proxyFactory(const sema::Decl* itf) {
  const auto* decl = itf && itf->kind == sema::Decl::Kind::Interface
                         ? static_cast<const sema::InterfaceDecl*>(itf)
                         : nullptr;
  if (!decl || !decl->isObject || decl->isLocal || decl->imported || !decl->noStubs.empty()) return "nullptr";
  const std::string name = cppName(decl->name);
  return "&::midlrt::dcom::proxyOf<" + name + ", &" + name + "_createProxy>";
}

}  // namespace midlc::codegen
