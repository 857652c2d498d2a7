// The checks of type serialization (see pickling.h).
#include "sema/pickling.h"

#include <string>
#include <vector>

#include "sema/remoting.h"

namespace midlc::sema {

void checkPickling(Model& model, Diagnostics& diagnostics) {
  std::vector<MarshaledValue> constructed;  // structs and unions: the remoting checks say what they lack
  for (const auto& d : model.decls) {
    if (d->kind != Decl::Kind::Typedef) continue;
    const auto* td = static_cast<const TypedefDecl*>(d.get());
    if (!td->encode && !td->decode) continue;
    const std::string what = "type '" + td->name + "' ([encode]/[decode])";
    if (td->isContextHandle) {
      diagnostics.error(td->pickledAt,
                        what + " cannot be marshaled: a context handle can only be a parameter or a result");
      continue;
    }
    const Type* t = resolveTypedefs(td->type);
    if (td->conversion == Conversion::None && t && t->kind == Type::Kind::Named &&
        (t->decl->kind == Decl::Kind::Struct || t->decl->kind == Decl::Kind::Union)) {
      constructed.push_back({td->type, td->pickledAt, what});
      continue;
    }
    // Anything else: what NDR cannot carry first (an interface pointer...), else midlc's own limit.
    const size_t before = diagnostics.errorCount();
    if (td->conversion == Conversion::None)
      checkValues(model, diagnostics, {{td->type, td->pickledAt, what}});
    if (diagnostics.errorCount() == before)
      diagnostics.error(td->pickledAt,
                        "cannot generate [encode]/[decode] for type '" + td->name +
                            "': midlc serializes structs and unions (and typedefs of them) only");
  }
  checkValues(model, diagnostics, constructed);
}

}  // namespace midlc::sema
