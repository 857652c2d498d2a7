// StringView: an [in] [string] a server stub hands to its manager as a std::basic_string_view (the ACF's
// [cpp_view]): over the request's own characters, else over a copy the view holds.
#pragma once

#include <string>
#include <string_view>

namespace midlrt::ndr {

/// What a server stub unmarshals a [cpp_view] string into (C: char, or char16_t for wchar_t).
/// Decoder::readView points it at the request's characters, without their terminator (no copy), when the
/// request is whole and they are aligned for C in memory; otherwise it holds a copy. The manager sees text():
/// valid while the call runs (an [async] manager's until it completes the call), as the request it may point
/// into is the call's.
template <class C>
class StringView {
 public:
  /// The empty string.
  StringView() = default;
  /// Movable (a view into the request stays valid: the request does not move).
  StringView(StringView&&) noexcept = default;
  /// Moves another view's text into this one.
  StringView& operator=(StringView&&) noexcept = default;
  StringView(const StringView&) = delete;
  StringView& operator=(const StringView&) = delete;

  /// The characters, without the terminator: the request's, or the copy's.
  std::basic_string_view<C> text() const noexcept {
    return viewing_ ? view_ : std::basic_string_view<C>(owned_);
  }
  /// The same, for a manager that takes a std::basic_string_view<C>.
  operator std::basic_string_view<C>() const noexcept { return text(); }
  /// Whether text() points into the request (no copy was made).
  bool viewsRequest() const noexcept { return viewing_; }

  /// Points the view at characters of the request (Decoder::readView).
  void view(std::basic_string_view<C> text) noexcept {
    view_ = text;
    viewing_ = true;
  }
  /// The copy, for a decoder that cannot point into the request; text() is then over it.
  std::basic_string<C>& owned() noexcept {
    viewing_ = false;
    return owned_;
  }

 private:
  std::basic_string_view<C> view_;
  std::basic_string<C> owned_;
  bool viewing_ = false;
};

}  // namespace midlrt::ndr
