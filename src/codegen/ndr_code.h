// Straight-line NDR 2.0 marshaling code for the C++ mapping of cpp_types.h: the statements that write and
// read each value, as C++ text for the templates. Every decision about the wire lives here; the runtime
// (midlrt/ndr) supplies the mechanics.
//
// Each constructed type gets four functions in namespace midlgen: ndrWriteFlat / ndrWritePointees and
// ndrReadFlat / ndrReadPointees. "Flat" is the type's own representation with embedded pointers as referent
// ids; "pointees" writes their referents afterwards, in declaration order, each referent itself flat then
// pointees (see runtime/include/midlrt/ndr/ndr.h on deferral).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sema/model.h"
#include "support/diagnostics.h"

namespace midlc::codegen {

class NdrCode {
 public:
  NdrCode(const sema::Model& model, Diagnostics& diagnostics);

  // How names in correlation expressions (size_is(n), switch_is(k)) are spelled in C++: fields of the
  // struct being marshaled are "v.n"; parameters are their own names.
  struct Scope {
    std::string fieldPrefix;          // "v." inside a struct's functions
    bool refParamsAreValues = false;  // top-level [ref] pointer parameters are passed as values
    std::string paramPrefix;          // the server's locals are "p_<name>"
  };

  // Bodies of the four functions of a struct or union.
  std::string structWriteFlat(const sema::StructDecl& s);
  std::string structWritePointees(const sema::StructDecl& s);
  std::string structReadFlat(const sema::StructDecl& s);
  std::string structReadPointees(const sema::StructDecl& s);
  std::string unionWriteFlat(const sema::UnionDecl& u);
  std::string unionWritePointees(const sema::UnionDecl& u);
  std::string unionReadFlat(const sema::UnionDecl& u);
  std::string unionReadPointees(const sema::UnionDecl& u);

  // A whole top-level value (flat then pointees), e.g. a parameter. `expr` names the C++ value.
  // rawPointer: a top-level [unique]/[ptr] value is a plain `const P*` rather than a smart pointer.
  std::string writeTopLevel(const sema::Type* type, const std::string& expr, const Scope& scope,
                            const std::string& what, bool rawPointer = false);
  std::string readTopLevel(const sema::Type* type, const std::string& expr, const Scope& scope,
                           const std::string& what);

  // DCE pipes (midlrt/ndr/pipe.h). Why a type cannot be a pipe's element, or "" if it can: MIDL's rules,
  // which keep every element a fixed-size value with no pointers.
  std::string pipeElementProblem(const sema::Type* element, int depth = 0);
  // The wire alignment of elements whose wire form is their memory form with no padding to zero (a client's
  // [in] pipe of them is pulled straight into the request), or 0.
  unsigned pipeInPlaceAlignment(const sema::Type* element);
  // Lambdas over a pipe's elements: write a span, read into a span, read `n` into a vector.
  std::string pipeSpanWriter(const sema::Type* element, const std::string& what);
  std::string pipeSpanReader(const sema::Type* element, const std::string& what);
  std::string pipeChunkReader(const sema::Type* element, const std::string& what);

  // NDR alignment of a value's flat representation.
  unsigned alignment(const sema::Type* type);
  bool isV1Enum(const sema::Decl* enumDecl) const {
    return static_cast<const sema::EnumDecl*>(enumDecl)->v1Enum;
  }
  // Whether a value of this type has referents written after its flat part.
  bool hasPointees(const sema::Type* type);
  // Where the declaration being generated stands: the location of "cannot generate" errors.
  void at(const Location& where) { where_ = where; }
  // True if the generator reported that it cannot marshal something of this declaration.
  bool failed() const { return failed_; }
  // The discriminant type of a union: its encapsulated switch, or the [switch_type] of its typedef.
  const sema::Type* switchType(const sema::UnionDecl& u);

  // The C++ text of a correlation expression.
  std::string expression(const sema::Expr* e, const Scope& scope);

 private:
  std::string flat(const sema::Type* t, const std::string& x, bool write, const Scope& scope,
                   const std::string& what, int depth);
  std::string pointees(const sema::Type* t, const std::string& x, bool write, const Scope& scope,
                       const std::string& what, int depth);
  std::string referent(const sema::Type* level, const std::string& y, bool write, const Scope& scope,
                       const std::string& what, int depth);
  std::string elements(const sema::Type* element, const std::string& container, const std::string& count,
                       bool write, const Scope& scope, const std::string& what, int depth);
  std::string unionFlat(const sema::UnionDecl& u, bool write);
  std::string fieldChecks(const sema::StructDecl& s, const Scope& scope, bool write, bool switches);
  std::string unionPointees(const sema::UnionDecl& u, bool write);
  bool bulkCopyable(const sema::Type* t);
  // A struct of primitives whose NDR layout equals its C++ layout (no trailing padding): its size, alignment
  // and the padding holes to zero.
  struct BulkLayout {
    unsigned size = 0;
    unsigned alignment = 1;
    std::vector<std::pair<unsigned, unsigned>> holes;
  };
  std::optional<BulkLayout> bulkStruct(const sema::Type* t);
  unsigned structAlignment(const sema::StructDecl& s);
  unsigned armAlignment(const sema::UnionDecl& u);
  const sema::Type* conformantField(const sema::StructDecl& s, const sema::Field** field);
  std::string unsupported(const std::string& what, const std::string& why);

  const sema::Model& model_;
  Diagnostics& diagnostics_;
  bool failed_ = false;
  Location where_;
  std::set<std::string> reported_;
  int counter_ = 0;
};

}  // namespace midlc::codegen
