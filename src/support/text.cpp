// Small text helpers: C escapes, UTF-8, JSON strings.
#include "support/text.h"

#include <cctype>
#include <cstdio>

namespace midlc {

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string unescapeC(std::string_view text, std::string* error) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\' || i + 1 == text.size()) {
      out += c;
      continue;
    }
    char e = text[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case '?':
        out += '?';
        break;
      case 'x': {
        uint32_t value = 0;
        size_t digits = 0;
        while (i + 1 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) && digits < 8) {
          char h = text[++i];
          value = value * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                         ? h - '0'
                                                         : std::tolower(h) - 'a' + 10);
          ++digits;
        }
        if (digits == 0) {
          if (error) *error = "\\x without hex digits";
          out += "\\x";
        } else if (value < 0x100) {
          out += static_cast<char>(value);
        } else {
          appendUtf8(out, value);
        }
        break;
      }
      case 'u':
      case 'U': {
        size_t want = e == 'u' ? 4 : 8;
        uint32_t value = 0;
        size_t digits = 0;
        while (digits < want && i + 1 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1]))) {
          char h = text[++i];
          value = value * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                         ? h - '0'
                                                         : std::tolower(h) - 'a' + 10);
          ++digits;
        }
        if (digits != want || value > 0x10FFFF) {
          if (error) *error = "malformed universal character name";
        } else {
          appendUtf8(out, value);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t value = static_cast<uint32_t>(e - '0');
          for (int n = 0; n < 2 && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '7'; ++n)
            value = value * 8 + static_cast<uint32_t>(text[++i] - '0');
          out += static_cast<char>(value & 0xFF);
        } else {
          if (error) *error = std::string("unknown escape sequence '\\") + e + "'";
          out += e;
        }
    }
  }
  return out;
}

uint32_t decodeUtf8First(std::string_view s) {
  if (s.empty()) return 0xFFFFFFFF;
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (b(0) < 0x80) return b(0);
  size_t len = (b(0) & 0xE0) == 0xC0 ? 2 : (b(0) & 0xF0) == 0xE0 ? 3 : (b(0) & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || s.size() < len) return 0xFFFFFFFF;
  uint32_t cp = b(0) & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0xFFFFFFFF;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  return cp;
}

namespace {

// Escapes quotes, backslashes and control characters; `control` formats the ones without a short form.
std::string escape(std::string_view text, const char* control) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, control, static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

std::string jsonQuote(std::string_view text) {
  return "\"" + escape(text, "\\u%04x") + "\"";
}

std::string cEscape(std::string_view text) {
  return escape(text, "\\%03o");
}

}  // namespace midlc
