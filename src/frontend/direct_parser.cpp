// The direct parser (direct_parser.h): one method per grammar rule of grammar/Idl.g4, building what
// AstBuilder builds from the same rule's tree. Where a rule's alternatives share a prefix, the method looks
// ahead as far as ANTLR's prediction would to choose, and where ANTLR would settle an ambiguity by the order
// of the alternatives, the same alternative is taken; every other case declines (throws Decline).
#include "frontend/direct_parser.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "frontend/literals.h"
#include "frontend/syntax_rules.h"

namespace midlc::frontend {

namespace {

// The tokens the parser tells apart. Names after the grammar's literals.
enum class K : unsigned char {
  Other,
  Eof,
  Identifier,
  Number,
  CharLiteral,
  String,
  PragmaLine,
  CallConv,
  // Literal words that are also names (the grammar's `identifier` rule).
  Properties,
  Methods,
  Include,
  Namespace,
  Apicontract,
  Delegate,
  Requires,
  // Keywords.
  Import,
  Importlib,
  CppQuote,
  MidlPragma,
  Interface,
  Dispinterface,
  Coclass,
  Library,
  Module,
  Typedef,
  Static,
  Const,
  Volatile,
  Extern,
  Pipe,
  Unsigned,
  Signed,
  IntWord,   // small short long hyper int char __int8 ... __int3264
  BaseWord,  // boolean byte wchar_t float double void handle_t error_status_t
  Struct,
  Union,
  Enum,
  Switch,
  Case,
  Default,
  Sizeof,
  // Punctuation.
  Semicolon,
  Comma,
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  Less,
  Greater,
  Colon,
  Dot,
  Arrow,
  Ellipsis,
  Assign,
  Star,
  Minus,
  Plus,
  Tilde,
  Bang,
  Amp,
  Slash,
  Percent,
  Shl,
  Shr,
  LessEq,
  GreaterEq,
  EqEq,
  NotEq,
  Caret,
  Pipe1,
  AndAnd,
  OrOr,
  Question,
};

bool isName(K k) {
  return k == K::Identifier || (k >= K::Properties && k <= K::Requires);
}

// Token type -> K, from the grammar's vocabulary (its literal names are the quoted spellings).
std::vector<K> kindsOf(const antlr4::dfa::Vocabulary& vocabulary) {
  static const std::unordered_map<std::string_view, K> literals = {
      {"properties", K::Properties},
      {"methods", K::Methods},
      {"include", K::Include},
      {"namespace", K::Namespace},
      {"apicontract", K::Apicontract},
      {"delegate", K::Delegate},
      {"requires", K::Requires},
      {"import", K::Import},
      {"importlib", K::Importlib},
      {"cpp_quote", K::CppQuote},
      {"midl_pragma", K::MidlPragma},
      {"interface", K::Interface},
      {"dispinterface", K::Dispinterface},
      {"coclass", K::Coclass},
      {"library", K::Library},
      {"module", K::Module},
      {"typedef", K::Typedef},
      {"static", K::Static},
      {"const", K::Const},
      {"volatile", K::Volatile},
      {"extern", K::Extern},
      {"pipe", K::Pipe},
      {"unsigned", K::Unsigned},
      {"signed", K::Signed},
      {"small", K::IntWord},
      {"short", K::IntWord},
      {"long", K::IntWord},
      {"hyper", K::IntWord},
      {"int", K::IntWord},
      {"char", K::IntWord},
      {"__int8", K::IntWord},
      {"__int16", K::IntWord},
      {"__int32", K::IntWord},
      {"__int64", K::IntWord},
      {"__int3264", K::IntWord},
      {"boolean", K::BaseWord},
      {"byte", K::BaseWord},
      {"wchar_t", K::BaseWord},
      {"float", K::BaseWord},
      {"double", K::BaseWord},
      {"void", K::BaseWord},
      {"handle_t", K::BaseWord},
      {"error_status_t", K::BaseWord},
      {"struct", K::Struct},
      {"union", K::Union},
      {"enum", K::Enum},
      {"switch", K::Switch},
      {"case", K::Case},
      {"default", K::Default},
      {"sizeof", K::Sizeof},
      {";", K::Semicolon},
      {",", K::Comma},
      {"(", K::LParen},
      {")", K::RParen},
      {"{", K::LBrace},
      {"}", K::RBrace},
      {"[", K::LBracket},
      {"]", K::RBracket},
      {"<", K::Less},
      {">", K::Greater},
      {":", K::Colon},
      {".", K::Dot},
      {"->", K::Arrow},
      {"...", K::Ellipsis},
      {"=", K::Assign},
      {"*", K::Star},
      {"-", K::Minus},
      {"+", K::Plus},
      {"~", K::Tilde},
      {"!", K::Bang},
      {"&", K::Amp},
      {"/", K::Slash},
      {"%", K::Percent},
      {"<<", K::Shl},
      {">>", K::Shr},
      {"<=", K::LessEq},
      {">=", K::GreaterEq},
      {"==", K::EqEq},
      {"!=", K::NotEq},
      {"^", K::Caret},
      {"|", K::Pipe1},
      {"&&", K::AndAnd},
      {"||", K::OrOr},
      {"?", K::Question},
  };
  std::vector<K> kinds(vocabulary.getMaxTokenType() + 1, K::Other);
  for (size_t type = 1; type < kinds.size(); ++type) {
    std::string literal = vocabulary.getLiteralName(type);
    if (literal.size() >= 2 && literal.front() == '\'' && literal.back() == '\'') {
      auto found = literals.find(std::string_view(literal).substr(1, literal.size() - 2));
      if (found != literals.end()) kinds[type] = found->second;
      continue;
    }
    std::string symbol = vocabulary.getSymbolicName(type);
    if (symbol == "IDENTIFIER") kinds[type] = K::Identifier;
    if (symbol == "NUMBER") kinds[type] = K::Number;
    if (symbol == "CHAR_LITERAL") kinds[type] = K::CharLiteral;
    if (symbol == "STRING") kinds[type] = K::String;
    if (symbol == "PRAGMA_LINE") kinds[type] = K::PragmaLine;
    if (symbol == "CALL_CONV") kinds[type] = K::CallConv;
  }
  return kinds;
}

// Thrown where the parser declines; caught once, at the top.
struct Decline {};

// Deeper expression trees than this are left to ANTLR and the builder, which report those above 256.
constexpr int kMaxExpressionHeight = 250;

class DirectParser {
 public:
  DirectParser(const SourceText& source, antlr4::CharStream& input, const std::vector<LexedToken>& tokens,
               const std::vector<K>& kinds)
      : source_(source), input_(input), tokens_(tokens) {
    kinds_.reserve(tokens.size());
    for (const LexedToken& token : tokens) {
      const size_t type = token.type;
      kinds_.push_back(type == antlr4::Token::EOF ? K::Eof : type < kinds.size() ? kinds[type] : K::Other);
    }
    if (kinds_.empty() || kinds_.back() != K::Eof) throw Decline{};
  }

  ast::File file() {
    ast::File file;
    file.path = source_.name();
    while (kind() != K::Eof) definition(file.definitions, true);
    return file;
  }

 private:
  // ---------------------------------------------------------------- tokens

  K kind(size_t ahead = 0) const { return kinds_[std::min(pos_ + ahead, kinds_.size() - 1)]; }
  const LexedToken* token() const { return &tokens_[pos_]; }
  const LexedToken* next() {
    const LexedToken* t = &tokens_[pos_];
    if (kinds_[pos_] == K::Eof) throw Decline{};
    ++pos_;
    return t;
  }
  const LexedToken* expect(K k) {
    if (kind() != k) throw Decline{};
    return next();
  }
  bool accept(K k) {
    if (kind() != k) return false;
    ++pos_;
    return true;
  }
  const LexedToken* name() {
    if (!isName(kind())) throw Decline{};
    return next();
  }
  const LexedToken* previous() const { return &tokens_[pos_ - 1]; }
  Location at(const LexedToken* t) const { return source_.locate(t->line, t->column + 1, t->text); }
  std::string text(const LexedToken* t) const { return std::string(t->text); }
  // The text from `start` to `stop` as written (blanks and all).
  std::string sourceText(const LexedToken* start, const LexedToken* stop) const {
    return input_.getText(antlr4::misc::Interval(start->start, stop->stop));
  }
  // A literal the AST builder would report: ANTLR's path reports it.
  static void decline(const std::string&) { throw Decline{}; }

  // ---------------------------------------------------------------- definitions

  // definition (containers allowed) or interfaceMember.
  void definition(std::vector<ast::Definition>& out, bool containers) {
    switch (kind()) {
      case K::Import:
        next();
        do {
          const LexedToken* s = expect(K::String);
          out.emplace_back(ast::Import{stringLiteral(s->text, nullptr, decline), at(s)});
        } while (accept(K::Comma));
        expect(K::Semicolon);
        return;
      case K::Importlib: {
        if (!containers) throw Decline{};
        next();
        expect(K::LParen);
        const LexedToken* s = expect(K::String);
        expect(K::RParen);
        expect(K::Semicolon);
        out.emplace_back(ast::ImportLib{stringLiteral(s->text, nullptr, decline), at(s)});
        return;
      }
      case K::CppQuote:
        out.emplace_back(cppQuote(true));
        return;
      case K::MidlPragma:
        out.emplace_back(midlPragma());
        return;
      case K::PragmaLine: {
        const LexedToken* t = next();
        out.emplace_back(ast::Pragma{text(t), at(t), false});
        return;
      }
      case K::Semicolon:
        next();
        return;
      case K::Namespace:
        if (containers && namespaceAhead()) return void(out.emplace_back(namespaceDecl()));
        break;
      case K::Extern:
        return void(out.emplace_back(externDecl()));
      default:
        break;
    }
    ast::Attributes attrs = attributeList();
    switch (kind()) {
      case K::Interface:
        if (!containers) throw Decline{};
        return void(out.emplace_back(interfaceDecl(std::move(attrs))));
      case K::Dispinterface:
        if (!containers) throw Decline{};
        return void(out.emplace_back(dispinterfaceDecl(std::move(attrs))));
      case K::Coclass:
        if (!containers) throw Decline{};
        return void(out.emplace_back(coclassDecl(std::move(attrs))));
      case K::Library:
        if (!containers) throw Decline{};
        return void(out.emplace_back(libraryDecl(std::move(attrs))));
      case K::Module:
        if (!containers) throw Decline{};
        return void(out.emplace_back(moduleDecl(std::move(attrs))));
      case K::Apicontract:
        if (containers && isName(kind(1)) && kind(2) == K::LBrace) {
          auto contract = named<ast::Apicontract>(std::move(attrs));
          expect(K::LBrace);
          expect(K::RBrace);
          accept(K::Semicolon);
          return void(out.emplace_back(std::move(contract)));
        }
        break;
      case K::Delegate:
        // delegate T Name(...) or an operation returning a type named "delegate": delegate Name(...).
        if (containers && !(isName(kind(1)) && kind(2) == K::LParen) && kind(1) != K::LParen &&
            kind(1) != K::Star && kind(1) != K::CallConv)
          return void(out.emplace_back(delegateDecl(std::move(attrs))));
        break;
      case K::Typedef:
        return void(out.emplace_back(typedefDecl(std::move(attrs))));
      case K::Static:
        return void(out.emplace_back(constDecl(std::move(attrs))));
      case K::Const:
        if (constIsDeclaration()) return void(out.emplace_back(constDecl(std::move(attrs))));
        break;
      case K::Struct:
      case K::Union:
      case K::Enum: {
        // struct S {...}; declares the type; struct S *f(void); is an operation returning one.
        size_t start = pos_;
        ast::TagDecl tag;
        tag.location = at(token());
        tag.type.location = tag.location;
        taggedTypeSpec(tag.type);
        if (accept(K::Semicolon)) {
          tag.attributes = std::move(attrs);
          return void(out.emplace_back(std::move(tag)));
        }
        pos_ = start;
        break;
      }
      default:
        break;
    }
    out.emplace_back(operation(std::move(attrs)));
  }

  bool namespaceAhead() const {  // namespace A.B.C {
    size_t k = 1;
    if (!isName(kind(k))) return false;
    while (kind(k + 1) == K::Dot && isName(kind(k + 2))) k += 2;
    return kind(k + 1) == K::LBrace;
  }

  // After `[attrs] const`: a constant (const T x = v;) or an operation returning const T (const T f(...);).
  bool constIsDeclaration() {
    size_t start = pos_;
    typeSpec();
    pointers();
    bool declaration = true;
    if (kind() == K::CallConv) {
      declaration = false;
    } else if (isName(kind()) && kind(1) == K::LParen) {
      next();
      skipBalanced();
      if (kind() != K::Semicolon) throw Decline{};  // const T f(...) = n; is both: left to ANTLR
      declaration = false;
    }
    pos_ = start;
    return declaration;
  }

  // From a '(' past its matching ')'.
  void skipBalanced() {
    int depth = 0;
    do {
      K k = kind();
      if (k == K::LParen) ++depth;
      if (k == K::RParen) --depth;
      next();
    } while (depth > 0);
  }

  ast::CppQuote cppQuote(bool keep) {
    ast::CppQuote quote;
    const LexedToken* start = next();
    expect(K::LParen);
    do {
      const LexedToken* s = expect(K::String);
      if (keep) quote.text += stringLiteral(s->text, nullptr, decline);
    } while (kind() == K::String);
    expect(K::RParen);
    accept(K::Semicolon);
    if (keep) quote.location = at(start);
    return quote;
  }

  ast::Pragma midlPragma() {
    ast::Pragma pragma;
    const LexedToken* start = next();
    name();
    expect(K::LParen);
    while (kind() != K::RParen) next();
    next();
    accept(K::Semicolon);
    pragma.location = at(start);
    pragma.isMidlPragma = true;
    pragma.text = sourceText(start, previous());
    return pragma;
  }

  ast::Definition externDecl() {
    const LexedToken* start = next();
    typeSpec();
    do declarator();
    while (accept(K::Comma));
    expect(K::Semicolon);
    // extern const FMTID FMTID_Foo; declares a C symbol the header repeats as written.
    return ast::CppQuote{sourceText(start, previous()), at(start)};
  }

  std::unique_ptr<ast::Namespace> namespaceDecl() {
    next();
    auto ns = std::make_unique<ast::Namespace>();
    ns->location = at(token());
    ns->name = qualifiedName();
    body(ns->definitions, true);
    return ns;
  }

  std::string qualifiedName() {
    std::string out = text(name());
    while (kind() == K::Dot && isName(kind(1))) {
      next();
      out += "." + text(next());
    }
    return out;
  }

  std::vector<std::string> typeParams() {
    std::vector<std::string> out;
    if (!accept(K::Less)) return out;
    do out.push_back(text(name()));
    while (accept(K::Comma));
    expect(K::Greater);
    return out;
  }

  // `keyword name`, the head of a named declaration: the node with its attributes, name and location.
  template <typename Node>
  std::unique_ptr<Node> named(ast::Attributes attrs) {
    next();
    auto node = std::make_unique<Node>();
    node->attributes = std::move(attrs);
    const LexedToken* id = name();
    node->location = at(id);
    node->name = text(id);
    return node;
  }

  // '{' definition* '}' ';'? (interfaceMember* where containers are not allowed).
  void body(std::vector<ast::Definition>& out, bool containers) {
    expect(K::LBrace);
    while (kind() != K::RBrace) definition(out, containers);
    next();
    accept(K::Semicolon);
  }

  std::unique_ptr<ast::Interface> interfaceDecl(ast::Attributes attrs) {
    auto itf = named<ast::Interface>(std::move(attrs));
    itf->typeParams = typeParams();
    if (accept(K::Semicolon)) {
      itf->isForward = true;
      return itf;
    }
    if (accept(K::Colon)) {
      itf->baseLocation = at(token());
      itf->base = qualifiedName();
    }
    if (accept(K::Requires)) {  // WinRT: requires IIterable<T>, ... (nothing midlc keeps)
      do {
        ast::TypeRef ignored;
        typeName(ignored);
      } while (accept(K::Comma));
    }
    body(itf->members, false);
    return itf;
  }

  std::unique_ptr<ast::Delegate> delegateDecl(ast::Attributes attrs) {
    next();
    auto delegate = std::make_unique<ast::Delegate>();
    delegate->attributes = std::move(attrs);
    ast::Operation& invoke = delegate->invoke;
    invoke.returnType = typeSpec();
    invoke.returnPointers = pointers();
    const LexedToken* id = name();
    delegate->location = at(id);
    delegate->name = text(id);
    delegate->typeParams = typeParams();
    invoke.location = delegate->location;
    invoke.name = "Invoke";
    expect(K::LParen);
    if (kind() != K::RParen) invoke.params = paramList(&invoke.hasVarargs);
    expect(K::RParen);
    expect(K::Semicolon);
    return delegate;
  }

  std::unique_ptr<ast::Dispinterface> dispinterfaceDecl(ast::Attributes attrs) {
    auto disp = named<ast::Dispinterface>(std::move(attrs));
    if (accept(K::Semicolon)) {
      disp->isForward = true;
      return disp;
    }
    expect(K::LBrace);
    if (accept(K::Interface)) {
      disp->interfaceName = text(name());
      expect(K::Semicolon);
    } else {
      expect(K::Properties);
      expect(K::Colon);
      fields(disp->properties, K::Methods);
      expect(K::Methods);
      expect(K::Colon);
      while (kind() != K::RBrace) {
        if (kind() == K::PragmaLine) {
          next();
          continue;
        }
        ast::Attributes opAttrs = attributeList();
        disp->methods.push_back(operation(std::move(opAttrs)));
      }
    }
    expect(K::RBrace);
    accept(K::Semicolon);
    return disp;
  }

  std::unique_ptr<ast::Coclass> coclassDecl(ast::Attributes attrs) {
    auto coclass = named<ast::Coclass>(std::move(attrs));
    if (accept(K::Semicolon)) {
      coclass->isForward = true;
      return coclass;
    }
    expect(K::LBrace);
    while (kind() != K::RBrace) {
      ast::CoclassMember member;
      member.attributes = attributeList();
      if (kind() != K::Interface && kind() != K::Dispinterface) throw Decline{};
      member.isDispinterface = next()->text == "dispinterface";
      const LexedToken* memberName = name();
      member.location = at(memberName);
      member.name = text(memberName);
      expect(K::Semicolon);
      coclass->members.push_back(std::move(member));
    }
    next();
    accept(K::Semicolon);
    return coclass;
  }

  std::unique_ptr<ast::Library> libraryDecl(ast::Attributes attrs) {
    auto library = named<ast::Library>(std::move(attrs));
    body(library->definitions, true);
    return library;
  }

  std::unique_ptr<ast::Module> moduleDecl(ast::Attributes attrs) {
    auto module = named<ast::Module>(std::move(attrs));
    body(module->members, false);
    return module;
  }

  ast::Definition typedefDecl(ast::Attributes attrs) {
    next();
    ast::Typedef td;
    td.attributes = std::move(attrs);
    for (auto& a : attributeList()) td.attributes.push_back(std::move(a));
    td.type = typeSpec();
    do td.declarators.push_back(declarator());
    while (accept(K::Comma));
    expect(K::Semicolon);
    td.location = td.declarators.front().location;
    return td;
  }

  ast::Definition constDecl(ast::Attributes attrs) {
    accept(K::Static);
    expect(K::Const);
    ast::Const constant;
    constant.attributes = std::move(attrs);
    constant.type = typeSpec();
    constant.declarator = declarator();
    constant.location = constant.declarator.location;
    expect(K::Assign);
    constant.value = expression();
    expect(K::Semicolon);
    return constant;
  }

  ast::Operation operation(ast::Attributes attrs) {
    ast::Operation op;
    op.attributes = std::move(attrs);
    op.returnType = typeSpec();
    op.returnPointers = pointers();
    if (kind() == K::CallConv) op.callingConvention = text(next());
    const LexedToken* id = name();
    op.name = text(id);
    op.location = at(id);
    expect(K::LParen);
    if (kind() != K::RParen) op.params = paramList(&op.hasVarargs);
    expect(K::RParen);
    if (accept(K::Assign) && text(expect(K::Number)) != "0") throw Decline{};  // the builder reports it
    expect(K::Semicolon);
    return op;
  }

  std::vector<ast::Param> paramList(bool* hasVarargs) {
    std::vector<ast::Param> params;
    *hasVarargs = false;
    for (;;) {
      params.push_back(param());
      if (kind() != K::Comma) break;
      next();
      if (accept(K::Ellipsis)) {
        *hasVarargs = true;
        break;
      }
    }
    if (declaresNoParameters(params)) params.clear();
    return params;
  }

  // attributeList? typeSpec (declarator | pointer+)?
  ast::Param param() {
    ast::Param param;
    param.location = at(token());
    param.attributes = attributeList();
    param.type = typeSpec();
    size_t start = pos_;
    pointers();
    const bool named = isName(kind()) || kind() == K::LParen;
    pos_ = start;
    if (named) {
      param.declarator = declarator();
      if (!param.declarator.name.empty()) param.location = param.declarator.location;
    } else {
      param.declarator.location = param.location;
      param.declarator.pointers = pointers();
    }
    return param;
  }

  // ---------------------------------------------------------------- types

  static bool startsTypeOnly(K k) {  // a token that starts a typeSpec and never an expression
    return k == K::Const || k == K::Volatile || k == K::Unsigned || k == K::Signed || k == K::IntWord ||
           k == K::BaseWord || k == K::Struct || k == K::Union || k == K::Enum || k == K::Pipe;
  }

  ast::TypeRef typeSpec() {
    ast::TypeRef type;
    type.location = at(token());
    qualifiers(type);
    typeCore(type);
    qualifiers(type);
    return type;
  }

  void qualifiers(ast::TypeRef& type) {
    for (;;) {
      if (accept(K::Const))
        type.isConst = true;
      else if (accept(K::Volatile))
        type.isVolatile = true;
      else
        return;
    }
  }

  void typeCore(ast::TypeRef& type) {
    switch (kind()) {
      case K::Unsigned:
      case K::Signed:
      case K::IntWord:
      case K::BaseWord:
        return baseType(type);
      case K::Struct:
      case K::Union:
      case K::Enum:
        return taggedTypeSpec(type);
      case K::Pipe:
        next();
        type.kind = ast::TypeRef::Kind::Pipe;
        type.pipeElement = std::make_unique<ast::TypeRef>(typeSpec());
        return;
      default:
        break;
    }
    if (!isName(kind())) throw Decline{};
    if (kind(1) == K::LParen && text(token()) == "SAFEARRAY") {
      type.kind = ast::TypeRef::Kind::Safearray;
      type.name = text(next());
      next();
      type.safearrayElement = std::make_unique<ast::TypeRef>(typeSpec());
      type.safearrayPointers = static_cast<unsigned>(pointers().size());
      expect(K::RParen);
      return;
    }
    typeName(type);
  }

  void typeName(ast::TypeRef& type) {
    type.kind = ast::TypeRef::Kind::Named;
    type.name = qualifiedName();
    if (!accept(K::Less)) return;
    type.hasTypeArgs = true;
    do {
      type.typeArgs.push_back(std::make_unique<ast::TypeRef>(typeSpec()));
      pointers();
    } while (accept(K::Comma));
    expect(K::Greater);
  }

  void baseType(ast::TypeRef& type) {
    type.kind = ast::TypeRef::Kind::Base;
    if (kind() == K::BaseWord) {
      type.base = baseKeyword(next()->text);
      return;
    }
    if (kind() == K::Unsigned || kind() == K::Signed) {
      type.isUnsigned = kind() == K::Unsigned;
      type.isSigned = !type.isUnsigned;
      next();
      if (kind() != K::IntWord) {
        type.base = ast::BaseKeyword::Int;  // "unsigned" alone
        return;
      }
    }
    IntegerWords integer;
    while (kind() == K::IntWord)
      if (!integer.add(baseKeyword(next()->text))) throw Decline{};  // the builder reports the combination
    if (integer.tooLong()) throw Decline{};  // 'long long long', reported by the builder
    type.base = integer.type();
  }

  void taggedTypeSpec(ast::TypeRef& out) {
    switch (kind()) {
      case K::Struct:
        out.kind = ast::TypeRef::Kind::Struct;
        out.structDef = structSpec();
        out.name = out.structDef->tag;
        return;
      case K::Union:
        out.kind = ast::TypeRef::Kind::Union;
        out.unionDef = unionSpec();
        out.name = out.unionDef->tag;
        return;
      case K::Enum:
        out.kind = ast::TypeRef::Kind::Enum;
        out.enumDef = enumSpec();
        out.name = out.enumDef->tag;
        return;
      default:
        throw Decline{};
    }
  }

  std::unique_ptr<ast::StructDef> structSpec() {
    auto def = std::make_unique<ast::StructDef>();
    def->location = at(next());
    const bool tagged = isName(kind());
    if (tagged) {
      const LexedToken* id = next();
      def->tag = text(id);
      def->location = at(id);
    }
    if (accept(K::LBrace)) {
      bodyAllowed();
      fields(def->fields, K::RBrace);
      next();
      def->hasBody = true;
    } else if (!tagged) {
      throw Decline{};
    }
    return def;
  }

  // A type's body inside an expression (a cast or sizeof) would add to the builder's expression depth.
  void bodyAllowed() const {
    if (expressionDepth_ > 0) throw Decline{};
  }

  std::unique_ptr<ast::UnionDef> unionSpec() {
    auto def = std::make_unique<ast::UnionDef>();
    def->location = at(next());
    const bool tagged = isName(kind());
    if (tagged) {
      const LexedToken* id = next();
      def->tag = text(id);
      def->location = at(id);
    }
    if (accept(K::Switch)) {
      bodyAllowed();
      def->encapsulated = true;
      expect(K::LParen);
      def->switchType = std::make_unique<ast::TypeRef>(typeSpec());
      const LexedToken* switchName = name();
      def->switchName = text(switchName);
      def->switchLocation = at(switchName);
      expect(K::RParen);
      if (isName(kind())) def->armName = text(next());
      expect(K::LBrace);
      while (kind() != K::RBrace) def->cases.push_back(unionCase());
      next();
      def->hasBody = true;
    } else if (accept(K::LBrace)) {
      bodyAllowed();
      fields(def->fields, K::RBrace);
      next();
      def->hasBody = true;
    } else if (!tagged) {
      throw Decline{};
    }
    return def;
  }

  ast::UnionCase unionCase() {
    ast::UnionCase unionCase;
    unionCase.location = at(token());
    if (kind() != K::Case && kind() != K::Default) throw Decline{};
    while (kind() == K::Case || kind() == K::Default) {
      if (accept(K::Default)) {
        unionCase.isDefault = true;
      } else {
        next();
        unionCase.labels.push_back(expression());
      }
      expect(K::Colon);
    }
    ast::Field& arm = unionCase.arm;
    arm.location = at(token());
    arm.attributes = attributeList();
    if (accept(K::Semicolon)) {
      arm.type.kind = ast::TypeRef::Kind::Base;
      arm.type.base = ast::BaseKeyword::Void;
      return unionCase;
    }
    arm.type = typeSpec();
    arm.declarator = declarator();
    arm.location = arm.declarator->location;
    expect(K::Semicolon);
    return unionCase;
  }

  std::unique_ptr<ast::EnumDef> enumSpec() {
    auto def = std::make_unique<ast::EnumDef>();
    def->location = at(next());
    const bool tagged = isName(kind());
    if (tagged) {
      const LexedToken* id = next();
      def->tag = text(id);
      def->location = at(id);
    }
    if (!accept(K::LBrace)) {
      if (!tagged) throw Decline{};
      return def;
    }
    bodyAllowed();
    def->hasBody = true;
    while (kind() != K::RBrace) {
      ast::Enumerator enumerator;
      enumerator.attributes = attributeList();
      const LexedToken* id = name();
      enumerator.name = text(id);
      enumerator.location = at(id);
      if (accept(K::Assign)) enumerator.value = expression();
      def->enumerators.push_back(std::move(enumerator));
      if (!accept(K::Comma)) break;
    }
    expect(K::RBrace);
    return def;
  }

  // field* up to `end` (a '}' or, in a dispinterface, "methods :").
  void fields(std::vector<ast::Field>& out, K end) {
    for (;;) {
      K k = kind();
      if (k == end && (end != K::Methods || kind(1) == K::Colon)) return;
      if (k == K::PragmaLine) {  // no meaning inside a type body
        next();
        continue;
      }
      if (k == K::CppQuote) {
        cppQuote(false);
        continue;
      }
      field(out);
    }
  }

  void field(std::vector<ast::Field>& out) {
    const size_t attributesAt = pos_;
    const LexedToken* first = token();
    ast::Attributes attrs = attributeList();
    if (kind() == K::Semicolon) {  // [case(3)] ;  an empty arm
      next();
      out.push_back(emptyField(std::move(attrs), at(first)));
      return;
    }
    const size_t typeAt = pos_;
    if (kind() == K::Struct || kind() == K::Union || kind() == K::Enum) {  // anonymous member: struct {...};
      ast::Field field;
      field.location = at(token());
      field.type.location = field.location;
      taggedTypeSpec(field.type);
      if (accept(K::Semicolon)) {
        field.attributes = std::move(attrs);
        out.push_back(std::move(field));
        return;
      }
      pos_ = typeAt;
    }
    for (bool firstDeclarator = true;; firstDeclarator = false) {
      ast::Field field;
      if (firstDeclarator) {
        field.attributes = std::move(attrs);
        field.type = typeSpec();
      } else {
        // "long a, b;" : both fields share the type and the attributes as written, read again for each.
        const size_t resume = pos_;
        pos_ = attributesAt;
        field.attributes = attributeList();
        field.type = typeSpec();
        pos_ = resume;
        referByTag(field.type);
      }
      field.declarator = declarator();
      if (accept(K::Colon)) field.declarator->bitWidth = expression();
      field.location = field.declarator->location;
      out.push_back(std::move(field));
      if (!accept(K::Comma)) break;
    }
    expect(K::Semicolon);
  }

  std::vector<ast::PointerLevel> pointers() {
    std::vector<ast::PointerLevel> levels;
    while (accept(K::Star)) {
      ast::PointerLevel level;
      for (;;) {
        if (accept(K::Const))
          level.isConst = true;
        else if (!accept(K::Volatile))
          break;
      }
      levels.push_back(level);
    }
    return levels;
  }

  ast::Declarator declarator() {
    ast::Declarator decl;
    decl.location = at(token());
    decl.pointers = pointers();
    if (isName(kind())) {
      const LexedToken* id = next();
      decl.name = text(id);
      decl.location = at(id);
      if (accept(K::LParen)) {  // a function type: the pointers before the name belong to its return type
        decl.isFunction = true;
        if (kind() != K::RParen) decl.functionParams = paramList(&decl.functionVarargs);
        expect(K::RParen);
      } else {
        arrays(decl);
      }
      return decl;
    }
    if (kind() != K::LParen) throw Decline{};
    // '(' CALL_CONV? pointer+ name ')' '(' params ')' is a function pointer; '(' declarator ')' groups.
    size_t k = 1;
    if (kind(k) == K::CallConv) ++k;
    bool functionPointer = false;
    if (kind(k) == K::Star) {
      while (kind(k) == K::Star || kind(k) == K::Const || kind(k) == K::Volatile) ++k;
      functionPointer = isName(kind(k)) && kind(k + 1) == K::RParen && kind(k + 2) == K::LParen;
    }
    next();
    if (functionPointer) {
      decl.isFunctionPointer = true;
      if (kind() == K::CallConv) decl.callingConvention = text(next());
      // The pointers inside the parentheses point to the function.
      for (auto& level : pointers()) decl.pointers.push_back(level);
      const LexedToken* id = name();
      decl.name = text(id);
      decl.location = at(id);
      expect(K::RParen);
      expect(K::LParen);
      if (kind() != K::RParen) decl.functionParams = paramList(&decl.functionVarargs);
      expect(K::RParen);
      return decl;
    }
    ast::Declarator inner = declarator();
    expect(K::RParen);
    decl.name = inner.name;
    decl.location = inner.location;
    for (auto& level : inner.pointers) decl.pointers.push_back(level);
    for (auto& dim : inner.arrays) decl.arrays.push_back(std::move(dim));
    arrays(decl);
    return decl;
  }

  void arrays(ast::Declarator& decl) {
    while (kind() == K::LBracket) {
      ast::ArrayDim dim;
      dim.location = at(next());
      if (kind() == K::Star && kind(1) == K::RBracket) {
        next();
        dim.star = true;
      } else if (kind() != K::RBracket) {
        dim.size = expression();
      }
      expect(K::RBracket);
      decl.arrays.push_back(std::move(dim));
    }
  }

  // ---------------------------------------------------------------- attributes

  // ('[' attribute? (',' attribute?)* ']')*
  ast::Attributes attributeList() {
    ast::Attributes out;
    while (accept(K::LBracket)) {
      for (;;) {
        if (kind() != K::Comma && kind() != K::RBracket) out.push_back(attribute());
        if (accept(K::Comma)) continue;
        expect(K::RBracket);
        break;
      }
    }
    return out;
  }

  ast::Attribute attribute() {
    ast::Attribute attr;
    const LexedToken* start = token();
    attr.location = at(start);
    const K k = kind();
    if (k == K::Identifier && kind(1) == K::LParen) {
      const std::string word = text(start);
      // uuid(...) and async_uuid(...): a GUID as written, not an expression (uuid() is an empty list).
      if ((word == "uuid" || word == "async_uuid") && kind(2) != K::RParen) {
        next();
        next();
        attr.name = word;
        attr.hasParens = true;
        const LexedToken* guidStart = token();
        while (kind() != K::RParen) next();
        attr.args.push_back(guid(guidStart, previous()));
        next();
        return attr;
      }
      // custom(GUID, value): the GUID may be unquoted; without a ',' after it, an ordinary argument list.
      if (word == "custom" && kind(2) != K::Comma) {
        size_t k2 = 2;
        while (kind(k2) != K::Comma && kind(k2) != K::RParen && kind(k2) != K::Eof) ++k2;
        if (kind(k2) == K::Comma) {
          next();
          next();
          attr.name = word;
          attr.hasParens = true;
          const LexedToken* guidStart = token();
          while (kind() != K::Comma) next();
          attr.args.push_back(guid(guidStart, previous()));
          next();
          attrArgs(attr);
          expect(K::RParen);
          return attr;
        }
      }
    }
    // attributeName: a name, or one of the keywords that are attribute names too.
    if (!isName(k) && k != K::Default && k != K::Pipe && k != K::Case && k != K::Const &&
        !(k == K::BaseWord && text(start) == "handle_t") && k != K::Switch)
      throw Decline{};
    attr.name = text(next());
    if (accept(K::LParen)) {
      attr.hasParens = true;
      attrArgs(attr);
      expect(K::RParen);
    }
    return attr;
  }

  // A GUID as written, quoted or not: its text without the quotes and blanks.
  ast::AttributeArg guid(const LexedToken* start, const LexedToken* stop) {
    ast::AttributeArg arg;
    arg.location = at(start);
    std::string text = sourceText(start, stop);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
    for (char c : text)
      if (!std::isspace(static_cast<unsigned char>(c))) arg.text += c;
    return arg;
  }

  // attrArg? (',' attrArg?)*, keeping the empty positions as the builder does.
  void attrArgs(ast::Attribute& attr) {
    ast::AttributeArg current;
    current.location = at(token());
    for (;;) {
      if (kind() != K::Comma && kind() != K::RParen) attrArg(current);
      if (kind() != K::Comma) break;
      attr.args.push_back(std::move(current));
      current = ast::AttributeArg{};
      current.location = at(next());
    }
    if (!attr.args.empty() || !current.empty()) attr.args.push_back(std::move(current));
  }

  // expression | typeSpec declarator?  -- the expression where both read (size_is(n), iid_is(riid)).
  void attrArg(ast::AttributeArg& arg) {
    const LexedToken* start = token();
    bool asType = startsTypeOnly(kind());
    if (!asType && isName(kind())) {
      if (kind(1) == K::LParen && text(start) == "SAFEARRAY") {
        asType = true;
      } else {
        size_t k = 1;
        while (kind(k) == K::Dot && isName(kind(k + 1))) k += 2;
        K after = kind(k);
        if (isName(after) || after == K::Const || after == K::Volatile) {
          asType = true;  // T name, T const: no expression
        } else if (after == K::Less || after == K::LParen) {
          throw Decline{};
        } else if (after == K::Star) {
          // n * m or T *p: the expression if it reads to the end of the argument, else left to ANTLR.
          size_t resume = pos_;
          expression();
          if (kind() != K::Comma && kind() != K::RParen) throw Decline{};
          pos_ = resume;
        }
      }
    }
    arg.location = at(start);
    if (asType) {
      arg.type = std::make_unique<ast::TypeRef>(typeSpec());
      if (kind() == K::Star || isName(kind()) || kind() == K::LParen) {
        ast::Declarator decl = declarator();
        arg.declaredName = decl.name;
        arg.pointerLevels = static_cast<unsigned>(decl.pointers.size());
      }
    } else {
      arg.expr = expression();
    }
    arg.text = sourceText(start, previous());
  }

  // ---------------------------------------------------------------- expressions

  // The grammar's precedence climbing: a binary operator binds at its level when that is at least
  // `minimum` (ANTLR's precpred), its right operand one level up; '?:' nests to the right.
  struct Built {
    std::unique_ptr<ast::Expr> expr;
    int height = 1;  // in the builder's expression contexts (a parenthesized operand is two)
  };

  std::unique_ptr<ast::Expr> expression() {
    Built built = expression(0);
    return std::move(built.expr);
  }

  static int binaryLevel(K k) {
    switch (k) {
      case K::Star:
      case K::Slash:
      case K::Percent:
        return 11;
      case K::Plus:
      case K::Minus:
        return 10;
      case K::Shl:
      case K::Shr:
        return 9;
      case K::Less:
      case K::Greater:
      case K::LessEq:
      case K::GreaterEq:
        return 8;
      case K::EqEq:
      case K::NotEq:
        return 7;
      case K::Amp:
        return 6;
      case K::Caret:
        return 5;
      case K::Pipe1:
        return 4;
      case K::AndAnd:
        return 3;
      case K::OrOr:
        return 2;
      default:
        return 0;
    }
  }

  Built expression(int minimum) {
    struct Depth {
      int& depth;
      explicit Depth(int& d) : depth(d) { ++depth; }
      ~Depth() { --depth; }
    } depth(expressionDepth_);
    const LexedToken* start = token();
    Built left = prefix();
    for (;;) {
      K k = kind();
      Built made;
      made.expr = std::make_unique<ast::Expr>();
      ast::Expr& e = *made.expr;
      if ((k == K::Dot || k == K::Arrow) && minimum <= 16) {
        const LexedToken* op = next();
        const LexedToken* id = name();
        e.kind = ast::Expr::Kind::Member;
        e.text = text(op);
        e.location = at(op);
        auto member = std::make_unique<ast::Expr>();
        member->kind = ast::Expr::Kind::Name;
        member->text = text(id);
        member->location = at(id);
        made.height = left.height + 1;
        e.operands.push_back(std::move(left.expr));
        e.operands.push_back(std::move(member));
      } else if (k == K::LBracket && minimum <= 15) {
        next();
        Built index = expression(0);
        expect(K::RBracket);
        e.kind = ast::Expr::Kind::Index;
        e.text = "[]";
        e.location = at(start);
        made.height = std::max(left.height, index.height) + 1;
        e.operands.push_back(std::move(left.expr));
        e.operands.push_back(std::move(index.expr));
      } else if (int level = binaryLevel(k); level > 0 && minimum <= level) {
        const LexedToken* op = next();
        Built right = expression(level + 1);
        e.kind = ast::Expr::Kind::Binary;
        e.text = text(op);
        e.location = at(op);
        // (ULONG)*pcount and (HBODY)-1: a parenthesized name before an operator that can also be unary.
        if (left.expr->kind == ast::Expr::Kind::Name && left.expr->parenthesized &&
            (k == K::Star || k == K::Minus || k == K::Plus || k == K::Amp))
          e.castCandidate = true;
        made.height = std::max(left.height, right.height) + 1;
        e.operands.push_back(std::move(left.expr));
        e.operands.push_back(std::move(right.expr));
      } else if (k == K::Question && minimum <= 1) {
        next();
        Built then = expression(0);
        expect(K::Colon);
        Built otherwise = expression(1);
        e.kind = ast::Expr::Kind::Conditional;
        e.text = "?:";
        e.location = at(start);
        made.height = std::max({left.height, then.height, otherwise.height}) + 1;
        e.operands.push_back(std::move(left.expr));
        e.operands.push_back(std::move(then.expr));
        e.operands.push_back(std::move(otherwise.expr));
      } else {
        return left;
      }
      if (made.height > kMaxExpressionHeight) throw Decline{};
      left = std::move(made);
    }
  }

  Built prefix() {
    Built made;
    made.expr = std::make_unique<ast::Expr>();
    ast::Expr& e = *made.expr;
    const LexedToken* start = token();
    e.location = at(start);
    switch (kind()) {
      case K::Minus:
      case K::Plus:
      case K::Tilde:
      case K::Bang:
      case K::Star:
      case K::Amp: {
        next();
        e.kind = ast::Expr::Kind::Unary;
        e.text = text(start);
        Built operand = expression(14);
        made.height = operand.height + 1;
        e.operands.push_back(std::move(operand.expr));
        break;
      }
      case K::Sizeof:
        next();
        expect(K::LParen);
        e.kind = ast::Expr::Kind::Sizeof;
        e.type = std::make_unique<ast::TypeRef>(typeSpec());
        e.pointerLevels = static_cast<unsigned>(pointers().size());
        expect(K::RParen);
        break;
      case K::LParen:
        if (isCast()) {
          next();
          e.kind = ast::Expr::Kind::Cast;
          e.type = std::make_unique<ast::TypeRef>(typeSpec());
          e.pointerLevels = static_cast<unsigned>(pointers().size());
          expect(K::RParen);
          Built operand = expression(13);
          made.height = operand.height + 1;
          e.operands.push_back(std::move(operand.expr));
        } else {
          next();
          Built inner = expression(0);
          expect(K::RParen);
          inner.expr->parenthesized = true;
          inner.height += 1;
          made = std::move(inner);
        }
        break;
      case K::Number:
        numberLiteral(next()->text, e, decline);
        break;
      case K::CharLiteral:
        charLiteral(next()->text, e, decline);
        break;
      case K::String:
        e.kind = ast::Expr::Kind::String;
        while (kind() == K::String) {
          bool wide = false;
          e.stringValue += stringLiteral(next()->text, &wide, decline);
          e.isWide = e.isWide || wide;
        }
        e.text = sourceText(start, previous());
        break;
      default:
        e.kind = ast::Expr::Kind::Name;
        e.text = text(name());
        break;
    }
    if (made.height > kMaxExpressionHeight) throw Decline{};
    return made;
  }

  // At '(': a cast "(T *) x" or a parenthesized expression "(x)". "(name)" (or "(A.B)") reads as both: a
  // cast if an operand follows that no binary operator could take, else the parenthesized name, as ANTLR
  // chooses its first alternative where both parse ("(HBODY)-1": the builder marks it a cast candidate).
  bool isCast() {
    const size_t start = pos_;
    K first = kind(1);
    if (!startsTypeOnly(first) && !isName(first)) return false;
    if (isName(first)) {
      size_t k = 2;
      while (kind(k) == K::Dot && isName(kind(k + 1))) k += 2;
      if (kind(k) == K::RParen) {
        K after = kind(k + 1);
        return isName(after) || after == K::Number || after == K::CharLiteral || after == K::String ||
               after == K::LParen || after == K::Sizeof || after == K::Tilde || after == K::Bang;
      }
    }
    // Anything else that reads as a type up to its ')' is a cast (no expression reads so); else not.
    bool type = false;
    try {
      next();
      typeSpec();
      pointers();
      type = kind() == K::RParen;
    } catch (Decline&) {
      type = false;
    }
    pos_ = start;
    return type;
  }

  const SourceText& source_;
  antlr4::CharStream& input_;
  const std::vector<LexedToken>& tokens_;
  std::vector<K> kinds_;
  size_t pos_ = 0;
  int expressionDepth_ = 0;
};

}  // namespace

std::optional<ast::File> parseIdlDirectly(const SourceText& source, antlr4::CharStream& input,
                                          const std::vector<LexedToken>& tokens,
                                          const antlr4::dfa::Vocabulary& vocabulary) {
  static const std::vector<K> kinds = kindsOf(vocabulary);
  try {
    DirectParser parser(source, input, tokens, kinds);
    return parser.file();
  } catch (Decline&) {
    return std::nullopt;
  }
}

}  // namespace midlc::frontend
