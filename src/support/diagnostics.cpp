// Diagnostics collection and gcc-style rendering.
#include "support/diagnostics.h"

namespace midlc {

const std::vector<WarningInfo>& knownWarnings() {
  static const std::vector<WarningInfo> warnings = {
      {"unsupported-attribute", "an attribute midlc does not know; it is kept in the model and ignored", 1},
      {"local-async", "a [local] interface is asked for async call objects or proxies it cannot have", 1},
      {"cpp", "a warning of the C preprocessor (#warning, a macro redefined)", 1},
      {"cache", "the --cache-dir folder cannot be written (midlc goes on without it)", 1},
      {"midl-switch", "a MIDL switch asking for something midlc does elsewhere (/iid, /proxy, /tlb...)", 1},
      {"deprecated", "a construct MIDL accepts only for compatibility", 2},
      {"acf", "an ACF attribute that has no effect where it stands", 2},
      {"pragma", "a midl_pragma or #pragma that midlc ignores", 3},
  };
  return warnings;
}

void Diagnostics::error(const Location& where, std::string message) {
  add(Diagnostic{Severity::Error, where, std::move(message), {}});
}

void Diagnostics::warning(const Location& where, std::string_view flag, std::string message) {
  if (disabled_.count(flag)) return;
  Diagnostic d{werror_ ? Severity::Error : Severity::Warning, where, std::move(message), std::string(flag)};
  add(std::move(d));
}

void Diagnostics::note(const Location& where, std::string message) {
  add(Diagnostic{Severity::Note, where, std::move(message), {}});
}

void Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::Error) ++errors_;
  if (d.severity == Severity::Warning) ++warnings_;
  diagnostics_.push_back(std::move(d));
  if (echo_) *echo_ << render(diagnostics_.back()) << std::flush;
}

namespace {

std::string headline(const Diagnostic& d) {
  std::string out;
  if (d.location.valid()) {
    out += d.location.file.str() + ":" + std::to_string(d.location.line) + ":";
    if (d.location.column) out += std::to_string(d.location.column) + ":";
    out += " ";
  } else if (!d.location.file.empty()) {
    out += d.location.file.str() + ": ";
  } else {
    out += "midlc: ";
  }
  out += d.severity == Severity::Error ? "error: " : d.severity == Severity::Warning ? "warning: " : "note: ";
  out += d.message;
  if (!d.flag.empty())
    out += d.severity == Severity::Warning ? " [-W" + d.flag + "]" : " [-Werror=" + d.flag + "]";
  return out;
}

}  // namespace

std::string Diagnostics::render(const Diagnostic& d) const {
  std::string out = headline(d) + "\n";
  if (files_ && d.location.valid() && d.location.column) {
    std::string text(files_->line(d.location.file, d.location.line));
    if (!text.empty() && text.size() < 1000) {
      std::string caret;
      for (size_t i = 0; i + 1 < d.location.column && i < text.size(); ++i)
        caret += text[i] == '\t' ? '\t' : ' ';
      out += "  " + text + "\n  " + caret + "^\n";
    }
  }
  return out;
}

std::string Diagnostics::summary() const {
  std::string out;
  for (const auto& d : diagnostics_) out += headline(d) + "\n";
  return out;
}

}  // namespace midlc
