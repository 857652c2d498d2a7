// RPC benchmarks: W1 small-call latency, W2 pipelined calls/s (64 in flight), W3 64 KiB echo MB/s, W4 an
// array of 10,000 structs in, their sum out, W5 960 KiB uploaded through an [in] pipe, W6 1 GiB uploaded
// through one [in] pipe and downloaded through one [out] pipe (with both processes' peak memory), each
// beside a plain TCP socket floor measured in the same run; W1, W3 to W6 also through midlc's generated
// stubs (bench.idl; W3 and W4 also with [cpp_view], and through [async] client functions). Server and client
// are separate processes, each pinned to its own CPU (--server-cpu, --client-cpu). --only auth: W1 and W3
// authenticated with NTLM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "bench.h"
#include "bench_async.h"
#include "echo_service.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/server.h"

namespace {

using Clock = std::chrono::steady_clock;
using midlrt::rpc::Channel;
using midlrt::rpc::Message;
using midlrt::rpc::Reply;
namespace t = midlrt::rpc::testing;

void pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// W4's work, the same in the floor's server and in the managers: the sum of x + y over `n` points laid out as
// NDR carries them ({long id; [4 bytes of padding]; double x; double y;}, 24 bytes each).
double sumPoints(const uint8_t* first, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    double x, y;
    std::memcpy(&x, first + i * 24 + 8, 8);
    std::memcpy(&y, first + i * 24 + 16, 8);
    sum += x + y;
  }
  return sum;
}

// Page-aligned bytes for the floor's socket buffers, as midlrt's read buffers are (runtime/src/rpc/io.h): on
// this machine the kernel copies into a buffer a few bytes past its source modulo 4096 (a large malloc'd
// block lies 16 bytes past a page) at a tenth of the speed, and the floor is the best a plain socket does.
class PageBytes {
 public:
  explicit PageBytes(size_t n, uint8_t fill = 0)
      : n_(n), p_(static_cast<uint8_t*>(std::aligned_alloc(4096, (n + 4095) / 4096 * 4096))) {
    if (p_ == nullptr) die("out of memory");
    std::memset(p_, fill, n);
  }
  ~PageBytes() { std::free(p_); }
  PageBytes(const PageBytes&) = delete;
  PageBytes& operator=(const PageBytes&) = delete;
  uint8_t* data() { return p_; }
  size_t size() const { return n_; }

 private:
  size_t n_;
  uint8_t* p_;
};

// ---- the plain-socket floor: frames of [u32 length][payload]; the server answers each frame with
// [u32 4][4 bytes] for 8-byte frames (the "add" shape) and echoes anything else; it parses every frame it
// has read and answers them with one send.

bool readFull(int fd, void* p, size_t n) {
  auto* b = static_cast<uint8_t*>(p);
  while (n > 0) {
    ssize_t r = ::recv(fd, b, n, 0);
    if (r <= 0) return false;
    b += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool writeFull(int fd, const void* p, size_t n) {
  auto* b = static_cast<const uint8_t*>(p);
  while (n > 0) {
    ssize_t r = ::send(fd, b, n, MSG_NOSIGNAL);
    if (r <= 0) return false;
    b += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

void rawServeConnection(int fd) {
  PageBytes in(1 << 20), out(1 << 20);  // `in` holds whole frames, so their answers fit in `out`
  size_t have = 0, outLen = 0;
  const auto answer = [&](const void* p, size_t n) {
    std::memcpy(out.data() + outLen, p, n);
    outLen += n;
  };
  while (true) {
    ssize_t r = ::recv(fd, in.data() + have, in.size() - have, 0);
    if (r <= 0) break;
    have += static_cast<size_t>(r);
    size_t pos = 0;
    outLen = 0;
    while (have - pos >= 4) {
      uint32_t len;
      std::memcpy(&len, in.data() + pos, 4);
      if (have - pos < 4 + size_t{len}) break;
      const uint8_t* body = in.data() + pos + 4;
      if ((len == 16 || len == 20) && std::memcmp(body, "DOWNLOAD", 8) == 0) {
        // W6's floor: send that many bytes, in writes of 1 MiB or of the size asked for.
        uint64_t left;
        std::memcpy(&left, body + 8, 8);
        uint32_t write = 1 << 20;
        if (len == 20) std::memcpy(&write, body + 16, 4);
        std::vector<uint8_t> block(write, 0x5a);
        while (left > 0) {
          const size_t n = static_cast<size_t>(std::min<uint64_t>(left, block.size()));
          if (!writeFull(fd, block.data(), n)) break;
          left -= n;
        }
      } else if (len > (128u << 10)) {  // W4's shape: a count, padding, the points; their sum back
        double sum = sumPoints(body + 8, (len - 8) / 24);
        const uint32_t eight = 8;
        answer(&eight, 4);
        answer(&sum, 8);
      } else if (len == 8) {
        int32_t a, b, s;
        std::memcpy(&a, body, 4);
        std::memcpy(&b, body + 4, 4);
        s = a + b;
        const uint32_t four = 4;
        answer(&four, 4);
        answer(&s, 4);
      } else {
        answer(in.data() + pos, 4 + len);
      }
      pos += 4 + len;
    }
    if (outLen != 0 && !writeFull(fd, out.data(), outLen)) break;
    std::memmove(in.data(), in.data() + pos, have - pos);
    have -= pos;
  }
  ::close(fd);
}

int listenTcp(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 16) != 0) die("listen");
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin_port);
  return fd;
}

int connectTcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) die("connect");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// The server process: the raw floor server and the RPC server; prints both ports to `out`, then serves
// until its stdin pipe closes.
// The generated interface's manager.
class BenchImpl : public Bench_Manager {
 public:
  int32_t Add(int32_t a, int32_t b) override { return a + b; }
  void Echo(int32_t, const std::vector<uint8_t>& data, std::vector<uint8_t>& copy) override { copy = data; }
  double Sum(int32_t, const std::vector<Point>& points) override {
    return sumPoints(reinterpret_cast<const uint8_t*>(points.data()), points.size());
  }
  int64_t Upload(BYTE_PIPE& data) override {
    int64_t total = 0;
    bool first = true;
    while (size_t n = data.pull(chunk_)) {
      if (first) firstPullAt_ = Clock::now().time_since_epoch().count();
      first = false;
      total += static_cast<int64_t>(n);
    }
    return total;
  }
  void Download(int64_t size, BYTE_PIPE& data) override {
    std::fill(chunk_.begin(), chunk_.end(), uint8_t{0x5a});
    for (int64_t left = size; left > 0;) {
      const auto n = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(chunk_.size())));
      data.push(std::span<const uint8_t>(chunk_.data(), n));
      left -= static_cast<int64_t>(n);
    }
    data.push({});
  }
  int64_t FirstPullAt() override { return firstPullAt_; }
  int64_t UploadArray(int32_t, const std::vector<uint8_t>& data) override {
    return static_cast<int64_t>(data.size());
  }
  void EchoView(int32_t, std::span<const uint8_t> data, std::vector<uint8_t>& copy) override {
    copy.assign(data.begin(), data.end());
  }
  double SumView(int32_t, std::span<const Point> points) override {
    return sumPoints(reinterpret_cast<const uint8_t*>(points.data()), points.size());
  }

 private:
  std::array<uint8_t, 65536> chunk_{};
  int64_t firstPullAt_ = 0;
};

// The [async] managers of the "[async] manager" rows (W3, W4), called by the generated synchronous client
// functions: each completes inside the manager, on the dispatch thread, so that the rows measure the
// asynchronous stub (its frame, its completion's marshaling) and not a hand-off to another thread. The pipe
// operations are measured through BenchImpl only (W5, W6).
class BenchAsyncImpl : public BenchAsync_Manager {
 public:
  void Add(AddCall call, int32_t a, int32_t b) override { call.complete(a + b); }
  void Echo(EchoCall call, int32_t, const std::vector<uint8_t>& data, std::vector<uint8_t>& copy) override {
    copy = data;
    call.complete();
  }
  void Sum(SumCall call, int32_t, const std::vector<AsyncPoint>& points) override {
    call.complete(sumPoints(reinterpret_cast<const uint8_t*>(points.data()), points.size()));
  }
  void Upload(UploadCall call, midlrt::async::AsyncPipe<uint8_t>&) override { call.abort(0); }
  int64_t UploadArray(int32_t, const std::vector<uint8_t>& data) override {
    return static_cast<int64_t>(data.size());
  }
  void Download(DownloadCall call, int64_t, midlrt::async::AsyncPipe<uint8_t>&) override { call.abort(0); }
};

// The NTLM account file of the authenticated rows, written by main before the server forks.
std::string gUsersFile;

void serverProcess(int cpu, int reportFd, int stopFd) {
  pin(cpu);
  uint16_t rawPort;
  int lfd = listenTcp(rawPort);
  std::thread([lfd] {
    while (true) {
      int c = ::accept(lfd, nullptr, nullptr);
      if (c < 0) return;
      int one = 1;
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::thread(rawServeConnection, c).detach();
    }
  }).detach();
  auto service = std::make_shared<t::EchoService>();
  midlrt::rpc::Server server;    // zero workers: calls run inline on the I/O thread
  midlrt::rpc::ServerAuth ntlm;  // for --only auth: the account gUsersFile holds
  ntlm.service = midlrt::rpc::AuthnService::kWinNT;
  ntlm.ntlmUserFile = gUsersFile;
  server.registerAuthInfo(ntlm);
  // Kerberos rows when run under a KDC (scripts/bench_auth.py sets these and KRB5_CONFIG).
  if (const char* keytab = std::getenv("MIDLRT_BENCH_KEYTAB")) {
    midlrt::rpc::ServerAuth krb5;
    krb5.service = midlrt::rpc::AuthnService::kGssKerberos;
    krb5.keytab = keytab;
    server.registerAuthInfo(krb5);
  }
  server.registerInterface(t::kEchoIf, t::kOpCount, service);
  Bench_register(server, std::make_shared<BenchImpl>());
  std::string binding = server.listen("ncacn_ip_tcp:127.0.0.1[0]");
  // BenchAsync has Bench's UUID: its [async] managers get a server of their own.
  midlrt::rpc::Server asyncServer;
  BenchAsync_register(asyncServer, std::make_shared<BenchAsyncImpl>());
  std::string asyncBinding = asyncServer.listen("ncacn_ip_tcp:127.0.0.1[0]");
  std::string report = std::to_string(rawPort) + " " + binding + " " + asyncBinding + "\n";
  if (::write(reportFd, report.data(), report.size()) < 0) die("write");
  char c;
  while (::read(stopFd, &c, 1) > 0) {
  }
  server.shutdown();
  asyncServer.shutdown();
  std::_Exit(0);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Peak resident memory (VmHWM, MiB) of a process since resetPeak (Linux: clear_refs 5 resets it to the
// current resident size).
void resetPeak(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/clear_refs";
  if (FILE* f = std::fopen(path.c_str(), "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}
double peakMiB(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return 0;
  char line[256];
  long kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
  std::fclose(f);
  return kb / 1024.0;
}

struct Latency {
  double medianUs, p99Us;
};

Latency summarize(std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  return Latency{us[us.size() / 2], us[us.size() * 99 / 100]};
}

template <typename F>
Latency measure(int warmup, int calls, F&& once) {
  for (int i = 0; i < warmup; ++i) once(i);
  std::vector<double> us;
  us.reserve(static_cast<size_t>(calls));
  for (int i = 0; i < calls; ++i) {
    auto t0 = Clock::now();
    once(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  return summarize(us);
}

double seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// W2 floor: 64 frames in flight on one socket; each reply triggers a new request.
double pipelinedFloor(uint16_t port, int total, bool batched) {
  int fd = connectTcp(port);
  constexpr int kDepth = 64;
  uint8_t frame[12] = {8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0};
  std::vector<uint8_t> out;
  auto t0 = Clock::now();
  int sent = 0, received = 0;
  auto sendFrames = [&](int n) {
    n = std::min(n, total - sent);
    if (n <= 0) return;
    if (batched) {
      out.clear();
      for (int i = 0; i < n; ++i) out.insert(out.end(), frame, frame + 12);
      writeFull(fd, out.data(), out.size());
    } else {
      for (int i = 0; i < n; ++i) writeFull(fd, frame, 12);
    }
    sent += n;
  };
  sendFrames(kDepth);
  std::vector<uint8_t> in(1 << 16);
  size_t have = 0;
  while (received < total) {
    ssize_t r = ::recv(fd, in.data() + have, in.size() - have, 0);
    if (r <= 0) die("recv");
    have += static_cast<size_t>(r);
    size_t frames = have / 8;
    received += static_cast<int>(frames);
    std::memmove(in.data(), in.data() + frames * 8, have - frames * 8);
    have -= frames * 8;
    sendFrames(static_cast<int>(frames));
  }
  double s = seconds(t0);
  ::close(fd);
  return total / s;
}

// W2 with the RPC channel: completions (on the channel's reading thread) issue the next call.
double pipelinedRpc(Channel& ch, int total) {
  constexpr int kDepth = 64;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<int> issued{0};
  int completed = 0;
  std::function<void()> issue = [&] {
    if (issued.fetch_add(1) >= total) return;
    Message m = Message::acquire();
    int32_t args[2] = {1, 2};
    m.append(args, 8);
    ch.invokeAsync(t::kEchoIf, t::kAdd, std::move(m), [&](uint32_t s, Reply&) {
      if (s != 0) die("async call failed");
      issue();
      std::lock_guard lk(mu);
      if (++completed == total) cv.notify_all();
    });
  };
  auto t0 = Clock::now();
  {
    Channel::Cork cork(ch);
    for (int i = 0; i < kDepth; ++i) issue();
  }
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return completed == total; });
  return total / seconds(t0);
}

// W2 through generated [async] client functions. A state is reusable once its callback has returned, so
// each completion issues the next call on a spare state and gives its own back afterwards (callbacks run on
// the channel's one reading thread, one at a time).
double pipelinedGenerated(const std::shared_ptr<Channel>& ch, int total) {
  constexpr int kDepth = 64;
  std::mutex mu;
  std::condition_variable cv;
  int issued = 0;
  int completed = 0;
  std::vector<std::unique_ptr<midlrt::async::AsyncState>> states;
  std::vector<midlrt::async::AsyncState*> spare;
  std::function<void(midlrt::async::AsyncState&)> onDone = [&](midlrt::async::AsyncState& state) {
    int32_t sum = 0;
    if (state.complete(&sum) != 0 || sum != 3) die("async call failed");
    if (issued < total) {
      ++issued;
      midlrt::async::AsyncState* next = spare.back();
      spare.pop_back();
      if (BenchAsync::Add(*next, ch, 1, 2) != 0) die("issue failed");
    }
    spare.push_back(&state);
    std::lock_guard lk(mu);
    if (++completed == total) cv.notify_all();
  };
  for (int i = 0; i < 2 * kDepth; ++i) {
    states.push_back(std::make_unique<midlrt::async::AsyncState>());
    states.back()->notifyByCallback(onDone);
  }
  for (int i = kDepth; i < 2 * kDepth; ++i) spare.push_back(states[static_cast<size_t>(i)].get());
  auto t0 = Clock::now();
  {
    Channel::Cork cork(*ch);
    for (int i = 0; i < kDepth; ++i, ++issued)
      if (uint32_t st = BenchAsync::Add(*states[static_cast<size_t>(i)], ch, 1, 2); st != 0) {
        std::fprintf(stderr, "status %u\n", st);
        die("issue failed");
      }
  }
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return completed == total; });
  return total / seconds(t0);
}

}  // namespace

int main(int argc, char** argv) {
  int serverCpu = 1, clientCpu = 0, calls = 20000, pipelined = 200000, bulk = 2000, w6MiB = 1024,
      w6Rounds = 5;
  int w6PushKiB = 1024;  // the [async] client's pushes and pulls (the sync client's stub pulls 1 MiB chunks)
  std::string only;  // w1 ... w6, or several (--only w1,w3,w4): run just those workloads, in the usual order
  std::string w6Rows = ",up,down,async-up,async-down,";  // W6's rows to run (the floors always run)
  bool floors = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (a == "--server-cpu") serverCpu = v;
    if (a == "--client-cpu") clientCpu = v;
    if (a == "--calls") calls = v;
    if (a == "--pipelined") pipelined = v;
    if (a == "--bulk") bulk = v;
    if (a == "--w6-mib") w6MiB = std::max(1, v);
    if (a == "--w6-rounds") w6Rounds = std::max(1, v);
    if (a == "--w6-push-kib") w6PushKiB = std::max(1, v);
    if (a == "--only") only = argv[i + 1];
    if (a == "--w6-rows") w6Rows = "," + std::string(argv[i + 1]) + ",";
    if (a == "--floors") floors = v != 0;
  }
  // Whether the workload runs: all of them without --only (auth aside), else those the list names. Several in
  // one run share the server, as a peer harness's would: W4 after W1 and W3 shows whether the server's
  // memory holds its figure (--only w1,w3,w4).
  const auto runs = [&](const char* w) {
    return only.empty() || ("," + only + ",").find("," + std::string(w) + ",") != std::string::npos;
  };
  gUsersFile = "/tmp/midlrt-bench-users-" + std::to_string(::getpid());
  if (FILE* f = std::fopen(gUsersFile.c_str(), "w")) {
    std::fputs("BENCH:bench:Bench-passw0rd\n", f);
    std::fclose(f);
  }
  int report[2], stop[2];
  if (::pipe(report) != 0 || ::pipe(stop) != 0) die("pipe");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(report[0]);
    ::close(stop[1]);
    serverProcess(serverCpu, report[1], stop[0]);
  }
  ::close(report[1]);
  ::close(stop[0]);
  pin(clientCpu);
  char buf[256] = {};
  size_t got = 0;
  while (got < sizeof buf - 1 && std::memchr(buf, '\n', got) == nullptr) {
    ssize_t r = ::read(report[0], buf + got, sizeof buf - 1 - got);
    if (r <= 0) die("server did not start");
    got += static_cast<size_t>(r);
  }
  unsigned rawPort = 0;
  char binding[200] = {}, asyncBinding[200] = {};
  if (std::sscanf(buf, "%u %199s %199s", &rawPort, binding, asyncBinding) != 3) die("bad server report");
  std::printf("server cpu %d, client cpu %d; rpc server at %s, zero workers\n\n", serverCpu, clientCpu,
              binding);

  int fd = connectTcp(static_cast<uint16_t>(rawPort));
  auto ch = Channel::create(binding);
  auto toAsyncManagers = Channel::create(asyncBinding);
  // W1: small call latency.
  if (runs("w1")) {
    uint8_t frame[12] = {8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0}, reply[8];
    Latency floorLat = measure(1000, calls, [&](int) {
      writeFull(fd, frame, 12);
      readFull(fd, reply, 8);
    });
    Latency rpcLat = measure(1000, calls, [&](int i) {
      Message m = Message::acquire();
      int32_t args[2] = {i, 2};
      m.append(args, 8);
      Reply r = ch->invoke(t::kEchoIf, t::kAdd, m);
      if (r.size() != 4) die("bad reply");
    });
    Latency genLat = measure(1000, calls, [&](int i) {
      if (Bench::Add(ch, i, 2) != i + 2) die("bad sum");
    });
    std::printf("W1 small call (2 x int32 in, int32 out), %d calls\n", calls);
    std::printf("  socket floor   median %7.2f us   p99 %7.2f us\n", floorLat.medianUs, floorLat.p99Us);
    std::printf("  midlrt rpc     median %7.2f us   p99 %7.2f us   (%.2fx floor median)\n", rpcLat.medianUs,
                rpcLat.p99Us, rpcLat.medianUs / floorLat.medianUs);
    std::printf("  generated stub median %7.2f us   p99 %7.2f us   (%.2fx floor median)\n\n", genLat.medianUs,
                genLat.p99Us, genLat.medianUs / floorLat.medianUs);
  }

  // W3: 64 KiB echo.
  if (runs("w3")) {
    constexpr size_t kBulk = 64 * 1024;
    PageBytes bulkOut(4 + kBulk, 0x5a), bulkIn(4 + kBulk);
    uint32_t bl = kBulk;
    std::memcpy(bulkOut.data(), &bl, 4);
    // MB/s of one way's payload through `call`, after 100 calls of warm-up.
    const auto rateMBs = [&](auto&& call) {
      for (int i = 0; i < 100; ++i) call();
      const auto t0 = Clock::now();
      for (int i = 0; i < bulk; ++i) call();
      return bulk * double(kBulk) / seconds(t0) / 1e6;
    };
    const double floorMBs = rateMBs([&] {
      writeFull(fd, bulkOut.data(), bulkOut.size());
      readFull(fd, bulkIn.data(), bulkIn.size());
    });
    auto bulkCall = [&] {
      Message m = Message::acquire();
      m.resize(kBulk);
      std::memset(m.data(), 0x5a, kBulk);
      Reply r = ch->invoke(t::kEchoIf, t::kEcho, m);
      if (r.size() != kBulk) die("bad echo");
    };
    const double rpcMBs = rateMBs(bulkCall);
    std::vector<uint8_t> data(kBulk, 0x5a), copy;
    const double genMBs = rateMBs([&] {
      Bench::Echo(ch, static_cast<int32_t>(kBulk), data, copy);
      if (copy.size() != kBulk) die("bad echo");
    });
    const double viewMBs = rateMBs([&] {
      Bench::EchoView(ch, static_cast<int32_t>(kBulk), data, copy);
      if (copy.size() != kBulk) die("bad echo");
    });
    // The same call through the [async] client function (bench_async.idl), one call at a time.
    midlrt::async::AsyncState echoState;
    const double asyncMBs = rateMBs([&] {
      if (BenchAsync::Echo(echoState, ch, static_cast<int32_t>(kBulk), data, copy) != 0) die("issue failed");
      echoState.wait();
      if (echoState.complete() != 0 || copy.size() != kBulk) die("bad async echo");
    });
    // The generated synchronous client function against the [async] manager.
    const double asyncManagerMBs = rateMBs([&] {
      Bench::Echo(toAsyncManagers, static_cast<int32_t>(kBulk), data, copy);
      if (copy.size() != kBulk) die("bad echo");
    });
    std::printf("W3 64 KiB byte-array echo, %d calls (MB/s of request payload)\n", bulk);
    std::printf("  socket floor   %8.1f MB/s\n", floorMBs);
    std::printf("  midlrt rpc     %8.1f MB/s   (%.2fx floor)\n", rpcMBs, rpcMBs / floorMBs);
    std::printf("  generated stub %8.1f MB/s   (%.2fx floor)\n", genMBs, genMBs / floorMBs);
    std::printf("  generated view %8.1f MB/s   (%.2fx floor)\n", viewMBs, viewMBs / floorMBs);
    std::printf("  [async] client %8.1f MB/s   (%.2fx floor)\n", asyncMBs, asyncMBs / floorMBs);
    std::printf("  [async] manager %7.1f MB/s   (%.2fx floor)\n\n", asyncManagerMBs,
                asyncManagerMBs / floorMBs);
  }

  // W4: an [in] array of 10,000 structs {long id; double x; double y;}, their sum back.
  if (runs("w4")) {
    constexpr size_t kPoints = 10000;
    std::vector<Point> points(kPoints);
    for (size_t i = 0; i < kPoints; ++i) points[i] = Point{static_cast<int32_t>(i), 0.5, 0.25};
    // The floor: the same bytes NDR carries (count, padding, points), summed by its server as the managers
    // do.
    std::vector<uint8_t> frame(4 + 4 + 4 + kPoints * 24, 0);
    uint32_t len = static_cast<uint32_t>(frame.size() - 4);
    std::memcpy(frame.data(), &len, 4);
    std::memcpy(frame.data() + 12, points.data(), kPoints * 24);
    uint8_t answer[12];
    Latency floorLat = measure(50, bulk, [&](int) {
      writeFull(fd, frame.data(), frame.size());
      readFull(fd, answer, sizeof answer);
      double sum;
      std::memcpy(&sum, answer + 4, 8);
      if (sum != 7500.0) die("bad floor sum");
    });
    Latency genLat = measure(50, bulk, [&](int) {
      if (Bench::Sum(ch, static_cast<int32_t>(kPoints), points) != 7500.0) die("bad sum");
    });
    Latency viewLat = measure(50, bulk, [&](int) {
      if (Bench::SumView(ch, static_cast<int32_t>(kPoints), points) != 7500.0) die("bad sum");
    });
    std::vector<AsyncPoint> asyncPoints(kPoints);
    for (size_t i = 0; i < kPoints; ++i) asyncPoints[i] = AsyncPoint{points[i].id, points[i].x, points[i].y};
    midlrt::async::AsyncState sumState;
    Latency asyncLat = measure(50, bulk, [&](int) {
      if (BenchAsync::Sum(sumState, ch, static_cast<int32_t>(kPoints), asyncPoints) != 0) die("issue failed");
      sumState.wait();
      double sum = 0;
      if (sumState.complete(&sum) != 0 || sum != 7500.0) die("bad async sum");
    });
    Latency asyncManagerLat = measure(50, bulk, [&](int) {
      if (Bench::Sum(toAsyncManagers, static_cast<int32_t>(kPoints), points) != 7500.0) die("bad sum");
    });
    std::printf("W4 [in] array of 10,000 structs {long; double; double}, their sum out, %d calls\n", bulk);
    std::printf("  socket floor   median %8.1f us   p99 %8.1f us\n", floorLat.medianUs, floorLat.p99Us);
    std::printf("  generated stub median %8.1f us   p99 %8.1f us   (%.2fx floor median)\n", genLat.medianUs,
                genLat.p99Us, genLat.medianUs / floorLat.medianUs);
    std::printf("  generated view median %8.1f us   p99 %8.1f us   (%.2fx floor median)\n", viewLat.medianUs,
                viewLat.p99Us, viewLat.medianUs / floorLat.medianUs);
    std::printf("  [async] client median %8.1f us   p99 %8.1f us   (%.2fx floor median)\n", asyncLat.medianUs,
                asyncLat.p99Us, asyncLat.medianUs / floorLat.medianUs);
    std::printf("  [async] manager median %7.1f us   p99 %8.1f us   (%.2fx floor median)\n\n",
                asyncManagerLat.medianUs, asyncManagerLat.p99Us,
                asyncManagerLat.medianUs / floorLat.medianUs);
  }
  // W5: 960 KiB per call through an [in] pipe, the total back; beside the same bytes as an [in] array.
  if (runs("w5")) {
    constexpr size_t kUpload = 960 * 1024;  // the floor server's frames must fit its 1 MiB buffer
    std::vector<uint8_t> frame(4 + kUpload, 0x5a);
    uint32_t len = kUpload;
    std::memcpy(frame.data(), &len, 4);
    uint8_t answer[12];
    auto floorCall = [&] {
      writeFull(fd, frame.data(), frame.size());
      readFull(fd, answer, sizeof answer);
    };
    std::vector<uint8_t> data(kUpload, 0x5a);
    auto pipeCall = [&] {
      BYTE_PIPE pipe = BYTE_PIPE::from(data);
      if (Bench::Upload(ch, pipe) != static_cast<int64_t>(kUpload)) die("bad upload");
    };
    auto arrayCall = [&] {
      if (Bench::UploadArray(ch, static_cast<int32_t>(kUpload), data) != static_cast<int64_t>(kUpload))
        die("bad upload");
    };
    auto rate = [&](auto&& call) {
      for (int i = 0; i < 20; ++i) call();
      auto t0 = Clock::now();
      const int n = std::max(1, bulk / 4);
      for (int i = 0; i < n; ++i) call();
      return n * double(kUpload) / seconds(t0) / 1e6;
    };
    const double floorMBs = rate(floorCall), pipeMBs = rate(pipeCall), arrayMBs = rate(arrayCall);
    std::printf("W5 960 KiB uploaded per call, %d calls (MB/s)\n", std::max(1, bulk / 4));
    std::printf("  socket floor             %8.1f MB/s\n", floorMBs);
    std::printf("  generated, [in] pipe     %8.1f MB/s   (%.2fx floor)\n", pipeMBs, pipeMBs / floorMBs);
    std::printf("  generated, [in] array    %8.1f MB/s   (%.2fx floor)\n\n", arrayMBs, arrayMBs / floorMBs);
  }
  // W6: 1 GiB through one [in] pipe, then through one [out] pipe, with both processes' peak memory. The
  // floors move a lot on a shared machine, so each round measures them again beside its rows, and the
  // figures are the rounds' medians (ratios taken within a round).
  if (runs("w6")) {
    const uint64_t total = uint64_t{static_cast<unsigned>(w6MiB)} << 20;
    constexpr size_t kFrame = 960 * 1024;
    std::vector<uint8_t> frame(4 + kFrame, 0x5a);
    uint32_t flen = kFrame;
    std::memcpy(frame.data(), &flen, 4);
    const auto rate = [&](Clock::time_point t0) { return double(total) / seconds(t0) / 1e6; };
    // Floors: the same bytes in 960 KiB frames, acknowledged at the end; and a raw stream from the server in
    // 1 MiB writes. Every uploading writer, floors included, fills each block before sending it (memset):
    // a pull function has to produce each chunk in the stub's buffer, and a floor that sends the same block
    // untouched would count that work against the pipe only. And the same with writes of one RPC fragment's
    // size (65480 bytes, whole loopback TCP segments), the most a pipe that sends each chunk as it is
    // produced writes at once.
    constexpr size_t kFragmentWrite = 65480;
    const auto floorUp = [&](size_t write) {
      const uint64_t frames = total / kFrame;
      auto t0 = Clock::now();
      for (uint64_t i = 0; i < frames; ++i) {
        std::memset(frame.data() + 4, 0x5a, kFrame);  // produced, as each pipe row's writer produces its data
        for (size_t off = 0; off < frame.size(); off += write)
          writeFull(fd, frame.data() + off, std::min(write, frame.size() - off));
      }
      std::vector<uint8_t> acks(12);
      for (uint64_t i = 0; i < frames; ++i) readFull(fd, acks.data(), acks.size());
      return double(frames * kFrame) / seconds(t0) / 1e6;
    };
    const auto floorDown = [&](uint32_t write) {
      uint8_t ask[24] = {20, 0, 0, 0, 'D', 'O', 'W', 'N', 'L', 'O', 'A', 'D'};
      std::memcpy(ask + 12, &total, 8);
      std::memcpy(ask + 20, &write, 4);
      PageBytes sink(1 << 20);  // page-aligned, as midlrt's read buffers are (see PageBytes)
      auto t0 = Clock::now();
      writeFull(fd, ask, sizeof ask);
      for (uint64_t left = total; left > 0;) {
        ssize_t r = ::recv(fd, sink.data(), static_cast<size_t>(std::min<uint64_t>(left, sink.size())), 0);
        if (r <= 0) die("floor download");
        left -= static_cast<uint64_t>(r);
      }
      return rate(t0);
    };
    if (Bench::Add(ch, 1, 1) != 2) die("bad sum");  // connected and bound outside the measurement
    std::vector<uint8_t> chunk(size_t{static_cast<unsigned>(w6PushKiB)} << 10, 0x5a);
    midlrt::async::AsyncState state;
    double firstPullMs = 0;
    // Upload: the pull function fills each chunk (memset), the manager counts what it pulls.
    const auto up = [&] {
      Clock::time_point firstChunk{};
      uint64_t produced = 0;
      BYTE_PIPE pipe = BYTE_PIPE::source([&](std::span<uint8_t> b) {
        if (produced == 0) firstChunk = Clock::now();
        const size_t n = static_cast<size_t>(std::min<uint64_t>(b.size(), total - produced));
        std::memset(b.data(), 0x5a, n);
        produced += n;
        return n;
      });
      auto t0 = Clock::now();
      if (Bench::Upload(ch, pipe) != static_cast<int64_t>(total)) die("bad upload");
      const double mbs = rate(t0);
      firstPullMs = double(Bench::FirstPullAt(ch) - firstChunk.time_since_epoch().count()) / 1e6;
      return mbs;
    };
    const auto down = [&] {
      uint64_t received = 0;
      BYTE_PIPE pipe = BYTE_PIPE::sink([&](std::span<const uint8_t> c) { received += c.size(); });
      auto t0 = Clock::now();
      Bench::Download(ch, static_cast<int64_t>(total), pipe);
      if (received != total) die("bad download");
      return rate(t0);
    };
    // The same through an [async] client's pipes: pushes, then pulls (waiting with pullWait), of
    // --w6-push-kib (1 MiB, as the sync client's stub pulls).
    const auto asyncUp = [&] {
      midlrt::async::AsyncPipe<uint8_t> pipe;
      auto t0 = Clock::now();
      if (BenchAsync::Upload(state, ch, pipe) != 0) die("issue failed");
      for (uint64_t sent = 0; sent < total;) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), total - sent));
        std::memset(chunk.data(), 0x5a, n);  // produced, as the sync row's pull function produces each chunk
        if (pipe.push(std::span<const uint8_t>(chunk.data(), n)) != 0) die("async push");
        sent += n;
      }
      if (pipe.push({}) != 0) die("async push");
      state.wait();
      int64_t uploaded = 0;
      if (state.complete(&uploaded) != 0 || uploaded != static_cast<int64_t>(total)) die("bad async upload");
      return rate(t0);
    };
    const auto asyncDown = [&] {
      midlrt::async::AsyncPipe<uint8_t> pipe;
      uint64_t received = 0;
      auto t0 = Clock::now();
      if (BenchAsync::Download(state, ch, static_cast<int64_t>(total), pipe) != 0) die("issue failed");
      for (size_t n = 1; n != 0;) {
        if (pipe.pullWait(chunk, n) != 0) die("async pull");
        received += n;
      }
      state.wait();
      if (state.complete() != 0 || received != total) die("bad async download");
      return rate(t0);
    };
    struct Row {
      const char* name;
      const char* label;
      bool upload;
      std::function<double()> run;
      std::vector<double> mbs, ratio, fragmentRatio;
      double clientPeak = 0, serverPeak = 0;
    };
    std::vector<Row> rows;
    rows.push_back({"up", "upload,   [in] pipe", true, up, {}, {}, {}});
    rows.push_back({"down", "download, [out] pipe", false, down, {}, {}, {}});
    const std::string asyncUpLabel = "upload,   async, " + std::to_string(w6PushKiB) + " KiB";
    const std::string asyncDownLabel = "download, async, " + std::to_string(w6PushKiB) + " KiB";
    rows.push_back({"async-up", asyncUpLabel.c_str(), true, asyncUp, {}, {}, {}});
    rows.push_back({"async-down", asyncDownLabel.c_str(), false, asyncDown, {}, {}, {}});
    std::vector<double> floorsUp, floorsDown, fragmentFloorsUp, fragmentFloorsDown, firstPulls;
    for (int round = 0; round < w6Rounds; ++round) {
      floorsUp.push_back(floorUp(frame.size()));
      floorsDown.push_back(floorDown(1u << 20));
      fragmentFloorsUp.push_back(floorUp(kFragmentWrite));
      fragmentFloorsDown.push_back(floorDown(kFragmentWrite));
      for (Row& r : rows) {
        if (w6Rows.find("," + std::string(r.name) + ",") == std::string::npos) continue;
        resetPeak(::getpid());
        resetPeak(pid);
        const double mbs = r.run();
        r.mbs.push_back(mbs);
        r.ratio.push_back(mbs / (r.upload ? floorsUp.back() : floorsDown.back()));
        r.fragmentRatio.push_back(mbs / (r.upload ? fragmentFloorsUp.back() : fragmentFloorsDown.back()));
        r.clientPeak = std::max(r.clientPeak, peakMiB(::getpid()));
        r.serverPeak = std::max(r.serverPeak, peakMiB(pid));
        if (std::string(r.name) == "up") firstPulls.push_back(firstPullMs);
      }
    }
    const auto range = [](const std::vector<double>& v) {
      return std::make_pair(*std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
    };
    std::printf(
        "W6 %d MiB through one pipe, %d rounds: medians of MB/s and of the ratios to the floors of the same\n"
        "round (floor A: 960 KiB writes up, 1 MiB down; floor B: 65480-byte writes, one fragment's);\n"
        "peak resident memory of each process, the largest of the rounds\n",
        w6MiB, w6Rounds);
    const auto floorRow = [&](const char* what, const std::vector<double>& v) {
      std::printf("  %-24s %8.1f MB/s   (rounds %.0f..%.0f)\n", what, median(v), range(v).first,
                  range(v).second);
    };
    floorRow("upload,   floor A", floorsUp);
    floorRow("upload,   floor B", fragmentFloorsUp);
    floorRow("download, floor A", floorsDown);
    floorRow("download, floor B", fragmentFloorsDown);
    for (Row& r : rows) {
      if (r.mbs.empty()) continue;
      std::printf(
          "  %-24s %8.1f MB/s   %.2fx A (%.2f..%.2f)  %.2fx B (%.2f..%.2f)   client %.1f MiB, server %.1f "
          "MiB\n",
          r.label, median(r.mbs), median(r.ratio), range(r.ratio).first, range(r.ratio).second,
          median(r.fragmentRatio), range(r.fragmentRatio).first, range(r.fragmentRatio).second, r.clientPeak,
          r.serverPeak);
      if (std::string(r.name) == "up" && !firstPulls.empty())
        std::printf("  first chunk produced -> manager's first pull: %.3f ms (median)\n", median(firstPulls));
    }
    std::printf("\n");
  }

  // Authentication's cost: W1 and W3 over channels authenticated with NTLM (connect level: only the bind;
  // pkt_integrity: every fragment signed and verified), beside an unauthenticated channel and the floor.
  if (only == "auth") {
    uint8_t frame[12] = {8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0}, reply[8];
    Latency floorLat = measure(1000, calls, [&](int) {
      writeFull(fd, frame, 12);
      readFull(fd, reply, 8);
    });
    constexpr size_t kBulk = 64 * 1024;
    PageBytes bulkOut(4 + kBulk, 0x5a), bulkIn(4 + kBulk);
    uint32_t bl = kBulk;
    std::memcpy(bulkOut.data(), &bl, 4);
    auto t0 = Clock::now();
    for (int i = 0; i < bulk; ++i) {
      writeFull(fd, bulkOut.data(), bulkOut.size());
      readFull(fd, bulkIn.data(), bulkIn.size());
    }
    double floorMBs = bulk * double(kBulk) / seconds(t0) / 1e6;
    std::printf(
        "Authentication (NTLM through gss-ntlmssp; Kerberos through MIT's GSSAPI under a KDC): W1 %d "
        "calls, W3 %d calls of 64 KiB each way\n",
        calls, bulk);
    std::printf("  socket floor              W1 median %7.2f us   W3 %8.1f MB/s\n", floorLat.medianUs,
                floorMBs);
    double plainUs = 0, plainMBs = 0;
    struct Row {
      const char* name;
      midlrt::rpc::ClientAuth auth;
    };
    using midlrt::rpc::AuthnLevel;
    using midlrt::rpc::AuthnService;
    std::vector<Row> rows = {
        {"unauthenticated", {}},
        {"NTLM, connect",
         {AuthnService::kWinNT, AuthnLevel::kConnect, "bench", "BENCH", "Bench-passw0rd", ""}},
        {"NTLM, pkt_integrity",
         {AuthnService::kWinNT, AuthnLevel::kPktIntegrity, "bench", "BENCH", "Bench-passw0rd", ""}},
    };
    const char* krbUser = std::getenv("MIDLRT_BENCH_KRB5_USER");
    const char* krbPassword = std::getenv("MIDLRT_BENCH_KRB5_PASSWORD");
    const char* krbService = std::getenv("MIDLRT_BENCH_KRB5_SERVICE");
    if (krbUser != nullptr && krbPassword != nullptr && krbService != nullptr) {
      for (auto [name, level] : {std::pair{"Kerberos, pkt_integrity", AuthnLevel::kPktIntegrity},
                                 {"Kerberos, pkt_privacy", AuthnLevel::kPktPrivacy}})
        rows.push_back({name, {AuthnService::kGssKerberos, level, krbUser, "", krbPassword, krbService}});
    }
    for (const Row& row : rows) {
      midlrt::rpc::ChannelOptions o;
      o.auth = row.auth;
      auto ach = Channel::create(binding, o);
      Latency lat = measure(1000, calls, [&](int i) {
        Message m = Message::acquire();
        int32_t args[2] = {i, 2};
        m.append(args, 8);
        if (ach->invoke(t::kEchoIf, t::kAdd, m).size() != 4) die("bad reply");
      });
      auto echo = [&] {
        Message m = Message::acquire();
        m.resize(kBulk);
        std::memset(m.data(), 0x5a, kBulk);
        if (ach->invoke(t::kEchoIf, t::kEcho, m).size() != kBulk) die("bad echo");
      };
      for (int i = 0; i < 100; ++i) echo();
      t0 = Clock::now();
      for (int i = 0; i < bulk; ++i) echo();
      double mbs = bulk * double(kBulk) / seconds(t0) / 1e6;
      const char* name = row.name;
      if (row.auth.service == AuthnService::kNone) {
        plainUs = lat.medianUs;
        plainMBs = mbs;
      }
      // Per call: the median's difference from the unauthenticated channel's; per MB: the time W3 adds for
      // each MB carried each way.
      std::printf(
          "  %-24s  W1 median %7.2f us (%.2fx floor, +%.2f us)   W3 %8.1f MB/s (%.2fx floor, +%.2f ms/MB)\n",
          name, lat.medianUs, lat.medianUs / floorLat.medianUs, lat.medianUs - plainUs, mbs, mbs / floorMBs,
          1e3 / mbs - 1e3 / plainMBs);
    }
    std::printf("\n");
  }

  ::close(fd);

  // W2: 64 calls in flight from one client thread.
  std::shared_ptr<Channel> ch2;
  if (runs("w2")) {
    double floorEach = floors ? pipelinedFloor(static_cast<uint16_t>(rawPort), pipelined, false) : 1;
    double floorBatched = floors ? pipelinedFloor(static_cast<uint16_t>(rawPort), pipelined, true) : 1;
    auto rate = [&](unsigned flushEvery) {
      midlrt::rpc::ChannelOptions o;
      o.callbackFlushEvery = flushEvery;
      ch2 = Channel::create(binding, o);
      Message m = Message::acquire();
      int32_t args[2] = {1, 2};
      m.append(args, 8);
      ch2->invoke(t::kEchoIf, t::kAdd, m);  // connect and bind outside the measurement
      return pipelinedRpc(*ch2, pipelined);
    };
    double batched = rate(0);
    double every16 = rate(16);
    double generated = pipelinedGenerated(ch2, pipelined);
    std::printf("W2 64 small calls in flight, one client thread, %d calls\n", pipelined);
    std::printf("  socket floor, one send per message    %10.0f calls/s\n", floorEach);
    std::printf("  socket floor, batched sends           %10.0f calls/s\n", floorBatched);
    std::printf("  midlrt rpc, one writev per batch      %10.0f calls/s   (%.2fx batched floor)\n", batched,
                batched / floorBatched);
    std::printf("  midlrt rpc, callbackFlushEvery = 16   %10.0f calls/s   (%.2fx batched floor)\n", every16,
                every16 / floorBatched);
    std::printf("  generated [async] stubs               %10.0f calls/s   (%.2fx batched floor)\n", generated,
                generated / floorBatched);
  }

  ch.reset();
  ch2.reset();
  std::remove(gUsersFile.c_str());
  ::close(stop[1]);
  int st;
  ::waitpid(pid, &st, 0);
  return 0;
}
