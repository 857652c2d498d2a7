// The preprocessing stage: runs the C preprocessor over an IDL or ACF file, as MIDL does, and records
// where each output line came from (from the preprocessor's line markers).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "support/diagnostics.h"
#include "support/source.h"

namespace midlc::frontend {

struct PreprocessOptions {
  bool enabled = true;                   // false: --no-cpp, the file is read as it is
  std::string command = "cpp";           // --cpp-cmd; may carry its own arguments ("clang -E")
  std::vector<std::string> includeDirs;  // -I
  std::vector<std::string> defines;      // -D NAME or NAME=VALUE
  std::vector<std::string> undefines;    // -U NAME
  // A preprocessor that writes nothing for this long is stopped, and the file fails: an `#include` of a FIFO
  // waits for a writer for ever, and a macro that expands without end may compute for ever.
  std::chrono::milliseconds idleLimit{60000};
  // --cache-dir: where the preprocessor's outputs are kept for the next run (preprocess_cache.h); empty:
  // none.
  std::string cacheDir;
};

// The macros midlc defines for every file (documented in --help and the README).
const std::vector<std::string>& predefinedMacros();

// Preprocesses `path`. Returns nothing (after reporting why) if the file cannot be read or the
// preprocessor fails. With a cache folder, `cachedAst` (if given) receives the AST an earlier run of this
// midlc kept with the same text (keepParsed), serialized; empty if none.
std::optional<SourceText> preprocess(const std::string& path, const PreprocessOptions& options,
                                     FileCache& files, Diagnostics& diagnostics,
                                     std::string* cachedAst = nullptr);

// Keeps `ast`, the serialized AST of `path` as preprocess() gave it, with its cached text for the next run;
// nothing without a cache folder, or if the file changed since.
void keepParsed(const std::string& path, const PreprocessOptions& options, std::string_view ast);

}  // namespace midlc::frontend
