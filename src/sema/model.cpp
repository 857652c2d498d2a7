// Model queries and UUID helpers.
#include "sema/model.h"

#include <cstdio>

#include "support/sha1.h"

namespace midlc::sema {

std::string Uuid::text() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", data1, data2, data3,
                data4[0], data4[1], data4[2], data4[3], data4[4], data4[5], data4[6], data4[7]);
  return buf;
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
  // 8-4-4-4-12 hex digits.
  static const int groups[] = {8, 4, 4, 4, 12};
  if (text.size() != 36) return std::nullopt;
  uint8_t bytes[16];
  size_t pos = 0;
  int byte = 0;
  for (int g = 0; g < 5; ++g) {
    if (g > 0) {
      if (text[pos] != '-') return std::nullopt;
      ++pos;
    }
    for (int i = 0; i < groups[g]; i += 2) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(text[pos]), lo = hex(text[pos + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      bytes[byte++] = static_cast<uint8_t>(hi * 16 + lo);
      pos += 2;
    }
  }
  Uuid u;
  u.data1 = (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
  u.data2 = static_cast<uint16_t>((bytes[4] << 8) | bytes[5]);
  u.data3 = static_cast<uint16_t>((bytes[6] << 8) | bytes[7]);
  for (int i = 0; i < 8; ++i) u.data4[static_cast<size_t>(i)] = bytes[8 + i];
  return u;
}

Uuid Uuid::nameBased(const Uuid& space, std::string_view name) {
  // RFC 4122 section 4.3: SHA-1 over the namespace in network byte order, then the name.
  std::string data;
  for (int i = 3; i >= 0; --i) data += static_cast<char>((space.data1 >> (i * 8)) & 0xFF);
  data += static_cast<char>(space.data2 >> 8);
  data += static_cast<char>(space.data2 & 0xFF);
  data += static_cast<char>(space.data3 >> 8);
  data += static_cast<char>(space.data3 & 0xFF);
  for (uint8_t b : space.data4) data += static_cast<char>(b);
  data += name;
  auto hash = sha1(data);
  Uuid u;
  u.data1 = (uint32_t{hash[0]} << 24) | (uint32_t{hash[1]} << 16) | (uint32_t{hash[2]} << 8) | hash[3];
  u.data2 = static_cast<uint16_t>((hash[4] << 8) | hash[5]);
  u.data3 = static_cast<uint16_t>(((hash[6] << 8) | hash[7]) & 0x0FFF) | 0x5000;
  for (int i = 0; i < 8; ++i) u.data4[static_cast<size_t>(i)] = hash[8 + static_cast<size_t>(i)];
  u.data4[0] = static_cast<uint8_t>((u.data4[0] & 0x3F) | 0x80);
  return u;
}

const char* primitiveName(Primitive p) {
  switch (p) {
    case Primitive::Boolean:
      return "boolean";
    case Primitive::Byte:
      return "byte";
    case Primitive::Char:
      return "char";
    case Primitive::WChar:
      return "wchar_t";
    case Primitive::Int8:
      return "int8";
    case Primitive::UInt8:
      return "uint8";
    case Primitive::Int16:
      return "int16";
    case Primitive::UInt16:
      return "uint16";
    case Primitive::Int32:
      return "int32";
    case Primitive::UInt32:
      return "uint32";
    case Primitive::Int64:
      return "int64";
    case Primitive::UInt64:
      return "uint64";
    case Primitive::Int3264:
      return "int3264";
    case Primitive::UInt3264:
      return "uint3264";
    case Primitive::Float:
      return "float";
    case Primitive::Double:
      return "double";
    case Primitive::ErrorStatus:
      return "error_status_t";
    case Primitive::HandleT:
      return "handle_t";
    case Primitive::Void:
      return "void";
  }
  return "?";
}

const char* idlTypeName(Primitive p) {
  switch (p) {
    case Primitive::Int8:
      return "small";
    case Primitive::UInt8:
      return "unsigned char";
    case Primitive::Int16:
      return "short";
    case Primitive::UInt16:
      return "unsigned short";
    case Primitive::Int32:
      return "long";
    case Primitive::UInt32:
      return "unsigned long";
    case Primitive::Int64:
      return "hyper";
    case Primitive::UInt64:
      return "unsigned hyper";
    case Primitive::Int3264:
      return "__int3264";
    case Primitive::UInt3264:
      return "unsigned __int3264";
    default:
      return primitiveName(p);  // boolean, byte, char, wchar_t, float, double, ...: the same words
  }
}

unsigned ndrSize(Primitive p) {
  switch (p) {
    case Primitive::Boolean:
    case Primitive::Byte:
    case Primitive::Char:
    case Primitive::Int8:
    case Primitive::UInt8:
      return 1;
    case Primitive::WChar:
    case Primitive::Int16:
    case Primitive::UInt16:
      return 2;
    case Primitive::Int64:
    case Primitive::UInt64:
    case Primitive::Double:
      return 8;
    case Primitive::HandleT:
    case Primitive::Void:
      return 0;
    default:
      return 4;
  }
}

const Type* resolveTypedefs(const Type* t) {
  for (int guard = 0;
       t && t->kind == Type::Kind::Named && t->decl && t->decl->kind == Decl::Kind::Typedef && guard < 1000;
       ++guard)
    t = static_cast<const TypedefDecl*>(t->decl)->type;
  return t;
}

const TypedefDecl* conversionOf(const Type* t) {
  for (int guard = 0;
       t && t->kind == Type::Kind::Named && t->decl && t->decl->kind == Decl::Kind::Typedef && guard < 1000;
       ++guard) {
    const auto* td = static_cast<const TypedefDecl*>(t->decl);
    if (td->conversion != Conversion::None) return td;
    t = td->type;
  }
  return nullptr;
}

bool isInteger(Primitive p) {
  switch (p) {
    case Primitive::Boolean:
    case Primitive::Byte:
    case Primitive::Char:
    case Primitive::WChar:
    case Primitive::Int8:
    case Primitive::UInt8:
    case Primitive::Int16:
    case Primitive::UInt16:
    case Primitive::Int32:
    case Primitive::UInt32:
    case Primitive::Int64:
    case Primitive::UInt64:
    case Primitive::Int3264:
    case Primitive::UInt3264:
    case Primitive::ErrorStatus:
      return true;
    default:
      return false;
  }
}

const char* pointerKindName(PointerKind k) {
  switch (k) {
    case PointerKind::Ref:
      return "ref";
    case PointerKind::Unique:
      return "unique";
    case PointerKind::Full:
      return "ptr";
  }
  return "?";
}

const Decl* Model::find(const std::string& name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : it->second;
}

std::vector<const InterfaceDecl*> Model::interfaces(bool includeImported) const {
  std::vector<const InterfaceDecl*> out;
  for (const auto& d : decls)
    if (d->kind == Decl::Kind::Interface && !d->isForward && (includeImported || !d->imported))
      out.push_back(static_cast<const InterfaceDecl*>(d.get()));
  return out;
}

}  // namespace midlc::sema
