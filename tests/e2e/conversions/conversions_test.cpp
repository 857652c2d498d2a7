// Generated clients calling generated servers (midlc on conversions.idl) through the four conversions of
// MIDL, with the stub data of each request and reply recorded on the server and compared with impacket's
// encoding of the wire types (vectors.inc): transmit_as, the ACF's represent_as, wire_marshal through a
// [unique] pointer (Windows' 'User' marker, as BSTR travels), the ACF's user_marshal; inside a struct, a
// fixed array and a union too.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "conversions.h"

// ---- the conversion functions the generated header declares, defined by the application ----

// transmit_as(Fraction): a double travels as thousandths.
Fraction Ratio_to_xmit(const Ratio& r) {
  return {static_cast<int32_t>(std::lround(r * 1000)), 1000};
}
Ratio Ratio_from_xmit(const Fraction& f) {
  return static_cast<double>(f.num) / f.den;
}

// represent_as(Clock): minutes since midnight travel.
Stamp Stamp_from_local(const Clock& c) {
  return c.hours * 60 + c.minutes;
}
Clock Stamp_to_local(const Stamp& s) {
  return {s / 60, s % 60};
}

// wire_marshal(WireText): a string travels as the Words its [unique] pointer points to.
Words Text_UserMarshal(const Text& t) {
  Words w;
  w.flags = 0x5A;
  w.count = static_cast<uint32_t>(t.size());
  w.units.assign(t.begin(), t.end());
  return w;
}
Text Text_UserUnmarshal(const Words& w) {
  return Text(w.units.begin(), w.units.end());
}

// user_marshal(Point): a point travels as whole numbers.
WirePoint Point_UserMarshal(const Point& p) {
  return {static_cast<int32_t>(std::lround(p.x)), static_cast<int32_t>(std::lround(p.y))};
}
Point Point_UserUnmarshal(const WirePoint& w) {
  return {static_cast<double>(w.x), static_cast<double>(w.y)};
}

namespace {

using Bytes = std::vector<uint8_t>;

struct Vector {
  const char* name;
  const char* hex;
  const char* mask;
};

const Vector kVectors[] = {
#include "vectors.inc"
};

Bytes fromHex(const char* hex) {
  Bytes out;
  for (size_t i = 0; hex[i] && hex[i + 1]; i += 2)
    out.push_back(static_cast<uint8_t>(std::stoul(std::string(hex + i, 2), nullptr, 16)));
  return out;
}

// Our bytes equal impacket's wherever impacket's are not padding, and are zero where they are.
::testing::AssertionResult matchesImpacket(const Bytes& ours, const char* name) {
  for (const Vector& v : kVectors) {
    if (std::strcmp(v.name, name) != 0) continue;
    const Bytes theirs = fromHex(v.hex), mask = fromHex(v.mask);
    if (ours.size() != theirs.size())
      return ::testing::AssertionFailure()
             << name << ": " << ours.size() << " bytes, impacket's " << theirs.size();
    for (size_t i = 0; i < ours.size(); ++i)
      if (ours[i] != (mask[i] ? theirs[i] : 0))
        return ::testing::AssertionFailure()
               << name << ": byte " << i << " is " << int(ours[i]) << ", impacket's " << int(theirs[i])
               << (mask[i] ? "" : " (padding: 0)");
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no vector " << name;
}

class ConversionsImpl : public Conversions_Manager {
 public:
  int32_t Scale(const Ratio& r, int32_t n, Ratio& scaled) override {
    scaled = r * n;
    return static_cast<int32_t>(std::lround(scaled * 100));
  }
  Clock Later(const Clock& t, int32_t minutes) override {
    const int total = t.hours * 60 + t.minutes + minutes;
    return {total / 60, total % 60};
  }
  void Shout(const Text& t, Text& loud) override {
    loud = t;
    for (auto& c : loud) c = static_cast<char16_t>(c >= u'a' && c <= u'z' ? c - 32 : c);
    loud += u'!';
  }
  Point Mirror(const Point& p) override { return {-p.x, p.y}; }
  void Annotate(const Note& note, const Place& place, Note& result, Place& moved) override {
    result.id = note.id + 1;
    result.text = note.text + u"!";
    result.weights = {note.weights[1], note.weights[0]};
    if (place.discriminant == 1)
      moved.set_when(Clock{static_cast<int>(place.at().x) - 2, static_cast<int>(place.at().y) - 2});
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

constexpr uint16_t kShoutOpnum = 2;

class ConversionCalls : public ::testing::Test {
 protected:
  void SetUp() override {
    recorder_ = std::make_shared<Recorder>(Conversions_dispatcher(std::make_shared<ConversionsImpl>()));
    server_.registerInterface(Conversions_ifspec, 5, recorder_);
    binding_ = midlrt::rpc::Channel::createInProcess(server_);
  }
  uint32_t rawCall(uint16_t opnum, const Bytes& stub) {
    midlrt::rpc::Message request = midlrt::rpc::Message::acquire();
    request.append(stub.data(), stub.size());
    midlrt::rpc::Reply reply;
    return binding_->tryInvoke(Conversions_ifspec, opnum, request, reply);
  }
  const Bytes& request() const { return recorder_->request; }
  const Bytes& reply() const { return recorder_->reply; }

  midlrt::rpc::Server server_;
  std::shared_ptr<Recorder> recorder_;
  midlrt::Binding binding_;
};

TEST_F(ConversionCalls, TransmitAsSendsTheTransmittedTypeBothWays) {
  Ratio scaled = 0;
  EXPECT_EQ(Conversions::Scale(binding_, 0.25, 3, scaled), 75);
  EXPECT_DOUBLE_EQ(scaled, 0.75);
  EXPECT_TRUE(matchesImpacket(request(), "scale_request"));
  EXPECT_TRUE(matchesImpacket(reply(), "scale_reply"));
}

TEST_F(ConversionCalls, RepresentAsSendsTheNetTypeAndTheApplicationSeesItsLocalType) {
  EXPECT_EQ(Conversions::Later(binding_, Clock{9, 30}, 45), (Clock{10, 15}));
  EXPECT_TRUE(matchesImpacket(request(), "later_request"));
  EXPECT_TRUE(matchesImpacket(reply(), "later_reply"));
}

TEST_F(ConversionCalls, WireMarshalThroughAPointerSendsTheUserMarkerThenThePointee) {
  Text loud;
  Conversions::Shout(binding_, u"hi", loud);
  EXPECT_EQ(loud, u"HI!");
  EXPECT_TRUE(matchesImpacket(request(), "shout_request"));
  EXPECT_TRUE(matchesImpacket(reply(), "shout_reply"));
}

TEST_F(ConversionCalls, WireMarshalAcceptsAnyNonNullReferentIdInPlaceOfTheMarker) {
  Bytes stub = fromHex(kVectors[4].hex);  // shout_request, with an ordinary referent id
  ASSERT_STREQ(kVectors[4].name, "shout_request");
  stub[0] = 0x00, stub[1] = 0x00, stub[2] = 0x02, stub[3] = 0x00;
  EXPECT_EQ(rawCall(kShoutOpnum, stub), 0u);
  EXPECT_TRUE(matchesImpacket(reply(), "shout_reply"));
}

TEST_F(ConversionCalls, WireMarshalPointerThatIsNullFaults) {
  // A NULL pointer, even with a referent after it: a Windows peer ignores the value and reads the referent,
  // another would not, so midlc refuses what the two would read differently.
  Bytes stub = fromHex(kVectors[4].hex);  // shout_request
  ASSERT_STREQ(kVectors[4].name, "shout_request");
  stub[0] = stub[1] = stub[2] = stub[3] = 0;
  EXPECT_EQ(rawCall(kShoutOpnum, stub), midlrt::ndr::kRpcXBadStubData);
}

TEST_F(ConversionCalls, UserMarshalSendsTheWireTypeAndTheApplicationSeesItsOwnType) {
  EXPECT_EQ(Conversions::Mirror(binding_, Point{1, 2}), (Point{-1, 2}));
  EXPECT_TRUE(matchesImpacket(request(), "mirror_request"));
  EXPECT_TRUE(matchesImpacket(reply(), "mirror_reply"));
}

TEST_F(ConversionCalls, ConversionsInsideAStructAnArrayAndAUnion) {
  Note note;
  note.id = 7;
  note.text = u"ok";
  note.weights = {0.5, 2.0};
  Place place;
  place.set_at(Point{3, 4});
  Note result;
  Place moved;
  Conversions::Annotate(binding_, note, place, result, moved);
  EXPECT_EQ(result.id, 8);
  EXPECT_EQ(result.text, u"ok!");
  EXPECT_DOUBLE_EQ(result.weights[0], 2.0);
  EXPECT_DOUBLE_EQ(result.weights[1], 0.5);
  ASSERT_EQ(moved.discriminant, 2);
  EXPECT_EQ(moved.when(), (Clock{1, 2}));
  // The struct's wire_marshal field: the marker in place, its Words deferred after the struct's flat part.
  EXPECT_TRUE(matchesImpacket(request(), "annotate_request"));
  EXPECT_TRUE(matchesImpacket(reply(), "annotate_reply"));
}

}  // namespace
