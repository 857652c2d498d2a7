// Procedure serialization (MIDL's [encode]/[decode] on an operation): one call's arguments in a buffer of
// their own, behind the header DCE's encoding services and Microsoft's NdrMesProcEncodeDecode write, which
// names the transfer syntax, the interface and the procedure. It lives in the RPC layer because the header
// names an interface (SyntaxId); the data is NDR 2.0, as type serialization's (midlrt/ndr/pickle.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "midlrt/ndr/buffer.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc {

// The stream (all little-endian), 56 bytes of header, then the data:
//    0  u8      version 1
//    1  u8      integer representation in the low nibble (DCE's int_rep): 1 little-endian, 0 big-endian
//    2  u8[2]   filler: 0xCC 0xCC as Windows writes them (Wine's ndr_es.c), 0 0 in DCE's idl_es
//    4  20      transfer syntax: NDR 2.0's UUID (NDR layout), version u16 major 2, u16 minor 0
//   24  20      the interface: its UUID, u16 major, u16 minor version
//   44  u32     the procedure number (the operation's opnum)
//   48  u8[4]   data representation: int_rep 1, char_rep 0 (ASCII), float_rep 0 (IEEE), reserved 0
//   52  u32     the data's length in bytes (Windows, per Wine; DCE writes 4 filler bytes of 0 here)
//   56          the procedure's NDR 2.0 data, aligned relative to its own first byte (56 is 0 mod 8):
//               encoding writes the [in] arguments in order, decoding reads the [out] ones in order
// midlrt writes the data's exact length and no padding after it. Reading refuses anything but one
// procedure of this interface: a short buffer, another version, big-endian or non-ASCII/IEEE data,
// another transfer syntax (NDR64 included), another interface or interface version, another procedure
// number, a length that disagrees with the bytes present (up to 7 bytes of padding after the data are
// accepted) or with the data read. The fillers are ignored.

/// The size of the header: where the data starts.
inline constexpr std::size_t kProcedurePickleHeaderSize = 56;

/// Appends the header of procedure `procNum` of interface `itf`, with a data length endProcedurePickle()
/// fills in; returns the offset in `out` where the data starts (an Encoder's origin).
std::size_t beginProcedurePickle(ndr::Buffer& out, const SyntaxId& itf, std::uint32_t procNum);
/// Records the length of the data written since `dataStart`. EncodeError beyond 4 GiB.
void endProcedurePickle(ndr::Buffer& out, std::size_t dataStart);

/// The data of a procedure pickle, as openProcedurePickle() found it.
struct PickledProcedure {
  const std::uint8_t* data;  ///< the first byte of the NDR data
  std::size_t size;          ///< the length the header announces
};

/// Checks the header of the `size` bytes at `data` against procedure `procNum` of `itf` (see above);
/// ndr::DecodeError says what is wrong.
PickledProcedure openProcedurePickle(const std::uint8_t* data, std::size_t size, const SyntaxId& itf,
                                     std::uint32_t procNum);
/// Checks that `decoder` read the data to its end (padding aside); ndr::DecodeError otherwise.
void closeProcedurePickle(const ndr::Decoder& decoder, const PickledProcedure& pickled);

/// A pickle of procedure `procNum` of `itf` whose data `write(Encoder&)` writes.
template <class Write>
std::vector<std::uint8_t> encodeProcedure(const SyntaxId& itf, std::uint32_t procNum, Write&& write) {
  ndr::Buffer buffer;
  const std::size_t start = beginProcedurePickle(buffer, itf, procNum);
  ndr::Encoder encoder(buffer, start);
  write(encoder);
  endProcedurePickle(buffer, start);
  return std::vector<std::uint8_t>(buffer.data(), buffer.data() + buffer.size());
}

/// Reads the data of a pickle of procedure `procNum` of `itf` with `read(Decoder&)`, checking the header
/// before and the length after. ndr::DecodeError for malformed input.
template <class Read>
void decodeProcedure(const std::uint8_t* data, std::size_t size, const SyntaxId& itf, std::uint32_t procNum,
                     Read&& read) {
  const PickledProcedure pickled = openProcedurePickle(data, size, itf, procNum);
  ndr::Decoder decoder(pickled.data, pickled.size);
  read(decoder);
  closeProcedurePickle(decoder, pickled);
}

}  // namespace midlrt::rpc
