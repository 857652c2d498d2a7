// Data-driven diagnostics tests: each tests/diagnostics/<case>.idl (with <case>.acf if present) must give
// exactly the lines in <case>.err. Run with MIDLC_UPDATE_GOLDEN=1 to rewrite the .err files for review.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "driver/driver.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(MIDLC_TESTS_DIR) + "/diagnostics"))
    if (e.path().extension() == ".idl") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

class DiagnosticsCase : public ::testing::TestWithParam<std::string> {};

TEST_P(DiagnosticsCase, MatchesErrFile) {
  fs::path dir = std::string(MIDLC_TESTS_DIR) + "/diagnostics";
  midlc::driver::Options options;
  options.input = (dir / (GetParam() + ".idl")).string();
  midlc::FileCache files;
  midlc::Diagnostics diagnostics(&files);
  midlc::driver::compile(options, files, diagnostics);
  // Paths as the .err files spell them: files of the case's folder by name, the folder itself as ".", and
  // others (midlc's own IDL folder, in notes on the folders an import was looked up in) from the source root.
  auto replaceAll = [](std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  };
  std::string actual = diagnostics.summary();
  replaceAll(actual, dir.string() + "/", "");
  replaceAll(actual, dir.string(), ".");
  replaceAll(actual, dir.parent_path().parent_path().string() + "/", "");
  fs::path errFile = dir / (GetParam() + ".err");
  if (std::getenv("MIDLC_UPDATE_GOLDEN")) std::ofstream(errFile) << actual;
  EXPECT_EQ(actual, slurp(errFile));
  EXPECT_FALSE(actual.empty()) << "a diagnostics case must produce diagnostics";
}

INSTANTIATE_TEST_SUITE_P(Files, DiagnosticsCase, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
