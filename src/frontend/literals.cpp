// The values of literal tokens (literals.h).
#include "frontend/literals.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "support/text.h"

namespace midlc::frontend {

void numberLiteral(std::string_view view, ast::Expr& out, const LiteralError& error) {
  const std::string text(view);
  out.text = text;
  const bool hex = text.size() > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const bool floating =
      !hex && (text.find('.') != std::string::npos || text.find_first_of("eE") != std::string::npos);
  if (floating) {
    out.kind = ast::Expr::Kind::Float;
    std::string digits = text;
    while (!digits.empty() &&
           (digits.back() == 'f' || digits.back() == 'F' || digits.back() == 'l' || digits.back() == 'L'))
      digits.pop_back();
    char* end = nullptr;
    errno = 0;
    out.floatValue = std::strtod(digits.c_str(), &end);
    if (end != digits.c_str() + digits.size() || errno == ERANGE)
      error("invalid floating-point literal '" + text + "'");
    return;
  }
  out.kind = ast::Expr::Kind::Integer;
  size_t end = text.size();
  while (end > 0 && std::string("uUlL").find(text[end - 1]) != std::string::npos) --end;
  for (size_t i = end; i < text.size(); ++i)
    if (text[i] == 'u' || text[i] == 'U') out.isUnsigned = true;
  std::string digits = text.substr(0, end);
  int base = 10;
  size_t start = 0;
  if (hex) {
    base = 16;
    start = 2;
  } else if (digits.size() > 1 && digits[0] == '0') {
    base = 8;
    start = 1;
  }
  uint64_t value = 0;
  bool ok = start < digits.size() || base == 8;
  for (size_t i = start; ok && i < digits.size(); ++i) {
    int d = std::isdigit(static_cast<unsigned char>(digits[i]))    ? digits[i] - '0'
            : std::isxdigit(static_cast<unsigned char>(digits[i])) ? std::tolower(digits[i]) - 'a' + 10
                                                                   : 99;
    if (d >= base) ok = false;
    if (ok && value > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) /
                          static_cast<uint64_t>(base)) {
      error("integer literal '" + text + "' does not fit in 64 bits");
      return;
    }
    if (ok) value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (!ok) {
    error("invalid integer literal '" + text + "'");
    return;
  }
  out.intValue = value;
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) out.isUnsigned = true;
}

void charLiteral(std::string_view view, ast::Expr& out, const LiteralError& error) {
  const std::string text(view);
  out.kind = ast::Expr::Kind::Char;
  out.text = text;
  out.isWide = text[0] == 'L';
  std::string body = text.substr(out.isWide ? 2 : 1);
  body.pop_back();
  std::string problem;
  std::string value = unescapeC(body, &problem);
  if (!problem.empty()) error(problem + " in character literal " + text);
  if (value.empty()) {
    error("empty character literal");
    return;
  }
  uint32_t cp = decodeUtf8First(value);
  if (cp == 0xFFFFFFFF) cp = static_cast<unsigned char>(value[0]);
  out.intValue = cp;
}

std::string stringLiteral(std::string_view view, bool* isWide, const LiteralError& error) {
  const std::string text(view);
  bool wide = !text.empty() && text[0] == 'L';
  if (isWide) *isWide = wide;
  std::string body = text.substr(wide ? 2 : 1);
  if (!body.empty()) body.pop_back();
  std::string problem;
  std::string value = unescapeC(body, &problem);
  if (!problem.empty()) error(problem + " in string literal");
  return value;
}

}  // namespace midlc::frontend
