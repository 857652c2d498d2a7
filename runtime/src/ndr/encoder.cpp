// Encoder: construction, full-pointer ids and the encode-side error paths.
#include "midlrt/ndr/encoder.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace midlrt::ndr {

Encoder::Encoder(Buffer& buffer, std::size_t origin) : buf_(&buffer), origin_(origin) {
  if (origin > buffer.size())
    throw EncodeError("encoder origin " + std::to_string(origin) + " is beyond the buffer's " +
                      std::to_string(buffer.size()) + " bytes");
}

void Encoder::discardFront(std::size_t n) {
  const std::size_t held = buf_->size() - origin_;
  if (n % 8 != 0 || n > held)
    throw EncodeError("cannot discard " + std::to_string(n) + " of " + std::to_string(held) +
                      " bytes of stub data (a multiple of 8 up to what is held)");
  std::uint8_t* front = buf_->data() + origin_;
  if (held != n) std::memmove(front, front + n, held - n);
  buf_->resize(origin_ + held - n);
  discarded_ += n;
}

void Encoder::discardSent(std::size_t external) {
  const std::size_t sent = buf_->size() - origin_ + external;
  if (sent % 8 != 0)
    throw EncodeError("cannot discard " + std::to_string(sent) +
                      " bytes of stub data sent (not a multiple of 8)");
  buf_->resize(origin_);
  discarded_ += sent;
}

void Encoder::leaveGaps(std::size_t every, std::size_t gap, std::size_t* gaps) {
  if (every == 0 || every % 8 != 0 || sink_ != nullptr || position() != 0)
    throw EncodeError("gaps every " + std::to_string(every) +
                      " bytes: a multiple of 8, before any stub data, without a sink");
  gapEvery_ = every;
  gapSize_ = gap;
  gaps_ = 0;
  gapsOut_ = gaps;
  *gapsOut_ = 0;
  nextGap_ = buf_->size() + every;
}

std::size_t closeGaps(std::uint8_t* base, std::size_t held, std::size_t every, std::size_t gap) noexcept {
  std::size_t to = std::min(every, held);
  for (std::size_t from = every + gap; from < held; from += every + gap) {
    const std::size_t len = std::min(every, held - from);
    std::memmove(base + to, base + from, len);
    to += len;
  }
  return to;
}

void Encoder::stopLeavingGaps() noexcept {
  if (gapEvery_ == 0) return;
  if (gaps_ != 0)
    buf_->resize(origin_ + closeGaps(buf_->data() + origin_, buf_->size() - origin_, gapEvery_, gapSize_));
  gapEvery_ = gapSize_ = gaps_ = 0;
  nextGap_ = ~std::size_t{0};
  *gapsOut_ = 0;
}

void Encoder::appendAcrossGaps(const std::uint8_t* p, std::size_t n) {
  while (n != 0) {
    if (buf_->size() == nextGap_) {
      buf_->append(gapSize_);
      ++gaps_;
      ++*gapsOut_;
      nextGap_ = buf_->size() + gapEvery_;
    }
    const std::size_t k = std::min(n, nextGap_ - buf_->size());
    std::uint8_t* at = buf_->append(k);
    if (p != nullptr) {
      std::memcpy(at, p, k);
      p += k;
    } else {
      std::memset(at, 0, k);
    }
    n -= k;
  }
}

bool Encoder::writeFullPointer(const void* p) {
  if (p == nullptr) {
    write<std::uint32_t>(0);
    return false;
  }
  if (observer_ != nullptr) {
    observer_->fullPointer(observer_->context, p);
    write<std::uint32_t>(0);
    return false;
  }
  auto [it, inserted] = fullIds_.try_emplace(p, 0);
  if (inserted) it->second = nextReferentId();
  write<std::uint32_t>(it->second);
  return inserted;
}

void Encoder::int3264OutOfRange(std::int64_t value) {
  throw EncodeError("__int3264 value " + std::to_string(value) + " does not fit in 32 bits");
}

void Encoder::uint3264OutOfRange(std::uint64_t value) {
  throw EncodeError("unsigned __int3264 value " + std::to_string(value) + " does not fit in 32 bits");
}

void Encoder::tooLarge(const char* what, std::uint64_t count) {
  throw EncodeError(std::string(what) + " of " + std::to_string(count) + " elements is too large");
}

void Encoder::countTooLarge(const char* what, std::uint64_t value) {
  throw EncodeError(std::string(what) + " " + std::to_string(value) + " does not fit in 32 bits");
}

void Encoder::sizeMismatch(const char* a, std::uint64_t av, const char* b, std::uint64_t bv) {
  throw EncodeError(std::string(a) + " " + std::to_string(av) + " exceeds " + b + " " + std::to_string(bv));
}

void Encoder::elementsBeyondMax(const char* maxField, std::uint64_t maxCount, std::uint64_t offset,
                                std::uint64_t actualCount) {
  throw EncodeError(std::to_string(actualCount) + " elements from offset " + std::to_string(offset) +
                    " exceed the " + std::to_string(maxCount) + " that '" + maxField + "' allows");
}

void Encoder::sizeFieldMismatch(const char* field, std::uint64_t value, std::uint64_t size) {
  throw EncodeError("size field '" + std::string(field) + "' is " + std::to_string(value) +
                    " but the data holds " + std::to_string(size) + " elements");
}

void Encoder::rangeViolation(const char* what, long double v, long double lo, long double hi) {
  detail::throwRangeViolation(false, what, v, lo, hi);
}

void Encoder::embeddedNul(std::size_t length) {
  throw EncodeError("string of " + std::to_string(length) +
                    " characters holds a NUL before its end; [string] data cannot carry one");
}

void Encoder::referentIdsExhausted() {
  throw EncodeError("out of referent ids for this message");
}

}  // namespace midlrt::ndr
