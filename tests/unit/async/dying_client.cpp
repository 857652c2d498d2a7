// A client process for DyingClient tests: begins one AsyncICalc call on the server at argv[1], says so on
// stdout, then waits to be killed with the call pending.
#include <unistd.h>

#include <cstdio>

#include "calc_service.h"

int main(int argc, char** argv) {
  using namespace midlrt::async::testing;
  if (argc != 2) return 2;
  auto channel = midlrt::rpc::Channel::create(argv[1]);
  auto proxy = makeObject<CalcProxy>(channel);
  auto call = newCall(proxy.get());
  if (!call || call->Begin_Add(1, 2) != S_OK) return 1;
  std::puts("begun");
  std::fflush(stdout);
  for (;;) ::pause();
}
