// The view of <file>.h: the file's items in declaration order (each declaration after the types it holds by
// value), its interfaces, and the NDR functions of its remotable structs and unions.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>

#include "codegen/cpp_types.h"
#include "codegen/view.h"
#include "support/text.h"

namespace midlc::codegen {

using sema::Decl;
using sema::Type;

namespace {

class HeaderView {
 public:
  HeaderView(const sema::Model& model, const FilePlan& plan, WirePlanner& wire, const HeaderOptions& options)
      : model_(model), plan_(plan), wire_(wire), options_(options) {}

  Data build() {
    Data view;
    DataList includes;
    for (const auto& item : model_.mainFile().items)
      if (auto* import = std::get_if<sema::Import>(&item)) includes.add(Data(include(*import)));
    // The ACF's `include "x.h";`: where the application's types of represent_as/user_marshal are declared.
    for (const auto& file : model_.acfIncludes) includes.add(Data("\"" + file + "\""));
    put(view, "includes", includes.take());
    put(view, "usesPipes", usesPipes());
    put(view, "hasCppQuote", hasCppQuote());
    findIdlOnly();
    forwardDeclareInterfaces();
    for (const auto& item : model_.mainFile().items) emitItem(item);
    put(view, "items", items_.take());
    put(view, "hasNdrTypes", !ndrTypes_.empty());
    put(view, "ndrTypes", ndrTypes_.take());
    DataList pickled = pickledTypes();
    put(view, "hasPickledTypes", !pickled.empty());
    put(view, "pickledTypes", pickled.take());
    put(view, "pickledInterfaces", pickledInterfaces());
    DataList rpc;
    for (const auto& itf : plan_.rpcInterfaces) rpc.add(rpcInterface(itf));
    put(view, "rpcInterfaces", rpc.take());
    DataList withoutStubs;
    for (const auto& itf : plan_.rpcWithoutStubs) {
      Data d;
      put(d, "interface", itf.name);
      put(d, "why", itf.why);
      withoutStubs.add(std::move(d));
    }
    put(view, "rpcWithoutStubs", withoutStubs.take());
    return view;
  }
  // The structs and unions build() gave NDR functions, in order (those declared for IDL only aside).
  const std::vector<std::string>& marshaledTypes() const { return marshaled_; }

 private:
  // Pipes need midlrt/ndr/pipe.h, and with it C++20 (std::span); other headers compile as C++17.
  bool usesPipes() const {
    for (const auto& d : model_.decls) {
      if (d->imported) continue;
      if (d->kind == Decl::Kind::Typedef && pipeOf(static_cast<const sema::TypedefDecl*>(d.get())->type))
        return true;
      if (d->kind != Decl::Kind::Interface) continue;
      for (const auto& op : static_cast<const sema::InterfaceDecl*>(d.get())->operations)
        for (const auto& p : op.params)
          if (pipeOf(p.type)) return true;
    }
    return false;
  }

  // The typedefs the ACF pickles ([encode]/[decode]), in declaration order: sema checked that each names a
  // struct or union that can travel, so its ndrWrite/ndrRead exist (here or in an imported header).
  DataList pickledTypes() const {
    DataList out;
    for (const auto& d : model_.decls) {
      if (d->kind != Decl::Kind::Typedef) continue;
      const auto* td = static_cast<const sema::TypedefDecl*>(d.get());
      if (!td->encode && !td->decode) continue;
      Data p;
      put(p, "name", cppName(td->name));
      // A [unique] pointer typedef (std::unique_ptr<T>) travels as a top-level pointer: a referent id (0 for
      // null), then T. A [ref] one is T itself in C++, and on the wire.
      const Type* t = sema::resolveTypedefs(td->type);
      const bool unique = t && t->kind == Type::Kind::Pointer && t->pointerKind == sema::PointerKind::Unique;
      put(p, "isUniquePointer", unique);
      put(p, "pointee", unique ? cppType(t->element) : std::string());
      put(p, "encode", td->encode);
      put(p, "decode", td->decode);
      out.add(std::move(p));
    }
    return out;
  }

  // The serialization procedures of each RPC interface: _Encode takes the [in] arguments (an [in,out] one by
  // const reference), _Decode the buffer, then the [out] arguments (by reference, as the client function
  // takes them). Handles and status slots are left out: they carry no data.
  Data pickledInterfaces() const {
    DataList out;
    for (const auto& itf : plan_.pickledInterfaces) {
      Data i;
      put(i, "interface", itf.name);
      DataList procedures;
      for (const auto& proc : itf.procedures) {
        const OperationPlan& op = proc.plan;
        std::vector<std::string> encodeParams,
            decodeParams = {"const std::uint8_t* midl_data", "std::size_t midl_size"};
        std::string decodeArguments;
        for (const auto& p : op.params) {
          if (p.kind == ParamPlan::Kind::Binding || p.kind == ParamPlan::Kind::Status) continue;
          if (p.in) encodeParams.push_back(p.out ? "const " + p.type + "& " + p.name : p.clientDecl);
          if (p.out) {
            decodeParams.push_back(p.clientDecl);
            decodeArguments += ", " + p.name;
          }
        }
        std::vector<std::string> vectorParams = {"const std::vector<std::uint8_t>& midl_bytes"};
        vectorParams.insert(vectorParams.end(), decodeParams.begin() + 2, decodeParams.end());
        Data d;
        put(d, "name", op.name);
        put(d, "opnum", std::to_string(op.opnum));
        put(d, "uuid", itf.uuid);
        put(d, "major", std::to_string(itf.major));
        put(d, "minor", std::to_string(itf.minor));
        put(d, "encode", proc.encode);
        put(d, "decode", proc.decode);
        put(d, "encodeParams", joinParams(encodeParams));
        put(d, "decodeParams", joinParams(decodeParams));
        put(d, "decodeVectorParams", joinParams(vectorParams));
        put(d, "decodeArguments", decodeArguments);
        put(d, "checks", clientChecks(op));
        put(d, "request", statements(op.clientRequest(), Coding::Encode));
        put(d, "reply", statements(op.clientReply(), Coding::Decode));
        procedures.add(std::move(d));
      }
      put(i, "procedures", procedures.take());
      out.add(std::move(i));
    }
    return out.take();
  }

  // midlc's own IDL (runtime/idl) has its headers in the runtime.
  std::string include(const sema::Import& import) const {
    namespace fs = std::filesystem;
    const std::string header = fs::path(import.path).stem().string() + ".h";
    std::error_code ec;
    const bool own = !options_.defaultImportDir.empty() &&
                     fs::exists(fs::path(options_.defaultImportDir) / import.path, ec);
    const bool shadowed = fs::exists(fs::path(model_.mainFile().path).parent_path() / import.path, ec);
    return own && !shadowed ? "<midlrt/idl/" + header + ">" : "\"" + header + "\"";
  }

  // A #pragma of the IDL goes into the header unless it speaks to the IDL compiler itself (widl's
  // `#pragma winrt`, MIDL's `#pragma midl_echo`), which a C++ compiler would warn about.
  static bool forCompiler(const std::string& pragma) {
    const size_t start = pragma.find_first_not_of(" \t#");  // "#pragma", "# pragma"
    std::istringstream words(start == std::string::npos ? std::string() : pragma.substr(start));
    std::string keyword, name;
    words >> keyword >> name;
    return name != "winrt" && name != "midl_echo";
  }

  // Whether the header needs midlrt/windows_compat.h: cpp_quote text is written for Windows' headers.
  bool hasCppQuote() const {
    if (!options_.cppQuote) return false;
    for (const auto& item : model_.mainFile().items)
      if (std::holds_alternative<sema::CppQuote>(item)) return true;
    return false;
  }

  void emitItem(const sema::Item& item) {
    if (auto* q = std::get_if<sema::CppQuote>(&item)) {
      if (!options_.cppQuote) return;
      Data d;
      put(d, "isCppQuote", true);
      put(d, "text", q->text);
      items_.add(std::move(d));
    } else if (auto* p = std::get_if<sema::Pragma>(&item)) {
      if (!forCompiler(p->text)) return;
      Data d;
      put(d, "isPragma", true);
      put(d, "text", p->text);
      items_.add(std::move(d));
    } else if (auto* decl = std::get_if<const Decl*>(&item)) {
      emitDecl(*decl);
    }
  }

  // Declarations between cpp_quote("#if 0") and cpp_quote("#endif") are for IDL only: C compilers get them
  // from Windows' own headers (wtypes.idl's winnt.h types, dcommon.idl's POINT), so several IDL files declare
  // the same name. Without the quotes (--no-cpp-quote) each is written under a guard of its name: the first
  // header to define it wins, as the first Windows header to define it would; its NDR functions come with it.
  void findIdlOnly() {
    if (options_.cppQuote) return;
    std::vector<bool> zero;  // the #if blocks the quotes open: whether each is a `#if 0` (in its live branch)
    findIdlOnly(model_.mainFile().items, zero);
  }
  void findIdlOnly(const std::vector<sema::Item>& items, std::vector<bool>& zero) {
    for (const auto& item : items) {
      if (auto* q = std::get_if<sema::CppQuote>(&item)) {
        std::string t = q->text;
        t.erase(0, t.find_first_not_of(" \t"));
        if (t.rfind("#if", 0) == 0) {
          // `#if 0`, a comment after it or not; #ifdef, #ifndef and other conditions are live.
          bool isZero = false;
          if (t.size() > 3 && std::isspace(static_cast<unsigned char>(t[3]))) {
            const size_t k = t.find_first_not_of(" \t", 3);
            isZero = k != std::string::npos && t[k] == '0' &&
                     (k + 1 == t.size() || !std::isalnum(static_cast<unsigned char>(t[k + 1])));
          }
          zero.push_back(isZero);
        } else if (t.rfind("#else", 0) == 0 || t.rfind("#elif", 0) == 0) {
          if (!zero.empty()) zero.back() = false;
        } else if (t.rfind("#endif", 0) == 0) {
          if (!zero.empty()) zero.pop_back();
        }
        continue;
      }
      const auto* decl = std::get_if<const Decl*>(&item);
      if (!decl) continue;
      // wtypes.idl declares its types inside interface IWinTypes.
      if ((*decl)->kind == Decl::Kind::Interface)
        findIdlOnly(static_cast<const sema::InterfaceDecl*>(*decl)->members, zero);
      else if ((*decl)->kind == Decl::Kind::Library || (*decl)->kind == Decl::Kind::Module)
        findIdlOnly(static_cast<const sema::ContainerDecl*>(*decl)->members, zero);
      if (std::find(zero.begin(), zero.end(), true) == zero.end()) continue;
      idlOnly_.insert(*decl);
      // typedef struct { long x, y; } POINT;: the struct is as much IDL's only.
      if ((*decl)->kind == Decl::Kind::Typedef)
        if (const Type* t = static_cast<const sema::TypedefDecl*>(*decl)->type;
            t && t->kind == Type::Kind::Named)
          if (t->decl->kind == Decl::Kind::Struct || t->decl->kind == Decl::Kind::Union ||
              t->decl->kind == Decl::Kind::Enum)
            idlOnly_.insert(t->decl);
    }
  }

  // The guard of an item that declares `name` for `decl`, if it is for IDL only.
  void guard(Data& item, const Decl* decl, const std::string& name) {
    if (!decl || !idlOnly_.count(decl)) return;
    put(item, "hasGuard", true);
    put(item, "guard", "MIDL_IDL_ONLY_" + cppName(name));
    put(item, "owner", ownerMacro(name));
  }
  std::string ownerMacro(const std::string& name) const {
    std::string stem = std::filesystem::path(model_.mainFile().path).stem().string();
    for (char& c : stem)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return "MIDL_IDL_ONLY_" + cppName(name) + "_IN_" + stem;
  }

  // Emits the declarations of the types `t` holds by value that are not emitted yet (anonymous structs and
  // unions written inside a declaration have no item of their own).
  void emitDependencies(const Type* t) {
    for (int guard = 0; t && guard < 100; ++guard) {
      if (t->kind == Type::Kind::Named) {
        const Decl* d = t->decl;
        // A typedef too (a union arm of type CAH, declared further up than the union is written): its alias
        // and what it names.
        if ((d->kind == Decl::Kind::Struct || d->kind == Decl::Kind::Union || d->kind == Decl::Kind::Enum ||
             d->kind == Decl::Kind::Typedef) &&
            !d->imported && !d->isForward)
          emitDecl(d);
        // A struct the IDL names but never defines (typedef struct tWAVEFORMATEX WAVEFORMATEX;, defined by a
        // C header): declared, so that pointers and references to it compile.
        else if (neverDefined(d))
          forwardDeclare(d);
        return;
      }
      if (t->kind == Type::Kind::Pointer) {
        const Type* e = resolved(t->element);
        if (e && e->kind == Type::Kind::Named &&
            neverDefined(e->decl))  // typedef struct _PSP* HPROPSHEETPAGE
          forwardDeclare(e->decl);
        else if (e && e->kind == Type::Kind::Named && !e->decl->isForward && !e->decl->imported &&
                 (e->decl->kind == Decl::Kind::Struct || e->decl->kind == Decl::Kind::Union)) {
          // unique_ptr/shared_ptr and std::vector (a sized pointer) of an incomplete type are fine; a [ref]
          // pointee is held by value. (The NDR functions that use the vectors' elements come at the end.)
          if (t->pointerKind == sema::PointerKind::Ref && !t->sizing.sizeIs && !t->sizing.maxIs)
            emitDecl(e->decl);
          else
            forwardDeclare(e->decl);
        }
        return;
      }
      if (t->kind == Type::Kind::Array) {
        t = t->element;
        continue;
      }
      return;
    }
  }

  // A struct or union that `t` names (through pointers and arrays) and the IDL never defines: declared.
  void declareUndefined(const Type* t) {
    for (int guard = 0; t && guard < 100; ++guard) {
      if (t->kind == Type::Kind::Pointer || t->kind == Type::Kind::Array) {
        t = t->element;
        continue;
      }
      if (t->kind == Type::Kind::Named && !t->decl->imported && neverDefined(t->decl))
        forwardDeclare(t->decl);
      return;
    }
  }

  // A struct or union the IDL names but never defines (a C header defines it), and midlrt does not map.
  static bool neverDefined(const Decl* d) {
    return (d->kind == Decl::Kind::Struct || d->kind == Decl::Kind::Union) && d->isForward &&
           runtimeType(*d).empty();
  }

  // Every object interface of the file is declared first, as widl does: typedefs, structs and methods
  // name interfaces that are defined further down (LPCLASSFACTORY before IClassFactory, a method taking
  // an ISynchronize* before objidl.idl defines ISynchronize, which is the runtime's).
  void forwardDeclareInterfaces() {
    for (const auto& d : model_.decls) {
      if (d->kind != Decl::Kind::Interface || d->imported) continue;
      if (isRuntimeInterface(d->name)) {
        aliasRuntimeInterface(d->name);
        continue;
      }
      const Decl* definition = d->isForward ? model_.find(d->name) : d.get();
      if (definition && definition->kind == Decl::Kind::Interface && !definition->isForward &&
          !static_cast<const sema::InterfaceDecl*>(definition)->isObject)
        continue;  // an RPC interface is a namespace of client functions
      forwardDeclare(d.get());
    }
  }

  // `using ISynchronize = ::midlrt::com::ISynchronize;`, once.
  void aliasRuntimeInterface(const std::string& name) {
    if (!aliased_.insert(name).second) return;
    Data u;
    put(u, "isRuntimeInterface", true);
    put(u, "name", cppName(name));
    items_.add(std::move(u));
  }

  // A struct or union that is being emitted (its arms name it: struct tagTYPEDESC* inside its own union)
  // is declared too: only one already written needs no declaration.
  void forwardDeclare(const Decl* d) {
    if (written_.count(d) || d == membersOf_) return;  // its own name is in scope
    if (emitted_.count(d) && d->kind != Decl::Kind::Struct && d->kind != Decl::Kind::Union) return;
    // Once per name: `interface IFoo;` and its definition are two declarations of one name.
    if (!forwarded_.insert(d->name).second) return;
    Data f;
    put(f, "isForward", true);
    put(f, "name", cppName(d->name));
    items_.add(std::move(f));
  }

  void emitDecl(const Decl* d) {
    if (!d || emitted_.count(d)) return;
    switch (d->kind) {
      case Decl::Kind::Struct:
        if (d->isForward) return forwardDeclare(d);
        return emitStruct(*static_cast<const sema::StructDecl*>(d));
      case Decl::Kind::Union:
        if (d->isForward) return forwardDeclare(d);
        return emitUnion(*static_cast<const sema::UnionDecl*>(d));
      case Decl::Kind::Enum:
        if (d->isForward) return;
        return emitEnum(*static_cast<const sema::EnumDecl*>(d));
      case Decl::Kind::Typedef:
        return emitTypedef(*static_cast<const sema::TypedefDecl*>(d));
      case Decl::Kind::Const:
        return emitConst(*static_cast<const sema::ConstDecl*>(d));
      case Decl::Kind::Interface:
        return emitInterface(*static_cast<const sema::InterfaceDecl*>(d));
      case Decl::Kind::Coclass:
        return emitCoclass(*static_cast<const sema::CoclassDecl*>(d));
      case Decl::Kind::Library:
      case Decl::Kind::Module:
        emitted_.insert(d);
        for (const auto& member : static_cast<const sema::ContainerDecl*>(d)->members) emitItem(member);
        return;
      default:
        return;
    }
  }

  void emitStruct(const sema::StructDecl& s) {
    emitted_.insert(&s);
    if (std::string runtime = runtimeType(s); !runtime.empty()) {
      written_.insert(&s);
      return emitAlias(s.name, runtime, &s);
    }
    const Decl* outer = membersOf_;
    membersOf_ = &s;
    for (const auto& f : s.fields) emitDependencies(f.type);
    membersOf_ = outer;
    Data v;
    put(v, "isStruct", true);
    put(v, "name", cppName(s.name));
    guard(v, &s, s.name);
    DataList fields;
    for (const auto& f : s.fields) {
      Data fd;
      put(fd, "type", fieldType(f));
      put(fd, "name", cppName(f.name));
      fields.add(std::move(fd));
    }
    put(v, "fields", fields.take());
    items_.add(std::move(v));
    written_.insert(&s);
    if (s.remotable) ndrFunctions(wire_.structCodec(s), &s);
  }

  void emitUnion(const sema::UnionDecl& u) {
    emitted_.insert(&u);
    const Decl* outer = membersOf_;
    membersOf_ = &u;
    for (const auto& arm : u.arms)
      if (arm.field) emitDependencies(arm.field->type);
    membersOf_ = outer;
    // A C union (no [case] arms, never marshaled) is a std::variant too, without a discriminant: the
    // variant's index says which arm it holds, where C leaves that to the programmer.
    const std::string discType = u.switchType ? cppType(u.switchType) : "int32_t";
    Data v;
    put(v, "isUnion", true);
    put(v, "isCUnion", u.isCUnion);
    put(v, "name", cppName(u.name));
    guard(v, &u, u.name);
    put(v, "discriminantType", discType);
    std::string variant = "std::monostate";
    DataList arms;
    size_t index = 0;
    for (const auto& arm : u.arms) {
      if (!arm.field) continue;
      ++index;
      const std::string type = cppType(arm.field->type);
      variant += ", " + type;
      Data a;
      // An arm's accessors sit beside the union's own members.
      std::string name = cppName(arm.field->name);
      if (name == "discriminant" || name == "value") name += "_";
      put(a, "name", name);
      put(a, "type", type);
      // `const T&`, unless T is a pointer (an interface pointer arm): `const IStream*&` would be a reference
      // to a pointer to const.
      put(a, "constRef", !type.empty() && type.back() == '*' ? type + " const&" : "const " + type + "&");
      put(a, "index", std::to_string(index));
      put(a, "isDefault", arm.cases.empty() && !u.isCUnion);
      put(a, "discriminantValue",
          arm.cases.empty()
              ? std::string("midl_d")
              : "static_cast<" + discType + ">(" + std::to_string(arm.cases.front().integer) + ")");
      arms.add(std::move(a));
    }
    put(v, "variantTypes", variant);
    put(v, "arms", arms.take());
    items_.add(std::move(v));
    written_.insert(&u);
    if (u.remotable && u.switchType) ndrFunctions(wire_.unionCodec(u), &u);
  }

  void emitEnum(const sema::EnumDecl& e) {
    emitted_.insert(&e);
    Data v;
    put(v, "isEnum", true);
    put(v, "name", cppName(e.name));
    guard(v, &e, e.name);
    // The C++ type holds every value (real files have flags up to 0xFFFFFFFF); the wire stays NDR's 16 or
    // 32 bits, checked when marshaled.
    int64_t low = 0, high = 0;
    for (const auto& en : e.enumerators) low = std::min(low, en.value), high = std::max(high, en.value);
    put(v, "underlyingType",
        low >= INT32_MIN && high <= INT32_MAX ? "int32_t"
        : low >= 0 && high <= UINT32_MAX      ? "uint32_t"
                                              : "int64_t");
    DataList enumerators;
    for (const auto& en : e.enumerators) {
      Data x;
      put(x, "name", cppName(en.name));
      put(x, "value", std::to_string(en.value));
      enumerators.add(std::move(x));
    }
    put(v, "enumerators", enumerators.take());
    items_.add(std::move(v));
  }

  void emitTypedef(const sema::TypedefDecl& td) {
    emitted_.insert(&td);
    emitAliasOf(td);
    if (td.conversion != sema::Conversion::None) items_.add(conversion(td));
  }

  void emitAliasOf(const sema::TypedefDecl& td) {
    // `typedef struct tagVARIANT VARIANT;` before the struct, which names VARIANT inside: the alias comes
    // here, after a declaration of the struct, and the struct where it is defined.
    if (const Type* t = td.type;
        t && t->kind == Type::Kind::Named && !t->decl->imported &&
        (t->decl->kind == Decl::Kind::Struct || t->decl->kind == Decl::Kind::Union) &&
        !emitted_.count(t->decl) && definedAfter(*t->decl, td) && runtimeType(td).empty()) {
      forwardDeclare(t->decl);
      emitAlias(td.name, cppType(t), &td);
      return;
    }
    emitDependencies(td.type);
    // typedef struct Point {...} Point; needs no alias.
    if (td.type && td.type->kind == Type::Kind::Named && td.type->decl->name == td.name) return;
    if (std::string runtime = runtimeType(td); !runtime.empty()) return emitAlias(td.name, runtime, &td);
    Data v;
    put(v, "isTypedef", true);
    put(v, "name", cppName(td.name));
    guard(v, &td, td.name);
    // A context handle is, for the client, an opaque handle (the server's manager sees its own state).
    put(v, "type", td.isContextHandle ? std::string("::midlrt::rpc::ContextHandle") : cppType(td.type));
    items_.add(std::move(v));
  }

  // The functions the user defines for a typedef with a conversion (cpp_types.h, ConversionNames).
  static Data conversion(const sema::TypedefDecl& td) {
    const ConversionNames n = conversionNames(td);
    Data c;
    put(c, "isConversion", true);
    put(c, "attribute", std::string(n.attribute));
    put(c, "argument", td.localTypeName.empty() ? cppTypeText(td.wireType) : td.localTypeName);
    put(c, "appType", n.appType);
    put(c, "wireType", n.wireType);
    put(c, "toWire", n.toWire);
    put(c, "fromWire", n.fromWire);
    put(c, "wirePointer", n.wirePointer != nullptr);
    return c;
  }

  static std::string cppTypeText(const Type* t) {
    return t && !t->spelling.empty() ? t->spelling : cppType(t);
  }

  // The bits of an integer type below 64, and whether it is signed; {0, false} for the others.
  static std::pair<int, bool> integerWidth(sema::Primitive p) {
    switch (p) {
      case sema::Primitive::Int8:
      case sema::Primitive::Char:
        return {8, true};
      case sema::Primitive::UInt8:
      case sema::Primitive::Byte:
        return {8, false};
      case sema::Primitive::Int16:
        return {16, true};
      case sema::Primitive::UInt16:
      case sema::Primitive::WChar:
        return {16, false};
      case sema::Primitive::Int32:
        return {32, true};
      case sema::Primitive::UInt32:
        return {32, false};
      default:
        return {0, false};
    }
  }

  static bool definedAfter(const Decl& d, const Decl& here) {
    const Location &a = d.location, &b = here.location;
    return a.file == b.file && (a.line > b.line || (a.line == b.line && a.column > b.column));
  }

  void emitAlias(const std::string& name, const std::string& type, const Decl* decl) {
    Data v;
    put(v, "isTypedef", true);
    put(v, "name", cppName(name));
    guard(v, decl, name);
    put(v, "type", type);
    items_.add(std::move(v));
  }

  // A coclass is its CLSID, as MIDL names it (CLSID_Foo): what a server registers its class under and a
  // client creates objects by (midlrt/dcom/activation.h).
  void emitCoclass(const sema::CoclassDecl& c) {
    emitted_.insert(&c);
    if (c.isForward || !c.uuid) return;
    Data v;
    put(v, "isCoclass", true);
    put(v, "name", cppName("CLSID_" + c.name));
    guard(v, &c, "CLSID_" + c.name);
    put(v, "clsid", uuidInitializer(*c.uuid));
    std::string interfaces;
    for (const auto& i : c.interfaces) interfaces += (interfaces.empty() ? "" : ", ") + i;
    put(v, "coclass", c.name);
    put(v, "interfaces", interfaces);
    items_.add(std::move(v));
  }

  void emitConst(const sema::ConstDecl& c) {
    emitted_.insert(&c);
    Data v;
    put(v, "isConst", true);
    put(v, "name", cppName(c.name));
    guard(v, &c, c.name);
    const sema::Value& value = c.value;
    if (value.kind == sema::Value::Kind::String) {
      put(v, "type", value.isWide ? "const char16_t*" : "const char*");
      put(v, "value", std::string(value.isWide ? "u\"" : "\"") + cEscape(value.string) + "\"");
    } else if (value.kind == sema::Value::Kind::Float) {
      put(v, "type", "double");
      put(v, "value", std::to_string(value.floating));
    } else {
      const Type* t = resolved(c.type);
      const bool primitive = t && t->kind == Type::Kind::Primitive;
      put(v, "type", primitive ? primitiveType(t->primitive) : "int64_t");
      // The value converts to the constant's type as C converts it (const ULONG X = ~0u is 0xFFFFFFFF).
      const auto [bits, isSigned] = primitive ? integerWidth(t->primitive) : std::pair{0, false};
      const uint64_t mask = bits > 0 && bits < 64 ? (uint64_t{1} << bits) - 1 : ~uint64_t{0};
      const uint64_t low = static_cast<uint64_t>(value.integer) & mask;
      const bool fits =
          bits == 0 || (isSigned ? value.integer >= -static_cast<int64_t>(mask / 2) - 1 &&
                                       value.integer <= static_cast<int64_t>(mask / 2)
                                 : value.integer >= 0 && static_cast<uint64_t>(value.integer) <= mask);
      if (!fits) {
        if (!isSigned) {
          put(v, "value", std::to_string(low) + "u");
        } else {
          const uint64_t sign = uint64_t{1} << (bits - 1);
          const int64_t wrapped = static_cast<int64_t>(low ^ sign) - static_cast<int64_t>(sign);
          put(v, "value", std::to_string(wrapped));
        }
      } else if (value.isUnsigned)
        put(v, "value", std::to_string(static_cast<uint64_t>(value.integer)) + "u");
      else if (value.integer == INT64_MIN)
        put(v, "value", "INT64_MIN");
      else
        put(v, "value", std::to_string(value.integer));
    }
    items_.add(std::move(v));
  }

  void emitInterface(const sema::InterfaceDecl& itf) {
    emitted_.insert(&itf);
    if (isRuntimeInterface(itf.name)) {
      aliasRuntimeInterface(itf.name);
      for (const auto& member : itf.members) emitItem(member);
      return;
    }
    // A base defined further down the file (msxml2.idl's ISAXXMLFilter : ISAXXMLReader) is written first: a
    // C++ class needs its base complete.
    if (itf.base && !itf.base->imported) emitDecl(itf.base);
    // Types declared inside the interface may name it: declare it first.
    if (itf.isObject && !itf.members.empty()) forwardDeclare(&itf);
    for (const auto& member : itf.members) emitItem(member);
    // Methods may pass structs the IDL names but never defines (struct _SHELLEXECUTEINFOA*).
    for (const auto& op : itf.operations)
      for (const auto& p : op.params) declareUndefined(p.type);
    if (const ObjectInterfacePlan* plan = itf.isObject ? plan_.object(&itf) : nullptr)
      items_.add(objectInterface(*plan));
  }

  Data objectInterface(const ObjectInterfacePlan& itf) {
    Data o = asyncInterfaceView(itf);
    put(o, "isObjectInterface", true);
    put(o, "interface", itf.name);
    put(o, "baseClass", itf.baseClass);
    put(o, "iid", itf.iid);
    put(o, "iidText", itf.iidText);
    DataList methods;
    for (const auto& m : itf.methods) {
      Data d;
      put(d, "name", m.name);
      put(d, "returnType", m.returnType);
      put(d, "params", joinParams(m.clientParams()));
      methods.add(std::move(d));
    }
    put(o, "methods", methods.take());
    put(o, "hasProxy", itf.hasProxy);
    DataList callAs;
    for (const auto* m : itf.ownCallAs()) {
      Data d;
      put(d, "local", m->local().name);
      put(d, "remote", m->plan().name);
      put(d, "localProxy", callAsProxyName(itf.name, m->local().name));
      put(d, "localReturnType", m->local().returnType);
      put(d, "localParams", joinParams(callAsHelperParams(itf.name, m->local())));
      put(d, "localStub", callAsStubName(itf.name, m->local().name));
      put(d, "remoteProxy", remoteProxyName(itf.name, m->plan().name));
      put(d, "remoteReturnType", m->plan().returnType);
      put(d, "remoteParams", joinParams(callAsHelperParams(itf.name, m->plan())));
      callAs.add(std::move(d));
    }
    putProxyFunctions(o, itf, /*declarations=*/true);
    put(o, "hasCallAs", !callAs.empty());
    put(o, "callAs", callAs.take());
    put(o, "hasNoStubs", !itf.noStubs.empty());
    put(o, "noStubs", itf.noStubs);
    put(o, "ifspecUuid", itf.iid);
    return o;
  }

  Data rpcInterface(const RpcInterfacePlan& itf) {
    Data i;
    put(i, "interface", itf.name);
    put(i, "uuid", itf.uuid);
    put(i, "uuidText", itf.uuidText);
    put(i, "major", std::to_string(itf.major));
    put(i, "minor", std::to_string(itf.minor));
    put(i, "hasImplicitHandle", !itf.implicitHandle.empty());
    put(i, "implicitHandle", itf.implicitHandle);
    DataList ops;
    for (const auto& op : itf.operations) {
      Data o;
      put(o, "name", op.name);
      put(o, "isAsync", op.isAsync);
      put(o, "returnType", op.returnType);
      put(o, "clientParams", joinParams(rpcClientParams(itf, op)));
      put(o, "managerParams", joinParams(rpcManagerParams(op)));
      put(o, "callType", op.callType);
      put(o, "hasResult", op.hasResult);
      put(o, "hasPipes", op.inPipes + op.outPipes > 0);
      ops.add(std::move(o));
    }
    put(i, "operations", ops.take());
    return i;
  }

  // A struct's or union's four NDR functions (emitFlat and emitPointees have an overload for each codec).
  template <class Codec>
  void ndrFunctions(const Codec& codec, const Decl* decl) {
    if (!idlOnly_.count(decl)) marshaled_.push_back(codec.type);
    Printer writeFlat, writePointees, readFlat, readPointees;
    emitFlat(writeFlat, codec, Coding::Encode);
    emitPointees(writePointees, codec, Coding::Encode);
    emitFlat(readFlat, codec, Coding::Decode);
    emitPointees(readPointees, codec, Coding::Decode);
    Data n = ndrType(codec.type, writeFlat, writePointees, readFlat, readPointees);
    guard(n, decl, decl->name);
    ndrTypes_.add(std::move(n));
  }

  static Data ndrType(const std::string& type, const Printer& writeFlat, const Printer& writePointees,
                      const Printer& readFlat, const Printer& readPointees) {
    Data n;
    put(n, "type", type);
    put(n, "writeFlat", lines(writeFlat));
    put(n, "writePointees", lines(writePointees));
    put(n, "readFlat", lines(readFlat));
    put(n, "readPointees", lines(readPointees));
    return n;
  }

  std::set<const Decl*> idlOnly_;  // declared between cpp_quote("#if 0") and cpp_quote("#endif")
  const sema::Model& model_;
  const FilePlan& plan_;
  WirePlanner& wire_;
  const HeaderOptions& options_;
  DataList items_;
  DataList ndrTypes_;
  std::vector<std::string> marshaled_;  // ndrTypes_' types, those for IDL only aside
  std::set<const Decl*> emitted_;
  std::set<std::string> forwarded_;
  std::set<const Decl*> written_;    // structs and unions whose definition is in items_
  const Decl* membersOf_ = nullptr;  // the struct or union whose members' types are being declared
  std::set<std::string> aliased_;
};

}  // namespace

Data headerView(const sema::Model& model, const FilePlan& plan, WirePlanner& wire,
                const HeaderOptions& options, std::vector<std::string>* marshaledTypes) {
  HeaderView view(model, plan, wire, options);
  Data data = view.build();
  if (marshaledTypes) *marshaledTypes = view.marshaledTypes();
  return data;
}

}  // namespace midlc::codegen
