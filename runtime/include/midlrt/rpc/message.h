// Stub data buffers: request/response bodies with room in front for the PDU header, and received replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace midlrt::rpc {

// Bytes reserved in front of stub data so the runtime writes the PDU header in place and sends header and
// body as one block: request header 24 (+16 with an object UUID), response header 24.
inline constexpr size_t kRequestHeadroom = 24;
inline constexpr size_t kObjectRequestHeadroom = 40;
inline constexpr size_t kResponseHeadroom = 24;

// Outgoing stub data. The storage is recycled per thread (acquire/destructor), so a proxy that marshals
// into a fresh Message per call does not allocate or touch new pages in the steady state.
// Stub data starts at data(); offsets for NDR alignment are relative to data() (headroom is 8-aligned).
class Message {
 public:
  Message() = default;
  explicit Message(size_t headroom) : headroom_(headroom), bytes_(headroom) {}
  // A message whose storage is taken from this thread's cache.
  static Message acquire(size_t headroom = kRequestHeadroom);
  ~Message();
  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  uint8_t* data() { return bytes_.data() + headroom_; }
  const uint8_t* data() const { return bytes_.data() + headroom_; }
  size_t size() const { return bytes_.size() - headroom_; }
  void resize(size_t n) { bytes_.resize(headroom_ + n); }
  void reserve(size_t n) { bytes_.reserve(headroom_ + n); }
  void clear() { bytes_.resize(headroom_); }
  void append(const void* p, size_t n) {
    size_t at = bytes_.size();
    bytes_.resize(at + n);
    if (n != 0) std::memcpy(bytes_.data() + at, p, n);
  }
  // Grows by n bytes and returns where they start (for encoders that write in place).
  uint8_t* grow(size_t n) {
    size_t at = bytes_.size();
    bytes_.resize(at + n);
    return bytes_.data() + at;
  }

  size_t headroom() const { return headroom_; }
  // The whole storage, headroom included; the runtime writes the PDU header into its front.
  std::vector<uint8_t>& storage() { return bytes_; }

 private:
  size_t headroom_ = 0;
  std::vector<uint8_t> bytes_;
};

// Received stub data (reassembled from every fragment), owned by the caller until it is destroyed.
class Reply {
 public:
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  std::vector<uint8_t>& storage() { return bytes_; }
  const std::vector<uint8_t>& storage() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace midlrt::rpc
