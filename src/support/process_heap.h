// How midlc's process asks for its heap. A compiler run is short and touches most of what it allocates once,
// so its cost is largely the kernel's: the first touch of each fresh 4 KiB page is a fault (about 2.5 µs
// here, a tenth of a typical run went to them). Backing the heap with transparent huge pages makes that one
// fault per 2 MiB.
#pragma once

#include <cstddef>

namespace midlc {

// Grows the heap by `reserve` bytes of address space (touched only when used) and advises the kernel to back
// the heap, reserve and all, with transparent huge pages; large blocks stay in the heap and its top is not
// given back, so memory freed by one file's stages is reused by the next instead of being faulted in again.
// For a process that ends soon after its work (midlc's main), not for a server. Does nothing where the C
// library or the kernel offers none of it (the kernel's transparent_hugepage setting "never" leaves 4 KiB
// pages: still correct).
// Returns how many bytes were advised (0 when nothing was).
size_t preferHugePagesForHeap(size_t reserve);

}  // namespace midlc
