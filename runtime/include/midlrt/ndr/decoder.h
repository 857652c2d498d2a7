// Decoder: reads NDR 2.0 from received bytes, checking every count and bound before trusting it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "midlrt/ndr/copy.h"
#include "midlrt/ndr/error.h"
#include "midlrt/ndr/full_pointer_graph.h"
#include "midlrt/ndr/primitive.h"
#include "midlrt/ndr/string_view.h"
#if __cplusplus >= 202002L
#include "midlrt/ndr/array_view.h"  // C++20 (std::span): the NDR layer itself stays usable from C++17
#endif

namespace midlrt::ndr {

/// The variance of a varying array as read and checked: elements [offset, offset + actualCount) of the
/// max_count-element array are transmitted.
struct Variance {
  std::uint32_t offset;       ///< the index of the first element transmitted
  std::uint32_t actualCount;  ///< how many elements are transmitted
};

/// The bytes of a message that arrives while it is decoded (a streamed request, whose [in] pipes the
/// manager reads as their fragments come): a Decoder given a source asks it for more bytes where a Decoder
/// over a whole message would report it truncated.
class DecoderSource {
 public:
  /// The bytes a Decoder reads from: the first unconsumed byte onwards.
  struct Window {
    const std::uint8_t* data;  ///< the first byte not yet consumed
    std::size_t size;          ///< bytes from there on
  };
  /// The Decoder has consumed the first `consumed` bytes of its current window and needs `need` bytes
  /// after them. Blocks until they have arrived, or the message has ended (then fewer: the Decoder reports
  /// the message truncated), and returns the window that starts at the first unconsumed byte; the old one is
  /// no longer valid. Throws to abort the decode (a call cancelled, a connection closed, a need too large).
  virtual Window next(std::size_t consumed, std::size_t need) = 0;

 protected:
  ~DecoderSource() = default;
};

/// Reads NDR 2.0 (little-endian) from a byte span it does not own. Reading starts at `origin`, and alignment
/// is relative to it (the stub data start, after the PDU header). Every read is bounds-checked and every
/// count is checked against the bytes remaining before anything is allocated; violations throw DecodeError.
/// One Decoder per message: it owns the full-pointer table.
class Decoder {
 public:
  /// Reads the `size` bytes at `data` (which must outlive the decoder) from `origin` on; DecodeError if
  /// `origin` is beyond `size`.
  Decoder(const std::uint8_t* data, std::size_t size, std::size_t origin = 0);

  ///@{
  /// The NDR stream index of the next byte, and the bytes left after it.
  std::size_t position() const noexcept { return pos_ - origin_; }
  std::size_t remaining() const noexcept { return size_ - pos_; }
  ///@}

  /// Reads the rest of the message from `source` as it arrives (see DecoderSource); null: the bytes given to
  /// the constructor are the whole message. The source must outlive the decoding.
  void setSource(DecoderSource* source) noexcept { source_ = source; }
  /// Has a source: the message is still arriving.
  bool streaming() const noexcept { return source_ != nullptr; }
  /// The bytes left after the position, once at least `atLeast` of them are there: with a source, waits for
  /// them (fewer at the end of the message); without one, what remaining() says.
  std::size_t available(std::size_t atLeast) {
    if (remaining() < atLeast) refill(atLeast);
    return remaining();
  }

  /// Skips padding up to the next multiple of `n` (padding contents are ignored, as the spec allows).
  void align(std::size_t n) {
    const std::size_t pad = (0 - position()) & (n - 1);
    need(pad, "alignment padding");
    pos_ += pad;
  }

  /// A primitive, aligned to its size.
  template <class T>
  T read() {
    static_assert(kIsPrimitive<T>, "read() takes an NDR primitive; see readBool/readEnum16");
    align(sizeof(T));
    need(sizeof(T), "primitive");
    T value;
    std::memcpy(&value, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  /// boolean: any nonzero octet is true.
  bool readBool() { return read<std::uint8_t>() != 0; }
  /// enum16: values above 0x7fff are rejected (status kRpcXEnumValueOutOfRange).
  template <class E>
  E readEnum16() {
    const std::uint16_t v = read<std::uint16_t>();
    if (v > kEnum16Max) detail::throwEnumOutOfRange(true, v);
    return static_cast<E>(v);
  }
  ///@{
  /// __int3264: 32 bits on the wire, widened (sign- or zero-extended) on this 64-bit host.
  std::int64_t readInt3264() { return read<std::int32_t>(); }
  std::uint64_t readUint3264() { return read<std::uint32_t>(); }
  ///@}

  /// `count` fixed-layout elements in one copy (same type rule as Encoder::writeBulk). The byte count is
  /// checked against remaining() before anything is touched.
  template <class T>
  void readBulk(T* out, std::size_t count, std::size_t alignment = kWireAlignment<T>) {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_same_v<T, bool>, "readBulk copies memory");
    align(alignment);
    if (count == 0) return;
    requireElements(count, sizeof(T), "array");
    copyBytes(out, data_ + pos_, count * sizeof(T));
    pos_ += count * sizeof(T);
  }
  /// The same into a vector, resized to `count` only after the check.
  template <class T>
  void readBulk(std::vector<T>& out, std::size_t count, std::size_t alignment = kWireAlignment<T>) {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_same_v<T, bool>, "readBulk copies memory");
    align(alignment);
    requireElements(count, sizeof(T), "array");
    // Copied straight in, reusing the vector's capacity: no zero-fill of the new elements first (a second
    // pass over the data). The bytes are T's representation (T is trivially copyable, and the stub checked
    // its layout) where they are aligned for T; elsewhere, and where memcpy would be slow, the elements are
    // made first and copied over.
    const std::uint8_t* src = data_ + pos_;
    out.clear();
    out.reserve(count);
    if (reinterpret_cast<std::uintptr_t>(src) % alignof(T) != 0 ||
        slowToCopy(out.data(), src, count * sizeof(T))) {
      out.resize(count);
      if (count != 0) copyBytes(out.data(), src, count * sizeof(T));
    } else {
      const T* first = reinterpret_cast<const T*>(src);
      out.assign(first, first + count);
    }
    pos_ += count * sizeof(T);
  }

  /// `count` fixed-layout elements as a view over the message's bytes (the ACF's [cpp_view]): no copy when
  /// the message is whole (no source) and the elements are aligned for T in memory, which they are in a
  /// buffer from operator new (NDR aligns to 8 at most); otherwise copied into `out.owned()`. The same
  /// checks as readBulk. The view is valid while the message's bytes are.
#if __cplusplus >= 202002L
  template <class T>
  void readView(ArrayView<T>& out, std::size_t count, std::size_t alignment = kWireAlignment<T>) {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_same_v<T, bool>, "readView maps memory");
    align(alignment);
    requireElements(count, sizeof(T), "array");
    const std::uint8_t* first = data_ + pos_;
    if (source_ != nullptr || reinterpret_cast<std::uintptr_t>(first) % alignof(T) != 0) {
      readBulk(out.owned(), count, alignment);  // a window that moves on, or misaligned: a copy
      return;
    }
    // The bytes are T's representation (T is trivially copyable, and the stub checked its layout).
    out.view(reinterpret_cast<const T*>(first), count);
    pos_ += count * sizeof(T);
  }
#endif

  /// A [string] char* / wchar_t* (C: char or char16_t) as a view over the message's characters (the ACF's
  /// [cpp_view]): no copy when the message is whole (no source) and the characters are aligned for C in
  /// memory; otherwise copied into `out.owned()`. The same checks as readString. The view is valid while the
  /// message's bytes are.
  template <class C>
  void readView(StringView<C>& out) {
    if (source_ != nullptr) {
      readStringT(out.owned(), ReadMax{});  // a window that moves on: a copy
      return;
    }
    const std::uint32_t actual = readStringCounts<C>(ReadMax{});
    const std::uint8_t* first = data_ + pos_;
    if (reinterpret_cast<std::uintptr_t>(first) % alignof(C) != 0) {
      copyStringChars(out.owned(), actual);
      return;
    }
    const std::basic_string_view<C> text(reinterpret_cast<const C*>(first), actual - 1);
    const std::size_t nul = text.find(C{0});
    if (nul != std::basic_string_view<C>::npos) embeddedNul(nul, actual);
    out.view(text);
    pos_ += std::size_t{actual} * sizeof(C);
  }

  /// Throws unless `count` elements of at least `minWireSize` bytes each can fit in what remains. Generated
  /// code calls it before reserving room for elements it decodes one by one (structs with pointers...).
  void requireElements(std::uint64_t count, std::size_t minWireSize, const char* what) {
    if (minWireSize != 0 && count > remaining() / minWireSize && !refillElements(count, minWireSize))
      detail::throwCountTooLarge(what, count, minWireSize, remaining());
  }

  /// max_count (u32, aligned to 4). Not checked here: checking needs the element size (readBulk and
  /// requireElements do it).
  std::uint32_t readConformance() {
    return read<std::uint32_t>();
  }
  /// offset and actual_count, checked: offset + actual_count <= maxCount.
  Variance readVariance(std::uint64_t maxCount) {
    const std::uint32_t offset = read<std::uint32_t>();
    const std::uint32_t actual = read<std::uint32_t>();
    if (std::uint64_t{offset} + actual > maxCount) badVariance(offset, actual, maxCount);
    return {offset, actual};
  }
  /// A conformant array of a fixed-layout type: max_count then the elements.
  template <class T>
  void readConformantArray(std::vector<T>& out) {
    const std::uint32_t count = readConformance();
    readBulk(out, count);
  }
  /// A varying array whose max_count is `maxCount` (fixed size or hoisted): only the transmitted elements are
  /// stored in `out`; the returned variance says where they belong.
  template <class T>
  Variance readVaryingArray(std::vector<T>& out, std::uint64_t maxCount) {
    const Variance v = readVariance(maxCount);
    readBulk(out, v.actualCount);
    return v;
  }
  /// A conformant-varying array; `maxCount` receives max_count. Never allocates max_count elements.
  template <class T>
  Variance readConformantVaryingArray(std::vector<T>& out, std::uint32_t& maxCount) {
    maxCount = readConformance();
    return readVaryingArray(out, maxCount);
  }

  /// [string] char* / wchar_t*: max_count, offset, actual_count, characters. Requires offset 0,
  /// 1 <= actual_count <= max_count, the last element NUL and no NUL before it. Returns the text without
  /// the terminator.
  std::string readString() {
    return readStringT<char>(ReadMax{});
  }
  /// readString() for wchar_t strings: UTF-16 code units.
  std::u16string readWString() {
    return readStringT<char16_t>(ReadMax{});
  }
  /// The same into an existing string, reusing its capacity (for decoding into reused objects).
  void readString(std::string& out) {
    readStringT(out, ReadMax{});
  }
  /// readString(std::string&) for wchar_t strings.
  void readWString(std::u16string& out) {
    readStringT(out, ReadMax{});
  }
  /// The varying part only (see Encoder::writeVaryingString), against a known or hoisted max_count.
  std::string readVaryingString(std::uint64_t maxCount) {
    return readStringT<char>(maxCount);
  }
  /// readVaryingString() for wchar_t strings.
  std::u16string readVaryingWString(std::uint64_t maxCount) {
    return readStringT<char16_t>(maxCount);
  }

  /// A [unique] pointer's representation: true if non-NULL (its referent follows, now or deferred).
  bool readUniquePointer() {
    return read<std::uint32_t>() != 0;
  }
  /// An embedded [ref] pointer: its id must be nonzero.
  void readRefPointer() {
    if (read<std::uint32_t>() == 0) nullRefPointer();
  }
  /// The pointer of a wire_marshal/user_marshal type (Encoder::writeUserMarker): Windows ignores its value
  /// and always reads the referent. midlc accepts any referent id (other peers, such as impacket, write
  /// ordinary ones) but refuses 0: a NULL pointer, after which a Windows peer would still read a referent.
  void readUserMarker() {
    if (read<std::uint32_t>() == 0)
      fail("a wire_marshal/user_marshal pointer is NULL; its referent must follow");
  }

  /// A [ptr] (full) pointer: nullptr for id 0; otherwise the object for this id, shared by every pointer
  /// that carries the same id (created default-constructed on first sight). Decode the referent into it
  /// where claimFullReferent() says so. An id reused with another type is rejected. `links` writes a struct
  /// or union with its generated functions: what a FullPointerGraph (collectFullPointersInto) follows.
  template <class T>
  std::shared_ptr<T> readFullPointer(FullPointerGraph::Links<T> links = nullptr) {
    const std::uint32_t id = read<std::uint32_t>();
    if (id == 0) return nullptr;
    FullEntry& e = fullObjects_[id];
    if (!e.object) {
      auto object = std::make_shared<T>();
      if (graph_ != nullptr) graph_->add(object, links);
      e.object = std::move(object);
      e.type = typeKey<T>();
    } else if (e.type != typeKey<T>()) {
      fullPointerTypeClash(id);
    }
    return std::static_pointer_cast<T>(e.object);
  }
  /// The objects full pointers create from now on are also kept in `graph`, which frees them, cycles
  /// included, when it goes (see FullPointerGraph); it must outlive the values decoded into.
  void collectFullPointersInto(FullPointerGraph& graph) noexcept {
    graph_ = &graph;
  }
  /// True exactly once per object: decode its referent here (mirrors Encoder::claimFullReferent).
  bool claimFullReferent(const void* object) {
    return object != nullptr && fullClaimed_.insert(object).second;
  }

  ///@{
  /// An embedded interface pointer (a [unique] pointer to an MInterfacePointer): where its id was not NULL,
  /// the value it fills is remembered (deferInterface) until its deferred referent comes
  /// (takeDeferredInterface says whether one comes for that value, once). Referents come in the order of
  /// their ids, but for the referents of referents in between: the first is checked first.
  void deferInterface(const void* value) {
    deferredInterfaces_.push_back(value);
  }
  bool takeDeferredInterface(const void* value) {
    auto& q = deferredInterfaces_;
    if (deferredHead_ < q.size() && q[deferredHead_] == value) {
      if (++deferredHead_ == q.size()) q.clear(), deferredHead_ = 0;
      return true;
    }
    for (auto it = q.begin() + static_cast<std::ptrdiff_t>(deferredHead_); it != q.end(); ++it)
      if (*it == value) {
        q.erase(it);
        return true;
      }
    return false;
  }
  ///@}

  /// [range(min, max)] and size-field correlation checks (MS-RPCE 3.1.1.5.3), throwing DecodeError.
  template <class T>
  static T checkRange(const char* what, T value, T min, T max) {
    if (value < min || value > max)
      rangeViolation(what, static_cast<long double>(value), static_cast<long double>(min),
                     static_cast<long double>(max));
    return value;
  }
  /// A size or length field against the count the wire carried for its array; they must be equal.
  static void checkCorrelation(const char* field, std::uint64_t fieldValue, std::uint64_t wireCount) {
    if (fieldValue != wireCount) correlationMismatch(field, fieldValue, wireCount);
  }

  /// For checks only generated code can make (a union discriminant with no arm and no [default], ...):
  /// throws DecodeError(message) with status kRpcXBadStubData.
  [[noreturn]] static void fail(const std::string& message) {
    detail::throwDecode(message);
  }

  ///@{
  /// Bounds recursion (see DepthGuard); kDefaultMaxDepth unless set.
  unsigned maxDepth() const noexcept {
    return maxDepth_;
  }
  void setMaxDepth(unsigned depth) noexcept {
    maxDepth_ = depth;
  }
  ///@}

 private:
  friend class DepthGuard;
  struct FullEntry {
    std::shared_ptr<void> object;
    const void* type = nullptr;
  };
  /// A distinct address per type, without RTTI.
  template <class T>
  static const void* typeKey() {
    static const char key = 0;
    return &key;
  }
  /// Tag meaning "conformant string: read max_count from the stream".
  struct ReadMax {};

  void need(std::size_t n, const char* what) {
    if (n > size_ - pos_ && !refill(n)) detail::throwTruncated(what, n, size_ - pos_);
  }
  // With a source: waits for `n` bytes after the position; false when the message ends sooner (or without a
  // source).
  bool refill(std::size_t n);
  bool refillElements(std::uint64_t count, std::size_t minWireSize);
  template <class C, class Max>
  std::basic_string<C> readStringT(Max maxHint) {
    std::basic_string<C> s;
    readStringT(s, maxHint);
    return s;
  }
  /// Reads into `s`, reusing its capacity.
  template <class C, class Max>
  void readStringT(std::basic_string<C>& s, Max maxHint) {
    copyStringChars(s, readStringCounts<C>(maxHint));
  }
  /// A string's counts, checked, up to its characters: returns actual_count, whose characters (the last a
  /// NUL) are then at the position, in the buffer.
  template <class C, class Max>
  std::uint32_t readStringCounts(Max maxHint) {
    std::uint64_t maxCount;
    if constexpr (std::is_same_v<Max, ReadMax>) {
      maxCount = readConformance();
    } else {
      maxCount = maxHint;
    }
    const std::uint32_t offset = read<std::uint32_t>();
    const std::uint32_t actual = read<std::uint32_t>();
    if (offset != 0 || actual == 0 || actual > maxCount) badStringCounts(offset, actual, maxCount);
    requireElements(actual, sizeof(C), "string");
    C last;
    std::memcpy(&last, data_ + pos_ + (actual - 1) * sizeof(C), sizeof(C));
    if (last != C{0}) missingTerminator(actual);
    return actual;
  }
  /// The `actual` characters at the position (readStringCounts) into `s`, without the terminator.
  template <class C>
  void copyStringChars(std::basic_string<C>& s, std::uint32_t actual) {
    const std::size_t length = actual - 1;
    s.resize(length);
    if (length != 0) copyBytes(s.data(), data_ + pos_, length * sizeof(C));
    const std::size_t nul = s.find(C{0});
    if (nul != std::basic_string<C>::npos) embeddedNul(nul, actual);
    pos_ += std::size_t{actual} * sizeof(C);
  }

  [[noreturn]] static void badVariance(std::uint32_t offset, std::uint32_t actual, std::uint64_t max);
  [[noreturn]] static void badStringCounts(std::uint32_t offset, std::uint32_t actual, std::uint64_t max);
  [[noreturn]] static void missingTerminator(std::uint32_t actual);
  [[noreturn]] static void embeddedNul(std::size_t index, std::uint32_t actual);
  [[noreturn]] static void nullRefPointer();
  [[noreturn]] static void fullPointerTypeClash(std::uint32_t id);
  [[noreturn]] static void rangeViolation(const char* what, long double v, long double lo, long double hi);
  [[noreturn]] static void correlationMismatch(const char* field, std::uint64_t value, std::uint64_t wire);

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t origin_;
  std::size_t pos_;
  unsigned depth_ = 0;
  unsigned maxDepth_ = kDefaultMaxDepth;
  std::unordered_map<std::uint32_t, FullEntry> fullObjects_;
  std::unordered_set<const void*> fullClaimed_;
  std::vector<const void*> deferredInterfaces_;  // from deferredHead_ on: not yet taken
  std::size_t deferredHead_ = 0;
  FullPointerGraph* graph_ = nullptr;
  DecoderSource* source_ = nullptr;
};

}  // namespace midlrt::ndr
