// Turns ANTLR's parse tree into ast nodes: one method per grammar rule, split by grammar area across
// ast_builder_{decls,types,exprs,acf}.cpp. Internal to the frontend.
#pragma once

#include <string>

#include "IdlParser.h"
#include "frontend/ast.h"
#include "support/diagnostics.h"
#include "support/source.h"

namespace midlc::frontend {

using P = midlc::grammar::IdlParser;

class AstBuilder {
 public:
  AstBuilder(const SourceText& source, antlr4::TokenStream& tokens, Diagnostics& diagnostics)
      : source_(source), tokens_(tokens), diagnostics_(diagnostics) {}

  ast::File file(P::IdlFileContext* ctx);
  ast::AcfFile acfFile(P::AcfFileContext* ctx);

  // Declarations and containers (ast_builder_decls.cpp).
  void definition(P::DefinitionContext* ctx, std::vector<ast::Definition>& out);
  void interfaceMember(P::InterfaceMemberContext* ctx, std::vector<ast::Definition>& out);
  void importDecl(P::ImportDeclContext* ctx, std::vector<ast::Definition>& out);
  ast::CppQuote cppQuote(P::CppQuoteContext* ctx);
  ast::Pragma midlPragma(P::MidlPragmaContext* ctx);
  ast::Pragma pragmaLine(P::PragmaLineContext* ctx);
  std::unique_ptr<ast::Interface> interfaceDecl(P::InterfaceDeclContext* ctx);
  std::unique_ptr<ast::Dispinterface> dispinterfaceDecl(P::DispinterfaceDeclContext* ctx);
  std::unique_ptr<ast::Coclass> coclassDecl(P::CoclassDeclContext* ctx);
  std::unique_ptr<ast::Library> libraryDecl(P::LibraryDeclContext* ctx);
  std::unique_ptr<ast::Module> moduleDecl(P::ModuleDeclContext* ctx);
  std::unique_ptr<ast::Namespace> namespaceDecl(P::NamespaceDeclContext* ctx);
  std::unique_ptr<ast::Delegate> delegateDecl(P::DelegateDeclContext* ctx);
  std::vector<std::string> typeParams(P::TypeParamsContext* ctx);
  ast::Definition declaration(P::DeclarationContext* ctx);
  ast::Operation operation(P::OperationContext* ctx);
  std::vector<ast::Param> paramList(P::ParamListContext* ctx, bool* hasVarargs);

  // Types and declarators (ast_builder_types.cpp).
  ast::TypeRef typeSpec(P::TypeSpecContext* ctx);
  ast::Declarator declarator(P::DeclaratorContext* ctx);
  std::vector<ast::PointerLevel> pointers(const std::vector<P::PointerContext*>& ctxs);
  void fields(const std::vector<P::FieldContext*>& ctxs, std::vector<ast::Field>& out);
  std::unique_ptr<ast::StructDef> structSpec(P::StructSpecContext* ctx);
  std::unique_ptr<ast::UnionDef> unionSpec(P::UnionSpecContext* ctx);
  std::unique_ptr<ast::EnumDef> enumSpec(P::EnumSpecContext* ctx);
  void taggedTypeSpec(P::TaggedTypeSpecContext* ctx, ast::TypeRef& out);

  // Attributes, expressions and literals (ast_builder_exprs.cpp).
  ast::Attributes attributes(P::AttributeListContext* ctx);
  std::unique_ptr<ast::Expr> expression(P::ExpressionContext* ctx);
  std::string stringLiteral(antlr4::tree::TerminalNode* node, bool* isWide = nullptr) {
    return stringLiteral(node->getSymbol(), isWide);
  }
  std::string stringLiteral(antlr4::Token* token, bool* isWide = nullptr);

  // Locations and text.
  Location at(antlr4::Token* token) const;
  Location at(antlr4::ParserRuleContext* ctx) const { return at(ctx->getStart()); }
  Location at(antlr4::tree::TerminalNode* node) const { return at(node->getSymbol()); }
  std::string name(P::IdentifierContext* ctx) const;
  std::string name(P::QualifiedNameContext* ctx) const;  // A.B.C
  std::string sourceText(antlr4::ParserRuleContext* ctx) const;
  std::string sourceText(antlr4::Token* start, antlr4::Token* stop) const;

 private:
  std::unique_ptr<ast::Expr> primary(P::PrimaryExpressionContext* ctx);
  void numberLiteral(antlr4::Token* token, ast::Expr& out);  // literals.h, reported at the token
  void charLiteral(antlr4::Token* token, ast::Expr& out);

  const SourceText& source_;
  antlr4::TokenStream& tokens_;
  Diagnostics& diagnostics_;
  int expressionDepth_ = 0;
};

}  // namespace midlc::frontend
