// Unique, ref and full pointers, pointers to pointers, and the order of deferred referents, marshaled by
// hand the way generated code will: a flat pass, then a pointee pass.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "test_util.h"

namespace midlrt::ndr {
namespace {

using test::decoderFor;
using test::encodeHex;
using test::fromHex;

TEST(NdrPointers, TopLevelUniquePointerIsAnIdThenItsReferent) {
  const std::int32_t value = 5;
  const std::string hex = encodeHex([&](Encoder& e) {
    if (e.writeUniquePointer(&value)) e.write(value);
    e.writeUniquePointer(nullptr);
  });
  EXPECT_EQ(hex,
            "00000200"
            "05000000"
            "00000000");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  ASSERT_TRUE(d.readUniquePointer());
  EXPECT_EQ(d.read<std::int32_t>(), 5);
  EXPECT_FALSE(d.readUniquePointer());
}

TEST(NdrPointers, ReferentIdsStartAt0x20000AndStepByFour) {
  const int x = 0;
  const std::string hex = encodeHex([&](Encoder& e) {
    e.writeUniquePointer(&x);
    e.writeRefPointer();
    e.writeUniquePointer(&x);
  });
  EXPECT_EQ(hex,
            "00000200"
            "04000200"
            "08000200");
}

TEST(NdrPointers, PointerToPointerHasTwoIdsEachFollowedByItsReferent) {
  // [unique] long** pp where *pp is [unique] too.
  const std::int32_t value = 7;
  const std::int32_t* inner = &value;
  const std::string hex = encodeHex([&](Encoder& e) {
    if (e.writeUniquePointer(&inner)) {
      if (e.writeUniquePointer(inner)) e.write(*inner);
    }
  });
  EXPECT_EQ(hex,
            "00000200"
            "04000200"
            "07000000");
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  std::optional<std::optional<std::int32_t>> back;
  if (d.readUniquePointer()) {
    back.emplace();
    if (d.readUniquePointer()) *back = d.read<std::int32_t>();
  }
  ASSERT_TRUE(back && *back);
  EXPECT_EQ(**back, 7);
}

TEST(NdrPointers, EmbeddedNullRefPointerIsRejected) {
  const auto bytes = fromHex("00000000");
  Decoder d = decoderFor(bytes);
  EXPECT_THROW(d.readRefPointer(), DecodeError);
}

// struct Node { long value; [ptr] struct Node* next; } marshaled as a top-level [ptr] Node* (a list that may
// share tails or loop).
struct Node {
  std::int32_t value = 0;
  std::shared_ptr<Node> next;
};

void encodeNodePointees(Encoder& e, const Node& n);
void encodeNodeFlat(Encoder& e, const Node& n) {
  e.align(4);
  e.write(n.value);
  e.writeFullPointer(n.next.get());
}
void encodeNodePointees(Encoder& e, const Node& n) {
  DepthGuard guard(e);
  if (e.claimFullReferent(n.next.get())) {
    encodeNodeFlat(e, *n.next);
    encodeNodePointees(e, *n.next);
  }
}
void decodeNodePointees(Decoder& d, Node& n);
void decodeNodeFlat(Decoder& d, Node& n) {
  d.align(4);
  n.value = d.read<std::int32_t>();
  n.next = d.readFullPointer<Node>();
}
void decodeNodePointees(Decoder& d, Node& n) {
  DepthGuard guard(d);
  if (d.claimFullReferent(n.next.get())) {
    decodeNodeFlat(d, *n.next);
    decodeNodePointees(d, *n.next);
  }
}

TEST(NdrFullPointers, AliasedAddressGetsTheSameIdAndItsReferentOnce) {
  // Two top-level [ptr] params that point at the same long.
  const std::int32_t shared = 42;
  Buffer b;
  Encoder e(b);
  bool first = e.writeFullPointer(&shared);
  EXPECT_TRUE(first);
  if (e.claimFullReferent(&shared)) e.write(shared);
  first = e.writeFullPointer(&shared);
  EXPECT_FALSE(first);
  EXPECT_FALSE(e.claimFullReferent(&shared));
  EXPECT_EQ(test::toHex(b),
            "00000200"
            "2a000000"
            "00000200");

  Decoder d(b.data(), b.size());
  auto p1 = d.readFullPointer<std::int32_t>();
  if (d.claimFullReferent(p1.get())) *p1 = d.read<std::int32_t>();
  auto p2 = d.readFullPointer<std::int32_t>();
  EXPECT_FALSE(d.claimFullReferent(p2.get()));
  EXPECT_EQ(p1, p2);
  EXPECT_EQ(*p2, 42);
}

TEST(NdrFullPointers, CycleRoundTripsWithSharedIdentity) {
  auto a = std::make_shared<Node>();
  auto b = std::make_shared<Node>();
  a->value = 1;
  a->next = b;
  b->value = 2;
  b->next = a;  // a cycle

  Buffer buffer;
  Encoder e(buffer);
  if (e.writeFullPointer(a.get()) && e.claimFullReferent(a.get())) {
    encodeNodeFlat(e, *a);
    encodeNodePointees(e, *a);
  }
  EXPECT_EQ(test::toHex(buffer),
            "00000200"
            "01000000"
            "04000200"
            "02000000"
            "00000200");

  Decoder d(buffer.data(), buffer.size());
  auto a2 = d.readFullPointer<Node>();
  ASSERT_TRUE(d.claimFullReferent(a2.get()));
  decodeNodeFlat(d, *a2);
  decodeNodePointees(d, *a2);
  EXPECT_EQ(a2->value, 1);
  EXPECT_EQ(a2->next->value, 2);
  EXPECT_EQ(a2->next->next, a2);
  EXPECT_EQ(d.remaining(), 0u);
  a->next.reset();  // break the cycles so the test does not leak
  a2->next->next.reset();
}

TEST(NdrFullPointers, IdReusedWithAnotherTypeIsRejected) {
  const auto bytes = fromHex(
      "00000200"
      "00000200");
  Decoder d = decoderFor(bytes);
  d.readFullPointer<std::int32_t>();
  EXPECT_THROW(d.readFullPointer<double>(), DecodeError);
}

TEST(NdrDepth, DeepListIsRejectedAtTheDepthLimit) {
  // A [ptr] list of 300 nodes, each pointing at the next: deeper than the default 256.
  Buffer buffer;
  Encoder e(buffer);
  e.setMaxDepth(1000);
  auto head = std::make_shared<Node>();
  Node* tail = head.get();
  for (int i = 0; i < 300; ++i) {
    tail->next = std::make_shared<Node>();
    tail = tail->next.get();
  }
  encodeNodeFlat(e, *head);
  encodeNodePointees(e, *head);

  Decoder d(buffer.data(), buffer.size());
  Node back;
  decodeNodeFlat(d, back);
  EXPECT_THROW(decodeNodePointees(d, back), DecodeError);

  Decoder deep(buffer.data(), buffer.size());
  deep.setMaxDepth(400);
  Node ok;
  decodeNodeFlat(deep, ok);
  EXPECT_NO_THROW(decodeNodePointees(deep, ok));

  Buffer again;
  Encoder shallow(again);
  EXPECT_THROW(encodeNodePointees(shallow, *head), EncodeError);
  // Unlink iteratively: destroying a 300-deep chain recursively is fine, but keep it tidy.
  while (head) head = std::move(head->next);
}

// struct Entry { [string] wchar_t* name; [unique] long* value; };  [size_is(n)] Entry* entries
struct Entry {
  std::optional<std::u16string> name;
  std::optional<std::int32_t> value;
};

void encodeEntryFlat(Encoder& e, const Entry& v) {
  e.align(4);
  e.writeUniquePointer(v.name ? &*v.name : nullptr);
  e.writeUniquePointer(v.value ? &*v.value : nullptr);
}
void encodeEntryPointees(Encoder& e, const Entry& v) {
  if (v.name) e.writeWString(*v.name);
  if (v.value) e.write(*v.value);
}
void decodeEntryFlat(Decoder& d, Entry& v) {
  d.align(4);
  if (d.readUniquePointer()) v.name.emplace();
  if (d.readUniquePointer()) v.value.emplace();
}
void decodeEntryPointees(Decoder& d, Entry& v) {
  if (v.name) *v.name = d.readWString();
  if (v.value) *v.value = d.read<std::int32_t>();
}

TEST(NdrDeferral, ArrayOfStructsWritesAllFlatPartsThenEachElementsReferents) {
  const std::vector<Entry> entries{{u"a", 1}, {std::nullopt, 2}, {u"", std::nullopt}};
  const std::string hex = encodeHex([&](Encoder& e) {
    e.writeConformance(entries.size());
    for (const Entry& x : entries) encodeEntryFlat(e, x);
    for (const Entry& x : entries) encodeEntryPointees(e, x);
  });
  EXPECT_EQ(hex,
            "03000000"
            "00000200"
            "04000200"  // [0] flat
            "00000000"
            "08000200"  // [1] flat
            "0c000200"
            "00000000"  // [2] flat
            "02000000"
            "00000000"
            "02000000"
            "61000000"
            "01000000"  // [0].name, [0].value
            "02000000"  // [1].value
            "01000000"
            "00000000"
            "01000000"
            "0000");  // [2].name
  const auto bytes = fromHex(hex);
  Decoder d = decoderFor(bytes);
  const std::uint32_t n = d.readConformance();
  d.requireElements(n, 8, "Entry array");
  std::vector<Entry> back(n);
  for (Entry& x : back) decodeEntryFlat(d, x);
  for (Entry& x : back) decodeEntryPointees(d, x);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].name, u"a");
  EXPECT_EQ(back[0].value, 1);
  EXPECT_FALSE(back[1].name);
  EXPECT_EQ(back[1].value, 2);
  EXPECT_EQ(back[2].name, u"");
  EXPECT_FALSE(back[2].value);
  EXPECT_EQ(d.remaining(), 0u);
}

// struct Inner { [unique] long* p; };  struct Outer { [unique] Inner* a; [unique] long* b; };
// The referent of a is Inner, whose own referent (*p) comes before Outer's second referent (*b).
TEST(NdrDeferral, NestedPointeeIsWrittenDepthFirstBeforeTheNextSiblingReferent) {
  const std::int32_t p = 0x11, b = 0x22;
  const std::string hex = encodeHex([&](Encoder& e) {
    // Outer flat
    e.writeUniquePointer(&p);  // a (non-null: Inner lives here)
    e.writeUniquePointer(&b);
    // Outer pointees: *a = Inner, flat then its pointees; then *b
    e.writeUniquePointer(&p);  // Inner.p
    e.write(p);
    e.write(b);
  });
  EXPECT_EQ(hex,
            "00000200"
            "04000200"
            "08000200"
            "11000000"
            "22000000");
}

}  // namespace
}  // namespace midlrt::ndr
