// The tokens of midlc's own C preprocessor (builtin_preprocessor.h): C's translation phases 1-3 over one
// file's text, with spliced lines (backslash-newline) joined and comments replaced by a space, each token
// located at the physical line and byte column where it starts.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace midlc::frontend::pp {

enum class Kind : uint8_t {
  Identifier,
  Number,       // a pp-number: 12, 0x1Fu, 1.5e+3, 1abc
  Char,         // 'a', L'a'
  String,       // "a", L"a"
  Punct,        // ( ) ## <<= ...
  Other,        // a byte that is no token of C (@, `), or an unterminated literal
  Placemarker,  // an empty argument beside ## while a macro is substituted; never output
  Newline,      // the end of a logical line
  End,          // the end of the file
};

struct Token {
  std::string_view text;  // in the file's text, or in the preprocessor's arena (pasted, stringized, spliced)
  uint32_t line = 0;      // physical line, 1-based (a macro's expansion: where the macro was named)
  uint32_t column = 0;    // byte column, 1-based
  uint32_t hideSet = 0;   // the macros this token may not invoke again (hide_set.h's ids; 0: none)
  int16_t param = -1;     // in a macro's body: the parameter this token names
  Kind kind = Kind::End;
  bool spaceBefore = false;  // whitespace or a comment precedes it
  bool lineStart = false;    // the first token of a logical line (where # starts a directive)
  bool fromMacro = false;    // produced by a macro's expansion

  bool is(std::string_view punct) const { return kind == Kind::Punct && text == punct; }
};

// What the lexer reports: a message at a line and column (of the lexed file).
struct LexProblem {
  uint32_t line = 0;
  uint32_t column = 0;
  bool error = false;  // false: a warning
  std::string message;
};

class Lexer {
 public:
  // `text` and `arena` outlive the tokens. Problems are reported through `report` (not while skipping).
  Lexer(std::string_view text, std::deque<std::string>& arena, std::function<void(LexProblem)> report);

  // The next token; Newline at the end of each logical line (also the last, if the file does not end with
  // one), then End for ever. `skipping`: in a group #if left out, where a stray quote is no error.
  Token next(bool skipping = false);
  // After `#include`: a <header-name>, as written between '<' and '>' on the same line, located at its
  // '<'. False (nothing consumed) if the next token is not one.
  bool headerName(Token& name);

 private:
  void skipSpace(bool& space);
  // Where `offset` is. Without splices, the lexer passes each newline as it moves over it (a Newline token,
  // a block comment; no other token holds one) and the answer is at hand; with splices, locate() walks the
  // text from where it was last asked.
  void locate(size_t offset, uint32_t& line, uint32_t& column);
  void passNewlines(size_t from, size_t to);
  void literal(Token& t, char quote, bool skipping);

  std::string_view text_;  // the file with splices removed (its own copy when it had any)
  std::deque<std::string>& arena_;
  std::function<void(LexProblem)> report_;
  std::vector<size_t> splices_;  // offsets in text_ where a backslash-newline was removed
  size_t pos_ = 0;
  bool atLineStart_ = true;
  bool ended_ = false;
  // The physical line reached and where it starts (with splices: locate()'s walk, at `lineOffset_`)
  size_t lineOffset_ = 0;
  size_t lineBegin_ = 0;
  uint32_t lineNo_ = 1;
  size_t nextSplice_ = 0;
};

// Whether `text` is exactly one preprocessing token (## must make one); its kind if so.
bool singleToken(std::string_view text, Kind& kind);

}  // namespace midlc::frontend::pp
