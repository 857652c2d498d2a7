// midlc's own C preprocessor: the standard's examples of macro replacement (C11 6.10.3.5), conditionals and
// their arithmetic, includes and the line markers the rest of the front end reads, the messages and their
// locations, and the limits that keep hostile input from hanging or exhausting it.
#include "frontend/builtin_preprocessor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "frontend/pp_lexer.h"

namespace fs = std::filesystem;
using midlc::frontend::BuiltinPreprocessed;
using midlc::frontend::PreprocessOptions;

namespace {

class BuiltinPreprocessor : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("midlc-pp-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }
  // Preprocesses `text` as the file main.idl in the test's folder.
  BuiltinPreprocessed run(const std::string& text) {
    write("main.idl", text);
    const std::string path = (dir_ / "main.idl").string();
    return midlc::frontend::runBuiltinPreprocessor(path, text, options_);
  }
  // The tokens of the output, one space apart, line markers left out: what the parser sees.
  static std::string tokens(const std::string& out) {
    std::string text;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("# ", 0) != 0) text += line + "\n";
    std::deque<std::string> arena;
    midlc::frontend::pp::Lexer lexer(text, arena, [](const midlc::frontend::pp::LexProblem&) {});
    std::string joined;
    for (auto t = lexer.next(); t.kind != midlc::frontend::pp::Kind::End; t = lexer.next()) {
      if (t.kind == midlc::frontend::pp::Kind::Newline) continue;
      if (!joined.empty()) joined += ' ';
      joined += t.text;
    }
    return joined;
  }
  std::string expand(const std::string& text) {
    BuiltinPreprocessed r = run(text);
    EXPECT_TRUE(r.ok) << r.err;
    return tokens(r.out);
  }
  // The messages, with the test's folder left out of file names.
  std::string messages(const BuiltinPreprocessed& r) const {
    std::string err = r.err;
    const std::string prefix = dir_.string() + "/";
    for (size_t at; (at = err.find(prefix)) != std::string::npos;) err.erase(at, prefix.size());
    return err;
  }

  fs::path dir_;
  PreprocessOptions options_;
};

TEST_F(BuiltinPreprocessor, StandardExample3Rescanning) {
  EXPECT_EQ(expand("#define x 3\n#define f(a) f(x * (a))\n#undef x\n#define x 2\n#define g f\n"
                   "#define z z[0]\n#define h g(~\n#define m(a) a(w)\n#define w 0,1\n#define t(a) a\n"
                   "#define p() int\n#define q(x) x\n#define r(x,y) x ## y\n#define str(x) # x\n"
                   "f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);\n"
                   "g(x+(3,4)-w) | h 5) & m\n(f)^m(m);\n"
                   "p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };\n"
                   "char c[2][6] = { str(hello), str() };\n"),
            tokens("f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);\n"
                   "f(2 * (2+(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);\n"
                   "int i[] = { 1, 23, 4, 5, };\n"
                   "char c[2][6] = { \"hello\", \"\" };\n"));
}

TEST_F(BuiltinPreprocessor, StandardExample4StringizingAndPasting) {
  EXPECT_EQ(
      expand("#define str(s) # s\n#define xstr(s) str(s)\n"
             "#define debug(s, t) printf(\"x\" # s \"= %d, x\" # t \"= %s\", \\\n x ## s, x ## t)\n"
             "#define INCFILE(n) vers ## n\n#define glue(a, b) a ## b\n#define xglue(a, b) glue(a, b)\n"
             "#define HIGHLOW \"hello\"\n#define LOW LOW \", world\"\n"
             "debug(1, 2);\n"
             "fputs(str(strncmp(\"abc\\0d\", \"abc\", '\\4') // this goes away\n == 0) str(: @\\n), s);\n"
             "xstr(INCFILE(2).h)\nglue(HIGH, LOW);\nxglue(HIGH, LOW)\n"),
      tokens("printf(\"x\" \"1\" \"= %d, x\" \"2\" \"= %s\", x1, x2);\n"
             "fputs(\"strncmp(\\\"abc\\\\0d\\\", \\\"abc\\\", '\\\\4') == 0\" \": @\\n\", s);\n"
             "\"vers2.h\"\n\"hello\";\n\"hello\" \", world\"\n"));
}

TEST_F(BuiltinPreprocessor, StandardExample5EmptyArgumentsBesidePasting) {
  EXPECT_EQ(expand("#define t(x,y,z) x ## y ## z\n"
                   "int j[] = { t(1,2,3), t(,4,5), t(6,,7), t(8,9,),\nt(10,,), t(,11,), t(,,12), t(,,) };\n"),
            "int j [ ] = { 123 , 45 , 67 , 89 , 10 , 11 , 12 , } ;");
}

TEST_F(BuiltinPreprocessor, StandardExample7VariableArguments) {
  EXPECT_EQ(
      expand("#define debug(...) fprintf(stderr, __VA_ARGS__)\n"
             "#define showlist(...) puts(#__VA_ARGS__)\n"
             "#define report(test, ...) ((test)?puts(#test): printf(__VA_ARGS__))\n"
             "debug(\"Flag\");\ndebug(\"X = %d\\n\", x);\nshowlist(The first, second, and third items.);\n"
             "report(x>y, \"x is %d but y is %d\", x, y);\n"),
      tokens("fprintf(stderr, \"Flag\");\nfprintf(stderr, \"X = %d\\n\", x);\n"
             "puts(\"The first, second, and third items.\");\n"
             "((x>y)?puts(\"x>y\"): printf(\"x is %d but y is %d\", x, y));\n"));
}

TEST_F(BuiltinPreprocessor, GccCommaPasteAndNamedVariableArguments) {
  EXPECT_EQ(expand("#define e(fmt, ...) f(fmt, ## __VA_ARGS__)\n#define g(args...) h(args)\n"
                   "e(a) e(a, b, c) g() g(1, 2)\n"),
            "f ( a ) f ( a , b , c ) h ( ) h ( 1 , 2 )");
  // The comma gone, nothing is left to paste the next operand to.
  EXPECT_EQ(expand("#define F(...) , ## __VA_ARGS__ ## b\nF() F(a)\n"), "b , ab");
}

TEST_F(BuiltinPreprocessor, AMacroIsNotReplacedInsideItsOwnExpansion) {
  EXPECT_EQ(expand("#define foo foo + 1\n#define a b\n#define b a\n#define f(x) x f\nfoo a b f(1)(2)\n"),
            "foo + 1 a b 1 f ( 2 )");
}

TEST_F(BuiltinPreprocessor, ACallMaySpanLinesAndTheFollowingLinesKeepTheirNumbers) {
  const BuiltinPreprocessed r =
      run("#define F(a, b) a + b\n#define G(x) x\nF(1,\n  2) tail\nG\nnext\nlast G\n(3)\n");
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.out, "\n\n1 + 2\n     tail\nG\nnext\nlast 3\n");
}

TEST_F(BuiltinPreprocessor, TokensKeepTheirColumnsAndLinesStayInPlace) {
  const BuiltinPreprocessed r =
      run("  const long A = 1;\t/* a\n comment */ x /* c */ y\n\n#define Z 0\n    Z;\n");
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.out, "  const long A = 1;\n            x         y\n\n\n    0;\n");
}

TEST_F(BuiltinPreprocessor, ExpansionsAreSpacedSoThatNoTwoTokensJoin) {
  const BuiltinPreprocessed r = run("#define M -\n#define E\n-M E-M x E\n#define L(x) L x\nL(\"s\")\n");
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(tokens(r.out), "- - - - x L \"s\"");
}

TEST_F(BuiltinPreprocessor, LineMarkersNameTheIncludedFilesAndTheWayBack) {
  write("inc/a.h", "#pragma once\nint a;\n#include \"b.h\"\n");
  write("inc/b.h", "int b;\n");
  options_.includeDirs = {(dir_ / "inc").string()};
  const BuiltinPreprocessed r = run("#include <a.h>\n#include \"inc/a.h\"\nint main;\n");
  ASSERT_TRUE(r.ok) << r.err;
  const std::string inc = (dir_ / "inc").string();
  EXPECT_EQ(r.out, "# 1 \"" + inc + "/a.h\" 1\n\nint a;\n# 1 \"" + inc + "/b.h\" 1\nint b;\n# 4 \"" + inc +
                       "/a.h\" 2\n# 2 \"" + (dir_ / "main.idl").string() + "\" 2\n\nint main;\n");
}

TEST_F(BuiltinPreprocessor, QuotedNamesAreLookedForBesideTheIncluderFirst) {
  write("sub/x.h", "#include \"y.h\"\n");
  write("sub/y.h", "in_sub\n");
  write("inc/y.h", "in_inc\n");
  write("inc/q.h", "#include_next <q.h>\n");
  write("inc2/q.h", "q_inc2\n");
  options_.includeDirs = {(dir_ / "inc").string(), (dir_ / "inc2").string()};
  EXPECT_EQ(expand("#include \"sub/x.h\"\n#include <y.h>\n#include <q.h>\n"), "in_sub in_inc q_inc2");
}

TEST_F(BuiltinPreprocessor, ConditionalsChooseOneGroup) {
  EXPECT_EQ(
      expand("#define ONE 1\n#if ONE == 2\nno\n#elif defined ONE && defined(ONE) && !defined TWO\nyes\n"
             "#if 0\n#garbage don't\n#else\nnested\n#endif\n#else\nno\n#endif\n"
             "#ifdef ONE\na\n#endif\n#ifndef ONE\nb\n#endif\n#if __midl >= 500 && __MIDLC__\nmidl\n#endif\n"),
      "yes nested a midl");
}

// The operand of `defined` is not expanded, also where a macro brings the operator (as gcc has it), and
// gcc's __has_include asks whether #include would find a file.
TEST_F(BuiltinPreprocessor, DefinedFromAMacroAndHasInclude) {
  write("inc/h.h", "");
  options_.includeDirs = {(dir_ / "inc").string()};
  EXPECT_EQ(expand("#define X 2\n#define HAS_X defined(X) && defined X\n#define HAS_Y defined(Y)\n"
                   "#if HAS_X && !HAS_Y && defined(HAS_X)\nmacro_defined\n#endif\n"
                   "#if __has_include(\"inc/h.h\") && __has_include(<h.h>) && "
                   "!__has_include(\"missing.h\") && !__has_include(<inc/h.h>) && defined(__has_include)\n"
                   "has_include\n#endif\n"),
            "macro_defined has_include");
  const BuiltinPreprocessed r = run("#if __has_include(h.h)\n#endif\n#if defined\n#endif\n");
  EXPECT_EQ(messages(r),
            "main.idl:1:5: error: operator \"__has_include\" requires a header name in parentheses\n"
            "main.idl:3:5: error: operator \"defined\" requires an identifier\n");
}

TEST_F(BuiltinPreprocessor, ConditionalArithmeticIsCs) {
  EXPECT_EQ(
      expand(
          "#if -1 < 0u\nwrong_unsigned\n#endif\n#if (2 || 1/0) && !(0 && 1/0) && 0 ? 1/0 : 1\nshort\n#endif\n"
          "#if 0x10 == 16 && 010 == 8 && 0b11 == 3 && 1 << 62 > 0 && -8 >> 1 == -4 && 7 % 3 == "
          "1\nnumbers\n#endif\n"
          "#if 'a' == 97 && '\\377' < 0 && '\\n' == 10 && UNDEFINED == 0\nchars\n#endif\n"
          "#if 18446744073709551615 == -1 && (1, 2) == 2\nwide\n#endif\n"),
      "short numbers chars wide");
}

TEST_F(BuiltinPreprocessor, ErrorsAreLocated) {
  const BuiltinPreprocessed r =
      run("#if 1/0\n#endif\n#if 1 +\n#endif\n#bogus\n#define F(a) a\nF(1, 2)\n#define P(a) a ## +\nP(x)\n"
          "#define S(a) #b\n#else\n#error stop \"here\"\n#warning careful\n#if 1\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(messages(r),
            "main.idl:1:6: error: division by zero in #if\n"
            "main.idl:3:7: error: operator '+' has no right operand\n"
            "main.idl:5:2: error: invalid preprocessing directive #bogus\n"
            "main.idl:7:1: error: macro \"F\" passed 2 arguments, but takes just 1\n"
            "main.idl:9:1: error: pasting \"x\" and \"+\" does not give a valid preprocessing token\n"
            "main.idl:10:14: error: '#' is not followed by a macro parameter\n"
            "main.idl:11:2: error: #else without #if\n"
            "main.idl:12:2: error: #error stop \"here\"\n"
            "main.idl:13:2: warning: #warning careful\n"
            "main.idl:14:2: error: unterminated #if\n");
}

// The lexer counts the lines it passes (newlines, and those inside block comments) instead of searching the
// text for each token: every message after them is still at its line and column, __LINE__ too.
TEST_F(BuiltinPreprocessor, LinesPassedInsideCommentsAreCounted) {
  const BuiltinPreprocessed r =
      run("/* one\n two\n three */ int a; /**/ /*\n*/ x 'q\n#error four\n  /*\n\n*/ __LINE__ /* open\n\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(messages(r),
            "main.idl:4:6: warning: missing terminating ' character\n"
            "main.idl:5:2: error: #error four\n"
            "main.idl:8:13: error: unterminated comment\n");
  EXPECT_NE(r.out.find("\n   8\n"), std::string::npos) << r.out;  // __LINE__ at its column on line 8
}

// Every string of three punctuation characters lexes as C's longest punctuators, one after another.
TEST(PreprocessorLexer, PunctuatorsAreTheLongestThatFit) {
  const std::vector<std::string> longest = {"...", "<<=", ">>=", "->", "++", "--", "<<", ">>",
                                            "<=",  ">=",  "==",  "!=", "&&", "||", "*=", "/=",
                                            "%=",  "+=",  "-=",  "&=", "^=", "|=", "##"};
  const std::string alphabet = "[](){}.&*+-~!/%<>^|?:;=,#@";
  size_t strings = 0;
  for (char a : alphabet)
    for (char b : alphabet)
      for (char c : alphabet) {
        const std::string text{a, b, c};
        if (text.find("//") != std::string::npos || text.find("/*") != std::string::npos) continue;
        std::string expected;
        for (size_t i = 0; i < text.size();) {
          size_t length = 1;
          for (const std::string& p : longest)
            if (text.compare(i, p.size(), p) == 0) {
              length = p.size();
              break;
            }
          const bool other = length == 1 && text[i] == '@';
          expected += (other ? "other:" : "punct:") + text.substr(i, length) + " ";
          i += length;
        }
        std::deque<std::string> arena;
        midlc::frontend::pp::Lexer lexer(text, arena, [](const midlc::frontend::pp::LexProblem&) {});
        std::string actual;
        for (auto t = lexer.next(); t.kind != midlc::frontend::pp::Kind::Newline; t = lexer.next())
          actual +=
              (t.kind == midlc::frontend::pp::Kind::Other ? "other:" : "punct:") + std::string(t.text) + " ";
        EXPECT_EQ(actual, expected) << text;
        ++strings;
      }
  EXPECT_GT(strings, 17000u);
}

TEST_F(BuiltinPreprocessor, AMissingIncludeStopsThere) {
  const BuiltinPreprocessed r = run("\n#include \"missing.h\"\n#error not reached\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(messages(r), "main.idl:2:10: fatal error: missing.h: No such file or directory\n");
}

TEST_F(BuiltinPreprocessor, UnterminatedCommentsAndCallsAreErrors) {
  const BuiltinPreprocessed r = run("#define F(a) a\nF(1,\n2\n/* open\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(messages(r),
            "main.idl:4:1: error: unterminated comment\n"
            "main.idl:2:1: error: unterminated argument list invoking macro \"F\"\n");
}

TEST_F(BuiltinPreprocessor, SplicedLinesJoinAndKeepTheirNumbers) {
  const BuiltinPreprocessed r = run("#define X 1 + \\\n  2\nX\nlong\\\nname bad'\n");
  EXPECT_EQ(tokens(r.out), "1 + 2 longname bad '");
  EXPECT_EQ(messages(r), "main.idl:5:9: warning: missing terminating ' character\n");
}

// (__FILE__ stays at the column it was written in, after __LINE__'s shorter expansion.)
TEST_F(BuiltinPreprocessor, PragmasArePassedOnAndLineAndFileAreKnown) {
  const BuiltinPreprocessed r =
      run("#pragma midl_echo(\"x\")\n#pragma pack(push, 2)\n__LINE__\n#line 100 \"other.idl\"\n__LINE__ "
          "__FILE__\n");
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(
      r.out,
      "#pragma midl_echo(\"x\")\n#pragma pack(push, 2)\n3\n# 100 \"other.idl\"\n100      \"other.idl\"\n");
}

TEST_F(BuiltinPreprocessor, CommandLineMacrosInOrder) {
  options_.defines = {"FOO=3", "BAR", "F(x)=x+x"};
  options_.undefines = {"BAR"};
  EXPECT_EQ(expand("FOO BAR F(2)\n"), "3 BAR 2 + 2");
}

TEST_F(BuiltinPreprocessor, AMacroThatDoublesItselfIsStopped) {
  std::string text = "#define a0 x x\n";
  for (int i = 1; i <= 40; ++i)
    text +=
        "#define a" + std::to_string(i) + " a" + std::to_string(i - 1) + " a" + std::to_string(i - 1) + "\n";
  const auto start = std::chrono::steady_clock::now();
  const BuiltinPreprocessed r = run(text + "a40\n");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 20.0);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.err.find("fatal error: macro expansion makes more than"), std::string::npos) << r.err;
}

// A paste doubles a token's length without adding a token: the bytes it spells are bounded too. A macro may
// repeat an error for ever: each message is cut short, and the run stops after a thousand.
TEST_F(BuiltinPreprocessor, PastesThatDoubleAndRepeatedErrorsAreBounded) {
  std::string calls, closes;
  for (int i = 0; i < 40; ++i) {
    calls += "E(";
    closes += ")";
  }
  const auto start = std::chrono::steady_clock::now();
  const BuiltinPreprocessed r = run("#define D(a) a##a\n#define E(a) D(a)\n" + calls + "x" + closes + "\n");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 20.0);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.err.find("fatal error: macro expansion spells more than 16 MiB"), std::string::npos)
      << r.err.substr(0, 500);

  std::string bad;
  for (int i = 0; i < 3000; ++i) bad += "P(x)";
  const BuiltinPreprocessed many =
      run("#bogus" + std::string(5000, 'y') + "\n#define P(a) a ## +\n" + bad + "\n");
  EXPECT_FALSE(many.ok);
  size_t lines = 0;
  for (char c : many.err) lines += c == '\n';
  EXPECT_EQ(lines, 1001u);
  EXPECT_NE(many.err.find("fatal error: more than 1000 messages; stopping"), std::string::npos);
  EXPECT_NE(many.err.find("directive #bogus" + std::string(262, 'y') + "...\n"), std::string::npos)
      << many.err.substr(0, 500);
  for (size_t at = 0, end; (end = many.err.find('\n', at)) != std::string::npos; at = end + 1)
    EXPECT_LE(end - at, 400u);
}

TEST_F(BuiltinPreprocessor, DeepNestingIsAnErrorNotACrash) {
  std::string calls, closes, parens;
  for (int i = 0; i < 5000; ++i) {
    calls += "f(";
    closes += ")";
  }
  for (int i = 0; i < 5000; ++i) parens += "(";
  const BuiltinPreprocessed r =
      run("#define f(x) x\n" + calls + "1" + closes + "\n#if " + parens + "1\n#endif\n");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.err.find("fatal error: macro calls nest more than 200 deep"), std::string::npos)
      << r.err.substr(0, 500);

  const BuiltinPreprocessed ifs = run("#if " + parens + "1\n#endif\n");
  EXPECT_NE(ifs.err.find("#if expression nests more than 256 deep"), std::string::npos)
      << ifs.err.substr(0, 500);

  write("self.h", "#include \"self.h\"\n");
  const BuiltinPreprocessed self = run("#include \"self.h\"\n");
  EXPECT_FALSE(self.ok);
  EXPECT_NE(self.err.find("#include nested depth 200 exceeds maximum of 200"), std::string::npos)
      << self.err.substr(0, 500);
}

}  // namespace
