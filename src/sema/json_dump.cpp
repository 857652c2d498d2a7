// --dump-model: the semantic model of the main file as JSON, for tests and tools.
#include "sema/json_dump.h"

#include "support/text.h"

namespace midlc::sema {

namespace {

class Json {
 public:
  explicit Json(std::string& out) : out_(out) {}

  void open(char c) {
    value();
    out_ += c;
    ++depth_;
    first_ = true;
  }
  void close(char c) {
    --depth_;
    if (!first_) newline();
    out_ += c;
    first_ = false;
  }
  void key(const std::string& k) {
    separator();
    out_ += jsonQuote(k) + ": ";
    afterKey_ = true;
  }
  void string(const std::string& s) {
    value();
    out_ += jsonQuote(s);
  }
  void number(int64_t n) {
    value();
    out_ += std::to_string(n);
  }
  void boolean(bool b) {
    value();
    out_ += b ? "true" : "false";
  }
  void field(const std::string& k, const std::string& v) { key(k), string(v); }
  void field(const std::string& k, int64_t v) { key(k), number(v); }
  void flag(const std::string& k, bool v) {
    if (v) key(k), boolean(true);
  }

 private:
  void value() {
    if (afterKey_) {
      afterKey_ = false;
      return;
    }
    separator();
  }
  void separator() {
    if (!first_) out_ += ",";
    if (depth_ > 0) newline();
    first_ = false;
  }
  void newline() {
    out_ += '\n';
    out_.append(static_cast<size_t>(depth_) * 2, ' ');
  }
  std::string& out_;
  int depth_ = 0;
  bool first_ = true;
  bool afterKey_ = false;
};

const char* declKind(Decl::Kind k) {
  switch (k) {
    case Decl::Kind::Struct:
      return "struct";
    case Decl::Kind::Union:
      return "union";
    case Decl::Kind::Enum:
      return "enum";
    case Decl::Kind::Typedef:
      return "typedef";
    case Decl::Kind::Const:
      return "const";
    case Decl::Kind::Interface:
      return "interface";
    case Decl::Kind::Dispinterface:
      return "dispinterface";
    case Decl::Kind::Coclass:
      return "coclass";
    case Decl::Kind::Library:
      return "library";
    case Decl::Kind::Module:
      return "module";
  }
  return "?";
}

void value(Json& j, const Value& v) {
  switch (v.kind) {
    case Value::Kind::Integer:
    case Value::Kind::Char:
      if (v.isUnsigned && v.integer < 0)
        j.string(std::to_string(static_cast<uint64_t>(v.integer)));
      else
        j.number(v.integer);
      break;
    case Value::Kind::Float:
      j.string(std::to_string(v.floating));
      break;
    case Value::Kind::String:
      j.string(v.string);
      break;
    case Value::Kind::None:
      j.string("");
      break;
  }
}

void attributes(Json& j, const std::vector<Attribute>& attrs, const char* key = "attributes") {
  if (attrs.empty()) return;
  j.key(key);
  j.open('[');
  for (const auto& a : attrs) {
    std::string text = a.name;
    if (!a.args.empty()) {
      text += "(";
      for (size_t i = 0; i < a.args.size(); ++i) text += (i ? ", " : "") + a.args[i];
      text += ")";
    }
    j.string(text);
  }
  j.close(']');
}

void type(Json& j, const Type* t) {
  j.open('{');
  if (!t) {
    j.field("kind", "error");
    j.close('}');
    return;
  }
  switch (t->kind) {
    case Type::Kind::Primitive:
      j.field("kind", "primitive");
      j.field("name", primitiveName(t->primitive));
      break;
    case Type::Kind::Named:
      j.field("kind", "named");
      j.field("name", t->decl->name);
      j.field("declares", declKind(t->decl->kind));
      break;
    case Type::Kind::Pointer:
      j.field("kind", "pointer");
      j.field("pointer", pointerKindName(t->pointerKind));
      break;
    case Type::Kind::Array:
      j.field("kind", "array");
      if (t->fixedLength) j.field("length", static_cast<int64_t>(*t->fixedLength));
      break;
    case Type::Kind::Pipe:
      j.field("kind", "pipe");
      break;
    case Type::Kind::Function:
      j.field("kind", "function");
      break;
  }
  j.flag("const", t->isConst);
  j.flag("string", t->isString);
  auto sizing = [&](const char* k, const Expr* e) {
    if (e) j.field(k, e->text);
  };
  sizing("size_is", t->sizing.sizeIs);
  sizing("max_is", t->sizing.maxIs);
  sizing("min_is", t->sizing.minIs);
  sizing("length_is", t->sizing.lengthIs);
  sizing("first_is", t->sizing.firstIs);
  sizing("last_is", t->sizing.lastIs);
  if (t->element && t->kind != Type::Kind::Named) {
    j.key(t->kind == Type::Kind::Function ? "returns" : "of");
    type(j, t->element);
  }
  j.close('}');
}

void fieldJson(Json& j, const Field& f) {
  j.open('{');
  j.field("name", f.name);
  j.key("type");
  type(j, f.type);
  if (f.switchIs) j.field("switch_is", f.switchIs->text);
  if (f.bitWidth) j.field("bits", static_cast<int64_t>(*f.bitWidth));
  if (f.rangeMin && f.rangeMax) {
    j.key("range");
    j.open('[');
    value(j, f.rangeMin->value);
    value(j, f.rangeMax->value);
    j.close(']');
  }
  attributes(j, f.attributes);
  j.close('}');
}

void item(Json& j, const Item& it);

void items(Json& j, const char* key, const std::vector<Item>& list) {
  if (list.empty()) return;
  j.key(key);
  j.open('[');
  for (const auto& it : list) item(j, it);
  j.close(']');
}

void operation(Json& j, const Operation& op) {
  j.open('{');
  j.field("name", op.name);
  j.field("opnum", static_cast<int64_t>(op.opnum));
  j.flag("async", op.isAsync);
  j.flag("comm_status", op.hasCommStatusReturn);
  j.flag("fault_status", op.hasFaultStatusReturn);
  j.key("returns");
  type(j, op.returnType);
  j.key("params");
  j.open('[');
  for (const auto& p : op.params) {
    j.open('{');
    j.field("name", p.name);
    j.field("direction", p.direction == Direction::In    ? "in"
                         : p.direction == Direction::Out ? "out"
                                                         : "in,out");
    j.key("type");
    type(j, p.type);
    j.flag("retval", p.isRetval);
    j.flag("comm_status", p.isCommStatus);
    j.flag("fault_status", p.isFaultStatus);
    j.flag("context_handle", p.isContextHandle);
    if (p.switchIs) j.field("switch_is", p.switchIs->text);
    if (p.iidIs) j.field("iid_is", p.iidIs->text);
    if (p.rangeMin && p.rangeMax) {
      j.key("range");
      j.open('[');
      value(j, p.rangeMin->value);
      value(j, p.rangeMax->value);
      j.close(']');
    }
    attributes(j, p.attributes);
    j.close('}');
  }
  j.close(']');
  attributes(j, op.attributes);
  attributes(j, op.acfAttributes, "acf");
  j.close('}');
}

void decl(Json& j, const Decl& d) {
  j.open('{');
  j.field("kind", declKind(d.kind));
  j.field("name", d.name);
  j.field("line", static_cast<int64_t>(d.location.line));
  j.flag("forward", d.isForward);
  switch (d.kind) {
    case Decl::Kind::Struct: {
      const auto& s = static_cast<const StructDecl&>(d);
      j.key("fields");
      j.open('[');
      for (const auto& f : s.fields) fieldJson(j, f);
      j.close(']');
      break;
    }
    case Decl::Kind::Union: {
      const auto& u = static_cast<const UnionDecl&>(d);
      j.flag("encapsulated", u.encapsulated);
      if (u.switchType) {
        j.key("switch_type");
        type(j, u.switchType);
      }
      if (u.encapsulated) {
        j.field("switch_name", u.switchName);
        j.field("arm_name", u.armName);
      }
      j.key("arms");
      j.open('[');
      for (const auto& arm : u.arms) {
        j.open('{');
        if (!arm.cases.empty()) {
          j.key("cases");
          j.open('[');
          for (const auto& c : arm.cases) value(j, c);
          j.close(']');
        }
        j.flag("default", arm.isDefault);
        if (arm.field) {
          j.key("field");
          fieldJson(j, *arm.field);
        }
        j.close('}');
      }
      j.close(']');
      break;
    }
    case Decl::Kind::Enum: {
      const auto& e = static_cast<const EnumDecl&>(d);
      j.flag("v1_enum", e.v1Enum);
      j.key("enumerators");
      j.open('[');
      for (const auto& en : e.enumerators) {
        j.open('{');
        j.field("name", en.name);
        j.field("value", en.value);
        j.close('}');
      }
      j.close(']');
      break;
    }
    case Decl::Kind::Typedef: {
      const auto& t = static_cast<const TypedefDecl&>(d);
      j.key("type");
      type(j, t.type);
      j.flag("context_handle", t.isContextHandle);
      j.flag("encode", t.encode);  // pickled (the ACF's [encode]/[decode], on the typedef or its interface)
      j.flag("decode", t.decode);
      if (t.conversion != Conversion::None) {
        static const char* const names[] = {"", "transmit_as", "wire_marshal", "user_marshal", "represent_as"};
        j.field("conversion", names[static_cast<int>(t.conversion)]);
        j.key("wire_type");
        type(j, t.wireType);
        if (!t.localTypeName.empty()) j.field("local_type", t.localTypeName);
      }
      attributes(j, t.acfAttributes, "acf");
      break;
    }
    case Decl::Kind::Const: {
      const auto& c = static_cast<const ConstDecl&>(d);
      j.key("type");
      type(j, c.type);
      j.key("value");
      value(j, c.value);
      break;
    }
    case Decl::Kind::Interface: {
      const auto& i = static_cast<const InterfaceDecl&>(d);
      if (i.uuid) j.field("uuid", i.uuid->text());
      j.field("version", std::to_string(i.versionMajor) + "." + std::to_string(i.versionMinor));
      j.flag("object", i.isObject);
      j.flag("local", i.isLocal);
      if (i.base) j.field("base", i.base->name);
      j.field("pointer_default", pointerKindName(i.pointerDefault));
      if (!i.isObject)
        j.field("handle", i.handleKind == HandleKind::Explicit ? "explicit"
                          : i.handleKind == HandleKind::Implicit
                              ? "implicit:" + i.implicitHandleType + " " + i.implicitHandleName
                              : "auto");
      if (i.asyncSource != AsyncSource::None) {
        j.key("async");
        j.open('{');
        j.field("source", i.asyncSource == AsyncSource::AsyncUuid ? "async_uuid" : "acf");
        if (i.asyncUuid) j.field("iid", i.asyncUuid->text());
        j.field("interface", "Async" + i.name);
        j.close('}');
      }
      if (!i.endpoints.empty()) {
        j.key("endpoints");
        j.open('[');
        for (const auto& e : i.endpoints) j.string(e);
        j.close(']');
      }
      items(j, "members", i.members);
      j.key("operations");
      j.open('[');
      for (const auto& op : i.operations) operation(j, op);
      j.close(']');
      attributes(j, i.acfAttributes, "acf");
      break;
    }
    case Decl::Kind::Coclass: {
      const auto& c = static_cast<const CoclassDecl&>(d);
      if (c.uuid) j.field("uuid", c.uuid->text());
      j.key("interfaces");
      j.open('[');
      for (const auto& n : c.interfaces) j.string(n);
      j.close(']');
      break;
    }
    case Decl::Kind::Dispinterface:
    case Decl::Kind::Library:
    case Decl::Kind::Module: {
      const auto& c = static_cast<const ContainerDecl&>(d);
      if (c.uuid) j.field("uuid", c.uuid->text());
      items(j, "members", c.members);
      break;
    }
  }
  attributes(j, d.attributes);
  j.close('}');
}

void item(Json& j, const Item& it) {
  if (auto* d = std::get_if<const Decl*>(&it)) return decl(j, **d);
  j.open('{');
  if (auto* q = std::get_if<CppQuote>(&it)) {
    j.field("kind", "cpp_quote");
    j.field("text", q->text);
  } else if (auto* p = std::get_if<Pragma>(&it)) {
    j.field("kind", "pragma");
    j.field("text", p->text);
  } else if (auto* i = std::get_if<Import>(&it)) {
    j.field("kind", "import");
    j.field("path", i->path);
  }
  j.close('}');
}

std::string baseName(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string dumpModel(const Model& model) {
  std::string out;
  Json j(out);
  j.open('{');
  j.field("file", baseName(model.mainFile().path));
  if (!model.acfPath.empty()) j.field("acf", baseName(model.acfPath));
  j.key("imported_files");
  j.open('[');
  for (const auto& f : model.files)
    if (!f.isMain) j.string(baseName(f.path));
  j.close(']');
  items(j, "items", model.mainFile().items);
  j.close('}');
  out += '\n';
  return out;
}

}  // namespace midlc::sema
