// Streaming pipes: a synchronous operation with pipes is dispatched at its request's first fragment, its
// manager pulls [in] chunks while the client still produces them, the server reads no further ahead than
// ServerOptions::pipeWindowBytes, and a pipe is not bounded by the largest request. The client's end
// (its pull failing, the call orphaned) and the server's (serving on) are checked too.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "midlrt/rpc/pdu.h"
#include "recording_pipes.h"

namespace {

using namespace pipes_test;

// A raw connection that binds to PipesSync (calls may overlap: PFC_CONC_MPX) and sends requests, reading
// nothing unless asked: a client that does not take its responses.
class SilentPeer {
 public:
  explicit SilentPeer(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~SilentPeer() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Binds (and reads the bind_ack), then sends a request: whole, or (`first`) only its first fragment.
  bool call(uint16_t opnum, const std::vector<uint8_t>& stub, bool firstOnly = false) {
    if (!connected_) return false;
    midlrt::rpc::pdu::Bind b;
    b.contexts.push_back({0, PipesSync_ifspec, {midlrt::rpc::kNdr20Syntax}});
    std::vector<uint8_t> out;
    midlrt::rpc::pdu::encodeBind(
        out, midlrt::rpc::pdu::PType::kBind,
        midlrt::rpc::pdu::kFirstFrag | midlrt::rpc::pdu::kLastFrag | midlrt::rpc::pdu::kConcMpx, 1, b);
    if (!sendAll(out)) return false;
    uint8_t ack[1024];
    size_t got = 0;
    while (got < 10 || got < static_cast<size_t>(ack[8] | ack[9] << 8)) {
      ssize_t n = ::recv(fd_, ack + got, sizeof ack - got, 0);
      if (n <= 0) return false;
      got += static_cast<size_t>(n);
    }
    midlrt::rpc::pdu::Request q;
    q.opnum = opnum;
    out.clear();
    const uint8_t flags = midlrt::rpc::pdu::kFirstFrag | (firstOnly ? 0 : midlrt::rpc::pdu::kLastFrag);
    midlrt::rpc::pdu::encodeRequest(out, flags, 2, q, stub.data(), stub.size());
    return sendAll(out);
  }
  // Sends another request's first fragment on the bound connection (call_id `callId`).
  bool start(uint32_t callId, uint16_t opnum, const std::vector<uint8_t>& stub) {
    midlrt::rpc::pdu::Request q;
    q.opnum = opnum;
    std::vector<uint8_t> out;
    midlrt::rpc::pdu::encodeRequest(out, midlrt::rpc::pdu::kFirstFrag, callId, q, stub.data(), stub.size());
    return sendAll(out);
  }
  // The type and (for a fault) status of the next PDU; type 255 when none came within 5 s.
  std::pair<uint8_t, uint32_t> next() {
    std::vector<uint8_t> pdu(16);
    if (!readAll(pdu.data(), 16)) return {255, 0};
    const size_t length = pdu[8] | pdu[9] << 8;
    pdu.resize(std::max<size_t>(length, 16));
    if (!readAll(pdu.data() + 16, pdu.size() - 16)) return {255, 0};
    uint32_t status = 0;
    if (pdu[2] == 3 && pdu.size() >= 28) std::memcpy(&status, pdu.data() + 24, 4);
    return {pdu[2], status};
  }
  // The lengths of the response fragments of the call call() sent, up to the one with PFC_LAST_FRAG (empty
  // when something else came, or nothing within 5 s).
  std::vector<size_t> responseFragments() {
    std::vector<size_t> lengths;
    std::vector<uint8_t> pdu;
    while (true) {
      pdu.resize(16);
      if (!readAll(pdu.data(), 16) || pdu[2] != 2) return {};
      pdu.resize(pdu[8] | pdu[9] << 8);
      if (pdu.size() < 16 || !readAll(pdu.data() + 16, pdu.size() - 16)) return {};
      lengths.push_back(pdu.size());
      if (pdu[3] & midlrt::rpc::pdu::kLastFrag) return lengths;
    }
  }
  // Sends an orphaned PDU for the request call() sent.
  bool orphan() {
    std::vector<uint8_t> out;
    midlrt::rpc::pdu::encodeBare(out, midlrt::rpc::pdu::PType::kOrphaned,
                                 midlrt::rpc::pdu::kFirstFrag | midlrt::rpc::pdu::kLastFrag, 2);
    return sendAll(out);
  }

 private:
  bool readAll(uint8_t* p, size_t n) {
    pollfd pf{fd_, POLLIN, 0};
    for (size_t got = 0; got < n;) {
      if (::poll(&pf, 1, 5000) <= 0) return false;
      ssize_t r = ::recv(fd_, p + got, n - got, 0);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }
  bool sendAll(const std::vector<uint8_t>& b) {
    return ::send(fd_, b.data(), b.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(b.size());
  }
  int fd_ = -1;
  bool connected_ = false;
};

// A raw server for one connection: it accepts PipesSync's bind, records the lengths of one request's
// fragments, and answers it with `stub`; or (`resetAfter` fragments) resets the connection instead.
class RecordingServer {
 public:
  explicit RecordingServer(std::vector<uint8_t> stub, size_t resetAfter = 0)
      : stub_(std::move(stub)), resetAfter_(resetAfter) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listenFd_, 1) != 0 ||
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("listen");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~RecordingServer() {
    ::shutdown(listenFd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(listenFd_);
  }
  // After the client closed its connection: the server has served it.
  void join() { thread_.join(); }
  std::string binding() const { return "ncacn_ip_tcp:127.0.0.1[" + std::to_string(port_) + "]"; }
  std::vector<size_t> fragments;  // the request's, after join()

 private:
  void serve() {
    const int fd = ::accept(listenFd_, nullptr, nullptr);
    if (fd < 0) return;
    std::vector<uint8_t> pdu, out;
    auto read = [&] {
      pdu.resize(16);
      if (!readAll(fd, pdu.data(), 16)) return false;
      pdu.resize(pdu[8] | pdu[9] << 8);
      return pdu.size() >= 16 && readAll(fd, pdu.data() + 16, pdu.size() - 16);
    };
    using namespace midlrt::rpc::pdu;
    while (read()) {
      const uint32_t callId = pdu[12] | pdu[13] << 8 | pdu[14] << 16 | uint32_t{pdu[15]} << 24;
      if (pdu[2] == static_cast<uint8_t>(PType::kBind)) {
        BindAck ack;
        ack.assocGroupId = 0x1234;
        ack.results.push_back(ContextResultEntry{ContextResult::kAcceptance, 0, midlrt::rpc::kNdr20Syntax});
        out.clear();
        encodeBindAck(out, PType::kBindAck, kFirstFrag | kLastFrag | kConcMpx, callId, ack);
        ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      } else if (pdu[2] == static_cast<uint8_t>(PType::kRequest)) {
        fragments.push_back(pdu.size());
        if (resetAfter_ != 0 && fragments.size() == resetAfter_) {
          linger abort{1, 0};  // closing now sends RST: the client's next write fails
          ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
          break;
        }
        if ((pdu[3] & kLastFrag) == 0) continue;
        out.resize(kResponseHeaderSize);
        encodeResponseHeader(out.data(), kFirstFrag | kLastFrag, callId, Response{}, stub_.size());
        out.insert(out.end(), stub_.begin(), stub_.end());
        ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      }
    }
    ::close(fd);
  }
  static bool readAll(int fd, uint8_t* p, size_t n) {
    for (size_t got = 0; got < n;) {
      ssize_t r = ::recv(fd, p + got, n - got, 0);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }

  std::vector<uint8_t> stub_;
  size_t resetAfter_ = 0;
  int listenFd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// The segment size of a warmed-up loopback TCP connection, as its sender sees it: a probe connection that
// carries 8 MiB. (A receiver's own TCP_MAXSEG says nothing about what its peer sends.)
size_t loopbackSegmentSize() {
  const int l = ::socket(AF_INET, SOCK_STREAM, 0), c = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int mss = 0;
  if (::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(l, 1) == 0 &&
      ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) == 0 &&
      ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const int s = ::accept(l, nullptr, nullptr);
    std::thread drain([s] {
      std::vector<uint8_t> sink(1 << 20);
      while (::recv(s, sink.data(), sink.size(), 0) > 0) {
      }
    });
    const std::vector<uint8_t> block(1 << 20, 1);
    for (int i = 0; i < 8; ++i) ::send(c, block.data(), block.size(), MSG_NOSIGNAL);
    len = sizeof mss;
    ::getsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &mss, &len);
    ::shutdown(c, SHUT_WR);
    drain.join();
    ::close(s);
  }
  ::close(c);
  ::close(l);
  return static_cast<size_t>(mss);
}

// Over TCP, each fragment of a streamed call is its own write, and with TCP_NODELAY a write's last segment
// leaves alone: the fragments a stream is cut into fit whole segments (on loopback, 65480 bytes rather
// than the 65528 negotiated, which costs a second, 45-byte packet per fragment). TCP's segment size grows
// while the connection warms up, so the second half of a 16 MiB transfer is checked.
void expectFragmentsFitSegments(const std::vector<size_t>& fragments) {
  const size_t segment = loopbackSegmentSize();
  ASSERT_GT(fragments.size(), 200u);
  ASSERT_GT(segment, 1000u);
  for (size_t i = fragments.size() / 2; i + 1 < fragments.size(); ++i) {
    ASSERT_LE(fragments[i], segment) << "fragment " << i << " of " << fragments.size();
    ASSERT_GT(fragments[i], segment / 2) << "fragment " << i << " of " << fragments.size();
  }
}

uint16_t portOf(const std::string& binding) {
  return static_cast<uint16_t>(std::stoi(binding.substr(binding.find('[') + 1)));
}

// A pull function that fills every buffer with 1s, `total` values in all.
LONG_PIPE ones(size_t total, std::atomic<size_t>& produced) {
  return LONG_PIPE::source([total, &produced](std::span<int32_t> buffer) {
    const size_t n = std::min(buffer.size(), total - produced.load());
    std::fill_n(buffer.begin(), n, 1);
    produced.fetch_add(n);
    return n;
  });
}

}  // namespace

TEST_F(StreamingPipes, TheManagerPullsTheFirstChunkWhileTheClientStillProducesTheRest) {
  start();
  // The client's second pull waits until the manager has the first chunk: that only ends (without the
  // timeout) if the first chunk left before the client finished producing.
  bool managerHadIt = false;
  size_t pulls = 0;
  // A small first chunk: it leaves at once, not when a fragment's worth has been produced.
  LONG_PIPE values = LONG_PIPE::source([&](std::span<int32_t> buffer) -> size_t {
    if (++pulls == 1) {
      std::fill_n(buffer.begin(), 10, 2);
      return 10;
    }
    if (pulls == 2) managerHadIt = manager_->waitPulled(10, 10s);
    return 0;
  });
  int32_t count = 0;
  const int32_t sum = PipesSync::Sum(binding_, 1, values, count);
  EXPECT_TRUE(managerHadIt);
  EXPECT_EQ(count, 10);
  EXPECT_EQ(sum, 20);
}

TEST_F(StreamingPipes, APipeIsNotBoundedByTheLargestRequest) {
  midlrt::rpc::ServerOptions options;
  options.maxRequestSize = 1u << 20;
  options.maxReassemblyBytesPerConnection = 1u << 20;
  start(options);
  // 64 MiB of values through a server that accepts requests of 1 MiB at most.
  const size_t total = size_t{16} << 20;
  std::atomic<size_t> produced{0};
  LONG_PIPE values = ones(total, produced);
  int32_t count = 0;
  EXPECT_EQ(PipesSync::Sum(binding_, 1, values, count), static_cast<int32_t>(total));
  EXPECT_EQ(count, static_cast<int32_t>(total));
}

TEST_F(StreamingPipes, ASlowManagerSlowsTheClient) {
  midlrt::rpc::ServerOptions options;
  options.pipeWindowBytes = 256u << 10;
  start(options);
  manager_->pause = 1ms;                 // about 16 MiB/s at 16 KiB per pull
  const size_t total = size_t{4} << 20;  // 16 MiB
  std::atomic<size_t> produced{0};
  std::atomic<size_t> largestLead{0};
  LONG_PIPE values = LONG_PIPE::source([&](std::span<int32_t> buffer) {
    // How far the client is ahead of the manager: bounded by the server's window, the sockets' buffers
    // and a chunk, whatever the transfer's size.
    const size_t lead = produced.load() - manager_->pulled.load();
    largestLead.store(std::max(largestLead.load(), lead));
    const size_t n = std::min(buffer.size(), total - produced.load());
    std::fill_n(buffer.begin(), n, 1);
    produced.fetch_add(n);
    return n;
  });
  int32_t count = 0;
  EXPECT_EQ(PipesSync::Sum(binding_, 1, values, count), static_cast<int32_t>(total));
  // Loopback sockets buffer about 5 MiB here; without flow control the client would be 16 MiB ahead.
  EXPECT_LT(largestLead.load() * sizeof(int32_t), size_t{12} << 20);
}

TEST_F(StreamingPipes, AClientWhosePullFailsAbandonsTheCallAndTheServerServesOn) {
  start();
  size_t pulls = 0;
  LONG_PIPE failing = LONG_PIPE::source([&](std::span<int32_t> buffer) -> size_t {
    if (++pulls == 20) throw std::runtime_error("the source failed");
    std::fill(buffer.begin(), buffer.end(), 1);
    return buffer.size();
  });
  int32_t count = 0;
  EXPECT_THROW(PipesSync::Sum(binding_, 1, failing, count), std::runtime_error);
  // The manager learns it: its pull fails with the cancel status (the client orphaned the call).
  for (int i = 0; i < 500 && manager_->pullFailed.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(manager_->pullFailed.load(), midlrt::rpc::status::kCallCancelled);
  std::atomic<size_t> produced{0};
  LONG_PIPE values = ones(1000, produced);
  EXPECT_EQ(PipesSync::Sum(binding_, 3, values, count), 3000);
}

TEST_F(StreamingPipes, OutChunksLeaveAsPushedAndAClientThatDoesNotReadStopsTheManager) {
  midlrt::rpc::ServerOptions options;
  options.maxUnsentResponseBytes = 1u << 20;
  start(options);
  // Range(first 0, 16 M values (64 MiB), chunks of 1024): the peer never reads the response.
  SilentPeer peer(portOf(endpoint_));
  const std::vector<uint8_t> stub = {0, 0, 0, 0, 0, 0, 0, 1, 0, 4, 0, 0};
  ASSERT_TRUE(peer.call(1, stub));
  // The manager's pushes stop once the sockets and the server's queue are full: it is not allowed to push
  // the whole response into memory.
  manager_->waitUntilPushesStop();
  const size_t stalledAt = manager_->pushed.load() * sizeof(int32_t);
  EXPECT_GT(stalledAt, 0u);
  EXPECT_LT(stalledAt, size_t{16} << 20);
  // The peer goes away: the waiting push fails with the cancel status, and the server serves on.
  peer.close();
  for (int i = 0; i < 500 && manager_->pushFailed.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(manager_->pushFailed.load(), midlrt::rpc::status::kCallCancelled);
  std::vector<int32_t> got;
  LONG_PIPE values = LONG_PIPE::into(got);
  EXPECT_EQ(PipesSync::Range(binding_, 5, 3000, 700, values), 3000);
  ASSERT_EQ(got.size(), 3000u);
  EXPECT_EQ(got.back(), 3004);
}

TEST_F(StreamingPipes, TheClientPushesTheFirstOutChunkBeforeTheManagerReturns) {
  start();
  manager_->waitForClient = true;
  // After its first chunk (ten values, 40 bytes) the manager waits until the client has pushed it on.
  std::vector<int32_t> got;
  LONG_PIPE values = LONG_PIPE::sink([&](std::span<const int32_t> c) {
    got.insert(got.end(), c.begin(), c.end());
    if (!c.empty()) manager_->clientGot.set();
  });
  EXPECT_EQ(PipesSync::Range(binding_, 0, 60000, 10, values), 60000);
  EXPECT_TRUE(manager_->sawClient.load());
  ASSERT_EQ(got.size(), 60000u);
  EXPECT_EQ(got[59999], 59999);
}

TEST_F(StreamingPipes, ADownloadIsNotBoundedByTheLargestReply) {
  midlrt::rpc::ChannelOptions channel;
  channel.maxReplySize = 1u << 20;
  start({}, channel);
  // 64 MiB to a client that accepts replies of 1 MiB at most.
  const int32_t count = 16 << 20;
  int64_t sum = 0;
  int32_t received = 0;
  LONG_PIPE values = LONG_PIPE::sink([&](std::span<const int32_t> c) {
    for (int32_t v : c) sum += v;
    received += static_cast<int32_t>(c.size());
  });
  EXPECT_EQ(PipesSync::Range(binding_, 0, count, 4096, values), count);
  EXPECT_EQ(received, count);
  EXPECT_EQ(sum, int64_t{count} * (count - 1) / 2);
}

TEST_F(StreamingPipes, StreamedCallsBeyondTheThreadLimitAreRefusedNotExecuted) {
  midlrt::rpc::ServerOptions options;
  options.maxStreamedCallThreads = 1;
  start(options);
  // A peer starts Sum (scale 1, then a chunk of one value) and sends no more: its manager waits in pull.
  SilentPeer peer(portOf(endpoint_));
  ASSERT_TRUE(peer.call(0, {1, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0}, true));
  ASSERT_TRUE(manager_->waitPulled(1, 10s));
  std::atomic<size_t> produced{0};
  LONG_PIPE values = ones(10, produced);
  int32_t count = 0;
  try {
    PipesSync::Sum(binding_, 1, values, count);
    ADD_FAILURE() << "a second streamed call ran beside the first";
  } catch (const midlrt::rpc::RpcError& e) {
    EXPECT_EQ(e.status(), midlrt::rpc::status::kServerTooBusy);
    EXPECT_TRUE(e.didNotExecute());
  }
  // Once the first is gone (its peer closed: its pull fails), the next one runs.
  peer.close();
  for (int i = 0; i < 500 && manager_->pullFailed.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  bool ran = false;
  for (int i = 0; i < 100 && !ran; ++i) {
    produced = 0;
    LONG_PIPE again = ones(10, produced);
    try {
      ran = PipesSync::Sum(binding_, 2, again, count) == 20;
    } catch (const midlrt::rpc::RpcError&) {
      std::this_thread::sleep_for(10ms);  // its thread has not ended yet
    }
  }
  EXPECT_TRUE(ran);
}

TEST_F(StreamingPipes, AManagerThatFailsMidUploadFaultsTheCallAndNothingHangs) {
  start();
  manager_->failAfterPulled = 100000;
  // 16 MiB: the client sends all of it (the server discards what comes after the fault), then gets the fault.
  std::atomic<size_t> produced{0};
  LONG_PIPE values = ones(size_t{4} << 20, produced);
  int32_t count = 0;
  try {
    PipesSync::Sum(binding_, 1, values, count);
    ADD_FAILURE() << "the call succeeded";
  } catch (const midlrt::rpc::RpcError& e) {
    EXPECT_EQ(e.status(), midlrt::rpc::status::kCallFailed);
  }
  manager_->failAfterPulled = 0;
  produced = 0;
  LONG_PIPE again = ones(1000, produced);
  EXPECT_EQ(PipesSync::Sum(binding_, 1, again, count), 1000);
}

TEST_F(StreamingPipes, AManagerThatFailsMidDownloadFaultsTheCallAfterTheChunksItSent) {
  start();
  manager_->failAfterPushed = 1u << 20;
  size_t received = 0;
  LONG_PIPE values = LONG_PIPE::sink([&](std::span<const int32_t> c) { received += c.size(); });
  try {
    PipesSync::Range(binding_, 0, 8 << 20, 4096, values);
    ADD_FAILURE() << "the call succeeded";
  } catch (const midlrt::rpc::RpcError& e) {
    EXPECT_EQ(e.status(), midlrt::rpc::status::kCallFailed);
  }
  // What came before the fault reached the application; not all of it.
  EXPECT_GT(received, 0u);
  EXPECT_LE(received, size_t{1} << 20);
  manager_->failAfterPushed = 0;
  std::vector<int32_t> got;
  LONG_PIPE again = LONG_PIPE::into(got);
  EXPECT_EQ(PipesSync::Range(binding_, 1, 10, 4, again), 10);
  EXPECT_EQ(got.size(), 10u);
}

TEST_F(StreamingPipes, ADeadlineInTheMiddleOfADownloadEndsTheCallOnBothSides) {
  midlrt::rpc::ChannelOptions channel;
  channel.defaultTimeout = 300ms;
  start({}, channel);
  manager_->stallAfterPushed = 1u << 18;
  manager_->stall = 1s;
  size_t received = 0;
  LONG_PIPE values = LONG_PIPE::sink([&](std::span<const int32_t> c) { received += c.size(); });
  try {
    PipesSync::Range(binding_, 0, 1 << 20, 4096, values);
    ADD_FAILURE() << "the call succeeded";
  } catch (const midlrt::rpc::RpcError& e) {
    EXPECT_EQ(e.status(), midlrt::rpc::status::kTimeout);
  }
  EXPECT_GT(received, 0u);
  // The client orphaned the call: the manager's next push fails.
  for (int i = 0; i < 500 && manager_->pushFailed.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(manager_->pushFailed.load(), midlrt::rpc::status::kCallCancelled);
}

TEST(StreamingAsyncPipes, AnAsyncManagersPipesStreamBothWays) {
  midlrt::rpc::Server server;
  auto manager = std::make_shared<AsyncRecordingPipes>();
  Pipes_register(server, manager);
  midlrt::Binding binding = midlrt::rpc::Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  // Upload: the client's second pull waits until the manager has pulled the first chunk.
  bool managerHadIt = false;
  size_t pulls = 0;
  LONG_PIPE values = LONG_PIPE::source([&](std::span<int32_t> buffer) -> size_t {
    if (++pulls == 1) {
      std::fill_n(buffer.begin(), 10, 3);
      return 10;
    }
    if (pulls == 2) managerHadIt = manager->firstPulled.waitFor(10s);
    return 0;
  });
  int32_t count = 0;
  const int32_t sum = PipesSync::Sum(binding, 1, values, count);
  EXPECT_TRUE(managerHadIt);
  EXPECT_EQ(count, 10);
  EXPECT_EQ(sum, 30);
  // Download: the manager waits after its first chunk (ten values) until the client has pushed it on.
  size_t got = 0;
  LONG_PIPE sink = LONG_PIPE::sink([&](std::span<const int32_t> c) {
    got += c.size();
    if (!c.empty()) manager->clientGot.set();
  });
  EXPECT_EQ(PipesSync::Range(binding, 0, 60000, 10, sink), 60000);
  EXPECT_TRUE(manager->sawClient.load());
  EXPECT_EQ(got, 60000u);
  binding.reset();
  server.shutdown();
}

TEST_F(StreamingPipes, APeerThatTakesNothingForTheReadTimeoutIsClosedAndThePushFails) {
  midlrt::rpc::ServerOptions options;
  options.maxUnsentResponseBytes = 1u << 20;
  options.readTimeout = 300ms;
  start(options);
  SilentPeer peer(portOf(endpoint_));
  ASSERT_TRUE(peer.call(1, {0, 0, 0, 0, 0, 0, 0, 1, 0, 4, 0, 0}));  // Range(0, 16 M values, chunks of 1024)
  // The peer stays connected and reads nothing: the server closes it, and the manager's waiting push fails.
  for (int i = 0; i < 500 && manager_->pushFailed.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(manager_->pushFailed.load(), midlrt::rpc::status::kCallCancelled);
  EXPECT_LT(manager_->pushed.load() * sizeof(int32_t), size_t{16} << 20);
}

TEST_F(StreamingPipes, APushWaitingForAPeerThatOrphansTheCallFailsAtOnce) {
  midlrt::rpc::ServerOptions options;
  options.maxUnsentResponseBytes = 1u << 20;
  start(options);
  SilentPeer peer(portOf(endpoint_));
  ASSERT_TRUE(peer.call(1, {0, 0, 0, 0, 0, 0, 0, 1, 0, 4, 0, 0}));  // Range(0, 16 M values, chunks of 1024)
  manager_->waitUntilPushesStop();
  ASSERT_EQ(manager_->pushFailed.load(), 0u);
  ASSERT_TRUE(peer.orphan());  // still connected, still not reading
  for (int i = 0; i < 300 && manager_->pushFailed.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(manager_->pushFailed.load(), midlrt::rpc::status::kCallCancelled);
}

TEST_F(StreamingPipes, StreamedCallsInTurnReuseOneThread) {
  start();  // no workers: streamed calls run on threads of their own, kept for the next call a while
  for (int i = 0; i < 10; ++i) {
    std::atomic<size_t> produced{0};
    LONG_PIPE values = ones(100, produced);
    int32_t count = 0;
    EXPECT_EQ(PipesSync::Sum(binding_, 1, values, count), 100);
  }
  std::lock_guard lk(manager_->mu);
  ASSERT_EQ(manager_->threads.size(), 10u);
  // A call may arrive a moment before the thread of the one before is free again: then a second thread.
  std::vector<std::thread::id> distinct = manager_->threads;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  EXPECT_LE(distinct.size(), 3u);
}

TEST_F(StreamingPipes, StreamedRequestsStillArrivingAreBoundedPerConnection) {
  midlrt::rpc::ServerOptions options;
  options.maxPartialCallsPerConnection = 2;
  start(options);
  // Three Sums begun and never finished on one connection (their managers wait in pull): the third is
  // refused, not executed; the connection stays.
  SilentPeer peer(portOf(endpoint_));
  const std::vector<uint8_t> scaleAndOneValue = {1, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0};
  ASSERT_TRUE(peer.call(0, scaleAndOneValue, true));
  ASSERT_TRUE(peer.start(3, 0, scaleAndOneValue));
  ASSERT_TRUE(peer.start(4, 0, scaleAndOneValue));
  const auto [type, status] = peer.next();
  EXPECT_EQ(type, 3);  // fault
  EXPECT_EQ(status, midlrt::rpc::status::kServerTooBusy);
  EXPECT_TRUE(manager_->waitPulled(2, 10s));
}

TEST_F(StreamingPipes, AStreamedResponsesFragmentsFitTcpSegments) {
  start();
  SilentPeer peer(portOf(endpoint_));
  // Range(first 0, count 4M, chunk 16384): 16 MiB in 64 KiB chunks.
  ASSERT_TRUE(peer.call(1, {0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0x40, 0, 0}));
  const std::vector<size_t> fragments = peer.responseFragments();
  expectFragmentsFitSegments(fragments);
}

TEST(StreamingPipesWire, AStreamedRequestsFragmentsFitTcpSegments) {
  RecordingServer server({0, 0, 0x40, 0, 7, 0, 0, 0});  // count 4 M, result 7
  midlrt::Binding b = midlrt::rpc::Channel::create(server.binding());
  std::atomic<size_t> produced{0};
  LONG_PIPE values = ones(size_t{4} << 20, produced);
  int32_t count = 0;
  EXPECT_EQ(PipesSync::Sum(b, 1, values, count), 7);
  EXPECT_EQ(count, 4 << 20);
  b.reset();
  server.join();
  expectFragmentsFitSegments(server.fragments);
}

// A client that stops reading now and then fills the server's socket: the pushes written only in part
// queue the rest, and every value still arrives once and in order.
TEST_F(StreamingPipes, AClientThatPausesGetsEveryValueInOrder) {
  start();
  int32_t expected = 0;
  bool inOrder = true;
  size_t chunks = 0;
  LONG_PIPE values = LONG_PIPE::sink([&](std::span<const int32_t> c) {
    for (int32_t v : c) inOrder = inOrder && v == expected++;
    if (++chunks % 64 == 0) std::this_thread::sleep_for(30ms);
  });
  EXPECT_EQ(PipesSync::Range(binding_, 0, 4 << 20, 16384, values), 4 << 20);
  EXPECT_TRUE(inOrder);
  EXPECT_EQ(expected, 4 << 20);
}

// One TCP stream cannot keep a stalled pipe's bytes from holding the calls behind them without buffering
// them all, so a pipe that stalls holds its own connection; a non-causal channel gives the calls issued
// meanwhile another one. Here a download whose reader stops after its first chunk fills its connection,
// its manager stops pushing, and other calls (sync, and [async] with pipes) still complete.
TEST_F(StreamingPipes, ANonCausalChannelServesOtherCallsWhileOnePipeIsStalled) {
  midlrt::rpc::ChannelOptions channel;
  channel.nonCausal = true;
  channel.maxConnections = 2;
  channel.defaultTimeout = 20s;
  start({}, channel);
  RecordingPipes::Latch release;
  int32_t received = 0;
  std::thread download([&] {
    LONG_PIPE values = LONG_PIPE::sink([&](std::span<const int32_t> c) {
      if (received == 0) release.waitFor(20s);
      received += static_cast<int32_t>(c.size());
    });
    EXPECT_EQ(PipesSync::Range(binding_, 0, 16 << 20, 4096, values), 16 << 20);
  });
  manager_->waitUntilPushesStop();
  EXPECT_LT(manager_->pushed.load(), size_t{16} << 20) << "the download is stalled";
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    const std::vector<int32_t> three{1, 2, 3};
    LONG_PIPE some = LONG_PIPE::from(three);
    int32_t count = 0;
    EXPECT_EQ(PipesSync::Sum(binding_, 2, some, count), 12);
    midlrt::async::AsyncState state;
    EXPECT_EQ(asyncSum(state, binding_, 3, {1, 2}), 9);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  release.set();
  download.join();
  EXPECT_EQ(received, 16 << 20);
}

// The connection breaks while an [async] client pushes: the push that meets it fails, and the call's
// completion, which runs inside that push, may itself push and pull (both fail at once, nothing deadlocks).
TEST(StreamingPipesWire, AConnectionThatBreaksInsideAPushFailsTheCallAndItsNotification) {
  RecordingServer server({}, 8);  // resets after 8 request fragments
  midlrt::Binding b = midlrt::rpc::Channel::create(server.binding());
  midlrt::async::AsyncState state;
  midlrt::async::AsyncPipe<int32_t> values;
  std::atomic<uint32_t> pushInside{0}, pullInside{0};
  ASSERT_TRUE(state.notifyByCallback([&](midlrt::async::AsyncState&, midlrt::async::AsyncEvent event) {
    if (event != midlrt::async::AsyncEvent::kCallComplete) return;
    const std::vector<int32_t> more(10, 1);
    pushInside = values.push(more);
    std::array<int32_t, 4> buffer{};
    size_t n = 0;
    pullInside = values.pull(buffer, n);
  }));
  int32_t count = 0;
  ASSERT_EQ(Pipes::Sum(state, b, 1, values, count), 0u);
  const std::vector<int32_t> chunk(1 << 18, 1);  // 1 MiB
  uint32_t s = 0;
  for (int i = 0; i < 1000 && s == 0; ++i) s = values.push(chunk);
  EXPECT_NE(s, 0u) << "a push met the broken connection";
  ASSERT_TRUE(state.wait(10s));
  EXPECT_NE(state.complete(), 0u);
  EXPECT_NE(pushInside.load(), 0u);
  EXPECT_NE(pullInside.load(), 0u);
  b.reset();
  server.join();
}
