// A DCE UUID as the RPC protocol carries it (fields little-endian on the wire under drep 0x10).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace midlrt::rpc {

/// A UUID (C706 Appendix A; Microsoft's UUID/GUID): the object UUIDs, interface and transfer syntax
/// identifiers of the protocol and, as com::Guid, COM's IIDs and CLSIDs. Fields are in host order.
struct Uuid {
  ///@{
  /// time_low, time_mid, time_hi_and_version, then clock_seq and node as 8 bytes, as in the text form.
  uint32_t data1 = 0;
  uint16_t data2 = 0;
  uint16_t data3 = 0;
  uint8_t data4[8] = {};
  ///@}

  /// Parses "8a885d04-1ceb-11c9-9fe8-08002b104860" (case-insensitive, optional braces); nullopt if malformed.
  static std::optional<Uuid> parse(std::string_view text);
  /// Lower-case text without braces, as parse() reads it.
  std::string toString() const;
  /// All zero: the nil UUID (e.g. no object UUID, a NULL context handle).
  bool isNil() const;
  /// 16 bytes in NDR little-endian layout.
  void encode(uint8_t* out) const;
  /// Reads the 16 bytes encode() writes.
  static Uuid decode(const uint8_t* in);

  friend bool operator==(const Uuid& a, const Uuid& b);
  friend bool operator!=(const Uuid& a, const Uuid& b) { return !(a == b); }
};

/// An interface or transfer syntax: UUID plus version major.minor (p_syntax_id_t).
struct SyntaxId {
  Uuid uuid;           ///< the interface's [uuid] (or the transfer syntax's)
  uint16_t major = 0;  ///< [version(major.minor)]: must match exactly on bind
  uint16_t minor = 0;  ///< the server accepts a client's minor version up to its own

  friend bool operator==(const SyntaxId& a, const SyntaxId& b) {
    return a.uuid == b.uuid && a.major == b.major && a.minor == b.minor;
  }
  friend bool operator!=(const SyntaxId& a, const SyntaxId& b) { return !(a == b); }
};

/// NDR 2.0, the only transfer syntax this runtime speaks.
extern const SyntaxId kNdr20Syntax;
/// NDR64 (MS-RPCE), recognised only to reject it.
extern const SyntaxId kNdr64Syntax;

}  // namespace midlrt::rpc
