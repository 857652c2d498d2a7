// Fragments of generated code with named holes (see printer.h).
#include "codegen/printer.h"

#include <stdexcept>

namespace midlc::codegen {

namespace {

size_t leadingSpaces(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

bool blank(std::string_view line) {
  return leadingSpaces(line) == line.size();
}

}  // namespace

const Printer::Var* Printer::find(std::initializer_list<Var> vars, std::string_view name) const {
  for (const Var& v : vars)
    if (v.name == name) return &v;
  // A hole without a value is a bug in midlc, never in the user's IDL.
  throw std::logic_error("printer: no value for $" + std::string(name) + "$");
}

void Printer::emit(std::initializer_list<Var> vars, std::string_view fragment) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos <= fragment.size();) {
    size_t end = fragment.find('\n', pos);
    if (end == std::string_view::npos) end = fragment.size();
    lines.push_back(fragment.substr(pos, end - pos));
    pos = end + 1;
  }
  // R"gen( ... )gen": the line after the opening and the one before the closing are not code.
  if (!lines.empty() && blank(lines.front())) lines.erase(lines.begin());
  if (!lines.empty() && blank(lines.back())) lines.pop_back();
  size_t common = std::string_view::npos;
  for (std::string_view line : lines)
    if (!blank(line)) common = std::min(common, leadingSpaces(line));
  if (common == std::string_view::npos) common = 0;
  for (std::string_view line : lines) emitLine(blank(line) ? std::string_view() : line.substr(common), vars);
}

void Printer::emitLine(std::string_view line, std::initializer_list<Var> vars) {
  const size_t spaces = leadingSpaces(line);
  std::string_view rest = line.substr(spaces);
  // A hole alone on its line: a callback printed at its column, or a value that may remove the line.
  if (rest.size() > 2 && rest.front() == '$' && rest.back() == '$' && rest.find('$', 1) == rest.size() - 1) {
    const Var* var = find(vars, rest.substr(1, rest.size() - 2));
    if (const auto* callback = std::get_if<std::function<void()>>(&var->value)) {
      const std::string outer = indent_;
      indent_ += std::string(spaces, ' ');
      (*callback)();
      indent_ = outer;
      return;
    }
    if (std::get<std::string>(var->value).empty()) return;
  }
  std::string out;
  for (size_t pos = 0; pos < line.size();) {
    size_t open = line.find('$', pos);
    if (open == std::string_view::npos) {
      out.append(line.substr(pos));
      break;
    }
    size_t close = line.find('$', open + 1);
    if (close == std::string_view::npos)
      throw std::logic_error("printer: unclosed $ in: " + std::string(line));
    out.append(line.substr(pos, open - pos));
    const Var* var = find(vars, line.substr(open + 1, close - open - 1));
    const auto* value = std::get_if<std::string>(&var->value);
    if (!value)
      throw std::logic_error("printer: a callback must stand alone on its line: " + std::string(line));
    out += *value;
    pos = close + 1;
  }
  if (out.find('\n') != std::string::npos)
    throw std::logic_error("printer: a value spans lines (use a callback): " + out);
  lines_.push_back(out.empty() ? std::string() : indent_ + out);
}

std::string Printer::text() const {
  std::string out;
  for (const auto& line : lines_) out += line + "\n";
  return out;
}

}  // namespace midlc::codegen
