#include "frontend/pp_expression.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace midlc::frontend::pp {

namespace {

// A value of an #if expression: intmax_t or uintmax_t (C11 6.10.1p4), kept as its bits.
struct Value {
  uintmax_t bits = 0;
  bool isUnsigned = false;
  intmax_t signedValue() const { return static_cast<intmax_t>(bits); }
  bool truth() const { return bits != 0; }
};

Value signedOf(intmax_t v) {
  return Value{static_cast<uintmax_t>(v), false};
}

// Parentheses and unary operators nest this deep at most: the parser is recursive.
constexpr int kMaxDepth = 256;

int precedence(const Token& t) {
  if (t.kind != Kind::Punct) return -1;
  const std::string_view s = t.text;
  if (s == "*" || s == "/" || s == "%") return 10;
  if (s == "+" || s == "-") return 9;
  if (s == "<<" || s == ">>") return 8;
  if (s == "<" || s == ">" || s == "<=" || s == ">=") return 7;
  if (s == "==" || s == "!=") return 6;
  if (s == "&") return 5;
  if (s == "^") return 4;
  if (s == "|") return 3;
  if (s == "&&") return 2;
  if (s == "||") return 1;
  return -1;  // ?: and the comma are handled above the binary operators
}

class Evaluator {
 public:
  explicit Evaluator(const std::vector<Token>& tokens) : tokens_(tokens) {}

  ExpressionResult run() {
    ExpressionResult result;
    if (tokens_.empty()) {
      result.error = "#if with no expression";
      return result;
    }
    const Value v = comma(true);
    if (error_.empty() && pos_ < tokens_.size()) fail(tokens_[pos_], missingOperator(tokens_[pos_]));
    result.error = error_;
    result.at = errorAt_;
    result.value = error_.empty() && v.truth();
    return result;
  }

 private:
  static std::string missingOperator(const Token& t) {
    if (t.is(")")) return "missing '(' in expression";
    return "missing binary operator before token \"" + std::string(t.text) + "\"";
  }

  void fail(const Token& at, std::string message) {
    if (!error_.empty()) return;
    error_ = std::move(message);
    errorAt_ = &at;
  }
  bool failed() const { return !error_.empty(); }
  const Token* peek() const { return pos_ < tokens_.size() ? &tokens_[pos_] : nullptr; }
  const Token& last() const { return tokens_[pos_ == 0 ? 0 : pos_ - 1]; }

  Value comma(bool live) {
    Value v = conditional(live);
    while (!failed() && peek() && peek()->is(",")) {
      ++pos_;
      v = conditional(live);
    }
    return v;
  }

  Value conditional(bool live) {
    const Value condition = binary(0, live);
    if (failed() || !peek() || !peek()->is("?")) return condition;
    const Token& question = *peek();
    ++pos_;
    const Value whenTrue = comma(live && condition.truth());
    if (failed()) return {};
    if (!peek() || !peek()->is(":")) {
      fail(question, "'?' without following ':'");
      return {};
    }
    ++pos_;
    const Value whenFalse = conditional(live && !condition.truth());
    Value v = condition.truth() ? whenTrue : whenFalse;
    v.isUnsigned = whenTrue.isUnsigned || whenFalse.isUnsigned;
    return v;
  }

  // Operators of at least `minimum` precedence, left to right.
  Value binary(int minimum, bool live) {
    Value left = unary(live);
    while (!failed()) {
      const Token* op = peek();
      const int p = op ? precedence(*op) : -1;
      if (p < minimum || p < 0) break;
      ++pos_;
      // && and || evaluate their right side only if it decides the value.
      bool rightLive = live;
      if (op->text == "&&") rightLive = live && left.truth();
      if (op->text == "||") rightLive = live && !left.truth();
      if (!peek()) {
        fail(*op, "operator '" + std::string(op->text) + "' has no right operand");
        return {};
      }
      const Value right = binary(p + 1, rightLive);
      if (failed()) return {};
      left = apply(*op, left, right, rightLive);
    }
    return left;
  }

  Value apply(const Token& op, Value a, Value b, bool live) {
    const std::string_view s = op.text;
    if (s == "&&") return signedOf(a.truth() && b.truth());
    if (s == "||") return signedOf(a.truth() || b.truth());
    if (s == "<<" || s == ">>") {
      // The type is the left operand's; a negative count shifts the other way (as gcc does).
      intmax_t count = b.isUnsigned && b.bits > 64 ? 64 : b.signedValue();
      bool left = s == "<<";
      if (count < 0) {
        left = !left;
        count = count < -64 ? 64 : -count;
      }
      Value r = a;
      if (left) {
        r.bits = count >= 64 ? 0 : a.bits << count;
      } else if (a.isUnsigned) {
        r.bits = count >= 64 ? 0 : a.bits >> count;
      } else {
        const intmax_t v = a.signedValue();
        r.bits = static_cast<uintmax_t>(count >= 64 ? (v < 0 ? -1 : 0) : v >> count);
      }
      return r;
    }
    const bool isUnsigned = a.isUnsigned || b.isUnsigned;
    if (s == "<" || s == ">" || s == "<=" || s == ">=") {
      const bool less = isUnsigned ? a.bits < b.bits : a.signedValue() < b.signedValue();
      const bool greater = isUnsigned ? a.bits > b.bits : a.signedValue() > b.signedValue();
      if (s == "<") return signedOf(less);
      if (s == ">") return signedOf(greater);
      if (s == "<=") return signedOf(!greater);
      return signedOf(!less);
    }
    if (s == "==") return signedOf(a.bits == b.bits);
    if (s == "!=") return signedOf(a.bits != b.bits);
    Value r{0, isUnsigned};
    if (s == "&") r.bits = a.bits & b.bits;
    if (s == "^") r.bits = a.bits ^ b.bits;
    if (s == "|") r.bits = a.bits | b.bits;
    if (s == "+") r.bits = a.bits + b.bits;  // wraps, as unsigned; gcc wraps signed overflow too
    if (s == "-") r.bits = a.bits - b.bits;
    if (s == "*") r.bits = a.bits * b.bits;
    if (s == "/" || s == "%") {
      if (b.bits == 0) {
        if (live) fail(op, "division by zero in #if");
        return r;
      }
      if (isUnsigned) {
        r.bits = s == "/" ? a.bits / b.bits : a.bits % b.bits;
      } else if (a.signedValue() == std::numeric_limits<intmax_t>::min() && b.signedValue() == -1) {
        r.bits = s == "/" ? a.bits : 0;  // overflows: wraps
      } else {
        r.bits = static_cast<uintmax_t>(s == "/" ? a.signedValue() / b.signedValue()
                                                 : a.signedValue() % b.signedValue());
      }
    }
    return r;
  }

  Value unary(bool live) {
    const Token* t = peek();
    if (!t) {
      fail(last(), "#if expression ends early (after \"" + std::string(last().text) + "\")");
      return {};
    }
    if (++depth_ > kMaxDepth) {
      fail(*t, "#if expression nests more than " + std::to_string(kMaxDepth) + " deep");
      return {};
    }
    Value v;
    if (t->is("+") || t->is("-") || t->is("~") || t->is("!")) {
      ++pos_;
      v = unary(live);
      if (t->is("-")) v.bits = 0 - v.bits;
      if (t->is("~")) v.bits = ~v.bits;
      if (t->is("!")) v = signedOf(!v.truth());
    } else if (t->is("(")) {
      ++pos_;
      v = comma(live);
      if (!failed() && (!peek() || !peek()->is(")"))) fail(*t, "missing ')' in expression");
      if (!failed()) ++pos_;
    } else {
      v = primary(*t);
      ++pos_;
    }
    --depth_;
    return v;
  }

  Value primary(const Token& t) {
    switch (t.kind) {
      case Kind::Identifier:
        return {};  // a name no macro defines is 0 (C11 6.10.1p4)
      case Kind::Number:
        return number(t);
      case Kind::Char:
        return character(t);
      default:
        fail(t, "token \"" + std::string(t.text) + "\" is not valid in preprocessor expressions");
        return {};
    }
  }

  Value number(const Token& t) {
    std::string_view s = t.text;
    unsigned base = 10;
    size_t i = 0;
    if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      base = 16;
      i = 2;
    } else if (s.size() > 1 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
      base = 2;
      i = 2;
    } else if (s[0] == '0') {
      base = 8;
    }
    const auto digitValue = [](char c) -> unsigned {
      if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
      if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
      if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
      return 99;
    };
    uintmax_t value = 0;
    bool tooLarge = false;
    const size_t digitsBegin = i;
    for (; i < s.size(); ++i) {
      const unsigned d = digitValue(s[i]);
      if (d >= 16 || (base != 16 && d >= 10)) break;
      if (d >= base) {
        fail(t, "invalid digit \"" + std::string(1, s[i]) + "\" in " + (base == 8 ? "octal" : "binary") +
                    " constant");
        return {};
      }
      if (value > (std::numeric_limits<uintmax_t>::max() - d) / base) tooLarge = true;
      value = value * base + d;
    }
    const std::string_view suffix = s.substr(i);
    if (suffix.find_first_of(".") != std::string_view::npos ||
        (base == 10 && suffix.find_first_of("eE") != std::string_view::npos) ||
        (base == 16 && suffix.find_first_of("pP") != std::string_view::npos)) {
      fail(t, "floating constant in preprocessor expression");
      return {};
    }
    bool isUnsigned = false;
    int longs = 0;
    for (char c : suffix) {
      if ((c == 'u' || c == 'U') && !isUnsigned) {
        isUnsigned = true;
      } else if ((c == 'l' || c == 'L') && longs < 2) {
        ++longs;
      } else {
        fail(t, "invalid suffix \"" + std::string(suffix) + "\" on integer constant");
        return {};
      }
    }
    if (i == digitsBegin && base != 8) {
      fail(t, "invalid integer constant \"" + std::string(s) + "\"");
      return {};
    }
    if (tooLarge) {
      fail(t, "integer constant \"" + std::string(s) + "\" is too large");
      return {};
    }
    // Too large for intmax_t: unsigned (gcc warns for a decimal one).
    if (value > static_cast<uintmax_t>(std::numeric_limits<intmax_t>::max())) isUnsigned = true;
    return Value{value, isUnsigned};
  }

  Value character(const Token& t) {
    std::string_view s = t.text;
    const bool plain = s[0] == '\'';
    s = s.substr(s.find('\'') + 1);
    s.remove_suffix(1);
    intmax_t value = 0;
    int count = 0;
    for (size_t i = 0; i < s.size(); ++count) {
      uintmax_t c = static_cast<unsigned char>(s[i++]);
      if (c == '\\' && i < s.size()) {
        const char e = s[i++];
        switch (e) {
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          case 'r':
            c = '\r';
            break;
          case 'a':
            c = '\a';
            break;
          case 'b':
            c = '\b';
            break;
          case 'f':
            c = '\f';
            break;
          case 'v':
            c = '\v';
            break;
          case 'e':
            c = 27;
            break;
          case 'x':
            c = 0;
            while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i])))
              c = (c << 4) | static_cast<uintmax_t>(std::isdigit(static_cast<unsigned char>(s[i]))
                                                        ? s[i++] - '0'
                                                        : (s[i++] | 0x20) - 'a' + 10);
            break;
          default:
            if (e >= '0' && e <= '7') {
              c = static_cast<uintmax_t>(e - '0');
              for (int k = 0; k < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k)
                c = (c << 3) | static_cast<uintmax_t>(s[i++] - '0');
            } else {
              c = static_cast<unsigned char>(e);  // \\ \' \" \? and the rest
            }
        }
      }
      // A plain character constant is an int holding a char (signed here, as gcc on x86 has it).
      value = plain ? static_cast<intmax_t>((static_cast<uintmax_t>(value) << 8) | (c & 0xff))
                    : static_cast<intmax_t>(c);
    }
    if (count == 0) {
      fail(t, "empty character constant");
      return {};
    }
    if (plain && count == 1) value = static_cast<signed char>(value & 0xff);
    if (plain && count > 1) value = static_cast<int32_t>(value & 0xffffffff);
    return signedOf(value);
  }

  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
  const Token* errorAt_ = nullptr;
};

}  // namespace

ExpressionResult evaluate(const std::vector<Token>& tokens) {
  return Evaluator(tokens).run();
}

}  // namespace midlc::frontend::pp
