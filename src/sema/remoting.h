// The remoting checks: everything a remote operation passes must be something NDR can carry (IDL's rules)
// and something midlc can generate. analyze() runs them on the main file's interfaces, so --dump-model
// and code generation accept the same files, and the code generators can trust the model.
#pragma once

#include <optional>

#include "sema/model.h"
#include "support/diagnostics.h"

namespace midlc::sema {

// Reports what the main file's interfaces cannot pass, and marks each struct and union of the model
// remotable or not (code is generated only for remotable ones; a type that cannot be marshaled is an error
// only where a remote operation passes it). Without `stubsRequired` (only a header is generated) nothing
// is reported: an interface whose operations cannot all be marshaled gets InterfaceDecl::noStubs instead.
void checkRemoting(Model& model, Diagnostics& diagnostics, bool stubsRequired = true);

// The operation returns HRESULT (or SCODE), through any typedefs: its failures travel as results.
bool returnsHresult(const Operation& op);

// The interface pointer a parameter passes, as MS-DCOM marshals it (an MInterfacePointer behind a [unique]
// pointer): [in] I* (or [in, iid_is] IUnknown*/void*), or through a top-level pointer, [out] or [in,out]
// I** (or [iid_is] IUnknown**/void**), [ref] or [unique]. `interface` is null for void.
struct InterfacePointerParam {
  bool throughReference = false;    // I**: the parameter is the pointer to the interface pointer
  bool throughUnique = false;       // ... and that pointer is [unique] or [ptr]: it may be NULL
  const Decl* interface = nullptr;  // I, or null for void* / void**
  const Expr* iidIs = nullptr;      // [iid_is]: the IID travels beside it
};
std::optional<InterfacePointerParam> interfacePointerParam(const Param& p);

// A value marshaled outside any operation (a type pickled by the ACF's [encode]/[decode]).
struct MarshaledValue {
  const Type* type = nullptr;
  Location where;
  std::string what;  // names it in messages: "type 'T' ([encode]/[decode])"
};

// Reports what the values cannot carry, with the messages checkRemoting() gives parameters, whatever is
// generated (their code is in the header).
void checkValues(Model& model, Diagnostics& diagnostics, const std::vector<MarshaledValue>& values);

// Reports what the parameters of a serialization procedure (an operation the ACF pickles) cannot carry,
// with the messages checkRemoting() gives remote ones. Pipes, context handles and status parameters are
// the caller's to refuse first: a remote operation may pass them.
void checkPickledParameters(Model& model, Diagnostics& diagnostics, const InterfaceDecl& itf,
                            const Operation& op);

}  // namespace midlc::sema
