// The AST of an IDL file as bytes, and back: what the cache (--cache-dir) keeps of a parsed import so that
// the next run need not parse it again. Only this midlc reads what it wrote (the cache checks the
// executable); reading is checked all the same, so a damaged entry is refused, never trusted.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "frontend/ast.h"

namespace midlc::frontend {

std::string serializeAst(const ast::File& file);
// None if `bytes` is not an AST this format wrote, whole.
std::optional<ast::File> deserializeAst(std::string_view bytes);

}  // namespace midlc::frontend
