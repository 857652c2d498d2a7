// midlc's hand-written lexer against ANTLR's lexer generated from the same grammar: the same tokens (type,
// offsets, line, column) on every IDL file at hand (the tests', midlc's own, Wine's if installed) and on
// random text made of the characters where the rules meet (SAL words, quotes, comments, numbers, '#').
#include "frontend/idl_lexer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "IdlLexer.h"
#include "IdlParser.h"
#include "IdlVocabulary.h"
#include "support/source.h"

namespace fs = std::filesystem;

namespace {

std::string describe(antlr4::Token& t) {
  std::ostringstream out;
  out << t.getType() << " [" << t.getStartIndex() << "," << t.getStopIndex() << "] " << t.getLine() << ":"
      << t.getCharPositionInLine() << " '" << (t.getType() == antlr4::Token::EOF ? "" : t.getText()) << "'";
  return out.str();
}

// The default-channel tokens of ANTLR's lexer, then of midlc's, one line each; empty if they agree.
std::string difference(const std::string& text) {
  antlr4::ANTLRInputStream generatedInput(text);
  midlc::grammar::IdlLexer generated(&generatedInput);
  generated.removeErrorListeners();
  antlr4::ANTLRInputStream handInput(text);
  midlc::frontend::IdlTokenSource hand(&handInput, text, &midlc::grammar::idlVocabulary());
  for (size_t n = 0;; ++n) {
    std::unique_ptr<antlr4::Token> expected;
    do {
      expected = generated.nextToken();
    } while (expected->getChannel() != antlr4::Token::DEFAULT_CHANNEL);
    std::unique_ptr<antlr4::Token> actual = hand.nextToken();
    const std::string a = describe(*expected), b = describe(*actual);
    if (a != b) return "token " + std::to_string(n) + ": ANTLR " + a + ", midlc " + b;
    if (expected->getType() == antlr4::Token::EOF) return {};
  }
}

bool ascii(const std::string& text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

void checkFolder(const fs::path& folder, size_t& files) {
  if (!fs::is_directory(folder)) return;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".idl" && ext != ".acf")) continue;
    std::string text;
    if (!midlc::readFile(entry.path().string(), text) || !ascii(text)) continue;
    ++files;
    EXPECT_EQ(difference(text), "") << entry.path();
  }
}

}  // namespace

// midlc knows the token types by the vocabulary cmake/GrammarVocabulary.cmake writes from the grammar's
// .tokens file, without constructing ANTLR's parser: every name must be the generated parser's and lexer's.
TEST(IdlVocabulary, TheBuildTimeVocabularyIsTheGeneratedParsersAndLexers) {
  const antlr4::dfa::Vocabulary& written = midlc::grammar::idlVocabulary();
  antlr4::ANTLRInputStream input("");
  midlc::grammar::IdlLexer lexer(&input);
  antlr4::CommonTokenStream tokens(&lexer);
  midlc::grammar::IdlParser parser(&tokens);
  for (const antlr4::dfa::Vocabulary* generated : {&parser.getVocabulary(), &lexer.getVocabulary()}) {
    ASSERT_EQ(written.getMaxTokenType(), generated->getMaxTokenType());
    for (size_t type = 0; type <= generated->getMaxTokenType() + 1; ++type) {
      EXPECT_EQ(written.getLiteralName(type), generated->getLiteralName(type)) << "type " << type;
      EXPECT_EQ(written.getSymbolicName(type), generated->getSymbolicName(type)) << "type " << type;
      EXPECT_EQ(written.getDisplayName(type), generated->getDisplayName(type)) << "type " << type;
    }
  }
  EXPECT_EQ(written.getLiteralName(midlc::grammar::IdlLexer::DOS_EOF), "'\x1A'");  // an escape, decoded
  EXPECT_EQ(written.getSymbolicName(midlc::grammar::IdlLexer::IDENTIFIER), "IDENTIFIER");
}

TEST(IdlLexer, SameTokensAsAntlrOnEveryIdlFileAtHand) {
  size_t files = 0;
  checkFolder(MIDLC_TESTS_DIR, files);
  checkFolder(MIDLC_SAMPLES_DIR, files);
  checkFolder(MIDLC_DEFAULT_IMPORT_DIR, files);
  checkFolder("/usr/include/wine/wine/windows", files);
  EXPECT_GT(files, 100u);
}

TEST(IdlLexer, SameTokensAsAntlrOnTheEdgesOfTheRules) {
  for (const char* text :
       {"", "x", "_In_ _In_opt_ _In_opt_x _Inout_ _Out_writes_(n) _In_reads_(f(n)) _In_(a(b)(c)) _In_((x))",
        "__RPC__in __RPC__in$ __RPC__ __RPC__in_ecount_full(n) __RPC_FAR* __int64 __int3264 __inout __in_opt",
        "__stdcall __stdcallx STDMETHODCALLTYPE _cdecl interface interfaces include includes",
        "1 1.5 .5 1e+5 0x1F 1e 1e+ 1..2 ... .. . 1u", "'a' '' '\\'' L'x' L\"s\" L 'ab\n\"open\n\"\\\"\"",
        "/* c */ /* open // x\n// y\r\n#pragma midl_echo(\"x\")\n #  pragma x\n#define x\n#", "\x1a a\x1a",
        "a->b - > < << <= >> >= == = != ! && & || | ^ ~ ? : ; , { } [ ] ( ) * / % + @ ` \\ $x x$"}) {
    EXPECT_EQ(difference(text), "") << text;
  }
}

TEST(IdlLexer, SameTokensAsAntlrOnRandomText) {
  const std::vector<std::string> pieces = {
      "_",  "In", "Out",     "opt",     "_In_",      "__RPC__", "__in", "__RPC_FAR", "(",  ")",  "'", "\"",
      "\\", "L",  "/",       "*",       "#",         "pragma",  " ",    "\t",        "\n", "\r", ".", "0",
      "1",  "e",  "+",       "-",       "x",         "$",       "\x1a", "interface", "->", "<",  ">", "=",
      "&",  "|",  "__int64", "stdcall", "__stdcall", "WINAPI",  "@",    "...",       "%",  ";"};
  std::mt19937 rng(20261207);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const size_t n = rng() % 24;
    for (size_t k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
    const std::string d = difference(text);
    ASSERT_EQ(d, "") << "input: '" << text << "'";
  }
}
