// AST builder: attributes, expressions, literals, names and locations.
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "frontend/ast_builder.h"
#include "frontend/literals.h"
#include "support/text.h"

namespace midlc::frontend {

namespace {
// Deeper expressions than this are refused, so no input can exhaust the stack.
constexpr int kMaxExpressionDepth = 256;
}  // namespace

Location AstBuilder::at(antlr4::Token* token) const {
  if (!token) return {};
  std::string text = token->getType() == antlr4::Token::EOF ? std::string() : token->getText();
  return source_.locate(static_cast<uint32_t>(token->getLine()),
                        static_cast<uint32_t>(token->getCharPositionInLine() + 1), text);
}

std::string AstBuilder::name(P::IdentifierContext* ctx) const {
  return ctx ? ctx->getStart()->getText() : "";
}

std::string AstBuilder::name(P::QualifiedNameContext* ctx) const {
  std::string out;
  if (!ctx) return out;
  for (auto* part : ctx->identifier()) out += (out.empty() ? "" : ".") + name(part);
  return out;
}

std::string AstBuilder::sourceText(antlr4::ParserRuleContext* ctx) const {
  return ctx ? sourceText(ctx->getStart(), ctx->getStop()) : std::string();
}

std::string AstBuilder::sourceText(antlr4::Token* start, antlr4::Token* stop) const {
  if (!start || !stop || stop->getTokenIndex() < start->getTokenIndex()) return {};
  return tokens_.getTokenSource()->getInputStream()->getText(
      antlr4::misc::Interval(start->getStartIndex(), stop->getStopIndex()));
}

ast::Attributes AstBuilder::attributes(P::AttributeListContext* ctx) {
  ast::Attributes out;
  if (!ctx) return out;
  for (auto* a : ctx->attribute()) {
    ast::Attribute attr;
    attr.location = at(a);
    // A GUID as written, quoted or not: its text without the quotes and blanks.
    auto guidArgument = [&](antlr4::ParserRuleContext* guid) {
      ast::AttributeArg arg;
      arg.location = at(guid);
      std::string text = sourceText(guid);
      if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
        text = text.substr(1, text.size() - 2);
      for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) arg.text += c;
      return arg;
    };
    if (auto* uuid = a->uuidText()) {
      attr.name = name(a->identifier());
      attr.hasParens = true;
      attr.args.push_back(guidArgument(uuid));
      out.push_back(std::move(attr));
      continue;
    }
    if (auto* guid = a->customGuid()) {
      attr.name = name(a->identifier());
      attr.args.push_back(guidArgument(guid));
    } else {
      attr.name = a->attributeName()->getStart()->getText();  // one token (RuleContext::getText concatenates)
    }
    if (auto* args = a->attrArgs()) {
      attr.hasParens = true;
      // attrArgs: attrArg? (',' attrArg?)*  -- walk the children to keep empty positions.
      ast::AttributeArg current;
      bool pending = true;
      current.location = at(args);
      for (auto* child : args->children) {
        if (auto* arg = dynamic_cast<P::AttrArgContext*>(child)) {
          current.location = at(arg);
          current.text = sourceText(arg);
          if (arg->expression()) {
            current.expr = expression(arg->expression());
          } else {
            current.type = std::make_unique<ast::TypeRef>(typeSpec(arg->typeSpec()));
            if (auto* d = arg->declarator()) {
              ast::Declarator decl = declarator(d);
              current.declaredName = decl.name;
              current.pointerLevels = static_cast<unsigned>(decl.pointers.size());
            }
          }
        } else if (child->getText() == ",") {
          attr.args.push_back(std::move(current));
          current = ast::AttributeArg{};
          current.location = at(static_cast<antlr4::tree::TerminalNode*>(child));
        }
      }
      if (pending && (!attr.args.empty() || !current.empty())) attr.args.push_back(std::move(current));
    } else {
      attr.hasParens = a->getStop()->getText() == ")";
    }
    out.push_back(std::move(attr));
  }
  return out;
}

std::unique_ptr<ast::Expr> AstBuilder::expression(P::ExpressionContext* ctx) {
  auto expr = std::make_unique<ast::Expr>();
  expr->location = at(ctx);
  if (++expressionDepth_ > kMaxExpressionDepth) {
    --expressionDepth_;
    diagnostics_.error(expr->location, "expression is nested too deeply (more than " +
                                           std::to_string(kMaxExpressionDepth) + " levels)");
    expr->kind = ast::Expr::Kind::Integer;
    return expr;
  }
  struct DepthGuard {
    int& depth;
    ~DepthGuard() { --depth; }
  } guard{expressionDepth_};

  if (auto* c = dynamic_cast<P::PrimaryExprContext*>(ctx)) return primary(c->primaryExpression());
  if (auto* c = dynamic_cast<P::MemberExprContext*>(ctx)) {
    expr->kind = ast::Expr::Kind::Member;
    expr->text = c->op->getText();
    expr->location = at(c->op);
    expr->operands.push_back(expression(c->expression()));
    auto name = std::make_unique<ast::Expr>();
    name->kind = ast::Expr::Kind::Name;
    name->text = this->name(c->identifier());
    name->location = at(c->identifier());
    expr->operands.push_back(std::move(name));
  } else if (auto* c = dynamic_cast<P::IndexExprContext*>(ctx)) {
    expr->kind = ast::Expr::Kind::Index;
    expr->text = "[]";
    for (auto* e : c->expression()) expr->operands.push_back(expression(e));
  } else if (auto* c = dynamic_cast<P::UnaryExprContext*>(ctx)) {
    expr->kind = ast::Expr::Kind::Unary;
    expr->text = c->op->getText();
    expr->operands.push_back(expression(c->expression()));
  } else if (auto* c = dynamic_cast<P::CastExprContext*>(ctx)) {
    expr->kind = ast::Expr::Kind::Cast;
    expr->type = std::make_unique<ast::TypeRef>(typeSpec(c->typeSpec()));
    expr->pointerLevels = static_cast<unsigned>(c->pointer().size());
    expr->operands.push_back(expression(c->expression()));
  } else if (auto* c = dynamic_cast<P::SizeofExprContext*>(ctx)) {
    expr->kind = ast::Expr::Kind::Sizeof;
    expr->type = std::make_unique<ast::TypeRef>(typeSpec(c->typeSpec()));
    expr->pointerLevels = static_cast<unsigned>(c->pointer().size());
  } else if (auto* c = dynamic_cast<P::BinaryExprContext*>(ctx)) {
    expr->kind = ast::Expr::Kind::Binary;
    expr->text = c->op->getText();
    expr->location = at(c->op);
    for (auto* e : c->expression()) expr->operands.push_back(expression(e));
    // (ULONG)*pcount and (HBODY)-1: a parenthesized name before an operator that can also be unary.
    const std::string& op = expr->text;
    const ast::Expr& left = *expr->operands[0];
    if (left.kind == ast::Expr::Kind::Name && left.parenthesized &&
        (op == "*" || op == "-" || op == "+" || op == "&"))
      expr->castCandidate = true;
  } else if (auto* c = dynamic_cast<P::ConditionalExprContext*>(ctx)) {
    expr->kind = ast::Expr::Kind::Conditional;
    expr->text = "?:";
    for (auto* e : c->expression()) expr->operands.push_back(expression(e));
  }
  return expr;
}

std::unique_ptr<ast::Expr> AstBuilder::primary(P::PrimaryExpressionContext* ctx) {
  if (ctx->expression()) {
    auto inner = expression(ctx->expression());
    inner->parenthesized = true;
    return inner;
  }
  auto expr = std::make_unique<ast::Expr>();
  expr->location = at(ctx);
  if (auto* number = ctx->NUMBER()) {
    numberLiteral(number->getSymbol(), *expr);
  } else if (auto* ch = ctx->CHAR_LITERAL()) {
    charLiteral(ch->getSymbol(), *expr);
  } else if (!ctx->STRING().empty()) {
    expr->kind = ast::Expr::Kind::String;
    for (auto* s : ctx->STRING()) {
      bool wide = false;
      expr->stringValue += stringLiteral(s, &wide);
      expr->isWide = expr->isWide || wide;
    }
    expr->text = sourceText(ctx);
  } else {
    expr->kind = ast::Expr::Kind::Name;
    expr->text = name(ctx->identifier());
  }
  return expr;
}

void AstBuilder::numberLiteral(antlr4::Token* token, ast::Expr& out) {
  frontend::numberLiteral(token->getText(), out,
                          [&](std::string message) { diagnostics_.error(at(token), message); });
}

void AstBuilder::charLiteral(antlr4::Token* token, ast::Expr& out) {
  frontend::charLiteral(token->getText(), out,
                        [&](std::string message) { diagnostics_.error(at(token), message); });
}

std::string AstBuilder::stringLiteral(antlr4::Token* token, bool* isWide) {
  return frontend::stringLiteral(token->getText(), isWide,
                                 [&](std::string message) { diagnostics_.error(at(token), message); });
}

}  // namespace midlc::frontend
