// midlc's entry point: the command line (src/driver/command_line.cpp) in, the driver out, on a heap set up
// for a short run (support/process_heap.h). Nothing else lives here.
#include <cstdio>
#include <iostream>
#include <new>

#include "driver/command_line.h"
#include "driver/driver.h"
#include "support/process_heap.h"

int main(int argc, char** argv) {
  midlc::preferHugePagesForHeap(size_t{64} << 20);  // address space only: pages are touched as used
  midlc::driver::CommandLine command = midlc::driver::parseCommandLine({argv + 1, argv + argc});
  std::cout << command.out;
  std::cerr << command.err;
  if (!command.options) return command.exitStatus;
  command.options->freeAtEnd = false;  // the process ends next: the operating system frees faster
  try {
    return midlc::driver::run(*command.options, std::cout, std::cerr);
  } catch (const std::bad_alloc&) {
    // An input too large for the memory midlc may use (see the README's compiler limits) is the input's
    // problem, not a bug: say so as any error is said. Writing this allocates nothing.
    std::fputs("midlc: error: out of memory\n", stderr);
    return 1;
  } catch (const std::exception& e) {
    // Stages report through Diagnostics; anything that still escapes is a midlc bug, reported cleanly.
    std::cerr << "midlc: internal error: " << e.what() << "\n";
    return 2;
  }
}
