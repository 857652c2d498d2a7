// Test helpers: find declarations in a checked model by name.
#pragma once

#include <string>

#include "sema/model.h"

namespace midlc::testing {

inline const sema::InterfaceDecl* findInterface(const sema::Model& m, const std::string& name) {
  auto* d = m.find(name);
  return d && d->kind == sema::Decl::Kind::Interface ? static_cast<const sema::InterfaceDecl*>(d) : nullptr;
}

inline const sema::Operation* findOp(const sema::InterfaceDecl* itf, const std::string& name) {
  for (const auto& op : itf->operations)
    if (op.name == name) return &op;
  return nullptr;
}

inline const sema::ConstDecl* findConst(const sema::Model& m, const std::string& name) {
  auto* d = m.find(name);
  return d && d->kind == sema::Decl::Kind::Const ? static_cast<const sema::ConstDecl*>(d) : nullptr;
}

}  // namespace midlc::testing
