// Decides the wire plan (wire.h) of values of the C++ mapping (cpp_types.h): how NDR 2.0 lays out each
// struct, union, parameter and pipe element. Every decision about the wire lives here; the emitter only
// spells it, the runtime (midlrt/ndr) supplies the mechanics. The model has passed sema's remoting checks,
// so everything asked of the planner can be marshaled.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "codegen/wire.h"
#include "sema/model.h"

namespace midlc::codegen {

// How names in correlation expressions (size_is(n), switch_is(k)) are spelled in C++: fields of the struct
// being marshaled are "v.n"; parameters are their own names, or locals with a prefix on the server.
struct ExprScope {
  std::string fieldPrefix;          // "v." inside a struct's functions
  bool refParamsAreValues = false;  // top-level [ref] pointer parameters are passed as the values
  std::string paramPrefix;          // the server's locals: "p_<name>"
};

// Names for the locals of one generated function, derived from the value each belongs to
// ("midl_points_el", "midl_points_count"); a name used twice gets a number.
class Locals {
 public:
  std::string make(const std::string& path, const std::string& role);

 private:
  std::set<std::string> used_;
};

// A value being planned: its C++ expression and the path its locals are named after.
struct Value {
  std::string expr;
  std::string path;
};

class WirePlanner {
 public:
  wire::StructCodec structCodec(const sema::StructDecl& s);
  wire::UnionCodec unionCodec(const sema::UnionDecl& u);

  // A whole top-level value (a parameter or a result): flat, then pointees. rawPointer: a top-level
  // [unique]/[ptr] value is a plain `const P*` rather than a smart pointer.
  wire::Steps topLevel(const sema::Type* type, const Value& value, const ExprScope& scope, Locals& locals,
                       const std::string& what, bool rawPointer = false);

  // Pipes: the elements of a chunk, over a span (or, decoding with a count, a vector) named `container`.
  wire::Elements pipeChunk(const sema::Type* element, const std::string& container, const std::string& count,
                           Locals& locals, const std::string& what);
  // The wire alignment of elements whose wire form is their memory form with no padding to zero (a
  // client's [in] pipe of them is pulled straight into the request), or 0.
  unsigned pipeInPlaceAlignment(const sema::Type* element);

  // The C++ text of a correlation expression.
  std::string expression(const sema::Expr* e, const ExprScope& scope);

  // NDR facts about types, each computed once per declaration.
  unsigned alignment(const sema::Type* type);
  bool hasPointees(const sema::Type* type);

 private:
  struct BulkLayout {  // a struct of primitives whose NDR layout equals its C++ layout
    unsigned size = 0;
    unsigned alignment = 1;
    std::vector<wire::Hole> holes;
  };
  const std::optional<BulkLayout>& bulkStruct(const sema::Type* t);
  bool bulkCopyable(const sema::Type* t);
  unsigned structAlignment(const sema::StructDecl& s);
  unsigned armAlignment(const sema::UnionDecl& u);

  void flat(const sema::Type* t, const Value& x, const ExprScope& scope, Locals& locals,
            const std::string& what, wire::Steps& out);
  void pointees(const sema::Type* t, const Value& x, const ExprScope& scope, Locals& locals,
                const std::string& what, wire::Steps& out);
  // A value of a typedef with a conversion: its wire value, converted, in place of the value.
  wire::Convert convert(const sema::TypedefDecl& td, const Value& x, const ExprScope& scope, Locals& locals,
                        const std::string& what);
  void referent(const sema::Type* level, const Value& y, const ExprScope& scope, Locals& locals,
                const std::string& what, wire::Steps& out);
  // A fixed-size varying array's offset and actual count, as C++ values of its correlated fields.
  std::pair<std::string, std::string> varyingWindow(const sema::Type* level, const ExprScope& scope);
  wire::VaryingArray varyingArray(const sema::Type* level, const Value& x, const ExprScope& scope,
                                  Locals& locals, const std::string& what);
  wire::Elements elements(const sema::Type* element, const Value& container, const std::string& count,
                          const ExprScope& scope, Locals& locals, const std::string& what);

  std::map<const sema::Decl*, unsigned> alignments_;
  std::map<const sema::Decl*, bool> pointees_;
  std::map<const sema::Decl*, std::optional<BulkLayout>> layouts_;
};

}  // namespace midlc::codegen
