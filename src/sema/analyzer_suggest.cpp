// Semantic analysis: what a diagnostic about an unknown name can add, a near name in scope ("did you
// mean") or the base IDL file that defines it (a note to import it).
#include <algorithm>
#include <array>

#include "sema/analyzer.h"
#include "support/spelling.h"

namespace midlc::sema {

namespace {

// Names midlc's own base IDL files define, and the file to import for each. HRESULT lives in wtypes.idl,
// but a file that needs it is writing COM interfaces and needs IUnknown too; unknwn.idl imports wtypes.idl.
struct BaseName {
  std::string_view name;
  std::string_view file;
};
constexpr std::array kBaseNames = {
    BaseName{"IUnknown", "unknwn.idl"},
    BaseName{"IClassFactory", "unknwn.idl"},
    BaseName{"HRESULT", "unknwn.idl"},
    BaseName{"IDispatch", "objidl.idl"},
    BaseName{"ICallFactory", "objidl.idl"},
    BaseName{"ISynchronize", "objidl.idl"},
    BaseName{"ICancelMethodCalls", "objidl.idl"},
    BaseName{"GUID", "wtypes.idl"},
    BaseName{"UUID", "wtypes.idl"},
    BaseName{"IID", "wtypes.idl"},
    BaseName{"CLSID", "wtypes.idl"},
    BaseName{"REFIID", "wtypes.idl"},
    BaseName{"REFCLSID", "wtypes.idl"},
    BaseName{"REFGUID", "wtypes.idl"},
    BaseName{"LPIID", "wtypes.idl"},
    BaseName{"LPCLSID", "wtypes.idl"},
    BaseName{"SCODE", "wtypes.idl"},
    BaseName{"BOOL", "wtypes.idl"},
    BaseName{"BOOLEAN", "wtypes.idl"},
    BaseName{"BYTE", "wtypes.idl"},
    BaseName{"CHAR", "wtypes.idl"},
    BaseName{"UCHAR", "wtypes.idl"},
    BaseName{"WCHAR", "wtypes.idl"},
    BaseName{"SHORT", "wtypes.idl"},
    BaseName{"USHORT", "wtypes.idl"},
    BaseName{"WORD", "wtypes.idl"},
    BaseName{"INT", "wtypes.idl"},
    BaseName{"UINT", "wtypes.idl"},
    BaseName{"LONG", "wtypes.idl"},
    BaseName{"ULONG", "wtypes.idl"},
    BaseName{"DWORD", "wtypes.idl"},
    BaseName{"LONG64", "wtypes.idl"},
    BaseName{"ULONG64", "wtypes.idl"},
    BaseName{"DWORD64", "wtypes.idl"},
    BaseName{"LONGLONG", "wtypes.idl"},
    BaseName{"ULONGLONG", "wtypes.idl"},
    BaseName{"FLOAT", "wtypes.idl"},
    BaseName{"DOUBLE", "wtypes.idl"},
    BaseName{"LCID", "wtypes.idl"},
    BaseName{"FILETIME", "wtypes.idl"},
    BaseName{"LPSTR", "wtypes.idl"},
    BaseName{"LPCSTR", "wtypes.idl"},
    BaseName{"LPWSTR", "wtypes.idl"},
    BaseName{"LPCWSTR", "wtypes.idl"},
    BaseName{"OLECHAR", "wtypes.idl"},
    BaseName{"LPOLESTR", "wtypes.idl"},
    BaseName{"LPCOLESTR", "wtypes.idl"},
    BaseName{"LPVOID", "wtypes.idl"},
    BaseName{"PVOID", "wtypes.idl"},
};

// IDL's base type keywords, for a misspelled one ("lnog" parses as a type name).
constexpr std::array<std::string_view, 20> kBaseTypeKeywords = {
    "boolean", "byte",     "char",   "wchar_t", "small",    "short",          "long",
    "int",     "hyper",    "float",  "double",  "handle_t", "error_status_t", "void",
    "signed",  "unsigned", "__int8", "__int32", "__int64",  "__int3264"};

}  // namespace

std::vector<std::string> Analyzer::declNames(bool (*accept)(const Decl&)) const {
  std::vector<std::string> out;
  for (const auto& [name, decl] : m_.byName)
    if (accept(*decl)) out.push_back(name);
  std::sort(out.begin(), out.end());  // a suggestion must not depend on the table's order
  return out;
}

std::string Analyzer::typeSuggestion(const std::string& name) const {
  if (baseIdlFileOf(name)) return {};
  std::vector<std::string> candidates = declNames([](const Decl& d) { return d.isType(); });
  for (auto keyword : kBaseTypeKeywords) candidates.emplace_back(keyword);
  return didYouMean(name, candidates);
}

std::string Analyzer::identifierSuggestion(const std::string& name, const Scope& scope) const {
  // Nearest first: the fields or parameters beside the expression, then constants and enumerators.
  std::vector<std::string> candidates;
  if (scope.fields)
    for (const auto& f : *scope.fields) candidates.push_back(f.name);
  if (scope.params)
    for (const auto& p : *scope.params) candidates.push_back(p.name);
  for (auto& constant : declNames([](const Decl& d) { return d.kind == Decl::Kind::Const; }))
    candidates.push_back(std::move(constant));
  return didYouMean(name, candidates);
}

std::string Analyzer::interfaceSuggestion(const std::string& name) const {
  if (baseIdlFileOf(name)) return {};
  return didYouMean(name, declNames([](const Decl& d) { return d.kind == Decl::Kind::Interface; }));
}

const std::string_view* Analyzer::baseIdlFileOf(const std::string& name) {
  for (const auto& entry : kBaseNames)
    if (entry.name == name) return &entry.file;
  return nullptr;
}

void Analyzer::noteBaseImport(const std::string& name, const Location& where) {
  if (const std::string_view* file = baseIdlFileOf(name))
    d_.note(where, "to use '" + name + "', add `import \"" + std::string(*file) + "\";`");
}

}  // namespace midlc::sema
