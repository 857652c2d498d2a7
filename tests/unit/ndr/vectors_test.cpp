// Byte-for-byte comparison with impacket's NDR encoder (tests/interop/ndr_vectors): we encode the same
// values and must produce its bytes (padding aside: ours is zero), and we decode its bytes back.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "test_util.h"

namespace midlrt::ndr {
namespace {

using test::fromHex;
using test::toHex;

struct Vector {
  const char* name;
  const char* hex;
  const char* mask;
};

const Vector kVectors[] = {
#include "vectors.inc"
};

struct Case {
  std::function<void(Encoder&)> encode;
  std::function<void(Decoder&)> decodeAndCheck;
};

// struct Entry { [string] wchar_t* name; [unique] long* value; }
struct Entry {
  std::optional<std::u16string> name;
  std::optional<std::int32_t> value;
};
const std::vector<Entry> kEntries{{u"a", 1}, {std::nullopt, 2}, {u"", std::nullopt}, {u"xyz", -5}};

// [switch_type(short)] union { [case(1)] long l; [case(2)] double d; } inside struct Holder.
void encodeU(Encoder& e, std::int16_t tag, std::int32_t l, double d) {
  e.write(tag);
  if (tag == 1) e.write(l);
  if (tag == 2) e.write(d);
}

std::map<std::string, Case> cases() {
  std::map<std::string, Case> c;
  c["primitives"] = {[](Encoder& e) {
                       e.write<std::uint8_t>(0xfe);
                       e.write<std::int16_t>(-300);
                       e.write<std::int8_t>(-7);
                       e.write<std::uint32_t>(0xdeadbeef);
                       e.write<std::uint8_t>(1);
                       e.write<std::int64_t>(-(std::int64_t{1} << 40));
                       e.write<std::uint16_t>(0xffff);
                       e.write<float>(1.5f);
                       e.write<double>(-0.25);
                       e.write<std::uint64_t>(~std::uint64_t{0});
                       e.write<std::int32_t>(-2);
                     },
                     [](Decoder& d) {
                       EXPECT_EQ(d.read<std::uint8_t>(), 0xfe);
                       EXPECT_EQ(d.read<std::int16_t>(), -300);
                       EXPECT_EQ(d.read<std::int8_t>(), -7);
                       EXPECT_EQ(d.read<std::uint32_t>(), 0xdeadbeef);
                       EXPECT_EQ(d.read<std::uint8_t>(), 1);
                       EXPECT_EQ(d.read<std::int64_t>(), -(std::int64_t{1} << 40));
                       EXPECT_EQ(d.read<std::uint16_t>(), 0xffff);
                       EXPECT_EQ(d.read<float>(), 1.5f);
                       EXPECT_EQ(d.read<double>(), -0.25);
                       EXPECT_EQ(d.read<std::uint64_t>(), ~std::uint64_t{0});
                       EXPECT_EQ(d.read<std::int32_t>(), -2);
                     }};
  c["bool_char_wchar"] = {[](Encoder& e) {
                            e.writeBool(true);
                            e.writeBool(false);
                            e.write('Q');
                            e.write(u'\u20ac');
                          },
                          [](Decoder& d) {
                            EXPECT_TRUE(d.readBool());
                            EXPECT_FALSE(d.readBool());
                            EXPECT_EQ(d.read<char>(), 'Q');
                            EXPECT_EQ(d.read<char16_t>(), u'\u20ac');
                          }};
  c["enum16"] = {[](Encoder& e) {
                   e.write<std::uint8_t>(1);
                   e.writeEnum16(0x7fff);
                 },
                 [](Decoder& d) {
                   EXPECT_EQ(d.read<std::uint8_t>(), 1);
                   EXPECT_EQ(d.readEnum16<int>(), 0x7fff);
                 }};
  c["conformant_long_array"] = {[](Encoder& e) {
                                  const std::int32_t a[] = {10, -1, 0x7fffffff};
                                  e.writeConformantArray(a, 3);
                                },
                                [](Decoder& d) {
                                  std::vector<std::int32_t> v;
                                  d.readConformantArray(v);
                                  EXPECT_EQ(v, (std::vector<std::int32_t>{10, -1, 0x7fffffff}));
                                }};
  c["conformant_empty_array"] = {[](Encoder& e) { e.writeConformantArray<std::int32_t>(nullptr, 0); },
                                 [](Decoder& d) {
                                   std::vector<std::int32_t> v;
                                   d.readConformantArray(v);
                                   EXPECT_TRUE(v.empty());
                                 }};
  c["conformant_hyper_array"] = {[](Encoder& e) {
                                   const std::int64_t a[] = {1, -2};
                                   e.writeConformantArray(a, 2);
                                 },
                                 [](Decoder& d) {
                                   std::vector<std::int64_t> v;
                                   d.readConformantArray(v);
                                   EXPECT_EQ(v, (std::vector<std::int64_t>{1, -2}));
                                 }};
  c["varying_short_array"] = {[](Encoder& e) {
                                const std::int16_t a[5] = {1, 2};
                                e.writeVaryingArray(a, 2);
                              },
                              [](Decoder& d) {
                                std::vector<std::int16_t> v;
                                d.readVaryingArray(v, 5);
                                EXPECT_EQ(v, (std::vector<std::int16_t>{1, 2}));
                              }};
  c["conformant_varying_long_array"] = {[](Encoder& e) {
                                          const std::int32_t a[] = {7, 8, 9};
                                          e.writeConformantVaryingArray(a, 3, 3);
                                        },
                                        [](Decoder& d) {
                                          std::vector<std::int32_t> v;
                                          std::uint32_t max = 0;
                                          d.readConformantVaryingArray(v, max);
                                          EXPECT_EQ(max, 3u);
                                          EXPECT_EQ(v, (std::vector<std::int32_t>{7, 8, 9}));
                                        }};
  c["string_char"] = {[](Encoder& e) { e.writeString("abc"); },
                      [](Decoder& d) { EXPECT_EQ(d.readString(), "abc"); }};
  c["string_char_empty"] = {[](Encoder& e) { e.writeString(""); },
                            [](Decoder& d) { EXPECT_EQ(d.readString(), ""); }};
  c["string_wchar"] = {[](Encoder& e) { e.writeWString(u"h\u00e9llo"); },
                       [](Decoder& d) { EXPECT_EQ(d.readWString(), u"h\u00e9llo"); }};
  c["string_wchar_empty"] = {[](Encoder& e) { e.writeWString(u""); },
                             [](Decoder& d) { EXPECT_EQ(d.readWString(), u""); }};
  c["conformant_struct"] = {[](Encoder& e) {
                              const std::int16_t data[] = {5, 6, 7};
                              e.writeConformance(3);
                              e.align(4);
                              e.write<std::int32_t>(3);
                              e.writeBulk(data, 3);
                            },
                            [](Decoder& d) {
                              const auto max = d.readConformance();
                              d.align(4);
                              const auto n = d.read<std::int32_t>();
                              Decoder::checkCorrelation("n", static_cast<std::uint32_t>(n), max);
                              std::vector<std::int16_t> v;
                              d.readBulk(v, max);
                              EXPECT_EQ(v, (std::vector<std::int16_t>{5, 6, 7}));
                            }};
  c["conformant_varying_struct"] = {[](Encoder& e) {
                                      e.writeConformance(3);
                                      e.align(4);
                                      e.write<std::int16_t>(9);
                                      e.writeVaryingWString(u"ab");
                                    },
                                    [](Decoder& d) {
                                      const auto max = d.readConformance();
                                      d.align(4);
                                      EXPECT_EQ(d.read<std::int16_t>(), 9);
                                      EXPECT_EQ(d.readVaryingWString(max), u"ab");
                                    }};
  c["unique_pointers_null_and_not"] = {[](Encoder& e) {
                                         const std::int32_t a = 5;
                                         e.writeUniquePointer(&a);
                                         e.writeUniquePointer(nullptr);
                                         e.write<std::int32_t>(-1);
                                         e.write(a);
                                       },
                                       [](Decoder& d) {
                                         const bool a = d.readUniquePointer();
                                         EXPECT_TRUE(a);
                                         EXPECT_FALSE(d.readUniquePointer());
                                         EXPECT_EQ(d.read<std::int32_t>(), -1);
                                         EXPECT_EQ(d.read<std::int32_t>(), 5);
                                       }};
  c["pointer_to_pointer"] = {[](Encoder& e) {
                               const std::int32_t v = 7;
                               const std::int32_t* p = &v;
                               if (e.writeUniquePointer(&p) && e.writeUniquePointer(p)) e.write(*p);
                             },
                             [](Decoder& d) {
                               ASSERT_TRUE(d.readUniquePointer());
                               ASSERT_TRUE(d.readUniquePointer());
                               EXPECT_EQ(d.read<std::int32_t>(), 7);
                             }};
  c["array_of_structs_with_string_and_unique_pointers"] = {
      [](Encoder& e) {
        e.writeConformance(kEntries.size());
        for (const Entry& x : kEntries) {
          e.writeUniquePointer(x.name ? &*x.name : nullptr);
          e.writeUniquePointer(x.value ? &*x.value : nullptr);
        }
        for (const Entry& x : kEntries) {
          if (x.name) e.writeWString(*x.name);
          if (x.value) e.write(*x.value);
        }
      },
      [](Decoder& d) {
        const auto n = d.readConformance();
        d.requireElements(n, 8, "Entry array");
        std::vector<Entry> v(n);
        for (Entry& x : v) {
          if (d.readUniquePointer()) x.name.emplace();
          if (d.readUniquePointer()) x.value.emplace();
        }
        for (Entry& x : v) {
          if (x.name) *x.name = d.readWString();
          if (x.value) *x.value = d.read<std::int32_t>();
        }
        ASSERT_EQ(v.size(), kEntries.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
          EXPECT_EQ(v[i].name, kEntries[i].name);
          EXPECT_EQ(v[i].value, kEntries[i].value);
        }
      }};
  c["nested_deferral_depth_first"] = {[](Encoder& e) {
                                        const std::int32_t p = 0x11, b = 0x22;
                                        const int inner = 0;
                                        e.writeUniquePointer(&inner);  // Outer.a
                                        e.writeUniquePointer(&b);      // Outer.b
                                        e.writeUniquePointer(&p);      // (*a).p
                                        e.write(p);                    // *(*a).p
                                        e.write(b);                    // *b
                                      },
                                      [](Decoder& d) {
                                        ASSERT_TRUE(d.readUniquePointer());
                                        ASSERT_TRUE(d.readUniquePointer());
                                        ASSERT_TRUE(d.readUniquePointer());
                                        EXPECT_EQ(d.read<std::int32_t>(), 0x11);
                                        EXPECT_EQ(d.read<std::int32_t>(), 0x22);
                                      }};
  c["union_short_tag_long_arm"] = {[](Encoder& e) { encodeU(e, 1, -1, 0); },
                                   [](Decoder& d) {
                                     ASSERT_EQ(d.read<std::int16_t>(), 1);
                                     EXPECT_EQ(d.read<std::int32_t>(), -1);
                                   }};
  c["union_short_tag_double_arm"] = {[](Encoder& e) { encodeU(e, 2, 0, 1.0); },
                                     [](Decoder& d) {
                                       ASSERT_EQ(d.read<std::int16_t>(), 2);
                                       EXPECT_EQ(d.read<double>(), 1.0);
                                     }};
  c["union_long_tag_short_arm"] = {[](Encoder& e) {
                                     e.write<std::uint32_t>(1);
                                     e.write<std::int16_t>(-3);
                                   },
                                   [](Decoder& d) {
                                     ASSERT_EQ(d.read<std::uint32_t>(), 1u);
                                     EXPECT_EQ(d.read<std::int16_t>(), -3);
                                   }};
  c["union_long_tag_hyper_arm"] = {[](Encoder& e) {
                                     e.write<std::uint32_t>(2);
                                     e.write<std::int64_t>(5);
                                   },
                                   [](Decoder& d) {
                                     ASSERT_EQ(d.read<std::uint32_t>(), 2u);
                                     EXPECT_EQ(d.read<std::int64_t>(), 5);
                                   }};
  c["union_inside_struct"] = {[](Encoder& e) {
                                const std::int32_t p = 4;
                                e.align(8);
                                e.write<std::int16_t>(1);
                                encodeU(e, 2, 0, 0.5);
                                e.write<std::int32_t>(2);
                                e.writeUniquePointer(&p);
                                e.write(p);
                              },
                              [](Decoder& d) {
                                d.align(8);
                                EXPECT_EQ(d.read<std::int16_t>(), 1);
                                ASSERT_EQ(d.read<std::int16_t>(), 2);
                                EXPECT_EQ(d.read<double>(), 0.5);
                                EXPECT_EQ(d.read<std::int32_t>(), 2);
                                ASSERT_TRUE(d.readUniquePointer());
                                EXPECT_EQ(d.read<std::int32_t>(), 4);
                              }};
  return c;
}

// Our bytes where impacket's mask is ff, zero where it is 00 (padding).
std::string expectedHex(const Vector& v) {
  const auto bytes = fromHex(v.hex);
  const auto mask = fromHex(v.mask);
  std::vector<std::uint8_t> out(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = bytes[i] & mask[i];
  return toHex(out);
}

TEST(NdrImpacketVectors, EveryVectorHasAnEncoderCase) {
  const auto c = cases();
  for (const Vector& v : kVectors) EXPECT_TRUE(c.count(v.name)) << v.name;
  EXPECT_EQ(c.size(), std::size(kVectors));
}

TEST(NdrImpacketVectors, OurBytesEqualImpacketsWithZeroPadding) {
  const auto c = cases();
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(v.name);
    const auto it = c.find(v.name);
    if (it == c.end()) continue;
    EXPECT_EQ(test::encodeHex(it->second.encode), expectedHex(v));
  }
}

TEST(NdrImpacketVectors, ImpacketsBytesDecodeToTheSameValuesWhateverThePadding) {
  const auto c = cases();
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(v.name);
    const auto it = c.find(v.name);
    if (it == c.end()) continue;
    const auto bytes = fromHex(v.hex);
    Decoder d(bytes.data(), bytes.size());
    it->second.decodeAndCheck(d);
    EXPECT_EQ(d.remaining(), 0u);
  }
}

}  // namespace
}  // namespace midlrt::ndr
