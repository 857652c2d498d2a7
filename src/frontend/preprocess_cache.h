// A cache of the preprocessor's output and of the AST parsed from it (--cache-dir): a file preprocessed and
// parsed once is neither preprocessed nor parsed again while it, every file it included, the preprocessor,
// the options and midlc stay the same. Most of what an IDL file costs is its imports (objidl.idl,
// wtypes.idl...): each preprocessed and parsed again in every file of a project.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace midlc::frontend {

// argv[0] of midlc's own preprocessor in a cache key: stamped as the midlc executable, not as a program.
inline constexpr std::string_view kBuiltinPreprocessor = "<midlc>";

// What a preprocessor run wrote: its output and its messages (warnings, replayed on a hit).
struct PreprocessedText {
  std::string out;
  std::string err;
};

// An entry: the text, and the file's AST as this midlc parsed it (serialized; empty if none was kept, or a
// different midlc executable kept it).
struct CachedPreprocess {
  PreprocessedText text;
  std::string ast;
};

// One file's entry is keyed by the preprocessor's command line (options, include folders), the working
// folder, the preprocessor program's size and modification time, and the file's content. It is valid while
// every file the output names in its line markers has the content it had (compared by SHA-1, or by stat data
// for a file that changed well before the entry was written), and every
// include folder the modification time it had (a header created in a folder searched before the one it was
// found in changes the folder's time). Entries are written to a temporary name and renamed, so that builds
// sharing the folder in parallel read whole entries or none; an unreadable or damaged entry is a miss.
// The files a preprocessor's output names in its line markers (# 12 "file" ...), but the preprocessor's own
// (<built-in>): the file, and every file it included.
std::set<std::string> filesInLineMarkers(std::string_view out);

class PreprocessCache {
 public:
  explicit PreprocessCache(std::string dir) : dir_(std::move(dir)) {}

  // The entry cached for `argv` (the preprocessor's command line, the file last) over `content`, or none.
  std::optional<CachedPreprocess> find(const std::vector<std::string>& argv, std::string_view content) const;
  // Records a successful run, with the file's serialized AST if given (checked by a checksum when read, and
  // used by this midlc executable only). False if the folder cannot be written (the caller carries on without
  // it).
  bool store(const std::vector<std::string>& argv, std::string_view content, const PreprocessedText& text,
             std::string_view ast = {}) const;

 private:
  std::string entryPath(const std::vector<std::string>& argv, std::string_view content) const;
  std::string dir_;
};

}  // namespace midlc::frontend
