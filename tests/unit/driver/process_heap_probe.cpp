// Checks support/process_heap.h in a fresh process, as midlc's main calls it: the heap is advised for
// transparent huge pages, and a block allocated afterwards, large enough that glibc would have given it an
// mmap of its own, lies in the advised range. Exit 0 when it holds, 1 when not, 77 (skipped) where the heap
// is not glibc's (a sanitizer's allocator) or the kernel has no transparent huge pages.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "support/process_heap.h"

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerHeap = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitizerHeap = true;
#else
constexpr bool kSanitizerHeap = false;
#endif
#else
constexpr bool kSanitizerHeap = false;
#endif

// The VmFlags and AnonHugePages of the mapping holding `address`, from /proc/self/smaps.
bool mappingOf(uintptr_t address, std::string& flags, std::string& hugeKb) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false, found = false;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2 && line.find(':') > line.find(' ')) {
      if (found) break;
      inside = begin <= address && address < end;
      found = inside;
      continue;
    }
    if (!inside) continue;
    if (line.rfind("VmFlags:", 0) == 0) flags = line.substr(8);
    if (line.rfind("AnonHugePages:", 0) == 0) hugeKb = line.substr(14);
  }
  return found;
}

}  // namespace

int main() {
  if (kSanitizerHeap) {
    std::puts("skipped: a sanitizer's allocator is not glibc's heap");
    return 77;
  }
  if (!std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled")) {
    std::puts("skipped: this kernel has no transparent huge pages (madvise refuses MADV_HUGEPAGE)");
    return 77;
  }
  const size_t advised = midlc::preferHugePagesForHeap(size_t{64} << 20);
  if (advised < (size_t{32} << 20)) {
    std::printf("FAIL: %zu bytes advised, expected most of the 64 MiB reserve\n", advised);
    return 1;
  }
  const size_t size = size_t{4} << 20;  // above glibc's default mmap threshold (128 KiB, at most 32 MiB)
  auto* block = static_cast<char*>(std::malloc(size));
  if (block == nullptr) return 1;
  std::memset(block, 1, size);
  std::string flags, hugeKb;
  if (!mappingOf(reinterpret_cast<uintptr_t>(block) + size / 2, flags, hugeKb)) {
    std::puts("FAIL: the block's mapping is not in /proc/self/smaps");
    return 1;
  }
  std::istringstream words(flags);
  std::string word;
  bool huge = false;
  while (words >> word) huge = huge || word == "hg";
  std::printf("%zu MiB advised; a 4 MiB block's mapping: VmFlags%s, AnonHugePages%s\n", advised >> 20,
              flags.c_str(), hugeKb.c_str());
  if (!huge) {
    std::puts("FAIL: the block is not in a mapping advised for huge pages (VmFlags lacks hg)");
    return 1;
  }
  std::free(block);
  return 0;
}
