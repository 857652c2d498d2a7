// midlc's direct parser against ANTLR's parser and the AST builder on the same grammar: where the direct
// parser accepts a file, ANTLR's path accepts it too, silently, with the same AST (compared as the cache
// serializes it: every node, name, value and location). On every IDL file at hand, preprocessed, and on
// mutations of them; and the direct parser must take nearly all real files, or it saves nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "frontend/ast_serializer.h"
#include "frontend/parser.h"
#include "frontend/preprocessor.h"
#include "support/source.h"

namespace fs = std::filesystem;
using midlc::frontend::IdlParsers;

namespace {

struct Outcome {
  bool direct = false;   // the direct parser took it
  std::string mismatch;  // empty when the two agree
};

Outcome compare(const midlc::SourceText& source) {
  Outcome outcome;
  midlc::Diagnostics directDiagnostics;
  auto direct = midlc::frontend::parseIdl(source, directDiagnostics, IdlParsers::DirectOnly);
  if (!direct) return outcome;
  outcome.direct = true;
  if (!directDiagnostics.all().empty()) outcome.mismatch = "the direct parser reported something";
  midlc::Diagnostics antlrDiagnostics;
  auto antlr = midlc::frontend::parseIdl(source, antlrDiagnostics, IdlParsers::AntlrOnly);
  if (!antlr || antlrDiagnostics.hasErrors())
    outcome.mismatch = "the direct parser took what ANTLR's path refuses: " + antlrDiagnostics.summary();
  else if (midlc::frontend::serializeAst(*antlr) != midlc::frontend::serializeAst(*direct))
    outcome.mismatch = "different trees";
  return outcome;
}

// Every .idl file under the folders, preprocessed as midlc would (their imports are not followed).
std::vector<midlc::SourceText> idlFilesAtHand(midlc::FileCache& files) {
  std::vector<midlc::SourceText> out;
  for (const char* folder :
       {MIDLC_TESTS_DIR, MIDLC_SAMPLES_DIR, MIDLC_DEFAULT_IMPORT_DIR, "/usr/include/wine/wine/windows"}) {
    if (!fs::is_directory(folder)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".idl") continue;
      midlc::frontend::PreprocessOptions options;
      options.includeDirs = {entry.path().parent_path().string(), "/usr/include/wine/wine/windows",
                             MIDLC_DEFAULT_IMPORT_DIR};
      options.defines = {"__WIDL__"};
      midlc::Diagnostics diagnostics;
      auto text = midlc::frontend::preprocessForParse(entry.path().string(), options, files, diagnostics);
      if (text) out.push_back(text->takeSource(files));
    }
  }
  return out;
}

// The text as rough C tokens (enough to mutate it token by token), comments and line markers left out.
std::vector<std::string> roughTokens(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  auto word = [&](size_t j) {
    return j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_' ||
                               text[j] == '$' || text[j] == '.');
  };
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || text.compare(i, 2, "//") == 0) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (text.compare(i, 2, "/*") == 0) {
      size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? text.size() : end + 2;
    } else if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < text.size() && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
      j = std::min(j + 1, text.size());
      out.push_back(text.substr(i, j - i));
      i = j;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
      size_t j = i;
      while (word(j) && (text[j] != '.' || std::isdigit(static_cast<unsigned char>(c)))) ++j;
      out.push_back(text.substr(i, j - i));
      i = j;
    } else {
      size_t n = 1;
      if (text.compare(i, 3, "...") == 0) n = 3;
      for (const char* op : {"->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||"})
        if (n == 1 && text.compare(i, 2, op) == 0) n = 2;
      out.push_back(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace

TEST(DirectParser, SameTreesAsAntlrOnEveryIdlFileAtHand) {
  midlc::FileCache files;
  const std::vector<midlc::SourceText> sources = idlFilesAtHand(files);
  size_t taken = 0, refusedByAntlr = 0;
  for (const auto& source : sources) {
    Outcome outcome = compare(source);
    EXPECT_EQ(outcome.mismatch, "") << source.name();
    if (outcome.direct) {
      ++taken;
    } else {
      midlc::Diagnostics diagnostics;
      if (!midlc::frontend::parseIdl(source, diagnostics, IdlParsers::AntlrOnly)) ++refusedByAntlr;
    }
  }
  EXPECT_GT(sources.size(), 100u);
  // All but a few of the files ANTLR's path accepts (the tests' own files include every odd corner).
  EXPECT_GE(taken * 100, (sources.size() - refusedByAntlr) * 97)
      << taken << " of " << sources.size() << " taken, " << refusedByAntlr << " refused by ANTLR's path";
}

// Real files, token by token: a token dropped, doubled, swapped with the next, or another put in or
// instead, from those where the grammar's alternatives part. Whatever the direct parser takes, ANTLR's path
// must take the same way.
TEST(DirectParser, SameTreesAsAntlrOnMutatedFiles) {
  midlc::FileCache files;
  std::vector<std::vector<std::string>> seeds;
  for (const auto& source : idlFilesAtHand(files))
    if (source.text().size() < 6000) seeds.push_back(roughTokens(source.text()));
  ASSERT_GT(seeds.size(), 50u);
  const std::vector<std::string> pool = {"(",           ")",
                                         "[",           "]",
                                         "{",           "}",
                                         "*",           ",",
                                         ";",           ":",
                                         "=",           "-",
                                         "+",           "~",
                                         "!",           "&",
                                         "<",           ">",
                                         ".",           "->",
                                         "?",           "...",
                                         "const",       "volatile",
                                         "struct",      "union",
                                         "enum",        "unsigned",
                                         "long",        "char",
                                         "void",        "x",
                                         "y",           "T",
                                         "0",           "1",
                                         "0x10",        "\"s\"",
                                         "'c'",         "typedef",
                                         "interface",   "sizeof",
                                         "default",     "case",
                                         "switch",      "pipe",
                                         "SAFEARRAY",   "uuid",
                                         "custom",      "handle_t",
                                         "extern",      "static",
                                         "__stdcall",   "import",
                                         "cpp_quote",   "library",
                                         "coclass",     "dispinterface",
                                         "properties",  "methods",
                                         "namespace",   "delegate",
                                         "apicontract", "requires",
                                         "module",      "midl_pragma",
                                         "in",          "out",
                                         "size_is"};
  std::mt19937 random(20261207);
  size_t taken = 0;
  const size_t rounds = 20000;
  for (size_t round = 0; round < rounds; ++round) {
    std::vector<std::string> tokens = seeds[random() % seeds.size()];
    if (tokens.size() < 2) continue;
    for (size_t edits = 1 + random() % 3; edits > 0; --edits) {
      const size_t at = random() % (tokens.size() - 1);
      switch (random() % 5) {
        case 0:
          tokens.erase(tokens.begin() + static_cast<long>(at));
          break;
        case 1:
          tokens.insert(tokens.begin() + static_cast<long>(at), tokens[at]);
          break;
        case 2:
          std::swap(tokens[at], tokens[at + 1]);
          break;
        case 3:
          tokens.insert(tokens.begin() + static_cast<long>(at), pool[random() % pool.size()]);
          break;
        default:
          tokens[at] = pool[random() % pool.size()];
          break;
      }
    }
    std::string text;
    for (const std::string& token : tokens) text += token + (random() % 8 ? " " : "\n");
    Outcome outcome = compare(midlc::SourceText("mutant.idl", text));
    ASSERT_EQ(outcome.mismatch, "") << text;
    taken += outcome.direct ? 1 : 0;
    if (getenv("DPDEBUG_UNUSED") && !outcome.direct) {
      midlc::Diagnostics d;
      if (midlc::frontend::parseIdl(midlc::SourceText("mutant.idl", text), d, IdlParsers::AntlrOnly)) {
        static int n;
        if (n++ < 40) std::printf("DECLINED-BUT-OK: %s\n====\n", text.c_str());
      }
    }
  }
  // Many mutants stay well formed (a swapped pair of fields, a doubled attribute); those must be taken.
  EXPECT_GT(taken, rounds / 20);
}

// Random token strings where the grammar's decisions lie deepest: expressions (every operator's level and
// side, casts against parenthesized names), attribute arguments (expression or type), declarators and types.
// Most strings are not IDL; of those that are, the trees must agree.
TEST(DirectParser, SameTreesAsAntlrOnRandomExpressionsTypesAndDeclarators) {
  struct Place {
    const char* before;
    const char* after;
    std::vector<std::string> alphabet;
  };
  const std::vector<std::string> expression = {
      "a",      "b",     "1",   "2u",    "(",   ")",     "-",          "+",  "*", "/", "%",
      "<<",     ">>",    "<",   ">",     "<=",  ">=",    "==",         "!=", "&", "^", "|",
      "&&",     "||",    "?",   ":",     "~",   "!",     ".",          "->", "[", "]", "sizeof(long)",
      "(long)", "(T *)", "(a)", "(A.B)", "'c'", "\"s\"", "sizeof(T *)"};
  std::vector<std::string> attribute = expression;
  for (const char* extra :
       {",", "long", "unsigned", "const", "struct S", "h", "handle_t", "*", "T", "SAFEARRAY"})
    attribute.push_back(extra);
  const std::vector<std::string> declarator = {
      "*",    "const",    "volatile", "x",         "y",      "(",    ")", "[",    "]",
      "[*]",  "[3]",      "[n + 1]",  "__stdcall", ",",      "long", "T", "void", "...",
      "[in]", "unsigned", "struct S", "union U",   "enum E", "pipe", "<", ">"};
  const std::vector<Place> places = {
      {"const long X = ", ";", expression},
      {"typedef struct S { [size_is(", ")] long *p; long n; } S;", attribute},
      {"interface I { [custom(", ")] void f(void); }", attribute},
      {"typedef ", ";", declarator},
      {"interface I { HRESULT f(", "); }", declarator},
      {"typedef union switch (long k) u { case ", ": long a; default: ; } U;", expression},
      {"typedef enum { A = ", ", B } E;", expression},
  };
  std::mt19937 random(7122026);
  size_t taken = 0;
  const size_t rounds = 60000;
  for (size_t round = 0; round < rounds; ++round) {
    const Place& place = places[round % places.size()];
    std::string text = place.before;
    for (size_t n = 1 + random() % 9; n > 0; --n)
      text += place.alphabet[random() % place.alphabet.size()] + " ";
    text += place.after;
    Outcome outcome = compare(midlc::SourceText("random.idl", text));
    ASSERT_EQ(outcome.mismatch, "") << text;
    taken += outcome.direct ? 1 : 0;
  }
  EXPECT_GT(taken, rounds / 25);
}

// Random well-formed expressions, written with only the parentheses the generator chose: every operator
// beside every other, on either side, under prefixes, casts, members, indexes and conditionals.
TEST(DirectParser, SameTreesAsAntlrOnRandomWellFormedExpressions) {
  std::mt19937 random(20261207);
  const std::vector<std::string> binary = {"*",  "/",  "%",  "+",  "-", "<<", ">>", "<",  ">",
                                           "<=", ">=", "==", "!=", "&", "^",  "|",  "&&", "||"};
  const std::vector<std::string> leaves = {"a",   "b",   "1", "0x2", "'c'", "\"s\"", "sizeof(long)",
                                           "x.y", "p->q"};
  std::function<std::string(int)> make = [&](int depth) -> std::string {
    switch (depth <= 0 ? 0 : random() % 9) {
      case 0:
        return leaves[random() % leaves.size()];
      case 1:
        return std::string(1, "-+~!*&"[random() % 6]) + " " + make(depth - 1);
      case 2:
        return (random() % 2 ? "(long) " : random() % 2 ? "(T *) " : "(a) ") + make(depth - 1);
      case 3:
        return "(" + make(depth - 1) + ")";
      case 4:
        return make(depth - 1) + " ? " + make(depth - 1) + " : " + make(depth - 1);
      case 5:
        return make(depth - 1) + "[" + make(depth - 1) + "]";
      case 6:
        return make(depth - 1) + (random() % 2 ? "." : "->") + "m";
      default:
        return make(depth - 1) + " " + binary[random() % binary.size()] + " " + make(depth - 1);
    }
  };
  size_t taken = 0;
  const size_t rounds = 20000;
  for (size_t round = 0; round < rounds; ++round) {
    const std::string text = "const long X = " + make(1 + static_cast<int>(random() % 4)) + ";";
    Outcome outcome = compare(midlc::SourceText("random.idl", text));
    ASSERT_EQ(outcome.mismatch, "") << text;
    taken += outcome.direct ? 1 : 0;
  }
  EXPECT_GT(taken, rounds * 9 / 10);
}
