// The exceptions the NDR layer throws: DecodeError for bad input, EncodeError for values it cannot send.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "midlrt/ndr/status.h"

namespace midlrt::ndr {

/// Base of every NDR failure. status() is the RPC status the RPC layer should report (a fault status on
/// the server side, the call's error on the client side).
class NdrError : public std::runtime_error {
 public:
  /// `message` says what was wrong and where (what()); `status` is what status() returns.
  NdrError(const std::string& message, std::uint32_t status) : std::runtime_error(message), status_(status) {}
  /// The RPC status for the failure (kRpcXBadStubData, kRpcXInvalidBound, ...; see ndr/status.h).
  std::uint32_t status() const noexcept { return status_; }

 private:
  std::uint32_t status_;
};

/// The received octet stream is malformed: truncated, inconsistent counts, missing terminators, too deep...
/// The RPC layer answers it with a fault PDU carrying status() (normally kRpcXBadStubData).
class DecodeError : public NdrError {
 public:
  /// A decoding failure described by `message`, reported with `status`.
  explicit DecodeError(const std::string& message, std::uint32_t status = kRpcXBadStubData)
      : NdrError(message, status) {}
};

/// A value in memory cannot be represented on the wire: a size field that disagrees with its vector, an
/// enum16 outside 0..0x7fff, an __int3264 that does not fit in 32 bits, a string holding a NUL...
class EncodeError : public NdrError {
 public:
  /// An encoding failure described by `message`, reported with `status`.
  explicit EncodeError(const std::string& message, std::uint32_t status = kRpcXInvalidBound)
      : NdrError(message, status) {}
};

namespace detail {
/// Cold paths, out of line so the inline fast paths stay small.
[[noreturn]] void throwTruncated(const char* what, std::uint64_t needed, std::size_t remaining);
[[noreturn]] void throwCountTooLarge(const char* what, std::uint64_t count, std::size_t elementSize,
                                     std::size_t remaining);
[[noreturn]] void throwDecode(const std::string& message);
[[noreturn]] void throwEncode(const std::string& message);
[[noreturn]] void throwEnumOutOfRange(bool decoding, std::int64_t value);
[[noreturn]] void throwRangeViolation(bool decoding, const char* what, long double value, long double lo,
                                      long double hi);
[[noreturn]] void throwDepthExceeded(bool decoding, unsigned limit);
}  // namespace detail

}  // namespace midlrt::ndr
