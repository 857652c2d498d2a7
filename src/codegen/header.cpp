// The header generator: builds the view (every decision spelled as C++ text) that templates/cpp/
// header.h.mustache renders, and the generate() entry point.
#include <kainjow/mustache.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "codegen/com_view.h"
#include "codegen/cpp_types.h"
#include "codegen/format.h"
#include "codegen/generate.h"
#include "codegen/ndr_code.h"
#include "codegen/rpc_view.h"
#include "codegen/templates.h"
#include "support/text.h"

namespace midlc::codegen {

namespace mustache = kainjow::mustache;
using sema::Decl;
using sema::Type;

namespace {

std::string baseNameOf(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

std::string stemOf(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

class HeaderView {
 public:
  HeaderView(const sema::Model& model, const Options& options, Diagnostics& diagnostics)
      : model_(model), options_(options), ndr_(model, diagnostics), diagnostics_(diagnostics) {}

  mustache::data build() {
    mustache::data view;
    view.set("version", MIDLC_VERSION);
    view.set("idlFile", baseNameOf(model_.mainFile().path));
    mustache::data includes{mustache::data::type::list};
    for (const auto& item : model_.mainFile().items)
      if (auto* import = std::get_if<sema::Import>(&item)) includes.push_back(include(*import));
    view.set("includes", includes);
    view.set("usesPipes", usesPipes());
    for (const auto& item : model_.mainFile().items) emitItem(item);
    view.set("items", items_);
    view.set("ndrTypes", ndrTypes_);
    view.set("hasNdr", !ndrTypes_.is_empty_list());
    view.set("objectInterfaces", objectInterfaces_);
    return view;
  }

  bool failed() const { return failed_ || ndr_.failed(); }
  NdrCode& ndr() { return ndr_; }

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

  mustache::data include(const sema::Import& import) {
    mustache::data d;
    std::string header = stemOf(import.path) + ".h";
    // midlc's own IDL (runtime/idl) has its headers in the runtime.
    std::error_code ec;
    bool own = !options_.defaultImportDir.empty() &&
               std::filesystem::exists(std::filesystem::path(options_.defaultImportDir) / import.path, ec);
    bool shadowed = std::filesystem::exists(
        std::filesystem::path(model_.mainFile().path).parent_path() / import.path, ec);
    d.set("spelling", own && !shadowed ? "<midlrt/idl/" + header + ">" : "\"" + header + "\"");
    return d;
  }

  void emitItem(const sema::Item& item) {
    if (auto* q = std::get_if<sema::CppQuote>(&item)) {
      mustache::data d;
      d.set("isCppQuote", true);
      d.set("text", q->text);
      items_.push_back(d);
    } else if (auto* p = std::get_if<sema::Pragma>(&item)) {
      mustache::data d;
      d.set("isPragma", true);
      d.set("text", p->text);
      items_.push_back(d);
    } else if (auto* decl = std::get_if<const Decl*>(&item)) {
      emitDecl(*decl);
    }
  }

  // Emits a declaration after the types it holds by value that are not emitted yet (anonymous structs and
  // unions written inside it have no item of their own).
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
    mustache::data f;
    f.set("isForward", true);
    f.set("keyword", "struct");
    f.set("name", cppName(d->name));
    items_.push_back(f);
  }

  void emitDecl(const Decl* d) {
    if (!d || emitted_.count(d)) return;
    switch (d->kind) {
      case Decl::Kind::Struct: {
        if (d->isForward) return forwardDeclare(d);
        emitted_.insert(d);
        const auto* s = static_cast<const sema::StructDecl*>(d);
        for (const auto& f : s->fields) emitDependencies(f.type);
        mustache::data v;
        v.set("isStruct", true);
        v.set("name", cppName(d->name));
        mustache::data fields{mustache::data::type::list};
        for (const auto& f : s->fields) {
          mustache::data fd;
          fd.set("type", cppType(f.type));
          fd.set("name", cppName(f.name));
          fields.push_back(fd);
        }
        v.set("fields", fields);
        items_.push_back(v);
        ndr_.at(d->location);
        ndrFunctions(cppName(d->name), ndr_.structWriteFlat(*s), ndr_.structWritePointees(*s),
                     ndr_.structReadFlat(*s), ndr_.structReadPointees(*s));
        return;
      }
      case Decl::Kind::Union: {
        if (d->isForward) return forwardDeclare(d);
        emitted_.insert(d);
        const auto* u = static_cast<const sema::UnionDecl*>(d);
        for (const auto& arm : u->arms)
          if (arm.field) emitDependencies(arm.field->type);
        if (u->isCUnion) return;  // a plain C union has no C++ mapping; it is only declared in IDL
        const Type* disc = ndr_.switchType(*u);
        std::string discType = disc ? cppType(disc) : "int32_t";
        mustache::data v;
        v.set("isUnion", true);
        v.set("name", cppName(d->name));
        v.set("discriminantType", discType);
        std::string variant = "std::monostate";
        mustache::data arms{mustache::data::type::list};
        size_t index = 0;
        for (const auto& arm : u->arms) {
          if (!arm.field) continue;
          ++index;
          std::string type = cppType(arm.field->type);
          variant += ", " + type;
          mustache::data a;
          a.set("name", cppName(arm.field->name));
          a.set("type", type);
          a.set("index", std::to_string(index));
          a.set("isDefault", arm.cases.empty());
          a.set("discriminantValue", arm.cases.empty() ? std::string("d")
                                                       : "static_cast<" + discType + ">(" +
                                                             std::to_string(arm.cases.front().integer) + ")");
          arms.push_back(a);
        }
        v.set("variantTypes", variant);
        v.set("arms", arms);
        items_.push_back(v);
        ndr_.at(d->location);
        ndrFunctions(cppName(d->name), ndr_.unionWriteFlat(*u), ndr_.unionWritePointees(*u),
                     ndr_.unionReadFlat(*u), ndr_.unionReadPointees(*u));
        return;
      }
      case Decl::Kind::Enum: {
        if (d->isForward) return;
        emitted_.insert(d);
        const auto* e = static_cast<const sema::EnumDecl*>(d);
        mustache::data v;
        v.set("isEnum", true);
        v.set("name", cppName(d->name));
        mustache::data list{mustache::data::type::list};
        for (const auto& en : e->enumerators) {
          mustache::data x;
          x.set("name", cppName(en.name));
          x.set("value", std::to_string(en.value));
          list.push_back(x);
        }
        v.set("enumerators", list);
        items_.push_back(v);
        return;
      }
      case Decl::Kind::Typedef: {
        emitted_.insert(d);
        const auto* td = static_cast<const sema::TypedefDecl*>(d);
        emitDependencies(td->type);
        // typedef struct Point {...} Point; needs no alias.
        if (td->type && td->type->kind == Type::Kind::Named && td->type->decl->name == d->name) return;
        mustache::data v;
        v.set("isTypedef", true);
        v.set("name", cppName(d->name));
        // A context handle is, for the client, an opaque handle (the server's manager sees its own state).
        v.set("type", td->isContextHandle ? std::string("::midlrt::rpc::ContextHandle") : cppType(td->type));
        items_.push_back(v);
        return;
      }
      case Decl::Kind::Const: {
        emitted_.insert(d);
        const auto* c = static_cast<const sema::ConstDecl*>(d);
        mustache::data v;
        v.set("isConst", true);
        v.set("name", cppName(d->name));
        const sema::Value& value = c->value;
        if (value.kind == sema::Value::Kind::String) {
          v.set("type", value.isWide ? "const char16_t*" : "const char*");
          v.set("value", std::string(value.isWide ? "u\"" : "\"") + cEscape(value.string) + "\"");
        } else if (value.kind == sema::Value::Kind::Float) {
          v.set("type", "double");
          v.set("value", std::to_string(value.floating));
        } else {
          const Type* t = resolved(c->type);
          std::string type = t && t->kind == Type::Kind::Primitive ? primitiveType(t->primitive) : "int64_t";
          v.set("type", type);
          if (value.isUnsigned)
            v.set("value", std::to_string(static_cast<uint64_t>(value.integer)) + "u");
          else if (value.integer == INT64_MIN)
            v.set("value", "INT64_MIN");
          else
            v.set("value", std::to_string(value.integer));
        }
        items_.push_back(v);
        return;
      }
      case Decl::Kind::Interface: {
        emitted_.insert(d);
        const auto* itf = static_cast<const sema::InterfaceDecl*>(d);
        if (isRuntimeInterface(itf->name)) {
          mustache::data u;
          u.set("isRuntimeInterface", true);
          u.set("name", cppName(d->name));
          items_.push_back(u);
          for (const auto& member : itf->members) emitItem(member);
          return;
        }
        // Types declared inside the interface may name it: declare it first.
        if (itf->isObject && !itf->members.empty()) forwardDeclare(d);
        for (const auto& member : itf->members) emitItem(member);
        if (itf->isObject) {
          mustache::data o;
          if (!buildObjectInterface(*itf, ndr_, o, diagnostics_)) failed_ = true;
          items_.push_back(o);
          if (!itf->imported) objectInterfaces_.push_back(o);
        }
        return;
      }
      case Decl::Kind::Library:
      case Decl::Kind::Module: {
        emitted_.insert(d);
        for (const auto& member : static_cast<const sema::ContainerDecl*>(d)->members) emitItem(member);
        return;
      }
      default:
        return;
    }
  }

  void ndrFunctions(const std::string& name, std::string writeFlat, std::string writePointees,
                    std::string readFlat, std::string readPointees) {
    mustache::data n;
    n.set("cppName", name);
    n.set("writeFlat", formatStatements(writeFlat, 1));
    n.set("writePointees", formatStatements(writePointees, 1));
    n.set("readFlat", formatStatements(readFlat, 1));
    n.set("readPointees", formatStatements(readPointees, 1));
    ndrTypes_.push_back(n);
  }

  const sema::Model& model_;
  const Options& options_;
  NdrCode ndr_;
  Diagnostics& diagnostics_;
  mustache::data items_{mustache::data::type::list};
  mustache::data ndrTypes_{mustache::data::type::list};
  std::set<const Decl*> emitted_;
  std::set<const Decl*> forwarded_;
  mustache::data objectInterfaces_{mustache::data::type::list};
  bool failed_ = false;
};

std::optional<std::string> render(const std::string& templateName, const mustache::data& view,
                                  const Options& options, Diagnostics& diagnostics) {
  auto text = loadTemplate(templateName, options.templateDir, diagnostics);
  if (!text) return std::nullopt;
  mustache::mustache tmpl{*text};
  if (!tmpl.is_valid()) {
    diagnostics.error(Location{templateName, 0, 0}, "template error: " + tmpl.error_message());
    return std::nullopt;
  }
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string rendered = tmpl.render(view);
  if (!tmpl.is_valid()) {
    diagnostics.error(Location{templateName, 0, 0}, "template error: " + tmpl.error_message());
    return std::nullopt;
  }
  // Sections that render nothing leave their lines behind: keep at most one blank line in a row.
  std::string out;
  size_t newlines = 0;
  for (char c : rendered) {
    newlines = c == '\n' ? newlines + 1 : 0;
    if (newlines <= 2) out += c;
  }
  return out;
}

}  // namespace

namespace {

// An output file's name: the one chosen on the command line, or midlc's default.
std::string fileName(const std::string& chosen, std::string fallback) {
  return chosen.empty() ? fallback : chosen;
}

// One view serves every output file: the header's types and the interfaces' client and server code.
std::optional<mustache::data> buildView(const sema::Model& model, const Options& options,
                                        Diagnostics& diagnostics) {
  HeaderView header(model, options, diagnostics);
  mustache::data view = header.build();
  bool ok = buildRpcInterfaces(model, header.ndr(), view, diagnostics);
  if (!ok || header.failed()) return std::nullopt;
  std::string base = options.baseName.empty() ? stemOf(model.mainFile().path) : options.baseName;
  view.set("header", fileName(options.headerName, base + ".h"));
  return view;
}

}  // namespace

std::optional<std::string> generateHeader(const sema::Model& model, const Options& options,
                                          Diagnostics& diagnostics) {
  auto view = buildView(model, options, diagnostics);
  if (!view) return std::nullopt;
  return render("header.h.mustache", *view, options, diagnostics);
}

bool DirectorySink::write(const std::string& fileName, const std::string& text, Diagnostics& diagnostics) {
  std::filesystem::path path = std::filesystem::path(dir_) / fileName;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  // Unchanged output keeps its timestamp, so build systems do not rebuild what depends on it.
  std::string existing;
  if (readFile(path.string(), existing) && existing == text) return true;
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    diagnostics.error(Location{path.string(), 0, 0}, "cannot write file");
    return false;
  }
  return true;
}

bool generate(const sema::Model& model, const Options& options, OutputSink& sink, Diagnostics& diagnostics) {
  std::string base = options.baseName.empty() ? stemOf(model.mainFile().path) : options.baseName;
  auto view = buildView(model, options, diagnostics);
  if (!view) return false;
  const std::pair<bool, std::pair<const char*, std::string>> outputs[] = {
      {options.header, {"header.h.mustache", fileName(options.headerName, base + ".h")}},
      {options.client, {"client.cpp.mustache", fileName(options.clientName, base + "_c.cpp")}},
      {options.server, {"server.cpp.mustache", fileName(options.serverName, base + "_s.cpp")}},
  };
  for (const auto& [wanted, output] : outputs) {
    if (!wanted) continue;
    auto text = render(output.first, *view, options, diagnostics);
    if (!text || !sink.write(output.second, *text, diagnostics)) return false;
  }
  return !diagnostics.hasErrors();
}

}  // namespace midlc::codegen
