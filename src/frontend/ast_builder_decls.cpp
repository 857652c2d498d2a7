// AST builder: files, containers (interface, library, coclass, ...) and declarations.
#include "frontend/ast_builder.h"
#include "frontend/syntax_rules.h"

namespace midlc::frontend {

ast::File AstBuilder::file(P::IdlFileContext* ctx) {
  ast::File file;
  file.path = source_.name();
  // Reserved, not grown by doubling: a definition is a few hundred bytes, and a file may hold a million.
  std::vector<P::DefinitionContext*> definitions = ctx->definition();
  file.definitions.reserve(definitions.size());
  for (auto* def : definitions) definition(def, file.definitions);
  return file;
}

void AstBuilder::importDecl(P::ImportDeclContext* ctx, std::vector<ast::Definition>& out) {
  for (auto* str : ctx->STRING()) out.emplace_back(ast::Import{stringLiteral(str), at(str)});
}

void AstBuilder::definition(P::DefinitionContext* ctx, std::vector<ast::Definition>& out) {
  if (auto* c = ctx->importDecl()) return importDecl(c, out);
  if (auto* c = ctx->importlibDecl()) {
    out.emplace_back(ast::ImportLib{stringLiteral(c->STRING()), at(c->STRING())});
    return;
  }
  if (auto* c = ctx->cppQuote()) return void(out.emplace_back(cppQuote(c)));
  if (auto* c = ctx->midlPragma()) return void(out.emplace_back(midlPragma(c)));
  if (auto* c = ctx->pragmaLine()) return void(out.emplace_back(pragmaLine(c)));
  if (auto* c = ctx->interfaceDecl()) return void(out.emplace_back(interfaceDecl(c)));
  if (auto* c = ctx->dispinterfaceDecl()) return void(out.emplace_back(dispinterfaceDecl(c)));
  if (auto* c = ctx->coclassDecl()) return void(out.emplace_back(coclassDecl(c)));
  if (auto* c = ctx->libraryDecl()) return void(out.emplace_back(libraryDecl(c)));
  if (auto* c = ctx->moduleDecl()) return void(out.emplace_back(moduleDecl(c)));
  if (auto* c = ctx->namespaceDecl()) return void(out.emplace_back(namespaceDecl(c)));
  if (auto* c = ctx->apicontractDecl()) {
    auto contract = std::make_unique<ast::Apicontract>();
    contract->attributes = attributes(c->attributeList());
    contract->location = at(c->identifier());
    contract->name = name(c->identifier());
    return void(out.emplace_back(std::move(contract)));
  }
  if (auto* c = ctx->delegateDecl()) return void(out.emplace_back(delegateDecl(c)));
  if (auto* c = ctx->declaration()) return void(out.emplace_back(declaration(c)));
  if (auto* c = ctx->operation()) return void(out.emplace_back(operation(c)));
}

void AstBuilder::interfaceMember(P::InterfaceMemberContext* ctx, std::vector<ast::Definition>& out) {
  if (auto* c = ctx->importDecl()) return importDecl(c, out);
  if (auto* c = ctx->cppQuote()) return void(out.emplace_back(cppQuote(c)));
  if (auto* c = ctx->midlPragma()) return void(out.emplace_back(midlPragma(c)));
  if (auto* c = ctx->pragmaLine()) return void(out.emplace_back(pragmaLine(c)));
  if (auto* c = ctx->declaration()) return void(out.emplace_back(declaration(c)));
  if (auto* c = ctx->operation()) return void(out.emplace_back(operation(c)));
}

ast::CppQuote AstBuilder::cppQuote(P::CppQuoteContext* ctx) {
  ast::CppQuote quote;
  quote.location = at(ctx);
  for (auto* str : ctx->STRING()) quote.text += stringLiteral(str);
  return quote;
}

ast::Pragma AstBuilder::midlPragma(P::MidlPragmaContext* ctx) {
  ast::Pragma pragma;
  pragma.location = at(ctx);
  pragma.isMidlPragma = true;
  pragma.text = sourceText(ctx);
  return pragma;
}

ast::Pragma AstBuilder::pragmaLine(P::PragmaLineContext* ctx) {
  ast::Pragma pragma;
  pragma.location = at(ctx);
  pragma.text = ctx->PRAGMA_LINE()->getText();
  return pragma;
}

std::unique_ptr<ast::Interface> AstBuilder::interfaceDecl(P::InterfaceDeclContext* ctx) {
  auto itf = std::make_unique<ast::Interface>();
  itf->attributes = attributes(ctx->attributeList());
  itf->location = at(ctx->name);
  itf->name = name(ctx->name);
  if (ctx->base) {
    itf->base = name(ctx->base);
    itf->baseLocation = at(ctx->base);
  }
  itf->typeParams = typeParams(ctx->typeParams());
  itf->isForward = ctx->body == nullptr;
  std::vector<P::InterfaceMemberContext*> members = ctx->interfaceMember();
  itf->members.reserve(members.size());  // as for a file's definitions
  for (auto* member : members) interfaceMember(member, itf->members);
  return itf;
}

std::vector<std::string> AstBuilder::typeParams(P::TypeParamsContext* ctx) {
  std::vector<std::string> out;
  if (ctx)
    for (auto* id : ctx->identifier()) out.push_back(name(id));
  return out;
}

std::unique_ptr<ast::Namespace> AstBuilder::namespaceDecl(P::NamespaceDeclContext* ctx) {
  auto ns = std::make_unique<ast::Namespace>();
  ns->location = at(ctx->qualifiedName());
  ns->name = name(ctx->qualifiedName());
  for (auto* def : ctx->definition()) definition(def, ns->definitions);
  return ns;
}

std::unique_ptr<ast::Delegate> AstBuilder::delegateDecl(P::DelegateDeclContext* ctx) {
  auto delegate = std::make_unique<ast::Delegate>();
  delegate->attributes = attributes(ctx->attributeList());
  delegate->location = at(ctx->name);
  delegate->name = name(ctx->name);
  delegate->typeParams = typeParams(ctx->typeParams());
  ast::Operation& invoke = delegate->invoke;
  invoke.location = delegate->location;
  invoke.name = "Invoke";
  invoke.returnType = typeSpec(ctx->typeSpec());
  invoke.returnPointers = pointers(ctx->pointer());
  if (ctx->paramList()) invoke.params = paramList(ctx->paramList(), &invoke.hasVarargs);
  return delegate;
}

std::unique_ptr<ast::Dispinterface> AstBuilder::dispinterfaceDecl(P::DispinterfaceDeclContext* ctx) {
  auto disp = std::make_unique<ast::Dispinterface>();
  disp->attributes = attributes(ctx->attributeList());
  disp->location = at(ctx->identifier());
  disp->name = name(ctx->identifier());
  auto* body = ctx->dispBody();
  disp->isForward = body == nullptr;
  if (body) {
    if (body->identifier()) {
      disp->interfaceName = name(body->identifier());
    } else {
      fields(body->field(), disp->properties);
      for (auto* op : body->operation()) disp->methods.push_back(operation(op));
    }
  }
  return disp;
}

std::unique_ptr<ast::Coclass> AstBuilder::coclassDecl(P::CoclassDeclContext* ctx) {
  auto coclass = std::make_unique<ast::Coclass>();
  coclass->attributes = attributes(ctx->attributeList());
  coclass->location = at(ctx->identifier());
  coclass->name = name(ctx->identifier());
  coclass->isForward = ctx->body == nullptr;
  for (auto* m : ctx->coclassMember()) {
    ast::CoclassMember member;
    member.attributes = attributes(m->attributeList());
    member.location = at(m->identifier());
    member.name = name(m->identifier());
    member.isDispinterface = m->kind->getText() == "dispinterface";
    coclass->members.push_back(std::move(member));
  }
  return coclass;
}

std::unique_ptr<ast::Library> AstBuilder::libraryDecl(P::LibraryDeclContext* ctx) {
  auto library = std::make_unique<ast::Library>();
  library->attributes = attributes(ctx->attributeList());
  library->location = at(ctx->identifier());
  library->name = name(ctx->identifier());
  for (auto* def : ctx->definition()) definition(def, library->definitions);
  return library;
}

std::unique_ptr<ast::Module> AstBuilder::moduleDecl(P::ModuleDeclContext* ctx) {
  auto module = std::make_unique<ast::Module>();
  module->attributes = attributes(ctx->attributeList());
  module->location = at(ctx->identifier());
  module->name = name(ctx->identifier());
  for (auto* member : ctx->interfaceMember()) interfaceMember(member, module->members);
  return module;
}

ast::Definition AstBuilder::declaration(P::DeclarationContext* ctx) {
  if (auto* c = dynamic_cast<P::TypedefDeclContext*>(ctx)) {
    ast::Typedef td;
    td.location = at(c);
    td.attributes = attributes(c->pre);
    for (auto& a : attributes(c->post)) td.attributes.push_back(std::move(a));
    td.type = typeSpec(c->typeSpec());
    for (auto* d : c->declarator()) td.declarators.push_back(declarator(d));
    if (!td.declarators.empty()) td.location = td.declarators.front().location;
    return td;
  }
  if (auto* c = dynamic_cast<P::ConstDeclContext*>(ctx)) {
    ast::Const constant;
    constant.attributes = attributes(c->attributeList());
    constant.type = typeSpec(c->typeSpec());
    constant.declarator = declarator(c->declarator());
    constant.location = constant.declarator.location;
    constant.value = expression(c->expression());
    return constant;
  }
  if (auto* c = dynamic_cast<P::ExternDeclContext*>(ctx)) {
    // extern const FMTID FMTID_Foo; declares a C symbol the header repeats as written.
    return ast::CppQuote{sourceText(c), at(c)};
  }
  auto* c = static_cast<P::TagDeclContext*>(ctx);
  ast::TagDecl tag;
  tag.attributes = attributes(c->attributeList());
  tag.location = at(c->taggedTypeSpec());
  tag.type.location = tag.location;
  taggedTypeSpec(c->taggedTypeSpec(), tag.type);
  return tag;
}

ast::Operation AstBuilder::operation(P::OperationContext* ctx) {
  ast::Operation op;
  op.attributes = attributes(ctx->attributeList());
  op.returnType = typeSpec(ctx->typeSpec());
  op.returnPointers = pointers(ctx->pointer());
  if (ctx->callingConvention()) op.callingConvention = ctx->callingConvention()->getText();
  op.name = name(ctx->identifier());
  op.location = at(ctx->identifier());
  if (ctx->paramList()) op.params = paramList(ctx->paramList(), &op.hasVarargs);
  if (ctx->pure && ctx->pure->getText() != "0")
    diagnostics_.error(at(ctx->pure), "expected '= 0' after the parameters of '" + op.name + "'");
  return op;
}

std::vector<ast::Param> AstBuilder::paramList(P::ParamListContext* ctx, bool* hasVarargs) {
  std::vector<ast::Param> params;
  for (auto* p : ctx->param()) {
    ast::Param param;
    param.attributes = attributes(p->attributeList());
    param.location = at(p);
    param.type = typeSpec(p->typeSpec());
    if (p->declarator()) {
      param.declarator = declarator(p->declarator());
      if (!param.declarator.name.empty()) param.location = param.declarator.location;
    } else {
      param.declarator.location = param.location;
      param.declarator.pointers = pointers(p->pointer());
    }
    params.push_back(std::move(param));
  }
  if (declaresNoParameters(params)) params.clear();
  if (hasVarargs) *hasVarargs = ctx->getStop()->getText() == "...";
  return params;
}

}  // namespace midlc::frontend
