// Golden tests of generated code: each tests/golden/<case>/ holds <case>.idl (+ <case>.acf), an optional
// `options` file (midlc's -D/-I/-U arguments, one per line) and the expected <case>.h, <case>_c.cpp and
// <case>_s.cpp, compared byte for byte. A mismatch prints a unified diff; scripts/update-golden.sh (or
// MIDLC_UPDATE_GOLDEN=1) rewrites the expected files for review.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "codegen/generate.h"
#include "driver/driver.h"
#include "driver/idl_folder.h"

namespace fs = std::filesystem;

namespace {

const fs::path kGolden = fs::path(MIDLC_TESTS_DIR) / "golden";

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kGolden)) {
    std::string name = e.path().filename().string();
    if (e.is_directory() && fs::exists(e.path() / (name + ".h"))) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The case's `options` file: "-D NAME[=V]", "-U NAME", "-I DIR" (relative to the case) or "--no-cpp-quote",
// one per line.
void applyOptions(const fs::path& dir, midlc::driver::Options& options, midlc::codegen::Options& gen) {
  std::ifstream in(dir / "options");
  std::string flag, value;
  while (in >> flag) {
    if (flag == "--no-cpp-quote") {
      gen.cppQuote = false;
      continue;
    }
    in >> value;
    if (flag == "-D")
      options.preprocess.defines.push_back(value);
    else if (flag == "-U")
      options.preprocess.undefines.push_back(value);
    else if (flag == "-I")
      options.preprocess.includeDirs.push_back((dir / value).string());
    else
      ADD_FAILURE() << "unknown option in " << (dir / "options") << ": " << flag;
  }
}

// `diff -u expected actual`, for the failure message.
std::string unifiedDiff(const fs::path& expected, const std::string& actual) {
  fs::path actualPath = fs::temp_directory_path() /
                        ("midlc-golden-" + std::to_string(::getpid()) + "-" + expected.filename().string());
  std::ofstream(actualPath, std::ios::binary) << actual;
  std::string command = "diff -u '" + expected.string() + "' '" + actualPath.string() + "'";
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    ::pclose(pipe);
  }
  fs::remove(actualPath);
  return out;
}

class GoldenCode : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCode, GeneratedFilesMatchTheExpectedOnes) {
  const std::string name = GetParam();
  const fs::path dir = kGolden / name;
  midlc::driver::Options options;
  midlc::codegen::Options gen;
  options.input = (dir / (name + ".idl")).string();
  applyOptions(dir, options, gen);
  midlc::FileCache files;
  midlc::Diagnostics diagnostics(&files);
  auto model = midlc::driver::compile(options, files, diagnostics);
  ASSERT_TRUE(model) << diagnostics.summary();

  gen.header = gen.client = gen.server = gen.fuzz = true;
  gen.defaultImportDir = midlc::driver::ownIdlFolder().path;
  midlc::codegen::MemorySink sink;
  ASSERT_TRUE(midlc::codegen::generate(*model, gen, sink, diagnostics)) << diagnostics.summary();

  const bool update = std::getenv("MIDLC_UPDATE_GOLDEN") != nullptr;
  for (const std::string& file : {name + ".h", name + "_c.cpp", name + "_s.cpp", name + "_fuzz.cpp"}) {
    SCOPED_TRACE(file);
    ASSERT_EQ(sink.files.count(file), 1u) << "midlc did not write " << file;
    const std::string& actual = sink.files[file];
    if (update) std::ofstream(dir / file, std::ios::binary) << actual;
    if (actual != readText(dir / file)) ADD_FAILURE() << unifiedDiff(dir / file, actual);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenCode, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
