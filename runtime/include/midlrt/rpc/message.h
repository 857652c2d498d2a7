// Stub data buffers: request/response bodies with room in front for the PDU header, and received replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "midlrt/ndr/buffer.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"

namespace midlrt::rpc {

/// @name Headroom
/// Bytes reserved in front of stub data so the runtime writes the PDU header in place and sends header and
/// body as one block: request header 24 (+16 with an object UUID), response header 24.
///@{
inline constexpr size_t kRequestHeadroom = 24;        ///< a request without object UUID
inline constexpr size_t kObjectRequestHeadroom = 40;  ///< a request with PFC_OBJECT_UUID (object interfaces)
inline constexpr size_t kResponseHeadroom = 24;       ///< a response
///@}

/// Outgoing stub data in an ndr::Buffer, behind `headroom()` bytes kept free for the PDU header. The
/// storage is recycled per thread (acquire/destructor), so a proxy that marshals into a fresh Message per
/// call neither allocates nor touches new pages in the steady state. Marshal with
/// `ndr::Encoder enc(m.buffer(), m.headroom())`: NDR alignment is relative to data(), and the headroom is
/// 8-aligned anyway. Like ndr::Buffer, grown bytes are not zero-filled.
class Message {
 public:
  /// No headroom and no storage.
  Message() = default;
  /// Empty stub data behind `headroom` bytes, in storage of its own (acquire() reuses a cached one).
  explicit Message(size_t headroom) : headroom_(headroom) { bytes_.resize(headroom); }
  /// A message whose storage is taken from this thread's cache.
  static Message acquire(size_t headroom = kRequestHeadroom);
  /// Gives the storage back to this thread's cache (up to 1 MiB of capacity) for the next acquire().
  ~Message();
  /// Movable, not copyable: a message owns its storage.
  Message(Message&&) noexcept = default;
  /// Moves the storage and headroom of another message into this one.
  Message& operator=(Message&&) noexcept = default;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  ///@{
  /// The stub data, after the headroom.
  uint8_t* data() { return bytes_.data() + headroom_; }
  const uint8_t* data() const { return bytes_.data() + headroom_; }
  ///@}
  /// Bytes of stub data in the buffer (headroom excluded; gathered bytes are not in it; the gaps left by
  /// leaveFragmentGaps are, until closeGaps()).
  size_t size() const { return bytes_.size() - headroom_; }
  /// Sets the stub data's size to n bytes; grown bytes are not zero-filled.
  void resize(size_t n) { bytes_.resize(headroom_ + n); }
  /// Makes room for n bytes of stub data without reallocating.
  void reserve(size_t n) { bytes_.reserve(headroom_ + n); }
  /// Empties the stub data, keeping the headroom and the capacity.
  void clear() {
    bytes_.resize(headroom_);
    gapEvery_ = gaps_ = 0;
  }
  /// Appends n bytes copied from p.
  void append(const void* p, size_t n) { bytes_.append(p, n); }
  /// Grows by n bytes and returns where they start (for encoders that write in place).
  uint8_t* grow(size_t n) { return bytes_.append(n); }

  /// Lets `encoder` leave its large bulk writes (arrays whose elements are their own wire form) in the
  /// caller's memory: the message is then sent gathered from there, without a copy. For a request that
  /// Channel::invoke or Channel::invokeAsync sends before it returns (what the socket does not take at once
  /// is written before they return, or copied: a synchronous call's, and an [async] call's without pipes),
  /// whose caller's arrays stay valid and unchanged until then, and a synchronous stub's response sent with
  /// ServerCall::complete() before the stub's [out] data goes.
  void gatherLargeWrites(ndr::Encoder& encoder) { encoder.gatherInto(&gathered_); }
  /// The bulk writes left in the caller's memory, in stub data order (see gatherLargeWrites).
  const std::vector<ndr::GatheredBytes>& gathered() const { return gathered_; }
  /// Copies the gathered bytes into place and closes the gaps: afterwards data() holds all the stub data.
  void flatten();

  /// Lets `encoder` lay a request out as the fragments of a connection at the default max_xmit_frag
  /// (pdu::kDefaultMaxFrag, what this runtime proposes and accepts) carry it: a gap of headroom() bytes
  /// before each next fragment's stub data, where the runtime writes that fragment's header, so a request
  /// of several fragments is sent from this buffer as one block, without a copy. A connection with another
  /// fragment size (a peer that accepts less, message protection) copies the request as it would without
  /// gaps, skipping them (closing them first above 1 MiB).
  /// Call it before anything is written; a gathered write (gatherLargeWrites) closes the gaps.
  void leaveFragmentGaps(ndr::Encoder& encoder);
  /// The gaps leaveFragmentGaps left: after every fragmentBody() bytes of stub data, headroom() bytes.
  size_t gaps() const { return gaps_; }
  /// Stub data bytes between two gaps (0 when the message leaves none).
  size_t fragmentBody() const { return gapEvery_; }
  /// Moves the stub data down over the gaps: afterwards data() holds it contiguously.
  void closeGaps();

  /// Bytes kept free in front of data() for the PDU header.
  size_t headroom() const { return headroom_; }
  /// The whole storage, headroom included; the runtime writes the PDU header into its front.
  ndr::Buffer& buffer() { return bytes_; }

 private:
  size_t headroom_ = 0;
  ndr::Buffer bytes_;
  std::vector<ndr::GatheredBytes> gathered_;
  size_t gapEvery_ = 0;  // leaveFragmentGaps: stub bytes between gaps
  size_t gaps_ = 0;      // how many the encoder left (it keeps this count)
};

namespace detail {
struct ReplyFeed;
}  // namespace detail

/// Received stub data (reassembled from every fragment), owned by the caller until it is destroyed. For a
/// call that failed, it says whether the server's fault guaranteed that the call did not run.
///
/// A streamed reply (CallOptions::streamReply) is returned once its first fragment has arrived: data() holds
/// what came so far, and a Decoder given to stream() reads the rest as it arrives (a DecoderSource), failing
/// with RpcError if the server faults meanwhile. Destroying it before the last fragment abandons the call
/// (an orphaned PDU tells the server).
class Reply final : public ndr::DecoderSource {
 public:
  /// An empty reply, for the runtime to fill.
  Reply() = default;
  /// Abandons a streamed reply's call if its last fragment has not come.
  ~Reply();
  /// Moves the stub data (and a streamed reply's link to its call).
  Reply(Reply&&) noexcept = default;
  /// Moves the stub data (and a streamed reply's link to its call).
  Reply& operator=(Reply&&) noexcept = default;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  /// The call failed with a fault carrying PFC_DID_NOT_EXECUTE (C706 12.6.3.1), or its bind was refused:
  /// the server ran none of it, so it may be retried. False after a success or any other failure.
  bool didNotExecute() const { return didNotExecute_; }
  /// Set by the runtime when the call finishes.
  void setDidNotExecute(bool v) { didNotExecute_ = v; }
  /// The stub data: what generated code unmarshals the [out] parameters from.
  const uint8_t* data() const { return bytes_.data(); }
  /// Bytes of stub data.
  size_t size() const { return bytes_.size(); }
  ///@{
  /// The vector that holds the stub data: the runtime fills it when the reply is reassembled.
  std::vector<uint8_t>& storage() { return bytes_; }
  const std::vector<uint8_t>& storage() const { return bytes_; }
  ///@}

  /// A streamed reply: `d`, made over data() and size(), reads the rest of the reply as it arrives (the
  /// reply must stay where it is meanwhile). Nothing to do for a reply that arrived whole.
  void stream(ndr::Decoder& d) {
    if (feed_) d.setSource(this);
  }
  /// DecoderSource: drops the first `consumed` bytes of data() and waits until `need` bytes follow them.
  Window next(std::size_t consumed, std::size_t need) override;
  /// Set by the runtime for a streamed reply still arriving.
  void setFeed(std::shared_ptr<detail::ReplyFeed> feed) { feed_ = std::move(feed); }

 private:
  std::vector<uint8_t> bytes_;
  bool didNotExecute_ = false;
  std::shared_ptr<detail::ReplyFeed> feed_;
};

}  // namespace midlrt::rpc
