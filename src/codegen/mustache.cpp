// Parsing and rendering Mustache templates (see mustache.h).
#include "codegen/mustache.h"

#include <algorithm>
#include <string>

namespace midlc::codegen {

namespace {

constexpr size_t kMaxSectionDepth = 200;

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> splitName(std::string_view name) {
  std::vector<std::string> path;
  if (name == ".") return path;
  for (size_t start = 0;;) {
    const size_t dot = name.find('.', start);
    path.emplace_back(
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return path;
    start = dot + 1;
  }
}

std::string lineOf(const std::string& text, size_t pos) {
  return "line " +
         std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(pos), '\n'));
}

}  // namespace

std::optional<MustacheTag> nextMustacheTag(std::string_view text, size_t from) {
  const size_t open = text.find("{{", from);
  if (open == std::string_view::npos) return std::nullopt;
  const bool triple = text.compare(open, 3, "{{{") == 0;
  const size_t inner = open + (triple ? 3 : 2);
  const size_t close = text.find(triple ? "}}}" : "}}", inner);
  if (close == std::string_view::npos) return MustacheTag{open, std::string_view::npos, 0, {}};
  const char first = inner < text.size() ? text[inner] : 0;
  const bool sigil =
      !triple && first != 0 && std::string_view("#^/!>&=").find(first) != std::string_view::npos;
  return MustacheTag{open, close + (triple ? 3 : 2),
                     triple  ? '{'
                     : sigil ? first
                             : '\0',
                     trimmed(text.substr(inner + sigil, close - inner - sigil))};
}

std::optional<MustacheTemplate> MustacheTemplate::parse(std::string text, std::string& error) {
  MustacheTemplate t;
  t.text_ = std::move(text);
  const std::string& s = t.text_;
  std::vector<size_t> open;  // the sections not yet closed, innermost last
  auto addText = [&](size_t from, size_t to) {
    if (to > from)
      t.nodes_.push_back(
          Node{Kind::Text, static_cast<uint32_t>(from), static_cast<uint32_t>(to - from), 0, {}});
  };
  size_t pos = 0;
  while (auto tag = nextMustacheTag(s, pos)) {
    const size_t at = tag->open;
    addText(pos, at);
    if (tag->end == std::string_view::npos) {
      error = lineOf(s, at) + ": a tag is not closed";
      return std::nullopt;
    }
    pos = tag->end;
    const char sigil = tag->kind;
    const std::string_view name = tag->name;
    switch (sigil) {
      case '!':
      case '>':
        break;
      case '=':
        error = lineOf(s, at) + ": changing the delimiters ({{=...=}}) is not supported";
        return std::nullopt;
      case '#':
      case '^':
        if (open.size() == kMaxSectionDepth) {  // render() recurses once per level
          error = lineOf(s, at) + ": sections nest more than " + std::to_string(kMaxSectionDepth) + " deep";
          return std::nullopt;
        }
        open.push_back(t.nodes_.size());
        t.nodes_.push_back(Node{sigil == '#' ? Kind::Section : Kind::Inverted, static_cast<uint32_t>(at), 0,
                                0, splitName(name)});
        break;
      case '/': {
        const std::vector<std::string> path = splitName(name);
        if (open.empty()) {
          error = lineOf(s, at) + ": {{/" + std::string(name) + "}} closes no section";
          return std::nullopt;
        }
        Node& section = t.nodes_[open.back()];
        if (section.path != path) {
          std::string expected;
          for (const auto& part : section.path) expected += (expected.empty() ? "" : ".") + part;
          error = lineOf(s, at) + ": {{/" + std::string(name) + "}} closes section '" + expected + "'";
          return std::nullopt;
        }
        open.pop_back();
        section.end = static_cast<uint32_t>(t.nodes_.size());
        break;
      }
      default:  // a variable: plain, & or {{{ }}} alike (nothing is escaped)
        t.nodes_.push_back(Node{Kind::Variable, 0, 0, 0, splitName(name)});
    }
  }
  addText(pos, s.size());
  if (!open.empty()) {
    std::string name;
    for (const auto& part : t.nodes_[open.back()].path) name += (name.empty() ? "" : ".") + part;
    error = lineOf(s, t.nodes_[open.back()].begin) + ": section '" + name + "' is not closed";
    return std::nullopt;
  }
  return t;
}

const MustacheTemplate::Data* MustacheTemplate::lookup(const Node& node,
                                                       const std::vector<const Data*>& items) const {
  if (node.path.empty()) return items.back();
  for (auto item = items.rbegin(); item != items.rend(); ++item) {
    const Data* value = *item;
    for (const std::string& part : node.path) {
      value = value->get(part);
      if (!value) break;
    }
    if (value) return value;
  }
  return nullptr;
}

void MustacheTemplate::render(size_t first, size_t last, std::vector<const Data*>& items,
                              std::string& out) const {
  for (size_t i = first; i < last;) {
    const Node& node = nodes_[i];
    switch (node.kind) {
      case Kind::Text:
        out.append(text_, node.begin, node.size);
        ++i;
        break;
      case Kind::Variable:
        if (const Data* value = lookup(node, items); value && value->is_string())
          out += value->string_value();
        ++i;
        break;
      case Kind::Section:
      case Kind::Inverted: {
        const Data* value = lookup(node, items);
        const bool empty = !value || value->is_false() || value->is_empty_list();
        if (node.kind == Kind::Inverted) {
          if (empty) render(i + 1, node.end, items, out);
        } else if (!empty && value->is_list()) {
          for (const Data& item : value->list_value()) {
            items.push_back(&item);
            render(i + 1, node.end, items, out);
            items.pop_back();
          }
        } else if (!empty) {
          items.push_back(value);
          render(i + 1, node.end, items, out);
          items.pop_back();
        }
        i = node.end;
        break;
      }
    }
  }
}

void MustacheTemplate::render(const Data& view, std::string& out) const {
  std::vector<const Data*> items{&view};
  render(0, nodes_.size(), items, out);
}

}  // namespace midlc::codegen
