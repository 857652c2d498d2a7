// The view of <file>.h: the file's items in declaration order (each declaration after the types it holds by
// value), its interfaces, and the NDR functions of its remotable structs and unions.
#include <filesystem>
#include <set>

#include "codegen/cpp_types.h"
#include "codegen/view.h"
#include "support/text.h"

namespace midlc::codegen {

using sema::Decl;
using sema::Type;

namespace {

class HeaderView {
 public:
  HeaderView(const sema::Model& model, const FilePlan& plan, WirePlanner& wire,
             const std::string& defaultImportDir)
      : model_(model), plan_(plan), wire_(wire), defaultImportDir_(defaultImportDir) {}

  Data build() {
    Data view;
    Data includes = list();
    for (const auto& item : model_.mainFile().items)
      if (auto* import = std::get_if<sema::Import>(&item)) includes.push_back(Data(include(*import)));
    view.set("includes", includes);
    view.set("usesPipes", usesPipes());
    for (const auto& item : model_.mainFile().items) emitItem(item);
    view.set("items", items_);
    view.set("ndrTypes", ndrTypes_);
    view.set("hasNdrTypes", !ndrTypes_.is_empty_list());
    Data rpc = list();
    for (const auto& itf : plan_.rpcInterfaces) rpc.push_back(rpcInterface(itf));
    view.set("rpcInterfaces", rpc);
    return view;
  }

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

  // midlc's own IDL (runtime/idl) has its headers in the runtime.
  std::string include(const sema::Import& import) const {
    namespace fs = std::filesystem;
    const std::string header = fs::path(import.path).stem().string() + ".h";
    std::error_code ec;
    const bool own = !defaultImportDir_.empty() && fs::exists(fs::path(defaultImportDir_) / import.path, ec);
    const bool shadowed = fs::exists(fs::path(model_.mainFile().path).parent_path() / import.path, ec);
    return own && !shadowed ? "<midlrt/idl/" + header + ">" : "\"" + header + "\"";
  }

  void emitItem(const sema::Item& item) {
    if (auto* q = std::get_if<sema::CppQuote>(&item)) {
      Data d;
      d.set("isCppQuote", true);
      d.set("text", q->text);
      items_.push_back(d);
    } else if (auto* p = std::get_if<sema::Pragma>(&item)) {
      Data d;
      d.set("isPragma", true);
      d.set("text", p->text);
      items_.push_back(d);
    } else if (auto* decl = std::get_if<const Decl*>(&item)) {
      emitDecl(*decl);
    }
  }

  // Emits the declarations of the types `t` holds by value that are not emitted yet (anonymous structs and
  // unions written inside a declaration have no item of their own).
  void emitDependencies(const Type* t) {
    for (int guard = 0; t && guard < 100; ++guard) {
      if (t->kind == Type::Kind::Named) {
        const Decl* d = t->decl;
        if ((d->kind == Decl::Kind::Struct || d->kind == Decl::Kind::Union || d->kind == Decl::Kind::Enum) &&
            !d->imported && !d->isForward)
          emitDecl(d);
        return;
      }
      if (t->kind == Type::Kind::Pointer) {
        const Type* e = resolved(t->element);
        if (e && e->kind == Type::Kind::Named && !e->decl->isForward && !e->decl->imported &&
            (e->decl->kind == Decl::Kind::Struct || e->decl->kind == Decl::Kind::Union)) {
          // unique_ptr/shared_ptr of an incomplete type is fine; a [ref] pointee is held by value.
          if (t->pointerKind == sema::PointerKind::Ref || t->sizing.sizeIs || t->sizing.maxIs)
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

  void forwardDeclare(const Decl* d) {
    if (emitted_.count(d) || forwarded_.count(d)) return;
    forwarded_.insert(d);
    Data f;
    f.set("isForward", true);
    f.set("name", cppName(d->name));
    items_.push_back(f);
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
    for (const auto& f : s.fields) emitDependencies(f.type);
    Data v;
    v.set("isStruct", true);
    v.set("name", cppName(s.name));
    Data fields = list();
    for (const auto& f : s.fields) {
      Data fd;
      fd.set("type", cppType(f.type));
      fd.set("name", cppName(f.name));
      fields.push_back(fd);
    }
    v.set("fields", fields);
    items_.push_back(v);
    if (s.remotable) ndrFunctions(wire_.structCodec(s));
  }

  void emitUnion(const sema::UnionDecl& u) {
    emitted_.insert(&u);
    for (const auto& arm : u.arms)
      if (arm.field) emitDependencies(arm.field->type);
    if (u.isCUnion) return;  // a plain C union has no C++ mapping; it is only declared in IDL
    const std::string discType = u.switchType ? cppType(u.switchType) : "int32_t";
    Data v;
    v.set("isUnion", true);
    v.set("name", cppName(u.name));
    v.set("discriminantType", discType);
    std::string variant = "std::monostate";
    Data arms = list();
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
      a.set("name", name);
      a.set("type", type);
      a.set("index", std::to_string(index));
      a.set("isDefault", arm.cases.empty());
      a.set("discriminantValue", arm.cases.empty() ? std::string("midl_d")
                                                   : "static_cast<" + discType + ">(" +
                                                         std::to_string(arm.cases.front().integer) + ")");
      arms.push_back(a);
    }
    v.set("variantTypes", variant);
    v.set("arms", arms);
    items_.push_back(v);
    if (u.remotable && u.switchType) ndrFunctions(wire_.unionCodec(u));
  }

  void emitEnum(const sema::EnumDecl& e) {
    emitted_.insert(&e);
    Data v;
    v.set("isEnum", true);
    v.set("name", cppName(e.name));
    Data enumerators = list();
    for (const auto& en : e.enumerators) {
      Data x;
      x.set("name", cppName(en.name));
      x.set("value", std::to_string(en.value));
      enumerators.push_back(x);
    }
    v.set("enumerators", enumerators);
    items_.push_back(v);
  }

  void emitTypedef(const sema::TypedefDecl& td) {
    emitted_.insert(&td);
    emitDependencies(td.type);
    // typedef struct Point {...} Point; needs no alias.
    if (td.type && td.type->kind == Type::Kind::Named && td.type->decl->name == td.name) return;
    Data v;
    v.set("isTypedef", true);
    v.set("name", cppName(td.name));
    // A context handle is, for the client, an opaque handle (the server's manager sees its own state).
    v.set("type", td.isContextHandle ? std::string("::midlrt::rpc::ContextHandle") : cppType(td.type));
    items_.push_back(v);
  }

  void emitConst(const sema::ConstDecl& c) {
    emitted_.insert(&c);
    Data v;
    v.set("isConst", true);
    v.set("name", cppName(c.name));
    const sema::Value& value = c.value;
    if (value.kind == sema::Value::Kind::String) {
      v.set("type", value.isWide ? "const char16_t*" : "const char*");
      v.set("value", std::string(value.isWide ? "u\"" : "\"") + cEscape(value.string) + "\"");
    } else if (value.kind == sema::Value::Kind::Float) {
      v.set("type", "double");
      v.set("value", std::to_string(value.floating));
    } else {
      const Type* t = resolved(c.type);
      v.set("type", t && t->kind == Type::Kind::Primitive ? primitiveType(t->primitive) : "int64_t");
      if (value.isUnsigned)
        v.set("value", std::to_string(static_cast<uint64_t>(value.integer)) + "u");
      else if (value.integer == INT64_MIN)
        v.set("value", "INT64_MIN");
      else
        v.set("value", std::to_string(value.integer));
    }
    items_.push_back(v);
  }

  void emitInterface(const sema::InterfaceDecl& itf) {
    emitted_.insert(&itf);
    if (isRuntimeInterface(itf.name)) {
      Data u;
      u.set("isRuntimeInterface", true);
      u.set("name", cppName(itf.name));
      items_.push_back(u);
      for (const auto& member : itf.members) emitItem(member);
      return;
    }
    // Types declared inside the interface may name it: declare it first.
    if (itf.isObject && !itf.members.empty()) forwardDeclare(&itf);
    for (const auto& member : itf.members) emitItem(member);
    if (const ObjectInterfacePlan* plan = itf.isObject ? plan_.object(&itf) : nullptr)
      items_.push_back(objectInterface(*plan));
  }

  Data objectInterface(const ObjectInterfacePlan& itf) {
    Data o = asyncInterfaceView(itf);
    o.set("isObjectInterface", true);
    o.set("interface", itf.name);
    o.set("baseClass", itf.baseClass);
    o.set("iid", itf.iid);
    o.set("iidText", itf.iidText);
    Data methods = list();
    for (const auto& m : itf.methods) {
      Data d;
      d.set("name", m.name);
      d.set("returnType", m.returnType);
      d.set("params", joinParams(m.clientParams()));
      methods.push_back(d);
    }
    o.set("methods", methods);
    o.set("hasProxy", itf.hasProxy);
    o.set("ifspecUuid", itf.iid);
    return o;
  }

  Data rpcInterface(const RpcInterfacePlan& itf) {
    Data i;
    i.set("interface", itf.name);
    i.set("uuid", itf.uuid);
    i.set("uuidText", itf.uuidText);
    i.set("major", std::to_string(itf.major));
    i.set("minor", std::to_string(itf.minor));
    i.set("hasImplicitHandle", !itf.implicitHandle.empty());
    i.set("implicitHandle", itf.implicitHandle);
    Data ops = list();
    for (const auto& op : itf.operations) {
      Data o;
      o.set("name", op.name);
      o.set("isAsync", op.isAsync);
      o.set("returnType", op.returnType);
      o.set("clientParams", joinParams(rpcClientParams(itf, op)));
      o.set("managerParams", joinParams(rpcManagerParams(op)));
      ops.push_back(o);
    }
    i.set("operations", ops);
    return i;
  }

  void ndrFunctions(const wire::StructCodec& codec) {
    Printer writeFlat, writePointees, readFlat, readPointees;
    emitFlat(writeFlat, codec, Coding::Encode);
    emitPointees(writePointees, codec, Coding::Encode);
    emitFlat(readFlat, codec, Coding::Decode);
    emitPointees(readPointees, codec, Coding::Decode);
    ndrTypes_.push_back(ndrType(codec.type, writeFlat, writePointees, readFlat, readPointees));
  }

  void ndrFunctions(const wire::UnionCodec& codec) {
    Printer writeFlat, writePointees, readFlat, readPointees;
    emitFlat(writeFlat, codec, Coding::Encode);
    emitPointees(writePointees, codec, Coding::Encode);
    emitFlat(readFlat, codec, Coding::Decode);
    emitPointees(readPointees, codec, Coding::Decode);
    ndrTypes_.push_back(ndrType(codec.type, writeFlat, writePointees, readFlat, readPointees));
  }

  static Data ndrType(const std::string& type, const Printer& writeFlat, const Printer& writePointees,
                      const Printer& readFlat, const Printer& readPointees) {
    Data n;
    n.set("type", type);
    n.set("writeFlat", lines(writeFlat));
    n.set("writePointees", lines(writePointees));
    n.set("readFlat", lines(readFlat));
    n.set("readPointees", lines(readPointees));
    return n;
  }

  const sema::Model& model_;
  const FilePlan& plan_;
  WirePlanner& wire_;
  const std::string& defaultImportDir_;
  Data items_ = list();
  Data ndrTypes_ = list();
  std::set<const Decl*> emitted_;
  std::set<const Decl*> forwarded_;
};

}  // namespace

Data headerView(const sema::Model& model, const FilePlan& plan, WirePlanner& wire,
                const std::string& defaultImportDir) {
  return HeaderView(model, plan, wire, defaultImportDir).build();
}

}  // namespace midlc::codegen
