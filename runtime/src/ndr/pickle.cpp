// The headers of MS-RPCE 2.2.6 around a pickled value, written and checked.
#include "midlrt/ndr/pickle.h"

#include <cstring>
#include <limits>
#include <string>

#include "midlrt/ndr/error.h"

namespace midlrt::ndr {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kLittleEndian = 0x10;  // integers little-endian, characters ASCII (C706 14.2.5)
constexpr std::uint16_t kCommonHeaderLength = 8;
constexpr std::uint32_t kCommonFiller = 0xCCCCCCCCu;
constexpr std::size_t kObjectLengthOffset = 8;  // ObjectBufferLength, from the stream's start

std::uint32_t u32At(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // the headers are little-endian, as is every host midlrt builds for
}

std::size_t roundUp8(std::size_t n) {
  return (n + 7) & ~std::size_t{7};
}

[[noreturn]] void malformed(const std::string& why) {
  detail::throwDecode("not a pickled value (MS-RPCE type serialization version 1): " + why);
}

}  // namespace

std::size_t beginPickle(Buffer& out) {
  std::uint8_t header[kPickleHeadersSize] = {kVersion, kLittleEndian};
  std::memcpy(header + 2, &kCommonHeaderLength, sizeof kCommonHeaderLength);
  std::memcpy(header + 4, &kCommonFiller, sizeof kCommonFiller);
  // ObjectBufferLength (patched by endPickle) and the private header's filler stay zero.
  out.append(header, sizeof header);
  return out.size();
}

void endPickle(Buffer& out, std::size_t bodyStart) {
  const std::size_t length = out.size() - bodyStart;
  const std::size_t pad = (0 - length) & 7;
  if (pad != 0) std::memset(out.append(pad), 0, pad);
  if (length + pad > std::numeric_limits<std::uint32_t>::max())
    detail::throwEncode("a pickled value is limited to 4 GiB; this one is " + std::to_string(length) +
                        " bytes");
  out.patch(bodyStart - kPickleHeadersSize + kObjectLengthOffset, static_cast<std::uint32_t>(length + pad));
}

PickledBody openPickle(const std::uint8_t* data, std::size_t size) {
  if (size < kPickleHeadersSize)
    malformed(std::to_string(size) + " bytes, fewer than the " + std::to_string(kPickleHeadersSize) +
              " of the headers");
  if (data[0] != kVersion)
    malformed("version " + std::to_string(data[0]) + (data[0] == 2 ? " (NDR64)" : "") +
              "; midlrt reads version 1");
  if (data[1] == 0x00) malformed("big-endian data (endianness 0x00); midlrt reads little-endian data only");
  if (data[1] != kLittleEndian) malformed("unknown endianness byte " + std::to_string(data[1]));
  std::uint16_t headerLength;
  std::memcpy(&headerLength, data + 2, sizeof headerLength);
  if (headerLength != kCommonHeaderLength)
    malformed("common header length " + std::to_string(headerLength) + ", not 8");
  const std::uint32_t length = u32At(data + kObjectLengthOffset);
  const std::size_t present = size - kPickleHeadersSize;
  if (length > present)
    malformed("truncated: the private header announces " + std::to_string(length) + " bytes but " +
              std::to_string(present) + " follow");
  // The length counts the padding to 8 (2.2.6.2); impacket leaves the padding out, and so may the bytes.
  const std::size_t padded = roundUp8(length);
  if (present > padded)
    malformed(std::to_string(present - padded) +
              " bytes follow the value; midlrt reads one value per buffer");
  if (present != length && present != padded)
    malformed("the padding after the value is cut short (" + std::to_string(present) + " bytes of " +
              std::to_string(padded) + ")");
  return {data + kPickleHeadersSize, length};
}

void closePickle(const Decoder& decoder, const PickledBody& body) {
  if (roundUp8(decoder.position()) != roundUp8(body.size))
    malformed("the value's NDR ends after " + std::to_string(decoder.position()) +
              " bytes, but the private header announces " + std::to_string(body.size));
}

}  // namespace midlrt::ndr
