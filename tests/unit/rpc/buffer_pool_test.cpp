// The buffers requests and replies are reassembled in (runtime/src/rpc/buffer_pool.h): recycled within their
// bounds, and, through a real server, no fresh pages per call once warm.
#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "buffer_pool.h"
#include "echo_service.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/server.h"

namespace {

using midlrt::rpc::detail::BufferPool;

std::vector<uint8_t> withCapacity(size_t n) {
  std::vector<uint8_t> v;
  v.reserve(n);
  return v;
}

TEST(BufferPool, GivesBackTheSmallestSpareThatHoldsWhatIsWanted) {
  BufferPool pool(4, 1 << 20);
  for (size_t cap : {4096u, 65536u, 262144u}) pool.give(withCapacity(cap));
  EXPECT_EQ(pool.spares(), 3u);
  std::vector<uint8_t> v = pool.take(10000);
  EXPECT_EQ(v.capacity(), 65536u);
  EXPECT_TRUE(v.empty());
  // None holds a million: the largest there is.
  EXPECT_EQ(pool.take(1000000).capacity(), 262144u);
  // Bounded by the caller: none of at most 1000 bytes.
  EXPECT_EQ(pool.take(10, 1000).capacity(), 0u);
  EXPECT_EQ(pool.take(10).capacity(), 4096u);
  EXPECT_EQ(pool.spares(), 0u);
  EXPECT_EQ(pool.take(10).capacity(), 0u);
}

TEST(BufferPool, KeepsNoMoreThanItsBounds) {
  BufferPool pool(2, 1 << 20);
  pool.give(withCapacity(2 << 20));   // above the high-water mark: freed
  pool.give(std::vector<uint8_t>());  // no storage: nothing to keep
  EXPECT_EQ(pool.spares(), 0u);
  pool.give(withCapacity(1000));
  pool.give(withCapacity(3000));
  pool.give(withCapacity(2000));  // full: the smallest goes
  EXPECT_EQ(pool.spares(), 2u);
  EXPECT_EQ(pool.keptBytes(), 5000u);
  pool.give(withCapacity(500));  // smaller than every spare: dropped
  EXPECT_EQ(pool.keptBytes(), 5000u);
}

long minorFaults() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// A server and a client in this process, echoing 256 KiB (four fragments each way) and taking in 240 KB
// requests: once warm, each call reuses the pages of the one before (reassembly, response, reply). The
// allocator is told to hand every large block back to the kernel when it is freed, as glibc does on its own
// after some allocation patterns (a server that served other calls before): without the recycling, each call
// would fault in its buffers afresh.
TEST(BufferPool, ACallInTheSteadyStateTouchesNoFreshPages) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator ignores mallopt and keeps freed memory in quarantine";
#endif
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  ::mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  midlrt::rpc::Server server;
  server.registerInterface(midlrt::rpc::testing::kEchoIf, midlrt::rpc::testing::kOpCount,
                           std::make_shared<midlrt::rpc::testing::EchoService>());
  auto channel = midlrt::rpc::Channel::create(server.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  auto call = [&](size_t n) {
    midlrt::rpc::Message m = midlrt::rpc::Message::acquire();
    m.resize(n);
    std::memset(m.data(), 0x5a, n);
    midlrt::rpc::Reply r = channel->invoke(midlrt::rpc::testing::kEchoIf, midlrt::rpc::testing::kEcho, m);
    ASSERT_EQ(r.size(), n);
  };
  for (int i = 0; i < 20; ++i) {
    call(256 * 1024);
    call(240000);
    call(100);
  }
  const long before = minorFaults();
  constexpr int kCalls = 200;
  for (int i = 0; i < kCalls; ++i) {
    call(256 * 1024);
    call(240000);
    call(100);
  }
  const long faults = minorFaults() - before;
  // A fresh 256 KiB buffer alone would be 64 faults; allow a little for the rest of the process.
  EXPECT_LT(faults, kCalls) << faults << " page faults for " << 3 * kCalls << " calls";
}

}  // namespace
