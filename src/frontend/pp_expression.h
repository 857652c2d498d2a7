// The value of an #if or #elif expression (C11 6.10.1), over tokens whose macros have been expanded and
// whose `defined` operators have been replaced by 0 or 1: integer arithmetic in intmax_t and uintmax_t,
// where an identifier left over is 0.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "frontend/pp_lexer.h"

namespace midlc::frontend::pp {

struct ExpressionResult {
  bool value = false;
  std::string error;          // why the expression has no value (empty if it has one)
  const Token* at = nullptr;  // the token the error is about, if any
};

ExpressionResult evaluate(const std::vector<Token>& tokens);

}  // namespace midlc::frontend::pp
