// Writes wire plans (wire.h) as C++ statements over midlrt::ndr, encoding or decoding, through a Printer.
// The statements use the names the templates give the coders: `e` (an Encoder) and `d` (a Decoder), and in
// a struct's or union's functions `v`, the value.
#pragma once

#include "codegen/printer.h"
#include "codegen/wire.h"

namespace midlc::codegen {

enum class Coding { Encode, Decode };

// The statements of `steps`.
void emitSteps(Printer& p, const wire::Steps& steps, Coding coding);

// Checks of an operation's parameters: a size parameter against its container, [range].
void emitSizeChecks(Printer& p, const std::vector<wire::SizeCheck>& checks, Coding coding);
void emitRangeChecks(Printer& p, const std::vector<wire::RangeCheck>& checks, Coding coding);
void emitSwitchChecks(Printer& p, const std::vector<wire::SwitchCheck>& checks, Coding coding);

// The bodies of the four functions of a struct or union.
void emitFlat(Printer& p, const wire::StructCodec& codec, Coding coding);
void emitPointees(Printer& p, const wire::StructCodec& codec, Coding coding);
void emitFlat(Printer& p, const wire::UnionCodec& codec, Coding coding);
void emitPointees(Printer& p, const wire::UnionCodec& codec, Coding coding);

// A pipe's chunk coder as a lambda's body (the lambda itself is the caller's).
void emitElements(Printer& p, const wire::Elements& elements, Coding coding);

}  // namespace midlc::codegen
