// Semantic analysis: files, declarations, interfaces and operations.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "sema/analyzer.h"
#include "sema/pickling.h"
#include "sema/remoting.h"

namespace midlc::sema {

// Fixed forever: changing it changes every derived IID.
const Uuid kAsyncIidNamespace = *Uuid::parse("6d69646c-6361-7379-6e63-000000000001");

namespace {

constexpr uint32_t kMaxOpnum = 0xFFFF;  // the request PDU's opnum field is 16 bits

// Two resolved integer or enum types are the same whatever their spelling (long and __int32).
bool sameIntegerType(const Type* a, const Type* b) {
  if (!a || !b || a->kind != b->kind) return false;
  return a->kind == Type::Kind::Primitive ? a->primitive == b->primitive : a->decl == b->decl;
}

}  // namespace

std::unique_ptr<Model> analyze(const std::vector<ParsedFile>& files, const ast::AcfFile* acf,
                               Diagnostics& diagnostics, Stubs stubs) {
  auto model = std::make_unique<Model>();
  size_t errorsBefore = diagnostics.errorCount();
  Analyzer analyzer(*model, diagnostics);
  // Files are analyzed depth first from the main file, each import where it stands; a file that no
  // import statement reaches (there should be none) is analyzed before the main file.
  std::vector<bool> done(files.size(), false);
  std::function<void(size_t)> run = [&](size_t i) {
    if (done[i]) return;
    done[i] = true;
    analyzer.file(*files[i].file, files[i].isMain);
  };
  analyzer.onImport_ = [&](const ast::Import& import, const std::string& importer) {
    std::string written = import.path;
    std::string local = (std::filesystem::path(importer).parent_path() / written).lexically_normal().string();
    size_t best = files.size();
    for (size_t j = 0; j < files.size(); ++j) {
      const std::string& p = files[j].file->path;
      bool exact = std::filesystem::path(p).lexically_normal().string() == local;
      bool suffix = p == written || (p.size() > written.size() &&
                                     p.compare(p.size() - written.size(), written.size(), written) == 0 &&
                                     p[p.size() - written.size() - 1] == '/');
      if (exact) {
        best = j;
        break;
      }
      if (suffix && best == files.size()) best = j;
    }
    if (best < files.size()) run(best);
  };
  for (size_t i = 0; i < files.size(); ++i)
    if (files[i].isMain) run(i);
  for (size_t i = 0; i < files.size(); ++i) run(i);
  if (acf) {
    model->acfPath = acf->path;
    analyzer.acf(*acf);
  }
  analyzer.finalChecks();
  if (diagnostics.errorCount() > errorsBefore) return nullptr;
  checkRemoting(*model, diagnostics, stubs == Stubs::Required);
  if (diagnostics.errorCount() > errorsBefore) return nullptr;
  checkPickling(*model, diagnostics);
  if (diagnostics.errorCount() > errorsBefore) return nullptr;
  return model;
}

void Analyzer::file(const ast::File& file, bool isMain) {
  // An import is analyzed in the middle of its importer (even inside an interface): keep its state.
  std::string outerFile = file_;
  bool outerImported = imported_;
  InterfaceDecl* outerInterface = currentInterface_;
  bool outerLibrary = insideLibrary_;
  currentInterface_ = nullptr;
  insideLibrary_ = false;
  file_ = file.path;
  imported_ = !isMain;
  SourceFileModel model;
  model.path = file.path;
  model.isMain = isMain;
  for (const auto& def : file.definitions) definition(def, model.items);
  m_.files.push_back(std::move(model));
  file_ = outerFile;
  imported_ = outerImported;
  currentInterface_ = outerInterface;
  insideLibrary_ = outerLibrary;
}

const Decl* Analyzer::findName(const std::string& name) const {
  if (const Decl* d = m_.find(name)) return d;
  size_t dot = name.rfind('.');
  return dot == std::string::npos ? nullptr : m_.find(name.substr(dot + 1));
}

void Analyzer::parameterizedDecl(const std::string& name, const Location& location, std::vector<Item>& out) {
  if (m_.find(name)) return;
  auto* decl = make<InterfaceDecl>();
  decl->name = name;
  decl->location = location;
  decl->isForward = true;
  decl->isObject = true;
  declare(decl);
  (void)out;
}

bool Analyzer::declare(Decl* decl) {
  auto [it, inserted] = m_.byName.emplace(decl->name, decl);
  if (inserted) return true;
  const Decl* previous = it->second;
  if (previous->kind == Decl::Kind::Library) {  // a library's name yields to anything else's
    it->second = decl;
    return true;
  }
  // A forward declaration followed by its definition, or a repeated forward declaration, is fine.
  if (previous->kind == decl->kind && (previous->isForward || decl->isForward)) {
    if (previous->isForward && !decl->isForward) it->second = decl;
    return true;
  }
  // A coclass or a dispinterface may share its name with an interface (coclass Foo beside interface Foo):
  // widl keeps them apart, and as a type the name means the interface, whichever came first. The other
  // is still declared: the caller keeps it in its file's items.
  auto yieldsToInterface = [](const Decl* d) {
    return d->kind == Decl::Kind::Coclass || d->kind == Decl::Kind::Dispinterface;
  };
  if (previous->kind == Decl::Kind::Interface && yieldsToInterface(decl)) return true;
  if (yieldsToInterface(previous) && decl->kind == Decl::Kind::Interface) {
    it->second = decl;
    return true;
  }
  // A typedef may redefine a type of another file (dcommon.idl's POINT after windef's): widl lets the
  // later one stand from there on, and objects only to a redefinition within one file.
  if (decl->kind == Decl::Kind::Typedef && previous->kind == Decl::Kind::Typedef &&
      previous->file != decl->file) {
    it->second = decl;
    return true;
  }
  d_.error(decl->location, "redefinition of '" + decl->name + "'");
  if (previous->location.valid()) d_.note(previous->location, "previous definition is here");
  return false;
}

std::vector<Attribute> Analyzer::convert(const ast::Attributes& attrs, bool fromAcf) {
  std::vector<Attribute> out;
  for (const auto& a : attrs) {
    Attribute attr;
    attr.name = a.name;
    attr.location = a.location;
    attr.fromAcf = fromAcf;
    for (const auto& arg : a.args) attr.args.push_back(arg.text);
    out.push_back(std::move(attr));
  }
  return out;
}

std::optional<Uuid> Analyzer::uuidAttribute(const ast::Attributes& attrs, const char* name) {
  const ast::Attribute* a = ast::findAttribute(attrs, name);
  if (!a || a->args.empty()) return std::nullopt;
  auto uuid = Uuid::parse(a->args[0].text);
  if (!uuid)
    d_.error(a->args[0].location, std::string("malformed uuid '") + a->args[0].text +
                                      "' (expected 8-4-4-4-12 hexadecimal digits)");
  return uuid;
}

void Analyzer::definition(const ast::Definition& def, std::vector<Item>& out) {
  if (typeNestingRefused_) return;  // what follows would only nest deeper
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, ast::Import>) {
          if (onImport_) onImport_(node, file_);
          out.push_back(Import{node.path, node.location});
        } else if constexpr (std::is_same_v<T, ast::ImportLib>) {
          // Type libraries are not read; the import is kept for the dump.
        } else if constexpr (std::is_same_v<T, ast::CppQuote>) {
          out.push_back(CppQuote{node.text, node.location});
        } else if constexpr (std::is_same_v<T, ast::Pragma>) {
          if (node.isMidlPragma) {
            if (node.text.find("warning") == std::string::npos)
              d_.warning(node.location, "pragma", "midl_pragma is ignored: " + node.text);
          } else {
            out.push_back(Pragma{node.text, node.location});
          }
        } else if constexpr (std::is_same_v<T, ast::Typedef>) {
          typedefDecl(node, out);
        } else if constexpr (std::is_same_v<T, ast::Const>) {
          constDecl(node, out);
        } else if constexpr (std::is_same_v<T, ast::TagDecl>) {
          checker_.check(node.attributes, kType);
          bindTypeAttributes(node.attributes, typeSpec(node.type, &out));
        } else if constexpr (std::is_same_v<T, ast::Operation>) {
          // A C prototype outside any interface ([local] HRESULT WINAPI CreateDXGIFactory(...)): widl
          // passes it to the header; nothing is marshaled, so its types are only resolved.
          checker_.check(node.attributes, kOperation);
          typeSpec(node.returnType, nullptr);
          std::vector<Param> ignored;
          params(node.params, ignored, true, false);
        } else if constexpr (std::is_same_v<T, std::unique_ptr<ast::Interface>>) {
          if (!node->typeParams.empty())
            parameterizedDecl(node->name, node->location, out);
          else
            interfaceDecl(*node, out);
        } else if constexpr (std::is_same_v<T, std::unique_ptr<ast::Namespace>>) {
          std::string outer = namespace_;
          namespace_ += (namespace_.empty() ? "" : ".") + node->name;
          for (const auto& inner : node->definitions) definition(inner, out);
          namespace_ = outer;
        } else if constexpr (std::is_same_v<T, std::unique_ptr<ast::Apicontract>>) {
          // A versioned name for [contract(...)] attributes; nothing of it reaches C or the wire.
        } else if constexpr (std::is_same_v<T, std::unique_ptr<ast::Delegate>>) {
          if (!node->typeParams.empty())
            parameterizedDecl(node->name, node->location, out);
          else
            delegateDecl(*node, out);
        } else if constexpr (std::is_same_v<T, std::unique_ptr<ast::Dispinterface>>) {
          checker_.check(node->attributes, kDispinterface);
          auto* decl = make<ContainerDecl>();
          decl->kind = Decl::Kind::Dispinterface;
          decl->name = node->name;
          decl->location = node->location;
          decl->isForward = node->isForward;
          decl->attributes = convert(node->attributes);
          decl->uuid = uuidAttribute(node->attributes, "uuid");
          if (declare(decl)) out.push_back(static_cast<const Decl*>(decl));
          for (const auto& prop : node->properties) checker_.check(prop.attributes, kField);
          for (const auto& method : node->methods) {
            checker_.check(method.attributes, kOperation);
            for (const auto& p : method.params) checker_.check(p.attributes, kParam);
          }
        } else if constexpr (std::is_same_v<T, std::unique_ptr<ast::Coclass>>) {
          checker_.check(node->attributes, kCoclass);
          auto* decl = make<CoclassDecl>();
          decl->name = node->name;
          decl->location = node->location;
          decl->isForward = node->isForward;
          decl->attributes = convert(node->attributes);
          decl->uuid = uuidAttribute(node->attributes, "uuid");
          for (const auto& member : node->members) {
            checker_.check(member.attributes, kCoclassMember);
            const Decl* target = m_.find(member.name);
            if (!target) {
              // "interface IFoo;" inside a coclass declares IFoo, as it would outside (widl).
              Decl* forward = nullptr;
              if (member.isDispinterface) {
                auto* disp = make<ContainerDecl>();
                disp->kind = Decl::Kind::Dispinterface;
                forward = disp;
              } else {
                auto* itf = make<InterfaceDecl>();
                itf->isObject = true;
                forward = itf;
              }
              forward->name = member.name;
              forward->location = member.location;
              forward->isForward = true;
              declare(forward);
              target = forward;
            }
            if (target->kind != Decl::Kind::Interface && target->kind != Decl::Kind::Dispinterface)
              d_.error(member.location,
                       "coclass '" + node->name + "' names '" + member.name + "', which is not an interface");
            decl->interfaces.push_back(member.name);
          }
          if (declare(decl)) out.push_back(static_cast<const Decl*>(decl));
        } else if constexpr (std::is_same_v<T, std::unique_ptr<ast::Library>>) {
          checker_.check(node->attributes, kLibrary);
          auto* decl = make<ContainerDecl>();
          decl->kind = Decl::Kind::Library;
          decl->name = node->name;
          decl->location = node->location;
          decl->attributes = convert(node->attributes);
          decl->uuid = uuidAttribute(node->attributes, "uuid");
          // A library's contents are declarations of the file: interfaces inside get code like any other.
          bool outerLibrary = insideLibrary_;
          insideLibrary_ = true;
          for (const auto& inner : node->definitions) definition(inner, decl->members);
          insideLibrary_ = outerLibrary;
          // Its name is not a type and yields to one (library BackgroundCopyManager holds coclass
          // BackgroundCopyManager, which widl accepts): it is found by name only while nothing else has it.
          m_.byName.emplace(decl->name, decl);
          out.push_back(static_cast<const Decl*>(decl));
        } else if constexpr (std::is_same_v<T, std::unique_ptr<ast::Module>>) {
          checker_.check(node->attributes, kModule);
          auto* decl = make<ContainerDecl>();
          decl->kind = Decl::Kind::Module;
          decl->name = node->name;
          decl->location = node->location;
          decl->attributes = convert(node->attributes);
          for (const auto& member : node->members) {
            if (auto* op = std::get_if<ast::Operation>(&member)) {
              checker_.check(op->attributes, kOperation);  // DLL entry points: declared, not marshaled
              continue;
            }
            definition(member, decl->members);
          }
          if (declare(decl)) out.push_back(static_cast<const Decl*>(decl));
        }
      },
      def);
}

void Analyzer::typedefDecl(const ast::Typedef& td, std::vector<Item>& out) {
  checker_.check(td.attributes, kType);
  // The first plain declarator names an anonymous struct/union/enum: typedef struct { } FOO;
  std::string firstName;
  for (const auto& d : td.declarators)
    if (d.pointers.empty() && d.arrays.empty() && !d.isFunctionPointer && !d.isFunction) {
      firstName = d.name;
      break;
    }
  const Type* base = typeSpec(td.type, &out, firstName);
  if (!base) return;
  uint32_t hops = 1;
  if (base->kind == Type::Kind::Named && base->decl && base->decl->kind == Decl::Kind::Typedef)
    if (auto it = typedefHops_.find(base->decl); it != typedefHops_.end()) hops += it->second;
  if (hops > kMaxTypeNesting) {
    const ast::Declarator* first = td.declarators.empty() ? nullptr : &td.declarators.front();
    refuseTypeNesting(first ? first->location : td.location,
                      "typedef '" + (first ? first->name : std::string()) + "' ends a chain of " +
                          std::to_string(hops) + " typedefs");
    return;
  }
  bindTypeAttributes(td.attributes, base);
  for (const auto& d : td.declarators) {
    auto* decl = make<TypedefDecl>();
    decl->name = d.name;
    decl->location = d.location;
    decl->attributes = convert(td.attributes);
    decl->type = declaratorType(base, d, td.attributes, Context::Typedef, "typedef '" + d.name + "'");
    typedefHops_[decl] = decl->type == base ? hops : 1;
    decl->isContextHandle = ast::findAttribute(td.attributes, "context_handle") != nullptr;
    bindConversion(td.attributes, *decl);
    // typedef struct _FOO FOO; repeats are harmless when they agree.
    if (auto it = m_.byName.find(d.name); it != m_.byName.end() && it->second->kind == Decl::Kind::Typedef) {
      auto* prev = static_cast<const TypedefDecl*>(it->second);
      if (resolve(prev->type) == resolve(decl->type)) continue;
    }
    if (declare(decl)) out.push_back(static_cast<const Decl*>(decl));
  }
}

void Analyzer::bindTypeAttributes(const ast::Attributes& attrs, const Type* type) {
  if (!type || type->kind != Type::Kind::Named) return;
  const Decl* decl = type->decl;
  if (ast::findAttribute(attrs, "v1_enum") && decl->kind == Decl::Kind::Enum)
    const_cast<EnumDecl*>(static_cast<const EnumDecl*>(decl))->v1Enum = true;
  const ast::Attribute* st = ast::findAttribute(attrs, "switch_type");
  if (!st || st->args.empty() || decl->kind != Decl::Kind::Union) return;
  auto* u = const_cast<UnionDecl*>(static_cast<const UnionDecl*>(decl));
  if (u->encapsulated) {
    d_.error(st->location, "[switch_type] is for non-encapsulated unions; union '" + u->name +
                               "' names its discriminant's type in its switch");
    return;
  }
  const Type* discriminant = attributeType(st->args[0]);
  if (!discriminant) return;
  if (!isIntegerType(discriminant)) {
    d_.error(st->args[0].location,
             "[switch_type] of union '" + u->name + "' must be an integer or enum type");
    return;
  }
  if (u->switchType && !sameIntegerType(resolve(u->switchType), resolve(discriminant))) {
    d_.error(st->location,
             "union '" + u->name + "' already has [switch_type(" + typeText(u->switchType) + ")]");
    return;
  }
  u->switchType = discriminant;
}

void Analyzer::bindConversion(const ast::Attributes& attrs, TypedefDecl& decl) {
  static const std::pair<const char*, Conversion> kinds[] = {{"transmit_as", Conversion::TransmitAs},
                                                             {"wire_marshal", Conversion::WireMarshal},
                                                             {"user_marshal", Conversion::UserMarshal},
                                                             {"represent_as", Conversion::RepresentAs}};
  for (const auto& [name, kind] : kinds) {
    const ast::Attribute* a = ast::findAttribute(attrs, name);
    if (!a || a->args.empty()) continue;
    if (decl.conversion != Conversion::None) {
      d_.error(a->location, "typedef '" + decl.name +
                                "' has more than one of transmit_as, wire_marshal, "
                                "user_marshal and represent_as");
      return;
    }
    decl.conversion = kind;
    const ast::AttributeArg& arg = a->args[0];
    if (kind == Conversion::UserMarshal || kind == Conversion::RepresentAs) {
      // typedef [user_marshal(UserType)] WireType: the user's type may be a C type the IDL never defines.
      decl.wireType = decl.type;
      decl.localTypeName = arg.text;
    } else {
      decl.wireType = attributeType(arg);
    }
  }
}

void Analyzer::rangeAttribute(const ast::Attributes& attrs, const Type* type, const Expr*& min,
                              const Expr*& max, bool& ofLength) {
  const ast::Attribute* r = ast::findAttribute(attrs, "range");
  if (!r || r->args.size() != 2 || !r->args[0].expr || !r->args[1].expr) return;
  min = constantExpr(*r->args[0].expr, "a range bound");
  max = constantExpr(*r->args[1].expr, "a range bound");
  const Type* t = resolve(type);
  if (!t || isIntegerType(t)) return;
  if (t->kind == Type::Kind::Pointer || t->kind == Type::Kind::Array) {
    const bool conformant = t->kind == Type::Kind::Array
                                ? !t->fixedLength || t->sizing.sizeIs || t->sizing.maxIs
                                : t->sizing.sizeIs || t->sizing.maxIs;
    if (t->isString || conformant) {
      ofLength = true;
      return;
    }
    // [range] on a [ref] pointer to an integer bounds the integer.
    if (t->kind == Type::Kind::Pointer && t->pointerKind == PointerKind::Ref && isIntegerType(t->element))
      return;
  }
  d_.error(r->location,
           "[range] bounds an integer, an enum, a [ref] pointer to one, or the length of a string or "
           "conformant array, not '" +
               typeText(type) + "'");
}

const Type* Analyzer::attributeType(const ast::AttributeArg& arg) {
  if (arg.type) return typeSpec(*arg.type, nullptr);
  if (arg.expr && arg.expr->kind == ast::Expr::Kind::Name) {
    ast::TypeRef named;
    named.kind = ast::TypeRef::Kind::Named;
    named.name = arg.expr->text;
    named.location = arg.expr->location;
    return typeSpec(named, nullptr);
  }
  d_.error(arg.location, "expected a type, not '" + arg.text + "'");
  return nullptr;
}

void Analyzer::constDecl(const ast::Const& c, std::vector<Item>& out) {
  checker_.check(c.attributes, kConst);
  auto* decl = make<ConstDecl>();
  decl->name = c.declarator.name;
  decl->location = c.location;
  decl->attributes = convert(c.attributes);
  const Type* base = typeSpec(c.type, nullptr);
  decl->type = base ? declaratorType(base, c.declarator, {}, Context::Other, "constant") : nullptr;
  decl->expr = constantExpr(*c.value, "the value of a constant");
  if (decl->expr) decl->value = decl->expr->value;
  if (decl->type && decl->value.kind == Value::Kind::String &&
      resolve(decl->type)->kind != Type::Kind::Pointer && resolve(decl->type)->kind != Type::Kind::Array)
    d_.error(c.value->location,
             "constant '" + decl->name + "' of type '" + typeText(decl->type) + "' cannot hold a string");
  if (declare(decl)) out.push_back(static_cast<const Decl*>(decl));
}

const InterfaceDecl* Analyzer::interfaceDecl(const ast::Interface& itf, std::vector<Item>& out) {
  checker_.check(itf.attributes, kInterface);
  auto* decl = make<InterfaceDecl>();
  decl->name = itf.name;
  decl->location = itf.location;
  decl->isForward = itf.isForward;
  decl->attributes = convert(itf.attributes);
  decl->isObject = ast::findAttribute(itf.attributes, "object") != nullptr;
  decl->isLocal = ast::findAttribute(itf.attributes, "local") != nullptr;
  decl->isDual = ast::findAttribute(itf.attributes, "dual") != nullptr;
  decl->insideLibrary = insideLibrary_;
  if (decl->isDual || ast::findAttribute(itf.attributes, "oleautomation") ||
      ast::findAttribute(itf.attributes, "odl"))
    decl->isObject = true;
  // Only object interfaces inherit: one with a base is one, [object] or not (widl's rule; real files
  // rely on it).
  if (!decl->isObject && !itf.base.empty() && !itf.isForward) {
    decl->isObject = true;
    d_.warning(itf.location, "deprecated",
               "interface '" + itf.name + "' derives from '" + itf.base +
                   "' without [object]: it is an object interface, as widl reads it");
  }
  decl->uuid = uuidAttribute(itf.attributes, "uuid");
  if (const auto* v = ast::findAttribute(itf.attributes, "version"); v && !v->args.empty()) {
    const std::string& text = v->args[0].text;
    unsigned major = 0, minor = 0;
    char extra = 0;
    int n = std::sscanf(text.c_str(), "%u.%u%c", &major, &minor, &extra);
    if ((n != 1 && n != 2) || major > 0xFFFF || minor > 0xFFFF)
      d_.error(v->args[0].location, "malformed version '" + text + "' (expected major or major.minor)");
    decl->versionMajor = static_cast<uint16_t>(major);
    decl->versionMinor = static_cast<uint16_t>(minor);
  }
  if (const auto* pd = ast::findAttribute(itf.attributes, "pointer_default"); pd && !pd->args.empty()) {
    const std::string& kind = pd->args[0].text;
    if (kind == "ref")
      decl->pointerDefault = PointerKind::Ref;
    else if (kind == "unique")
      decl->pointerDefault = PointerKind::Unique;
    else if (kind == "ptr")
      decl->pointerDefault = PointerKind::Full;
    else
      d_.error(pd->args[0].location, "pointer_default takes ref, unique or ptr, not '" + kind + "'");
  }
  if (const auto* ep = ast::findAttribute(itf.attributes, "endpoint"))
    for (const auto& arg : ep->args)
      if (arg.expr && arg.expr->kind == ast::Expr::Kind::String)
        decl->endpoints.push_back(arg.expr->stringValue);
  decl->asyncUuid = uuidAttribute(itf.attributes, "async_uuid");
  if (decl->asyncUuid) decl->asyncSource = AsyncSource::AsyncUuid;
  if (auto binding = bindingAttribute(itf.attributes, itf.name)) {
    decl->handleKind = binding->kind;
    decl->implicitHandleType = binding->type;
    decl->implicitHandleName = binding->name;
  }

  if (itf.isForward) {
    const Decl* previous = m_.find(itf.name);
    if (!previous || previous->kind == Decl::Kind::Coclass || previous->kind == Decl::Kind::Dispinterface)
      declare(decl);
    return decl;
  }
  if (!declare(decl)) return nullptr;
  out.push_back(static_cast<const Decl*>(decl));

  if (!itf.base.empty()) {
    const Decl* base = findName(itf.base);
    if (!base || base->kind != Decl::Kind::Interface) {
      d_.error(itf.baseLocation, "unknown base interface '" + itf.base + "'" + interfaceSuggestion(itf.base));
      noteBaseImport(itf.base, itf.baseLocation);
    } else if (base->isForward) {
      pendingBases_.push_back({decl, itf.base, itf.baseLocation});
    } else if (base == decl) {  // `interface IA : IA` finds itself, just declared
      d_.error(itf.baseLocation,
               "circular inheritance: interface '" + decl->name + "' cannot derive from itself");
    } else {
      decl->base = static_cast<const InterfaceDecl*>(base);
    }
  }
  for (const InterfaceDecl* b = decl->base; b; b = b->base)
    if (b->name == "IDispatch") decl->derivesFromIDispatch = true;

  // widl accepts both of these (some uuids are left out of Wine's files on purpose); a proxy needs
  // them, so a non-local interface gets a warning.
  if (decl->isObject && !decl->isLocal && !decl->uuid && !ast::findAttribute(itf.attributes, "uuid"))
    d_.warning(decl->location, "deprecated",
               "object interface '" + decl->name + "' has no [uuid], so it has no IID and no proxy");
  if (decl->isObject && !decl->isLocal && itf.base.empty() && decl->name != "IUnknown")
    d_.warning(decl->location, "deprecated",
               "object interface '" + decl->name + "' does not derive from IUnknown");
  if (decl->asyncSource == AsyncSource::AsyncUuid && !decl->isObject)
    d_.error(decl->location,
             "[async_uuid] applies to [object] interfaces; for an RPC interface, mark "
             "operations [async] in the ACF");

  // Opnums: an object interface's methods follow its base's (IUnknown's three first).
  uint32_t opnum = 0;
  if (decl->isObject)
    for (const InterfaceDecl* b = decl->base; b; b = b->base) opnum += b->slotCount();
  decl->firstOpnum = opnum;

  InterfaceDecl* outer = currentInterface_;
  currentInterface_ = decl;
  operationIndex_.clear();
  uint32_t slots = opnum;  // what bindCallAs will number: an object interface's [call_as] methods take none
  bool tooMany = false;
  for (const auto& member : itf.members) {
    if (typeNestingRefused_) break;
    if (auto* op = std::get_if<ast::Operation>(&member)) {
      if (!decl->isObject || !ast::findAttribute(op->attributes, "call_as")) ++slots;
      // Past the last opnum nothing more is analyzed: a million operations are refused in the time it
      // takes to read them, not analyzed first.
      if (slots - 1 > kMaxOpnum) {
        tooMany = true;
        d_.error(op->location, "too many operations in interface '" + decl->name + "': '" + op->name +
                                   "' would have opnum " + std::to_string(slots - 1) +
                                   ", above the limit of " + std::to_string(kMaxOpnum) +
                                   " (opnums are 16 bits on the wire)");
        break;
      }
      operation(*op, *decl, opnum++);
    } else {
      definition(member, decl->members);
    }
  }
  operationIndex_.clear();
  currentInterface_ = outer;
  bindCallAs(*decl);
  // A request carries its opnum in 16 bits, so MIDL refuses an interface with more than 65,536 methods
  // (inherited ones included) rather than let opnums wrap around.
  for (const auto& op : decl->operations)
    if (!tooMany && op.opnum > kMaxOpnum) {
      d_.error(op.location, "too many operations in interface '" + decl->name + "': '" + op.name +
                                "' would have opnum " + std::to_string(op.opnum) + ", above the limit of " +
                                std::to_string(kMaxOpnum) + " (opnums are 16 bits on the wire)");
      break;
    }
  if (decl->asyncSource == AsyncSource::AsyncUuid)
    for (auto& op : decl->operations) op.isAsync = true;
  return decl;
}

void Analyzer::delegateDecl(const ast::Delegate& d, std::vector<Item>& out) {
  checker_.check(d.attributes, kInterface);
  auto* decl = make<InterfaceDecl>();
  decl->name = d.name;
  decl->location = d.location;
  decl->attributes = convert(d.attributes);
  decl->isObject = true;
  decl->uuid = uuidAttribute(d.attributes, "uuid");
  decl->insideLibrary = insideLibrary_;
  if (!declare(decl)) return;
  out.push_back(static_cast<const Decl*>(decl));
  if (const Decl* unknown = m_.find("IUnknown"); unknown && unknown->kind == Decl::Kind::Interface)
    decl->base = static_cast<const InterfaceDecl*>(unknown);
  uint32_t opnum = 0;
  for (const InterfaceDecl* b = decl->base; b; b = b->base)
    opnum += static_cast<uint32_t>(b->operations.size());
  decl->firstOpnum = opnum;
  InterfaceDecl* outer = currentInterface_;
  currentInterface_ = decl;
  operationIndex_.clear();
  operation(d.invoke, *decl, opnum);
  operationIndex_.clear();
  currentInterface_ = outer;
}

// [call_as(f)] g in an object interface: g is the remote form of the [local] method f. g takes no vtable
// slot: it travels under f's opnum, and the methods after it keep their places (MIDL's numbering). In an
// RPC interface g stays a procedure of its own (MIDL's client/server routine pairing is not generated).
void Analyzer::bindCallAs(InterfaceDecl& itf) {
  if (!itf.isObject) return;
  for (auto& op : itf.operations) {
    if (op.callAs.empty()) continue;
    Operation* local = nullptr;
    for (auto& other : itf.operations)
      if (other.name == op.callAs && &other != &op) local = &other;
    const std::string attr = "[call_as(" + op.callAs + ")] on '" + op.name + "'";
    if (!local) {
      d_.error(op.location, attr + ": interface '" + itf.name + "' has no method '" + op.callAs + "'");
    } else if (op.isLocal) {
      d_.error(op.location, attr + ": a [call_as] method is the remote form, so it cannot be [local] itself");
    } else if (!local->isLocal) {
      d_.error(op.location, attr + ": '" + local->name + "' must be [local]");
      d_.note(local->location, "'" + local->name + "' is declared here");
    } else if (local->remoteForm) {
      d_.error(op.location, attr + ": '" + local->name + "' already has the remote form '" +
                                local->remoteForm->name + "'");
      d_.note(local->remoteForm->location, "the first [call_as] is here");
    } else {
      local->remoteForm = &op;
      op.localForm = local;
    }
  }
  uint32_t slot = itf.firstOpnum;
  for (auto& op : itf.operations)
    if (!op.localForm) op.opnum = slot++;
  for (auto& op : itf.operations)
    if (op.localForm) op.opnum = op.localForm->opnum;
}

void Analyzer::operation(const ast::Operation& op, InterfaceDecl& itf, uint32_t opnum) {
  checker_.check(op.attributes, kOperation);
  Operation out;
  out.name = op.name;
  // Property accessors share their name in IDL; COM's C++ mapping tells them apart by prefix.
  if (ast::findAttribute(op.attributes, "propget"))
    out.name = "get_" + op.name;
  else if (ast::findAttribute(op.attributes, "propput"))
    out.name = "put_" + op.name;
  else if (ast::findAttribute(op.attributes, "propputref"))
    out.name = "putref_" + op.name;
  out.location = op.location;
  out.opnum = opnum;
  out.attributes = convert(op.attributes);
  out.isLocal = ast::findAttribute(op.attributes, "local") != nullptr;
  out.isCallback = ast::findAttribute(op.attributes, "callback") != nullptr;
  if (const auto* ca = ast::findAttribute(op.attributes, "call_as"); ca && !ca->args.empty())
    out.callAs = ca->args[0].text;
  if (op.hasVarargs)
    d_.error(op.location,
             "operation '" + op.name + "' has a variable argument list, which cannot be marshaled");

  if (auto [existing, added] = operationIndex_.try_emplace(out.name, itf.operations.size()); !added) {
    d_.error(op.location, "redefinition of operation '" + op.name + "' in interface '" + itf.name + "'");
    const Operation& previous = itf.operations[existing->second];
    if (previous.location.valid()) d_.note(previous.location, "previous definition is here");
    return;
  }
  const Type* ret = typeSpec(op.returnType, nullptr);
  if (ret) {
    ast::Declarator retDecl;
    retDecl.pointers = op.returnPointers;
    retDecl.location = op.location;
    out.returnType =
        declaratorType(ret, retDecl, op.attributes, Context::Return, "the return value of '" + op.name + "'");
  }
  itf.operations.push_back(std::move(out));
  Operation& stored = itf.operations.back();
  params(op.params, stored.params, true, !itf.isLocal && !stored.isLocal && !itf.insideLibrary);

  for (size_t i = 0; i < stored.params.size(); ++i) {
    const Param& p = stored.params[i];
    if (p.isRetval) {
      // Only type libraries care where [retval] stands; widl accepts it anywhere.
      if (i + 1 != stored.params.size())
        d_.warning(p.location, "deprecated",
                   "[retval] parameter '" + p.name + "' should be the last parameter");
      if (p.direction != Direction::Out)
        d_.error(p.location, "[retval] parameter '" + p.name + "' must be [out] only");
    }
  }
}

void Analyzer::params(const std::vector<ast::Param>& in, std::vector<Param>& out, bool topLevel,
                      bool marshaled) {
  out.reserve(in.size());  // correlation expressions point into this vector
  for (const auto& p : in) {
    Param param;
    param.name = p.declarator.name;
    param.location = p.location;
    param.attributes = convert(p.attributes);
    bool isIn = ast::findAttribute(p.attributes, "in") != nullptr;
    bool isOut = ast::findAttribute(p.attributes, "out") != nullptr;
    param.direction = isOut ? (isIn ? Direction::InOut : Direction::Out) : Direction::In;
    param.isRetval = ast::findAttribute(p.attributes, "retval") != nullptr;
    param.isContextHandle = ast::findAttribute(p.attributes, "context_handle") != nullptr;
    out.push_back(std::move(param));
  }
  Scope outer = scope_;
  scope_ = Scope{nullptr, &out};
  bool outerLocal = localParams_;
  localParams_ = topLevel && !marshaled;
  for (size_t i = 0; i < in.size(); ++i) {
    const ast::Param& p = in[i];
    Param& param = out[i];
    if (topLevel) checker_.check(p.attributes, kParam);
    const Type* base = typeSpec(p.type, nullptr);
    if (!base) continue;
    std::string what =
        param.name.empty() ? "parameter " + std::to_string(i + 1) : "parameter '" + param.name + "'";
    param.type =
        declaratorType(base, p.declarator, p.attributes, topLevel ? Context::Param : Context::Other, what);
    if (const auto* s = ast::findAttribute(p.attributes, "switch_is"); s && !s->args.empty()) {
      param.switchIs = correlation(s->args[0], scope_, "switch_is");
    }
    if (const auto* iid = ast::findAttribute(p.attributes, "iid_is");
        iid && !iid->args.empty() && iid->args[0].expr)
      param.iidIs = expr(*iid->args[0].expr, scope_);
    rangeAttribute(p.attributes, param.type, param.rangeMin, param.rangeMax, param.rangeOfLength);
    if (!param.type || !topLevel) continue;
    const Type* t = resolve(param.type);
    if (marshaled) {
      // A union passed by value or reference needs a discriminant.
      const Type* target = t->kind == Type::Kind::Pointer ? resolve(t->element) : t;
      if (target && target->kind == Type::Kind::Named && target->decl &&
          target->decl->kind == Decl::Kind::Union &&
          !static_cast<const UnionDecl*>(target->decl)->encapsulated && !param.switchIs)
        d_.error(param.location, what + " is a non-encapsulated union and needs [switch_is]");
      // An array needs a size from somewhere; a local operation's arrays are only C (widl).
      for (const Type* level = param.type;
           level && (level->kind == Type::Kind::Array || level->kind == Type::Kind::Pointer);
           level = level->element)
        if (level->kind == Type::Kind::Array && !level->fixedLength && !level->sizing.sizeIs &&
            !level->sizing.maxIs && !level->isString)
          d_.error(p.declarator.location,
                   "array " + what + " has no size: give it a constant size or a [size_is] or [max_is]");
    }
    // widl checks this only where the parameter is marshaled (check_remoting_args), as here.
    if (marshaled && (param.direction != Direction::In) && t->kind != Type::Kind::Pointer &&
        t->kind != Type::Kind::Array && !param.isContextHandle)
      d_.error(param.location, "[out] " + what + " must be a pointer or an array");
  }
  localParams_ = outerLocal;
  scope_ = outer;
}

void Analyzer::bindPendingBases() {
  for (const PendingBase& pending : pendingBases_) {
    const Decl* base = m_.find(pending.base);
    if (!base || base->kind != Decl::Kind::Interface || base->isForward) {
      d_.error(pending.location, "base interface '" + pending.base + "' is declared but never defined");
      continue;
    }
    InterfaceDecl& itf = *pending.itf;
    // A base that is, or derives from, the interface itself would make every walk up the chain endless.
    bool circular = false;
    for (const InterfaceDecl* b = static_cast<const InterfaceDecl*>(base); b && !circular; b = b->base)
      circular = b == &itf;
    if (circular) {
      d_.error(pending.location,
               "circular inheritance: interface '" + itf.name + "' cannot derive from " +
                   (base == &itf ? std::string("itself")
                                 : "'" + pending.base + "', which derives from '" + itf.name + "'"));
      continue;
    }
    itf.base = static_cast<const InterfaceDecl*>(base);
    for (const InterfaceDecl* b = itf.base; b; b = b->base)
      if (b->name == "IDispatch") itf.derivesFromIDispatch = true;
    if (!itf.isObject) continue;
    uint32_t first = 0;
    for (const InterfaceDecl* b = itf.base; b; b = b->base) first += b->slotCount();
    itf.firstOpnum = first;
    for (auto& op : itf.operations) op.opnum += first;
  }
}

Location Analyzer::asyncRequest(const InterfaceDecl& itf) {
  auto find = [](const std::vector<Attribute>& attrs, const char* name) -> const Attribute* {
    for (const auto& a : attrs)
      if (a.name == name && a.location.valid()) return &a;
    return nullptr;
  };
  if (const Attribute* a = find(itf.attributes, "async_uuid")) return a->location;
  if (const Attribute* a = find(itf.acfAttributes, "async")) return a->location;
  for (const auto& op : itf.operations)
    if (const Attribute* a = op.isAsync ? find(op.acfAttributes, "async") : nullptr) return a->location;
  return itf.location;
}

// The discriminant type a switch_is expression gives a union without [switch_type]: a cast's type, a
// dereference's pointee, otherwise the type of the fields or parameters it reads when they agree (MIDL
// takes vt's type for [switch_is(vt & 0x1fff)]; widl always sends a long, a FIXME in its code).
const Type* Analyzer::switchExpressionType(const Expr* e) {
  if (!e || e->isConstant()) return nullptr;
  switch (e->kind) {
    case Expr::Kind::Cast:
      return e->type;
    case Expr::Kind::FieldRef:
      return e->field ? e->field->type : nullptr;
    case Expr::Kind::ParamRef:
      return e->param ? e->param->type : nullptr;
    case Expr::Kind::Unary:
      if (e->op == "*") {
        const Type* p = resolve(switchExpressionType(e->operands[0]));
        return p && p->kind == Type::Kind::Pointer ? p->element : nullptr;
      }
      break;
    case Expr::Kind::Binary:
    case Expr::Kind::Conditional:
      break;
    default:
      return nullptr;
  }
  const Type* found = nullptr;
  for (size_t i = e->kind == Expr::Kind::Conditional ? 1 : 0; i < e->operands.size(); ++i) {
    const Type* t = switchExpressionType(e->operands[i]);
    if (!t) continue;
    if (found && !sameIntegerType(resolve(found), resolve(t))) return nullptr;
    found = t;
  }
  return found;
}

// A non-encapsulated union without [switch_type] takes its discriminant's type from what switches it (a
// struct field or a parameter, or the expression's type), as MIDL does; switches of different types leave
// its type undecided.
void Analyzer::inferSwitchTypes() {
  struct Switch {
    Location location;  // the field or parameter that switches it, or the switched one for an expression
    std::string where;  // "field 'k' of 'S'"
  };
  std::map<const UnionDecl*, Switch> inferredFrom;
  // `switched` of `owner` (a struct or an operation) is a union, or a pointer to one, with [switch_is].
  auto infer = [&](const Type* switched, const Expr* switchIs, const Location& at, const std::string& what,
                   const std::string& owner) {
    const Type* t = resolve(switched);
    while (t && t->kind == Type::Kind::Pointer) t = resolve(t->element);  // [in, switch_is(n)] U* u
    if (!switchIs || !t || t->kind != Type::Kind::Named || t->decl->kind != Decl::Kind::Union) return;
    auto* u = const_cast<UnionDecl*>(static_cast<const UnionDecl*>(t->decl));
    const Type* by = switchExpressionType(switchIs);
    if (u->encapsulated || u->isCUnion || !by || !isIntegerType(by)) return;
    Switch from{at, "the [switch_is] of " + what + " of '" + owner + "'"};
    if (switchIs->kind == Expr::Kind::FieldRef && switchIs->field)
      from = {switchIs->field->location, "field '" + switchIs->field->name + "' of '" + owner + "'"};
    else if (switchIs->kind == Expr::Kind::ParamRef && switchIs->param)
      from = {switchIs->param->location, "parameter '" + switchIs->param->name + "' of '" + owner + "'"};
    auto it = inferredFrom.find(u);
    if (!u->switchType) {
      u->switchType = by;
      inferredFrom[u] = from;
    } else if (it != inferredFrom.end() && !sameIntegerType(resolve(u->switchType), resolve(by))) {
      d_.error(at, "union '" + u->name + "' has no [switch_type], and what switches it differs: " +
                       from.where + " is " + typeText(by) + ", " + it->second.where + " is " +
                       typeText(u->switchType) + "; give the union a [switch_type]");
      d_.note(it->second.location, it->second.where + " is declared here");
    }
  };
  for (const auto& d : m_.decls) {
    if (d->kind == Decl::Kind::Struct) {
      for (const Field& f : static_cast<const StructDecl*>(d.get())->fields)
        infer(f.type, f.switchIs, f.location, "field '" + f.name + "'", d->name);
    } else if (d->kind == Decl::Kind::Interface) {
      for (const Operation& op : static_cast<const InterfaceDecl*>(d.get())->operations)
        for (const Param& p : op.params)
          infer(p.type, p.switchIs, p.location, "parameter '" + p.name + "'", op.name);
    }
  }
}

// A struct or union that holds itself by value (directly, through typedefs and arrays, or through other
// structs and unions) has no size: C's "field has incomplete type". A depth-first search with a stack of
// its own, since chains of types may be far deeper than the C++ stack.
void Analyzer::checkValueCycles() {
  // The structs and unions a struct or union holds by value, each with the field that holds it.
  auto held = [](const Decl* d) {
    std::vector<std::pair<const Decl*, const Field*>> out;
    auto visit = [&](const Field& f) {
      const Type* t = f.type;
      for (int hops = 0; t && hops < 10000; ++hops) {
        if (t->kind == Type::Kind::Array) {
          t = t->element;
        } else if (t->kind == Type::Kind::Named && t->decl && t->decl->kind == Decl::Kind::Typedef) {
          t = static_cast<const TypedefDecl*>(t->decl)->type;
        } else {
          if (t->kind == Type::Kind::Named && t->decl &&
              (t->decl->kind == Decl::Kind::Struct || t->decl->kind == Decl::Kind::Union))
            out.emplace_back(t->decl, &f);
          break;
        }
      }
    };
    if (d->kind == Decl::Kind::Struct)
      for (const Field& f : static_cast<const StructDecl*>(d)->fields) visit(f);
    else
      for (const UnionArm& a : static_cast<const UnionDecl*>(d)->arms)
        if (a.field) visit(*a.field);
    return out;
  };
  enum class State : uint8_t { Open, Done };
  std::unordered_map<const Decl*, State> state;
  struct Frame {
    const Decl* decl;
    std::vector<std::pair<const Decl*, const Field*>> next;
    size_t i = 0;
  };
  for (const auto& root : m_.decls) {
    if ((root->kind != Decl::Kind::Struct && root->kind != Decl::Kind::Union) || state.count(root.get()))
      continue;
    std::vector<Frame> stack;
    stack.push_back({root.get(), held(root.get())});
    state[root.get()] = State::Open;
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.i == f.next.size()) {
        state[f.decl] = State::Done;
        stack.pop_back();
        continue;
      }
      const auto [child, field] = f.next[f.i++];
      const auto it = state.find(child);
      if (it == state.end()) {
        state[child] = State::Open;
        stack.push_back({child, held(child)});
      } else if (it->second == State::Open) {
        d_.error(field->location, "field '" + field->name + "' has incomplete type: '" + child->name +
                                      "' would contain itself by value" +
                                      (child == f.decl ? "" : " (through '" + f.decl->name + "')") +
                                      "; hold it through a pointer");
      }
    }
  }
}

void Analyzer::refuseTypeNesting(const Location& where, const std::string& what) {
  if (!typeNestingRefused_)
    d_.error(where, "nesting too deep (limit " + std::to_string(kMaxTypeNesting) + "): " + what);
  typeNestingRefused_ = true;
}

bool Analyzer::checkTypeNesting() {
  if (typeNestingRefused_) return false;
  // The structs, unions and typedefs a type reaches, each with the levels (pointers, arrays) on the way.
  auto reached = [](const Decl* d) {
    std::vector<std::pair<const Decl*, uint32_t>> out;
    auto visit = [&](const Type* t) {
      uint32_t levels = 1;
      for (; t && levels <= kMaxTypeNesting + 1; ++levels) {
        if (t->kind == Type::Kind::Named) {
          if (t->decl && (t->decl->kind == Decl::Kind::Struct || t->decl->kind == Decl::Kind::Union ||
                          t->decl->kind == Decl::Kind::Typedef))
            out.emplace_back(t->decl, levels);
          return;
        }
        if (t->kind == Type::Kind::Primitive) return;
        t = t->element;  // pointer, array, pipe; a function pointer's return type
      }
      if (t) out.emplace_back(nullptr, levels);  // levels alone are too deep
    };
    if (d->kind == Decl::Kind::Struct) {
      for (const Field& f : static_cast<const StructDecl*>(d)->fields) visit(f.type);
    } else if (d->kind == Decl::Kind::Union) {
      const auto* u = static_cast<const UnionDecl*>(d);
      visit(u->switchType);
      for (const UnionArm& a : u->arms)
        if (a.field) visit(a.field->type);
    } else if (d->kind == Decl::Kind::Typedef) {
      const auto* td = static_cast<const TypedefDecl*>(d);
      visit(td->type);
      visit(td->wireType);
    }
    return out;
  };
  // Depth first without recursion; a type reached again while open (a cycle through a pointer) adds 0.
  std::unordered_map<const Decl*, uint32_t> depth;  // set when done
  std::unordered_set<const Decl*> open;
  struct Frame {
    const Decl* decl;
    std::vector<std::pair<const Decl*, uint32_t>> next;
    size_t i = 0;
    uint32_t deepest = 0;
  };
  for (const auto& root : m_.decls) {
    if (depth.count(root.get()) || (root->kind != Decl::Kind::Struct && root->kind != Decl::Kind::Union &&
                                    root->kind != Decl::Kind::Typedef))
      continue;
    std::vector<Frame> stack;
    stack.push_back({root.get(), reached(root.get())});
    open.insert(root.get());
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.i < f.next.size()) {
        auto [child, levels] = f.next[f.i++];
        uint32_t below = 0;
        if (child && !open.count(child)) {
          auto it = depth.find(child);
          if (it == depth.end()) {
            --f.i;  // come back to this edge once the child is done
            open.insert(child);
            stack.push_back({child, reached(child)});
            continue;
          }
          below = it->second;
        }
        f.deepest = std::max(f.deepest, levels + below);
        continue;
      }
      if (f.deepest > kMaxTypeNesting) {
        refuseTypeNesting(f.decl->location, "type '" + f.decl->name + "' holds or points to types nested " +
                                                std::to_string(f.deepest) + " deep");
        return false;
      }
      depth[f.decl] = f.deepest;
      open.erase(f.decl);
      stack.pop_back();
    }
  }
  return true;
}

void Analyzer::finalChecks() {
  bindPendingBases();
  checkValueCycles();
  if (!checkTypeNesting()) return;
  inferSwitchTypes();
  // A parameter may share a type's name, declared before or after its operation.
  for (const auto& d : m_.decls) {
    if (d->kind != Decl::Kind::Interface || d->isForward) continue;
    for (Operation& op : static_cast<InterfaceDecl*>(d.get())->operations)
      for (Param& p : op.params) {
        const Decl* named = p.name.empty() ? nullptr : m_.find(p.name);
        p.namesType = named && named->kind != Decl::Kind::Const;
      }
  }
  for (const auto& d : m_.decls) {
    if (d->kind != Decl::Kind::Interface || d->isForward || d->imported) continue;
    auto* itf = static_cast<InterfaceDecl*>(d.get());
    bool anyAsync = itf->asyncSource != AsyncSource::None || itf->hasAsyncOperations();
    // The async_uuid page: an asynchronous interface only modifies its synchronous one, with no
    // inheritance graph of its own, so no synchronous interface derives from an asynchronous one.
    if (!anyAsync && itf->isObject && itf->base && itf->base->isObject &&
        itf->base->asyncSource != AsyncSource::None)
      d_.error(itf->location, "interface '" + itf->name + "' derives from asynchronous interface '" +
                                  itf->base->name +
                                  "' but is not asynchronous itself: give it [async_uuid] too");
    if (!anyAsync) continue;
    if (itf->isObject) {
      if (itf->derivesFromIDispatch) {
        // The error stands where asynchrony was asked for; the note shows the interface and its base.
        d_.error(asyncRequest(*itf),
                 "interface '" + itf->name +
                     "' derives from IDispatch and cannot be asynchronous: COM has no asynchronous "
                     "calls through IDispatch (call objects exist only for custom interfaces)");
        d_.note(itf->location, "interface '" + itf->name + "' is declared here");
        continue;
      }
      if (itf->base && itf->base->name != "IUnknown" && itf->base->asyncSource == AsyncSource::None &&
          !itf->base->hasAsyncOperations())
        d_.error(itf->location, "asynchronous interface '" + itf->name + "' derives from '" +
                                    itf->base->name + "', which is neither IUnknown nor asynchronous itself");
    }
    if (itf->isLocal)
      d_.warning(itf->location, "local-async",
                 "interface '" + itf->name +
                     "' is [local]: nothing is marshaled for it, so it gets no "
                     "asynchronous proxy or stub");
  }
}

}  // namespace midlc::sema
