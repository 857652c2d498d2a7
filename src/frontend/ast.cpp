// Small queries on syntax nodes.
#include "frontend/ast.h"

namespace midlc::ast {

const Attribute* findAttribute(const Attributes& attributes, std::string_view name) {
  for (const auto& a : attributes)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace midlc::ast
