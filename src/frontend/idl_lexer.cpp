#include "frontend/idl_lexer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <unordered_map>
#include <vector>

#include "IdlLexer.h"

namespace midlc::frontend {

namespace {

using L = grammar::IdlLexer;

// The grammar's literal tokens ('interface', '->'...), from the generated lexer's vocabulary, so that the
// two cannot disagree: the words, and the punctuation longest first.
struct Literals {
  std::unordered_map<std::string_view, size_t> words;
  // The punctuation by first character, longest first.
  std::array<std::vector<std::pair<std::string, size_t>>, 128> puncts;
  std::vector<std::string> storage;
};

const Literals& literals(const antlr4::dfa::Vocabulary& vocabulary) {
  static const Literals table = [&] {
    Literals t;
    t.storage.reserve(L::PRAGMA_LINE);  // never reallocated: `words` keeps views of its strings
    for (size_t type = 1; type < L::PRAGMA_LINE; ++type) {
      const std::string name = vocabulary.getLiteralName(type);
      if (name.size() < 3 || name.front() != '\'' || name.back() != '\'') continue;
      const std::string& text = t.storage.emplace_back(name.substr(1, name.size() - 2));
      const auto c = static_cast<unsigned char>(text[0]);
      if (std::isalpha(c) || c == '_')
        t.words.emplace(text, type);
      else if (c < t.puncts.size())
        t.puncts[c].emplace_back(text, type);
    }
    for (auto& bucket : t.puncts)
      std::stable_sort(bucket.begin(), bucket.end(),
                       [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    return t;
  }();
  return table;
}

bool isIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isWordChar(char c) {  // [a-zA-Z0-9_]
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '_';
}

constexpr std::array<std::string_view, 13> kCallingConventions = {
    "__stdcall",         "_stdcall", "__cdecl",  "__fastcall", "_cdecl",         "__pascal", "__thiscall",
    "STDMETHODCALLTYPE", "WINAPI",   "CALLBACK", "APIENTRY",   "STDAPICALLTYPE", "RPC_ENTRY"};
// SAL_ANNOTATION's '_' X [a-zA-Z_0-9]* '_' words, and its whole words.
constexpr std::array<std::string_view, 17> kSalStems = {
    "In",       "Out",          "Inout",   "Outptr", "Ret",     "Deref",     "Pre",        "Post",  "Field",
    "Reserved", "Check_return", "Success", "Null",   "Notnull", "Maybenull", "COM_Outptr", "Result"};
constexpr std::array<std::string_view, 15> kSalWords = {
    "__in",        "__out",       "__inout",         "__in_opt",  "__out_opt",
    "__inout_opt", "__deref_out", "__deref_out_opt", "__RPC_FAR", "__RPC_USER",
    "__RPC_STUB",  "__RPC_API",   "__far",           "__near",    "__huge"};

}  // namespace

IdlTokenSource::IdlTokenSource(antlr4::CharStream* input, std::string_view text,
                               const antlr4::dfa::Vocabulary* vocabulary)
    : input_(input), text_(text), vocabulary_(vocabulary) {}

antlr4::TokenFactory<antlr4::CommonToken>* IdlTokenSource::getTokenFactory() {
  return antlr4::CommonTokenFactory::DEFAULT.get();
}

// SAL_ANNOTATION's length at pos_ (0: none): a word, then optionally a parenthesized argument with one
// level of parentheses inside, all on one line.
size_t IdlTokenSource::salLength() const {
  const std::string_view rest = text_.substr(pos_);
  size_t word = 0;
  if (rest.substr(0, 7) == "__RPC__") {
    size_t end = 7;
    while (end < rest.size() && isWordChar(rest[end])) ++end;
    if (end > 7) word = end;
  }
  if (!rest.empty() && rest[0] == '_') {
    for (std::string_view stem : kSalStems) {
      if (rest.size() < 2 || rest[1] != stem[0] || rest.substr(1, stem.size()) != stem) continue;
      size_t end = 1 + stem.size();
      size_t lastUnderscore = 0;
      while (end < rest.size() && isWordChar(rest[end])) {
        if (rest[end] == '_') lastUnderscore = end + 1;
        ++end;
      }
      word = std::max(word, lastUnderscore);
    }
  }
  for (std::string_view w : kSalWords)  // each starts "__"
    if (rest.size() > 2 && rest[1] == '_' && rest[2] == w[2] && rest.substr(0, w.size()) == w)
      word = std::max(word, w.size());
  if (word == 0 || word >= rest.size() || rest[word] != '(') return word;
  // ( ~[()\r\n]* ( '(' ~[()\r\n]* ')' ~[()\r\n]* )* ')'
  const auto plain = [&](size_t& i) {
    while (i < rest.size() && rest[i] != '(' && rest[i] != ')' && rest[i] != '\r' && rest[i] != '\n') ++i;
  };
  size_t i = word + 1;
  for (;;) {
    plain(i);
    if (i >= rest.size()) return word;
    if (rest[i] == ')') return i + 1;
    if (rest[i] != '(') return word;
    ++i;
    plain(i);
    if (i >= rest.size() || rest[i] != ')') return word;
    ++i;
  }
}

size_t IdlTokenSource::match(size_t& type, bool& hidden) const {
  const std::string_view rest = text_.substr(pos_);
  const char c = rest[0];
  size_t best = 0;
  // Rules in the order ANTLR ranks them: the first of those with the longest match wins.
  const auto consider = [&](size_t length, size_t t, bool h) {
    if (length > best) {
      best = length;
      type = t;
      hidden = h;
    }
  };
  const Literals& table = literals(*vocabulary_);
  size_t identifier = 0;
  if (isIdentifierStart(c)) {
    identifier = 1;
    while (identifier < rest.size() && (isIdentifierStart(rest[identifier]) || isDigit(rest[identifier])))
      ++identifier;
    if (auto it = table.words.find(rest.substr(0, identifier)); it != table.words.end())
      consider(identifier, it->second, false);
  } else if (static_cast<unsigned char>(c) < table.puncts.size()) {
    for (const auto& [punct, t] : table.puncts[static_cast<unsigned char>(c)])
      if (rest.substr(0, punct.size()) == punct) {
        consider(punct.size(), t, false);
        break;
      }
  }
  if (c == '#') {  // PRAGMA_LINE : '#' [ \t]* 'pragma' ~[\r\n]*
    size_t i = 1;
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
    if (rest.substr(i, 6) == "pragma") {
      i += 6;
      while (i < rest.size() && rest[i] != '\r' && rest[i] != '\n') ++i;
      consider(i, L::PRAGMA_LINE, false);
    }
  }
  if (identifier > 0) {
    const std::string_view word = rest.substr(0, identifier);
    if (identifier >= 6 &&
        std::any_of(kCallingConventions.begin(), kCallingConventions.end(),
                    [&](std::string_view convention) { return convention[0] == c && convention == word; }))
      consider(identifier, L::CALL_CONV, false);
    if (c == '_') consider(salLength(), L::SAL_ANNOTATION, true);
    consider(identifier, L::IDENTIFIER, false);
  }
  if (isDigit(c) || (c == '.' && rest.size() > 1 && isDigit(rest[1]))) {
    // NUMBER : ( [0-9] | '.' [0-9] ) ( [0-9a-zA-Z_.] | [eEpP] [+-] )*
    size_t i = c == '.' ? 2 : 1;
    while (i < rest.size()) {
      const char d = rest[i];
      if ((d == 'e' || d == 'E' || d == 'p' || d == 'P') && i + 1 < rest.size() &&
          (rest[i + 1] == '+' || rest[i + 1] == '-'))
        i += 2;
      else if (isWordChar(d) || d == '.')
        ++i;
      else
        break;
    }
    consider(i, L::NUMBER, false);
  }
  // CHAR_LITERAL : 'L'? '\'' ( ~['\\\r\n] | '\\' ~[\r\n] )+ '\''   STRING: the same with '"' and *
  const size_t quoteAt = c == 'L' ? 1 : 0;
  if (quoteAt < rest.size() && (rest[quoteAt] == '\'' || rest[quoteAt] == '"')) {
    const char quote = rest[quoteAt];
    size_t i = quoteAt + 1;
    size_t count = 0;
    while (i < rest.size() && rest[i] != quote && rest[i] != '\r' && rest[i] != '\n') {
      if (rest[i] == '\\') {
        if (i + 1 >= rest.size() || rest[i + 1] == '\r' || rest[i + 1] == '\n') break;
        ++i;
      }
      ++i;
      ++count;
    }
    if (i < rest.size() && rest[i] == quote && (quote == '"' || count > 0))
      consider(i + 1, quote == '"' ? L::STRING : L::CHAR_LITERAL, false);
  }
  // BLOCK_COMMENT : '/*' .*? '*/'. Where no "*/" follows, none follows any later "/*" either: remembered,
  // so that text of unterminated "/*"s is not searched to its end from each (quadratic; ANTLR's lexer is).
  if (c == '/' && rest.size() > 1 && rest[1] == '*' && pos_ < noCommentEndFrom_) {
    if (const size_t end = rest.find("*/", 2); end != std::string_view::npos)
      consider(end + 2, L::BLOCK_COMMENT, true);
    else
      noCommentEndFrom_ = pos_;
  }
  if (c == '/' && rest.size() > 1 && rest[1] == '/') {  // LINE_COMMENT : '//' ~[\r\n]*
    size_t i = 2;
    while (i < rest.size() && rest[i] != '\r' && rest[i] != '\n') ++i;
    consider(i, L::LINE_COMMENT, true);
  }
  if (c == '\x1a') consider(1, L::DOS_EOF, true);
  consider(1, L::UNKNOWN_CHAR, false);
  return best;
}

void IdlTokenSource::advance(size_t length) {
  const size_t end = pos_ + length;
  for (; pos_ < end; ++pos_)
    if (text_[pos_] == '\n') {
      ++line_;
      lineStart_ = pos_ + 1;
    }
}

LexedToken IdlTokenSource::lex() {
  LexedToken token;
  while (pos_ < text_.size()) {
    // Blanks (WS, hidden), the most frequent text between tokens and most of a preprocessed file's bytes, are
    // passed here with the lines they end, without match() and advance() reading each twice.
    const char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++pos_;
      continue;
    }
    if (c == '\n') {
      ++line_;
      lineStart_ = ++pos_;
      continue;
    }
    bool hidden = false;
    const size_t length = match(token.type, hidden);
    token.start = pos_;
    token.line = static_cast<uint32_t>(line_);
    token.column = static_cast<uint32_t>(pos_ - lineStart_);
    if (token.type == L::BLOCK_COMMENT)
      advance(length);  // the one token besides blanks that may hold a newline
    else
      pos_ += length;
    if (hidden) continue;
    token.stop = pos_ - 1;
    token.text = text_.substr(token.start, length);
    return token;
  }
  token.type = antlr4::Token::EOF;
  token.start = pos_;
  token.stop = pos_ - 1;
  token.line = static_cast<uint32_t>(line_);
  token.column = static_cast<uint32_t>(pos_ - lineStart_);
  return token;
}

std::unique_ptr<antlr4::Token> IdlTokenSource::nextToken() {
  const LexedToken lexed = lex();
  auto token = std::make_unique<antlr4::CommonToken>(std::make_pair(this, input_), lexed.type,
                                                     antlr4::Token::DEFAULT_CHANNEL, lexed.start, lexed.stop);
  token->setLine(lexed.line);
  token->setCharPositionInLine(lexed.column);
  return token;
}

}  // namespace midlc::frontend
