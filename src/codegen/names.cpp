// C++ names in generated code (see names.h).
#include "codegen/names.h"

#include <set>

namespace midlc::codegen {

std::string cppName(const std::string& idlName) {
  static const std::set<std::string> keywords = {
      "alignas",     "alignof",   "and",        "and_eq",    "asm",      "auto",         "bitand",
      "bitor",       "bool",      "break",      "case",      "catch",    "char",         "char8_t",
      "char16_t",    "char32_t",  "class",      "compl",     "concept",  "const",        "consteval",
      "constexpr",   "constinit", "const_cast", "continue",  "co_await", "co_return",    "co_yield",
      "decltype",    "default",   "delete",     "do",        "double",   "dynamic_cast", "else",
      "enum",        "explicit",  "export",     "extern",    "false",    "float",        "for",
      "friend",      "goto",      "if",         "inline",    "int",      "long",         "mutable",
      "namespace",   "new",       "noexcept",   "not",       "not_eq",   "nullptr",      "operator",
      "or",          "or_eq",     "private",    "protected", "public",   "register",     "reinterpret_cast",
      "requires",    "return",    "short",      "signed",    "sizeof",   "static",       "static_assert",
      "static_cast", "struct",    "switch",     "template",  "this",     "thread_local", "throw",
      "true",        "try",       "typedef",    "typeid",    "typename", "union",        "unsigned",
      "using",       "virtual",   "void",       "volatile",  "wchar_t",  "while",        "xor",
      "xor_eq"};
  // Anonymous structs and unions get a name in the model; C++ reserves names with a double underscore.
  static const std::string anonymous = "__midl_anonymous_";
  if (idlName.rfind(anonymous, 0) == 0) return "MidlAnonymous_" + idlName.substr(anonymous.size());
  // midlc's own identifiers begin with midl_; a few namespaces are generated code's.
  static const std::set<std::string> reserved = {"midlgen", "midlrt", "std"};
  const bool clash = keywords.count(idlName) || reserved.count(idlName) || idlName.rfind("midl_", 0) == 0;
  return clash ? idlName + "_" : idlName;
}

std::string paramCppName(const sema::Param& p) {
  // A parameter named like a type would hide the type from the code after it (`AnnoScope AnnoScope`).
  const std::string name = cppName(p.name);
  return p.namesType && name == p.name ? name + "_" : name;
}

}  // namespace midlc::codegen
