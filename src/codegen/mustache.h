// midlc's Mustache engine: the part of the Mustache specification its templates use, parsed once into a flat
// list of nodes and rendered over kainjow's data (the views' type, view.h) without escaping. kainjow's own
// parser and renderer cost a small file's run a third of its instructions (a tree of components, a
// std::function call per component, a line buffer per line).
//
// Supported: variables ({{name}}, {{{name}}}, {{&name}}, the current item {{.}}, dotted names a.b), sections
// and inverted sections, comments. A partial tag ({{>name}}) is accepted and renders as nothing: render.h
// expands partials, and removes the tags that stand alone on their lines, before a template is parsed here.
// Not supported: changing the delimiters ({{=<% %>=}}, an error), lambdas (the views make none).
#pragma once

#include <kainjow/mustache.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace midlc::codegen {

// A tag of a template's text: where it opens ("{{" or "{{{") and ends (after its "}}" or "}}}"; npos when it
// is not closed), its kind ('#', '^', '/', '!', '>', '&', '=', '{' for a triple mustache, 0 for a plain
// variable) and its name without the blanks around it (a view of the text).
struct MustacheTag {
  size_t open = 0;
  size_t end = 0;
  char kind = 0;
  std::string_view name;
};

// The first tag of `text` at or after `from`, or nothing if none opens there.
std::optional<MustacheTag> nextMustacheTag(std::string_view text, size_t from);

class MustacheTemplate {
 public:
  // The template of `text`, or nothing with `error` saying what is wrong and on which line (a tag or a
  // section not closed, a section's end that closes none or another, sections nested more than 200 deep).
  static std::optional<MustacheTemplate> parse(std::string text, std::string& error);

  // Appends the template rendered with `view` to `out`. Names are looked up from the innermost section's
  // item outwards; a missing name renders as nothing, and so does a value that is not a string.
  void render(const kainjow::mustache::data& view, std::string& out) const;

 private:
  enum class Kind : uint8_t { Text, Variable, Section, Inverted };
  struct Node {
    Kind kind = Kind::Text;
    uint32_t begin = 0;  // Text: where its characters are in text_, and how many; a section: where its tag is
    uint32_t size = 0;
    uint32_t end = 0;               // Section, Inverted: the index of the node after its own
    std::vector<std::string> path;  // Variable, Section, Inverted: the name, split at its dots; empty: {{.}}
  };
  using Data = kainjow::mustache::data;

  const Data* lookup(const Node& node, const std::vector<const Data*>& items) const;
  void render(size_t first, size_t last, std::vector<const Data*>& items, std::string& out) const;

  std::string text_;
  std::vector<Node> nodes_;
};

}  // namespace midlc::codegen
