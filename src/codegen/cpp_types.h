// The C++ mapping of IDL types: how each sema::Type is spelled in generated code. One place decides it.
//
//   base types            fixed-width integers, bool, char, char16_t (NDR's wchar_t), float, double
//   enum                  enum class E : int32_t
//   struct                struct of value members
//   fixed array           std::array<T, N>
//   conformant/varying    std::vector<T>   (size_is/max_is pointers and [] arrays)
//   [string]              std::string / std::u16string
//   [ref] pointer         the pointee itself
//   [unique] pointer      std::unique_ptr<pointee>
//   [ptr] (full) pointer  std::shared_ptr<pointee>  (aliasing is kept: one referent, marshaled once)
//   union                 a struct holding the discriminant and a std::variant of the arms
//   typedef               using
//   conversion typedef    transmit_as/wire_marshal: the typedef (its presented/user type); represent_as/
//                         user_marshal: the type the ACF names. The user's functions convert (see
//                         ConversionNames).
#pragma once

#include <string>

#include "codegen/names.h"
#include "sema/model.h"

namespace midlc::codegen {

// Follows typedefs.
const sema::Type* resolved(const sema::Type* type);
// A [unique] or [ptr] pointer parameter: C++ holds it as a pointer (const P*, or a smart pointer if [out]),
// which may be NULL; a [ref] one is held as the value.
bool isOptionalParam(const sema::Param* p);

// The pipe a parameter of this type passes: the type itself if it is a pipe, or what a pointer to a pipe
// points to; null for every other type.
const sema::Type* pipeOf(const sema::Type* type);

// The C++ spelling of a value of `type` stored in a struct field or a union arm.
std::string cppType(const sema::Type* type);
// A structure field's C++ type: its type's, but an [iid_is] void* is an interface pointer of the interface
// the IID names, held as IUnknown (as an [iid_is] IUnknown* is).
std::string fieldType(const sema::Field& field);
// An [iid_is] void* field: an interface pointer, marshaled as one.
bool isIidIsVoidField(const sema::Field& field);

// The C++ spelling of what a pointer or array level points to / holds: the string, the vector, or the
// element itself.
std::string pointeeType(const sema::Type* level);

// True if `type` is a [string] pointer or array of 16-bit characters.
bool isWideString(const sema::Type* level);

// IDL declarations that are the runtime's own C++ types, so that `using namespace midlrt::com` beside a
// generated header names one GUID, not two: a `struct _GUID` with the DCE UUID's fields is midlrt::com::Guid
// (marshaled by the runtime, midlrt/detail/uuid_ndr.h), and REFIID, REFCLSID and REFGUID, [ref] pointers to
// it, are the runtime's `const Guid&`. The runtime's spelling, or "" for every other declaration. Generated
// code spells the references by what they refer to (a parameter `const IID&`, a server local `IID`).
std::string runtimeType(const sema::Decl& decl);

// A typedef with a conversion as generated code uses it. The user defines two functions, declared by the
// header beside the typedef, that convert by value between the application's type and the wire type:
//   transmit_as   typedef [transmit_as(W)] P Name;
//                   W Name_to_xmit(const Name&)          Name Name_from_xmit(const W&)
//   represent_as  typedef [represent_as(L)] Name;   (ACF; Name is the IDL's type, which travels)
//                   Name Name_from_local(const L&)       L Name_to_local(const Name&)
//   wire_marshal  typedef [wire_marshal(W)] U Name;
//                   W Name_UserMarshal(const Name&)      Name Name_UserUnmarshal(const W&)
//   user_marshal  typedef [user_marshal(U)] Name;   (ACF; Name is the IDL's type, which travels)
//                   Name U_UserMarshal(const U&)         U U_UserUnmarshal(const Name&)
// A wire_marshal/user_marshal wire type that is a [unique] pointer is converted to and from its pointee:
// the pointer is always there on the wire (Windows writes 'User' in its place), never NULL.
struct ConversionNames {
  std::string appType;   // what parameters and fields hold
  std::string wireType;  // what the functions return and take
  std::string toWire, fromWire;
  const sema::Type* wirePointer = nullptr;  // the [unique] wire pointer whose pointee is wireType, if any
  const char* attribute = "";               // "transmit_as", ...
};
ConversionNames conversionNames(const sema::TypedefDecl& td);

// The C++ primitive spelling ("int32_t", "char16_t", ...).
std::string primitiveType(sema::Primitive p);

// NDR alignment of a primitive on the wire.
unsigned primitiveAlignment(sema::Primitive p);

// The midlrt::dcom::ProxyFactory expression generated code gives for interface pointers of interface
// `itf`: the proxy of a remote object interface of the file being generated, which this file's client code
// makes (naming it also links it in); "nullptr" for any other (an imported file's interface, whose stubs may
// not exist), found at run time by the IID the object reference carries among the proxies the program links.
std::string proxyFactory(const sema::Decl* itf);

}  // namespace midlc::codegen
