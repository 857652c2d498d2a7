// Loading, expanding and rendering templates (see render.h).
#include "codegen/render.h"

#include <filesystem>

#include "codegen/mustache.h"

namespace midlc::codegen {

namespace {

constexpr int kMaxPartialDepth = 32;

bool whitespace(const std::string& text, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i)
    if (text[i] != ' ' && text[i] != '\t') return false;
  return true;
}

// The line around [open, end): its start, and the position after its newline, if only whitespace
// surrounds the tag on it.
std::optional<std::pair<size_t, size_t>> standaloneLine(const std::string& text, const MustacheTag& tag) {
  size_t lineStart = text.rfind('\n', tag.open);
  lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
  size_t lineEnd = text.find('\n', tag.end);
  size_t after = lineEnd == std::string::npos ? text.size() : lineEnd + 1;
  if (!whitespace(text, lineStart, tag.open) ||
      !whitespace(text, tag.end, lineEnd == std::string::npos ? text.size() : lineEnd))
    return std::nullopt;
  return std::make_pair(lineStart, after);
}

std::string indentLines(const std::string& text, const std::string& indent) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    size_t next = end == std::string::npos ? text.size() : end + 1;
    if (next - pos > 1 || end == std::string::npos) out += indent;
    out.append(text, pos, next - pos);
    pos = next;
  }
  return out;
}

}  // namespace

std::string removeStandaloneTags(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (auto tag = nextMustacheTag(text, pos)) {
    if (tag->end == std::string::npos) break;
    const bool removable = tag->kind == '#' || tag->kind == '^' || tag->kind == '/' || tag->kind == '!';
    auto line = removable ? standaloneLine(text, *tag) : std::nullopt;
    if (line && line->first >= pos) {
      out.append(text, pos, line->first - pos);
      if (tag->kind != '!') out.append(text, tag->open, tag->end - tag->open);  // glued to the next line
      pos = line->second;
    } else {
      out.append(text, pos, tag->end - pos);
      pos = tag->end;
    }
  }
  out.append(text, pos, std::string::npos);
  return out;
}

void Templates::error(const std::string& name, const std::string& message) {
  diagnostics_.error(Location{"templates/cpp/" + name + ".mustache", 0, 0}, message);
}

std::optional<std::string> Templates::source(const std::string& name, bool* overridden) {
  const std::string file = name + ".mustache";
  *overridden = false;
  if (!overrideDir_.empty()) {
    std::string text;
    if (readFile((std::filesystem::path(overrideDir_) / file).string(), text)) {
      *overridden = true;
      return text;
    }
  }
  for (const auto& t : embeddedTemplates())
    if (file == t.name) return std::string(t.text);
  error(name, "no template named '" + name + "'");
  return std::nullopt;
}

std::optional<std::string> Templates::expand(const std::string& name, int depth) {
  if (auto it = expanded_.find(name); it != expanded_.end()) return it->second;
  if (depth > kMaxPartialDepth) {
    error(name,
          "partials nest more than " + std::to_string(kMaxPartialDepth) + " deep (one includes itself?)");
    return std::nullopt;
  }
  bool overridden = false;
  auto text = source(name, &overridden);
  if (!text) return std::nullopt;
  // Each template and partial stands on its own: its sections close within it. The embedded ones are checked
  // by the tests (parsing each twice costs a small file's run a tenth of its time).
  if (overridden) {
    if (std::string problem; !MustacheTemplate::parse(*text, problem)) {
      error(name, "template error: " + problem);
      return std::nullopt;
    }
  }
  std::string out;
  size_t pos = 0;
  while (auto tag = nextMustacheTag(*text, pos)) {
    if (tag->end == std::string::npos) {
      error(name, "a tag is not closed");
      return std::nullopt;
    }
    if (tag->kind != '>') {
      out.append(*text, pos, tag->end - pos);
      pos = tag->end;
      continue;
    }
    auto partial = expand(std::string(tag->name), depth + 1);
    if (!partial) return std::nullopt;
    auto line = standaloneLine(*text, *tag);
    if (line && line->first >= pos) {
      out.append(*text, pos, line->first - pos);
      out += indentLines(*partial, text->substr(line->first, tag->open - line->first));
      pos = line->second;
    } else {
      out.append(*text, pos, tag->open - pos);
      out += *partial;
      pos = tag->end;
    }
  }
  out.append(*text, pos, std::string::npos);
  return expanded_[name] = out;
}

std::optional<std::string> Templates::render(const std::string& name, const kainjow::mustache::data& view) {
  auto text = expand(name);
  if (!text) return std::nullopt;
  std::string problem;
  auto tmpl = MustacheTemplate::parse(removeStandaloneTags(*text), problem);
  if (!tmpl) {
    error(name, "template error: " + problem);
    return std::nullopt;
  }
  std::string rendered;
  rendered.reserve(text->size() * 2);
  tmpl->render(view, rendered);
  // No line ends in whitespace (an empty line of code inside an indented block, say).
  std::string out;
  out.reserve(rendered.size());
  for (size_t pos = 0; pos < rendered.size();) {
    size_t newline = rendered.find('\n', pos);
    size_t end = newline == std::string::npos ? rendered.size() : newline;
    while (end > pos && (rendered[end - 1] == ' ' || rendered[end - 1] == '\t')) --end;
    out.append(rendered, pos, end - pos);
    if (newline == std::string::npos) break;
    out += '\n';
    pos = newline + 1;
  }
  return out;
}

}  // namespace midlc::codegen
