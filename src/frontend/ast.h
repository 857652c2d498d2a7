// The syntax tree of an IDL or ACF file, as written: no name is resolved here. Every node has its location.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "support/source.h"

namespace midlc::ast {

struct TypeRef;

struct Expr {
  enum class Kind {
    Integer,
    Float,
    Char,
    String,
    Name,
    Unary,
    Binary,
    Conditional,
    Member,
    Index,
    Cast,
    Sizeof
  };
  Kind kind = Kind::Integer;
  Location location;
  std::string text;  // literal spelling, name, or operator ("-", "<<", "->", ...)
  // Integer and Char literals: the value; `isUnsigned` from a u/U suffix or a value above INT64_MAX.
  uint64_t intValue = 0;
  bool isUnsigned = false;
  double floatValue = 0;
  std::string stringValue;  // String: the unescaped bytes (UTF-8 for wide literals)
  bool isWide = false;      // L"..." or L'...'
  std::vector<std::unique_ptr<Expr>> operands;
  std::unique_ptr<TypeRef> type;  // Cast and Sizeof
  bool parenthesized = false;     // written inside parentheses
  // Binary "(T) op x" with op one of * - + &: the parser cannot tell the cast "(T)(op x)" from "(n) op x";
  // sema reads it as the cast when T names a type.
  bool castCandidate = false;
  unsigned pointerLevels = 0;  // Cast and Sizeof: "(long*)"
};

// One argument of an attribute: an expression, a type (switch_type(short)), a declaration
// (implicit_handle(handle_t h)), nothing (size_is(, n)), or raw text (uuid(...)).
struct AttributeArg {
  Location location;
  std::string text;  // the source text of the argument
  std::unique_ptr<Expr> expr;
  std::unique_ptr<TypeRef> type;
  std::string declaredName;
  unsigned pointerLevels = 0;
  bool empty() const { return !expr && !type && text.empty(); }
};

struct Attribute {
  std::string name;
  Location location;
  bool hasParens = false;
  std::vector<AttributeArg> args;
};

using Attributes = std::vector<Attribute>;

const Attribute* findAttribute(const Attributes& attributes, std::string_view name);

struct Declarator;
struct Param;

enum class BaseKeyword {
  None,
  Boolean,
  Byte,
  Char,
  WChar,
  Small,
  Short,
  Long,
  LongLong,
  Hyper,
  Int,
  Int8,
  Int16,
  Int32,
  Int64,
  Int3264,
  Float,
  Double,
  Void,
  HandleT,
  ErrorStatusT
};

struct StructDef;
struct UnionDef;
struct EnumDef;

// A type specifier as written: `const unsigned long`, `struct _FOO { ... }`, `PFOO`, `pipe char`.
struct TypeRef {
  enum class Kind { Base, Named, Struct, Union, Enum, Pipe, Safearray };
  Kind kind = Kind::Base;
  Location location;
  bool isConst = false;
  bool isVolatile = false;
  BaseKeyword base = BaseKeyword::None;
  bool isUnsigned = false;
  bool isSigned = false;
  std::string name;  // Named: the type name (WinRT: qualified, A.B.C); Struct/Union/Enum: the tag
  // Struct/Union/Enum with a body: the definition written here.
  std::unique_ptr<StructDef> structDef;
  std::unique_ptr<UnionDef> unionDef;
  std::unique_ptr<EnumDef> enumDef;
  std::unique_ptr<TypeRef> pipeElement;  // Pipe
  // Safearray: SAFEARRAY(element *...), an automation array of `element` with that many pointers.
  std::unique_ptr<TypeRef> safearrayElement;
  unsigned safearrayPointers = 0;
  // Named, WinRT: the arguments of a parameterized type, IVector<HSTRING> (their pointers are dropped).
  std::vector<std::unique_ptr<TypeRef>> typeArgs;
  bool hasTypeArgs = false;
};

struct ArrayDim {
  Location location;
  std::unique_ptr<Expr> size;  // null for [] and [*]
  bool star = false;
};

struct PointerLevel {
  bool isConst = false;
};

struct Declarator {
  std::string name;  // may be empty for unnamed parameters
  Location location;
  std::vector<PointerLevel> pointers;  // outermost first, as written left to right
  std::vector<ArrayDim> arrays;
  bool isFunctionPointer = false;
  bool isFunction = false;       // name(params): a function type (typedef int fn(const char*, ...);)
  bool functionVarargs = false;  // the parameters end with ...
  std::string callingConvention;
  std::vector<Param> functionParams;
  std::unique_ptr<Expr> bitWidth;
};

struct Param {
  Attributes attributes;
  Location location;
  TypeRef type;
  Declarator declarator;
};

struct Field {
  Attributes attributes;
  Location location;
  TypeRef type;
  std::optional<Declarator> declarator;  // absent: an empty union arm or an anonymous struct/union member
};

struct StructDef {
  std::string tag;
  Location location;
  bool hasBody = false;
  std::vector<Field> fields;
};

struct UnionCase {
  Location location;
  std::vector<std::unique_ptr<Expr>> labels;
  bool isDefault = false;
  Field arm;  // arm.declarator is empty for an empty arm
};

struct UnionDef {
  std::string tag;
  Location location;
  bool hasBody = false;
  bool encapsulated = false;
  // Encapsulated: union U switch (long kind) armName { case ...: }
  std::unique_ptr<TypeRef> switchType;
  std::string switchName;
  Location switchLocation;
  std::string armName;
  std::vector<UnionCase> cases;  // encapsulated: from case labels; otherwise from [case]/[default] attributes
  std::vector<Field> fields;     // non-encapsulated: the arms as written
};

struct Enumerator {
  std::string name;
  Location location;
  Attributes attributes;
  std::unique_ptr<Expr> value;
};

struct EnumDef {
  std::string tag;
  Location location;
  bool hasBody = false;
  std::vector<Enumerator> enumerators;
};

struct Typedef {
  Attributes attributes;
  Location location;
  TypeRef type;
  std::vector<Declarator> declarators;
};

struct Const {
  Attributes attributes;
  Location location;
  TypeRef type;
  Declarator declarator;
  std::unique_ptr<Expr> value;
};

// struct/union/enum written on its own: a definition or a forward declaration.
struct TagDecl {
  Attributes attributes;
  Location location;
  TypeRef type;
};

struct Operation {
  Attributes attributes;
  Location location;
  TypeRef returnType;
  std::vector<PointerLevel> returnPointers;
  std::string callingConvention;
  std::string name;
  std::vector<Param> params;
  bool hasVarargs = false;
};

struct Import {
  std::string path;
  Location location;
};

struct ImportLib {
  std::string path;
  Location location;
};

struct CppQuote {
  std::string text;
  Location location;
};

// A #pragma line passed through, or a midl_pragma directive.
struct Pragma {
  std::string text;
  Location location;
  bool isMidlPragma = false;
};

struct Interface;
struct Dispinterface;
struct Coclass;
struct Library;
struct Module;
struct Namespace;
struct Apicontract;
struct Delegate;

using Definition =
    std::variant<Import, ImportLib, CppQuote, Pragma, Typedef, Const, TagDecl, Operation,
                 std::unique_ptr<Interface>, std::unique_ptr<Dispinterface>, std::unique_ptr<Coclass>,
                 std::unique_ptr<Library>, std::unique_ptr<Module>, std::unique_ptr<Namespace>,
                 std::unique_ptr<Apicontract>, std::unique_ptr<Delegate>>;

struct Interface {
  Attributes attributes;
  Location location;
  std::string name;
  std::string base;
  Location baseLocation;
  bool isForward = false;
  std::vector<Definition> members;      // Typedef, Const, TagDecl, Operation, CppQuote, Import, Pragma
  std::vector<std::string> typeParams;  // WinRT: interface IVector<T>, a parameterized interface
};

// WinRT (widl): namespace Windows.Foundation { ... }
struct Namespace {
  Location location;
  std::string name;  // as written, possibly qualified
  std::vector<Definition> definitions;
};

// WinRT: [contractversion(4)] apicontract FoundationContract {}
struct Apicontract {
  Attributes attributes;
  Location location;
  std::string name;
};

// WinRT: delegate HRESULT Handler<T>([in] T args); an interface with one method, Invoke.
struct Delegate {
  Attributes attributes;
  Location location;
  std::string name;
  std::vector<std::string> typeParams;
  Operation invoke;
};

struct Dispinterface {
  Attributes attributes;
  Location location;
  std::string name;
  bool isForward = false;
  std::vector<Field> properties;
  std::vector<Operation> methods;
  std::string interfaceName;  // dispinterface D { interface I; }
};

struct CoclassMember {
  Attributes attributes;
  Location location;
  std::string name;
  bool isDispinterface = false;
};

struct Coclass {
  Attributes attributes;
  Location location;
  std::string name;
  bool isForward = false;
  std::vector<CoclassMember> members;
};

struct Library {
  Attributes attributes;
  Location location;
  std::string name;
  std::vector<Definition> definitions;
};

struct Module {
  Attributes attributes;
  Location location;
  std::string name;
  std::vector<Definition> members;
};

struct File {
  std::string path;
  std::vector<Definition> definitions;
};

// ---------------------------------------------------------------- ACF

struct AcfName {
  std::string name;
  Location location;
};

struct AcfTypedef {
  Attributes attributes;
  Location location;
  std::vector<AcfName> names;
};

struct AcfParam {
  Attributes attributes;
  Location location;
  std::string name;
};

struct AcfOperation {
  Attributes attributes;
  Location location;
  std::string name;
  std::vector<AcfParam> params;
};

struct AcfInterface {
  Attributes attributes;
  Location location;
  std::string name;
  std::vector<AcfTypedef> typedefs;
  std::vector<AcfOperation> operations;
  std::vector<AcfName> includes;
};

struct AcfFile {
  std::string path;
  std::vector<AcfInterface> interfaces;
  std::vector<AcfTypedef> typedefs;
  std::vector<Import> imports;
  std::vector<AcfName> includes;
  std::vector<CppQuote> cppQuotes;
};

}  // namespace midlc::ast
