// midlc's own C preprocessor, the default (--cpp-cmd names an external one instead): #include, #define with
// # and ##, variadic macros, #if and its kin, #line, #error, #warning, #pragma (passed on to the parser),
// as C11 6.10 and gcc have them. It writes what `cpp -E` writes: the text with gcc's line markers, so that
// the rest of the front end (the line map, the cache's list of included files) takes either. Running in
// midlc, not as two processes per file and per import, it is most of what a run without a cache saves.
#pragma once

#include <string>
#include <string_view>

#include "frontend/preprocessor.h"

namespace midlc::frontend {

struct BuiltinPreprocessed {
  bool ok = false;
  std::string out;  // the text, with line markers (# 12 "file.h" 1)
  std::string err;  // messages as gcc writes them: "file:line:col: error|warning: text", one per line
};

// Preprocesses `content`, the text of the file `path`, with the options' -I, -D and -U (the macros of
// predefinedMacros() first). Not ok if an error was reported in `err`. Bounded: 200 nested includes, the
// output at most kMaxSourceFileBytes, macro expansion at most a few million tokens per file.
BuiltinPreprocessed runBuiltinPreprocessor(const std::string& path, std::string_view content,
                                           const PreprocessOptions& options);

}  // namespace midlc::frontend
