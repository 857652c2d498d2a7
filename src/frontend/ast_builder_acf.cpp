// AST builder: ACF files.
#include "frontend/ast_builder.h"

namespace midlc::frontend {

namespace {

ast::AcfTypedef acfTypedef(AstBuilder& b, P::AcfTypedefContext* ctx) {
  ast::AcfTypedef td;
  td.attributes = b.attributes(ctx->attributeList());
  td.location = b.at(ctx);
  for (auto* id : ctx->identifier()) td.names.push_back({b.name(id), b.at(id)});
  return td;
}

void acfInclude(AstBuilder& b, P::AcfIncludeContext* ctx, std::vector<ast::AcfName>& out) {
  for (auto* s : ctx->STRING()) out.push_back({b.stringLiteral(s), b.at(s)});
}

}  // namespace

ast::AcfFile AstBuilder::acfFile(P::AcfFileContext* ctx) {
  ast::AcfFile file;
  file.path = source_.name();
  for (auto* def : ctx->acfDefinition()) {
    if (auto* c = def->acfTypedef()) {
      file.typedefs.push_back(acfTypedef(*this, c));
    } else if (auto* c = def->acfInclude()) {
      acfInclude(*this, c, file.includes);
    } else if (auto* c = def->importDecl()) {
      for (auto* s : c->STRING()) file.imports.push_back({stringLiteral(s), at(s)});
    } else if (auto* c = def->cppQuote()) {
      file.cppQuotes.push_back(cppQuote(c));
    } else if (auto* c = def->acfInterface()) {
      ast::AcfInterface itf;
      itf.attributes = attributes(c->attributeList());
      itf.name = name(c->identifier());
      itf.location = at(c->identifier());
      for (auto* m : c->acfMember()) {
        if (auto* td = m->acfTypedef()) {
          itf.typedefs.push_back(acfTypedef(*this, td));
        } else if (auto* inc = m->acfInclude()) {
          acfInclude(*this, inc, itf.includes);
        } else if (m->identifier()) {
          ast::AcfOperation op;
          op.attributes = attributes(m->attributeList());
          op.name = name(m->identifier());
          op.location = at(m->identifier());
          for (auto* p : m->acfParam()) {
            ast::AcfParam param;
            param.attributes = attributes(p->attributeList());
            param.name = name(p->identifier());
            param.location = at(p->identifier());
            op.params.push_back(std::move(param));
          }
          itf.operations.push_back(std::move(op));
        }
      }
      file.interfaces.push_back(std::move(itf));
    }
  }
  return file;
}

}  // namespace midlc::frontend
