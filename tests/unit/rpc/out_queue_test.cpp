// The output queue both sides write through (runtime/src/rpc/io.h): bytes leave in order, and a queue that
// never drains whole keeps its memory to about what is still unsent.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "io.h"

namespace {

using midlrt::rpc::detail::compactReadBuffer;
using midlrt::rpc::detail::makeReadBuffer;
using midlrt::rpc::detail::OutQueue;
using midlrt::rpc::detail::ReadBuffer;

// A socket pair whose writing end takes little at a time.
struct SmallPipe {
  SmallPipe() {
    ::socketpair(AF_UNIX, SOCK_STREAM, 0, fd);
    int size = 64 * 1024;
    ::setsockopt(fd[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(fd[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  ~SmallPipe() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
  int fd[2] = {-1, -1};
};

TEST(OutQueue, AQueueThatNeverDrainsWholeKeepsItsArenaNearWhatIsUnsent) {
  SmallPipe p;
  OutQueue q;
  std::vector<uint8_t> chunk(16 * 1024), got(48 * 1024);
  uint32_t next = 0, expected = 0;
  size_t largestArena = 0, largestPending = 0;
  bool inOrder = true;
  // 64 MiB through the queue; the reader takes less than is written each round, so the queue is never
  // empty once it has filled, and copies keep being appended behind bytes still unsent.
  for (int round = 0; round < 4096; ++round) {
    for (size_t i = 0; i < chunk.size(); i += 4, ++next) std::memcpy(chunk.data() + i, &next, 4);
    q.appendCopy(chunk.data(), chunk.size());
    ASSERT_NE(q.flush(p.fd[0]), OutQueue::Result::kError);
    largestArena = std::max(largestArena, q.arenaBytes());
    largestPending = std::max(largestPending, q.pendingBytes());
    // Take whole words, three quarters of a chunk each round (the queue grows), and all of it now and then.
    const bool drain = round % 256 == 255;
    for (ssize_t r; (r = ::recv(p.fd[1], got.data(), drain ? got.size() : 12 * 1024, MSG_DONTWAIT)) > 0;) {
      ASSERT_EQ(r % 4, 0);
      for (ssize_t i = 0; i < r; i += 4) {
        uint32_t v;
        std::memcpy(&v, got.data() + i, 4);
        inOrder = inOrder && v == expected++;
      }
      if (!drain) break;
    }
    if (drain) {
      while (!q.empty()) {
        ASSERT_NE(q.flush(p.fd[0]), OutQueue::Result::kError);
        for (ssize_t r; (r = ::recv(p.fd[1], got.data(), got.size(), MSG_DONTWAIT)) > 0;)
          for (ssize_t i = 0; i < r; i += 4) {
            uint32_t v;
            std::memcpy(&v, got.data() + i, 4);
            inOrder = inOrder && v == expected++;
          }
      }
    }
  }
  EXPECT_TRUE(inOrder);
  EXPECT_GT(largestPending, 512u * 1024) << "the queue did back up";
  // The arena holds what is unsent plus at most as much already sent (compaction halves it).
  EXPECT_LE(largestArena, 2 * largestPending + 2 * chunk.size());
}

// Read buffers start on a page, whatever their size (a large block from malloc starts 16 bytes past one,
// where the kernel's copy of a received message runs at a tenth of its speed on this machine).
TEST(ReadBuffer, StartsOnAPage) {
  for (size_t n : {size_t{64}, size_t{128 * 1024}, size_t{512 * 1024}}) {
    ReadBuffer b = makeReadBuffer(n);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.get()) % 4096, 0u) << n;
    std::memset(b.get(), 1, n);  // all of it is ours
  }
}

// Compaction moves the unread bytes to the first page at the offset within a page they had, so that the
// next read continues them at the same alignment; with nothing left, the next read starts on the page.
TEST(ReadBuffer, CompactionKeepsTheOffsetWithinAPage) {
  ReadBuffer b = makeReadBuffer(3 * 4096);
  for (size_t i = 0; i < 3 * 4096; ++i) b[i] = static_cast<uint8_t>(i * 7);
  size_t begin = 2 * 4096 + 100, end = 2 * 4096 + 300;
  compactReadBuffer(b.get(), begin, end);
  EXPECT_EQ(begin, 100u);
  EXPECT_EQ(end, 300u);
  for (size_t i = 0; i < 200; ++i) ASSERT_EQ(b[100 + i], static_cast<uint8_t>((2 * 4096 + 100 + i) * 7)) << i;
  begin = end = 5000;
  compactReadBuffer(b.get(), begin, end);
  EXPECT_EQ(begin, 0u);
  EXPECT_EQ(end, 0u);
}

}  // namespace
