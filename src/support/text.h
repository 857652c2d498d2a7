// Small text helpers: C escapes, UTF-8, JSON strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace midlc {

// Resolves C escape sequences (\n, \x41, \101, \u00e9, ...). Code points above 0x7f become UTF-8.
// On a malformed escape, sets *error and keeps the text as written.
std::string unescapeC(std::string_view text, std::string* error);

// The first code point of a UTF-8 string, or 0xFFFFFFFF if it is not valid UTF-8.
uint32_t decodeUtf8First(std::string_view text);

void appendUtf8(std::string& out, uint32_t codePoint);

// A JSON string literal, quotes included.
std::string jsonQuote(std::string_view text);

// A C/C++ string literal body (no quotes) that reproduces `text` exactly.
std::string cEscape(std::string_view text);

}  // namespace midlc
