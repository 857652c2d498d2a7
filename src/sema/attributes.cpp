// The attribute table (data) and its checker.
#include "sema/attributes.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "support/spelling.h"

namespace midlc::sema {

namespace {

constexpr uint32_t kAnyType = kType | kField | kParam;
constexpr uint32_t kDoc = kInterface | kOperation | kParam | kField | kType | kEnumerator | kCoclass |
                          kLibrary | kModule | kDispinterface | kConst | kCoclassMember;
constexpr uint32_t kPointerLevel = kParam | kField | kType | kOperation;

const AttributeInfo kTable[] = {
    // Interfaces and type libraries.
    {"uuid", kInterface | kCoclass | kLibrary | kDispinterface | kType | kModule, Args::Uuid},
    {"async_uuid", kInterface, Args::Uuid},
    {"version", kInterface | kCoclass | kLibrary | kType | kDispinterface, Args::One},
    {"object", kInterface, Args::None},
    {"local", kInterface | kOperation, Args::None},
    {"pointer_default", kInterface, Args::One},
    {"dual", kInterface, Args::None},
    {"oleautomation", kInterface, Args::None},
    {"odl", kInterface | kDispinterface, Args::None},
    {"endpoint", kInterface, Args::OneOrMore},
    {"ms_union", kInterface | kType, Args::None},
    {"nonextensible", kInterface | kDispinterface, Args::None},
    {"control", kInterface | kCoclass | kLibrary, Args::None},
    {"appobject", kCoclass, Args::None},
    {"licensed", kCoclass, Args::None},
    {"noncreatable", kCoclass, Args::None},
    {"aggregatable", kCoclass, Args::None},
    {"threading", kCoclass, Args::One},
    {"progid", kCoclass, Args::One},
    {"vi_progid", kCoclass, Args::One},
    {"lcid", kLibrary | kParam, Args::Optional},
    {"default", kCoclassMember | kField, Args::None},
    {"source", kCoclassMember | kOperation | kField, Args::None},
    {"defaultvtable", kCoclassMember, Args::None},
    {"public", kType, Args::None},
    // Documentation and type-library decorations.
    {"helpstring", kDoc, Args::One},
    {"helpcontext", kDoc, Args::One},
    {"helpfile", kDoc, Args::One},
    {"helpstringcontext", kDoc, Args::One},
    {"helpstringdll", kDoc, Args::One},
    {"hidden", kDoc, Args::None},
    {"restricted", kDoc, Args::None},
    {"custom", kDoc, Args::Two},
    {"annotation", kDoc, Args::Any},
    {"id", kOperation | kField | kParam | kLibrary, Args::One},  // widl allows id on a library
    {"propget", kOperation, Args::None},
    {"propput", kOperation, Args::None},
    {"propputref", kOperation, Args::None},
    {"bindable", kOperation | kField, Args::None},
    {"defaultbind", kOperation | kField, Args::None},
    {"displaybind", kOperation | kField, Args::None},
    {"requestedit", kOperation | kField, Args::None},
    {"immediatebind", kOperation | kField, Args::None},
    {"nonbrowsable", kOperation | kField, Args::None},
    {"uidefault", kOperation | kField, Args::None},
    {"defaultcollelem", kOperation | kField, Args::None},
    {"readonly", kOperation | kField, Args::None},
    {"vararg", kOperation, Args::None},
    {"usesgetlasterror", kOperation, Args::None},
    {"entry", kOperation | kConst, Args::One},
    {"defaultvalue", kParam, Args::One},
    {"optional", kParam, Args::None},
    // WinRT (widl): contract(Windows.Foundation.FoundationContract, 1.0), the contract and version
    // that introduced the interface, delegate, type or enumerator.
    {"contract", kInterface | kType | kEnumerator | kOperation, Args::Two},
    // Operations.
    {"callback", kOperation, Args::None},
    {"call_as", kOperation, Args::One},
    {"idempotent", kOperation, Args::None},
    {"broadcast", kOperation, Args::None},
    {"maybe", kOperation, Args::None},
    {"message", kOperation, Args::None},
    // Parameters and fields.
    {"in", kParam, Args::Optional},
    {"out", kParam, Args::None},
    {"retval", kParam, Args::None},
    {"partial_ignore", kParam, Args::None},
    {"ignore", kField | kParam, Args::None},
    {"size_is", kPointerLevel, Args::OneOrMore},
    {"length_is", kPointerLevel, Args::OneOrMore},
    {"max_is", kPointerLevel, Args::OneOrMore},
    {"min_is", kPointerLevel, Args::OneOrMore},
    {"first_is", kPointerLevel, Args::OneOrMore},
    {"last_is", kPointerLevel, Args::OneOrMore},
    {"string", kPointerLevel, Args::None},
    {"bstring", kPointerLevel, Args::None},
    {"unique", kPointerLevel, Args::None},
    {"ref", kPointerLevel, Args::None},
    {"ptr", kPointerLevel, Args::None},
    {"iid_is", kParam | kField, Args::One},
    {"range", kParam | kField | kType, Args::Two},
    {"switch_is", kParam | kField, Args::One},
    {"switch_type", kAnyType, Args::One},
    {"case", kField, Args::OneOrMore},
    {"context_handle", kAnyType | kOperation, Args::None},
    {"handle", kType, Args::None},
    {"v1_enum", kType, Args::None},
    {"transmit_as", kType, Args::One},
    {"wire_marshal", kType, Args::One},
    {"user_marshal", kType | kAcfTypedef, Args::One},
    {"represent_as", kType | kAcfTypedef, Args::One},
    {"pipe", kType, Args::None},
    {"force_allocate", kParam | kAcfParam, Args::None},
    // ACF. The binding attributes may also stand in an RPC interface's IDL header (widl, MIDL's /app_config).
    {"async", kAcfInterface | kAcfOperation, Args::None},
    // midlc's extension: [in] conformant arrays reach the manager as std::span views of the request.
    {"cpp_view", kAcfInterface | kAcfOperation | kAcfParam, Args::None},
    {"code", kAcfInterface | kAcfOperation, Args::None},
    {"nocode", kAcfInterface | kAcfOperation, Args::None},
    {"comm_status", kAcfOperation | kAcfParam, Args::None},
    {"fault_status", kAcfOperation | kAcfParam, Args::None},
    {"explicit_handle", kInterface | kAcfInterface | kAcfOperation, Args::None},
    {"implicit_handle", kInterface | kAcfInterface, Args::One},
    {"auto_handle", kInterface | kAcfInterface, Args::None},
    {"optimize", kAcfInterface | kAcfOperation, Args::One},
    {"allocate", kAcfTypedef | kAcfParam | kAcfInterface, Args::OneOrMore},
    {"enable_allocate", kAcfInterface | kAcfOperation, Args::None},
    {"cs_char", kAcfTypedef, Args::One},
    {"cs_stag", kAcfParam, Args::None},
    {"cs_drtag", kAcfParam, Args::None},
    {"cs_rtag", kAcfParam, Args::None},
    {"cs_tag_rtn", kAcfOperation, Args::One},
    {"strict_context_handle", kInterface | kAcfInterface | kAcfOperation, Args::None},
    {"type_strict_context_handle", kAcfInterface, Args::None},
    {"context_handle_noserialize", kAcfTypedef | kAcfParam | kAcfOperation, Args::None},
    {"context_handle_serialize", kAcfTypedef | kAcfParam | kAcfOperation, Args::None},
    {"notify", kAcfOperation, Args::None},
    {"notify_flag", kAcfOperation, Args::None},
    {"encode", kAcfInterface | kAcfOperation | kAcfTypedef, Args::None},
    {"decode", kAcfInterface | kAcfOperation | kAcfTypedef, Args::None},
    {"heap", kAcfTypedef | kAcfParam, Args::None},
    {"byte_count", kAcfParam, Args::One},
    {"ignore", kAcfParam, Args::None},
};

// The table's names for "did you mean": those allowed at `place` first, so a tie goes to one that fits.
std::vector<std::string> knownNames(Place place) {
  std::vector<std::string> out;
  for (bool fits : {true, false})
    for (const auto& info : kTable)
      if (((info.places & place) != 0) == fits && std::find(out.begin(), out.end(), info.name) == out.end())
        out.emplace_back(info.name);
  return out;
}

// The table's entries by name, in table order (a name may have an IDL and an ACF entry): every attribute
// of every declaration, imports' included, is looked up here.
const std::vector<const AttributeInfo*>* entriesNamed(std::string_view name) {
  static const auto* index = [] {
    auto* byName = new std::unordered_map<std::string_view, std::vector<const AttributeInfo*>>;
    for (const auto& info : kTable) (*byName)[info.name].push_back(&info);
    return byName;
  }();
  auto it = index->find(name);
  return it == index->end() ? nullptr : &it->second;
}

}  // namespace

const AttributeInfo* lookupAttribute(std::string_view name) {
  const auto* entries = entriesNamed(name);
  return entries ? entries->front() : nullptr;
}

const char* placeName(Place place) {
  switch (place) {
    case kInterface:
      return "an interface";
    case kOperation:
      return "an operation";
    case kParam:
      return "a parameter";
    case kField:
      return "a field";
    case kType:
      return "a type";
    case kEnumerator:
      return "an enumerator";
    case kCoclass:
      return "a coclass";
    case kCoclassMember:
      return "a coclass member";
    case kLibrary:
      return "a library";
    case kModule:
      return "a module";
    case kDispinterface:
      return "a dispinterface";
    case kConst:
      return "a constant";
    case kAcfInterface:
      return "an interface in an ACF";
    case kAcfOperation:
      return "an operation in an ACF";
    case kAcfParam:
      return "a parameter in an ACF";
    case kAcfTypedef:
      return "a typedef in an ACF";
  }
  return "this declaration";
}

void AttributeChecker::check(const ast::Attributes& attributes, Place place) {
  for (const auto& attr : attributes) {
    // The table lists ignore twice (IDL and ACF); look for an entry that allows this place first.
    const AttributeInfo* info = nullptr;
    if (const auto* entries = entriesNamed(attr.name))
      for (const AttributeInfo* entry : *entries)
        if (info == nullptr || (entry->places & place)) info = entry;
    if (!info) {
      // A near miss of a known attribute is a typo that would silently change the wire ([sizeis(n)]
      // ignored leaves a pointer to one element): an error. Anything else may be an attribute of MIDL's
      // that midlc does not know yet: a warning.
      if (auto near =
              bestMatch(attr.name, knownNames(place), std::min<size_t>(2, suggestionThreshold(attr.name)))) {
        diagnostics_.error(attr.location,
                           "unknown attribute '" + attr.name + "'; did you mean '" + *near + "'?");
        continue;
      }
      if (std::find(warned_.begin(), warned_.end(), attr.name) == warned_.end()) {
        warned_.push_back(attr.name);
        diagnostics_.warning(
            attr.location, "unsupported-attribute",
            "attribute '" + attr.name + "' is not supported by midlc; it is kept and ignored");
      }
      continue;
    }
    if (!(info->places & place)) {
      diagnostics_.error(attr.location,
                         "attribute '" + attr.name + "' cannot be applied to " + placeName(place));
      continue;
    }
    size_t n = attr.args.size();
    bool ok = true;
    switch (info->args) {
      case Args::None:
        ok = !attr.hasParens || n == 0;
        break;
      case Args::One:
        ok = n == 1 && !attr.args[0].empty();
        break;
      case Args::Two:
        ok = n == 2;
        break;
      case Args::OneOrMore:
        ok = n >= 1;
        break;
      case Args::Optional:
        ok = n <= 1;
        break;
      case Args::Any:
        ok = true;
        break;
      case Args::Uuid:
        ok = n == 1;
        break;
    }
    if (!ok) {
      const char* want = info->args == Args::None  ? "no arguments"
                         : info->args == Args::One ? "one argument"
                         : info->args == Args::Two ? "two arguments"
                                                   : "at least one argument";
      diagnostics_.error(attr.location, "attribute '" + attr.name + "' takes " + want);
    }
  }
}

}  // namespace midlc::sema
