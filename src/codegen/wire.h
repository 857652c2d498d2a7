// The wire plan: what NDR 2.0 puts on the wire for a value, as data. The planner (wire_planner.h) decides
// it from the model; the emitter (wire_emitter.h) writes it as C++ in either direction, encoding or
// decoding. A plan names values by their C++ expressions ("v.points", "(*both)") and the locals it needs
// by names derived from those values, so the code of one operation or type never depends on another's.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sema/model.h"

namespace midlc::codegen::wire {

struct Step;
using Steps = std::vector<Step>;

// A primitive value (bool, the integers, floats, error_status_t, __int3264).
struct Scalar {
  std::string value;
  sema::Primitive primitive;
};

// An enum: 16 bits on the wire, or 32 with [v1_enum].
struct Enum {
  std::string value;
  std::string type;  // the C++ enum
  bool wide = false;
};

// A struct's or union's own representation, or the referents it defers: its generated functions.
struct TypeFlat {
  std::string value;
};
struct TypePointees {
  std::string value;
};

// An embedded pointer's referent id, in its place; the referent follows later (Referent).
struct PointerId {
  std::string value;
  sema::PointerKind kind;
  std::string pointee;         // the C++ type a decoded [unique] referent is made as
  bool pointeeIsType = false;  // a struct or union with generated functions (a [ptr] referent's links)
};

// An embedded [unique] or [ptr] pointer's deferred referent, there only if the pointer is not NULL (and,
// for [ptr], the first time the referent appears).
struct Referent {
  std::string value;  // the pointer
  sema::PointerKind kind;
  Steps body;  // over (*value)
};

// A top-level [unique] or [ptr] pointer: its id, then its referent.
struct TopPointer {
  std::string value;
  sema::PointerKind kind;
  std::string pointee;
  bool raw = false;            // a `const P*` parameter rather than a smart pointer
  Steps body;                  // over (*value)
  bool pointeeIsType = false;  // as PointerId's
};

// A [string] pointer's referent: conformant and varying.
struct String {
  std::string value;
  bool wide = false;
  // Decoding: an ndr::StringView the characters are viewed through in the message's bytes ([cpp_view]),
  // instead of copied into `value` (the view's own string, used when they cannot be).
  std::string viewOf;
};

// A [string] array inside a struct: varying, bounded by its fixed size or by the struct's conformance.
struct BoundedString {
  std::string value;
  bool wide = false;
  std::optional<uint64_t> fixed;  // none: bounded by the struct's hoisted conformance
};

// A padding hole in a struct that moves as one block: offset and size.
using Hole = std::pair<unsigned, unsigned>;

// How an array's elements move.
struct Elements {
  enum class Codec {
    Bulk,        // primitives that are their own wire form, in one copy
    BulkStruct,  // structs whose NDR layout is their C++ layout, in one copy, holes zeroed
    EachFlat,    // anything else, element by element
  };
  std::string container;
  Codec codec = Codec::EachFlat;
  std::string elementType;  // C++
  unsigned alignment = 1;   // the element's (BulkStruct: given to the copy; EachFlat: to requireElements)
  unsigned size = 0;        // BulkStruct: sizeof
  std::vector<Hole> holes;  // BulkStruct
  // When decoding, where the count comes from: "" (the container's own size: a fixed array or a span), or
  // a local ("conformance", a variance's actualCount).
  std::string count;
  std::string element;  // EachFlat: the loop's variable
  Steps body;           // EachFlat: one element's flat representation, over `element`
  // EachFlat: each element's flat representation is a 'User' marker alone (a wire_marshal/user_marshal
  // [unique] wire pointer, wire::UserMarker), which does not look at the element; `element` counts.
  bool userMarkers = false;
  std::string what;  // for messages
  // Decoding, Bulk or BulkStruct: an ndr::ArrayView the elements are viewed through in the message's bytes
  // ([cpp_view]), instead of copied into `container` (the view's own vector, used when they cannot be).
  std::string viewOf;
};

// The pointees of each element of a container.
struct EachElement {
  std::string container;
  std::string element;
  Steps body;
};

// A conformant (and maybe varying) array that is a pointer's referent or a top-level parameter: its
// max_count, its offset and actual count if varying, its elements, then their pointees.
struct ConformantArray {
  std::string value;
  bool varying = false;
  std::string maxCount;      // varying: the C++ expression of max_count; otherwise value.size()
  std::string maxCountText;  // varying: "size_is(n)", as written, for messages
  std::string countLocal;    // decoding: the local that receives max_count
  // Decoding, varying: a struct's referent checks max_count against its field (read by now); a parameter's
  // keeps it in this local for the checks after the whole message (its vector holds only the transmitted
  // elements, and its [size_is] may name a parameter read later).
  bool checkMaxCount = false;
  std::string maxCountSink;
  std::string varianceLocal;
  std::string offset = "0";  // varying: the offset's C++ value ([first_is])
  std::string offsetText;    // [first_is] as written: the decoder checks the wire's offset against it
  Elements elements;
  std::optional<EachElement> pointees;
};

// A struct's trailing conformant array: its max_count was written before the struct ("conformance").
struct HoistedArray {
  std::string value;
  bool varying = false;
  std::string varianceLocal;
  std::string offset = "0";  // varying: the offset's C++ value ([first_is])
  std::string offsetText;    // [first_is] as written: checked against the wire's offset after the struct
  Elements elements;
};

// A fixed-size varying array in a struct (C706 14.3.3.3): offset and actual_count, then the elements they
// select from its std::array. The sender computes both from the correlated fields and checks them against
// the array's size; the receiver reads them (the decoder checks them against the size), and after the whole
// struct checks them against the fields (MS-RPCE's correlation).
struct VaryingArray {
  std::string value;
  uint64_t size = 0;
  std::string first, count;          // the C++ values of the offset and the actual count
  std::string firstText, countText;  // the attributes as written, for messages
  std::string firstLocal, countLocal, varianceLocal, window;
  Elements elements;  // over `window`
  std::string what;
};

// A value of a typedef with a conversion (cpp_types.h, ConversionNames): the user's function turns it into
// its wire value, a local that travels in its place (`body`, over `local`); decoding, the local is read and
// the other function turns it back. For a [unique] wire pointer of wire_marshal/user_marshal, `body` is the
// pointee's, and it stands where the pointer's referent goes (UserMarker holds the pointer's place).
struct Convert {
  std::string value;
  std::string wireType;  // C++
  std::string local;
  std::string toWire, fromWire;
  Steps body;
};
// Where a wire_marshal/user_marshal [unique] wire pointer stands: Windows' marker 'User' in place of a
// referent id (midlrt::ndr::kUserMarshalMarker), then, now or deferred, the referent (Convert).
struct UserMarker {};

// Checks that hold whichever way the data goes.
struct SizeCheck {        // a size or length field against the container it describes (MS-RPCE's correlation)
  std::string text;       // the attribute's expression as written
  std::string value;      // its C++ value
  std::string container;  // the container whose size must equal it
  std::string guard;      // for [unique]/[ptr] containers: the pointer, checked only when not NULL
  bool deferred = false;  // a pointer's referent: the decoder checks it after the pointees (guarded or not)
  std::string count;      // if set, what the value must equal instead of the container's size (a max_count)
};
struct RangeCheck {  // [range(min, max)] on a value, or on a string's or conformant array's length
  std::string what;
  std::string value;  // the value or the length
  std::string type;   // what the bounds are cast to
  std::string min, max;
  std::string guard;  // for a [unique] string or array: the pointer, checked only when not NULL
};
struct SwitchCheck {  // a [switch_is] field against the arm its union holds
  std::string what;
  std::string text;      // the [switch_is] expression as written
  std::string value;     // the union
  std::string expected;  // the discriminant's expected C++ value
  std::string guard;     // checked only if this is set (a [unique] pointer to the union)
};

// Context handles: 20 bytes on the wire. The client keeps a midlrt::rpc::ContextHandle; the server keeps
// the manager's state, found by (or registered under) the handle's UUID.
struct ClientContext {
  std::string value;
};
struct ServerContext {
  std::string value;
  std::string uuidLocal;
};

// An interface pointer (MS-DCOM's MInterfacePointer holding an OBJREF) behind a [unique] pointer's id: the
// id, then, not NULL, the object reference the runtime makes (midlrt/dcom/marshal.h).
struct InterfacePointer {
  enum class Holder {
    ComPtr,       // a ::midlrt::com::ComPtr<I>, either way
    Borrowed,     // an `I*` the caller keeps (an [in] parameter on the client): encoded only
    OwnedVoid,    // a `void*` holding a reference ([iid_is] void**): decoded into; the server encodes and
                  // releases it
    CallersVoid,  // the client's `void*` of an [in,out] [iid_is] void**: encoded as the caller's (kept), and
                  // decoded into once the reference it held is released (the callee owned it)
  };
  std::string value;
  Holder holder = Holder::ComPtr;
  std::string interface;  // I, for a ComPtr (C++)
  std::string iid;        // the IID's C++ expression
  std::string factory;    // a midlrt::dcom::ProxyFactory expression, or "nullptr" (the registered one)
};

// An embedded interface pointer (a struct's field, an array's element, a pointer's referent), held in a
// ::midlrt::com::ComPtr<I>: its [unique] pointer id in place (InterfaceId), its MInterfacePointer with the
// deferred referents (InterfaceReferent). Decoding, the value whose id was not NULL is remembered by the
// Decoder until its referent comes.
struct InterfaceId {
  std::string value;
};
struct InterfaceReferent {
  std::string value;
  std::string interface;  // I
  std::string iid;
  std::string factory;
};

// A pipe's chunks as the client sends or receives them.
struct PipeOut {  // the client pulls and writes an [in] pipe's chunks
  std::string value;
  unsigned inPlaceAlignment = 0;  // elements that are their own wire form go straight into the request
  Elements writer;                // otherwise each chunk's elements, over a span `c`
};
struct PipeIn {  // the client reads an [out] pipe's chunks and pushes them
  std::string value;
  Elements reader;  // a chunk's elements into a vector `c` of `n`
};

struct Step {
  using Node = std::variant<Scalar, Enum, TypeFlat, TypePointees, PointerId, Referent, TopPointer, String,
                            BoundedString, Elements, EachElement, ConformantArray, HoistedArray, VaryingArray,
                            ClientContext, ServerContext, PipeOut, PipeIn, Convert, UserMarker,
                            InterfacePointer, InterfaceId, InterfaceReferent>;
  Node node;
  template <typename T>
  Step(T n) : node(std::move(n)) {}
};

// The four functions of a struct: its flat representation (embedded pointers as ids) and its deferred
// referents, each encoded and decoded, with the checks of its fields.
struct StructCodec {
  std::string type;
  std::optional<std::string> hoisted;  // encoding: the max_count of a trailing conformant array, first
  std::string hoistedText;  // when a field gives it ("size_is(n)"): the decoder checks it against the field
  unsigned alignment = 1;
  std::vector<SizeCheck> sizes;
  std::vector<RangeCheck> ranges;
  std::vector<SwitchCheck> switches;
  Steps flat;      // each field's flat representation, in order
  Steps pointees;  // each field's referents, in order
};

// A union: the discriminant, then the arm it selects (`value` holds arm i at variant index i, 0: none).
struct UnionArm {
  std::vector<int64_t> cases;
  bool isDefault = false;
  size_t index = 0;  // the variant index; 0 for an empty arm
  Steps flat;
  Steps pointees;
};
struct UnionCodec {
  std::string type;
  std::string name;  // the union's IDL name, for messages
  bool encapsulated = false;
  unsigned pairAlignment = 1;  // encapsulated: discriminant and arms aligned as a struct would be
  unsigned armAlignment = 1;
  Steps discriminant;
  std::vector<UnionArm> arms;
  bool hasDefault = false;
};

}  // namespace midlc::codegen::wire
