// Source text, locations, and the line map from preprocessed text back to the files the user wrote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace midlc {

// The name of a file in a Location, shared: every node of the syntax tree and the model carries a location,
// and the locations of a file share one copy of its name (made once per file by what reads it: a line map,
// the cache's reader), so a location is a pointer and two numbers to copy instead of a string to allocate.
// The name is freed with the last location that holds it.
class FileName {
 public:
  FileName() = default;
  FileName(std::string_view name);  // NOLINT(google-explicit-constructor): a name is a file name
  FileName(const std::string& name) : FileName(std::string_view(name)) {}  // NOLINT
  FileName(const char* name) : FileName(std::string_view(name)) {}         // NOLINT

  const std::string& str() const { return name_ ? *name_ : noName(); }
  operator const std::string&() const { return str(); }  // NOLINT
  bool empty() const { return str().empty(); }

  friend bool operator==(const FileName& a, const FileName& b) {
    return a.name_ == b.name_ || a.str() == b.str();
  }
  friend bool operator!=(const FileName& a, const FileName& b) { return !(a == b); }
  // The same shared copy of a name (not just an equal one): a pointer compare.
  bool sharesCopyWith(const FileName& other) const { return name_ == other.name_; }

 private:
  static const std::string& noName();
  std::shared_ptr<const std::string> name_;  // null: no name
};

std::ostream& operator<<(std::ostream& out, const FileName& name);

// A position in a file the user wrote. line and column are 1-based; line 0 means "no location".
struct Location {
  FileName file;
  uint32_t line = 0;
  uint32_t column = 0;

  bool valid() const { return line != 0; }
};

// The lines of files on disk, read once, for diagnostics that show the source line (and for locations'
// columns, asked at every line of a file's tokens).
class FileCache {
 public:
  // Line `line` (1-based) of `path`, without its newline or a '\r' before it; empty if unavailable. Valid
  // while the cache lives.
  std::string_view line(const std::string& path, uint32_t line);
  // The same, for a location's file: its shared name is compared by address first (the locations of one
  // file share it), so asking line after line of one file compares no paths.
  std::string_view line(const FileName& file, uint32_t line);

 private:
  struct File {
    std::string path;
    std::string text;
    std::vector<uint32_t> lineStarts;  // where each line starts in text
  };
  std::deque<File> files_;  // a deque: the views handed out stay valid as files are added
  const File* last_ = nullptr;
  FileName lastName_;  // the name last_ was last found by (kept alive, so its address is not reused)
};

// The text one parser run reads (after preprocessing), and where each of its lines came from.
class SourceText {
 public:
  // `files` (may be null) supplies original lines to correct columns.
  SourceText(std::string name, std::string text, FileCache* files = nullptr);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  // Where each line of the text came from: line i + 1 from files[origins[i].file]:origins[i].line, or from
  // nowhere known where that line is 0 (a line marker's own line). Replaces any earlier map.
  struct LineOrigin {
    uint32_t file = 0;
    uint32_t line = 0;
  };
  void mapLines(const std::vector<std::string>& files, const std::vector<LineOrigin>& origins);

  // Where (line, column) of the text came from. The column is corrected for whitespace the
  // preprocessor collapsed, by finding the same token in the original line (see locate()).
  Location locate(uint32_t line, uint32_t column, std::string_view tokenText = {}) const;

  uint32_t lineCount() const { return static_cast<uint32_t>(lineStarts_.size()); }

  // The text of a line of the preprocessed text (without its newline).
  std::string_view line(uint32_t line) const;

 private:
  struct Origin {
    uint32_t fileIndex = 0;
    uint32_t line = 0;
  };
  std::string name_;
  std::string text_;
  FileCache* fileCache_;
  std::vector<uint32_t> lineStarts_;
  std::vector<FileName> files_;
  std::vector<Origin> origins_;  // indexed by text line - 1; fileIndex 0 is "unmapped"
  // Per text line, once locate() has compared it with its original line: how many leading bytes the two
  // share (kWholeLine: all of both). A token inside that prefix is where the text has it.
  mutable std::vector<uint32_t> sharedPrefix_;
};

// The largest file midlc reads (an IDL, ACF or imported file, a template): 256 MiB. Documented in the
// README (compiler limits).
constexpr size_t kMaxSourceFileBytes = size_t{256} << 20;

// Reads a whole regular file of at most kMaxSourceFileBytes. Returns false (and leaves `out` empty) if it
// cannot, with the reason in `why` if given: a device, FIFO or socket is refused without waiting on it.
bool readFile(const std::string& path, std::string& out, std::string* why = nullptr);

}  // namespace midlc
