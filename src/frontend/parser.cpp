// The parser stage: lexing, a nesting guard, then the direct parser (direct_parser.h) or, where it declines,
// ANTLR's two-stage parse (SLL, then LL on failure) and the AST builder.
#include "frontend/parser.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <memory>
#include <set>
#include <string_view>
#include <type_traits>
#include <vector>

#include "IdlLexer.h"
#include "IdlParser.h"
#include "IdlVocabulary.h"
#include "antlr4-runtime.h"
#include "frontend/ast_builder.h"
#include "frontend/direct_parser.h"
#include "frontend/idl_lexer.h"
#include "support/text.h"

namespace midlc::frontend {

namespace {

// Nesting deeper than this (brackets, prefix operators, casts, conditionals: see checkNesting) is refused
// before parsing, so no input can exhaust the stack of ANTLR's recursive-descent parser or of the stages
// after it. Documented in the README (compiler limits).
constexpr int kMaxNesting = 200;

class ErrorListener : public antlr4::BaseErrorListener {
 public:
  ErrorListener(const SourceText& source, Diagnostics& diagnostics)
      : source_(source), diagnostics_(diagnostics) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line, size_t column,
                   const std::string& message, std::exception_ptr error) override {
    ++count_;
    if (missingSemicolon(dynamic_cast<antlr4::Parser*>(recognizer), offending, error)) return;
    std::string text = offending && offending->getType() != antlr4::Token::EOF ? offending->getText() : "";
    Location loc = source_.locate(static_cast<uint32_t>(line), static_cast<uint32_t>(column + 1), text);
    diagnostics_.error(loc, describe(offending, message));
  }

  size_t count() const { return count_; }

 private:
  // Where a ';' could have stood, the error goes right after the token before it, as clang puts it: the
  // next token is often on a later line, and the user looks for the slip where the ';' belongs.
  bool missingSemicolon(antlr4::Parser* parser, antlr4::Token* offending, std::exception_ptr error) {
    if (!parser || !offending || offending->getType() == grammar::IdlLexer::UNKNOWN_CHAR) return false;
    size_t state = parser->getState();
    antlr4::RuleContext* context = parser->getContext();
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (antlr4::RecognitionException& e) {
        state = e.getOffendingState();
        context = e.getCtx();
      } catch (...) {
        return false;
      }
    }
    antlr4::Token* previous = parser->getTokenStream()->LT(-1);
    if (!previous || previous == offending || previous->getType() == antlr4::Token::EOF ||
        previous->getTokenIndex() >= offending->getTokenIndex() ||
        !semicolonFits(parser, state, context, offending))
      return false;
    std::string text = previous->getText();
    Location loc = source_.locate(static_cast<uint32_t>(previous->getLine()),
                                  static_cast<uint32_t>(previous->getCharPositionInLine() + 1), text);
    if (loc.column && text.find('\n') == std::string::npos) loc.column += static_cast<uint32_t>(text.size());
    if (text.size() > 40) text = text.substr(0, 40) + "...";
    diagnostics_.error(loc, "expected ';' after '" + text + "'");
    return true;
  }

  // Whether a ';' could stand here and the offending token could follow it (ANTLR's single-token insertion
  // test, looking through the rule's epsilon transitions): a ';' that would not help is not reported as
  // missing, for example after a '}' where an empty declaration ';' is allowed but is not the problem.
  static bool semicolonFits(antlr4::Parser* parser, size_t stateNumber, antlr4::RuleContext* context,
                            antlr4::Token* offending) {
    const antlr4::atn::ATN& atn = parser->getATN();
    if (stateNumber >= atn.states.size()) return false;
    size_t semicolon = 0;
    for (size_t type = 1; type <= atn.maxTokenType && !semicolon; ++type)
      if (parser->getVocabulary().getLiteralName(type) == "';'") semicolon = type;
    if (!semicolon) return false;
    std::vector<antlr4::atn::ATNState*> pending{atn.states[stateNumber]};
    std::set<antlr4::atn::ATNState*> seen;
    while (!pending.empty()) {
      antlr4::atn::ATNState* s = pending.back();
      pending.pop_back();
      if (!s || !seen.insert(s).second) continue;
      for (antlr4::atn::Transition* t : s->transitions) {
        if (t->getSerializationType() == antlr4::atn::Transition::RULE) continue;  // stay in this rule
        if (t->isEpsilon()) {
          pending.push_back(t->target);
        } else if (t->matches(semicolon, 1, atn.maxTokenType) &&
                   atn.nextTokens(t->target, context).contains(offending->getType())) {
          return true;
        }
      }
    }
    return false;
  }

  static std::string describe(antlr4::Token* offending, const std::string& message) {
    if (!offending) return message;
    if (offending->getType() == grammar::IdlLexer::UNKNOWN_CHAR)
      return "stray '" + offending->getText() + "' in input";
    if (offending->getType() == antlr4::Token::EOF) return "unexpected end of file (" + message + ")";
    std::string text = offending->getText();
    if (text.size() > 40) text = text.substr(0, 40) + "...";
    // ANTLR's own wording ("mismatched input 'x' expecting ...") names what was found and what
    // could stand there; keep it, with the token set trimmed to stay readable.
    std::string out = message;
    if (out.size() > 300) out = out.substr(0, 300) + "...}";
    return out;
  }

  const SourceText& source_;
  Diagnostics& diagnostics_;
  size_t count_ = 0;
};

// How deep the parsers (the direct one, ANTLR's, and the builder after it) would recurse, bounded from above
// by one pass over the tokens. A unit of nesting is an open bracket, or, inside the bracket level it
// stands in, a prefix operator, a cast ('(long)' or '(FOO *)' before an operand), a '?' of a conditional or
// a 'pipe' of a pipe type: each of these makes the parser call itself for what follows, and the calls return
// only at the end of that expression or type (a ';' or ',', or the bracket that closes the level). A '<'
// opens a level of type arguments (IVector<IVector<T> >) until its '>'. Binary operators are
// left-associative loops and cost nothing here. The count may exceed the true depth (a parenthesized name
// before an operand counts as a cast, a '<' between operands as type arguments); kMaxNesting is far above
// what real files reach.
bool checkNesting(const std::vector<LexedToken>& tokens, const SourceText& source, Diagnostics& diagnostics) {
  struct Level {
    int pending = 0;        // its prefix operators, casts, '?'s and 'pipe's
    int angles = 0;         // its '<'s not closed by a '>'
    bool typeLike = false;  // a '(' holding only names and '*' so far: a cast if an operand follows
    bool empty = true;
  };
  std::vector<Level> levels(1);
  int depth = 0;              // open brackets plus every level's pending units
  bool afterOperand = false;  // the token before ends an operand, so a following '-' is binary
  bool afterCast = false;     // the token before closed a '(' that could be a cast
  for (const LexedToken& token : tokens) {
    if (token.type == antlr4::Token::EOF) continue;
    const std::string_view text = token.text;
    if (text.empty()) continue;
    auto first = static_cast<unsigned char>(text.front());
    auto last = static_cast<unsigned char>(text.back());
    bool name = std::isalpha(first) || first == '_';
    bool literal = std::isdigit(first) || last == '"' || last == '\'';
    bool open = text == "(" || text == "[" || text == "{";
    bool close = text == ")" || text == "]" || text == "}";
    bool prefixOperator =
        text == "-" || text == "~" || text == "!" || text == "+" || text == "*" || text == "&";
    if (afterCast && (name || literal || open || prefixOperator)) {  // a cast: its operand follows
      ++levels.back().pending;
      ++depth;
    }
    afterCast = false;
    if (!close) {
      Level& current = levels.back();
      if (!name && text != "*") current.typeLike = false;
      current.empty = false;
    }
    if (open) {
      levels.push_back(Level{0, 0, text == "(", true});
      ++depth;
    } else if (close) {
      if (levels.size() > 1) {
        afterCast = text == ")" && levels.back().typeLike && !levels.back().empty;
        depth -= 1 + levels.back().pending + levels.back().angles;
        levels.pop_back();
      }
    } else if (text == ";" || text == ",") {
      depth -= levels.back().pending + levels.back().angles;
      levels.back().pending = 0;
      levels.back().angles = 0;
    } else if (text == "?" || text == "pipe" || (prefixOperator && !afterOperand)) {
      ++levels.back().pending;
      ++depth;
    } else if (text == "<") {
      ++levels.back().angles;
      ++depth;
    } else if (text == ">" && levels.back().angles > 0) {
      --levels.back().angles;
      --depth;
    }
    afterOperand = name || literal || text == ")" || text == "]";
    if (depth > kMaxNesting) {
      Location loc = source.locate(token.line, token.column + 1, text);
      diagnostics.error(loc, "nesting too deep (limit " + std::to_string(kMaxNesting) + ")");
      return false;
    }
  }
  return true;
}

// ANTLR's input stream needs UTF-8. Bytes that are not (Latin-1 comments in old files, binary junk)
// become '?', one for one, so columns stay right and the lexer reports any that matter.
std::string validUtf8(const std::string& text) {
  std::string out = text;
  size_t i = 0;
  while (i < out.size()) {
    auto b = static_cast<unsigned char>(out[i]);
    size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len > 0 && i + len <= out.size() && !(len == 2 && b < 0xC2);
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(out[i + k]) & 0xC0) == 0x80;
    if (ok && len >= 3) {
      uint32_t cp = decodeUtf8First(std::string_view(out).substr(i, len));
      ok = cp != 0xFFFFFFFF && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) &&
           cp >= (len == 3 ? 0x800u : 0x10000u);
    }
    if (!ok) {
      out[i++] = '?';
      continue;
    }
    i += len;
  }
  return out;
}

// ANTLR's own input stream widens the text to UTF-32 and narrows a token's text back at every getText; in a
// file of ASCII bytes (nearly every IDL file) each byte is its code point, so the lexer reads them in place.
class AsciiCharStream : public antlr4::CharStream {
 public:
  AsciiCharStream(std::string_view text, std::string name) : text_(text), name_(std::move(name)) {}

  void consume() override {
    if (p_ >= text_.size()) throw antlr4::IllegalStateException("cannot consume EOF");
    ++p_;
  }
  size_t LA(ssize_t i) override {  // as ANTLRInputStream::LA
    if (i == 0) return 0;
    if (i < 0 && static_cast<ssize_t>(p_) + i < 0) return antlr4::IntStream::EOF;
    const auto at = static_cast<size_t>(static_cast<ssize_t>(p_) + (i < 0 ? i : i - 1));
    return at < text_.size() ? static_cast<unsigned char>(text_[at]) : antlr4::IntStream::EOF;
  }
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  size_t index() override { return p_; }
  void seek(size_t index) override { p_ = std::min(index, text_.size()); }
  size_t size() override { return text_.size(); }
  std::string getSourceName() const override { return name_; }
  std::string getText(const antlr4::misc::Interval& interval) override {
    if (interval.a < 0 || interval.b < interval.a || static_cast<size_t>(interval.a) >= text_.size())
      return {};
    const auto start = static_cast<size_t>(interval.a);
    const size_t stop = std::min(static_cast<size_t>(interval.b), text_.size() - 1);
    return std::string(text_.substr(start, stop - start + 1));
  }
  std::string toString() const override { return std::string(text_); }

 private:
  std::string_view text_;
  std::string name_;
  size_t p_ = 0;
};

// The tokens of a text on the parser's channel, EOF last: ASCII text read in place and lexed by midlc's
// hand-written lexer (idl_lexer.h), any other widened by ANTLR's input stream (after validUtf8) and lexed by
// ANTLR's generated lexer, its tokens' texts kept here.
class Lexed {
 public:
  Lexed(const std::string& text, const std::string& name, const antlr4::dfa::Vocabulary& vocabulary) {
    if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
      input_ = std::make_unique<AsciiCharStream>(text, name);
      IdlTokenSource lexer(input_.get(), text, &vocabulary);
      do tokens_.push_back(lexer.lex());
      while (tokens_.back().type != antlr4::Token::EOF);
      return;
    }
    auto widened = std::make_unique<antlr4::ANTLRInputStream>(validUtf8(text));
    widened->name = name;
    input_ = std::move(widened);
    grammar::IdlLexer lexer(input_.get());
    lexer.removeErrorListeners();  // every character lexes (UNKNOWN_CHAR); the parser reports it
    for (;;) {
      std::unique_ptr<antlr4::Token> token = lexer.nextToken();
      if (token->getChannel() != antlr4::Token::DEFAULT_CHANNEL && token->getType() != antlr4::Token::EOF)
        continue;
      LexedToken& t = tokens_.emplace_back();
      t.type = token->getType();
      t.start = token->getStartIndex();
      t.stop = token->getStopIndex();
      t.line = static_cast<uint32_t>(token->getLine());
      t.column = static_cast<uint32_t>(token->getCharPositionInLine());
      if (t.type == antlr4::Token::EOF) break;
      t.text = texts_.emplace_back(token->getText());
    }
  }
  antlr4::CharStream& input() { return *input_; }
  const std::vector<LexedToken>& tokens() const { return tokens_; }

 private:
  std::unique_ptr<antlr4::CharStream> input_;
  std::vector<LexedToken> tokens_;
  std::deque<std::string> texts_;  // the generated lexer's token texts (stable: a deque)
};

// The lexed tokens again, as the CommonTokens ANTLR's parser reads (only where the direct parser declines).
class ReplayedTokens : public antlr4::TokenSource {
 public:
  ReplayedTokens(Lexed& lexed, std::string name) : lexed_(lexed), name_(std::move(name)) {}

  std::unique_ptr<antlr4::Token> nextToken() override {
    const LexedToken& t = lexed_.tokens()[std::min(next_, lexed_.tokens().size() - 1)];
    if (next_ < lexed_.tokens().size()) ++next_;
    auto token = std::make_unique<antlr4::CommonToken>(std::make_pair(this, &lexed_.input()), t.type,
                                                       antlr4::Token::DEFAULT_CHANNEL, t.start, t.stop);
    token->setLine(t.line);
    token->setCharPositionInLine(t.column);
    return token;
  }
  size_t getLine() const override { return current().line; }
  size_t getCharPositionInLine() override { return current().column; }
  antlr4::CharStream* getInputStream() override { return &lexed_.input(); }
  std::string getSourceName() override { return name_; }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

 private:
  const LexedToken& current() const { return lexed_.tokens()[std::min(next_, lexed_.tokens().size() - 1)]; }
  Lexed& lexed_;
  std::string name_;
  size_t next_ = 0;
};

template <typename Tree, typename Entry, typename Build>
auto parse(const SourceText& source, Diagnostics& diagnostics, Entry entry, Build build,
           IdlParsers parsers = IdlParsers::AntlrOnly)
    -> std::optional<decltype(build(std::declval<AstBuilder&>(), std::declval<Tree*>()))> {
  // ANTLR's parser is made only where the direct parser declines: its first construction builds the
  // grammar's tables (the ATN). The lexer and the direct parser know the token types by the vocabulary
  // written from the grammar at build time (cmake/GrammarVocabulary.cmake).
  Lexed lexed(source.text(), source.name(), grammar::idlVocabulary());
  if (!checkNesting(lexed.tokens(), source, diagnostics)) return std::nullopt;

  if constexpr (std::is_same_v<Tree, grammar::IdlParser::IdlFileContext>) {
    if (parsers != IdlParsers::AntlrOnly) {
      auto file = parseIdlDirectly(source, lexed.input(), lexed.tokens(), grammar::idlVocabulary());
      if (file || parsers == IdlParsers::DirectOnly) return file;
    }
  }
  ReplayedTokens replayed(lexed, source.name());
  antlr4::CommonTokenStream tokens(&replayed);
  grammar::IdlParser parser(&tokens);
  tokens.fill();

  parser.removeErrorListeners();
  // Stage 1: SLL prediction, bail out at the first error. Almost every real file parses here.
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  Tree* tree = nullptr;
  try {
    tree = (parser.*entry)();
  } catch (antlr4::ParseCancellationException&) {
    tree = nullptr;
  }
  if (!tree) {
    // Stage 2: full LL with error recovery, so every syntax error is reported.
    tokens.seek(0);
    parser.reset();
    ErrorListener listener(source, diagnostics);
    parser.addErrorListener(&listener);
    parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    tree = (parser.*entry)();
    parser.removeErrorListeners();
    if (listener.count() > 0) return std::nullopt;
  }
  size_t errorsBefore = diagnostics.errorCount();
  AstBuilder builder(source, tokens, diagnostics);
  auto result = build(builder, tree);
  if (diagnostics.errorCount() > errorsBefore) return std::nullopt;
  return result;
}

}  // namespace

std::optional<ast::File> parseIdl(const SourceText& source, Diagnostics& diagnostics, IdlParsers parsers) {
  return parse<grammar::IdlParser::IdlFileContext>(
      source, diagnostics, &grammar::IdlParser::idlFile,
      [](AstBuilder& b, grammar::IdlParser::IdlFileContext* tree) { return b.file(tree); }, parsers);
}

std::optional<ast::AcfFile> parseAcf(const SourceText& source, Diagnostics& diagnostics) {
  return parse<grammar::IdlParser::AcfFileContext>(
      source, diagnostics, &grammar::IdlParser::acfFile,
      [](AstBuilder& b, grammar::IdlParser::AcfFileContext* tree) { return b.acfFile(tree); });
}

}  // namespace midlc::frontend
