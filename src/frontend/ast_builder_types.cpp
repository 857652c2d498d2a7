// AST builder: type specifiers, struct/union/enum bodies and declarators.
#include "frontend/ast_builder.h"
#include "frontend/syntax_rules.h"

namespace midlc::frontend {

ast::TypeRef AstBuilder::typeSpec(P::TypeSpecContext* ctx) {
  ast::TypeRef type;
  type.location = at(ctx);
  for (auto* q : ctx->typeQualifier()) {
    if (q->getText() == "const") type.isConst = true;
    if (q->getText() == "volatile") type.isVolatile = true;
  }
  auto* core = ctx->typeCore();
  if (auto* base = core->baseType()) {
    type.kind = ast::TypeRef::Kind::Base;
    if (auto* sign = base->signedness()) {
      type.isUnsigned = sign->getText() == "unsigned";
      type.isSigned = !type.isUnsigned;
    }
    auto words = base->intKeyword();
    if (words.empty() && !base->signedness()) {
      type.base = baseKeyword(base->getText());
    } else if (words.empty()) {
      type.base = ast::BaseKeyword::Int;  // "unsigned" alone
    } else {
      IntegerWords integer;
      for (auto* w : words)
        if (!integer.add(baseKeyword(w->getText())))
          diagnostics_.error(at(w), "'" + w->getText() + "' cannot be combined with the type before it");
      if (integer.tooLong()) diagnostics_.error(at(words.front()), "'long long long' is too long");
      type.base = integer.type();
    }
  } else if (auto* tagged = core->taggedTypeSpec()) {
    taggedTypeSpec(tagged, type);
  } else if (core->identifier() && core->typeSpec()) {
    type.kind = ast::TypeRef::Kind::Safearray;
    type.name = name(core->identifier());
    type.safearrayElement = std::make_unique<ast::TypeRef>(typeSpec(core->typeSpec()));
    type.safearrayPointers = static_cast<unsigned>(core->pointer().size());
  } else if (auto* named = core->typeName()) {
    type.kind = ast::TypeRef::Kind::Named;
    type.name = name(named->qualifiedName());
    if (auto* args = named->typeArgs()) {
      type.hasTypeArgs = true;
      for (auto* arg : args->typeArg())
        type.typeArgs.push_back(std::make_unique<ast::TypeRef>(typeSpec(arg->typeSpec())));
    }
  } else {
    type.kind = ast::TypeRef::Kind::Pipe;
    type.pipeElement = std::make_unique<ast::TypeRef>(typeSpec(core->typeSpec()));
  }
  return type;
}

void AstBuilder::taggedTypeSpec(P::TaggedTypeSpecContext* ctx, ast::TypeRef& out) {
  if (auto* s = ctx->structSpec()) {
    out.kind = ast::TypeRef::Kind::Struct;
    out.structDef = structSpec(s);
    out.name = out.structDef->tag;
  } else if (auto* u = ctx->unionSpec()) {
    out.kind = ast::TypeRef::Kind::Union;
    out.unionDef = unionSpec(u);
    out.name = out.unionDef->tag;
  } else {
    out.kind = ast::TypeRef::Kind::Enum;
    out.enumDef = enumSpec(ctx->enumSpec());
    out.name = out.enumDef->tag;
  }
}

std::unique_ptr<ast::StructDef> AstBuilder::structSpec(P::StructSpecContext* ctx) {
  auto def = std::make_unique<ast::StructDef>();
  def->location = at(ctx);
  if (ctx->identifier()) {
    def->tag = name(ctx->identifier());
    def->location = at(ctx->identifier());
  }
  def->hasBody = ctx->getStop()->getText() == "}";
  fields(ctx->field(), def->fields);
  return def;
}

void AstBuilder::fields(const std::vector<P::FieldContext*>& ctxs, std::vector<ast::Field>& out) {
  for (auto* f : ctxs) {
    if (f->pragmaLine() || f->cppQuote()) continue;  // no meaning inside a type body
    auto attrs = attributes(f->attributeList());
    if (f->taggedTypeSpec()) {  // anonymous member: struct { ... };
      ast::Field field;
      field.attributes = std::move(attrs);
      field.location = at(f->taggedTypeSpec());
      field.type.location = field.location;
      taggedTypeSpec(f->taggedTypeSpec(), field.type);
      out.push_back(std::move(field));
      continue;
    }
    if (!f->typeSpec()) {  // [case(3)] ;  an empty arm
      out.push_back(emptyField(std::move(attrs), at(f)));
      continue;
    }
    auto declarators = f->fieldDeclarator();
    for (size_t i = 0; i < declarators.size(); ++i) {
      ast::Field field;
      // "long a, b;" : both fields share the type and the attributes as written.
      field.attributes = i == 0 ? std::move(attrs) : attributes(f->attributeList());
      field.type = typeSpec(f->typeSpec());
      if (i > 0) referByTag(field.type);
      field.declarator = declarator(declarators[i]->declarator());
      if (declarators[i]->expression()) field.declarator->bitWidth = expression(declarators[i]->expression());
      field.location = field.declarator->location;
      out.push_back(std::move(field));
    }
  }
}

std::unique_ptr<ast::UnionDef> AstBuilder::unionSpec(P::UnionSpecContext* ctx) {
  auto def = std::make_unique<ast::UnionDef>();
  def->location = at(ctx);
  if (ctx->tag) {
    def->tag = name(ctx->tag);
    def->location = at(ctx->tag);
  }
  def->hasBody = ctx->getStop()->getText() == "}";
  if (ctx->switchName) {
    def->encapsulated = true;
    def->switchType = std::make_unique<ast::TypeRef>(typeSpec(ctx->typeSpec()));
    def->switchName = name(ctx->switchName);
    def->switchLocation = at(ctx->switchName);
    if (ctx->armName) def->armName = name(ctx->armName);
    for (auto* c : ctx->unionCase()) {
      ast::UnionCase unionCase;
      unionCase.location = at(c);
      for (auto* label : c->caseLabel()) {
        if (label->expression())
          unionCase.labels.push_back(expression(label->expression()));
        else
          unionCase.isDefault = true;
      }
      auto* arm = c->unionArm();
      unionCase.arm.attributes = attributes(arm->attributeList());
      unionCase.arm.location = at(arm);
      if (arm->typeSpec()) {
        unionCase.arm.type = typeSpec(arm->typeSpec());
        unionCase.arm.declarator = declarator(arm->declarator());
        unionCase.arm.location = unionCase.arm.declarator->location;
      } else {
        unionCase.arm.type.kind = ast::TypeRef::Kind::Base;
        unionCase.arm.type.base = ast::BaseKeyword::Void;
      }
      def->cases.push_back(std::move(unionCase));
    }
  } else {
    fields(ctx->field(), def->fields);
  }
  return def;
}

std::unique_ptr<ast::EnumDef> AstBuilder::enumSpec(P::EnumSpecContext* ctx) {
  auto def = std::make_unique<ast::EnumDef>();
  def->location = at(ctx);
  if (ctx->identifier()) {
    def->tag = name(ctx->identifier());
    def->location = at(ctx->identifier());
  }
  def->hasBody = ctx->getStop()->getText() == "}";
  for (auto* e : ctx->enumerator()) {
    ast::Enumerator enumerator;
    enumerator.attributes = attributes(e->attributeList());
    enumerator.name = name(e->identifier());
    enumerator.location = at(e->identifier());
    if (e->expression()) enumerator.value = expression(e->expression());
    def->enumerators.push_back(std::move(enumerator));
  }
  return def;
}

std::vector<ast::PointerLevel> AstBuilder::pointers(const std::vector<P::PointerContext*>& ctxs) {
  std::vector<ast::PointerLevel> levels;
  for (auto* p : ctxs) {
    ast::PointerLevel level;
    for (auto* q : p->typeQualifier())
      if (q->getText() == "const") level.isConst = true;
    levels.push_back(level);
  }
  return levels;
}

ast::Declarator AstBuilder::declarator(P::DeclaratorContext* ctx) {
  ast::Declarator decl;
  decl.location = at(ctx);
  decl.pointers = pointers(ctx->pointer());
  auto* direct = ctx->directDeclarator();
  auto arrays = [&](const std::vector<P::ArraySuffixContext*>& suffixes) {
    for (auto* s : suffixes) {
      ast::ArrayDim dim;
      dim.location = at(s);
      if (s->expression())
        dim.size = expression(s->expression());
      else
        dim.star = s->getText().find('*') != std::string::npos;
      decl.arrays.push_back(std::move(dim));
    }
  };
  if (auto* named = dynamic_cast<P::NamedDeclaratorContext*>(direct)) {
    decl.name = name(named->identifier());
    decl.location = at(named->identifier());
    arrays(named->arraySuffix());
  } else if (auto* fn = dynamic_cast<P::FunctionPointerDeclaratorContext*>(direct)) {
    decl.isFunctionPointer = true;
    decl.name = name(fn->identifier());
    decl.location = at(fn->identifier());
    if (fn->callingConvention()) decl.callingConvention = fn->callingConvention()->getText();
    // The pointers inside the parentheses point to the function.
    for (auto& level : pointers(fn->pointer())) decl.pointers.push_back(level);
    if (fn->paramList()) decl.functionParams = paramList(fn->paramList(), &decl.functionVarargs);
  } else if (auto* fn = dynamic_cast<P::FunctionDeclaratorContext*>(direct)) {
    // The pointers before the name belong to the return type: char *name(void).
    decl.isFunction = true;
    decl.name = name(fn->identifier());
    decl.location = at(fn->identifier());
    if (fn->paramList()) decl.functionParams = paramList(fn->paramList(), &decl.functionVarargs);
  } else if (auto* paren = dynamic_cast<P::ParenDeclaratorContext*>(direct)) {
    ast::Declarator inner = declarator(paren->declarator());
    decl.name = inner.name;
    decl.location = inner.location;
    for (auto& level : inner.pointers) decl.pointers.push_back(level);
    for (auto& dim : inner.arrays) decl.arrays.push_back(std::move(dim));
    arrays(paren->arraySuffix());
  }
  return decl;
}

}  // namespace midlc::frontend
