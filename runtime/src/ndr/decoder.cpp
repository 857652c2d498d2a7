// Decoder: construction and the decode-side error paths.
#include "midlrt/ndr/decoder.h"

#include <limits>
#include <string>

namespace midlrt::ndr {

Decoder::Decoder(const std::uint8_t* data, std::size_t size, std::size_t origin)
    : data_(data), size_(size), origin_(origin), pos_(origin), graph_(FullPointerGraph::current()) {
  if (origin > size)
    throw DecodeError("stub data origin " + std::to_string(origin) + " is beyond the " +
                      std::to_string(size) + " bytes received");
}

bool Decoder::refill(std::size_t n) {
  if (source_ == nullptr) return false;
  const DecoderSource::Window w = source_->next(pos_, n);
  // The window now starts at the old position: the stream index stays where it was (modulo 2^64, which
  // alignment, a power of two below it, does not notice).
  origin_ -= pos_;
  pos_ = 0;
  data_ = w.data;
  size_ = w.size;
  return n <= size_;
}

bool Decoder::refillElements(std::uint64_t count, std::size_t minWireSize) {
  if (source_ == nullptr || count > std::numeric_limits<std::size_t>::max() / minWireSize) return false;
  return refill(static_cast<std::size_t>(count) * minWireSize);
}

void Decoder::badVariance(std::uint32_t offset, std::uint32_t actual, std::uint64_t max) {
  throw DecodeError("variance offset " + std::to_string(offset) + " + actual_count " +
                    std::to_string(actual) + " exceeds max_count " + std::to_string(max));
}

void Decoder::badStringCounts(std::uint32_t offset, std::uint32_t actual, std::uint64_t max) {
  if (offset != 0) throw DecodeError("string offset " + std::to_string(offset) + " is not 0");
  if (actual == 0) throw DecodeError("string actual_count 0 leaves no room for its terminator");
  throw DecodeError("string actual_count " + std::to_string(actual) + " exceeds max_count " +
                    std::to_string(max));
}

void Decoder::missingTerminator(std::uint32_t actual) {
  throw DecodeError("string of actual_count " + std::to_string(actual) + " does not end with a NUL");
}

void Decoder::embeddedNul(std::size_t index, std::uint32_t actual) {
  throw DecodeError("string of actual_count " + std::to_string(actual) + " holds a NUL at index " +
                    std::to_string(index) + ", before its terminator");
}

void Decoder::nullRefPointer() {
  throw DecodeError("embedded [ref] pointer is NULL");
}

void Decoder::fullPointerTypeClash(std::uint32_t id) {
  throw DecodeError("full pointer referent id " + std::to_string(id) + " refers to objects of two types");
}

void Decoder::rangeViolation(const char* what, long double v, long double lo, long double hi) {
  detail::throwRangeViolation(true, what, v, lo, hi);
}

void Decoder::correlationMismatch(const char* field, std::uint64_t value, std::uint64_t wire) {
  throw DecodeError("size field '" + std::string(field) + "' is " + std::to_string(value) +
                    " but the array carries " + std::to_string(wire) + " elements");
}

}  // namespace midlrt::ndr
