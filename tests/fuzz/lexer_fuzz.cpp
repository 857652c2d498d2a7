// libFuzzer target comparing midlc's hand-written lexer with ANTLR's lexer generated from the same grammar:
// on any ASCII text, the same default-channel tokens (type, offsets, line, column), or the target traps.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "IdlLexer.h"
#include "frontend/idl_lexer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return 0;  // ANTLR's lexer takes those (parser.cpp)
  antlr4::ANTLRInputStream generatedInput(text);
  midlc::grammar::IdlLexer generated(&generatedInput);
  generated.removeErrorListeners();
  antlr4::ANTLRInputStream handInput(text);
  midlc::frontend::IdlTokenSource hand(&handInput, text, &generated.getVocabulary());
  for (;;) {
    std::unique_ptr<antlr4::Token> expected;
    do {
      expected = generated.nextToken();
    } while (expected->getChannel() != antlr4::Token::DEFAULT_CHANNEL);
    std::unique_ptr<antlr4::Token> actual = hand.nextToken();
    if (expected->getType() != actual->getType() || expected->getStartIndex() != actual->getStartIndex() ||
        expected->getStopIndex() != actual->getStopIndex() || expected->getLine() != actual->getLine() ||
        expected->getCharPositionInLine() != actual->getCharPositionInLine())
      __builtin_trap();
    if (expected->getType() == antlr4::Token::EOF) return 0;
  }
}
