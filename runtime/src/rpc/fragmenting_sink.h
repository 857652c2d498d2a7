// What a streamed request (client) and a streamed response (server) share: as each pipe chunk is flushed,
// the stub data the encoder holds leaves in whole fragments of the connection's size, fitted to TCP's
// segments, and large writes leave straight from the caller's memory.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "midlrt/ndr/encoder.h"

namespace midlrt::rpc::detail {

class FragmentingSink : public ndr::EncoderSink {
 public:
  // A chunk leaves as soon as it is flushed: all of it when it does not fill a fragment, else the whole
  // fragments (the rest goes with the next chunk, which a fast producer has ready: one PDU per fragment's
  // worth, not two per chunk). Never the last few bytes short of a multiple of 8, so that what the encoder
  // keeps stays aligned in memory (and every fragment but the last holds a multiple of 8, as C706 asks).
  // Throws failure() when the fragments cannot be sent.
  void flush(ndr::Encoder& e) override;
  // A bulk write (a pushed chunk) of at least a fragment's worth with what is held: whole fragments leave
  // from the caller's memory, only the rest is copied. 0 (nothing sent: the encoder copies it all) when the
  // sending fails; the next flush reports that.
  std::size_t writeThrough(ndr::Encoder& e, const std::uint8_t* p, std::size_t n) final;

 protected:
  ~FragmentingSink() = default;

  // The stub data a fragment carries: the negotiated size fitted to TCP's segments, asked again every
  // kFragmentsPerFit fragments (Linux bounds a segment by half the peer's window, which grows as the
  // connection warms up).
  std::size_t fragmentBody();
  // fragmentBody() asked of the connection now.
  virtual std::size_t fittedBody() = 0;
  // Whether what is held, with `adding` bytes more, may leave now (else it stays in the encoder).
  virtual bool mayWrite(ndr::Encoder& e, std::size_t adding) = 0;
  // Sends the first `n` bytes of `pieces` as fragments of `maxBody`, none of them the last; false if
  // nothing more can be sent.
  virtual bool sendFragments(std::span<const iovec> pieces, std::size_t n, std::size_t maxBody) = 0;
  // What flush() throws after a failed send.
  [[noreturn]] virtual void failure() = 0;

 private:
  bool send(std::span<const iovec> pieces, std::size_t n, std::size_t maxBody);

  static constexpr std::size_t kFragmentsPerFit = 16;
  std::size_t maxBody_ = 0;
  std::size_t fragmentsSinceFit_ = 0;
  bool wroteThrough_ = false;  // since the last flush
};

}  // namespace midlrt::rpc::detail
