// Encoder: appends the NDR 2.0 representation of values to a Buffer, for straight-line generated code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "midlrt/ndr/buffer.h"
#include "midlrt/ndr/copy.h"
#include "midlrt/ndr/error.h"
#include "midlrt/ndr/primitive.h"

namespace midlrt::ndr {

/// What Windows writes as the pointer of a wire_marshal/user_marshal type whose wire type is a pointer:
/// the bytes 'U' 's' 'e' 'r' (0x72657355 little-endian).
inline constexpr std::uint32_t kUserMarshalMarker = 0x72657355u;

class Encoder;

/// Where the bytes of a message go while it is still being written (a streamed request or response, whose
/// pipe chunks leave as they are produced): Encoder::flush() hands the encoder to the sink, which sends what
/// it wants of the stub data written so far and drops it with Encoder::discardFront().
class EncoderSink {
 public:
  /// Called by Encoder::flush() (between pipe chunks).
  virtual void flush(Encoder& encoder) = 0;
  /// Offered a bulk write of `n` bytes at `p` (a pushed pipe chunk, an array) before they are copied into
  /// the buffer: the sink may send the stub data held so far followed by the first bytes of `p`, all before
  /// it returns, then drop them with Encoder::discardSent(). Returns how many bytes of `p` it sent (the
  /// encoder copies the rest); 0 (the default) to have them all copied.
  virtual std::size_t writeThrough(Encoder& /*encoder*/, const std::uint8_t* /*p*/, std::size_t /*n*/) {
    return 0;
  }

 protected:
  ~EncoderSink() = default;
};

/// A bulk write left in the caller's memory (Encoder::gatherInto): `size` bytes at `data` stand in the NDR
/// stream just before the byte at offset `at` of the stub data held in the buffer (counted from origin()).
struct GatheredBytes {
  std::size_t at;            ///< where they stand: before this byte of the buffer's stub data
  const std::uint8_t* data;  ///< the caller's bytes
  std::size_t size;          ///< how many
};

/// Closes the gaps Encoder::leaveGaps left in the `held` bytes at `base` (`gap` bytes after every `every`
/// bytes of stub data), moving each segment down over them; returns the stub data's length.
std::size_t closeGaps(std::uint8_t* base, std::size_t held, std::size_t every, std::size_t gap) noexcept;

/// Writes NDR 2.0 (little-endian) at the end of a Buffer. Alignment is relative to `origin`, the offset in
/// the buffer where the stub data starts (the RPC layer keeps its PDU header in front of it); padding bytes
/// are zero. One Encoder per marshaled message: it owns the referent-id counter and the full-pointer table.
/// Throws EncodeError for values that have no valid representation.
class Encoder {
 public:
  /// Stub data starts at the buffer's current end.
  explicit Encoder(Buffer& buffer) : Encoder(buffer, buffer.size()) {}
  /// Stub data starts at `origin` (<= buffer.size()); bytes already between origin and the end count as
  /// stub data for alignment.
  Encoder(Buffer& buffer, std::size_t origin);

  /// The buffer written to (for in-place writers such as writePipeInPlace: they call stopLeavingGaps first).
  Buffer& buffer() noexcept { return *buf_; }
  /// Bytes of stub data written so far (the NDR stream index of the next byte).
  std::size_t position() const noexcept {
    return buf_->size() - origin_ + discarded_ + gatheredBytes_ - gaps_ * gapSize_;
  }
  /// Where the stub data not yet discarded starts in the buffer.
  std::size_t origin() const noexcept { return origin_; }

  /// Streams the message to `sink` (see EncoderSink); null (the default): the buffer holds it all.
  void setSink(EncoderSink* sink) noexcept {
    if (sink != nullptr) stopLeavingGaps();
    sink_ = sink;
  }
  /// Bulk writes of at least kGatherMin bytes (without padding holes) are not copied but recorded in `list`,
  /// for a sender that gathers them from the caller's memory (rpc::Message::gatherLargeWrites): that memory
  /// must stay valid and unchanged until the message is sent. Not with a sink. Null (the default): copied.
  void gatherInto(std::vector<GatheredBytes>* list) noexcept { gather_ = list; }
  /// Smaller bulk writes are copied: below this, a copy costs less than another piece to send.
  static constexpr std::size_t kGatherMin = 16 * 1024;
  /// Lays the stub data out as fragments of `every` bytes (a multiple of 8) will carry it: before each
  /// byte at a stub position that is a multiple of `every`, `gap` bytes of the buffer are left unwritten,
  /// for the sender to put the next fragment's header there (rpc::Message::leaveFragmentGaps). The count of
  /// gaps left is kept in `*gaps`. Only before anything was written, and not with a sink. A gathered write
  /// or stopLeavingGaps() closes them.
  void leaveGaps(std::size_t every, std::size_t gap, std::size_t* gaps);
  /// Closes the gaps left so far (the buffer then holds the stub data contiguously from origin()) and
  /// leaves no more: for writers that work on buffer() directly.
  void stopLeavingGaps() noexcept;
  /// Offers what has been written to the sink, if there is one (writers of pipes call it after each chunk).
  void flush() {
    if (sink_ != nullptr) sink_->flush(*this);
  }
  /// Drops the first `n` bytes of stub data (a multiple of 8, which the sink has sent): the buffer keeps what
  /// follows them at origin(), and positions, so alignment, go on from where they were.
  void discardFront(std::size_t n);
  /// For EncoderSink::writeThrough: all stub data held and the first `external` bytes offered were sent
  /// (together a multiple of 8); the buffer is left empty at origin().
  void discardSent(std::size_t external);

  /// Writes zero bytes up to the next multiple of `n` (1, 2, 4 or 8).
  void align(std::size_t n) {
    const std::size_t pad = (0 - position()) & (n - 1);
    if (pad != 0) appendZeros(pad);
  }

  /// A primitive, aligned to its size: int8..uint64, char, char16_t (wchar_t on the wire), float, double.
  template <class T>
  void write(T value) {
    static_assert(kIsPrimitive<T>, "write() takes an NDR primitive; see writeBool/writeEnum16");
    const std::size_t pad = (0 - position()) & (sizeof(T) - 1);
    if (pastGap(pad + sizeof(T))) {
      const std::uint8_t zeros[8] = {};
      appendAcrossGaps(zeros, pad);
      appendAcrossGaps(reinterpret_cast<const std::uint8_t*>(&value), sizeof(T));
      return;
    }
    std::uint8_t* p = buf_->append(pad + sizeof(T));
    if constexpr (sizeof(T) > 1) {
      for (std::size_t i = 0; i < pad; ++i) p[i] = 0;
    }
    std::memcpy(p + pad, &value, sizeof(T));
  }
  /// boolean: one byte, 0 or 1.
  void writeBool(bool value) { write<std::uint8_t>(value ? 1 : 0); }
  /// An enum without [v1_enum]: 16 bits on the wire, value must be in 0..0x7fff.
  template <class E>
  void writeEnum16(E value) {
    const auto v = static_cast<std::int64_t>(value);
    if (v < 0 || v > kEnum16Max) detail::throwEnumOutOfRange(false, v);
    write(static_cast<std::uint16_t>(v));
  }
  ///@{
  /// __int3264 / unsigned __int3264 (and INT_PTR-like types): 32 bits on the wire, must fit.
  void writeInt3264(std::int64_t value) {
    if (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max())
      int3264OutOfRange(value);
    write(static_cast<std::int32_t>(value));
  }
  void writeUint3264(std::uint64_t value) {
    if (value > std::numeric_limits<std::uint32_t>::max()) uint3264OutOfRange(value);
    write(static_cast<std::uint32_t>(value));
  }
  ///@}

  /// `count` elements of a fixed-layout type in one copy, after aligning to `alignment`. Only for types whose
  /// NDR representation is their memory image: primitives, or structs of primitives whose NDR size equals
  /// sizeof(T) (no trailing padding, no bool/enum/pointer members).
  template <class T>
  void writeBulk(const T* values, std::size_t count, std::size_t alignment = kWireAlignment<T>) {
    const std::size_t n = startBulk<T>(count, alignment);
    if (n == 0) return;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(values);
    if (gather_ != nullptr && sink_ == nullptr && n >= kGatherMin) {
      stopLeavingGaps();
      gather_->push_back(GatheredBytes{buf_->size() - origin_, bytes, n});
      gatheredBytes_ += n;
      return;
    }
    // A streamed message's sink may send large writes straight from the caller's memory.
    const std::size_t sent =
        sink_ != nullptr && n >= kWriteThroughMin ? sink_->writeThrough(*this, bytes, n) : 0;
    if (sent != n) appendBytes(bytes + sent, n - sent);
  }

  /// The same for structs with internal padding: copies, then zeroes each element's `holes` (in the buffer:
  /// never written through). Always inlined, so the holes are constants where they are zeroed: a store each,
  /// not a memset call per element.
  template <class T, std::size_t N>
  [[gnu::always_inline]] void writeBulk(const T* values, std::size_t count, const PaddingHole (&holes)[N],
                                        std::size_t alignment = kWireAlignment<T>) {
    const std::size_t n = startBulk<T>(count, alignment);
    if (n == 0) return;
    while (pastGap(count * sizeof(T))) {
      // The elements before the gap in one copy, then the one it splits through a copy of its own.
      const std::size_t before = (nextGap_ - buf_->size()) / sizeof(T);
      copyWithHoles(values, before, holes);
      values += before;
      count -= before;
      if (count == 0) return;
      T one;
      copyWithHoles(values, 1, holes, reinterpret_cast<std::uint8_t*>(&one));
      appendAcrossGaps(reinterpret_cast<const std::uint8_t*>(&one), sizeof(T));
      ++values;
      --count;
    }
    copyWithHoles(values, count, holes);
  }

  /// Conformance (max_count): u32 aligned to 4. Fails if `count` does not fit in 32 bits.
  void writeConformance(std::uint64_t maxCount) { write(checkedCount("max_count", maxCount)); }
  /// Variance: offset then actual_count, both u32 aligned to 4.
  void writeVariance(std::uint64_t offset, std::uint64_t actualCount) {
    write(checkedCount("offset", offset));
    write(checkedCount("actual_count", actualCount));
  }
  /// A conformant-varying array's max_count, offset and actual_count: the elements sent must lie within
  /// max_count (C706 14.3.3.4), else EncodeError naming `maxField`, the attribute that gave max_count.
  void writeConformanceAndVariance(const char* maxField, std::uint64_t maxCount, std::uint64_t offset,
                                   std::uint64_t actualCount) {
    if (offset > maxCount || actualCount > maxCount - offset)
      elementsBeyondMax(maxField, maxCount, offset, actualCount);
    writeConformance(maxCount);
    writeVariance(offset, actualCount);
  }
  /// A conformant array of a fixed-layout type: max_count then the elements.
  template <class T>
  void writeConformantArray(const T* values, std::size_t count) {
    writeConformance(count);
    writeBulk(values, count);
  }
  /// A varying array: offset 0, actual_count, elements (max_count is known statically or hoisted).
  template <class T>
  void writeVaryingArray(const T* values, std::size_t count) {
    writeVariance(0, count);
    writeBulk(values, count);
  }
  /// A conformant-varying array: max_count, offset 0, actual_count, the `count` transmitted elements.
  template <class T>
  void writeConformantVaryingArray(const T* values, std::size_t count, std::uint64_t maxCount) {
    if (count > maxCount) sizeMismatch("actual_count", count, "max_count", maxCount);
    writeConformance(maxCount);
    writeVaryingArray(values, count);
  }

  /// [string] char* / wchar_t*: max_count, offset 0, actual_count (all three count the terminator), the
  /// characters and a NUL. The text itself must hold no NUL (the peer would read a shorter string).
  void writeString(std::string_view s) { writeStringT(s, true, kNoMax); }
  /// writeString() for wchar_t strings, given as UTF-16 code units.
  void writeWString(std::u16string_view s) { writeStringT(s, true, kNoMax); }
  /// The varying part only (offset, actual_count, characters, NUL): for [string] char name[N] (pass N as
  /// `maxCount`, checked) and for a conformant string whose max_count was hoisted to the start of its struct.
  void writeVaryingString(std::string_view s, std::uint64_t maxCount = kNoMax) {
    writeStringT(s, false, maxCount);
  }
  /// writeVaryingString() for wchar_t strings.
  void writeVaryingWString(std::u16string_view s, std::uint64_t maxCount = kNoMax) {
    writeStringT(s, false, maxCount);
  }

  /// A [unique] pointer's representation: 0 for NULL, else a fresh referent id. Returns whether the referent
  /// follows (now for a top-level pointer, in the deferred pass for an embedded one).
  bool writeUniquePointer(const void* p) {
    write<std::uint32_t>(p == nullptr ? 0 : nextReferentId());
    return p != nullptr;
  }
  /// An embedded [ref] pointer: a nonzero referent id (top-level [ref] pointers have no representation).
  void writeRefPointer() { write<std::uint32_t>(nextReferentId()); }
  /// The pointer of a wire_marshal/user_marshal type whose wire type is a [unique] pointer. Windows writes
  /// the marker kUserMarshalMarker ('User') where the referent id would be, top-level or embedded, and the
  /// referent always follows (now for a top-level value, in the deferred pass for an embedded one).
  void writeUserMarker() { write<std::uint32_t>(kUserMarshalMarker); }

  /// A [ptr] (full) pointer: 0 for NULL; otherwise the id this address already has, or a fresh one.
  /// Returns true the first time this address is seen by this encoder. Whether the referent is written at a
  /// given place is decided by claimFullReferent() at that place (see ndr.h, "Full pointers").
  bool writeFullPointer(const void* p);
  /// Call where the referent of a full pointer belongs (right after a top-level pointer, in the pointee pass
  /// for an embedded one): true exactly once per non-NULL address, meaning "write the referent here".
  bool claimFullReferent(const void* p) {
    return p != nullptr && observer_ == nullptr && fullClaimed_.insert(p).second;
  }

  /// Told each non-NULL full pointer an observing encoder writes: fullPointer(context, p).
  struct FullPointerObserver {
    void (*fullPointer)(void* context, const void* p);  ///< called with `context` and the pointer
    void* context;                                      ///< passed back to fullPointer
  };
  /// Makes this encoder list the full pointers of what it encodes without following them (no referent is
  /// claimed): how FullPointerGraph finds the links of one object.
  void observeFullPointers(const FullPointerObserver* observer) noexcept { observer_ = observer; }

  /// Encode-side checks generated code runs before writing: a size/length field against its container, and
  /// a [range] value. Both throw EncodeError.
  static void checkSize(const char* field, std::uint64_t fieldValue, std::uint64_t containerSize) {
    if (fieldValue != containerSize) sizeFieldMismatch(field, fieldValue, containerSize);
  }
  /// A [range(min, max)] value (EncodeError outside it).
  template <class T>
  static void checkRange(const char* what, T value, T min, T max) {
    if (value < min || value > max)
      rangeViolation(what, static_cast<long double>(value), static_cast<long double>(min),
                     static_cast<long double>(max));
  }

  /// For checks only generated code can make (a [ref] pointer that is NULL, a union value without an arm...):
  /// throws EncodeError(message).
  [[noreturn]] static void fail(const std::string& message) { detail::throwEncode(message); }

  ///@{
  /// Bounds recursion (see DepthGuard); kDefaultMaxDepth unless set.
  unsigned maxDepth() const noexcept { return maxDepth_; }
  void setMaxDepth(unsigned depth) noexcept { maxDepth_ = depth; }
  ///@}

 private:
  friend class DepthGuard;
  static constexpr std::uint64_t kNoMax = ~std::uint64_t{0};

  std::uint32_t nextReferentId() {
    if (nextId_ == 0) referentIdsExhausted();
    const std::uint32_t id = nextId_;
    nextId_ += kReferentIdStep;  // wraps to 0 after the last id; then the next call throws
    return id;
  }
  // Whether appending `n` bytes reaches past the place of the next gap (never, when none are left).
  bool pastGap(std::size_t n) const noexcept { return n > nextGap_ - buf_->size(); }
  // Appends `n` bytes (copied from `p`) or zeros, leaving the gaps due among them.
  void appendBytes(const std::uint8_t* p, std::size_t n) {
    if (pastGap(n)) return appendAcrossGaps(p, n);
    copyBytes(buf_->append(n), p, n);
  }
  void appendZeros(std::size_t n) {
    if (pastGap(n)) return appendAcrossGaps(nullptr, n);
    std::memset(buf_->append(n), 0, n);
  }
  // The slow path of both: `p` null for zeros.
  void appendAcrossGaps(const std::uint8_t* p, std::size_t n);
  // Copies `count` elements to `p` (default: appended; they must fit before the next gap), their holes
  // zeroed, in one pass (copyZeroingHoles).
  template <class T, std::size_t N>
  [[gnu::always_inline]] void copyWithHoles(const T* values, std::size_t count, const PaddingHole (&holes)[N],
                                            std::uint8_t* p = nullptr) {
    if (count == 0) return;
    if (p == nullptr) p = buf_->append(count * sizeof(T));
    copyZeroingHoles<sizeof(T)>(p, reinterpret_cast<const std::uint8_t*>(values), count, holes);
  }
  // What both writeBulk forms check first: aligns, and returns the bytes `count` elements take (0: none).
  template <class T>
  std::size_t startBulk(std::size_t count, std::size_t alignment) {
    static_assert(std::is_trivially_copyable_v<T> && !std::is_same_v<T, bool>, "writeBulk copies memory");
    align(alignment);
    if (count > std::numeric_limits<std::size_t>::max() / sizeof(T)) tooLarge("bulk array", count);
    return count * sizeof(T);
  }
  static std::uint32_t checkedCount(const char* what, std::uint64_t value) {
    if (value > std::numeric_limits<std::uint32_t>::max()) countTooLarge(what, value);
    return static_cast<std::uint32_t>(value);
  }
  template <class C>
  void writeStringT(std::basic_string_view<C> s, bool conformant, std::uint64_t maxCount) {
    const std::uint64_t count = std::uint64_t{s.size()} + 1;
    if (maxCount != kNoMax && count > maxCount)
      sizeMismatch("string length with NUL", count, "max", maxCount);
    for (C c : s) {
      if (c == C{0}) embeddedNul(s.size());
    }
    if (conformant) writeConformance(count);
    writeVariance(0, count);
    const std::size_t bytes = s.size() * sizeof(C);
    if (pastGap(bytes + sizeof(C))) {
      appendAcrossGaps(reinterpret_cast<const std::uint8_t*>(s.data()), bytes);
      return appendAcrossGaps(nullptr, sizeof(C));
    }
    std::uint8_t* p = buf_->append(bytes + sizeof(C));
    if (bytes != 0) std::memcpy(p, s.data(), bytes);
    std::memset(p + bytes, 0, sizeof(C));
  }

  [[noreturn]] static void int3264OutOfRange(std::int64_t value);
  [[noreturn]] static void uint3264OutOfRange(std::uint64_t value);
  [[noreturn]] static void tooLarge(const char* what, std::uint64_t count);
  [[noreturn]] static void countTooLarge(const char* what, std::uint64_t value);
  [[noreturn]] static void sizeMismatch(const char* a, std::uint64_t av, const char* b, std::uint64_t bv);
  [[noreturn]] static void elementsBeyondMax(const char* maxField, std::uint64_t maxCount,
                                             std::uint64_t offset, std::uint64_t actualCount);
  [[noreturn]] static void sizeFieldMismatch(const char* field, std::uint64_t value, std::uint64_t size);
  [[noreturn]] static void rangeViolation(const char* what, long double v, long double lo, long double hi);
  [[noreturn]] static void embeddedNul(std::size_t length);
  [[noreturn]] static void referentIdsExhausted();

  Buffer* buf_;
  std::size_t origin_;
  static constexpr std::size_t kWriteThroughMin = 16 * 1024;  // smaller bulk writes are copied
  std::size_t discarded_ = 0;  // stub data bytes discardFront() and discardSent() dropped
  EncoderSink* sink_ = nullptr;
  std::vector<GatheredBytes>* gather_ = nullptr;
  std::size_t gatheredBytes_ = 0;  // stub data bytes recorded in gather_, not in the buffer
  // leaveGaps: the buffer offset where the next gap goes (none: the largest size_t, which no append
  // reaches), the stub bytes between gaps, each gap's size, how many were left and where that count is kept.
  std::size_t nextGap_ = ~std::size_t{0};
  std::size_t gapEvery_ = 0;
  std::size_t gapSize_ = 0;
  std::size_t gaps_ = 0;
  std::size_t* gapsOut_ = nullptr;
  std::uint32_t nextId_ = kFirstReferentId;
  unsigned depth_ = 0;
  unsigned maxDepth_ = kDefaultMaxDepth;
  std::unordered_map<const void*, std::uint32_t> fullIds_;
  std::unordered_set<const void*> fullClaimed_;
  const FullPointerObserver* observer_ = nullptr;
};

}  // namespace midlrt::ndr
