// The semantic model: every name resolved, the ACF merged, attributes checked and bound, opnums laid out.
// Immutable once analyze() returns; the code generators walk it and never see the syntax tree.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "support/source.h"

namespace midlc::sema {

struct Decl;
struct Field;
struct Param;
struct Type;
struct ConstDecl;

// A 128-bit DCE UUID in its canonical text form and its fields.
struct Uuid {
  uint32_t data1 = 0;
  uint16_t data2 = 0;
  uint16_t data3 = 0;
  std::array<uint8_t, 8> data4{};
  std::string text() const;  // lower-case 8-4-4-4-12
  bool operator==(const Uuid& o) const {
    return data1 == o.data1 && data2 == o.data2 && data3 == o.data3 && data4 == o.data4;
  }
  static std::optional<Uuid> parse(std::string_view text);
  // A name-based (version 5, SHA-1) UUID of `name` in `space`, as RFC 4122 describes.
  static Uuid nameBased(const Uuid& space, std::string_view name);
};

// A value of a constant expression.
struct Value {
  enum class Kind { None, Integer, Float, String, Char };
  Kind kind = Kind::None;
  int64_t integer = 0;  // Integer and Char (Char: the code point)
  bool isUnsigned = false;
  double floating = 0;
  std::string string;  // UTF-8
  bool isWide = false;
};

// An expression bound to what its names mean.
struct Expr {
  enum class Kind {
    Literal,
    ConstRef,
    EnumeratorRef,
    FieldRef,
    ParamRef,
    Unary,
    Binary,
    Conditional,
    Member,
    Index,
    Cast,
    Sizeof
  };
  Kind kind = Kind::Literal;
  Location location;
  std::string op;    // Unary/Binary/Member operator
  std::string text;  // the expression as written, for messages and the dump
  Value value;       // the folded value, if the expression is constant
  const ConstDecl* constant = nullptr;
  const Decl* enumDecl = nullptr;
  std::string name;  // ConstRef / EnumeratorRef / FieldRef / ParamRef / Member: the name
  const Field* field = nullptr;
  const Param* param = nullptr;
  std::vector<const Expr*> operands;
  const Type* type = nullptr;  // Cast, Sizeof
  bool isConstant() const { return value.kind != Value::Kind::None; }
};

enum class Primitive {
  Boolean,
  Byte,
  Char,
  WChar,
  Int8,
  UInt8,
  Int16,
  UInt16,
  Int32,
  UInt32,
  Int64,
  UInt64,
  Int3264,
  UInt3264,
  Float,
  Double,
  ErrorStatus,
  HandleT,
  Void
};
const char* primitiveName(Primitive p);
// The IDL spelling of a primitive for messages (`long`, not the model's `int32`), where the type as
// written is not at hand.
const char* idlTypeName(Primitive p);
// A primitive's size on the wire in NDR 2.0, which is also its alignment (__int3264 travels as 32 bits); 0
// for void and handle_t, which carry no data.
unsigned ndrSize(Primitive p);
// Follows typedefs to the type they name.
const Type* resolveTypedefs(const Type* type);
struct TypedefDecl;
// The typedef with a conversion (transmit_as, represent_as, wire_marshal, user_marshal) that `type` names,
// directly or through plain typedefs; null if there is none. Such a typedef is where resolving stops for
// the wire: its values travel as its wire type.
const TypedefDecl* conversionOf(const Type* type);
bool isInteger(Primitive p);

enum class PointerKind { Ref, Unique, Full };
const char* pointerKindName(PointerKind k);

// The array and pointer attributes that apply to one level of a declarator.
struct Sizing {
  const Expr* sizeIs = nullptr;
  const Expr* maxIs = nullptr;
  const Expr* minIs = nullptr;
  const Expr* lengthIs = nullptr;
  const Expr* firstIs = nullptr;
  const Expr* lastIs = nullptr;
  bool any() const { return sizeIs || maxIs || minIs || lengthIs || firstIs || lastIs; }
};

// A type as used at one place. Named types (struct, union, enum, typedef, interface) point to their one
// definition; pointers and arrays are made per declarator so each level carries its own attributes.
struct Type {
  enum class Kind { Primitive, Named, Pointer, Array, Pipe, Function };
  Kind kind = Kind::Primitive;
  Primitive primitive = Primitive::Void;
  const Decl* decl = nullptr;     // Named
  const Type* element = nullptr;  // Pointer: pointee; Array: element; Pipe: element; Function: return
  PointerKind pointerKind = PointerKind::Unique;  // Pointer
  bool pointerKindExplicit = false;               // written as [ref]/[unique]/[ptr], not from pointer_default
  std::optional<uint64_t> fixedLength;            // Array: [10]
  Sizing sizing;                                  // Array or Pointer: the level's size/length attributes
  bool isString = false;                          // [string] on this level
  bool isConst = false;
  bool isVariadic = false;  // Function: its parameters end with ...
  std::string spelling;     // the type as the IDL wrote it ("unsigned long", "PFOO"), for messages
  // Added for widl compatibility: SAFEARRAY(T) is this type (a Named LPSAFEARRAY, or a Pointer to
  // SAFEARRAY), and this is T, the element type of the automation array; null for every other type.
  const Type* safearrayElement = nullptr;
};

struct Attribute {
  std::string name;
  Location location;
  std::vector<std::string> args;  // arguments as written
  bool fromAcf = false;
};

struct Field {
  std::string name;
  Location location;
  const Type* type = nullptr;
  std::vector<Attribute> attributes;
  const Expr* switchIs = nullptr;  // a union field's discriminant
  const Expr* iidIs = nullptr;     // an interface pointer field's IID: another field of the structure
  const Expr* rangeMin = nullptr;
  const Expr* rangeMax = nullptr;
  // [range] bounds the length of a string or conformant array, not a value (MS-RPCE 3.1.1.5.3.3.1.3: a
  // string's length counts its terminator).
  bool rangeOfLength = false;
  std::optional<uint32_t> bitWidth;
  bool ignore = false;
};

struct UnionArm {
  std::vector<Value> cases;
  bool isDefault = false;
  std::optional<Field> field;  // none: an empty arm
};

enum class Direction { In, Out, InOut };

struct Param {
  std::string name;
  Location location;
  const Type* type = nullptr;
  Direction direction = Direction::In;
  std::vector<Attribute> attributes;
  bool isRetval = false;
  bool isCommStatus = false;   // ACF [comm_status]
  bool isFaultStatus = false;  // ACF [fault_status]
  const Expr* switchIs = nullptr;
  const Expr* iidIs = nullptr;
  const Expr* rangeMin = nullptr;
  const Expr* rangeMax = nullptr;
  bool rangeOfLength = false;  // as Field::rangeOfLength
  bool isContextHandle = false;
  bool namesType = false;  // its name is also a type's ([in] AnnoScope AnnoScope): C++ needs them apart
  // ACF [cpp_view] (midlc's extension), on the parameter, its operation or its interface: an [in] conformant
  // array that the client passes and the manager receives as a std::span<const T>, the server's a view of
  // the request's bytes where the elements are their own wire form.
  bool view = false;
};

struct Operation {
  std::string name;
  Location location;
  uint32_t opnum = 0;
  const Type* returnType = nullptr;
  std::vector<Param> params;
  std::vector<Attribute> attributes;
  bool isAsync = false;  // Begin_/Finish_ (object) or async client/server routines (RPC)
  bool isLocal = false;
  bool isCallback = false;
  std::string callAs;  // [call_as(f)]: the name of the [local] method this one is the remote form of
  // A [local] method and its [call_as] remote form, bound to each other. In an object interface the remote
  // form has no vtable slot of its own: it travels under the local method's opnum (MIDL's rule).
  const Operation* remoteForm = nullptr;  // on the [local] method
  const Operation* localForm = nullptr;   // on the [call_as] method
  bool hasCommStatusReturn = false;       // ACF [comm_status] on the operation
  bool hasFaultStatusReturn = false;      // ACF [fault_status] on the operation
  std::vector<Attribute> acfAttributes;
  // Procedure serialization (the ACF's [encode]/[decode], on the operation or on its interface): MIDL makes
  // the operation a serialization procedure instead of a remote one, so it has no client function, manager
  // method or dispatch case, only <Op>_Encode/<Op>_Decode. `pickledAt` is where the ACF asks for them.
  bool encode = false;
  bool decode = false;
  Location pickledAt;
  bool isPickled() const { return encode || decode; }
};

enum class HandleKind { Explicit, Implicit, Auto };
enum class AsyncSource { None, AsyncUuid, Acf };

struct CppQuote {
  std::string text;
  Location location;
};
struct Pragma {
  std::string text;
  Location location;
};
struct Import {
  std::string path;  // as written
  Location location;
};

// An item in declaration order, as the header will show it.
using Item = std::variant<const Decl*, CppQuote, Pragma, Import>;

struct Enumerator {
  std::string name;
  Location location;
  int64_t value = 0;
};

struct Decl {
  enum class Kind { Struct, Union, Enum, Typedef, Const, Interface, Dispinterface, Coclass, Library, Module };
  Kind kind;
  std::string name;
  Location location;
  std::vector<Attribute> attributes;
  std::string file;        // the file it was declared in
  bool imported = false;   // declared in an imported file: no code is generated for it
  bool isForward = false;  // only declared, never defined (struct X; interface I;)
  // Added for widl compatibility: the WinRT namespace it was declared in, dotted ("Windows.Foundation");
  // empty outside any namespace.
  std::string winrtNamespace;
  explicit Decl(Kind k) : kind(k) {}
  virtual ~Decl() = default;
  // Names a type (a typedef, struct, union, enum or interface), not a constant, coclass, library or module.
  bool isType() const {
    switch (kind) {
      case Kind::Typedef:
      case Kind::Interface:
      case Kind::Dispinterface:
      case Kind::Struct:
      case Kind::Union:
      case Kind::Enum:
        return true;
      default:
        return false;
    }
  }
};

struct StructDecl : Decl {
  StructDecl() : Decl(Kind::Struct) {}
  std::vector<Field> fields;
  bool remotable = true;  // NDR can carry it and midlc can generate its marshaling (sema/remoting.h)
};

struct UnionDecl : Decl {
  UnionDecl() : Decl(Kind::Union) {}
  bool encapsulated = false;
  // The discriminant's type: the encapsulated switch, or the [switch_type] of the union's typedef.
  const Type* switchType = nullptr;
  std::string switchName;  // encapsulated: the discriminant field's name
  std::string armName;     // encapsulated: the union member's name
  bool isCUnion = false;   // no [case] arms at all: a C union, not marshalable
  std::vector<UnionArm> arms;
  bool remotable = true;  // NDR can carry it and midlc can generate its marshaling (sema/remoting.h)
};

struct EnumDecl : Decl {
  EnumDecl() : Decl(Kind::Enum) {}
  std::vector<Enumerator> enumerators;
  bool v1Enum = false;  // [v1_enum] on the enum or its typedef: 32 bits on the wire instead of 16
};

// A typedef whose values travel as another type (MIDL's transmit_as, wire_marshal, user_marshal and the
// ACF's represent_as); the user converts between the two.
enum class Conversion { None, TransmitAs, WireMarshal, UserMarshal, RepresentAs };

struct TypedefDecl : Decl {
  TypedefDecl() : Decl(Kind::Typedef) {}
  const Type* type = nullptr;
  bool isContextHandle = false;
  std::vector<Attribute> acfAttributes;  // typedef [represent_as(...)] name; in the ACF
  Conversion conversion = Conversion::None;
  // The type on the wire: transmit_as/wire_marshal's argument; for represent_as/user_marshal the typedef's
  // own type (`type`), which the IDL defines and the ACF names.
  const Type* wireType = nullptr;
  // represent_as/user_marshal: the application's type, as the ACF writes it (the IDL need not define it;
  // the ACF's `include` brings its declaration). transmit_as/wire_marshal: empty, the application's type
  // is the typedef itself.
  std::string localTypeName;
  // Type serialization (the ACF's [encode]/[decode], on the typedef or on its interface): functions that
  // write a value into a buffer of its own, or read it back (MS-RPCE 2.2.6). `pickledAt` is where the ACF
  // asked for them.
  bool encode = false;
  bool decode = false;
  Location pickledAt;
};

struct ConstDecl : Decl {
  ConstDecl() : Decl(Kind::Const) {}
  const Type* type = nullptr;
  const Expr* expr = nullptr;
  Value value;
  const Decl* enumOwner = nullptr;  // an enumerator: its enum
};

struct InterfaceDecl : Decl {
  InterfaceDecl() : Decl(Kind::Interface) {}
  bool isObject = false;
  bool isLocal = false;
  bool isDual = false;
  std::optional<Uuid> uuid;
  uint16_t versionMajor = 0;
  uint16_t versionMinor = 0;
  const InterfaceDecl* base = nullptr;
  PointerKind pointerDefault = PointerKind::Unique;
  std::vector<std::string> endpoints;
  std::vector<Operation> operations;  // this interface's own, opnums after the inherited ones
  std::vector<Item> members;          // types, constants and quotes declared inside, in order
  uint32_t firstOpnum = 0;            // inherited methods come first (IUnknown's three, ...)
  // Asynchrony.
  AsyncSource asyncSource = AsyncSource::None;
  std::optional<Uuid> asyncUuid;  // AsyncIFoo's IID
  bool derivesFromIDispatch = false;
  // ACF.
  HandleKind handleKind = HandleKind::Explicit;
  std::string implicitHandleType;
  std::string implicitHandleName;
  std::vector<Attribute> acfAttributes;
  // Added for widl compatibility: defined inside a library block. widl does not check such an
  // interface's methods for remoting ([out] by value, unresolved size_is), so midlc does not either.
  bool insideLibrary = false;
  // Set when only a header is generated and an operation (of this interface or its bases) cannot be
  // marshaled: the first such problem, as the remoting checks would report it. The header then declares
  // no proxy or stub entry points for it.
  std::string noStubs;
  bool hasAsyncOperations() const {
    for (const auto& op : operations)
      if (op.isAsync) return true;
    return false;
  }
  // The vtable slots (and opnums) its own methods take: an object interface's [call_as] methods take none.
  uint32_t slotCount() const {
    uint32_t n = 0;
    for (const auto& op : operations)
      if (!isObject || !op.localForm) ++n;
    return n;
  }
};

struct CoclassDecl : Decl {
  CoclassDecl() : Decl(Kind::Coclass) {}
  std::optional<Uuid> uuid;
  std::vector<std::string> interfaces;
};

// dispinterface, library and module: kept with their names and contents for the dump; no code yet.
struct ContainerDecl : Decl {
  ContainerDecl() : Decl(Kind::Library) {}  // the kind is set by whoever makes it
  std::vector<Item> members;
  std::optional<Uuid> uuid;
};

struct SourceFileModel {
  std::string path;
  bool isMain = false;
  std::vector<Item> items;
};

struct Model {
  std::vector<SourceFileModel> files;    // imports first, the main file last
  std::string acfPath;                   // empty if no ACF was read
  std::vector<std::string> acfIncludes;  // the ACF's `include "x.h";` files, in order, as written

  // Lookup by name over every file.
  const Decl* find(const std::string& name) const;
  const SourceFileModel& mainFile() const { return files.back(); }
  std::vector<const InterfaceDecl*> interfaces(bool includeImported = false) const;

  // Ownership of every node.
  std::vector<std::unique_ptr<Decl>> decls;
  std::deque<Type> types;
  std::deque<Expr> exprs;
  // Hashed: sema looks a name up at every use, over every import's names (thousands for a COM file).
  std::unordered_map<std::string, const Decl*> byName;
  std::unordered_map<std::string, const Decl*> tags;  // struct/union/enum tags
};

}  // namespace midlc::sema
