// Generated marshaling code (midlc --header on ndr_types.idl): byte-exact against impacket's vectors, round
// trips for every construct, and clear errors for hostile bytes.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "ndr_types.h"

namespace {

struct Vector {
  const char* name;
  const char* hex;
  const char* mask;
};

const Vector kVectors[] = {
#include "interop/ndr_vectors/vectors.inc"
};

std::vector<uint8_t> unhex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

const Vector& vector(const std::string& name) {
  for (const auto& v : kVectors)
    if (name == v.name) return v;
  throw std::runtime_error("no vector " + name);
}

template <class T>
std::vector<uint8_t> encode(const T& value) {
  midlrt::ndr::Buffer buffer;
  midlrt::ndr::Encoder e(buffer);
  midlgen::ndrWrite(e, value);
  return std::vector<uint8_t>(buffer.data(), buffer.data() + buffer.size());
}

template <class T>
T decode(const std::vector<uint8_t>& bytes) {
  midlrt::ndr::Decoder d(bytes.data(), bytes.size());
  T value{};
  midlgen::ndrRead(d, value);
  EXPECT_EQ(d.remaining(), 0u) << "bytes left over";
  return value;
}

// Our bytes equal impacket's wherever the mask says they must, and are zero where impacket pads.
void expectMatchesVector(const std::vector<uint8_t>& ours, const std::string& name) {
  const Vector& v = vector(name);
  auto theirs = unhex(v.hex);
  auto mask = unhex(v.mask);
  ASSERT_EQ(ours.size(), theirs.size()) << name;
  for (size_t i = 0; i < ours.size(); ++i) {
    if (mask[i] == 0xff)
      EXPECT_EQ(ours[i], theirs[i]) << name << " byte " << i;
    else
      EXPECT_EQ(ours[i], 0) << name << " padding byte " << i;
  }
}

template <class T>
T decodeVector(const std::string& name) {
  return decode<T>(unhex(vector(name).hex));
}

std::unique_ptr<int32_t> boxed(int32_t v) {
  return std::make_unique<int32_t>(v);
}

}  // namespace

TEST(GeneratedNdr, PrimitivesMatchImpacket) {
  Primitives p;
  p.a = 0xfe;
  p.b = -300;
  p.c = -7;
  p.d = 0xdeadbeef;
  p.e = 1;
  p.f = -(int64_t{1} << 40);
  p.g = 0xffff;
  p.h = 1.5f;
  p.i = -0.25;
  p.j = UINT64_MAX;
  p.k = -2;
  expectMatchesVector(encode(p), "primitives");
  Primitives back = decodeVector<Primitives>("primitives");
  EXPECT_EQ(back.f, p.f);
  EXPECT_EQ(back.j, p.j);
  EXPECT_EQ(back.k, -2);
}

TEST(GeneratedNdr, BooleanCharAndWcharMatchImpacket) {
  Flags f{true, false, 'Q', u'\u20ac'};
  expectMatchesVector(encode(f), "bool_char_wchar");
  EXPECT_EQ(decodeVector<Flags>("bool_char_wchar").w, u'\u20ac');
}

TEST(GeneratedNdr, ConformantStructHoistsMaxCount) {
  Blob b;
  b.n = 3;
  b.data = {5, 6, 7};
  expectMatchesVector(encode(b), "conformant_struct");
  Blob back = decodeVector<Blob>("conformant_struct");
  EXPECT_EQ(back.data, (std::vector<int16_t>{5, 6, 7}));
}

TEST(GeneratedNdr, ConformantVaryingStringInAStruct) {
  Named n;
  n.tag = 9;
  n.name = u"ab";
  expectMatchesVector(encode(n), "conformant_varying_struct");
  EXPECT_EQ(decodeVector<Named>("conformant_varying_struct").name, u"ab");
}

TEST(GeneratedNdr, UniquePointersNullAndNot) {
  TwoPointers t;
  t.a = boxed(5);
  t.c = -1;
  expectMatchesVector(encode(t), "unique_pointers_null_and_not");
  TwoPointers back = decodeVector<TwoPointers>("unique_pointers_null_and_not");
  ASSERT_TRUE(back.a);
  EXPECT_EQ(*back.a, 5);
  EXPECT_FALSE(back.b);
}

TEST(GeneratedNdr, PointerToPointer) {
  PointerToPointer p;
  p.pp = std::make_unique<std::unique_ptr<int32_t>>(boxed(7));
  expectMatchesVector(encode(p), "pointer_to_pointer");
  EXPECT_EQ(**decodeVector<PointerToPointer>("pointer_to_pointer").pp, 7);
}

TEST(GeneratedNdr, ArrayOfStructsWithStringsAndUniquePointersDefersReferents) {
  Entries es;
  es.arr.resize(4);
  es.arr[0].name = std::make_unique<std::u16string>(u"a");
  es.arr[0].value = boxed(1);
  es.arr[1].value = boxed(2);
  es.arr[2].name = std::make_unique<std::u16string>(u"");
  es.arr[3].name = std::make_unique<std::u16string>(u"xyz");
  es.arr[3].value = boxed(-5);
  expectMatchesVector(encode(es), "array_of_structs_with_string_and_unique_pointers");
  Entries back = decodeVector<Entries>("array_of_structs_with_string_and_unique_pointers");
  ASSERT_EQ(back.arr.size(), 4u);
  EXPECT_EQ(*back.arr[3].name, u"xyz");
  EXPECT_FALSE(back.arr[1].name);
  EXPECT_FALSE(back.arr[2].value);
}

TEST(GeneratedNdr, NestedEmbeddedPointersAreDeferredDepthFirst) {
  Outer o;
  o.a = std::make_unique<Inner>();
  o.a->p = boxed(0x11);
  o.b = boxed(0x22);
  expectMatchesVector(encode(o), "nested_deferral_depth_first");
  Outer back = decodeVector<Outer>("nested_deferral_depth_first");
  EXPECT_EQ(*back.a->p, 0x11);
  EXPECT_EQ(*back.b, 0x22);
}

TEST(GeneratedNdr, NonEncapsulatedUnionsWriteTheDiscriminantThenTheArm) {
  ShortTagUnion u;
  u.set_l(-1);
  expectMatchesVector(encode(u), "union_short_tag_long_arm");
  u.set_d(1.0);
  expectMatchesVector(encode(u), "union_short_tag_double_arm");
  LongTagUnion l;
  l.set_s(-3);
  expectMatchesVector(encode(l), "union_long_tag_short_arm");
  l.set_q(5);
  expectMatchesVector(encode(l), "union_long_tag_hyper_arm");
  EXPECT_EQ(decodeVector<LongTagUnion>("union_long_tag_hyper_arm").q(), 5);
  EXPECT_EQ(decodeVector<ShortTagUnion>("union_short_tag_double_arm").d(), 1.0);
}

TEST(GeneratedNdr, EverythingElseRoundTrips) {
  Polygon p;
  p.count = 2;
  p.points = std::make_unique<std::vector<Point>>(std::vector<Point>{{1, 1.5, 2.5}, {2, -1, -2}});
  p.label = std::make_unique<std::string>("square");
  p.color = Color::Blue;
  p.mode = Mode::ModeWrite;
  p.fixed = {7, 8, 9};
  p.tag = "abc";
  auto bytes = encode(p);
  Polygon back = decode<Polygon>(bytes);
  EXPECT_EQ(back.count, 2);
  ASSERT_TRUE(back.points);
  EXPECT_EQ((*back.points)[1].x, -1);
  EXPECT_EQ(*back.label, "square");
  EXPECT_EQ(back.color, Color::Blue);
  EXPECT_EQ(back.mode, Mode::ModeWrite);
  EXPECT_EQ(back.fixed[2], 9);
  EXPECT_EQ(back.tag, "abc");
  EXPECT_EQ(encode(back), bytes);
}

TEST(GeneratedNdr, V1EnumIsFourBytesAndPlainEnumTwo) {
  Polygon p;
  p.color = Color::Green;
  p.mode = Mode::ModeRead;
  auto bytes = encode(p);
  // count(4) points id(4) label id(4) color(4) mode(2) pad(2) fixed(12) tag: offset(4) actual(4) "\0"
  EXPECT_EQ(bytes[12], 5);
  EXPECT_EQ(bytes[16], 1);
  EXPECT_EQ(bytes[17], 0);
  EXPECT_EQ(bytes[18], 0);  // padding before the next long
}

TEST(GeneratedNdr, FullPointersKeepAliasing) {
  Holder h;
  h.kind = 1;
  h.u.set_l(3);
  h.v.set_s(std::make_unique<std::u16string>(u"w"));
  h.first = std::make_shared<Point>(Point{4, 0.5, 0.25});
  h.second = h.first;
  Holder back = decode<Holder>(encode(h));
  ASSERT_TRUE(back.first);
  EXPECT_EQ(back.first, back.second);  // one object, as on the sender
  EXPECT_EQ(back.first->id, 4);
  EXPECT_EQ(*back.v.s(), u"w");
}

TEST(GeneratedNdr, EncapsulatedUnionArmsAndDefault) {
  Value v;
  v.set_raw({1, 2, 3, 4}, 77);
  Value back = decode<Value>(encode(v));
  EXPECT_EQ(back.discriminant, 77);
  EXPECT_EQ(back.raw()[3], 4);
  Value empty;
  empty.discriminant = 0;
  EXPECT_EQ(decode<Value>(encode(empty)).value.index(), 0u);
}

TEST(GeneratedNdr, RecursiveTypesRoundTrip) {
  Node head;
  head.value = 1;
  head.next = std::make_unique<Node>();
  head.next->value = 2;
  Node back = decode<Node>(encode(head));
  EXPECT_EQ(back.next->value, 2);
  EXPECT_FALSE(back.next->next);
}

TEST(GeneratedNdr, SizeFieldThatDisagreesWithTheVectorIsAnEncodeError) {
  Blob b;
  b.n = 5;
  b.data = {1, 2};
  EXPECT_THROW(encode(b), midlrt::ndr::EncodeError);
}

TEST(GeneratedNdr, SwitchIsFieldThatDisagreesWithTheUnionIsAnEncodeError) {
  Holder h;
  h.kind = 2;
  h.u.set_l(3);  // discriminant 1
  EXPECT_THROW(encode(h), midlrt::ndr::EncodeError);
}

TEST(GeneratedNdr, UnionArmWithoutACaseIsADecodeError) {
  std::vector<uint8_t> bytes = {9, 0, 0, 0, 1, 0, 0, 0};  // discriminant 9: no arm, no default
  EXPECT_THROW(decode<ShortTagUnion>(bytes), midlrt::ndr::DecodeError);
}

TEST(GeneratedNdr, HostileCountsAreRejectedBeforeAllocating) {
  // Blob: max_count 0xffffffff, n = 3.
  std::vector<uint8_t> bytes = {0xff, 0xff, 0xff, 0xff, 3, 0, 0, 0, 1, 0};
  EXPECT_THROW(decode<Blob>(bytes), midlrt::ndr::DecodeError);
}

TEST(GeneratedNdr, SizeFieldThatDisagreesWithTheWireCountIsADecodeError) {
  std::vector<uint8_t> bytes = {2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0};  // max_count 2, n = 3
  EXPECT_THROW(decode<Blob>(bytes), midlrt::ndr::DecodeError);
}

TEST(GeneratedNdr, RangeIsEnforcedBothWays) {
  Range r{101};
  EXPECT_THROW(encode(r), midlrt::ndr::EncodeError);
  std::vector<uint8_t> bytes = {101, 0, 0, 0};
  EXPECT_THROW(decode<Range>(bytes), midlrt::ndr::DecodeError);
  EXPECT_EQ(decode<Range>({100, 0, 0, 0}).percent, 100);
}

TEST(GeneratedNdr, TruncationsAreDecodeErrors) {
  Polygon p;
  p.count = 1;
  p.points = std::make_unique<std::vector<Point>>(std::vector<Point>{{1, 2, 3}});
  p.label = std::make_unique<std::string>("x");
  auto bytes = encode(p);
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    midlrt::ndr::Decoder d(cut.data(), cut.size());
    Polygon out;
    EXPECT_THROW(midlgen::ndrRead(d, out), midlrt::ndr::DecodeError) << n;
  }
}

TEST(GeneratedNdr, ConstantsAreConstexpr) {
  static_assert(MAX_ITEMS == 1000);
  EXPECT_STREQ(GREETING, "hello");
}

TEST(GeneratedNdr, ArraysOfPlainStructsMoveAsOneBlockWithTheirPaddingZeroed) {
  // Point {long id; double x; double y;} has the NDR layout of its C++ layout (4 padding bytes after id):
  // the generated code copies the array in one block; the bytes must be those of element-by-element NDR.
  std::vector<Point> points = {{1, 0.5, -1.5}, {2, 2.5, 3.5}, {-3, 1e300, -0.0}};
  for (auto& p : points) std::memset(reinterpret_cast<uint8_t*>(&p) + 4, 0xab, 4);  // dirty padding
  Polygon poly;
  poly.count = 3;
  poly.points = std::make_unique<std::vector<Point>>(points);
  auto bytes = encode(poly);

  midlrt::ndr::Buffer buffer;
  midlrt::ndr::Encoder e(buffer);
  e.write<int32_t>(3);                              // count
  e.writeUniquePointer(&poly);                      // points
  e.writeUniquePointer(nullptr);                    // label
  e.write<int32_t>(0);                              // color (v1_enum)
  e.writeEnum16(Mode{});                            // mode
  for (int i = 0; i < 3; ++i) e.write<int32_t>(0);  // fixed[3]
  e.writeVaryingString("", 8);                      // tag
  e.writeConformance(3);                            // the referent of points
  for (const auto& p : points) {
    e.align(8);
    e.write<int32_t>(p.id);
    e.write<double>(p.x);
    e.write<double>(p.y);
  }
  std::vector<uint8_t> expected(buffer.data(), buffer.data() + buffer.size());
  EXPECT_EQ(bytes, expected);
}
