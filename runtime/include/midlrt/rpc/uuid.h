// A DCE UUID as the RPC protocol carries it (fields little-endian on the wire under drep 0x10).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace midlrt::rpc {

struct Uuid {
  uint32_t data1 = 0;
  uint16_t data2 = 0;
  uint16_t data3 = 0;
  uint8_t data4[8] = {};

  /// Parses "8a885d04-1ceb-11c9-9fe8-08002b104860" (case-insensitive, optional braces); nullopt if malformed.
  static std::optional<Uuid> parse(std::string_view text);
  std::string toString() const;
  bool isNil() const;
  /// 16 bytes in NDR little-endian layout.
  void encode(uint8_t* out) const;
  static Uuid decode(const uint8_t* in);

  friend bool operator==(const Uuid& a, const Uuid& b);
  friend bool operator!=(const Uuid& a, const Uuid& b) { return !(a == b); }
};

/// An interface or transfer syntax: UUID plus version major.minor (p_syntax_id_t).
struct SyntaxId {
  Uuid uuid;
  uint16_t major = 0;
  uint16_t minor = 0;

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
