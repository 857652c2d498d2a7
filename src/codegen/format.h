// Layout of generated statements: indentation by braces, so generated code reads like written code.
#pragma once

#include <string>

namespace midlc::codegen {

// Indents one statement per line by brace depth, starting at `depth` levels of two spaces; case labels sit
// one level out. Empty lines are dropped.
std::string formatStatements(const std::string& code, int depth);

}  // namespace midlc::codegen
