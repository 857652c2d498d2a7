// The templates of generated files: embedded in midlc at build time, or read from --template-dir (any
// single template or partial), and rendered by midlc's Mustache engine (mustache.h) over the views' kainjow
// data, nothing escaped.
//
// Partials ({{>rpc/client_function}}) are expanded, and tags alone on their lines removed with their lines,
// before rendering, as the Mustache specification says: a section, an inverted section, a section's end or a
// comment alone on its line leaves no line behind, and a partial alone on its line is indented to the tag's
// column. Templates see only strings, booleans and lists.
#pragma once

#include <kainjow/mustache.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/diagnostics.h"

namespace midlc::codegen {

struct EmbeddedTemplate {
  const char* name;  // its path under templates/cpp, e.g. "rpc/client_function.mustache"
  const char* text;
};

// Every template of templates/cpp, as built into this midlc.
const std::vector<EmbeddedTemplate>& embeddedTemplates();

class Templates {
 public:
  Templates(std::string overrideDir, Diagnostics& diagnostics)
      : overrideDir_(std::move(overrideDir)), diagnostics_(diagnostics) {}

  // The template `name` ("header.h", "rpc/client_function") rendered with `view`; nothing after reporting
  // an error.
  std::optional<std::string> render(const std::string& name, const kainjow::mustache::data& view);

  // The template's text with its partials expanded (for tests and --template-dir users).
  std::optional<std::string> expand(const std::string& name, int depth = 0);

 private:
  // The template's text; `overridden`: it came from the override folder.
  std::optional<std::string> source(const std::string& name, bool* overridden);
  void error(const std::string& name, const std::string& message);

  std::string overrideDir_;
  Diagnostics& diagnostics_;
  std::map<std::string, std::string> expanded_;
};

// Removes the tags that stand alone on their lines together with their lines' whitespace and newline
// (sections, inverted sections, sections' ends, comments), as the Mustache specification says.
std::string removeStandaloneTags(const std::string& text);

}  // namespace midlc::codegen
