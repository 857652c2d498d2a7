// The checks of type serialization (see pickling.h).
#include "sema/pickling.h"

#include <string>
#include <utility>
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
    // The functions live beside the IDL's own names (types, constants, enumerators) in the header.
    const std::pair<bool, const char*> functions[] = {{td->encode, "encode"}, {td->decode, "decode"}};
    for (const auto& [wanted, attribute] : functions) {
      if (!wanted) continue;
      const std::string function = td->name + (attribute[0] == 'e' ? "_Encode" : "_Decode");
      if (const Decl* clash = model.find(function)) {
        diagnostics.error(td->pickledAt, "the function '" + function + "' that [" + attribute +
                                             "] makes for '" + td->name + "' would clash with the IDL's '" +
                                             function + "'");
        diagnostics.note(clash->location, "'" + function + "' is declared here");
      }
    }
    if (td->isContextHandle) {
      diagnostics.error(td->pickledAt,
                        what + " cannot be marshaled: a context handle can only be a parameter or a result");
      continue;
    }
    const Type* t = resolveTypedefs(td->type);
    // A [unique] or [ref] pointer to one (MS-PAC's PKERB_VALIDATION_INFO): a referent id, then the referent.
    const Type* pointee = t && t->kind == Type::Kind::Pointer && t->pointerKind != PointerKind::Full &&
                                  !t->isString && !t->sizing.any()
                              ? resolveTypedefs(t->element)
                              : t;
    if (td->conversion == Conversion::None && pointee && pointee->kind == Type::Kind::Named &&
        (pointee->decl->kind == Decl::Kind::Struct || pointee->decl->kind == Decl::Kind::Union)) {
      constructed.push_back({td->type, td->pickledAt, what});
      continue;
    }
    // Anything else: what NDR cannot carry first (an interface pointer...), else midlc's own limit.
    const size_t before = diagnostics.errorCount();
    if (td->conversion == Conversion::None)
      checkValues(model, diagnostics, {{td->type, td->pickledAt, what}});
    if (diagnostics.errorCount() == before)
      diagnostics.error(
          td->pickledAt,
          "cannot generate [encode]/[decode] for type '" + td->name +
              "': midlc serializes structs and unions, and [unique] or [ref] pointers to them, only");
  }
  checkValues(model, diagnostics, constructed);
}

}  // namespace midlc::sema
