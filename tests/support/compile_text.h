// Test helper: runs midlc's stages on IDL/ACF text written to a temporary folder.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "driver/driver.h"

namespace midlc::testing {

struct Compiled {
  std::unique_ptr<sema::Model> model;
  std::string diagnostics;  // "file:line:col: error: message" lines, file names without folders
  bool ok() const { return model != nullptr; }
};

// Writes `idl` (and `acf` if not empty) as test.idl/test.acf in a fresh folder and compiles it: preprocessed
// by midlc's own preprocessor, by `cppCommand` if given (--cpp-cmd), or not at all (!useCpp, --no-cpp).
inline Compiled compileText(const std::string& idl, const std::string& acf = {}, bool useCpp = true,
                            const std::string& cppCommand = {}) {
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() /
                 ("midlc-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  fs::create_directories(dir);
  std::ofstream(dir / "test.idl") << idl;
  if (!acf.empty()) std::ofstream(dir / "test.acf") << acf;
  driver::Options options;
  options.input = (dir / "test.idl").string();
  options.preprocess.enabled = useCpp;
  options.preprocess.command = cppCommand;
  FileCache files;
  Diagnostics diagnostics(&files);
  Compiled out;
  out.model = driver::compile(options, files, diagnostics);
  out.diagnostics = diagnostics.summary();
  for (std::string prefix = dir.string() + "/"; out.diagnostics.find(prefix) != std::string::npos;)
    out.diagnostics.erase(out.diagnostics.find(prefix), prefix.size());
  if (diagnostics.hasErrors()) out.model.reset();
  fs::remove_all(dir);
  return out;
}

}  // namespace midlc::testing
