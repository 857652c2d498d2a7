// The lexer rules of grammar/Idl.g4, written out by hand for ASCII text: the tokens ANTLR's generated lexer
// makes (same types, positions and lines), without those off the parser's channel (whitespace, comments,
// SAL annotations). ANTLR's lexer simulates its automaton per character and starts cold in every process:
// a seventh of a run without the cache. Text with other bytes goes to ANTLR's lexer (parser.cpp);
// tests/unit/frontend/idl_lexer_test.cpp compares the two on every IDL file at hand and on random text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "antlr4-runtime.h"

namespace midlc::frontend {

// A token as the nesting check and the direct parser read it: no object of its own, its text a view (into
// the text lexed, or kept beside the tokens). ANTLR's parser gets CommonTokens made from these (parser.cpp).
struct LexedToken {
  size_t type = 0;        // the grammar's token type; antlr4::Token::EOF last
  size_t start = 0;       // offsets of the first and last character in the character stream
  size_t stop = 0;        // (stop = start - 1 for EOF)
  uint32_t line = 0;      // from 1
  uint32_t column = 0;    // from 0, as ANTLR counts
  std::string_view text;  // empty for EOF
};

class IdlTokenSource : public antlr4::TokenSource {
 public:
  // `input` reads `text` (ASCII), and both outlive the tokens. `vocabulary` is the grammar's (the parser's
  // or the lexer's): the literal tokens are taken from it. Set before the first token if null here.
  IdlTokenSource(antlr4::CharStream* input, std::string_view text,
                 const antlr4::dfa::Vocabulary* vocabulary = nullptr);
  void setVocabulary(const antlr4::dfa::Vocabulary& vocabulary) { vocabulary_ = &vocabulary; }

  // The next token on the parser's channel (EOF at the end, again and again).
  LexedToken lex();
  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return line_; }
  size_t getCharPositionInLine() override { return pos_ - lineStart_; }
  antlr4::CharStream* getInputStream() override { return input_; }
  std::string getSourceName() override { return input_->getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override;

 private:
  // The longest match at pos_ and its token type (ANTLR's rule: the longest match wins, then the rule
  // written first, literals before every named rule); hidden: off the parser's channel. pos_ is at no blank:
  // lex() passes the WS rule's characters itself (no other rule starts with one).
  size_t match(size_t& type, bool& hidden) const;
  size_t salLength() const;
  void advance(size_t length);

  antlr4::CharStream* input_;
  std::string_view text_;
  const antlr4::dfa::Vocabulary* vocabulary_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t lineStart_ = 0;
  mutable size_t noCommentEndFrom_ = SIZE_MAX;  // no "*/" after "/*" from here on
};

}  // namespace midlc::frontend
