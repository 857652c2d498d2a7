// Type serialization ("pickling", MIDL's [encode]/[decode]): one NDR value in a buffer of its own, framed by
// the headers of MS-RPCE 2.2.6, "Type Serialization Version 1".
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "midlrt/ndr/buffer.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"

namespace midlrt::ndr {

// The stream (all little-endian):
//   common header (2.2.6.1), 8 bytes: version 1, endianness 0x10, header length 8 (u16), filler 0xCCCCCCCC
//   private header (2.2.6.2), 8 bytes: ObjectBufferLength (u32), filler 0
//   the value's NDR 2.0 representation as a top-level value (its flat part, then its deferred referents),
//   aligned relative to its own first byte and padded with zeros to a multiple of 8; ObjectBufferLength
//   counts it with the padding.
// midlrt writes and reads one value per stream. Reading refuses anything else: a version other than 1
// (version 2 is NDR64, 2.2.7), big-endian data (endianness 0x00: the decoder reads little-endian only) or
// any other data representation, a header length other than 8, an ObjectBufferLength that disagrees with
// the bytes present (a truncated stream, or bytes after the value), and a value whose NDR ends before the
// last 8 bytes of its buffer. The fillers are ignored, as the specification asks, and so is a missing
// padding: impacket writes ObjectBufferLength without it, and no padding after the value.

/// The size of the common header plus the private header: where the value's NDR starts.
inline constexpr std::size_t kPickleHeadersSize = 16;

/// The value's part of a pickled stream, as openPickle() found it: `size` bytes at `data`.
struct PickledBody {
  const std::uint8_t* data;  ///< the first byte of the value's NDR
  std::size_t size;          ///< ObjectBufferLength: the NDR and (normally) its padding
};

/// Appends the common header and a private header whose length endPickle() fills in; returns the offset in
/// `out` where the value's NDR starts (an Encoder's origin).
std::size_t beginPickle(Buffer& out);
/// Pads the value written since `bodyStart` to a multiple of 8 and records its length in the private
/// header. EncodeError if the value does not fit in 4 GiB.
void endPickle(Buffer& out, std::size_t bodyStart);
/// Checks the headers of the `size` bytes at `data` (see above); DecodeError says what is wrong.
PickledBody openPickle(const std::uint8_t* data, std::size_t size);
/// Checks that the value `decoder` read from `body` ends in the body's last 8 bytes, padding aside;
/// DecodeError otherwise.
void closePickle(const Decoder& decoder, const PickledBody& body);

/// A pickled stream of the value `write(Encoder&)` writes.
template <class Write>
std::vector<std::uint8_t> encodePickle(Write&& write) {
  Buffer buffer;
  const std::size_t start = beginPickle(buffer);
  Encoder encoder(buffer, start);
  write(encoder);
  endPickle(buffer, start);
  return std::vector<std::uint8_t>(buffer.data(), buffer.data() + buffer.size());
}

/// Reads the value of the pickled stream at `data` with `read(Decoder&)`, checking the headers before and
/// the length after. DecodeError for malformed input.
template <class Read>
void decodePickle(const std::uint8_t* data, std::size_t size, Read&& read) {
  const PickledBody body = openPickle(data, size);
  Decoder decoder(body.data, body.size);
  read(decoder);
  closePickle(decoder, body);
}

}  // namespace midlrt::ndr
