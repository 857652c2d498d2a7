// Generated clients calling generated servers (midlc on wire_forms.idl) in process, with the stub data of
// each request and reply recorded on the server and compared with NDR written by hand (C706 chapter 14,
// MS-RPCE 2.2.5): pointer typedefs, top-level [unique]/[ptr] [in,out] pointers, unions switched by a
// field's type, varying arrays; and hand-written requests that break the rules, which must fault.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <type_traits>

#include "support/hand_ndr.h"
#include "wire_forms.h"

namespace {

using Bytes = std::vector<uint8_t>;

using midlc::test::Ndr;

class WireFormsImpl : public WireForms_Manager {
 public:
  void CountOut(int32_t seed, uint32_t& n) override { n = static_cast<uint32_t>(seed) * 3; }
  void TwiceInOut(int16_t& p) override { p = static_cast<int16_t>(p * 2); }
  void PairOut(int32_t seed, Pair& p) override {
    p.a = seed + 1;
    p.b = static_cast<int16_t>(seed - 1);
  }
  void CountIn(const uint32_t& n, int32_t& copy) override { copy = static_cast<int32_t>(n); }
  // NULL becomes 100, 0 becomes NULL, anything else grows by one.
  void Bump(std::unique_ptr<int32_t>& p) override {
    if (!p)
      p = std::make_unique<int32_t>(100);
    else if (*p == 0)
      p.reset();
    else
      ++*p;
  }
  void BumpFull(std::shared_ptr<int32_t>& p) override {
    if (!p)
      p = std::make_shared<int32_t>(100);
    else if (*p == 0)
      p.reset();
    else
      p = std::make_shared<int32_t>(*p + 1);
  }
  void Relabel(std::unique_ptr<std::string>& label) override {
    if (label) *label += "!";
  }
  void Negate(const Tagged& value, Tagged& negated, const Retagged& again) override {
    negated.kind = value.kind;
    negated.n.discriminant = value.n.discriminant;
    if (value.n.value.index() == 1) negated.n.set_whole(-value.n.whole());
    if (value.n.value.index() == 2) negated.n.set_half(static_cast<int16_t>(-value.n.half()));
    (void)again;
  }
  void Reverse(const Varying& v, Slice& s, const Labels& l, int32_t& total) override {
    std::reverse(s.items.begin() + s.first, s.items.begin() + s.last + 1);
    total = 0;
    for (int i = 0; i < v.n; ++i) total += v.items[static_cast<size_t>(i)];
    for (int i = 0; i < l.n; ++i) total += l.labels[static_cast<size_t>(i)].text ? 1000 : 0;
  }
  void Spans(const Tail& t, Span& s, int32_t& sum) override {
    sum = 0;
    for (int32_t x : t.items) sum += x;
    ++s.first;
    ++s.last;
  }
  void Plain(const int32_t& n, const std::string& name, int32_t& length, Pair& pair) override {
    length = n + static_cast<int32_t>(name.size());
    pair.a += 1;
    pair.b = static_cast<int16_t>(pair.b * 2);
  }
  std::unique_ptr<int32_t> Maybe(int32_t n) override {
    return n < 0 ? nullptr : std::make_unique<int32_t>(n * 10);
  }
  void Levels(uint16_t level, const Level& byLevel, const Variant& byType, int32_t& sum) override {
    auto value = [](const Level& l) {
      return l.value.index() == 1 ? l.one() : l.value.index() == 2 ? l.two().a : 0;
    };
    sum = level + value(byLevel) + value(byType.value);
  }
};

// Records the stub data of the last request and reply of the dispatcher it wraps.
class Recorder : public midlrt::rpc::Dispatcher {
 public:
  explicit Recorder(std::shared_ptr<midlrt::rpc::Dispatcher> inner) : inner_(std::move(inner)) {}
  void dispatch(midlrt::rpc::ServerCall& call) override {
    request.assign(call.requestData(), call.requestData() + call.requestSize());
    reply.clear();
    inner_->dispatch(call);
    reply.assign(call.response().data(), call.response().data() + call.response().size());
  }
  Bytes request, reply;

 private:
  std::shared_ptr<midlrt::rpc::Dispatcher> inner_;
};

constexpr uint16_t kBumpOpnum = 4;
constexpr uint16_t kNegateOpnum = 7;
constexpr uint16_t kReverseOpnum = 8;
constexpr uint16_t kSpansOpnum = 9;
constexpr uint16_t kLevelsOpnum = 12;

class WireFormsCalls : public ::testing::Test {
 protected:
  void SetUp() override {
    recorder_ = std::make_shared<Recorder>(WireForms_dispatcher(std::make_shared<WireFormsImpl>()));
    server_.registerInterface(WireForms_ifspec, kOpCount, recorder_);
    binding_ = midlrt::rpc::Channel::createInProcess(server_);
  }
  // Sends hand-written stub data to the generated server; returns the status (0, or the fault).
  uint32_t rawCall(uint16_t opnum, const Bytes& stub) {
    midlrt::rpc::Message request = midlrt::rpc::Message::acquire();
    request.append(stub.data(), stub.size());
    midlrt::rpc::Reply reply;
    return binding_->tryInvoke(WireForms_ifspec, opnum, request, reply);
  }
  const Bytes& request() const { return recorder_->request; }
  const Bytes& reply() const { return recorder_->reply; }

  static constexpr uint16_t kOpCount = 13;
  midlrt::rpc::Server server_;
  std::shared_ptr<Recorder> recorder_;
  midlrt::Binding binding_;
};

// ---- [out] and [in,out] through pointer typedefs: no referent id, the pointee alone ----

TEST_F(WireFormsCalls, OutThroughAPointerTypedefCarriesThePointeeAlone) {
  uint32_t n = 0;
  WireForms::CountOut(binding_, 7, n);
  EXPECT_EQ(n, 21u);
  EXPECT_EQ(request(), Ndr{}.u32(7).b);
  EXPECT_EQ(reply(), Ndr{}.u32(21).b);
}

TEST_F(WireFormsCalls, InOutThroughAPointerTypedefCarriesThePointeeBothWays) {
  int16_t p = -4;
  WireForms::TwiceInOut(binding_, p);
  EXPECT_EQ(p, -8);
  EXPECT_EQ(request(), Ndr{}.u16(0xfffc).b);
  EXPECT_EQ(reply(), Ndr{}.u16(0xfff8).b);
}

TEST_F(WireFormsCalls, OutStructThroughAPointerTypedef) {
  Pair p{};
  WireForms::PairOut(binding_, 10, p);
  EXPECT_EQ(p.a, 11);
  EXPECT_EQ(p.b, 9);
  EXPECT_EQ(reply(), Ndr{}.u32(11).u16(9).b);
}

TEST_F(WireFormsCalls, InThroughAPointerTypedefCarriesThePointeeAlone) {
  int32_t copy = 0;
  WireForms::CountIn(binding_, 5u, copy);
  EXPECT_EQ(copy, 5);
  EXPECT_EQ(request(), Ndr{}.u32(5).b);
}

// ---- top-level [in,out] [unique] and [ptr] pointers: a referent id, then the pointee, both ways ----

constexpr uint32_t kFirstId = 0x00020000;  // the first referent id midlrt writes (as MIDL does)

TEST_F(WireFormsCalls, InOutUniquePointerCarriesAReferentIdAndThePointeeBothWays) {
  auto p = std::make_unique<int32_t>(5);
  WireForms::Bump(binding_, p);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 6);
  EXPECT_EQ(request(), Ndr{}.u32(kFirstId).u32(5).b);
  EXPECT_EQ(reply(), Ndr{}.u32(kFirstId).u32(6).b);
}

TEST_F(WireFormsCalls, InOutUniquePointerTheManagerSetsFromNull) {
  std::unique_ptr<int32_t> p;
  WireForms::Bump(binding_, p);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 100);
  EXPECT_EQ(request(), Ndr{}.u32(0).b);
  EXPECT_EQ(reply(), Ndr{}.u32(kFirstId).u32(100).b);
}

TEST_F(WireFormsCalls, InOutUniquePointerTheManagerClears) {
  auto p = std::make_unique<int32_t>(0);
  WireForms::Bump(binding_, p);
  EXPECT_FALSE(p);
  EXPECT_EQ(request(), Ndr{}.u32(kFirstId).u32(0).b);
  EXPECT_EQ(reply(), Ndr{}.u32(0).b);
}

TEST_F(WireFormsCalls, InOutFullPointerCarriesAReferentIdAndThePointeeBothWays) {
  auto p = std::make_shared<int32_t>(41);
  WireForms::BumpFull(binding_, p);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 42);
  EXPECT_EQ(request(), Ndr{}.u32(kFirstId).u32(41).b);
  EXPECT_EQ(reply(), Ndr{}.u32(kFirstId).u32(42).b);
  std::shared_ptr<int32_t> none;
  WireForms::BumpFull(binding_, none);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 100);
  EXPECT_EQ(request(), Ndr{}.u32(0).b);
  auto zero = std::make_shared<int32_t>(0);
  WireForms::BumpFull(binding_, zero);
  EXPECT_FALSE(zero);
  EXPECT_EQ(reply(), Ndr{}.u32(0).b);
}

TEST_F(WireFormsCalls, InOutUniqueStringIsAConformantVaryingStringBehindItsId) {
  auto label = std::make_unique<std::string>("ab");
  WireForms::Relabel(binding_, label);
  ASSERT_TRUE(label);
  EXPECT_EQ(*label, "ab!");
  // max_count, offset, actual_count (terminator included), the characters.
  EXPECT_EQ(request(), Ndr{}.u32(kFirstId).u32(3).u32(0).u32(3).u8('a').u8('b').u8(0).b);
  EXPECT_EQ(reply(), Ndr{}.u32(kFirstId).u32(4).u32(0).u32(4).u8('a').u8('b').u8('!').u8(0).b);
  std::unique_ptr<std::string> none;
  WireForms::Relabel(binding_, none);
  EXPECT_FALSE(none);
  EXPECT_EQ(reply(), Ndr{}.u32(0).b);
}

TEST_F(WireFormsCalls, InOutUniquePointerWithItsPointeeMissingFaults) {
  EXPECT_NE(rawCall(kBumpOpnum, Ndr{}.u32(kFirstId).b), 0u);
  EXPECT_EQ(rawCall(kBumpOpnum, Ndr{}.u32(kFirstId).u32(1).b), 0u);
  EXPECT_EQ(reply(), Ndr{}.u32(kFirstId).u32(2).b);
}

// ---- a union without [switch_type], switched by a short field: a 16-bit discriminant ----

TEST_F(WireFormsCalls, UnionWithoutSwitchTypeTakesItsDiscriminantTypeFromTheField) {
  static_assert(std::is_same_v<decltype(Number::discriminant), int16_t>);
  Tagged in{};
  in.kind = 2;
  in.n.discriminant = 2;
  in.n.set_half(5);
  Retagged again{};
  again.id = 9;
  again.tag = 1;
  again.n.discriminant = 1;
  again.n.set_whole(-1);
  Tagged out{};
  WireForms::Negate(binding_, in, out, again);
  EXPECT_EQ(out.kind, 2);
  ASSERT_EQ(out.n.value.index(), 2u);
  EXPECT_EQ(out.n.half(), -5);
  // kind, the discriminant (a short), the arm; then Retagged: id, tag, discriminant, the long arm.
  EXPECT_EQ(request(), Ndr{}.u16(2).u16(2).u16(5).u32(9).u16(1).u16(1).u32(0xffffffff).b);
  EXPECT_EQ(reply(), Ndr{}.u16(2).u16(2).u16(0xfffb).b);
}

TEST_F(WireFormsCalls, UnionWithoutSwitchTypeHasTheBytesOfItsSwitchTypeTwin) {
  Tagged a{};
  a.kind = 1;
  a.n.discriminant = 1;
  a.n.set_whole(123456);
  TypedTagged b{};
  b.kind = 1;
  b.n.discriminant = 1;
  b.n.set_whole(123456);
  midlrt::ndr::Buffer ba, bb;
  midlrt::ndr::Encoder ea(ba), eb(bb);
  midlgen::ndrWrite(ea, a);
  midlgen::ndrWrite(eb, b);
  EXPECT_EQ(Bytes(ba.data(), ba.data() + ba.size()), Bytes(bb.data(), bb.data() + bb.size()));
  EXPECT_EQ(Bytes(ba.data(), ba.data() + ba.size()), Ndr{}.u16(1).u16(1).u32(123456).b);
}

TEST_F(WireFormsCalls, UnionDiscriminantThatDisagreesWithTheFieldFaults) {
  // kind 2, but the union's discriminant says 1: MS-RPCE's correlation check on [switch_is].
  EXPECT_NE(rawCall(kNegateOpnum, Ndr{}.u16(2).u16(1).u32(7).u32(9).u16(1).u16(1).u32(1).b), 0u);
  EXPECT_EQ(rawCall(kNegateOpnum, Ndr{}.u16(1).u16(1).u32(7).u32(9).u16(1).u16(1).u32(1).b), 0u);
}

// ---- fixed-size varying arrays: offset, actual_count, then only the elements they select ----

struct ReverseArgs {
  Varying v{};
  Slice s{};
  Labels l{};
  ReverseArgs() {
    v.n = 2;
    v.items = {7, 8, 99, 99, 99, 99, 99, 99};  // only the first two travel
    s.first = 1;
    s.last = 3;
    s.items = {-1, 10, 20, 30, -1, -1};
    l.n = 2;
    l.labels[0].text = std::make_unique<std::string>("a");
    l.labels[2].text = std::make_unique<std::string>("not sent");
  }
};

// The request of Reverse for ReverseArgs, by hand.
Bytes reverseRequest(uint32_t varyingCount = 2, uint32_t sliceOffset = 1) {
  Ndr n;
  n.u16(2).u32(0).u32(varyingCount);  // Varying: n, offset 0, actual_count, the elements
  for (uint32_t i = 0; i < varyingCount; ++i) n.u32(7 + i);
  n.u32(1).u32(3).u32(sliceOffset).u32(3).u16(10).u16(20).u16(30);  // Slice: first, last, offset, count
  n.u32(2).u32(0).u32(2).u32(kFirstId).u32(0);  // Labels: n, offset, count, two referent ids (one NULL)
  n.u32(2).u32(0).u32(2).u8('a').u8(0);         // the one referent: "a"
  return n.b;
}

TEST_F(WireFormsCalls, FixedVaryingArrayFieldsCarryOnlyTheirWindow) {
  ReverseArgs a;
  int32_t total = 0;
  WireForms::Reverse(binding_, a.v, a.s, a.l, total);
  EXPECT_EQ(total, 7 + 8 + 1000);
  EXPECT_EQ(a.s.items, (std::array<int16_t, 6>{0, 30, 20, 10, 0, 0}));  // outside the window: zero
  EXPECT_EQ(request(), reverseRequest());
  EXPECT_EQ(reply(), Ndr{}.u32(1).u32(3).u32(1).u32(3).u16(30).u16(20).u16(10).u32(1015).b);
}

TEST_F(WireFormsCalls, FixedVaryingArrayWindowBeyondTheArrayIsAnEncodeError) {
  ReverseArgs a;
  a.v.n = 9;
  int32_t total = 0;
  EXPECT_THROW(WireForms::Reverse(binding_, a.v, a.s, a.l, total), midlrt::ndr::EncodeError);
  a.v.n = 2;
  a.s.last = 6;
  EXPECT_THROW(WireForms::Reverse(binding_, a.v, a.s, a.l, total), midlrt::ndr::EncodeError);
  a.s.last = -1;  // last_is before first_is: a negative count
  EXPECT_THROW(WireForms::Reverse(binding_, a.v, a.s, a.l, total), midlrt::ndr::EncodeError);
}

TEST_F(WireFormsCalls, FixedVaryingArrayCountsThatDisagreeWithTheFieldsFault) {
  EXPECT_EQ(rawCall(kReverseOpnum, reverseRequest()), 0u);
  EXPECT_NE(rawCall(kReverseOpnum, reverseRequest(3)), 0u);     // actual_count 3, n = 2
  EXPECT_NE(rawCall(kReverseOpnum, reverseRequest(2, 2)), 0u);  // offset 2, first = 1
  Ndr beyond;
  beyond.u16(9).u32(0).u32(9);  // 9 elements of an array of 8: refused before any is read
  for (int i = 0; i < 9; ++i) beyond.u32(1);
  EXPECT_NE(rawCall(kReverseOpnum, beyond.b), 0u);
}

// ---- [first_is]/[last_is] on conformant arrays: the vector holds the elements that travel ----

// The request of Spans for a Tail {5, 2, {30, 40, 50}} and a Span {6, 1, 3, {7, 8, 9}}, by hand.
Bytes spansRequest(uint32_t tailOffset = 2, uint32_t spanCount = 3) {
  Ndr n;
  n.u32(5).u32(5).u32(2).u32(tailOffset).u32(3).u32(30).u32(40).u32(50);  // max_count first (hoisted)
  n.u32(6).u32(1).u32(3).u32(kFirstId);                                   // Span's fields, the [ref] id
  n.u32(6).u32(1).u32(spanCount);  // the referent: max_count, offset, actual_count, the elements
  for (uint32_t i = 0; i < spanCount; ++i) n.u16(static_cast<uint16_t>(7 + i));
  return n.b;
}

TEST_F(WireFormsCalls, FirstIsAndLastIsSetTheOffsetAndTheCountOfConformantArrays) {
  Tail t{};
  t.size = 5;
  t.first = 2;
  t.items = {30, 40, 50};
  Span s{};
  s.size = 6;
  s.first = 1;
  s.last = 3;
  s.items = {7, 8, 9};
  int32_t sum = 0;
  WireForms::Spans(binding_, t, s, sum);
  EXPECT_EQ(sum, 120);
  EXPECT_EQ(s.first, 2);
  EXPECT_EQ(s.last, 4);
  EXPECT_EQ(s.items, (std::vector<int16_t>{7, 8, 9}));
  EXPECT_EQ(request(), spansRequest());
  EXPECT_EQ(reply(),
            Ndr{}.u32(6).u32(2).u32(4).u32(kFirstId).u32(6).u32(2).u32(3).u16(7).u16(8).u16(9).u32(120).b);
}

TEST_F(WireFormsCalls, FirstIsAndLastIsThatDisagreeWithTheVectorAreAnEncodeError) {
  Tail t{};
  t.size = 5;
  t.first = 1;  // 4 elements would travel
  t.items = {30, 40, 50};
  Span s{};
  s.size = 6;
  s.first = 1;
  s.last = 3;
  s.items = {7, 8, 9};
  int32_t sum = 0;
  EXPECT_THROW(WireForms::Spans(binding_, t, s, sum), midlrt::ndr::EncodeError);
  t.first = 2;
  s.last = 4;
  EXPECT_THROW(WireForms::Spans(binding_, t, s, sum), midlrt::ndr::EncodeError);
}

TEST_F(WireFormsCalls, ConformantOffsetsAndCountsThatDisagreeWithTheFieldsFault) {
  EXPECT_EQ(rawCall(kSpansOpnum, spansRequest()), 0u);
  EXPECT_NE(rawCall(kSpansOpnum, spansRequest(1)), 0u);     // offset 1, first_is 2
  EXPECT_NE(rawCall(kSpansOpnum, spansRequest(2, 2)), 0u);  // actual_count 2, last_is - first_is + 1 = 3
}

// ---- pointer typedefs with no pointer attribute, as parameters: [ref], the pointee alone ----

TEST_F(WireFormsCalls, UnattributedPointerTypedefParametersAreRefPointers) {
  Pair pair{};
  pair.a = 4;
  pair.b = 3;
  int32_t length = 0;
  WireForms::Plain(binding_, 10, "abc", length, pair);
  EXPECT_EQ(length, 13);
  EXPECT_EQ(pair.a, 5);
  EXPECT_EQ(pair.b, 6);
  // n, then the string (max_count, offset, actual_count, the characters), then the pair: no referent ids.
  EXPECT_EQ(request(), Ndr{}.u32(10).u32(4).u32(0).u32(4).u8('a').u8('b').u8('c').u8(0).u32(4).u16(3).b);
  EXPECT_EQ(reply(), Ndr{}.u32(13).u32(5).u16(6).b);
}

// ---- a returned pointer: [unique], a referent id (0 for NULL) then the pointee ----

TEST_F(WireFormsCalls, AReturnedPointerIsAUniquePointer) {
  std::unique_ptr<int32_t> r = WireForms::Maybe(binding_, 4);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 40);
  EXPECT_EQ(reply(), Ndr{}.u32(kFirstId).u32(40).b);
  EXPECT_FALSE(WireForms::Maybe(binding_, -1));
  EXPECT_EQ(reply(), Ndr{}.u32(0).b);
}

// ---- unions without [switch_type] switched by a parameter and by a field expression ----

TEST_F(WireFormsCalls, UnionsSwitchedByAParameterOrAnExpressionTakeTheirTypes) {
  static_assert(std::is_same_v<decltype(Level::discriminant), uint16_t>);
  Level byLevel{};
  byLevel.set_two(Pair{7, 1});
  Variant byType{};
  byType.vt = 0x2001;  // the expression vt & 0x1fff selects arm 1
  byType.value.set_one(100);
  int32_t sum = 0;
  WireForms::Levels(binding_, 2, byLevel, byType, sum);
  EXPECT_EQ(sum, 2 + 7 + 100);
  // level; the union's discriminant (unsigned short, like level), its arm (Pair); then Variant (aligned to
  // 4): vt, a 16-bit discriminant, the arm.
  EXPECT_EQ(request(), Ndr{}.u16(2).u16(2).u32(7).u16(1).align(4).u16(0x2001).u16(1).u32(100).b);
  EXPECT_EQ(reply(), Ndr{}.u32(109).b);
}

// The discriminant of a union parameter must be what its [switch_is] parameter says (MS-RPCE's correlation
// check, as for unions in structs): the server faults a request that disagrees, the client refuses to send
// one.
TEST_F(WireFormsCalls, ParameterSwitchedUnionsCheckTheirDiscriminant) {
  auto request = [](uint16_t level, uint16_t discriminant) {
    return Ndr{}.u16(level).u16(discriminant).u32(7).u16(1).align(4).u16(0x2001).u16(1).u32(100).b;
  };
  EXPECT_EQ(rawCall(kLevelsOpnum, request(2, 2)), 0u);
  EXPECT_EQ(reply(), Ndr{}.u32(109).b);
  // The union holds arm 2 (well formed), the level says 1.
  EXPECT_EQ(rawCall(kLevelsOpnum, request(1, 2)), midlrt::rpc::status::kBadStubData);

  Level byLevel{};
  byLevel.set_two(Pair{7, 1});
  Variant byType{};
  byType.vt = 1;
  byType.value.set_one(100);
  int32_t sum = 0;
  EXPECT_THROW(WireForms::Levels(binding_, 1, byLevel, byType, sum), midlrt::ndr::EncodeError);
}

}  // namespace
