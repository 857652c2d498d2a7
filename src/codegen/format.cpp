// Layout of generated statements.
#include "codegen/format.h"

#include <algorithm>

namespace midlc::codegen {

std::string formatStatements(const std::string& code, int depth) {
  std::string out;
  size_t pos = 0;
  while (pos < code.size()) {
    size_t end = code.find('\n', pos);
    if (end == std::string::npos) end = code.size();
    std::string line = code.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    int opens = 0, closes = 0;
    bool inString = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == '"' && (i == 0 || line[i - 1] != '\\')) inString = !inString;
      if (inString) continue;
      opens += c == '{';
      closes += c == '}';
    }
    bool startsClosing = line[0] == '}';
    bool isLabel = line.rfind("case ", 0) == 0 || line.rfind("default:", 0) == 0;
    int level = depth - (startsClosing ? 1 : 0) - (isLabel ? 1 : 0);
    out += std::string(static_cast<size_t>(std::max(level, 0) * 2), ' ') + line + "\n";
    depth += opens - closes;
  }
  return out;
}

}  // namespace midlc::codegen
