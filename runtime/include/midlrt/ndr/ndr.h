// The NDR 2.0 layer of midlrt in one include, and the marshaling rules generated code follows.
#pragma once

#include "midlrt/ndr/buffer.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/depth_guard.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/ndr/error.h"
#include "midlrt/ndr/primitive.h"
#include "midlrt/ndr/status.h"

// How generated code uses this layer (NDR 2.0, C706 chapter 14, with Microsoft's conventions).
//
// Deferred pointers. Each type with embedded pointers gets two routines: a flat pass that writes the
// construct in place, with referent ids (or 0) where the pointers are, and a pointee pass that writes the
// referents in declaration order, each referent being itself flat pass then pointee pass (depth first).
// A top-level construct (a parameter) is its flat pass followed at once by its pointee pass. So for
//   struct S { A* a; B* b; };  struct A { C* c; };
// the stream is: S{id_a, id_b}, A{id_c}, C, B -- a's whole subtree before b's referent.
// An array of structs is every element's flat part, then element 0's pointees, element 1's, ...
// A struct nested by value in another contributes its flat part in place and its pointees to the outer
// struct's pointee pass, in member order. Unions behave as structs with one member (the selected arm).
// This is what impacket writes and reads (NDRCONSTRUCTEDTYPE.getDataReferents/getDataReferent recurse per
// referent; NDRArray packs all items, then each item's referents), checked byte for byte by the vectors in
// tests/interop/ndr_vectors, and what Wine's rpcrt4 does (EmbeddedPointerMarshall marshals each pointee,
// with its own pointees, at the pointer-buffer mark before moving to the next pointer). Top-level pointers
// (parameters, and the pointee of a pointer: `long** pp`) are not deferred: the referent follows the id.
//
// Referent ids are numbered in the order they are written (flat pass order), 0x00020000 then +4. Microsoft's
// and Wine's engines number in processing order, so a nested pointee's ids can come before a sibling's; ids
// are opaque to every receiver, so both are valid streams.
//
// Full pointers ([ptr]). Ids are given by address in the flat pass (writeFullPointer / readFullPointer);
// the referent is written at the first place, in the traversal just described, where generated code asks
// claimFullReferent() -- i.e. in processing order, as the Microsoft/Wine engines do -- and nowhere else.
// Encoder and Decoder use the same rule, so aliasing (and cycles) round-trip; decoded aliases share one
// std::shared_ptr<T>.
//
// Strings. [string] arrays count the terminator in max_count and actual_count. The decoder requires offset
// 0, actual_count >= 1, actual_count <= max_count, the last element NUL and no NUL before it (embedded NULs
// are rejected, as Microsoft's and Wine's robust unmarshalers do: a C peer would see a shorter string);
// the encoder refuses to send a string holding a NUL.
//
// Size fields. For `[size_is(n)] T* p` mapped to a std::vector, the suggested policy is: on encode, the
// generated code calls Encoder::checkSize("n", n, p.size()) (never silently rewrites either); on decode, the
// vector takes the wire count and Decoder::checkCorrelation("n", n, count) checks the field agrees (the
// MS-RPCE correlation check).
//
// Unions. Non-encapsulated: the discriminant as its switch_type, then the selected arm aligned to the arm's
// own alignment (nothing for an empty arm). Encapsulated: a struct of the discriminant and the union, aligned
// to the largest alignment among the discriminant and all arms. No helper is needed beyond the primitives.
