// Golden --dump-model tests: each tests/golden/<case>/ holds <case>.idl (+ .acf) and model.json, compared
// byte for byte. Run with MIDLC_UPDATE_GOLDEN=1 to rewrite model.json for review.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "driver/driver.h"
#include "sema/json_dump.h"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(MIDLC_TESTS_DIR) + "/golden"))
    if (e.is_directory() && fs::exists(e.path() / "model.json")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class GoldenModel : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenModel, DumpMatchesModelJson) {
  fs::path dir = fs::path(MIDLC_TESTS_DIR) / "golden" / GetParam();
  midlc::driver::Options options;
  options.input = (dir / (GetParam() + ".idl")).string();
  midlc::FileCache files;
  midlc::Diagnostics diagnostics(&files);
  auto model = midlc::driver::compile(options, files, diagnostics);
  ASSERT_TRUE(model) << diagnostics.summary();
  std::string actual = midlc::sema::dumpModel(*model);
  if (std::getenv("MIDLC_UPDATE_GOLDEN")) std::ofstream(dir / "model.json") << actual;
  std::ifstream in(dir / "model.json");
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str());
}

INSTANTIATE_TEST_SUITE_P(Files, GoldenModel, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
