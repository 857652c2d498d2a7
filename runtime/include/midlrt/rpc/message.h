// Stub data buffers: request/response bodies with room in front for the PDU header, and received replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "midlrt/ndr/buffer.h"

namespace midlrt::rpc {

/// Bytes reserved in front of stub data so the runtime writes the PDU header in place and sends header and
/// body as one block: request header 24 (+16 with an object UUID), response header 24.
inline constexpr size_t kRequestHeadroom = 24;
inline constexpr size_t kObjectRequestHeadroom = 40;
inline constexpr size_t kResponseHeadroom = 24;

/// Outgoing stub data in an ndr::Buffer, behind `headroom()` bytes kept free for the PDU header. The
/// storage is recycled per thread (acquire/destructor), so a proxy that marshals into a fresh Message per
/// call neither allocates nor touches new pages in the steady state. Marshal with
/// `ndr::Encoder enc(m.buffer(), m.headroom())`: NDR alignment is relative to data(), and the headroom is
/// 8-aligned anyway. Like ndr::Buffer, grown bytes are not zero-filled.
class Message {
 public:
  Message() = default;
  explicit Message(size_t headroom) : headroom_(headroom) { bytes_.resize(headroom); }
  /// A message whose storage is taken from this thread's cache.
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
  void append(const void* p, size_t n) { bytes_.append(p, n); }
  /// Grows by n bytes and returns where they start (for encoders that write in place).
  uint8_t* grow(size_t n) { return bytes_.append(n); }

  size_t headroom() const { return headroom_; }
  /// The whole storage, headroom included; the runtime writes the PDU header into its front.
  ndr::Buffer& buffer() { return bytes_; }

 private:
  size_t headroom_ = 0;
  ndr::Buffer bytes_;
};

/// Received stub data (reassembled from every fragment), owned by the caller until it is destroyed.
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
