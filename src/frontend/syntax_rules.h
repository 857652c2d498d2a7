// Rules of the syntax tree that the AST builder (over ANTLR's parse tree) and the direct parser (over the
// tokens) both apply, so that the two build the same tree.
#pragma once

#include <string_view>
#include <vector>

#include "frontend/ast.h"

namespace midlc::frontend {

// The base type a keyword names ("long", "__int64", "wchar_t"...); None for any other word.
ast::BaseKeyword baseKeyword(std::string_view word);

// The base type of a run of integer keywords ("long int", "short int", "long long", "unsigned __int64"),
// taken word by word.
class IntegerWords {
 public:
  // False if `word` cannot follow the words before it ("short long"); the caller reports it at the word.
  bool add(ast::BaseKeyword word);
  // More than two "long"s: the caller reports it at the first word.
  bool tooLong() const { return longs_ > 2; }
  ast::BaseKeyword type() const { return longs_ == 2 ? ast::BaseKeyword::LongLong : type_; }

 private:
  ast::BaseKeyword type_ = ast::BaseKeyword::None;
  int longs_ = 0;
};

// f(void) declares no parameters: true if `params` is that one unnamed void.
bool declaresNoParameters(const std::vector<ast::Param>& params);

// A field with no type or declarator ([case(3)] ; an empty union arm): a void at `location`.
ast::Field emptyField(ast::Attributes attributes, const Location& location);

// A struct, union or enum defined inline with several declarators (struct S {...} a, b;): the declarators
// after the first refer to it by its tag, without the definition.
void referByTag(ast::TypeRef& type);

}  // namespace midlc::frontend
