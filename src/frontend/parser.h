// The parser stage: preprocessed text in, syntax tree out. Syntax errors go to Diagnostics.
#pragma once

#include <optional>

#include "frontend/ast.h"
#include "support/diagnostics.h"
#include "support/source.h"

namespace midlc::frontend {

// Which parser reads an IDL file: midlc's direct parser (direct_parser.h), with ANTLR's parser and the AST
// builder where it declines (the default); or one of them alone, as tests compare them (DirectOnly
// returns nothing, and reports nothing, where the direct parser declines).
enum class IdlParsers { Default, DirectOnly, AntlrOnly };

// Parses an IDL file. Returns nothing if the text has syntax errors (all of them are reported; the
// parser recovers to find more), so later stages only ever see well-formed trees.
std::optional<ast::File> parseIdl(const SourceText& source, Diagnostics& diagnostics,
                                  IdlParsers parsers = IdlParsers::Default);

// Parses an ACF file, with the same rules.
std::optional<ast::AcfFile> parseAcf(const SourceText& source, Diagnostics& diagnostics);

}  // namespace midlc::frontend
