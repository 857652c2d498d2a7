// The output queue both sides write through (runtime/src/rpc/io.h): bytes leave in order, and a queue that
// never drains whole keeps its memory to about what is still unsent.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "io.h"

namespace {

using midlrt::rpc::detail::compactReadBuffer;
using midlrt::rpc::detail::copiesIntoPageFragments;
using midlrt::rpc::detail::makeReadBuffer;
using midlrt::rpc::detail::OutQueue;
using midlrt::rpc::detail::ReadBuffer;
using midlrt::rpc::detail::steerClearOfSlowSocketCopy;
using midlrt::rpc::detail::writeAll;

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

// Where byte `offset` of a write lies from the page offset the kernel copies it to (io.h): 0 is fast.
size_t kernelGap(const iovec& piece, size_t offset) {
  return (offset - reinterpret_cast<uintptr_t>(piece.iov_base)) % 4096;
}

uint8_t patternAt(size_t i) {
  return static_cast<uint8_t>(i * 131 + i / 4096);
}

// A write of a header and pieces of caller memory at chosen page offsets: the large pieces the kernel would
// copy 1 to 31 bytes past their source modulo 4096 are moved to copies at a gap of 0, the others stay.
TEST(SteerClearOfSlowSocketCopy, MovesOnlyLargePiecesInTheSlowWindow) {
  ReadBuffer memory = makeReadBuffer(16 * 65536);
  for (size_t i = 0; i < 16 * 65536; ++i) memory[i] = patternAt(i);
  uint8_t header[24] = {};
  // Offsets in the write: 0, 24, 24 + 65536, + 3000, + 100, + 65536.
  const size_t aAt = 2 * 65536 + 16;    // offset 24 - 16: 8 past the source, slow
  const size_t bAt = 4 * 65536 + 4000;  // gap far from the window
  const size_t cAt = 6 * 65536 + 3014;  // small: in the window, but copied by the kernel's short moves
  const size_t dAt = 8 * 65536 + 3000;  // in the window: slow
  std::vector<iovec> iov = {{header, sizeof header},
                            {memory.get() + aAt, 65536},
                            {memory.get() + bAt, 3000},
                            {memory.get() + cAt, 100},
                            {memory.get() + dAt, 65536}};
  const size_t dOffset = 24 + 65536 + 3000 + 100;
  iov[4].iov_base = memory.get() + dAt + (dOffset - dAt - 20) % 4096;  // gap 20
  ASSERT_EQ(kernelGap(iov[1], 24), 8u);
  ASSERT_EQ(kernelGap(iov[4], dOffset), 20u);
  ASSERT_FALSE(kernelGap(iov[2], 24 + 65536) < 32);
  ASSERT_LT(kernelGap(iov[3], 24 + 65536 + 3000) - 1, 31u);
  const std::vector<iovec> before = iov;
  steerClearOfSlowSocketCopy(iov.data(), iov.size(), 0);
  EXPECT_EQ(iov[0].iov_base, before[0].iov_base);
  EXPECT_EQ(iov[2].iov_base, before[2].iov_base);
  EXPECT_EQ(iov[3].iov_base, before[3].iov_base);
  EXPECT_NE(iov[1].iov_base, before[1].iov_base);
  EXPECT_NE(iov[4].iov_base, before[4].iov_base);
  EXPECT_EQ(kernelGap(iov[1], 24), 0u);
  EXPECT_EQ(kernelGap(iov[4], dOffset), 0u);
  for (size_t i = 0; i < iov.size(); ++i) {
    ASSERT_EQ(iov[i].iov_len, before[i].iov_len);
    EXPECT_EQ(std::memcmp(iov[i].iov_base, before[i].iov_base, iov[i].iov_len), 0) << i;
  }
  // The two copies do not overlap.
  auto* a = static_cast<uint8_t*>(iov[1].iov_base);
  auto* d = static_cast<uint8_t*>(iov[4].iov_base);
  EXPECT_TRUE(a + 65536 <= d || d + 65536 <= a);
  // Where the write starts further on (the rest of one the socket took in part), the gaps move with it.
  std::vector<iovec> later = {before[1], before[1]};
  steerClearOfSlowSocketCopy(later.data(), 1, 16);
  EXPECT_EQ(later[0].iov_base, before[1].iov_base) << "gap 0 at offset 16";
  steerClearOfSlowSocketCopy(later.data() + 1, 1, 40);
  EXPECT_EQ(kernelGap(later[1], 40), 0u) << "gap 24 at offset 40";
}

// Whatever is moved, the peer reads the same bytes: through writeAll and an OutQueue on TCP, with pieces in
// the window, one of them larger than the socket takes at once.
TEST(SteerClearOfSlowSocketCopy, TheBytesOnTheSocketAreTheWritersOwn) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int writer = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(writer, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const int reader = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(reader, 0);
  EXPECT_TRUE(copiesIntoPageFragments(writer));
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  EXPECT_FALSE(copiesIntoPageFragments(pair[0]));
  ::close(pair[0]);
  ::close(pair[1]);

  ReadBuffer memory = makeReadBuffer(4 << 20);
  for (size_t i = 0; i < (4 << 20); ++i) memory[i] = patternAt(i);
  uint8_t header[24];
  for (size_t i = 0; i < sizeof header; ++i) header[i] = static_cast<uint8_t>(0xA0 + i);
  // A piece moved (gap 8), then one too large for the scratch pages (gap 12: left where it is), more than
  // the socket takes at once.
  const size_t moved = 512 * 1024, big = 3 << 20;
  uint8_t* const movedFrom = memory.get() + 16;
  uint8_t* const bigFrom = memory.get() + 160 * 4096 + 12 + moved % 4096;
  std::vector<iovec> iov = {{header, sizeof header}, {movedFrom, moved}, {bigFrom, big}};
  ASSERT_EQ(kernelGap(iov[1], 24), 8u);
  ASSERT_EQ(kernelGap(iov[2], 24 + moved), 12u);
  std::vector<uint8_t> expected(header, header + sizeof header);
  expected.insert(expected.end(), movedFrom, movedFrom + moved);
  expected.insert(expected.end(), bigFrom, bigFrom + big);
  const auto expectedSize = expected.size();
  for (int round = 0; round < 2; ++round) {
    std::vector<uint8_t> got;
    std::thread drain([&] {
      std::vector<uint8_t> chunk(256 * 1024);
      while (got.size() < expectedSize) {
        const ssize_t r = ::recv(reader, chunk.data(), chunk.size(), 0);
        if (r <= 0) return;
        got.insert(got.end(), chunk.data(), chunk.data() + r);
      }
    });
    std::vector<iovec> sent = iov;
    if (round == 0) {
      EXPECT_TRUE(writeAll(writer, sent.data(), static_cast<int>(sent.size()), true));
    } else {
      OutQueue q;
      q.steerSlowCopies(true);
      auto r = q.writeOrCopy(writer, sent.data(), sent.size());
      while (r == OutQueue::Result::kWouldBlock) {
        ::usleep(1000);
        r = q.flush(writer);
      }
      EXPECT_EQ(r, OutQueue::Result::kDone);
    }
    drain.join();
    EXPECT_TRUE(got == expected) << "round " << round;
  }
  ::close(reader);
  ::close(writer);
  ::close(listener);
}

}  // namespace
