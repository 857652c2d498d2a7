// Buffer growth: geometric, by realloc (which can remap large blocks instead of copying them).
#include "midlrt/ndr/buffer.h"

#include <algorithm>
#include <new>
#include <string>

#include "midlrt/ndr/error.h"

namespace midlrt::ndr {

namespace {
constexpr std::size_t kMinCapacity = 256;
}

void Buffer::growFor(std::size_t n) {
  if (n > SIZE_MAX - size_) throw std::bad_alloc();
  const std::size_t needed = size_ + n;
  const std::size_t doubled = capacity_ > SIZE_MAX / 2 ? SIZE_MAX : capacity_ * 2;
  reallocate(std::max({needed, doubled, kMinCapacity}));
}

void Buffer::reallocate(std::size_t capacity) {
  void* p = std::realloc(data_, capacity);
  if (p == nullptr) throw std::bad_alloc();
  data_ = static_cast<std::uint8_t*>(p);
  capacity_ = capacity;
}

void Buffer::patchOutOfRange(std::size_t offset, std::size_t n) const {
  throw EncodeError("patch of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                    " is outside the " + std::to_string(size_) + " bytes written");
}

}  // namespace midlrt::ndr
