// The templates of generated files: embedded in midlc at build time, or read from --template-dir.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/diagnostics.h"

namespace midlc::codegen {

struct EmbeddedTemplate {
  const char* name;  // file name under templates/cpp, e.g. "header.h.mustache"
  const char* text;
};

// Every template of templates/cpp, as built into this midlc.
const std::vector<EmbeddedTemplate>& embeddedTemplates();

// The template `name`: from `overrideDir` if it is set and holds the file, else the embedded one.
std::optional<std::string> loadTemplate(const std::string& name, const std::string& overrideDir,
                                        Diagnostics& diagnostics);

}  // namespace midlc::codegen
