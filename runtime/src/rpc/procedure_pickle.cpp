// The header of a procedure pickle, written and checked (see procedure_pickle.h for the layout).
#include "midlrt/rpc/procedure_pickle.h"

#include <cstring>
#include <limits>
#include <string>

#include "midlrt/ndr/error.h"

namespace midlrt::rpc {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kLittleEndianLow = 0x01;  // DCE's int_rep, in the low nibble (C706 14.2.5's 0x10 >> 4)
constexpr std::uint8_t kFiller = 0xCC;
constexpr std::size_t kSyntaxOffset = 4;
constexpr std::size_t kInterfaceOffset = 24;
constexpr std::size_t kProcNumOffset = 44;
constexpr std::size_t kDrepOffset = 48;
constexpr std::size_t kLengthOffset = 52;
constexpr std::uint8_t kDrep[4] = {kLittleEndianLow, 0, 0, 0};  // little-endian, ASCII, IEEE

std::uint16_t u16At(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}
std::uint32_t u32At(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

void putSyntax(std::uint8_t* out, const SyntaxId& s) {
  s.uuid.encode(out);
  out[16] = static_cast<std::uint8_t>(s.major);
  out[17] = static_cast<std::uint8_t>(s.major >> 8);
  out[18] = static_cast<std::uint8_t>(s.minor);
  out[19] = static_cast<std::uint8_t>(s.minor >> 8);
}

SyntaxId syntaxAt(const std::uint8_t* p) {
  return {Uuid::decode(p), u16At(p + 16), u16At(p + 18)};
}

std::string text(const SyntaxId& s) {
  return s.uuid.toString() + " version " + std::to_string(s.major) + "." + std::to_string(s.minor);
}

std::size_t roundUp8(std::size_t n) {
  return (n + 7) & ~std::size_t{7};
}

[[noreturn]] void malformed(const std::string& why) {
  ndr::detail::throwDecode("not a pickled procedure call: " + why);
}

}  // namespace

std::size_t beginProcedurePickle(ndr::Buffer& out, const SyntaxId& itf, std::uint32_t procNum) {
  std::uint8_t header[kProcedurePickleHeaderSize] = {kVersion, kLittleEndianLow, kFiller, kFiller};
  putSyntax(header + kSyntaxOffset, kNdr20Syntax);
  putSyntax(header + kInterfaceOffset, itf);
  for (int i = 0; i < 4; ++i) header[kProcNumOffset + i] = static_cast<std::uint8_t>(procNum >> (8 * i));
  std::memcpy(header + kDrepOffset, kDrep, sizeof kDrep);
  // The data length (patched by endProcedurePickle) stays zero until then.
  out.append(header, sizeof header);
  return out.size();
}

void endProcedurePickle(ndr::Buffer& out, std::size_t dataStart) {
  const std::size_t length = out.size() - dataStart;
  if (length > std::numeric_limits<std::uint32_t>::max())
    ndr::detail::throwEncode("a pickled procedure call is limited to 4 GiB of data; this one has " +
                             std::to_string(length) + " bytes");
  // Buffer::patch writes host order, which is little-endian wherever midlrt builds (as the NDR encoder).
  out.patch(dataStart - kProcedurePickleHeaderSize + kLengthOffset, static_cast<std::uint32_t>(length));
}

PickledProcedure openProcedurePickle(const std::uint8_t* data, std::size_t size, const SyntaxId& itf,
                                     std::uint32_t procNum) {
  if (size < kProcedurePickleHeaderSize)
    malformed(std::to_string(size) + " bytes, fewer than the " + std::to_string(kProcedurePickleHeaderSize) +
              " of the header");
  if (data[0] != kVersion) malformed("version " + std::to_string(data[0]) + "; midlrt reads version 1");
  if (data[1] == 0x00)
    malformed("big-endian data (integer representation 0); midlrt reads little-endian only");
  if (data[1] != kLittleEndianLow) malformed("unknown integer representation " + std::to_string(data[1]));
  const SyntaxId syntax = syntaxAt(data + kSyntaxOffset);
  if (syntax != kNdr20Syntax)
    malformed("transfer syntax " + text(syntax) + (syntax == kNdr64Syntax ? " (NDR64)" : "") +
              "; midlrt reads NDR 2.0");
  const SyntaxId found = syntaxAt(data + kInterfaceOffset);
  if (found != itf) malformed("it names interface " + text(found) + ", not " + text(itf));
  const std::uint32_t foundProc = u32At(data + kProcNumOffset);
  if (foundProc != procNum)
    malformed("it holds procedure " + std::to_string(foundProc) + ", not " + std::to_string(procNum));
  if (std::memcmp(data + kDrepOffset, kDrep, sizeof kDrep) != 0)
    malformed("data representation " + std::to_string(data[kDrepOffset]) + "/" +
              std::to_string(data[kDrepOffset + 1]) + "/" + std::to_string(data[kDrepOffset + 2]) +
              "; midlrt reads little-endian, ASCII, IEEE data (1/0/0) only");
  const std::uint32_t length = u32At(data + kLengthOffset);
  const std::size_t present = size - kProcedurePickleHeaderSize;
  if (length > present)
    malformed("truncated: the header announces " + std::to_string(length) + " bytes of data but " +
              std::to_string(present) + " follow");
  // A writer that pads the data to 8 bytes may or may not count the padding; both read.
  if (present > roundUp8(length))
    malformed(std::to_string(present - length) +
              " bytes follow the data; midlrt reads one procedure per buffer");
  return {data + kProcedurePickleHeaderSize, length};
}

void closeProcedurePickle(const ndr::Decoder& decoder, const PickledProcedure& pickled) {
  if (roundUp8(decoder.position()) != roundUp8(pickled.size))
    malformed("the arguments' NDR ends after " + std::to_string(decoder.position()) +
              " bytes, but the header announces " + std::to_string(pickled.size));
}

}  // namespace midlrt::rpc
