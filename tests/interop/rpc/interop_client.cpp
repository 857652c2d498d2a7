// Our client against a foreign server (impacket's DCERPCServer, see impacket_server.py): bind, calls and a
// fault. Replies stay below impacket's 4248-byte fragment size: its server writes the whole PDU's
// frag_length into every fragment, which a conforming client must reject as a protocol error.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/status.h"

namespace {
int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what.c_str());
  if (!ok) ++failures;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace midlrt::rpc;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s STRING_BINDING\n", argv[0]);
    return 2;
  }
  const SyntaxId echoIf{*Uuid::parse("6d0a2f2e-4c1b-4a8e-9d3c-1f2e3d4c5b6a"), 1, 0};
  auto ch = Channel::create(argv[1]);
  try {
    Message m = Message::acquire();
    int32_t args[2] = {40, 2};
    m.append(args, 8);
    Reply r = ch->invoke(echoIf, 1, m);
    int32_t sum = 0;
    if (r.size() == 4) std::memcpy(&sum, r.data(), 4);
    check(r.size() == 4 && sum == 42, "Add(40, 2) == 42 from impacket");

    Message e = Message::acquire();
    for (int i = 0; i < 1000; ++i) e.append(&i, 4);
    Reply er = ch->invoke(echoIf, 0, e);
    check(er.size() == e.size() && std::memcmp(er.data(), e.data(), e.size()) == 0, "4000-byte echo");

    Message u = Message::acquire();
    Reply ur;
    uint32_t s = ch->tryInvoke(echoIf, 7, u, ur);
    check(s == 0x6e4, "unsupported opnum surfaces impacket's fault status (" + statusName(s) + ")");
  } catch (const RpcError& ex) {
    check(false, std::string("unexpected RpcError: ") + ex.what());
  }
  return failures == 0 ? 0 : 1;
}
