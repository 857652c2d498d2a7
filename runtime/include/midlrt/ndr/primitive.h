// Which C++ types map one-to-one onto NDR 2.0 primitives, and their alignment on the wire.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace midlrt::ndr {

// NDR 2.0 here is always little-endian integers and IEEE floats (format label 0x10 0x00 0x00 0x00); the
// runtime copies memory as is, which is only right on a little-endian host with IEEE types.
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "midlrt::ndr assumes a little-endian host");
#endif
static_assert(sizeof(float) == 4 && sizeof(double) == 8, "NDR float/double are IEEE single/double");

/// Arithmetic types written by a plain copy: 1/2/4/8-byte integers (char, char16_t included), float and
/// double. bool (normalised on read) and wchar_t (4 bytes on Linux, 2 on the wire) are excluded.
template <class T>
inline constexpr bool kIsPrimitive =
    std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, wchar_t> &&
    !std::is_same_v<T, long double> && (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);

/// Alignment of T's representation: its size for a primitive, alignof for a fixed-layout struct (whose
/// NDR alignment is its largest member's, as in C++).
template <class T>
inline constexpr std::size_t kWireAlignment = kIsPrimitive<T> ? sizeof(T) : alignof(T);

/// A gap inside a fixed-layout struct: bytes that are padding both in C++ and in NDR (e.g. the 4 bytes after
/// the `long` of `struct { long id; double x; }`). Encoder::writeBulk zeroes them on the wire, so memory
/// contents never leak into a message.
struct PaddingHole {
  std::uint16_t offset;  ///< from the start of the struct, in bytes
  std::uint16_t size;    ///< bytes of padding
};

///@{
/// The first referent id the encoder hands out and the step between ids (what Microsoft's stubs use).
inline constexpr std::uint32_t kFirstReferentId = 0x00020000;
inline constexpr std::uint32_t kReferentIdStep = 4;
///@}

/// Default bound on nesting of recursive types (DepthGuard).
inline constexpr unsigned kDefaultMaxDepth = 256;

/// Largest value an enum16 may carry (C706 and MIDL: enums travel as 16 bits, values 0..32767).
inline constexpr std::int64_t kEnum16Max = 0x7fff;

}  // namespace midlrt::ndr
