// The IDL grammar (grammar/Idl.g4) written out as a recursive-descent parser that builds the AST straight
// from the tokens, without ANTLR's parse tree. ANTLR's prediction, its tree and the walk over it were two
// thirds of a run without the cache. The grammar stays the reference: where this parser meets anything it
// does not plainly accept (a syntax error, a decision ANTLR settles by deeper lookahead, a literal the
// builder would report) it declines, and ANTLR's parser and the AST builder take the file as before, with
// their messages. tests/unit/frontend/direct_parser_test.cpp compares the two on every IDL file at hand and
// on mutated ones; a grammar change goes into both.
#pragma once

#include <optional>
#include <vector>

#include "antlr4-runtime.h"
#include "frontend/ast.h"
#include "frontend/idl_lexer.h"
#include "support/source.h"

namespace midlc::frontend {

// The file `tokens` (all on the parser's channel, EOF last; `input` the character stream they index) spell,
// or nothing if the parser declines. `vocabulary` is the grammar's: the literal tokens are known by it.
// Reports nothing.
std::optional<ast::File> parseIdlDirectly(const SourceText& source, antlr4::CharStream& input,
                                          const std::vector<LexedToken>& tokens,
                                          const antlr4::dfa::Vocabulary& vocabulary);

}  // namespace midlc::frontend
