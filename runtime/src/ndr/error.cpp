// Out-of-line throwing paths of the NDR layer, so the inline readers and writers stay small.
#include "midlrt/ndr/error.h"

#include <string>

#include "midlrt/ndr/primitive.h"

namespace midlrt::ndr::detail {

void throwTruncated(const char* what, std::uint64_t needed, std::size_t remaining) {
  throw DecodeError("truncated stub data: " + std::string(what) + " needs " + std::to_string(needed) +
                    " bytes but only " + std::to_string(remaining) + " remain");
}

void throwCountTooLarge(const char* what, std::uint64_t count, std::size_t elementSize,
                        std::size_t remaining) {
  throw DecodeError(std::string(what) + " count " + std::to_string(count) + " (at least " +
                    std::to_string(elementSize) + " bytes each) exceeds the " + std::to_string(remaining) +
                    " bytes remaining");
}

void throwDecode(const std::string& message) {
  throw DecodeError(message);
}

void throwEncode(const std::string& message) {
  throw EncodeError(message);
}

void throwEnumOutOfRange(bool decoding, std::int64_t value) {
  const std::string message =
      "enum value " + std::to_string(value) + " is outside the enum16 range 0.." + std::to_string(kEnum16Max);
  if (decoding) throw DecodeError(message, kRpcXEnumValueOutOfRange);
  throw EncodeError(message, kRpcXEnumValueOutOfRange);
}

namespace {
// Integral values print without a fraction; others with the default precision.
std::string number(long double v) {
  const auto i = static_cast<long long>(v);
  if (static_cast<long double>(i) == v) return std::to_string(i);
  return std::to_string(static_cast<double>(v));
}
}  // namespace

void throwRangeViolation(bool decoding, const char* what, long double value, long double lo, long double hi) {
  const std::string message = std::string(what) + " value " + number(value) + " is outside its range [" +
                              number(lo) + ", " + number(hi) + "]";
  if (decoding) throw DecodeError(message);
  throw EncodeError(message);
}

void throwDepthExceeded(bool decoding, unsigned limit) {
  const std::string message = "nesting deeper than the limit of " + std::to_string(limit) + " levels";
  if (decoding) throw DecodeError(message);
  throw EncodeError(message);
}

}  // namespace midlrt::ndr::detail
