// Internal: sockets for each transport, and the batched output queue both sides write through.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/server.h"

namespace midlrt::rpc::detail {

// Connects to a string binding; returns a non-blocking socket with TCP_NODELAY, or throws RpcError
// (kServerUnavailable when nothing answers).
int connectTo(const StringBinding& binding, std::chrono::milliseconds timeout);

struct Listening {
  int fd = -1;
  std::string boundBinding;      // the endpoint as a string binding, ephemeral port resolved
  std::string secondaryAddress;  // what bind_ack reports: the port, or the socket path
  std::string socketPath;        // ncalrpc: the file to remove when the listener closes
};
// Creates a non-blocking listening socket; throws RpcError. `localSocketMode` (ncalrpc, when not negative):
// the socket file's permission bits, set before it listens.
Listening listenOn(const StringBinding& binding, int localSocketMode = -1);
// Who is at the other end of a connection: its address (TCP) or its process's credentials (Unix sockets).
// `inProcess`: the connection is a socket pair of Server::adoptSocketPair.
CallerInfo callerOf(int fd, bool inProcess);
// Accepts one connection (non-blocking, TCP_NODELAY where it applies); -1 when none is pending.
int acceptFrom(int listenFd);
void setNoDelay(int fd);
void setNonBlocking(int fd);
// The fragment size for PDUs written one write at a time (a streamed call's): `frag`, or on TCP the whole
// segments below it when its last segment would be less than half full. With TCP_NODELAY each write's
// last segment leaves alone: 65528-byte fragments over loopback's 65483-byte segments cost two packets
// each and about a third of the throughput. TCP's segment size moves (Linux bounds it by half the peer's
// largest window), so writers ask again now and then.
size_t segmentFittedFragment(int fd, size_t frag);
// Appends to `iov` the pieces that hold bytes [offset, offset + length) of the concatenation of `pieces`
// (a streamed message's body: the encoder's bytes, then a bulk write's, EncoderSink::writeThrough).
void slicePieces(std::span<const iovec> pieces, size_t offset, size_t length, std::vector<iovec>& iov);
// Sets `pieces` to a message's stub data in order: its buffer, cut where bulk writes were left in the
// writer's memory (Message::gatherLargeWrites), and those writes; returns the stub data's length.
size_t stubPieces(const Message& m, std::vector<iovec>& pieces);

// A socket's read buffer, page-aligned. The kernel copies what arrives out of the sender's page fragment,
// which in request/response traffic starts each message at a page boundary (the page is reused once the
// last message is read). Where `rep movsb` is fast (this AMD EPYC), a copy whose destination lies a few
// bytes past its source modulo 4096 runs at a tenth of its speed (a 64 KiB reply: 34 us instead of 3), and
// a large block from malloc lies 16 bytes past a page.
struct PageAlignedFree {
  void operator()(uint8_t* p) const noexcept { ::operator delete[](p, std::align_val_t{kPageSize}); }
  static constexpr size_t kPageSize = 4096;
};
using ReadBuffer = std::unique_ptr<uint8_t[], PageAlignedFree>;
inline ReadBuffer makeReadBuffer(size_t n) {
  return ReadBuffer(new (std::align_val_t{PageAlignedFree::kPageSize}) uint8_t[n]);
}
// Moves a read buffer's unread bytes [begin, end) to its first page, at the offset within a page they had:
// the next read continues the sender's bytes (a message of several fragments) at the alignment they arrived
// at. With nothing left, the next message starts on the page. Needs a page more room than the bytes kept.
inline void compactReadBuffer(uint8_t* buf, size_t& begin, size_t& end) {
  const size_t left = end - begin;
  const size_t to = left != 0 ? begin % PageAlignedFree::kPageSize : 0;
  if (left != 0 && begin != to) std::memmove(buf + to, buf + begin, left);
  begin = to;
  end = to + left;
}

// Whether writes to `fd` are copied into TCP's page fragments (an AF_INET or AF_INET6 stream socket), where
// steerClearOfSlowSocketCopy's rule holds.
bool copiesIntoPageFragments(int fd);
// A TCP write is copied by the kernel into the sending thread's page fragment, 32 KiB pages filled in
// order, which in request/response traffic is free again by the next write and so starts it at a page
// boundary: byte k of a write lands k bytes past one. A large piece whose (offset in the write - address)
// modulo 4096 falls in ndr::slowToCopy's window makes that copy crawl (64 KiB: 48 us a round trip instead
// of 28 here). An array from malloc's mmap'd chunks lies 16 bytes into its page, and a request's 24-byte
// header and a few bytes of conformance put it right there. Such pieces are copied (ndr::copyBytes, fast at
// any gap) into this thread's scratch pages at a gap of 0 for the kernel, and `iov` pointed at the copies,
// which live until the thread's next call. `offset`: where iov[0] starts in the write.
void steerClearOfSlowSocketCopy(iovec* iov, size_t count, size_t offset);

// Outgoing bytes: small PDUs are copied into one arena (consecutive ones form a single iovec), large
// bodies are referenced in place and kept alive by `keep`. flush() writes everything queued with as few
// sendmsg calls as the kernel allows (IOV_MAX iovecs each).
class OutQueue {
 public:
  void appendCopy(const void* data, size_t n);
  void appendRef(const uint8_t* data, size_t n, std::shared_ptr<const void> keep);
  bool empty() const { return segments_.empty(); }
  size_t pendingBytes() const { return pending_; }
  size_t arenaBytes() const { return arena_.size(); }  // copies held, sent or not (tests)
  void clear();
  enum class Result { kDone, kWouldBlock, kError };
  Result flush(int fd);
  // With the queue empty: writes `iov` without waiting and queues copies of what the socket did not take
  // (otherwise copies all of it behind what is queued, then flushes).
  Result writeOrCopy(int fd, iovec* iov, size_t count);
  // Writes go through steerClearOfSlowSocketCopy (for a TCP socket: copiesIntoPageFragments).
  void steerSlowCopies(bool on) { steer_ = on; }

 private:
  struct Segment {
    const uint8_t* ext;  // null: bytes live in arena_ at `offset`
    size_t offset;
    size_t length;
    std::shared_ptr<const void> keep;
  };
  // Drops the segments sent and, when the bytes sent are most of the arena, moves the rest to its front: a
  // queue that never drains whole (a peer that reads as fast as it is written to) does not grow forever.
  void compact();
  static constexpr size_t kArenaKept = 1u << 20;  // arena capacity kept once the queue drains
  std::vector<uint8_t> arena_;
  std::vector<Segment> segments_;
  size_t head_ = 0;  // first unsent segment
  size_t pending_ = 0;
  bool steer_ = false;
  std::vector<iovec> iov_;
};

// Writes all of iov to a non-blocking socket, waiting for POLLOUT as needed (with `steer`, through
// steerClearOfSlowSocketCopy). False on error.
bool writeAll(int fd, iovec* iov, int count, bool steer);

}  // namespace midlrt::rpc::detail
