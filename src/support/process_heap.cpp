#include "support/process_heap.h"

#include <cstdint>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace midlc {

size_t preferHugePagesForHeap(size_t reserve) {
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
  // Blocks up to 32 MiB (glibc's largest threshold) come from the heap rather than from mmaps of their own,
  // each faulted in afresh, and the heap's top is kept however much of it is free.
  if (mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || mallopt(M_TRIM_THRESHOLD, 1 << 30) != 1) return 0;
  // The heap grows once by `reserve` now: one block larger than what the start-up left free at its top, with
  // the reserve as padding; later growth pads by glibc's default again (mallopt(3): 128 KiB), so that an
  // address-space limit is met where the input needs it, not `reserve` before.
  const auto before = reinterpret_cast<uintptr_t>(sbrk(0));
  // Where the heap starts: the whole heap is advised, what the start-up allocated included, since the first
  // block after start-up is carved from the top the start-up left free, below `before`, and may span a 2 MiB
  // boundary there. The kernel backs each aligned 2 MiB of it not yet touched with one huge page.
  uintptr_t start = before;
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)
  start = before - mallinfo2().arena;  // the main arena's heap is contiguous, `arena` bytes up to `before`
#endif
  if (mallopt(M_TOP_PAD, static_cast<int>(reserve)) != 1) return 0;
  // (volatile: a compiler may drop a malloc whose block is only freed.)
  void* volatile grow = std::malloc(1 << 20);
  mallopt(M_TOP_PAD, 128 << 10);
  if (grow == nullptr) return 0;
  std::free(grow);
  const auto after = reinterpret_cast<uintptr_t>(sbrk(0));
  if (after <= before) return 0;
  constexpr uintptr_t kPage = 4096;
  const uintptr_t begin = (start + kPage - 1) & ~(kPage - 1);
  const uintptr_t end = after & ~(kPage - 1);
  if (end <= begin) return 0;
  if (madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) != 0) return 0;
  return end - begin;
#else
  (void)reserve;
  return 0;
#endif
}

}  // namespace midlc
