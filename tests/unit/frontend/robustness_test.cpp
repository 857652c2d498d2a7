// No input, however broken, crashes midlc: random bytes, truncations, huge lines, deep nesting.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "support/compile_text.h"

using midlc::testing::compileText;

namespace {

const char* kValid = R"(
import "unknwn.idl";
[uuid(11111111-2222-3333-4444-555555555555), version(1.0)]
interface I {
  typedef struct S { long n; [size_is(n)] long* p; [string] char* s; } S;
  typedef union U switch (long k) v { case 1: long a; default: ; } U;
  long F([in] long a, [in, out] S* s, [out] U* u);
}
)";

}  // namespace

TEST(Robustness, RandomBytesGiveErrorsNotCrashes) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 40; ++i) {
    std::string text(200 + rng() % 2000, '\0');
    for (auto& c : text) c = static_cast<char>(rng() % 256);
    auto r = compileText(text, "", false);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.diagnostics.find("error:"), std::string::npos);
  }
}

TEST(Robustness, EveryTruncationOfAValidFileIsHandled) {
  std::string valid = kValid;
  for (size_t n = 0; n < valid.size(); n += 3) {
    auto r = compileText(valid.substr(0, n), "", false);
    if (!r.ok()) {
      EXPECT_NE(r.diagnostics.find("error:"), std::string::npos) << n;
    }
  }
  EXPECT_TRUE(compileText(valid, "", false).ok());
}

TEST(Robustness, DeepNestingIsRefusedWithAnError) {
  std::string expr(100000, '(');
  expr += "1" + std::string(100000, ')');
  auto r = compileText("const long A = " + expr + ";", "", false);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("nesting too deep (limit 200)"), std::string::npos)
      << r.diagnostics.substr(0, 300);

  std::string unary(100000, '-');
  auto u = compileText("const long A = " + unary + "1;", "", false);
  EXPECT_FALSE(u.ok());

  std::string chain = "1";
  for (int i = 0; i < 20000; ++i) chain += "+1";
  auto c = compileText("const long A = " + chain + ";", "", false);
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.diagnostics.find("nested too deeply"), std::string::npos) << c.diagnostics.substr(0, 300);
}

TEST(Robustness, AHugeLineIsHandled) {
  std::string line = "const long A = 1; // " + std::string(20 * 1024 * 1024, 'x') + "\n";
  auto r = compileText(line, "", false);
  EXPECT_TRUE(r.ok()) << r.diagnostics.substr(0, 300);
  std::string ident(5 * 1024 * 1024, 'a');
  auto bad = compileText("const long " + ident + " = ;", "", false);
  EXPECT_FALSE(bad.ok());
}

TEST(Robustness, BrokenAcfGivesErrors) {
  std::mt19937 rng(99);
  for (int i = 0; i < 20; ++i) {
    std::string acf(100 + rng() % 500, '\0');
    for (auto& c : acf) c = static_cast<char>(32 + rng() % 95);
    auto r = compileText(kValid, acf, false);
    EXPECT_FALSE(r.ok());
  }
}

// ASCII text is lexed in place, any other through ANTLR's UTF-32 stream (after invalid UTF-8 became '?'):
// both report errors at the same columns, counted in bytes.
TEST(Robustness, AsciiAndNonAsciiTextReportTheSameColumns) {
  auto ascii = compileText("/* e */ const long A = B;\n");
  EXPECT_NE(ascii.diagnostics.find("test.idl:1:24: error: unknown identifier 'B'"), std::string::npos)
      << ascii.diagnostics;
  auto utf8 = compileText("/* \xc3\xa9 */ const long A = B;\n");
  EXPECT_NE(utf8.diagnostics.find("test.idl:1:25: error: unknown identifier 'B'"), std::string::npos)
      << utf8.diagnostics;
  auto latin1 = compileText("/* \xe9 */ const long A = B;\n");
  EXPECT_NE(latin1.diagnostics.find("test.idl:1:24: error: unknown identifier 'B'"), std::string::npos)
      << latin1.diagnostics;
  auto ok = compileText("const long A = 1; /* \xc3\xa9 \xe9 */ const long C = A + 1;\n");
  EXPECT_TRUE(ok.ok()) << ok.diagnostics;
}

// Unterminated "/*" after unterminated "/*" (read with --no-cpp): each is not searched to the end of the text
// again (200,000 of them took 110 s).
TEST(Robustness, ManyUnterminatedCommentsLexInLinearTime) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "/* ";
  const auto start = std::chrono::steady_clock::now();
  auto r = compileText(text + "\n", "", false);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
  EXPECT_FALSE(r.ok());
}
