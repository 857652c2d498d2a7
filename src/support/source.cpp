// Line map and source-line lookup for diagnostics.
#include "support/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ostream>

namespace midlc {

FileName::FileName(std::string_view name) {
  if (!name.empty()) name_ = std::make_shared<const std::string>(name);
}

const std::string& FileName::noName() {
  static const std::string none;
  return none;
}

std::ostream& operator<<(std::ostream& out, const FileName& name) {
  return out << name.str();
}

namespace {

// Where each line of `text` starts: 0, then after each newline (a text that ends with one has an empty line
// after it).
std::vector<uint32_t> lineStartsOf(std::string_view text) {
  std::vector<uint32_t> starts{0};
  for (const char *p = text.data(), *end = text.data() + text.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) != nullptr;)
    starts.push_back(static_cast<uint32_t>(++p - text.data()));
  return starts;
}

// Line `line` (1-based) of `text`, whose lines start at `starts`, without its newline or a '\r' before it;
// empty past the last. The next line's start bounds it: no search along the line.
std::string_view lineAt(std::string_view text, const std::vector<uint32_t>& starts, uint32_t line) {
  if (line == 0 || line > starts.size()) return {};
  const size_t begin = starts[line - 1];
  std::string_view view = text.substr(begin, (line < starts.size() ? starts[line] : text.size()) - begin);
  if (!view.empty() && view.back() == '\n') view.remove_suffix(1);
  if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
  return view;
}

}  // namespace

SourceText::SourceText(std::string name, std::string text, FileCache* files)
    : name_(std::move(name)), text_(std::move(text)), fileCache_(files), lineStarts_(lineStartsOf(text_)) {
  files_.push_back(name_);
}

void SourceText::mapLines(const std::vector<std::string>& files, const std::vector<LineOrigin>& origins) {
  files_.resize(1);
  for (const std::string& file : files) files_.emplace_back(file);  // the one copy of each name for locations
  origins_.assign(origins.size(), Origin{});
  for (size_t i = 0; i < origins.size(); ++i)
    if (origins[i].line != 0 && origins[i].file < files.size())
      origins_[i] = Origin{origins[i].file + 1, origins[i].line};
}

std::string_view SourceText::line(uint32_t line) const {
  return lineAt(text_, lineStarts_, line);  // locate() asks at every token of long preprocessed lines
}

namespace {

// The column (1-based) of the n-th occurrence of `token` in `text` that stands on its own (not inside
// a longer word), or 0.
uint32_t findOccurrence(std::string_view text, std::string_view token, int n) {
  auto isWord = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  size_t pos = 0;
  while ((pos = text.find(token, pos)) != std::string_view::npos) {
    bool startOk = pos == 0 || !isWord(text[pos - 1]) || !isWord(token.front());
    size_t end = pos + token.size();
    bool endOk = end >= text.size() || !isWord(text[end]) || !isWord(token.back());
    if (startOk && endOk && n-- == 0) return static_cast<uint32_t>(pos + 1);
    pos += 1;
  }
  return 0;
}

int countOccurrences(std::string_view text, std::string_view token, size_t before) {
  auto isWord = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  int count = 0;
  for (size_t pos = text.find(token); pos != std::string_view::npos && pos < before;
       pos = text.find(token, pos + 1)) {
    size_t end = pos + token.size();
    bool startOk = pos == 0 || !isWord(text[pos - 1]) || !isWord(token.front());
    bool endOk = end >= text.size() || !isWord(text[end]) || !isWord(token.back());
    if (startOk && endOk) ++count;
  }
  return count;
}

// Longer lines keep the preprocessor's column: correcting them would cost time quadratic in their length.
constexpr size_t kMaxCorrectedLine = 1000;

}  // namespace

Location SourceText::locate(uint32_t line, uint32_t column, std::string_view tokenText) const {
  if (line == 0) return {};
  if (line > origins_.size() || origins_[line - 1].line == 0) return Location{files_[0], line, column};
  const Origin& origin = origins_[line - 1];
  Location loc{files_[origin.fileIndex], origin.line, column};
  // The preprocessor collapses runs of blanks; find the same token in the original line instead.
  if (fileCache_ && !tokenText.empty() && tokenText.find('\n') == std::string_view::npos) {
    std::string_view pp = this->line(line);
    if (pp.size() > kMaxCorrectedLine) return loc;
    // Where the line reads as its original up to and past the token (midlc's preprocessor keeps columns),
    // the search below would find it where it is: the common case, answered without searching.
    constexpr uint32_t kUnknown = UINT32_MAX, kWholeLine = UINT32_MAX - 1;
    if (sharedPrefix_.size() < lineStarts_.size()) sharedPrefix_.resize(lineStarts_.size(), kUnknown);
    uint32_t& shared = sharedPrefix_[line - 1];
    std::string_view original;
    if (shared == kUnknown) {
      original = fileCache_->line(loc.file, loc.line);
      if (pp == original) {
        shared = kWholeLine;
      } else {
        shared = static_cast<uint32_t>(
            std::mismatch(pp.begin(), pp.end(), original.begin(), original.end()).first - pp.begin());
      }
    }
    const size_t end = (column > 0 ? column - 1 : 0) + tokenText.size();  // the byte after the token
    if (shared == kWholeLine ? end <= pp.size() : end < shared) return loc;
    if (original.empty()) original = fileCache_->line(loc.file, loc.line);
    if (original.size() > kMaxCorrectedLine) return loc;
    int index = countOccurrences(pp, tokenText, column > 0 ? column - 1 : 0);
    if (uint32_t col = findOccurrence(original, tokenText, index)) loc.column = col;
  }
  return loc;
}

bool readFile(const std::string& path, std::string& out, std::string* why) {
  out.clear();
  auto fail = [&](std::string reason) {
    out.clear();
    if (why) *why = std::move(reason);
    return false;
  };
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever before fstat could refuse it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail("it is a folder");
  // A device such as /dev/zero, a FIFO or a socket has no end that midlc could wait for.
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  auto tooLarge = [&] {
    return fail("larger than " + std::to_string(kMaxSourceFileBytes >> 20) +
                " MiB, the limit for a file midlc reads");
  };
  if (static_cast<uint64_t>(st.st_size) > kMaxSourceFileBytes) return tooLarge();
  out.reserve(static_cast<size_t>(st.st_size));
  char buffer[65536];
  for (;;) {  // the size may have changed since fstat: the limit holds for what is read
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::strerror(errno));
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > kMaxSourceFileBytes) return tooLarge();
    out.append(buffer, static_cast<size_t>(n));
  }
  return true;
}

std::string_view FileCache::line(const std::string& path, uint32_t line) {
  const File* file = last_ && last_->path == path ? last_ : nullptr;
  for (auto it = files_.begin(); !file && it != files_.end(); ++it)
    if (it->path == path) file = &*it;
  if (!file) {
    File& read = files_.emplace_back();
    read.path = path;
    if (readFile(path, read.text)) {
      read.lineStarts = lineStartsOf(read.text);
      if (read.lineStarts.back() == read.text.size())
        read.lineStarts.pop_back();  // no line after the last newline
    }
    file = &read;
  }
  last_ = file;
  return lineAt(file->text, file->lineStarts, line);
}

std::string_view FileCache::line(const FileName& file, uint32_t line) {
  if (last_ && !file.empty() && lastName_.sharesCopyWith(file))
    return lineAt(last_->text, last_->lineStarts, line);
  std::string_view text = this->line(file.str(), line);
  lastName_ = file;
  return text;
}

}  // namespace midlc
