// The preprocessing stage: runs the C preprocessor over an IDL or ACF file, as MIDL does, and records
// where each output line came from (from the preprocessor's line markers).
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/diagnostics.h"
#include "support/source.h"

namespace midlc::frontend {

struct PreprocessOptions {
  bool enabled = true;  // false: --no-cpp, the file is read as it is
  // --cpp-cmd: an external preprocessor, which may carry its own arguments ("clang -E"); empty: midlc's own
  // (builtin_preprocessor.h).
  std::string command;
  std::vector<std::string> includeDirs;  // -I
  std::vector<std::string> defines;      // -D NAME or NAME=VALUE
  std::vector<std::string> undefines;    // -U NAME
  // An external preprocessor that writes nothing for this long is stopped, and the file fails: an `#include`
  // of a FIFO waits for a writer for ever, and a macro that expands without end may compute for ever.
  std::chrono::milliseconds idleLimit{60000};
  // --cache-dir: where the preprocessor's outputs are kept for the next run (preprocess_cache.h); empty:
  // none.
  std::string cacheDir;
};

// The macros midlc defines for every file (documented in --help and the README).
const std::vector<std::string>& predefinedMacros();

// A file run through the preprocessor for the IDL loader: its text to parse or, with a cache folder, the AST
// an earlier run of this midlc parsed from the same text. A run the cache did not answer is recorded by
// keep(), once, with the AST the caller parsed from it.
class Preprocessed {
 public:
  // The serialized AST kept by an earlier run for the same text; empty if none (parse takeSource() then).
  const std::string& cachedAst() const { return cachedAst_; }
  // The text, its lines mapped back to the user's files; built on demand (unused when the AST is cached).
  SourceText takeSource(FileCache& files);
  // The files the text came from besides `path`: those it #included, at any depth.
  std::set<std::string> includedFiles() const;
  // Records this run in the cache with `ast` (serialized; empty if the parse failed or said something):
  // nothing without a cache folder or when the cache answered. Warns once per run if the folder cannot be
  // written.
  void keep(std::string_view ast, Diagnostics& diagnostics);

 private:
  friend std::optional<Preprocessed> preprocessForParse(const std::string&, const PreprocessOptions&,
                                                        FileCache&, Diagnostics&);
  std::string path_;
  std::string cacheDir_;           // empty: nothing to keep
  std::vector<std::string> argv_;  // the preprocessor's command line, the cache's key with content_
  std::string content_;            // the file as it was read
  std::string out_;                // the preprocessor's output
  std::string err_;                // and its messages
  std::string cachedAst_;
  bool fromCache_ = false;            // the text came from the cache (kept again only to add an AST)
  std::optional<SourceText> mapped_;  // --no-cpp: mapped already, to check it
};

// Preprocesses `path` for parsing. Returns nothing (after reporting why) if the file cannot be read or the
// preprocessor fails.
std::optional<Preprocessed> preprocessForParse(const std::string& path, const PreprocessOptions& options,
                                               FileCache& files, Diagnostics& diagnostics);

// Preprocesses `path` (an ACF, or --preprocess-only): the text, its lines mapped; kept in the cache folder if
// any; the files it included added to `included` if given. Returns nothing (after reporting why) if the file
// cannot be read or the preprocessor fails.
std::optional<SourceText> preprocess(const std::string& path, const PreprocessOptions& options,
                                     FileCache& files, Diagnostics& diagnostics,
                                     std::set<std::string>* included = nullptr);

}  // namespace midlc::frontend
