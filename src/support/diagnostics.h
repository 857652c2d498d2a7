// Diagnostics: errors and warnings with their locations, printed gcc-style with the source line and a caret.
#pragma once

#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/source.h"

namespace midlc {

enum class Severity { Note, Warning, Error };

struct Diagnostic {
  Severity severity = Severity::Error;
  Location location;
  std::string message;
  std::string flag;  // for warnings: the name after -W that controls it
};

// The warnings midlc can give, each switched by -W<name> / -Wno-<name>.
struct WarningInfo {
  std::string_view name;
  std::string_view description;
  int level;  // the lowest MIDL-style /W<n> that keeps it on (1: it changes what midlc writes)
};
const std::vector<WarningInfo>& knownWarnings();

// Collects diagnostics of one run; stages report into it instead of printing or throwing.
class Diagnostics {
 public:
  explicit Diagnostics(FileCache* files = nullptr, std::ostream* echo = nullptr)
      : files_(files), echo_(echo) {}

  void error(const Location& where, std::string message);
  void warning(const Location& where, std::string_view flag, std::string message);
  void note(const Location& where, std::string message);

  // -Werror: warnings count as errors. -Wno-<flag>: a warning is dropped.
  void setWarningsAreErrors(bool on) { werror_ = on; }
  void disableWarning(std::string_view flag) { disabled_.emplace(flag); }
  void enableWarning(std::string_view flag) { disabled_.erase(std::string(flag)); }

  size_t errorCount() const { return errors_; }
  size_t warningCount() const { return warnings_; }
  bool hasErrors() const { return errors_ > 0; }
  const std::vector<Diagnostic>& all() const { return diagnostics_; }

  // One diagnostic as printed: "file:line:col: error: message", then the source line and a caret.
  std::string render(const Diagnostic& d) const;
  // Only the first lines ("file:line:col: error: message") of every diagnostic, as tests compare them.
  std::string summary() const;

 private:
  void add(Diagnostic d);

  FileCache* files_;
  std::ostream* echo_;
  bool werror_ = false;
  std::set<std::string, std::less<>> disabled_;
  std::vector<Diagnostic> diagnostics_;
  size_t errors_ = 0;
  size_t warnings_ = 0;
};

}  // namespace midlc
