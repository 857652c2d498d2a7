// Generated client stubs calling generated server stubs (midlc on rpc_calls.idl) over TCP (IPv4 and IPv6),
// ncalrpc and the in-process transport: every parameter kind, faults, an unknown interface, a 16 MiB
// argument (fragmentation), and 64 calls from 8 threads on one shared channel.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <thread>

#include "rpc_calls.h"

namespace {

class ExchangeImpl : public Exchange_Manager {
 public:
  int32_t Echo(int32_t value) override { return value; }
  void Swap(int32_t& a, int64_t& b) override {
    int64_t old = a;
    a = static_cast<int32_t>(b);
    b = old;
  }
  void Scale(double factor, Sample& sample) override {
    sample.x *= factor;
    sample.y *= factor;
    if (sample.label) *sample.label += u" scaled";
  }
  void Concat(const std::string& left, const std::u16string& right,
              std::unique_ptr<std::u16string>& both) override {
    both = std::make_unique<std::u16string>(std::u16string(left.begin(), left.end()) + right);
  }
  int32_t Maybe(const int32_t* value) override { return value ? *value * 2 : -1; }
  int32_t Sum(int32_t, const std::vector<int32_t>& values) override {
    return std::accumulate(values.begin(), values.end(), 0);
  }
  void Fill(int32_t count, std::vector<uint8_t>& buffer) override {
    buffer.resize(static_cast<size_t>(count));
    for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<uint8_t>(i * 7);
  }
  int32_t Bytes(int32_t size, const std::vector<uint8_t>& data, uint64_t& checksum) override {
    checksum = 0;
    for (uint8_t b : data) checksum = checksum * 31 + b;
    return size;
  }
  Kind Flip(Kind kind) override { return kind == Kind::KindA ? Kind::KindB : Kind::KindA; }
  void Wrap(int16_t kind, const Payload& payload, Envelope& envelope) override {
    envelope.kind = kind;
    envelope.payload.discriminant = payload.discriminant;
    if (payload.value.index() == 1) envelope.payload.set_number(payload.number() + 1);
    if (payload.value.index() == 2)
      envelope.payload.set_text(std::make_unique<std::string>(*payload.text() + "!"));
    envelope.next = std::make_unique<Envelope>();
    envelope.next->kind = 7;  // no arm for 7: the [default] arm, empty
    envelope.next->payload.discriminant = 7;
  }
  int32_t Chain(const Envelope& head) override {
    int32_t n = 0;
    for (const Envelope* e = &head; e; e = e->next.get()) ++n;
    return n;
  }
  void Fail(int32_t how) override {
    if (how == 1) throw std::runtime_error("the implementation failed");
    if (how == 2) throw midlrt::rpc::RpcError(0x20000042, "a status of the application's own");
  }
  int32_t Bounded(int32_t n, const std::string& name, int32_t, const std::vector<int32_t>& values) override {
    return n + static_cast<int32_t>(name.size() + values.size());
  }
  uint32_t Status(int32_t how) override {
    if (how != 0) throw midlrt::rpc::RpcError(midlrt::rpc::status::kFaultIntDivByZero);
    return 0;
  }
};

// A counter per session; its destructor is the rundown.
std::atomic<int> liveSessions{0};
struct Counter {
  int32_t value;
  explicit Counter(int32_t start) : value(start) { ++liveSessions; }
  ~Counter() { --liveSessions; }
};

class SessionsImpl : public Sessions_Manager {
 public:
  int32_t Open(int32_t start, std::shared_ptr<void>& session) override {
    session = std::make_shared<Counter>(start);
    return 0;
  }
  int32_t Next(const std::shared_ptr<void>& session) override {
    return static_cast<Counter*>(session.get())->value++;
  }
  void Close(std::shared_ptr<void>& session) override { session.reset(); }
};

enum class Transport { Tcp4, Tcp6, Local, InProcess };

class RpcCalls : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override {
    midlrt::rpc::ServerOptions options;
    options.workerThreads = GetParam() == Transport::InProcess ? 2 : 0;
    server_ = std::make_unique<midlrt::rpc::Server>(options);
    Exchange_register(*server_, std::make_shared<ExchangeImpl>());
    Sessions_register(*server_, std::make_shared<SessionsImpl>());
    switch (GetParam()) {
      case Transport::Tcp4:
        binding_ = midlrt::rpc::Channel::create(server_->listen("ncacn_ip_tcp:127.0.0.1[0]"));
        break;
      case Transport::Tcp6:
        binding_ = midlrt::rpc::Channel::create(server_->listen("ncacn_ip_tcp:[::1][0]"));
        break;
      case Transport::Local: {
        socket_ =
            std::filesystem::temp_directory_path() / ("midlc-e2e-" + std::to_string(::getpid()) + ".sock");
        binding_ = midlrt::rpc::Channel::create(server_->listen("ncalrpc:[" + socket_.string() + "]"));
        break;
      }
      case Transport::InProcess:
        binding_ = midlrt::rpc::Channel::createInProcess(*server_);
        break;
    }
  }
  void TearDown() override {
    binding_.reset();
    server_->shutdown();
    if (!socket_.empty()) std::filesystem::remove(socket_);
  }

  std::unique_ptr<midlrt::rpc::Server> server_;
  midlrt::Binding binding_;
  std::filesystem::path socket_;
};

}  // namespace

TEST_P(RpcCalls, InAndReturnValues) {
  EXPECT_EQ(Exchange::Echo(binding_, -123456), -123456);
}

TEST_P(RpcCalls, InOutPrimitivesComeBackChanged) {
  int32_t a = 5;
  int64_t b = 1'000'000'000'000;
  Exchange::Swap(binding_, a, b);
  EXPECT_EQ(a, static_cast<int32_t>(1'000'000'000'000));
  EXPECT_EQ(b, 5);
}

TEST_P(RpcCalls, InOutStructWithAnEmbeddedString) {
  Sample s{1, 1.5, -2.0, std::make_unique<std::u16string>(u"point")};
  Exchange::Scale(binding_, 2.0, s);
  EXPECT_EQ(s.x, 3.0);
  EXPECT_EQ(s.y, -4.0);
  EXPECT_EQ(*s.label, u"point scaled");
}

TEST_P(RpcCalls, StringsInBothWidthsAndAnOutString) {
  std::unique_ptr<std::u16string> both;
  Exchange::Concat(binding_, "abc", u"\u00e9\u4e2d", both);
  ASSERT_TRUE(both);
  EXPECT_EQ(*both, u"abc\u00e9\u4e2d");
}

TEST_P(RpcCalls, UniquePointerParameterNullAndNot) {
  int32_t v = 21;
  EXPECT_EQ(Exchange::Maybe(binding_, &v), 42);
  EXPECT_EQ(Exchange::Maybe(binding_, nullptr), -1);
}

TEST_P(RpcCalls, SizedArraysInAndOut) {
  EXPECT_EQ(Exchange::Sum(binding_, 4, {1, 2, 3, 4}), 10);
  std::vector<uint8_t> buffer;
  Exchange::Fill(binding_, 5, buffer);
  EXPECT_EQ(buffer, (std::vector<uint8_t>{0, 7, 14, 21, 28}));
}

TEST_P(RpcCalls, ASizeParameterThatDisagreesWithItsVectorFailsBeforeSending) {
  EXPECT_THROW(Exchange::Sum(binding_, 3, {1, 2}), midlrt::ndr::EncodeError);
}

TEST_P(RpcCalls, RangeBoundsAValueAndTheLengthsOfAStringAndAnArrayOnTheClient) {
  EXPECT_EQ(Exchange::Bounded(binding_, 10, "seven77", 4, {1, 2, 3, 4}), 10 + 7 + 4);
  EXPECT_THROW(Exchange::Bounded(binding_, 11, "a", 0, {}), midlrt::ndr::EncodeError);
  EXPECT_THROW(Exchange::Bounded(binding_, 1, "eight888", 0, {}), midlrt::ndr::EncodeError);  // 9 with its NUL
  EXPECT_THROW(Exchange::Bounded(binding_, 1, "a", 5, {1, 2, 3, 4, 5}), midlrt::ndr::EncodeError);
}

// What a client that does not check sends: the server refuses it before the manager runs.
TEST_P(RpcCalls, AServerRefusesARequestOutsideARange) {
  auto send = [&](int32_t n, const std::string& name, const std::vector<int32_t>& values) {
    midlrt::rpc::Message request = midlrt::rpc::Message::acquire();
    {
      midlrt::ndr::Encoder e(request.buffer(), request.headroom());
      e.write<int32_t>(n);
      e.writeString(name);
      e.write<int32_t>(static_cast<int32_t>(values.size()));
      e.writeConformance(values.size());
      e.writeBulk(values.data(), values.size());
    }
    try {
      binding_->invoke(Exchange_ifspec, 13, request);
      return 0u;
    } catch (const midlrt::rpc::RpcError& error) {
      return error.status();
    }
  };
  EXPECT_EQ(send(1, "a", {}), 0u);
  EXPECT_EQ(send(0, "a", {}), midlrt::ndr::kRpcXBadStubData);
  EXPECT_EQ(send(1, "", {}), 0u);  // one character with the terminator: in range
  EXPECT_EQ(send(1, "eight888", {}), midlrt::ndr::kRpcXBadStubData);
  EXPECT_EQ(send(1, "a", {1, 2, 3, 4, 5}), midlrt::ndr::kRpcXBadStubData);
  EXPECT_EQ(Exchange::Echo(binding_, 3), 3);  // and the server serves on
}

TEST_P(RpcCalls, EnumsAndUnionsAndRecursiveStructs) {
  EXPECT_EQ(Exchange::Flip(binding_, Kind::KindA), Kind::KindB);
  Payload p;
  p.set_text(std::make_unique<std::string>("hi"));
  Envelope env;
  Exchange::Wrap(binding_, 2, p, env);
  EXPECT_EQ(env.kind, 2);
  EXPECT_EQ(*env.payload.text(), "hi!");
  ASSERT_TRUE(env.next);
  EXPECT_EQ(env.next->payload.value.index(), 0u);
  EXPECT_EQ(Exchange::Chain(binding_, env), 2);
}

TEST_P(RpcCalls, AnExceptionInTheImplementationIsAFault) {
  try {
    Exchange::Fail(binding_, 1);
    FAIL() << "no fault";
  } catch (const midlrt::rpc::RpcError& e) {
    EXPECT_EQ(e.status(), midlrt::rpc::status::kCallFailed);
  }
  try {
    Exchange::Fail(binding_, 2);
    FAIL() << "no fault";
  } catch (const midlrt::rpc::RpcError& e) {
    EXPECT_EQ(e.status(), 0x20000042u);
  }
  Exchange::Fail(binding_, 0);  // and the channel still works
  EXPECT_EQ(Exchange::Echo(binding_, 1), 1);
}

TEST_P(RpcCalls, CommStatusReceivesTheFaultInsteadOfAnException) {
  uint32_t status = 1;
  EXPECT_EQ(Exchange::Status(binding_, 0, status), 0u);
  EXPECT_EQ(status, 0u);
  Exchange::Status(binding_, 1, status);
  EXPECT_EQ(status, midlrt::rpc::status::kFaultIntDivByZero);
}

TEST_P(RpcCalls, AnInterfaceTheServerDoesNotServeIsRejected) {
  try {
    NotServed::Nothing(binding_, 1);
    FAIL() << "the call went through";
  } catch (const midlrt::rpc::RpcError& e) {
    EXPECT_EQ(e.status(), midlrt::rpc::status::kUnknownIf);
  }
}

TEST_P(RpcCalls, A16MiBArgumentIsFragmentedAndReassembled) {
  std::vector<uint8_t> data(16u << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 13 + (i >> 12));
  uint64_t expected = 0;
  for (uint8_t b : data) expected = expected * 31 + b;
  uint64_t checksum = 0;
  EXPECT_EQ(Exchange::Bytes(binding_, static_cast<int32_t>(data.size()), data, checksum),
            static_cast<int32_t>(data.size()));
  EXPECT_EQ(checksum, expected);
}

TEST_P(RpcCalls, SixtyFourCallsFromEightThreadsOnOneChannel) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i)
        if (Exchange::Echo(binding_, t * 100 + i) == t * 100 + i) ++ok;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 64);
}

TEST_P(RpcCalls, ContextHandlesCarryServerStateUntilClosed) {
  midlrt::rpc::ContextHandle session;
  EXPECT_FALSE(session);
  Sessions::Open(binding_, 10, session);
  ASSERT_TRUE(session);
  EXPECT_EQ(Sessions::Next(binding_, session), 10);
  EXPECT_EQ(Sessions::Next(binding_, session), 11);
  midlrt::rpc::ContextHandle copy = session;
  Sessions::Close(binding_, session);
  EXPECT_FALSE(session);  // the server closed it: the handle comes back NULL
  try {
    Sessions::Next(binding_, copy);
    FAIL() << "a closed handle was accepted";
  } catch (const midlrt::rpc::RpcError& e) {
    EXPECT_EQ(e.status(), midlrt::rpc::status::kFaultContextMismatch);
  }
}

TEST_P(RpcCalls, AClientThatGoesAwayHasItsContextHandlesRunDown) {
  int before = liveSessions.load();
  midlrt::rpc::ContextHandle a, b;
  Sessions::Open(binding_, 1, a);
  Sessions::Open(binding_, 2, b);
  EXPECT_EQ(liveSessions.load(), before + 2);
  binding_->disconnect();
  for (int i = 0; i < 200 && liveSessions.load() != before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(liveSessions.load(), before);
}

INSTANTIATE_TEST_SUITE_P(Transports, RpcCalls,
                         ::testing::Values(Transport::Tcp4, Transport::Tcp6, Transport::Local,
                                           Transport::InProcess),
                         [](const ::testing::TestParamInfo<Transport>& info) {
                           switch (info.param) {
                             case Transport::Tcp4:
                               return std::string("TcpIPv4");
                             case Transport::Tcp6:
                               return std::string("TcpIPv6");
                             case Transport::Local:
                               return std::string("Ncalrpc");
                             case Transport::InProcess:
                               return std::string("InProcess");
                           }
                           return std::string("?");
                         });

// A security callback given to the generated registration sees who calls before anything is unmarshaled:
// here, this user over a local socket may call, and nobody over TCP.
TEST(RpcCallsSecurity, TheRegistrationsSecurityCallbackAuthorizesOnTheCaller) {
  midlrt::rpc::Server server;
  midlrt::rpc::InterfaceOptions options;
  options.securityCallback = [](const midlrt::rpc::ServerCall& call) {
    const auto& who = call.caller();
    const bool local = who.transport != midlrt::rpc::CallerInfo::Transport::kTcp;
    return local && who.hasCredentials && who.uid == ::getuid() ? midlrt::rpc::status::kOk
                                                                : midlrt::rpc::status::kAccessDenied;
  };
  Exchange_register(server, std::make_shared<ExchangeImpl>(), options);
  const std::filesystem::path socket =
      std::filesystem::temp_directory_path() / ("midlc-e2e-security-" + std::to_string(::getpid()) + ".sock");
  midlrt::Binding local = midlrt::rpc::Channel::create(server.listen("ncalrpc:[" + socket.string() + "]"));
  midlrt::Binding tcp = midlrt::rpc::Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  EXPECT_EQ(Exchange::Echo(local, 7), 7);
  try {
    Exchange::Echo(tcp, 7);
    FAIL() << "a TCP caller got through";
  } catch (const midlrt::rpc::RpcError& e) {
    EXPECT_EQ(e.status(), midlrt::rpc::status::kAccessDenied);
  }
  EXPECT_EQ(Exchange::Echo(local, 8), 8);  // still serving
}
