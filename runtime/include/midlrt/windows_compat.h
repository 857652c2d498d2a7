/// @file
/// The few Windows macros that cpp_quote lines of real IDL files use (`WINAPI`, `DEFINE_GUID`, `EXTERN_C`,
/// `DECLSPEC_UUID`, ...), for a header that midlc generates from such a file. Included by a generated header
/// only when its IDL has cpp_quote text. Each macro is defined only if it is not defined already, so the
/// real Windows headers win where they are present. cpp_quote text that needs more of Windows (its types,
/// windows.h's declarations) does not compile here: generate with --no-cpp-quote, or give it those headers.
#pragma once

#ifndef EXTERN_C
/// `extern "C"`: the C linkage Windows headers give their declarations.
#define EXTERN_C extern "C"
#endif

#ifndef WINAPI
/// The calling convention of Windows API functions; the platform's default here.
#define WINAPI
#endif
#ifndef STDMETHODCALLTYPE
/// The calling convention of COM methods; the platform's default here.
#define STDMETHODCALLTYPE
#endif
#ifndef CALLBACK
/// The calling convention of callbacks; the platform's default here.
#define CALLBACK
#endif

#ifndef DECLSPEC_UUID
/// `__declspec(uuid(...))` attaches an IID to a class in MSVC; nothing here (midlc's classes carry `kIid`).
#define DECLSPEC_UUID(x)
#endif
#ifndef DECLSPEC_NOVTABLE
/// `__declspec(novtable)`: an MSVC optimization hint; nothing here.
#define DECLSPEC_NOVTABLE
#endif

#ifndef DEFINE_GUID
/// A named GUID constant, of the `GUID` type in scope where it is used (the runtime's, or the one the
/// IDL file declares).
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
  inline constexpr GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#endif
