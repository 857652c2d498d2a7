// libFuzzer target for midlc's own C preprocessor: bytes taken as an IDL file's text, with midlc's IDL
// folder to include from. Any crash, sanitizer report, uncaught exception or hang is a bug: every input ends
// in text or in messages, within the preprocessor's bounds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "frontend/builtin_preprocessor.h"
#include "support/source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const midlc::frontend::PreprocessOptions options = [] {
    midlc::frontend::PreprocessOptions o;
    o.includeDirs = {MIDLC_DEFAULT_IMPORT_DIR};
    o.defines = {"__WIDL__", "F(a, ...)=a __VA_ARGS__"};
    return o;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  midlc::frontend::BuiltinPreprocessed result =
      midlc::frontend::runBuiltinPreprocessor("fuzz.idl", text, options);
  if (result.out.size() > midlc::kMaxSourceFileBytes + 65536) __builtin_trap();  // the bound it promises
  return 0;
}
