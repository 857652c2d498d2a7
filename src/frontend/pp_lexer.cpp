#include "frontend/pp_lexer.h"

#include <array>
#include <cstring>

namespace midlc::frontend::pp {

namespace {

// What each byte may be in an identifier: 1 its start (or later), 2 only later (a digit).
constexpr std::array<uint8_t, 256> kIdentifierBytes = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80) table[c] = 1;
    if (c >= '0' && c <= '9') table[c] = 2;
  }
  return table;
}();

bool isIdentifierStart(unsigned char c) {
  return kIdentifierBytes[c] == 1;
}
bool isIdentifierChar(unsigned char c) {
  return kIdentifierBytes[c] != 0;
}
bool isDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}

// The length of C's longest punctuator at the start of `rest` (## included; digraphs are not recognized: no
// IDL writes them), or 0 if its first byte starts none.
size_t punctuatorLength(std::string_view rest) {
  const char d = rest.size() > 1 ? rest[1] : 0;
  const char e = rest.size() > 2 ? rest[2] : 0;
  switch (rest[0]) {
    case '.':
      return d == '.' && e == '.' ? 3 : 1;
    case '<':
    case '>':
      if (d == rest[0]) return e == '=' ? 3 : 2;  // << <<= >> >>=
      return d == '=' ? 2 : 1;
    case '-':
      return d == '>' || d == '-' || d == '=' ? 2 : 1;
    case '+':
    case '&':
    case '|':
      return d == rest[0] || d == '=' ? 2 : 1;  // ++ += && &= || |=
    case '#':
      return d == '#' ? 2 : 1;
    case '=':
    case '!':
    case '*':
    case '/':
    case '%':
    case '^':
      return d == '=' ? 2 : 1;
    case '[':
    case ']':
    case '(':
    case ')':
    case '{':
    case '}':
    case '~':
    case '?':
    case ':':
    case ';':
    case ',':
      return 1;
    default:
      return 0;
  }
}

}  // namespace

Lexer::Lexer(std::string_view text, std::deque<std::string>& arena, std::function<void(LexProblem)> report)
    : text_(text), arena_(arena), report_(std::move(report)) {
  // Phase 2: a backslash at the end of a line joins it to the next (spaces between the two are allowed, as
  // gcc allows them). Most files have none; those that do are copied once without them.
  if (text.find('\\') == std::string_view::npos) return;
  std::string joined;
  joined.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      size_t j = i + 1;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r')) ++j;
      if (j < text.size() && text[j] == '\n') {
        splices_.push_back(joined.size());
        i = j;
        continue;
      }
    }
    joined += text[i];
  }
  if (splices_.empty()) return;
  arena_.push_back(std::move(joined));
  text_ = arena_.back();
}

void Lexer::passNewlines(size_t from, size_t to) {
  if (!splices_.empty()) return;  // locate() walks the text itself
  for (const char *p = text_.data() + from, *end = text_.data() + to;
       (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) != nullptr; ++p) {
    ++lineNo_;
    lineBegin_ = static_cast<size_t>(p - text_.data()) + 1;
  }
}

void Lexer::locate(size_t offset, uint32_t& line, uint32_t& column) {
  if (splices_.empty()) {  // every newline before `offset` was passed (passNewlines)
    line = lineNo_;
    column = static_cast<uint32_t>(offset - lineBegin_ + 1);
    return;
  }
  for (; lineOffset_ < offset; ++lineOffset_) {
    while (nextSplice_ < splices_.size() && splices_[nextSplice_] <= lineOffset_) {
      ++lineNo_;
      lineBegin_ = splices_[nextSplice_++];
    }
    if (text_[lineOffset_] == '\n') {
      ++lineNo_;
      lineBegin_ = lineOffset_ + 1;
    }
  }
  while (nextSplice_ < splices_.size() && splices_[nextSplice_] <= offset) {
    ++lineNo_;
    lineBegin_ = splices_[nextSplice_++];
  }
  line = lineNo_;
  column = static_cast<uint32_t>(offset - lineBegin_ + 1);
}

void Lexer::skipSpace(bool& space) {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
      ++pos_;
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
      const size_t end = text_.find('\n', pos_);
      pos_ = end == std::string_view::npos ? text_.size() : end;
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
      const size_t end = text_.find("*/", pos_ + 2);
      if (end == std::string_view::npos) {
        LexProblem problem{0, 0, true, "unterminated comment"};
        locate(pos_, problem.line, problem.column);
        report_(std::move(problem));
        passNewlines(pos_, text_.size());
        pos_ = text_.size();
      } else {
        passNewlines(pos_, end);
        pos_ = end + 2;
      }
    } else {
      return;
    }
    space = true;
  }
}

void Lexer::literal(Token& t, char quote, bool skipping) {
  size_t i = pos_;
  while (text_[i] != quote) ++i;  // past the prefix (L, u, U, u8)
  for (++i; i < text_.size() && text_[i] != '\n'; ++i) {
    if (text_[i] == '\\' && i + 1 < text_.size() && text_[i + 1] != '\n') {
      ++i;
    } else if (text_[i] == quote) {
      t.kind = quote == '"' ? Kind::String : Kind::Char;
      t.text = text_.substr(pos_, i + 1 - pos_);
      pos_ = i + 1;
      return;
    }
  }
  // Unterminated: the rest of the line is one token, as in gcc (an apostrophe in a group left out is
  // common English, not an error).
  if (!skipping)
    report_(LexProblem{t.line, t.column, quote == '"',
                       std::string("missing terminating ") + quote + " character"});
  t.kind = Kind::Other;
  t.text = text_.substr(pos_, i - pos_);
  pos_ = i;
}

Token Lexer::next(bool skipping) {
  Token t;
  bool space = false;
  skipSpace(space);
  if (pos_ >= text_.size()) {
    locate(text_.size(), t.line, t.column);
    if (!atLineStart_) {
      atLineStart_ = true;
      t.kind = Kind::Newline;
      return t;
    }
    ended_ = true;
    t.kind = Kind::End;
    return t;
  }
  locate(pos_, t.line, t.column);
  if (text_[pos_] == '\n') {
    passNewlines(pos_, pos_ + 1);
    ++pos_;
    atLineStart_ = true;
    t.kind = Kind::Newline;
    return t;
  }
  t.spaceBefore = space;
  t.lineStart = atLineStart_;
  atLineStart_ = false;
  const auto c = static_cast<unsigned char>(text_[pos_]);
  const auto at = [&](size_t i) -> unsigned char {
    return i < text_.size() ? static_cast<unsigned char>(text_[i]) : 0;
  };
  if (isIdentifierStart(c)) {
    size_t end = pos_ + 1;
    while (end < text_.size() && isIdentifierChar(static_cast<unsigned char>(text_[end]))) ++end;
    const std::string_view word = text_.substr(pos_, end - pos_);
    if ((at(end) == '\'' || at(end) == '"') && (word == "L" || word == "u" || word == "U" || word == "u8")) {
      literal(t, static_cast<char>(at(end)), skipping);
      return t;
    }
    t.kind = Kind::Identifier;
    t.text = word;
    pos_ = end;
    return t;
  }
  if (isDigit(c) || (c == '.' && isDigit(at(pos_ + 1)))) {
    size_t end = pos_ + 1;
    while (end < text_.size()) {
      const unsigned char d = at(end);
      if ((d == '+' || d == '-') && (text_[end - 1] | 0x20) == 'e') {
        ++end;
      } else if ((d == '+' || d == '-') && (text_[end - 1] | 0x20) == 'p') {
        ++end;
      } else if (isIdentifierChar(d) || d == '.') {
        ++end;
      } else {
        break;
      }
    }
    t.kind = Kind::Number;
    t.text = text_.substr(pos_, end - pos_);
    pos_ = end;
    return t;
  }
  if (c == '\'' || c == '"') {
    literal(t, static_cast<char>(c), skipping);
    return t;
  }
  const size_t length = punctuatorLength(text_.substr(pos_));
  t.kind = length > 0 ? Kind::Punct : Kind::Other;
  t.text = text_.substr(pos_, length > 0 ? length : 1);
  pos_ += t.text.size();
  return t;
}

bool Lexer::headerName(Token& name) {
  bool space = false;
  const size_t save = pos_;
  skipSpace(space);
  const size_t close = pos_ < text_.size() && text_[pos_] == '<' ? text_.find_first_of(">\n", pos_ + 1)
                                                                 : std::string_view::npos;
  if (close == std::string_view::npos || text_[close] != '>') {
    pos_ = save;
    return false;
  }
  locate(pos_, name.line, name.column);
  name.kind = Kind::String;
  name.spaceBefore = space;
  name.text = text_.substr(pos_ + 1, close - pos_ - 1);
  pos_ = close + 1;
  return true;
}

bool singleToken(std::string_view text, Kind& kind) {
  std::deque<std::string> arena;
  bool problem = false;
  Lexer lexer(text, arena, [&](const LexProblem&) { problem = true; });
  const Token first = lexer.next();
  if (first.kind == Kind::Newline || first.kind == Kind::End || first.spaceBefore) return false;
  const Token second = lexer.next();
  kind = first.kind;
  return !problem && first.kind != Kind::Other && first.text.size() == text.size() &&
         (second.kind == Kind::Newline || second.kind == Kind::End);
}

}  // namespace midlc::frontend::pp
