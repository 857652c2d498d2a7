// One description per node type (io), used both ways: a Writer appends each member, a Reader fills it.
// Strings repeat (file names in every Location), so each is written once and then by its index.
#include "frontend/ast_serializer.h"

#include <cstring>
#include <optional>
#include <type_traits>
#include <unordered_map>

namespace midlc::frontend {

namespace {

constexpr uint32_t kMagic = 0x6d617374;  // "mast", then the format's version
constexpr uint32_t kVersion = 1;
constexpr unsigned kMaxDepth = 2000;  // nesting of a damaged entry cannot overflow the stack

struct Damaged {};

class Writer {
 public:
  static constexpr bool kReading = false;
  std::string out;

  void varint(uint64_t v) {
    while (v >= 0x80) {
      out += static_cast<char>(v | 0x80);
      v >>= 7;
    }
    out += static_cast<char>(v);
  }
  void value(bool& b) { varint(b ? 1 : 0); }
  void value(uint32_t& v) { varint(v); }
  void value(unsigned long& v) { varint(v); }
  void value(double& d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    varint(bits);
  }
  template <class E>
  std::enable_if_t<std::is_enum_v<E>> value(E& e) {
    varint(static_cast<uint64_t>(e));
  }
  void value(const std::string& s) {
    auto [it, added] = strings_.try_emplace(s, strings_.size());
    if (!added) {
      varint(it->second * 2 + 1);  // an earlier string's index
      return;
    }
    varint(s.size() * 2);
    out += s;
  }
  void value(const FileName& f) { value(f.str()); }
  template <class T>
  void nested(T& t);
  size_t count(size_t n) {
    varint(n);
    return n;
  }
  size_t alternative(size_t index, size_t) {
    varint(index);
    return index;
  }
  bool present(bool has) {
    varint(has ? 1 : 0);
    return has;
  }

 private:
  std::unordered_map<std::string, uint64_t> strings_;
};

class Reader {
 public:
  static constexpr bool kReading = true;
  explicit Reader(std::string_view in) : in_(in) {}

  uint64_t varint() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) throw Damaged{};
      const auto byte = static_cast<uint8_t>(in_[pos_++]);
      v |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80)) return v;
    }
    throw Damaged{};
  }
  void value(bool& b) { b = varint() != 0; }
  void value(uint32_t& v) { v = static_cast<uint32_t>(varint()); }
  void value(unsigned long& v) { v = static_cast<unsigned long>(varint()); }
  void value(double& d) {
    const uint64_t bits = varint();
    std::memcpy(&d, &bits, 8);
  }
  template <class E>
  std::enable_if_t<std::is_enum_v<E>> value(E& e) {
    e = static_cast<E>(static_cast<std::underlying_type_t<E>>(varint()));
  }
  void value(std::string& s) { s = strings_[string()]; }
  // A file name is made once per string of the tree and shared by its locations, not copied per location.
  void value(FileName& f) {
    const size_t i = string();
    if (names_.size() <= i) names_.resize(i + 1);
    if (!names_[i]) names_[i] = FileName(strings_[i]);
    f = *names_[i];
  }
  template <class T>
  void nested(T& t);
  size_t count(size_t) {
    const uint64_t n = varint();
    if (n > in_.size() - pos_) throw Damaged{};  // every element takes at least a byte
    return static_cast<size_t>(n);
  }
  size_t alternative(size_t, size_t alternatives) {
    const uint64_t i = varint();
    if (i >= alternatives) throw Damaged{};
    return static_cast<size_t>(i);
  }
  bool present(bool) { return varint() != 0; }
  bool atEnd() const { return pos_ == in_.size(); }

 private:
  // The index in strings_ of the string read: an earlier one, or one added.
  size_t string() {
    const uint64_t v = varint();
    if (v & 1) {
      if ((v >> 1) >= strings_.size()) throw Damaged{};
      return static_cast<size_t>(v >> 1);
    }
    const uint64_t n = v >> 1;
    if (n > in_.size() - pos_) throw Damaged{};
    strings_.emplace_back(in_.data() + pos_, n);
    pos_ += n;
    return strings_.size() - 1;
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::vector<std::string> strings_;
  std::vector<std::optional<FileName>> names_;  // by index in strings_
};

// ---- the members of each node ----

template <class A>
void io(A& a, Location& l) {
  a.value(l.file);
  a.value(l.line);
  a.value(l.column);
}

template <class A, class T>
void io(A& a, std::vector<T>& v) {
  const size_t n = a.count(v.size());
  if constexpr (A::kReading) v.resize(n);
  for (auto& x : v) a.nested(x);
}

template <class A, class T>
void io(A& a, std::unique_ptr<T>& p) {
  if (!a.present(p != nullptr)) return;
  if constexpr (A::kReading) p = std::make_unique<T>();
  a.nested(*p);
}

template <class A, class T>
void io(A& a, std::optional<T>& o) {
  if (!a.present(o.has_value())) return;
  if constexpr (A::kReading) o.emplace();
  a.nested(*o);
}

template <class A>
void io(A& a, std::string& s) {
  a.value(s);
}

template <class A>
void io(A& a, ast::Expr& e) {
  a.value(e.kind);
  io(a, e.location);
  a.value(e.text);
  a.value(e.intValue);
  a.value(e.isUnsigned);
  a.value(e.floatValue);
  a.value(e.stringValue);
  a.value(e.isWide);
  io(a, e.operands);
  io(a, e.type);
  a.value(e.parenthesized);
  a.value(e.castCandidate);
  a.value(e.pointerLevels);
}

template <class A>
void io(A& a, ast::AttributeArg& x) {
  io(a, x.location);
  a.value(x.text);
  io(a, x.expr);
  io(a, x.type);
  a.value(x.declaredName);
  a.value(x.pointerLevels);
}

template <class A>
void io(A& a, ast::Attribute& x) {
  a.value(x.name);
  io(a, x.location);
  a.value(x.hasParens);
  io(a, x.args);
}

template <class A>
void io(A& a, ast::TypeRef& t) {
  a.value(t.kind);
  io(a, t.location);
  a.value(t.isConst);
  a.value(t.isVolatile);
  a.value(t.base);
  a.value(t.isUnsigned);
  a.value(t.isSigned);
  a.value(t.name);
  io(a, t.structDef);
  io(a, t.unionDef);
  io(a, t.enumDef);
  io(a, t.pipeElement);
  io(a, t.safearrayElement);
  a.value(t.safearrayPointers);
  io(a, t.typeArgs);
  a.value(t.hasTypeArgs);
}

template <class A>
void io(A& a, ast::ArrayDim& d) {
  io(a, d.location);
  io(a, d.size);
  a.value(d.star);
}

template <class A>
void io(A& a, ast::PointerLevel& p) {
  a.value(p.isConst);
}

template <class A>
void io(A& a, ast::Declarator& d) {
  a.value(d.name);
  io(a, d.location);
  io(a, d.pointers);
  io(a, d.arrays);
  a.value(d.isFunctionPointer);
  a.value(d.isFunction);
  a.value(d.functionVarargs);
  a.value(d.callingConvention);
  io(a, d.functionParams);
  io(a, d.bitWidth);
}

template <class A>
void io(A& a, ast::Param& p) {
  io(a, p.attributes);
  io(a, p.location);
  a.nested(p.type);
  a.nested(p.declarator);
}

template <class A>
void io(A& a, ast::Field& f) {
  io(a, f.attributes);
  io(a, f.location);
  a.nested(f.type);
  io(a, f.declarator);
}

template <class A>
void io(A& a, ast::StructDef& s) {
  a.value(s.tag);
  io(a, s.location);
  a.value(s.hasBody);
  io(a, s.fields);
}

template <class A>
void io(A& a, ast::UnionCase& c) {
  io(a, c.location);
  io(a, c.labels);
  a.value(c.isDefault);
  a.nested(c.arm);
}

template <class A>
void io(A& a, ast::UnionDef& u) {
  a.value(u.tag);
  io(a, u.location);
  a.value(u.hasBody);
  a.value(u.encapsulated);
  io(a, u.switchType);
  a.value(u.switchName);
  io(a, u.switchLocation);
  a.value(u.armName);
  io(a, u.cases);
  io(a, u.fields);
}

template <class A>
void io(A& a, ast::Enumerator& e) {
  a.value(e.name);
  io(a, e.location);
  io(a, e.attributes);
  io(a, e.value);
}

template <class A>
void io(A& a, ast::EnumDef& e) {
  a.value(e.tag);
  io(a, e.location);
  a.value(e.hasBody);
  io(a, e.enumerators);
}

template <class A>
void io(A& a, ast::Typedef& t) {
  io(a, t.attributes);
  io(a, t.location);
  a.nested(t.type);
  io(a, t.declarators);
}

template <class A>
void io(A& a, ast::Const& c) {
  io(a, c.attributes);
  io(a, c.location);
  a.nested(c.type);
  a.nested(c.declarator);
  io(a, c.value);
}

template <class A>
void io(A& a, ast::TagDecl& t) {
  io(a, t.attributes);
  io(a, t.location);
  a.nested(t.type);
}

template <class A>
void io(A& a, ast::Operation& o) {
  io(a, o.attributes);
  io(a, o.location);
  a.nested(o.returnType);
  io(a, o.returnPointers);
  a.value(o.callingConvention);
  a.value(o.name);
  io(a, o.params);
  a.value(o.hasVarargs);
}

template <class A>
void io(A& a, ast::Import& i) {
  a.value(i.path);
  io(a, i.location);
}

template <class A>
void io(A& a, ast::ImportLib& i) {
  a.value(i.path);
  io(a, i.location);
}

template <class A>
void io(A& a, ast::CppQuote& q) {
  a.value(q.text);
  io(a, q.location);
}

template <class A>
void io(A& a, ast::Pragma& p) {
  a.value(p.text);
  io(a, p.location);
  a.value(p.isMidlPragma);
}

template <class A>
void io(A& a, ast::Interface& i);
template <class A>
void io(A& a, ast::Namespace& n);
template <class A>
void io(A& a, ast::Library& l);
template <class A>
void io(A& a, ast::Module& m);

template <class T>
struct IsUniquePtr : std::false_type {};
template <class T>
struct IsUniquePtr<std::unique_ptr<T>> : std::true_type {};

// A Definition: its alternative's index, then that alternative.
template <class A, size_t I = 0>
void alternativeAt(A& a, ast::Definition& d, size_t index) {
  if constexpr (I < std::variant_size_v<ast::Definition>) {
    if (index != I) return alternativeAt<A, I + 1>(a, d, index);
    if constexpr (A::kReading) d.emplace<I>();
    auto& x = std::get<I>(d);
    if constexpr (IsUniquePtr<std::decay_t<decltype(x)>>::value)
      io(a, x);  // whether it is there, then the node
    else
      a.nested(x);
  }
}

template <class A>
void io(A& a, ast::Definition& d) {
  const size_t index = a.alternative(d.index(), std::variant_size_v<ast::Definition>);
  alternativeAt(a, d, index);
}

template <class A>
void io(A& a, ast::Interface& i) {
  io(a, i.attributes);
  io(a, i.location);
  a.value(i.name);
  a.value(i.base);
  io(a, i.baseLocation);
  a.value(i.isForward);
  io(a, i.members);
  io(a, i.typeParams);
}

template <class A>
void io(A& a, ast::Namespace& n) {
  io(a, n.location);
  a.value(n.name);
  io(a, n.definitions);
}

template <class A>
void io(A& a, ast::Apicontract& c) {
  io(a, c.attributes);
  io(a, c.location);
  a.value(c.name);
}

template <class A>
void io(A& a, ast::Delegate& d) {
  io(a, d.attributes);
  io(a, d.location);
  a.value(d.name);
  io(a, d.typeParams);
  a.nested(d.invoke);
}

template <class A>
void io(A& a, ast::Dispinterface& d) {
  io(a, d.attributes);
  io(a, d.location);
  a.value(d.name);
  a.value(d.isForward);
  io(a, d.properties);
  io(a, d.methods);
  a.value(d.interfaceName);
}

template <class A>
void io(A& a, ast::CoclassMember& m) {
  io(a, m.attributes);
  io(a, m.location);
  a.value(m.name);
  a.value(m.isDispinterface);
}

template <class A>
void io(A& a, ast::Coclass& c) {
  io(a, c.attributes);
  io(a, c.location);
  a.value(c.name);
  a.value(c.isForward);
  io(a, c.members);
}

template <class A>
void io(A& a, ast::Library& l) {
  io(a, l.attributes);
  io(a, l.location);
  a.value(l.name);
  io(a, l.definitions);
}

template <class A>
void io(A& a, ast::Module& m) {
  io(a, m.attributes);
  io(a, m.location);
  a.value(m.name);
  io(a, m.members);
}

thread_local unsigned depth = 0;  // of the Reader's nested() calls

template <class T>
void Writer::nested(T& t) {
  io(*this, t);
}

template <class T>
void Reader::nested(T& t) {
  if (++depth > kMaxDepth) {
    depth = 0;
    throw Damaged{};
  }
  io(*this, t);
  --depth;
}

}  // namespace

std::string serializeAst(const ast::File& file) {
  Writer w;
  w.varint(kMagic);
  w.varint(kVersion);
  auto& f = const_cast<ast::File&>(file);  // the Writer only reads what io() names
  w.value(f.path);
  io(w, f.definitions);
  return std::move(w.out);
}

std::optional<ast::File> deserializeAst(std::string_view bytes) {
  Reader r(bytes);
  ast::File f;
  try {
    if (r.varint() != kMagic || r.varint() != kVersion) return std::nullopt;
    r.value(f.path);
    io(r, f.definitions);
  } catch (const Damaged&) {
    depth = 0;
    return std::nullopt;
  }
  if (!r.atEnd()) return std::nullopt;
  return f;
}

}  // namespace midlc::frontend
