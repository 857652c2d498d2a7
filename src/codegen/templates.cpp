// Template lookup: --template-dir first, then the templates embedded at build time.
#include "codegen/templates.h"

#include <filesystem>

namespace midlc::codegen {

std::optional<std::string> loadTemplate(const std::string& name, const std::string& overrideDir,
                                        Diagnostics& diagnostics) {
  if (!overrideDir.empty()) {
    std::string path = (std::filesystem::path(overrideDir) / name).string();
    std::string text;
    if (readFile(path, text)) return text;
  }
  for (const auto& t : embeddedTemplates())
    if (name == t.name) return std::string(t.text);
  diagnostics.error(Location{}, "no template named '" + name + "'");
  return std::nullopt;
}

}  // namespace midlc::codegen
