// The parser stage: preprocessed text in, syntax tree out. Syntax errors go to Diagnostics.
#pragma once

#include <optional>

#include "frontend/ast.h"
#include "support/diagnostics.h"
#include "support/source.h"

namespace midlc::frontend {

// Parses an IDL file. Returns nothing if the text has syntax errors (all of them are reported; the
// parser recovers to find more), so later stages only ever see well-formed trees.
std::optional<ast::File> parseIdl(const SourceText& source, Diagnostics& diagnostics);

// Parses an ACF file, with the same rules.
std::optional<ast::AcfFile> parseAcf(const SourceText& source, Diagnostics& diagnostics);

}  // namespace midlc::frontend
