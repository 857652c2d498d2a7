// What every sample server does around its interfaces: block the stop signals before the runtime starts
// threads, listen on the bindings of the command line, serve until SIGINT or SIGTERM, stop cleanly.
#pragma once

#include <csignal>
#include <iostream>

#include "midlrt/rpc/server.h"

namespace samples {

// Call first in main(), before any thread exists, so that only sigwait() sees the stop signals.
inline sigset_t blockStopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  return stop;
}

// Listens on argv[1..] (printing each bound endpoint), then serves until a stop signal. The exit status.
inline int serveUntilStopped(midlrt::rpc::Server& server, const sigset_t& stop, int argc, char** argv,
                             const char* name) {
  try {
    for (int i = 1; i < argc; ++i)
      std::cout << name << ": listening on " << server.listen(argv[i]) << std::endl;
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 1;
  }
  int signal = 0;
  sigwait(&stop, &signal);
  server.shutdown();
  std::cout << name << ": stopped" << std::endl;
  return 0;
}

}  // namespace samples
