// A cache of the preprocessor's output (--cache-dir): a file preprocessed once is not preprocessed again
// while it, every file it included, the preprocessor and the options stay the same. Most of what a small IDL
// file costs is the preprocessor started for each of its imports (objidl.idl, wtypes.idl...), which every
// file of a project imports again.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace midlc::frontend {

// What a preprocessor run wrote: its output and its messages (warnings, replayed on a hit).
struct PreprocessedText {
  std::string out;
  std::string err;
};

// One file's entry is keyed by the preprocessor's command line (options, include folders), the working
// folder, the preprocessor program's size and modification time, and the file's content. It is valid while
// every file the output names in its line markers has the content it had (compared by SHA-1), and every
// include folder the modification time it had (a header created in a folder searched before the one it was
// found in changes the folder's time). Entries are written to a temporary name and renamed, so that builds
// sharing the folder in parallel read whole entries or none; an unreadable or damaged entry is a miss.
class PreprocessCache {
 public:
  explicit PreprocessCache(std::string dir) : dir_(std::move(dir)) {}

  // The output cached for `argv` (the preprocessor's command line, the file last) over `content`, or none.
  std::optional<PreprocessedText> find(const std::vector<std::string>& argv, std::string_view content) const;
  // Records a successful run. False if the folder cannot be written (the caller carries on without it).
  bool store(const std::vector<std::string>& argv, std::string_view content,
             const PreprocessedText& text) const;

 private:
  std::string entryPath(const std::vector<std::string>& argv, std::string_view content) const;
  std::string dir_;
};

}  // namespace midlc::frontend
