// The attribute table: which attributes midlc knows, where each may stand, and what arguments it takes.
// Checking is driven by this data (attributes.cpp), not by code per attribute.
#pragma once

#include <cstdint>
#include <string_view>

#include "frontend/ast.h"
#include "support/diagnostics.h"

namespace midlc::sema {

// Where an attribute stands.
enum Place : uint32_t {
  kInterface = 1u << 0,
  kOperation = 1u << 1,
  kParam = 1u << 2,
  kField = 1u << 3,
  kType = 1u << 4,  // typedef, struct, union, enum
  kEnumerator = 1u << 5,
  kCoclass = 1u << 6,
  kCoclassMember = 1u << 7,
  kLibrary = 1u << 8,
  kModule = 1u << 9,
  kDispinterface = 1u << 10,
  kConst = 1u << 11,
  kAcfInterface = 1u << 12,
  kAcfOperation = 1u << 13,
  kAcfParam = 1u << 14,
  kAcfTypedef = 1u << 15,
};

enum class Args { None, One, Two, OneOrMore, Optional, Any, Uuid };

struct AttributeInfo {
  std::string_view name;
  uint32_t places;
  Args args;
};

// The entry for `name`, or null if midlc does not know it.
const AttributeInfo* lookupAttribute(std::string_view name);

const char* placeName(Place place);

// Checks every attribute in `attributes` against the table for `place`: unknown attributes are
// warned about once per name per run (`warned` remembers which), misplaced ones and wrong argument
// counts are errors.
class AttributeChecker {
 public:
  explicit AttributeChecker(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}
  void check(const ast::Attributes& attributes, Place place);

 private:
  Diagnostics& diagnostics_;
  std::vector<std::string> warned_;
};

}  // namespace midlc::sema
