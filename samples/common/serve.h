// What every sample server does around its interfaces: block the stop signals before the runtime starts
// threads, listen on the bindings of the command line, serve until SIGINT or SIGTERM, stop cleanly.
#pragma once

#include <csignal>
#include <functional>
#include <iostream>
#include <string>

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

// Listens on argv[1..] (printing each bound endpoint, after passing it to `listening` if given), then serves
// until a stop signal. The exit status.
inline int serveUntilStopped(midlrt::rpc::Server& server, const sigset_t& stop, int argc, char** argv,
                             const char* name,
                             const std::function<void(const std::string&)>& listening = nullptr) {
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string bound = server.listen(argv[i]);
      if (listening) listening(bound);
      std::cout << name << ": listening on " << bound << std::endl;
    }
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
