// Client and server over every transport: calls, fragmentation, multiplexing, faults, cancellation, close.
#include <dirent.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "echo_service.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc {
namespace {

using namespace std::chrono_literals;
using testing::EchoService;
using testing::kEchoIf;
using testing::kOtherIf;

enum class Transport { kTcp4, kTcp6, kLocal, kInProcess };

struct Setup {
  Transport transport;
  unsigned workers;
  bool nonCausal = false;  // every test again over a non-causal channel (ChannelOptions::nonCausal)
};

std::string setupName(const Setup& s) {
  const char* t[] = {"Tcp4", "Tcp6", "Ncalrpc", "InProcess"};
  return std::string(t[static_cast<int>(s.transport)]) + "Workers" + std::to_string(s.workers) +
         (s.nonCausal ? "NonCausal" : "");
}
std::string name(const ::testing::TestParamInfo<Setup>& info) {
  return setupName(info.param);
}
// gtest would otherwise print the struct's bytes, padding included.
void PrintTo(const Setup& s, std::ostream* os) {
  *os << setupName(s);
}

template <typename T>
Message msgOf(const T& v) {
  Message m = Message::acquire();
  m.append(&v, sizeof v);
  return m;
}

Message addArgs(int32_t a, int32_t b) {
  Message m = Message::acquire();
  m.append(&a, 4);
  m.append(&b, 4);
  return m;
}

int32_t int32Of(const Reply& r) {
  int32_t v = 0;
  EXPECT_EQ(r.size(), 4u);
  if (r.size() == 4) std::memcpy(&v, r.data(), 4);
  return v;
}

class Rpc : public ::testing::TestWithParam<Setup> {
 protected:
  void SetUp() override { start(GetParam().workers, 2000ms); }

  void start(unsigned workers, std::chrono::milliseconds grace) {
    service_ = std::make_shared<EchoService>();
    ServerOptions o;
    o.workerThreads = workers;
    o.shutdownGrace = grace;
    server_ = std::make_unique<Server>(o);
    server_->registerInterface(kEchoIf, testing::kOpCount, service_);
    server_->registerInterface(kOtherIf, testing::kOpCount, service_);
    switch (GetParam().transport) {
      case Transport::kTcp4:
        endpoint_ = server_->listen("ncacn_ip_tcp:127.0.0.1[0]");
        break;
      case Transport::kTcp6:
        try {
          endpoint_ = server_->listen("ncacn_ip_tcp:[::1][0]");
        } catch (const RpcError&) {
          GTEST_SKIP() << "IPv6 loopback not available";
        }
        break;
      case Transport::kLocal:
        endpoint_ = server_->listen("ncalrpc:[/tmp/midlrt-rpc-test-" + std::to_string(::getpid()) + "-" +
                                    std::to_string(counter_++) + ".sock]");
        break;
      case Transport::kInProcess:
        break;
    }
  }

  std::shared_ptr<Channel> channel(ChannelOptions o = {}) {
    o.nonCausal = GetParam().nonCausal;
    if (GetParam().transport == Transport::kInProcess) return Channel::createInProcess(*server_, o);
    return Channel::create(endpoint_, o);
  }

  void TearDown() override {
    if (server_) server_->shutdown();
  }

  static inline int counter_ = 0;
  std::shared_ptr<EchoService> service_;
  std::unique_ptr<Server> server_;
  std::string endpoint_;
};

TEST_P(Rpc, ServerReportsBoundEphemeralEndpoint) {
  if (GetParam().transport == Transport::kTcp4 || GetParam().transport == Transport::kTcp6) {
    auto b = StringBinding::parse(endpoint_);
    EXPECT_NE(b.endpoint, "0");
  }
}

TEST_P(Rpc, SmallCallsReturnResults) {
  auto ch = channel();
  for (int i = 0; i < 100; ++i) {
    Message m = addArgs(i, 1000);
    EXPECT_EQ(int32Of(ch->invoke(kEchoIf, testing::kAdd, m)), i + 1000);
  }
  Message e = Message::acquire();
  Reply r = ch->invoke(kEchoIf, testing::kEcho, e);
  EXPECT_EQ(r.size(), 0u);
}

TEST_P(Rpc, SixteenMebibytesBothWaysAreFragmentedAndReassembled) {
  auto ch = channel();
  Message m(kRequestHeadroom);
  m.resize(16u << 20);
  for (size_t i = 0; i < m.size(); ++i) m.data()[i] = static_cast<uint8_t>(i * 7 + (i >> 13));
  Reply r = ch->invoke(kEchoIf, testing::kEcho, m);
  ASSERT_EQ(r.size(), m.size());
  EXPECT_EQ(std::memcmp(r.data(), m.data(), m.size()), 0);
}

// Requests of several fragments up to 1 MiB leave as one block copied into a scratch buffer (larger ones
// as pieces of the message): each size around a fragment boundary arrives whole, with and without an object
// UUID (a longer header), and the caller's message is left as it was.
TEST_P(Rpc, RequestsAroundFragmentBoundariesArriveWholeAndLeaveTheMessageAlone) {
  const Uuid object = *Uuid::parse("11111111-2222-3333-4444-555555555555");
  for (uint16_t frag : {pdu::kMinFragSize, uint16_t{5840}}) {
    ChannelOptions o;
    o.maxFrag = frag;
    auto ch = channel(o);
    for (const Uuid* obj : {static_cast<const Uuid*>(nullptr), &object}) {
      CallOptions co;
      co.object = obj;
      const size_t body = (frag - (obj != nullptr ? 40u : 24u)) & ~size_t{7};
      for (size_t n : {body - 1, body, body + 1, 3 * body + 5, size_t{1} << 20, (size_t{1} << 20) + 1}) {
        Message m = Message::acquire();
        m.resize(n);
        for (size_t i = 0; i < n; ++i) m.data()[i] = static_cast<uint8_t>(i * 5 + (i >> 8) + n);
        Reply r = ch->invoke(kEchoIf, testing::kEcho, m, co);
        ASSERT_EQ(r.size(), n) << frag << " " << n;
        EXPECT_EQ(std::memcmp(r.data(), m.data(), n), 0) << frag << " " << n;
        bool unchanged = true;
        for (size_t i = 0; i < n && unchanged; ++i)
          unchanged = m.data()[i] == static_cast<uint8_t>(i * 5 + (i >> 8) + n);
        EXPECT_TRUE(unchanged) << frag << " " << n;
      }
    }
  }
}

// A request laid out with gaps for its fragments' headers (Message::leaveFragmentGaps) arrives as the stub
// data written, sizes around each boundary: sent in place where the connection's fragments are the ones
// planned (the default max_xmit_frag and the message's headroom), its gaps closed first where they are not.
TEST_P(Rpc, RequestsLaidOutInFragmentsArriveAsTheirStubData) {
  const Uuid object = *Uuid::parse("11111111-2222-3333-4444-555555555555");
  for (uint16_t frag : {pdu::kMinFragSize, pdu::kDefaultMaxFrag}) {
    ChannelOptions o;
    o.maxFrag = frag;
    auto ch = channel(o);
    for (size_t headroom : {kRequestHeadroom, kObjectRequestHeadroom}) {
      CallOptions co;
      if (headroom == kObjectRequestHeadroom) co.object = &object;
      const size_t body = (pdu::kDefaultMaxFrag - headroom) & ~size_t{7};
      for (size_t n :
           {size_t{8}, body, body + 8, 3 * body - 8, 3 * body + 16, size_t{1} << 20, (size_t{1} << 20) + 8}) {
        std::vector<uint64_t> words(n / 8);
        for (size_t i = 0; i < words.size(); ++i) words[i] = i * 0x9e3779b97f4a7c15u + n;
        Message m = Message::acquire(headroom);
        {
          ndr::Encoder e(m.buffer(), m.headroom());
          m.leaveFragmentGaps(e);
          for (uint64_t w : words) e.write(w);  // a write at a time: each crosses gaps like any value
        }
        EXPECT_EQ(m.gaps(), (n - 1) / body) << frag << " " << n;
        const size_t sizeWithGaps = m.size();
        Reply r = ch->invoke(kEchoIf, testing::kEcho, m, co);
        ASSERT_EQ(r.size(), n) << frag << " " << headroom << " " << n;
        EXPECT_EQ(std::memcmp(r.data(), words.data(), n), 0) << frag << " " << headroom << " " << n;
        if (frag == pdu::kDefaultMaxFrag || n <= (size_t{1} << 20)) {
          EXPECT_EQ(m.size(), sizeWithGaps);  // sent in place, or copied into a block skipping the gaps
        } else {
          EXPECT_EQ(m.gaps(), 0u);  // closed, then sent in pieces
          ASSERT_EQ(m.size(), n);
          EXPECT_EQ(std::memcmp(m.data(), words.data(), n), 0);
        }
      }
    }
  }
}

// Large bulk writes left in the caller's memory (Message::gatherLargeWrites) reach the server as the same
// stub data as copied ones, whatever fragments cut them: in one fragment, across several, on a boundary.
TEST_P(Rpc, GatheredBulkWritesArriveAsTheBytesTheyStandFor) {
  std::vector<uint8_t> big(200000), small(ndr::Encoder::kGatherMin);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 13 + (i >> 9));
  for (size_t i = 0; i < small.size(); ++i) small[i] = static_cast<uint8_t>(255 - i);
  auto encode = [&](ndr::Encoder& e, size_t bigBytes) {
    e.write<uint8_t>(7);  // then padding to 4 before the first array
    e.writeBulk(reinterpret_cast<const uint32_t*>(small.data()), small.size() / 4);
    e.write<uint16_t>(0x1234);
    e.writeBulk(big.data(), bigBytes);
    e.writeBulk(big.data(), 100);            // too small to gather: copied
    e.write<uint64_t>(0x1122334455667788u);  // aligned by the gathered bytes' count
  };
  for (uint16_t frag : {pdu::kMinFragSize, uint16_t{5840}, pdu::kDefaultMaxFrag}) {
    ChannelOptions o;
    o.maxFrag = frag;
    auto ch = channel(o);
    for (size_t bigBytes : {size_t{16384}, size_t{65531}, size_t{200000}}) {
      Message copied = Message::acquire();
      {
        ndr::Encoder e(copied.buffer(), copied.headroom());
        encode(e, bigBytes);
      }
      Message gathered = Message::acquire();
      {
        ndr::Encoder e(gathered.buffer(), gathered.headroom());
        gathered.gatherLargeWrites(e);
        encode(e, bigBytes);
      }
      ASSERT_EQ(gathered.gathered().size(), 2u);
      EXPECT_LT(gathered.size(), 200u);  // the arrays stayed where they were
      Reply r = ch->invoke(kEchoIf, testing::kEcho, gathered);
      ASSERT_EQ(r.size(), copied.size()) << frag << " " << bigBytes;
      EXPECT_EQ(std::memcmp(r.data(), copied.data(), copied.size()), 0) << frag << " " << bigBytes;
      gathered.flatten();  // what a consumer that needs one piece sees
      ASSERT_EQ(gathered.size(), copied.size());
      EXPECT_TRUE(gathered.gathered().empty());
      EXPECT_EQ(std::memcmp(gathered.data(), copied.data(), copied.size()), 0);
    }
  }
}

// A synchronous stub's response that gathers its large bulk writes from the stub's locals and is sent by
// complete() before they go arrives whole and unchanged: written at once, or copied where the socket does
// not take it all (16 MiB), in one fragment or many, while other calls' responses queue on the connection.
TEST_P(Rpc, GatheredResponsesLeaveBeforeTheStubsMemoryGoes) {
  ChannelOptions o;
  o.defaultTimeout = 30s;  // a response that references freed memory may never parse: fail, not hang
  for (uint16_t frag : {pdu::kMinFragSize, pdu::kDefaultMaxFrag}) {
    o.maxFrag = frag;
    auto ch = channel(o);
    for (size_t n :
         {size_t{3}, size_t{100}, size_t{16387}, size_t{65535}, size_t{200000}, size_t{16u << 20}}) {
      Message m = Message::acquire();
      m.resize(n);
      for (size_t i = 0; i < n; ++i) m.data()[i] = static_cast<uint8_t>(i * 11 + (i >> 10) + n);
      Reply r = ch->invoke(kEchoIf, testing::kEchoGathered, m);
      ASSERT_EQ(r.size(), n) << frag << " " << n;
      EXPECT_EQ(std::memcmp(r.data(), m.data(), n), 0) << frag << " " << n;
    }
  }
  // Several at once on one channel: responses queue behind each other and are copied.
  o.maxFrag = ChannelOptions{}.maxFrag;
  auto ch = channel(o);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        const size_t n = 20000 + static_cast<size_t>(t) * 30000 + static_cast<size_t>(i) * 7;
        Message m = Message::acquire();
        m.resize(n);
        for (size_t k = 0; k < n; ++k) m.data()[k] = static_cast<uint8_t>(k * 3 + static_cast<size_t>(t + i));
        Reply r = ch->invoke(kEchoIf, testing::kEchoGathered, m);
        if (r.size() == n && std::memcmp(r.data(), m.data(), n) == 0) ok.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 32);
}

TEST_P(Rpc, SixtyFourCallsFromEightThreadsShareOneChannel) {
  auto ch = channel();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        Message m = addArgs(t * 100, i);
        if (int32Of(ch->invoke(kEchoIf, testing::kAdd, m)) == t * 100 + i) ok.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 64);
  if (GetParam().nonCausal) {
    EXPECT_LE(server_->connectionCount(), ChannelOptions{}.maxConnections);
  } else {
    EXPECT_EQ(server_->connectionCount(), 1u);
  }
}

TEST_P(Rpc, ResponsesCompletedInReverseOrderReachTheirCallers) {
  auto ch = channel();
  constexpr uint32_t kBatch = 16;
  std::vector<std::future<uint32_t>> results;
  std::vector<std::promise<uint32_t>> promises(kBatch);
  for (uint32_t i = 0; i < kBatch; ++i) {
    results.push_back(promises[i].get_future());
    Message m = Message::acquire();
    uint32_t args[2] = {kBatch, i};
    m.append(args, 8);
    ch->invokeAsync(kEchoIf, testing::kReverseBatch, std::move(m), [&promises, i](uint32_t s, Reply& r) {
      uint32_t tag = 0xffffffff;
      if (s == 0 && r.size() == 4) std::memcpy(&tag, r.data(), 4);
      promises[i].set_value(tag);
    });
  }
  for (uint32_t i = 0; i < kBatch; ++i) {
    ASSERT_EQ(results[i].wait_for(5s), std::future_status::ready);
    EXPECT_EQ(results[i].get(), i);
  }
}

TEST_P(Rpc, SyncCallersWaitingOnOutOfOrderRepliesAllComplete) {
  auto ch = channel();
  constexpr uint32_t kBatch = 6;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (uint32_t i = 0; i < kBatch; ++i) {
    threads.emplace_back([&, i] {
      Message m = Message::acquire();
      uint32_t args[2] = {kBatch, i};
      m.append(args, 8);
      Reply r = ch->invoke(kEchoIf, testing::kReverseBatch, m);
      uint32_t tag;
      std::memcpy(&tag, r.data(), 4);
      if (tag == i) ok.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), static_cast<int>(kBatch));
}

TEST_P(Rpc, UnknownOpnumFaultsWithOpRangeError) {
  auto ch = channel();
  Message m = Message::acquire();
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kOpCount, m, r), status::kOpRangeError);
  try {
    Message m2 = Message::acquire();
    ch->invoke(kEchoIf, 999, m2);
    FAIL();
  } catch (const RpcError& e) {
    EXPECT_EQ(e.status(), status::kOpRangeError);
    EXPECT_NE(std::string(e.what()).find("nca_s_op_rng_error"), std::string::npos);
  }
}

TEST_P(Rpc, UnknownInterfaceIsRejectedAtBind) {
  auto ch = channel();
  SyntaxId unknown{*Uuid::parse("11111111-2222-3333-4444-555555555555"), 1, 0};
  Message m = Message::acquire();
  Reply r;
  EXPECT_EQ(ch->tryInvoke(unknown, 0, m, r), status::kUnknownIf);
  // A newer minor version than the server's is also unknown; the channel stays usable.
  SyntaxId newer = kEchoIf;
  newer.minor = 5;
  EXPECT_EQ(ch->tryInvoke(newer, 0, m, r), status::kUnknownIf);
  Message a = addArgs(2, 3);
  EXPECT_EQ(int32Of(ch->invoke(kEchoIf, testing::kAdd, a)), 5);
}

TEST_P(Rpc, BadStubDataFaultsWithBadStubData) {
  auto ch = channel();
  Message m = Message::acquire();
  m.append("abc", 3);
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kAdd, m, r), status::kBadStubData);
}

TEST_P(Rpc, ExceptionInImplementationFaultsWithCallFailed) {
  auto ch = channel();
  Message m = Message::acquire();
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kThrow, m, r), status::kCallFailed);
  Message a = addArgs(1, 1);
  EXPECT_EQ(int32Of(ch->invoke(kEchoIf, testing::kAdd, a)), 2);
}

TEST_P(Rpc, SecondInterfaceUsesAlterContextOnSameAssociation) {
  auto ch = channel();
  Message m1 = Message::acquire();
  Reply r1 = ch->invoke(kEchoIf, testing::kWhoAmI, m1);
  Message m2 = Message::acquire();
  Reply r2 = ch->invoke(kOtherIf, testing::kWhoAmI, m2);
  ASSERT_EQ(r2.size(), 24u);
  uint16_t major, minor;
  std::memcpy(&major, r2.data() + 20, 2);
  std::memcpy(&minor, r2.data() + 22, 2);
  EXPECT_EQ(major, 2);
  EXPECT_EQ(minor, 1);
  EXPECT_EQ(server_->connectionCount(), 1u);
}

TEST_P(Rpc, ObjectUuidReachesTheStub) {
  auto ch = channel();
  Uuid obj = *Uuid::parse("01234567-89ab-cdef-0123-456789abcdef");
  Message m = Message::acquire(kObjectRequestHeadroom);
  CallOptions o;
  o.object = &obj;
  Reply r = ch->invoke(kEchoIf, testing::kWhoAmI, m, o);
  ASSERT_EQ(r.size(), 24u);
  uint32_t has;
  std::memcpy(&has, r.data(), 4);
  EXPECT_EQ(has, 1u);
  EXPECT_EQ(Uuid::decode(r.data() + 4), obj);
}

TEST_P(Rpc, StringBindingObjectUuidIsSentWithEveryCall) {
  if (GetParam().transport == Transport::kInProcess) GTEST_SKIP() << "no string binding";
  auto ch = Channel::create("01234567-89ab-cdef-0123-456789abcdef@" + endpoint_);
  Message m = Message::acquire();
  Reply r = ch->invoke(kEchoIf, testing::kWhoAmI, m);
  ASSERT_EQ(r.size(), 24u);
  EXPECT_EQ(r.data()[0], 1);
  EXPECT_EQ(Uuid::decode(r.data() + 4).toString(), "01234567-89ab-cdef-0123-456789abcdef");
}

TEST_P(Rpc, DeadlinePassedFailsWithTimeoutAndServerSeesOrphan) {
  auto ch = channel();
  Message m = Message::acquire();
  CallOptions o;
  o.timeout = 100ms;
  Reply r;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kWaitCancel, m, r, o), status::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  for (int i = 0; i < 200 && service_->cancelsSeen.load() == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(service_->cancelsSeen.load(), 1);
  Message a = addArgs(4, 4);
  EXPECT_EQ(int32Of(ch->invoke(kEchoIf, testing::kAdd, a)), 8);
}

TEST_P(Rpc, AsyncCallTimesOutWithoutAWaitingThread) {
  auto ch = channel();
  std::promise<uint32_t> p;
  CallOptions o;
  o.timeout = 50ms;
  ch->invokeAsync(
      kEchoIf, testing::kHang, Message::acquire(), [&](uint32_t s, Reply&) { p.set_value(s); }, o);
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), status::kTimeout);
}

// The channel's reader threads (named by the runtime) and how often one has slept, from /proc.
std::set<std::string> readerThreads() {
  std::set<std::string> tids;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (dirent* e = ::readdir(d)) {
      std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
      std::string name;
      if (std::getline(comm, name) && name == "midlrt-reader") tids.insert(e->d_name);
    }
    ::closedir(d);
  }
  return tids;
}
long voluntarySwitches(const std::string& tid) {
  std::ifstream status("/proc/self/task/" + tid + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(24));
  }
  return -1;
}

// An asynchronous call whose caller waits for it is read by the caller, and issuing it wakes no other
// thread: the reader sleeps on the socket only while nobody reads it (a wake per call cost 9 us on one CPU),
// also while a large reply takes its reader several reads.
TEST_P(Rpc, AsyncCallsTheirCallersWaitForDoNotWakeTheReaderThread) {
  auto ch = channel();
  const std::set<std::string> before = readerThreads();
  auto call = [&] {
    std::promise<uint32_t> p;
    // 256 KiB each way (a reply its reader takes in several reads), 2 ms late: the reply does not come
    // while the issuing thread is still on its way to wait for it, even on a loaded machine.
    Message m(kRequestHeadroom);
    m.resize(256 * 1024);
    CallHandle h = ch->invokeAsync(kEchoIf, testing::kDelayedEcho, std::move(m),
                                   [&](uint32_t s, Reply&) { p.set_value(s); });
    ASSERT_TRUE(h.wait(5000ms));
    auto f = p.get_future();  // the completion may run on the thread that read the reply, after the wait
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(f.get(), status::kOk);
  };
  call();  // starts the reader
  std::vector<std::string> started;
  for (const std::string& tid : readerThreads())
    if (before.count(tid) == 0) started.push_back(tid);
  ASSERT_EQ(started.size(), 1u);
  const long first = voluntarySwitches(started[0]);
  ASSERT_GE(first, 0);
  for (int i = 0; i < 100; ++i) call();
  // A race now and then (a reply that comes before its caller waits) is allowed; a wake per call is not.
  EXPECT_LT(voluntarySwitches(started[0]) - first, 20) << "the reader woke for replies their callers read";
  // A call nobody waits for still completes: the reader wakes for its reply.
  std::promise<uint32_t> p;
  ch->invokeAsync(kEchoIf, testing::kAdd, addArgs(1, 2), [&](uint32_t s, Reply&) { p.set_value(s); });
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), status::kOk);
}

TEST_P(Rpc, CoCancelReachesStubWhichFaultsWithCancel) {
  auto ch = channel();
  std::promise<uint32_t> p;
  CallHandle h = ch->invokeAsync(kEchoIf, testing::kWaitCancel, Message::acquire(),
                                 [&](uint32_t s, Reply&) { p.set_value(s); });
  for (int i = 0; i < 200 && service_->heldCalls() == 0; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_FALSE(h.done());
  h.cancel();
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), status::kFaultCancel);
  EXPECT_TRUE(h.done());
}

TEST_P(Rpc, CallHandleWaitGivesUpAtItsTimeoutAndReturnsOnceTheCallIsDone) {
  auto ch = channel();
  EXPECT_TRUE(CallHandle().wait(0ms));  // no call: nothing to wait for
  std::promise<uint32_t> p;
  CallHandle h = ch->invokeAsync(kEchoIf, testing::kWaitCancel, Message::acquire(),
                                 [&](uint32_t s, Reply&) { p.set_value(s); });
  EXPECT_FALSE(h.wait(0ms));  // a poll
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(h.wait(100ms));  // the server holds the call: this thread reads, and gives up in time
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 5s);
  EXPECT_FALSE(h.done());  // giving up leaves the call alone
  h.cancel();              // the server faults it
  EXPECT_TRUE(h.wait());
  EXPECT_TRUE(h.done());
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), status::kFaultCancel);
  // A call that the server answers at once.
  std::promise<int32_t> sum;
  h = ch->invokeAsync(kEchoIf, testing::kAdd, addArgs(20, 22),
                      [&](uint32_t s, Reply& r) { sum.set_value(s == status::kOk ? int32Of(r) : -1); });
  EXPECT_TRUE(h.wait(5000ms));
  auto g = sum.get_future();
  ASSERT_EQ(g.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(g.get(), 42);
}

TEST_P(Rpc, AbandonedCallCompletesLocallyAndOrphansOnServer) {
  auto ch = channel();
  std::promise<uint32_t> p;
  CallHandle h = ch->invokeAsync(kEchoIf, testing::kHang, Message::acquire(),
                                 [&](uint32_t s, Reply&) { p.set_value(s); });
  for (int i = 0; i < 200 && service_->heldCalls() == 0; ++i) std::this_thread::sleep_for(2ms);
  h.abandon();
  EXPECT_EQ(p.get_future().get(), status::kCallCancelled);
  for (int i = 0; i < 200 && service_->cancelsSeen.load() == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(service_->cancelsSeen.load(), 1);
}

TEST_P(Rpc, ClientDropCancelsServerCallsAndClosesAssociation) {
  auto ch = channel();
  std::promise<uint32_t> p;
  ch->invokeAsync(kEchoIf, testing::kHang, Message::acquire(), [&](uint32_t s, Reply&) { p.set_value(s); });
  for (int i = 0; i < 200 && service_->heldCalls() == 0; ++i) std::this_thread::sleep_for(2ms);
  ch->disconnect();
  EXPECT_EQ(p.get_future().get(), status::kCallFailed);
  for (int i = 0; i < 400 && (service_->cancelsSeen.load() == 0 || service_->associationsClosed.load() == 0);
       ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(service_->cancelsSeen.load(), 1);
  EXPECT_GE(service_->associationsClosed.load(), 1);
  // The channel reconnects on the next call.
  Message a = addArgs(1, 2);
  EXPECT_EQ(int32Of(ch->invoke(kEchoIf, testing::kAdd, a)), 3);
}

TEST_P(Rpc, ShutdownFinishesOrFaultsEveryCallInFlight) {
  server_->shutdown();
  start(GetParam().workers, 200ms);
  if (GetParam().transport == Transport::kTcp6 && endpoint_.empty()) return;
  auto ch = channel();
  constexpr int kCalls = 6;
  std::vector<std::promise<uint32_t>> ps(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    // Half react to cancellation, half ignore it and are faulted when the grace period ends.
    uint16_t op = i % 2 == 0 ? testing::kWaitCancel : testing::kHang;
    ch->invokeAsync(kEchoIf, op, Message::acquire(), [&ps, i](uint32_t s, Reply&) { ps[i].set_value(s); });
  }
  for (int i = 0; i < 400 && service_->heldCalls() < kCalls; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(service_->heldCalls(), static_cast<size_t>(kCalls));
  server_->shutdown();
  for (int i = 0; i < kCalls; ++i) {
    auto f = ps[i].get_future();
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready) << i;
    EXPECT_EQ(f.get(), status::kFaultCancel) << i;
  }
  Message a = addArgs(1, 2);
  Reply r;
  uint32_t s = ch->tryInvoke(kEchoIf, testing::kAdd, a, r);
  EXPECT_TRUE(s == status::kCallFailed || s == status::kServerUnavailable || s == status::kServerTooBusy)
      << statusName(s);
}

TEST_P(Rpc, AsyncCallsCompletingInCallbacksIssueMoreCalls) {
  auto ch = channel();
  std::mutex mu;
  std::condition_variable cv;
  int completed = 0;
  constexpr int kTotal = 2000;
  std::atomic<int> issued{0};
  std::function<void()> issue;
  issue = [&] {
    int n = issued.fetch_add(1);
    if (n >= kTotal) return;
    ch->invokeAsync(kEchoIf, testing::kAdd, addArgs(n, 1), [&, n](uint32_t s, Reply& r) {
      EXPECT_EQ(s, 0u);
      EXPECT_EQ(int32Of(r), n + 1);
      issue();
      std::lock_guard lk(mu);
      ++completed;
      cv.notify_all();
    });
  };
  {
    Channel::Cork cork(*ch);
    for (int i = 0; i < 64; ++i) issue();
  }
  std::unique_lock lk(mu);
  ASSERT_TRUE(cv.wait_for(lk, 20s, [&] { return completed == kTotal; })) << completed;
}

INSTANTIATE_TEST_SUITE_P(Transports, Rpc,
                         ::testing::Values(Setup{Transport::kTcp4, 0}, Setup{Transport::kTcp4, 2},
                                           Setup{Transport::kTcp6, 0}, Setup{Transport::kLocal, 0},
                                           Setup{Transport::kInProcess, 0}, Setup{Transport::kInProcess, 3},
                                           Setup{Transport::kTcp4, 2, true},
                                           Setup{Transport::kLocal, 0, true},
                                           Setup{Transport::kInProcess, 3, true}),
                         name);

// ---- hostile peers, talking raw bytes to the server ----

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_shared<EchoService>();
    server_ = std::make_unique<Server>();
    server_->registerInterface(kEchoIf, testing::kOpCount, service_);
  }
  // Sends bytes and returns what the server sends back until it closes (or 500 ms of silence).
  std::vector<uint8_t> exchange(const std::vector<uint8_t>& bytes, bool closeWrite) {
    int fd = server_->adoptSocketPair();
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (closeWrite) ::shutdown(fd, SHUT_WR);
    std::vector<uint8_t> got;
    uint8_t buf[4096];
    while (true) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 500) <= 0) break;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got.insert(got.end(), buf, buf + n);
    }
    ::close(fd);
    return got;
  }
  void expectServerStillWorks() {
    auto ch = Channel::createInProcess(*server_);
    Message a = addArgs(20, 22);
    EXPECT_EQ(int32Of(ch->invoke(kEchoIf, testing::kAdd, a)), 42);
  }
  std::vector<uint8_t> bindBytes() {
    pdu::Bind b;
    b.contexts.push_back(pdu::ContextElement{0, kEchoIf, {kNdr20Syntax}});
    std::vector<uint8_t> out;
    pdu::encodeBind(out, pdu::PType::kBind, 3, 1, b);
    return out;
  }
  bool closed_ = false;
  std::shared_ptr<EchoService> service_;
  std::unique_ptr<Server> server_;
};

TEST_F(Hostile, GarbageHeaderClosesConnection) {
  std::vector<uint8_t> junk(64);
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 37 + 11);
  EXPECT_TRUE(exchange(junk, false).empty());
  EXPECT_TRUE(closed_);
  expectServerStillWorks();
}

TEST_F(Hostile, FragLengthZeroClosesConnection) {
  auto b = bindBytes();
  b[8] = 0;
  b[9] = 0;
  EXPECT_TRUE(exchange(b, false).empty());
  EXPECT_TRUE(closed_);
  expectServerStillWorks();
}

TEST_F(Hostile, HugeFragLengthWithShortBodyIsDroppedAtClose) {
  auto b = bindBytes();
  b[8] = 0xff;
  b[9] = 0xff;
  EXPECT_TRUE(exchange(b, true).empty());
  EXPECT_TRUE(closed_);
  expectServerStillWorks();
}

TEST_F(Hostile, TruncatedBindBodyClosesConnection) {
  auto b = bindBytes();
  b[24] = 9;  // claims nine presentation contexts
  EXPECT_TRUE(exchange(b, false).empty());
  EXPECT_TRUE(closed_);
  expectServerStillWorks();
}

TEST_F(Hostile, RequestBeforeBindFaultsWithUnknownInterface) {
  std::vector<uint8_t> req;
  pdu::Request q;
  pdu::encodeRequest(req, 3, 5, q, nullptr, 0);
  auto got = exchange(req, true);
  ASSERT_EQ(got.size(), 32u);
  pdu::View v;
  v.data = got.data();
  ASSERT_EQ(pdu::decodeHeader(got.data(), got.size(), v.header), pdu::HeaderStatus::kOk);
  EXPECT_EQ(pdu::decodeFault(v).status, status::kUnkIf);
  expectServerStillWorks();
}

TEST_F(Hostile, ResponsePduFromClientClosesConnection) {
  auto b = bindBytes();
  std::vector<uint8_t> resp;
  pdu::encodeResponse(resp, 3, 2, pdu::Response{}, nullptr, 0);
  b.insert(b.end(), resp.begin(), resp.end());
  auto got = exchange(b, false);
  EXPECT_TRUE(closed_);
  expectServerStillWorks();
}

TEST_F(Hostile, RandomBytesAfterBindNeverCrash) {
  uint32_t seed = 12345;
  for (int round = 0; round < 50; ++round) {
    auto b = bindBytes();
    std::vector<uint8_t> req;
    pdu::Request q;
    q.opnum = testing::kEcho;
    uint8_t stub[64] = {};
    pdu::encodeRequest(req, 3, 2, q, stub, sizeof stub);
    for (int k = 0; k < 6; ++k) {
      seed = seed * 1103515245 + 12345;
      req[(seed >> 8) % req.size()] = static_cast<uint8_t>(seed >> 16);
    }
    b.insert(b.end(), req.begin(), req.end());
    exchange(b, true);
  }
  expectServerStillWorks();
}

TEST_F(Hostile, InterleavedFragmentsOfTwoCallsAreReassembledPerCallId) {
  auto bytes = bindBytes();
  bytes[3] |= pdu::kConcMpx;  // two calls in flight at once need a multiplexed connection (MS-RPCE 3.3.1.5.8)
  pdu::Request q;
  q.opnum = testing::kEcho;
  auto frag = [&](uint32_t callId, uint8_t flags, const char* text) {
    pdu::encodeRequest(bytes, flags, callId, q, reinterpret_cast<const uint8_t*>(text), 8);
  };
  frag(2, pdu::kFirstFrag, "AAAAAAAA");
  frag(3, pdu::kFirstFrag, "BBBBBBBB");
  frag(2, pdu::kLastFrag, "aaaaaaaa");
  frag(3, 0, "bbbbbbbb");
  frag(3, pdu::kLastFrag, "cccccccc");
  auto got = exchange(bytes, true);
  std::map<uint32_t, std::string> replies;
  size_t pos = 0;
  while (pos < got.size()) {
    pdu::View v;
    v.data = got.data() + pos;
    ASSERT_EQ(pdu::decodeHeader(v.data, got.size() - pos, v.header), pdu::HeaderStatus::kOk);
    ASSERT_LE(v.header.fragLength, got.size() - pos);
    if (v.header.type == pdu::PType::kResponse) {
      pdu::Body body;
      pdu::decodeResponse(v, body);
      replies[v.header.callId].append(reinterpret_cast<const char*>(body.stub), body.stubLength);
    }
    pos += v.header.fragLength;
  }
  EXPECT_EQ(replies[2], "AAAAAAAAaaaaaaaa");
  EXPECT_EQ(replies[3], "BBBBBBBBbbbbbbbbcccccccc");
}

TEST(Channel, AsyncDeadlineIsKeptWhileAnotherCallerBlocksReading) {
  auto service = std::make_shared<EchoService>();
  Server server;
  server.registerInterface(kEchoIf, testing::kOpCount, service);
  auto ch = Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  std::promise<uint32_t> syncDone;
  std::thread blocker([&] {
    Message m = Message::acquire();
    Reply r;
    // The default deadline (minutes) is longer than the test: this caller reads until the disconnect.
    syncDone.set_value(ch->tryInvoke(kEchoIf, testing::kHang, m, r));
  });
  for (int i = 0; i < 400 && service->heldCalls() == 0; ++i) std::this_thread::sleep_for(2ms);
  std::promise<uint32_t> asyncDone;
  CallOptions o;
  o.timeout = 30ms;
  auto t0 = std::chrono::steady_clock::now();
  ch->invokeAsync(
      kEchoIf, testing::kHang, Message::acquire(), [&](uint32_t s, Reply&) { asyncDone.set_value(s); }, o);
  auto f = asyncDone.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), status::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  ch->disconnect();
  EXPECT_EQ(syncDone.get_future().get(), status::kCallFailed);
  blocker.join();
}

TEST(Channel, AFirstCallOnANewInterfaceUnderACorkIsNotHeldBack) {
  auto service = std::make_shared<EchoService>();
  Server server;
  server.registerInterface(kEchoIf, testing::kOpCount, service);
  SyntaxId second = kEchoIf;
  second.uuid.data1 ^= 1;  // the same service under another interface: the channel must alter_context
  server.registerInterface(second, testing::kOpCount, service);
  auto ch = Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  Message first = Message::acquire();
  Reply r;
  ASSERT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, first, r), status::kOk);  // connected and bound
  std::promise<uint32_t> done;
  {
    Channel::Cork cork(*ch);
    ch->invokeAsync(second, testing::kEcho, Message::acquire(),
                    [&](uint32_t s, Reply&) { done.set_value(s); });
  }
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(2s), std::future_status::ready);  // not held until the bind times out
  EXPECT_EQ(f.get(), status::kOk);
}

// A thread that waits for its bind's answer reads for everyone; a completion it reads may issue a call on
// another interface that is not bound yet. That callback must not run while the thread holds the bind lock.
// Made deterministic: the reader thread is held inside a first callback, so the binding thread leads and
// finds a second reply already waiting in the socket. (Holding a callback is what applications must not do;
// here it only fixes who reads.)
TEST(Channel, ACallbackThatBindsAnotherInterfaceDoesNotDeadlockAThreadThatIsBinding) {
  auto service = std::make_shared<EchoService>();
  Server server;
  SyntaxId second = kEchoIf, third = kEchoIf;
  second.uuid.data1 ^= 1;
  third.uuid.data1 ^= 2;
  for (const SyntaxId& id : {kEchoIf, second, third})
    server.registerInterface(id, testing::kOpCount, service);
  auto ch = Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  Message m = Message::acquire();
  Reply r;
  ASSERT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, m, r), status::kOk);

  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> readerHeld{false};
  ch->invokeAsync(kEchoIf, testing::kEcho, Message::acquire(), [&](uint32_t, Reply&) {
    readerHeld = true;
    released.wait();
  });
  for (int i = 0; i < 1000 && !readerHeld; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_TRUE(readerHeld);
  std::promise<uint32_t> thirdDone;
  ch->invokeAsync(kEchoIf, testing::kEcho, Message::acquire(), [&](uint32_t, Reply&) {
    ch->invokeAsync(third, testing::kEcho, Message::acquire(),
                    [&](uint32_t s, Reply&) { thirdDone.set_value(s); });
  });
  std::this_thread::sleep_for(50ms);  // its reply is in the socket; nobody reads

  std::promise<uint32_t> secondDone;
  std::thread binder([&] {
    Message mm = Message::acquire();
    Reply rr;
    secondDone.set_value(ch->tryInvoke(second, testing::kEcho, mm, rr));
  });
  // The binder binds at once; its request waits for the reader's callbacks to end (they cork the
  // connection), so let the first one go after the bind has surely been answered.
  std::this_thread::sleep_for(300ms);
  release.set_value();
  auto f = secondDone.get_future();
  if (f.wait_for(5s) != std::future_status::ready) {
    ADD_FAILURE() << "the binding thread deadlocked running a callback that binds another interface";
    std::_Exit(1);  // the deadlocked thread cannot be joined
  }
  EXPECT_EQ(f.get(), status::kOk);
  binder.join();
  auto t = thirdDone.get_future();
  ASSERT_EQ(t.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(t.get(), status::kOk);
}

TEST(Channel, EveryCallHasADeadlineUnlessTheApplicationRemovesIt) {
  EXPECT_GT(ChannelOptions{}.defaultTimeout.count(), 0);
  auto service = std::make_shared<EchoService>();
  Server server;
  server.registerInterface(kEchoIf, testing::kOpCount, service);
  ChannelOptions options;
  options.defaultTimeout = 50ms;  // what the default does, faster
  auto ch = Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"), options);
  Message m = Message::acquire();
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kHang, m, r), status::kTimeout);  // never a hang
}

TEST(Channel, LastReferenceDroppedInsideItsOwnCallback) {
  auto service = std::make_shared<EchoService>();
  Server server;
  server.registerInterface(kEchoIf, testing::kOpCount, service);
  auto ch = Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  std::promise<uint32_t> done;
  auto* raw = ch.get();
  auto holder = std::make_shared<std::shared_ptr<Channel>>(std::move(ch));
  raw->invokeAsync(kEchoIf, testing::kAdd, addArgs(1, 2), [holder, &done](uint32_t s, Reply&) {
    holder->reset();  // the channel dies on its own reader thread
    done.set_value(s);
  });
  EXPECT_EQ(done.get_future().get(), 0u);
}

TEST(Server, RequestLargerThanReassemblyLimitClosesConnection) {
  auto service = std::make_shared<EchoService>();
  ServerOptions o;
  o.maxRequestSize = 100 * 1024;
  Server server(o);
  server.registerInterface(kEchoIf, testing::kOpCount, service);
  auto ch = Channel::createInProcess(server);
  Message big(kRequestHeadroom);
  big.resize(200 * 1024);
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, big, r), status::kCallFailed);
  Message small(kRequestHeadroom);
  small.resize(90 * 1024);
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, small, r), status::kOk);
  EXPECT_EQ(r.size(), 90u * 1024);
}

TEST(Channel, ReplyLargerThanLimitFailsTheCallOnly) {
  auto service = std::make_shared<EchoService>();
  Server server;
  server.registerInterface(kEchoIf, testing::kOpCount, service);
  ChannelOptions o;
  o.maxReplySize = 64 * 1024;
  auto ch = Channel::createInProcess(server, o);
  Message big(kRequestHeadroom);
  big.resize(200 * 1024);
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, testing::kEcho, big, r), status::kReplyTooBig);
  Message a = addArgs(2, 2);
  EXPECT_EQ(int32Of(ch->invoke(kEchoIf, testing::kAdd, a)), 4);
}

// A stub written the way generated code will be: ndr::Decoder over the request, ndr::Encoder into the
// response buffer behind its header room.
class NdrAddService : public Dispatcher {
 public:
  void dispatch(ServerCall& call) override {
    ndr::Decoder in(call.requestData(), call.requestSize());
    auto a = in.read<int32_t>();
    auto b = in.read<int32_t>();
    ndr::Encoder out(call.response().buffer(), call.response().headroom());
    out.write<int32_t>(a + b);
  }
};

TEST(Server, NdrStubsMarshalInPlaceAndDecodeErrorsFaultWithBadStubData) {
  const SyntaxId ndrIf{*Uuid::parse("5a3f4e2d-1c0b-4a9e-8d7c-6b5a4f3e2d1c"), 1, 0};
  Server server;
  server.registerInterface(ndrIf, 1, std::make_shared<NdrAddService>());
  auto ch = Channel::createInProcess(server);
  Message m = Message::acquire();
  {
    ndr::Encoder enc(m.buffer(), m.headroom());
    enc.write<int32_t>(30);
    enc.write<int32_t>(12);
  }
  EXPECT_EQ(m.size(), 8u);
  Reply r = ch->invoke(ndrIf, 0, m);
  ndr::Decoder dec(r.data(), r.size());
  EXPECT_EQ(dec.read<int32_t>(), 42);

  Message shortReq = Message::acquire();
  shortReq.append("\x01\x02", 2);
  Reply r2;
  EXPECT_EQ(ch->tryInvoke(ndrIf, 0, shortReq, r2), status::kBadStubData);
}

TEST(Server, NcalrpcSocketFileIsRemovedAtShutdown) {
  std::string path = "/tmp/midlrt-rpc-unlink-" + std::to_string(::getpid()) + ".sock";
  {
    Server server;
    server.listen("ncalrpc:[" + path + "]");
    EXPECT_EQ(::access(path.c_str(), F_OK), 0);
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST(Channel, ConnectFailureReportsServerUnavailable) {
  // Bind an ephemeral port, then close it so nothing listens there.
  std::string ep;
  {
    Server s;
    ep = s.listen("ncacn_ip_tcp:127.0.0.1[0]");
  }
  auto ch = Channel::create(ep);
  Message m = Message::acquire();
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, 0, m, r), status::kServerUnavailable);
}

TEST(Channel, InvalidStringBindingThrows) {
  EXPECT_THROW(Channel::create("ncacn_ip_tcp:host[port]"), RpcError);
}

// A partial binding asks the host's endpoint mapper on its first call: none listening is a call that
// fails, not a throw at creation.
TEST(Channel, APartialBindingWithoutAnEndpointMapperFailsItsCall) {
  Server unused;  // a free port, closed: nothing answers there
  const std::string ep = unused.listen("ncacn_ip_tcp:127.0.0.1[0]");
  const auto port = static_cast<uint16_t>(std::stoi(StringBinding::parse(ep).endpoint));
  unused.shutdown();
  ChannelOptions o;
  o.endpointMapperPort = port;
  auto ch = Channel::create("ncacn_ip_tcp:127.0.0.1", o);
  Message m = Message::acquire();
  Reply r;
  EXPECT_EQ(ch->tryInvoke(kEchoIf, 0, m, r), status::kServerUnavailable);
}

}  // namespace
}  // namespace midlrt::rpc
