// UUID parsing, printing and NDR encoding.
#include "midlrt/rpc/uuid.h"

#include <cstdio>
#include <cstring>

namespace midlrt::rpc {

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<Uuid> Uuid::parse(std::string_view t) {
  if (t.size() == 38 && t.front() == '{' && t.back() == '}') t = t.substr(1, 36);
  if (t.size() != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-') return std::nullopt;
  uint8_t b[16];
  size_t pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (t[pos] == '-') ++pos;
    int hi = hexValue(t[pos]), lo = hexValue(t[pos + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    b[i] = static_cast<uint8_t>(hi << 4 | lo);
    pos += 2;
  }
  Uuid u;
  u.data1 = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
  u.data2 = static_cast<uint16_t>(b[4] << 8 | b[5]);
  u.data3 = static_cast<uint16_t>(b[6] << 8 | b[7]);
  std::memcpy(u.data4, b + 8, 8);
  return u;
}

std::string Uuid::toString() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", data1, data2, data3,
                data4[0], data4[1], data4[2], data4[3], data4[4], data4[5], data4[6], data4[7]);
  return buf;
}

bool Uuid::isNil() const {
  return *this == Uuid{};
}

void Uuid::encode(uint8_t* o) const {
  o[0] = static_cast<uint8_t>(data1);
  o[1] = static_cast<uint8_t>(data1 >> 8);
  o[2] = static_cast<uint8_t>(data1 >> 16);
  o[3] = static_cast<uint8_t>(data1 >> 24);
  o[4] = static_cast<uint8_t>(data2);
  o[5] = static_cast<uint8_t>(data2 >> 8);
  o[6] = static_cast<uint8_t>(data3);
  o[7] = static_cast<uint8_t>(data3 >> 8);
  std::memcpy(o + 8, data4, 8);
}

Uuid Uuid::decode(const uint8_t* in) {
  Uuid u;
  u.data1 = uint32_t{in[0]} | uint32_t{in[1]} << 8 | uint32_t{in[2]} << 16 | uint32_t{in[3]} << 24;
  u.data2 = static_cast<uint16_t>(in[4] | in[5] << 8);
  u.data3 = static_cast<uint16_t>(in[6] | in[7] << 8);
  std::memcpy(u.data4, in + 8, 8);
  return u;
}

bool operator==(const Uuid& a, const Uuid& b) {
  return a.data1 == b.data1 && a.data2 == b.data2 && a.data3 == b.data3 &&
         std::memcmp(a.data4, b.data4, 8) == 0;
}

const SyntaxId kNdr20Syntax{*Uuid::parse("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2, 0};
const SyntaxId kNdr64Syntax{*Uuid::parse("71710533-beba-4937-8319-b5dbef9ccc36"), 1, 0};

}  // namespace midlrt::rpc
