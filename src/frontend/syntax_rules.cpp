// Rules of the syntax tree shared by the AST builder and the direct parser (syntax_rules.h).
#include "frontend/syntax_rules.h"

#include <unordered_map>
#include <utility>

namespace midlc::frontend {

ast::BaseKeyword baseKeyword(std::string_view word) {
  using B = ast::BaseKeyword;
  static const std::unordered_map<std::string_view, B> table = {
      {"small", B::Small},
      {"short", B::Short},
      {"long", B::Long},
      {"hyper", B::Hyper},
      {"int", B::Int},
      {"char", B::Char},
      {"__int8", B::Int8},
      {"__int16", B::Int16},
      {"__int32", B::Int32},
      {"__int64", B::Int64},
      {"__int3264", B::Int3264},
      {"boolean", B::Boolean},
      {"byte", B::Byte},
      {"wchar_t", B::WChar},
      {"float", B::Float},
      {"double", B::Double},
      {"void", B::Void},
      {"handle_t", B::HandleT},
      {"error_status_t", B::ErrorStatusT},
  };
  auto found = table.find(word);
  return found == table.end() ? B::None : found->second;
}

bool IntegerWords::add(ast::BaseKeyword word) {
  using B = ast::BaseKeyword;
  if (word == B::Long) ++longs_;
  if (word == B::Int && type_ != B::None) return true;  // "short int"
  if (type_ != B::None && type_ != B::Int && word != B::Long) return false;
  if (type_ == B::None || type_ == B::Int) type_ = word;
  return true;
}

bool declaresNoParameters(const std::vector<ast::Param>& params) {
  return params.size() == 1 && params[0].type.kind == ast::TypeRef::Kind::Base &&
         params[0].type.base == ast::BaseKeyword::Void && params[0].declarator.name.empty() &&
         params[0].declarator.pointers.empty() && params[0].attributes.empty();
}

ast::Field emptyField(ast::Attributes attributes, const Location& location) {
  ast::Field field;
  field.attributes = std::move(attributes);
  field.location = location;
  field.type.kind = ast::TypeRef::Kind::Base;
  field.type.base = ast::BaseKeyword::Void;
  field.type.location = location;
  return field;
}

void referByTag(ast::TypeRef& type) {
  if (type.kind == ast::TypeRef::Kind::Base || type.kind == ast::TypeRef::Kind::Named || type.name.empty())
    return;
  type.structDef.reset();
  type.unionDef.reset();
  type.enumDef.reset();
}

}  // namespace midlc::frontend
