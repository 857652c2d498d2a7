// The checks of type serialization (the ACF's [encode]/[decode]): which types midlc can pickle.
#pragma once

#include "sema/model.h"
#include "support/diagnostics.h"

namespace midlc::sema {

// Reports every pickled typedef that cannot be: one whose values NDR cannot carry (a context handle, or a
// struct holding one; an interface pointer; ...), one midlc does not pickle (anything but a struct or a
// union, or a [unique] or [ref] pointer to one), and one whose functions would clash with an IDL name. Runs
// after the remoting checks, whatever is generated: the functions are in the header.
void checkPickling(Model& model, Diagnostics& diagnostics);

}  // namespace midlc::sema
