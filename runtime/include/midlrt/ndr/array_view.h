// ArrayView: an [in] array a server stub hands to its manager as a std::span (the ACF's [cpp_view]): over the
// request's own bytes when the elements are their own wire form, else over a copy the view holds.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace midlrt::ndr {

/// What a server stub unmarshals a [cpp_view] array into. Decoder::readView points it at the request's bytes
/// (no copy) when the elements are their own wire form and the bytes are aligned for T in memory; otherwise
/// the stub decodes into owned(). The manager sees span(): valid while the call runs (an [async] manager's
/// until it completes the call), as the request it may point into is the call's.
template <class T>
class ArrayView {
 public:
  /// No elements.
  ArrayView() = default;
  /// Movable (a view into the request stays valid: the request does not move).
  ArrayView(ArrayView&&) noexcept = default;
  /// Moves another view's elements into this one.
  ArrayView& operator=(ArrayView&&) noexcept = default;
  ArrayView(const ArrayView&) = delete;
  ArrayView& operator=(const ArrayView&) = delete;

  /// The elements: the request's bytes, or the copy.
  std::span<const T> span() const noexcept { return viewing_ ? view_ : std::span<const T>(owned_); }
  /// The same, for a manager that takes a std::span<const T>.
  operator std::span<const T>() const noexcept { return span(); }
  /// The first element.
  const T* data() const noexcept { return span().data(); }
  /// How many elements.
  std::size_t size() const noexcept { return span().size(); }
  /// No elements.
  bool empty() const noexcept { return size() == 0; }
  /// Whether span() points into the request (no copy was made).
  bool viewsRequest() const noexcept { return viewing_; }

  /// Points the view at `count` elements at `first` (Decoder::readView).
  void view(const T* first, std::size_t count) noexcept {
    view_ = std::span<const T>(first, count);
    viewing_ = true;
  }
  /// The copy, for a stub that decodes the elements one by one; span() is then over it.
  std::vector<T>& owned() noexcept {
    viewing_ = false;
    return owned_;
  }

 private:
  std::span<const T> view_;
  std::vector<T> owned_;
  bool viewing_ = false;
};

}  // namespace midlrt::ndr
