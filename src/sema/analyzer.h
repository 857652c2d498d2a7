// The analyzer's internal state; its work is split across analyzer_{decls,types,exprs,acf}.cpp.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "sema/analyze.h"
#include "sema/attributes.h"

namespace midlc::sema {

// How deep types may nest (see Analyzer::checkTypeNesting); documented in the README (compiler limits).
constexpr uint32_t kMaxTypeNesting = 256;

class Analyzer {
 public:
  Analyzer(Model& model, Diagnostics& diagnostics) : m_(model), d_(diagnostics), checker_(diagnostics) {}

  void file(const ast::File& file, bool isMain);
  void acf(const ast::AcfFile& acf);
  void finalChecks();

  // Declarations (analyzer_decls.cpp).
  void definition(const ast::Definition& def, std::vector<Item>& out);
  const InterfaceDecl* interfaceDecl(const ast::Interface& itf, std::vector<Item>& out);
  // WinRT: a delegate is an object interface deriving from IUnknown with one method, Invoke (widl).
  void delegateDecl(const ast::Delegate& d, std::vector<Item>& out);
  void typedefDecl(const ast::Typedef& td, std::vector<Item>& out);
  // The type attributes that change how the type defined here travels: [v1_enum] on an enum, and
  // [switch_type] on a non-encapsulated union, bound into the enum's and union's declarations.
  void bindTypeAttributes(const ast::Attributes& attrs, const Type* type);
  // transmit_as, wire_marshal, user_marshal (IDL) and represent_as (ACF) on a typedef.
  void bindConversion(const ast::Attributes& attrs, TypedefDecl& decl);
  // An attribute argument that names a type: switch_type(unsigned short), transmit_as(WIRE_T). A plain
  // name parses as an expression, so it is looked up here.
  const Type* attributeType(const ast::AttributeArg& arg);
  // [range(min, max)] on a parameter or field of type `type`: its bounds, and whether they bound a value or
  // the length of a string or conformant array.
  void rangeAttribute(const ast::Attributes& attrs, const Type* type, const Expr*& min, const Expr*& max,
                      bool& ofLength);
  void constDecl(const ast::Const& c, std::vector<Item>& out);
  // [implicit_handle], [explicit_handle] or [auto_handle] on an interface, in the ACF or (as widl and
  // MIDL's /app_config allow) in the IDL file's interface header: the binding it chooses, or nothing.
  struct Binding {
    HandleKind kind = HandleKind::Explicit;
    std::string type;  // implicit_handle: the handle's type and name
    std::string name;
    const ast::Attribute* attribute = nullptr;
  };
  std::optional<Binding> bindingAttribute(const ast::Attributes& attrs, const std::string& itfName);
  void bindCallAs(InterfaceDecl& itf);
  void pickleInterface(InterfaceDecl& itf, const ast::AcfInterface& acf);
  // [cpp_view] from the ACF on the interface, its operations and their parameters: marks the parameters that
  // may be views; one named on its own that may not is an error.
  void views(InterfaceDecl& itf, const ast::AcfInterface& acf);
  void operation(const ast::Operation& op, InterfaceDecl& itf, uint32_t opnum);
  void params(const std::vector<ast::Param>& in, std::vector<Param>& out, bool topLevel,
              bool marshaled = false);
  bool declare(Decl* decl);
  template <typename T>
  T* make() {
    auto owned = std::make_unique<T>();
    T* raw = owned.get();
    raw->file = file_;
    raw->imported = imported_;
    raw->winrtNamespace = namespace_;
    m_.decls.push_back(std::move(owned));
    return raw;
  }

  // Types (analyzer_types.cpp).
  // The type named by a type specifier; defines the struct/union/enum written in it.
  const Type* typeSpec(const ast::TypeRef& ref, std::vector<Item>* out, const std::string& typedefName = {});
  // The type of a declarator over `base`, with the attributes that apply to its levels.
  enum class Context { Param, Field, Typedef, Return, Other };
  const Type* declaratorType(const Type* base, const ast::Declarator& decl, const ast::Attributes& attrs,
                             Context context, const std::string& what);
  // The parts of declaratorType(): a function pointer; the pointer and array levels a declarator writes
  // (outermost first) and the type they make; the pointer kinds of those levels; size_is and friends,
  // one argument per level; and [string], on the level just above the characters.
  struct Levels {
    std::vector<Type*> levels;
    const Type* top = nullptr;
  };
  const Type* functionPointerType(const Type* base, const ast::Declarator& decl);
  const Type* functionType(const Type* base, const ast::Declarator& decl, Context context,
                           const std::string& what);
  Levels declaratorLevels(const Type* base, const ast::Declarator& decl, const std::string& what);
  void pointerKinds(std::vector<Type*>& levels, const char* explicitKind, Context context,
                    const Location& where, const std::string& what);
  void sizingAttributes(std::vector<Type*>& levels, const ast::Attributes& attrs, const std::string& what);
  void stringAttribute(Levels& levels, const Type* base, const ast::Attribute& str, const std::string& what);
  Decl* tagDecl(const ast::TypeRef& ref, std::vector<Item>* out, const std::string& typedefName);
  void structBody(const ast::StructDef& def, StructDecl& decl);
  void unionBody(const ast::UnionDef& def, UnionDecl& decl, const ast::Attributes& typeAttrs);
  void enumBody(const ast::EnumDef& def, EnumDecl& decl);
  void fieldList(const std::vector<ast::Field>& in, std::vector<Field>& out);
  Type* newType(Type::Kind kind) {
    m_.types.emplace_back();
    m_.types.back().kind = kind;
    return &m_.types.back();
  }

  // Expressions (analyzer_exprs.cpp).
  struct Scope {
    const std::vector<Field>* fields = nullptr;
    const std::vector<Param>* params = nullptr;
  };
  const Expr* expr(const ast::Expr& e, const Scope& scope);
  // The parts of expr(): (T)-1 when T names a type (nothing if it does not; null after an error), literals,
  // names (fields, parameters, constants), sizeof, and a binary operator's folding (false after an error).
  std::optional<const Expr*> castOfNamedType(const ast::Expr& e, const Scope& scope, Expr& out);
  void literal(const ast::Expr& e, Expr& out);
  const Expr* name(const ast::Expr& e, const Scope& scope, Expr& out);
  const Expr* sizeOf(const ast::Expr& e, Expr& out);
  bool foldBinary(const ast::Expr& e, Expr& out);
  const Expr* constantExpr(const ast::Expr& e, const char* what);
  // A correlation attribute's argument (size_is, switch_is, ...): must name an integer field/param.
  const Expr* correlation(const ast::AttributeArg& arg, const Scope& scope, const std::string& attribute);

  // Helpers.
  static const Type* resolve(const Type* t);  // follows typedefs
  static bool isIntegerType(const Type* t);
  static bool isCharType(const Type* t);
  std::vector<Attribute> convert(const ast::Attributes& attrs, bool fromAcf = false);
  std::optional<Uuid> uuidAttribute(const ast::Attributes& attrs, const char* name);
  std::string typeText(const Type* t) const;

  // Unknown names (analyzer_suggest.cpp): "; did you mean 'X'?" for a near name in scope, or empty;
  // the base IDL file (unknwn.idl, wtypes.idl, objidl.idl) that defines a name, and a note to import it.
  std::vector<std::string> declNames(bool (*accept)(const Decl&)) const;
  std::string typeSuggestion(const std::string& name) const;
  std::string identifierSuggestion(const std::string& name, const Scope& scope) const;
  std::string interfaceSuggestion(const std::string& name) const;
  static const std::string_view* baseIdlFileOf(const std::string& name);
  void noteBaseImport(const std::string& name, const Location& where);

  Model& m_;
  Diagnostics& d_;
  AttributeChecker checker_;
  std::string file_;
  bool imported_ = false;
  InterfaceDecl* currentInterface_ = nullptr;
  // The operations of the interface being analyzed, by name (each its index in operations): the duplicate
  // check is a hash lookup, so an interface of a million operations is checked in linear time.
  std::unordered_map<std::string, size_t> operationIndex_;
  Scope scope_;
  // Anonymous structs, unions and enums are named after their file and their place in it, so that each
  // file's generated header names them alike whether it is generated alone or as an import of another.
  std::map<std::string, int> anonymousCount_;  // per file
  std::string anonymousName();
  std::string memberName(const Type* type, const std::vector<Field>& fields);  // an unnamed member's
  // Set while the parameters of a [local] interface or operation are read: nothing of theirs is
  // marshaled, so widl resolves their correlation expressions only when writing stubs, never for them.
  bool localParams_ = false;
  bool insideLibrary_ = false;  // analyzing a library block's contents
  std::string namespace_;       // the WinRT namespace being analyzed, dotted
  // A name as written: FOO, or a WinRT qualified Windows.Foundation.FOO (names are kept unqualified).
  const Decl* findName(const std::string& name) const;
  // WinRT: a parameterized interface or delegate is a template; widl writes nothing for it until it is
  // instantiated. It is declared (as a forward interface) so that uses of it resolve; its body is not read.
  void parameterizedDecl(const std::string& name, const Location& location, std::vector<Item>& out);
  // Analyzes the file an import statement names, at the statement, as widl does: the imported file sees
  // what the importing file declared before it (videoacc.idl defines DDSCAPS2, then imports amva.h).
  std::function<void(const ast::Import&, const std::string& importer)> onImport_;
  bool silentUnknownNames_ = false;
  // Interfaces whose base was only forward-declared when they were defined; widl accepts the base's
  // definition later in the files, so finalChecks() binds them (and their opnums) then.
  struct PendingBase {
    InterfaceDecl* itf;
    std::string base;
    Location location;
  };
  std::vector<PendingBase> pendingBases_;
  void bindPendingBases();
  void checkValueCycles();
  // Types nested more than kMaxTypeNesting deep (through fields, arms, pointers, arrays and typedefs) are
  // refused, so every later walk over a type (sema's checks, the code generator's) stays shallow. A typedef
  // chain is measured where it is declared (typedefHops_: each typedef's hops to a type that is not one),
  // since resolving each link of it would otherwise cost its whole length; the rest once every type is
  // known, without recursion. After the first such error, nothing more is analyzed (typeNestingRefused_).
  std::unordered_map<const Decl*, uint32_t> typedefHops_;
  bool typeNestingRefused_ = false;
  void refuseTypeNesting(const Location& where, const std::string& what);
  bool checkTypeNesting();
  void inferSwitchTypes();
  const Type* switchExpressionType(const Expr* e);
  // Where an interface is made asynchronous: its [async_uuid], or the ACF's [async] on it or on one of its
  // operations; the interface itself if none of these has a location.
  static Location asyncRequest(const InterfaceDecl& itf);
};

}  // namespace midlc::sema
