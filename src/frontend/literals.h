// The values of the lexer's literal tokens (numbers, characters, strings), for the AST builder and the direct
// parser alike: each reports what is wrong with a literal through `error`, in the words the user sees.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "frontend/ast.h"

namespace midlc::frontend {

using LiteralError = std::function<void(std::string message)>;

// A NUMBER token (a C pp-number): an Integer (value, unsignedness) or a Float into `out`, and its text.
void numberLiteral(std::string_view text, ast::Expr& out, const LiteralError& error);

// A CHAR_LITERAL token ('x', L'\n'): its code point into `out`.
void charLiteral(std::string_view text, ast::Expr& out, const LiteralError& error);

// A STRING token ("...", L"..."): the bytes it spells (UTF-8 for wide strings); `isWide` if L"...".
std::string stringLiteral(std::string_view text, bool* isWide, const LiteralError& error);

}  // namespace midlc::frontend
