// Internal: byte vectors recycled between calls, so that a server in its steady state reassembles requests
// (and a client its replies) in memory already touched: a fresh buffer of a few hundred KiB per call costs a
// page fault per 4 KiB, and glibc hands freed ones back to the kernel (madvise) when they top a thread's
// heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace midlrt::rpc::detail {

class BufferPool {
 public:
  // `maxSpares` buffers are kept, each of at most `maxKept` bytes of capacity: memory above that high-water
  // mark goes back to the allocator.
  BufferPool(size_t maxSpares, size_t maxKept) : maxSpares_(maxSpares), maxKept_(maxKept) {}

  // An empty vector with the storage of a spare of at most `maxCapacity` bytes when one is kept: the smallest
  // that holds `want` bytes, else the largest; without storage when none fits.
  std::vector<uint8_t> take(size_t want, size_t maxCapacity = SIZE_MAX);
  // Keeps `v`'s storage for a later take(), if it is within the bounds; frees it otherwise.
  void give(std::vector<uint8_t>&& v) noexcept;

  // Spare buffers kept, and their capacity in all (for tests).
  size_t spares() const;
  size_t keptBytes() const;

 private:
  const size_t maxSpares_;
  const size_t maxKept_;
  mutable std::mutex mu_;
  std::vector<std::vector<uint8_t>> spares_;  // by capacity, ascending
};

// The server's reassembled requests (ServerCall's request data).
BufferPool& requestBuffers();
// The client's reassembled replies (Reply's storage).
BufferPool& replyBuffers();

}  // namespace midlrt::rpc::detail
