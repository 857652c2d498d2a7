// A window on a fixed-size array: the elements a varying array transmits ([first_is], [length_is],
// [last_is]: offset and actual_count on the wire), for generated code that marshals a std::array in part.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace midlrt::ndr {

/// `count` contiguous elements from `data`; a range generated code reads or writes as it would a container.
template <class T>
class Window {
 public:
  /// The `count` elements from `data`.
  Window(T* data, std::size_t count) : data_(data), count_(count) {}
  /// The first element.
  T* data() const { return data_; }
  /// How many elements.
  std::size_t size() const { return count_; }
  /// The first element, for range-for.
  T* begin() const { return data_; }
  /// Past the last element, for range-for.
  T* end() const { return data_ + count_; }

 private:
  T* data_;
  std::size_t count_;
};

/// Elements [offset, offset + count) of a std::array; the caller has checked that they lie inside it.
template <class A>
auto window(A& array, std::uint64_t offset, std::uint64_t count) {
  using T = std::remove_reference_t<decltype(*array.data())>;
  return Window<T>(array.data() + offset, static_cast<std::size_t>(count));
}

}  // namespace midlrt::ndr
