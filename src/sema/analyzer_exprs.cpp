// Semantic analysis: binding names in expressions and folding constant expressions.
#include <cmath>
#include <limits>

#include "sema/analyzer.h"

namespace midlc::sema {

namespace {

std::string render(const ast::Expr& e) {
  switch (e.kind) {
    case ast::Expr::Kind::Integer:
    case ast::Expr::Kind::Float:
    case ast::Expr::Kind::Char:
    case ast::Expr::Kind::String:
    case ast::Expr::Kind::Name:
      return e.text;
    case ast::Expr::Kind::Unary:
      return e.text + render(*e.operands[0]);
    case ast::Expr::Kind::Binary:
      return render(*e.operands[0]) + " " + e.text + " " + render(*e.operands[1]);
    case ast::Expr::Kind::Conditional:
      return render(*e.operands[0]) + " ? " + render(*e.operands[1]) + " : " + render(*e.operands[2]);
    case ast::Expr::Kind::Member:
      return render(*e.operands[0]) + e.text + render(*e.operands[1]);
    case ast::Expr::Kind::Index:
      return render(*e.operands[0]) + "[" + render(*e.operands[1]) + "]";
    case ast::Expr::Kind::Cast:
      return "(type)" + render(*e.operands[0]);
    case ast::Expr::Kind::Sizeof:
      return "sizeof(type)";
  }
  return "?";
}

bool integral(const Value& v) {
  return v.kind == Value::Kind::Integer || v.kind == Value::Kind::Char;
}

// Folds a unary operator over a constant operand; *p and &x stay correlations.
void foldUnary(Expr& out) {
  const std::vector<const Expr*>& ops = out.operands;
  const Value& v = ops[0]->value;
  if (out.op == "*" || out.op == "&") return;  // correlation: *pcount
  if (!ops[0]->isConstant()) return;
  if (v.kind == Value::Kind::Float) {
    if (out.op == "-")
      out.value = v, out.value.floating = -v.floating;
    else if (out.op == "+")
      out.value = v;
    return;
  }
  if (!integral(v)) return;
  out.value.kind = Value::Kind::Integer;
  out.value.isUnsigned = v.isUnsigned;
  uint64_t u = static_cast<uint64_t>(v.integer);
  if (out.op == "-")
    out.value.integer = static_cast<int64_t>(0 - u);
  else if (out.op == "+")
    out.value.integer = v.integer;
  else if (out.op == "~")
    out.value.integer = static_cast<int64_t>(~u);
  else if (out.op == "!")
    out.value.integer = v.integer == 0, out.value.isUnsigned = false;
}

// A cast of a constant keeps its value, truncated to an integer target's width as C would.
void foldCast(Expr& out, unsigned pointerLevels) {
  const std::vector<const Expr*>& ops = out.operands;
  if (ops[0]->isConstant()) {
    out.value = ops[0]->value;
    const Type* t = Analyzer::resolve(out.type);
    if (pointerLevels == 0 && t && t->kind == Type::Kind::Primitive && integral(out.value)) {
      // Truncate to the target width, as C would.
      switch (t->primitive) {
        case Primitive::Int8:
          out.value.integer = static_cast<int8_t>(out.value.integer);
          break;
        case Primitive::UInt8:
        case Primitive::Byte:
        case Primitive::Char:
          out.value.integer = static_cast<uint8_t>(out.value.integer);
          break;
        case Primitive::Int16:
          out.value.integer = static_cast<int16_t>(out.value.integer);
          break;
        case Primitive::UInt16:
        case Primitive::WChar:
          out.value.integer = static_cast<uint16_t>(out.value.integer);
          break;
        case Primitive::Int32:
          out.value.integer = static_cast<int32_t>(out.value.integer);
          break;
        case Primitive::UInt32:
        case Primitive::ErrorStatus:
          out.value.integer = static_cast<uint32_t>(out.value.integer);
          break;
        default:
          break;
      }
      out.value.kind = Value::Kind::Integer;
    }
  }
}

}  // namespace

const Expr* Analyzer::constantExpr(const ast::Expr& e, const char* what) {
  const Expr* out = expr(e, Scope{});
  if (!out) return nullptr;
  if (!out->isConstant()) {
    d_.error(e.location,
             std::string(what) + " must be a constant expression, and '" + out->text + "' is not");
    return nullptr;
  }
  return out;
}

// Constant folding follows C's rules in 64 bits: unsigned if either operand is.
namespace {

void foldFloating(Expr& out, const Value& a, const Value& b) {
  double x = a.kind == Value::Kind::Float ? a.floating : static_cast<double>(a.integer);
  double y = b.kind == Value::Kind::Float ? b.floating : static_cast<double>(b.integer);
  out.value.kind = Value::Kind::Float;
  if (out.op == "+")
    out.value.floating = x + y;
  else if (out.op == "-")
    out.value.floating = x - y;
  else if (out.op == "*")
    out.value.floating = x * y;
  else if (out.op == "/")
    out.value.floating = x / y;
  else
    out.value.kind = Value::Kind::None;
}

// The comparisons: 1 or 0, signed.
bool compare(const std::string& op, const Value& a, const Value& b, bool isUnsigned) {
  uint64_t x = static_cast<uint64_t>(a.integer), y = static_cast<uint64_t>(b.integer);
  if (op == "==") return x == y;
  if (op == "!=") return x != y;
  if (op == "<") return isUnsigned ? x < y : a.integer < b.integer;
  if (op == ">") return isUnsigned ? x > y : a.integer > b.integer;
  if (op == "<=") return isUnsigned ? x <= y : a.integer <= b.integer;
  return isUnsigned ? x >= y : a.integer >= b.integer;  // >=
}

}  // namespace

const Expr* Analyzer::expr(const ast::Expr& e, const Scope& scope) {
  m_.exprs.emplace_back();
  Expr& out = m_.exprs.back();
  out.location = e.location;
  out.text = render(e);
  out.op = e.text;
  if (e.castCandidate)
    if (auto cast = castOfNamedType(e, scope, out)) return *cast;
  std::vector<const Expr*> ops;
  for (const auto& operand : e.operands) {
    if (e.kind == ast::Expr::Kind::Member && ops.size() == 1) break;  // the member name is not an expression
    const Expr* o = expr(*operand, scope);
    if (!o) return nullptr;
    ops.push_back(o);
  }
  out.operands = ops;
  switch (e.kind) {
    case ast::Expr::Kind::Integer:
    case ast::Expr::Kind::Char:
    case ast::Expr::Kind::Float:
    case ast::Expr::Kind::String:
      literal(e, out);
      return &out;
    case ast::Expr::Kind::Name:
      return name(e, scope, out);
    case ast::Expr::Kind::Member:
      out.kind = Expr::Kind::Member;
      out.name = e.operands[1]->text;
      return &out;  // resolved by the generator against the operand's struct type; never constant
    case ast::Expr::Kind::Index:
      out.kind = Expr::Kind::Index;
      return &out;
    case ast::Expr::Kind::Cast:
      out.kind = Expr::Kind::Cast;
      out.type = typeSpec(*e.type, nullptr);
      foldCast(out, e.pointerLevels);
      return &out;
    case ast::Expr::Kind::Sizeof:
      return sizeOf(e, out);
    case ast::Expr::Kind::Unary:
      out.kind = Expr::Kind::Unary;
      foldUnary(out);
      return &out;
    case ast::Expr::Kind::Binary:
      out.kind = Expr::Kind::Binary;
      return foldBinary(e, out) ? &out : nullptr;
    case ast::Expr::Kind::Conditional:
      out.kind = Expr::Kind::Conditional;
      if (ops[0]->isConstant() && integral(ops[0]->value))
        out.value = (ops[0]->value.integer != 0 ? ops[1] : ops[2])->value;
      return &out;
  }
  return &out;
}

std::optional<const Expr*> Analyzer::castOfNamedType(const ast::Expr& e, const Scope& scope, Expr& out) {
  // (ULONG)*pcount, (HBODY)-1: when the parenthesized name is a type, the operator is unary.
  const std::string& name = e.operands[0]->text;
  bool inScope = false;  // a field or parameter of that name hides the type, as in C
  if (scope.fields)
    for (const auto& f : *scope.fields) inScope = inScope || f.name == name;
  if (scope.params)
    for (const auto& p : *scope.params) inScope = inScope || p.name == name;
  const Decl* d = inScope ? nullptr : m_.find(name);
  if (!d || d->kind == Decl::Kind::Const || d->kind == Decl::Kind::Library) return std::nullopt;
  const Expr* operand = expr(*e.operands[1], scope);
  if (!operand) return nullptr;
  m_.exprs.emplace_back();
  Expr& unary = m_.exprs.back();
  unary.kind = Expr::Kind::Unary;
  unary.location = e.location;
  unary.op = e.text;
  unary.text = e.text + operand->text;
  unary.operands = {operand};
  foldUnary(unary);
  ast::TypeRef target;
  target.kind = ast::TypeRef::Kind::Named;
  target.name = e.operands[0]->text;
  target.location = e.operands[0]->location;
  out.kind = Expr::Kind::Cast;
  out.text = "(" + target.name + ")" + unary.text;
  out.type = typeSpec(target, nullptr);
  out.operands = {&unary};
  foldCast(out, 0);
  return &out;
}

void Analyzer::literal(const ast::Expr& e, Expr& out) {
  out.kind = Expr::Kind::Literal;
  switch (e.kind) {
    case ast::Expr::Kind::Integer:
      out.value.kind = Value::Kind::Integer;
      out.value.integer = static_cast<int64_t>(e.intValue);
      out.value.isUnsigned = e.isUnsigned;
      return;
    case ast::Expr::Kind::Char:
      out.value.kind = Value::Kind::Char;
      out.value.integer = static_cast<int64_t>(e.intValue);
      out.value.isWide = e.isWide;
      return;
    case ast::Expr::Kind::Float:
      out.value.kind = Value::Kind::Float;
      out.value.floating = e.floatValue;
      return;
    default:
      out.value.kind = Value::Kind::String;
      out.value.string = e.stringValue;
      out.value.isWide = e.isWide;
      return;
  }
}

const Expr* Analyzer::name(const ast::Expr& e, const Scope& scope, Expr& out) {
  out.name = e.text;
  if (scope.fields)
    for (const auto& f : *scope.fields)
      if (f.name == e.text) {
        out.kind = Expr::Kind::FieldRef;
        out.field = &f;
        return &out;
      }
  if (scope.params)
    for (const auto& p : *scope.params)
      if (p.name == e.text) {
        out.kind = Expr::Kind::ParamRef;
        out.param = &p;
        return &out;
      }
  if (const Decl* d = m_.find(e.text); d && d->kind == Decl::Kind::Const) {
    auto* c = static_cast<const ConstDecl*>(d);
    out.kind = c->enumOwner ? Expr::Kind::EnumeratorRef : Expr::Kind::ConstRef;
    out.constant = c;
    out.enumDecl = c->enumOwner;
    out.value = c->value;
    return &out;
  }
  // TRUE, FALSE and NULL are macros in C headers but names MIDL knows.
  if (e.text == "TRUE" || e.text == "FALSE" || e.text == "NULL") {
    out.kind = Expr::Kind::Literal;
    out.value.kind = Value::Kind::Integer;
    out.value.integer = e.text == "TRUE" ? 1 : 0;
    return &out;
  }
  if (!silentUnknownNames_) {
    d_.error(e.location, "unknown identifier '" + e.text + "'" + identifierSuggestion(e.text, scope));
    noteBaseImport(e.text, e.location);
  }
  return nullptr;
}

const Expr* Analyzer::sizeOf(const ast::Expr& e, Expr& out) {
  out.kind = Expr::Kind::Sizeof;
  out.type = typeSpec(*e.type, nullptr);
  const Type* t = resolve(out.type);
  int64_t size = 0;
  if (e.pointerLevels > 0)
    size = 4;  // NDR pointers are 4-byte referent ids
  else if (t && t->kind == Type::Kind::Primitive)
    size = ndrSize(t->primitive);
  if (size == 0) {
    d_.error(e.location, "sizeof is supported for base types and pointers only");
    return nullptr;
  }
  out.value.kind = Value::Kind::Integer;
  out.value.integer = size;
  return &out;
}

bool Analyzer::foldBinary(const ast::Expr& e, Expr& out) {
  const Value& a = out.operands[0]->value;
  const Value& b = out.operands[1]->value;
  if (!out.operands[0]->isConstant() || !out.operands[1]->isConstant()) return true;
  if (a.kind == Value::Kind::Float || b.kind == Value::Kind::Float) {
    foldFloating(out, a, b);
    return true;
  }
  if (!integral(a) || !integral(b)) {
    d_.error(e.location, "operator '" + out.op + "' needs numbers");
    return false;
  }
  bool isUnsigned = a.isUnsigned || b.isUnsigned;
  uint64_t x = static_cast<uint64_t>(a.integer), y = static_cast<uint64_t>(b.integer);
  int64_t r = 0;
  const std::string& op = out.op;
  if ((op == "/" || op == "%") && y == 0) {
    d_.error(e.location, "division by zero in a constant expression");
    return false;
  }
  if (op == "+") {
    r = static_cast<int64_t>(x + y);
  } else if (op == "-") {
    r = static_cast<int64_t>(x - y);
  } else if (op == "*") {
    r = static_cast<int64_t>(x * y);
  } else if (op == "/") {
    if (isUnsigned)
      r = static_cast<int64_t>(x / y);
    else if (a.integer == std::numeric_limits<int64_t>::min() && b.integer == -1)
      r = a.integer;
    else
      r = a.integer / b.integer;
  } else if (op == "%") {
    if (isUnsigned)
      r = static_cast<int64_t>(x % y);
    else if (b.integer == -1)
      r = 0;
    else
      r = a.integer % b.integer;
  } else if (op == "<<" || op == ">>") {
    if (b.integer < 0 || b.integer >= 64) {
      d_.error(e.location, "shift count " + std::to_string(b.integer) + " is out of range");
      return false;
    }
    if (op == "<<")
      r = static_cast<int64_t>(x << y);
    else
      r = isUnsigned ? static_cast<int64_t>(x >> y) : (a.integer >> b.integer);
  } else if (op == "&") {
    r = static_cast<int64_t>(x & y);
  } else if (op == "|") {
    r = static_cast<int64_t>(x | y);
  } else if (op == "^") {
    r = static_cast<int64_t>(x ^ y);
  } else if (op == "&&" || op == "||") {
    r = op == "&&" ? (x != 0 && y != 0) : (x != 0 || y != 0);
    isUnsigned = false;
  } else {
    r = compare(op, a, b, isUnsigned);
    isUnsigned = false;
  }
  out.value.kind = Value::Kind::Integer;
  out.value.integer = r;
  out.value.isUnsigned = isUnsigned;
  return true;
}

const Expr* Analyzer::correlation(const ast::AttributeArg& arg, const Scope& scope,
                                  const std::string& attribute) {
  if (!arg.expr) {
    d_.error(arg.location, "[" + attribute + "] needs an expression");
    return nullptr;
  }
  silentUnknownNames_ = localParams_;  // size_is(INTERNET_MAX_URL_LENGTH), a C macro, in a local method
  const Expr* e = expr(*arg.expr, scope);
  silentUnknownNames_ = false;
  if (!e || e->isConstant()) return e;
  // Every field or parameter the expression names must be an integer (or point to one, when dereferenced).
  std::vector<const Expr*> stack{e};
  while (!stack.empty()) {
    const Expr* x = stack.back();
    stack.pop_back();
    for (const Expr* o : x->operands) stack.push_back(o);
    const Type* t = x->kind == Expr::Kind::FieldRef   ? x->field->type
                    : x->kind == Expr::Kind::ParamRef ? x->param->type
                                                      : nullptr;
    if (x->kind != Expr::Kind::FieldRef && x->kind != Expr::Kind::ParamRef) continue;
    if (!t) continue;  // its own type failed and was reported
    const Type* r = resolve(t);
    bool ok = isIntegerType(r);
    if (!ok && r && r->kind == Type::Kind::Pointer) ok = isIntegerType(r->element);  // *pcount
    if (!ok) {
      const char* kind = x->kind == Expr::Kind::FieldRef ? "field" : "parameter";
      d_.error(arg.location, "[" + attribute + "] refers to '" + x->name + "', which is not an integer " +
                                 kind + " (it is '" + typeText(t) + "')");
    }
  }
  return e;
}

}  // namespace midlc::sema
