// A client process for the "client killed mid-call" test: issues a call the server holds, says so on
// stdout, and waits to be killed. Usage: held_client <string binding>
#include <unistd.h>

#include <cstdio>

#include "async/async_work.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto binding = midlrt::rpc::Channel::create(argv[1]);
  midlrt::async::AsyncState state;
  state.notifyNone();
  if (Work::Touch(state, binding, -3) != midlrt::rpc::status::kOk) return 1;
  std::puts("issued");
  std::fflush(stdout);
  ::pause();
  return 0;
}
