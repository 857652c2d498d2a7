// A growable byte buffer the encoder appends to, meant to be reused from call to call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

namespace midlrt::ndr {

/// Contiguous bytes with geometric growth. Fresh capacity is never zero-filled (the first touch of a new
/// page is expensive; callers write every byte they append) and clear() keeps the capacity, so one Buffer
/// per connection or thread serves every call without allocating. Move-only.
class Buffer {
 public:
  /// Empty, without storage.
  Buffer() noexcept = default;
  /// Empty, with room for `capacity` bytes.
  explicit Buffer(std::size_t capacity) { reserve(capacity); }
  /// Takes the other buffer's storage, leaving it empty without storage.
  Buffer(Buffer&& other) noexcept : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  /// Frees this buffer's storage and takes the other's, leaving it empty without storage.
  Buffer& operator=(Buffer&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = other.data_;
      size_ = other.size_;
      capacity_ = other.capacity_;
      other.data_ = nullptr;
      other.size_ = other.capacity_ = 0;
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(data_); }

  ///@{
  /// The first byte; null before any storage was allocated.
  std::uint8_t* data() noexcept { return data_; }
  const std::uint8_t* data() const noexcept { return data_; }
  ///@}
  /// Bytes in use.
  std::size_t size() const noexcept { return size_; }
  /// Bytes allocated: the size the buffer can reach without reallocating.
  std::size_t capacity() const noexcept { return capacity_; }
  /// size() is 0.
  bool empty() const noexcept { return size_ == 0; }

  /// Forgets the contents, keeps the capacity.
  void clear() noexcept { size_ = 0; }
  /// Makes room for `capacity` bytes in total so later appends do not reallocate.
  void reserve(std::size_t capacity) {
    if (capacity > capacity_) reallocate(capacity);
  }
  /// Sets the size; bytes beyond the old size are left uninitialized.
  void resize(std::size_t size) {
    reserve(size);
    size_ = size;
  }

  /// Appends `n` uninitialized bytes and returns where they start; the caller fills them.
  std::uint8_t* append(std::size_t n) {
    if (n > capacity_ - size_) growFor(n);
    std::uint8_t* p = data_ + size_;
    size_ += n;
    return p;
  }
  /// Appends a copy of `n` bytes from `bytes`.
  void append(const void* bytes, std::size_t n) {
    if (n != 0) std::memcpy(append(n), bytes, n);
  }

  /// Overwrites sizeof(T) bytes at `offset` (from the buffer start) with `value`: for values only known
  /// after later data was written (a count, a PDU length). The range must already be inside size().
  template <class T>
  void patch(std::size_t offset, T value) {
    static_assert(std::is_trivially_copyable_v<T>, "patch() copies raw bytes");
    if (offset > size_ || sizeof(T) > size_ - offset) patchOutOfRange(offset, sizeof(T));
    std::memcpy(data_ + offset, &value, sizeof(T));
  }

 private:
  void growFor(std::size_t n);
  void reallocate(std::size_t capacity);
  [[noreturn]] void patchOutOfRange(std::size_t offset, std::size_t n) const;

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace midlrt::ndr
