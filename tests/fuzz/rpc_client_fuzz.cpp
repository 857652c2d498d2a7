// libFuzzer target: arbitrary bytes from a server to a midlrt::rpc::Channel. A fake server on a local
// socket accepts the channel's connection, answers its bind with a valid bind_ack, reads its request and
// then sends the input as it is (responses, faults, fragments, anything), and closes. The call must end with
// a status (success, fault, protocol error, timeout), never crash, overread or hang.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/uuid.h"

namespace {

using namespace midlrt::rpc;

const SyntaxId kFuzzIf{*Uuid::parse("7a1c0e52-9d3b-4f6a-8e21-3c4d5e6f7a8b"), 1, 0};

// Reads one whole PDU (header's frag_length) into `pdu`; false if the peer closed or went quiet.
bool readPdu(int fd, std::vector<uint8_t>& pdu, pdu::Header& h) {
  pdu.clear();
  while (true) {
    if (pdu.size() >= pdu::kHeaderSize &&
        pdu::decodeHeader(pdu.data(), pdu.size(), h) == pdu::HeaderStatus::kOk && pdu.size() >= h.fragLength)
      return true;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) return false;
    uint8_t buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pdu.insert(pdu.end(), buf, buf + n);
  }
}

struct FakeServer {
  int listenFd = -1;
  std::string path;

  FakeServer() {
    path = "/tmp/midlrt-client-fuzz-" + std::to_string(::getpid()) + ".sock";
    ::unlink(path.c_str());
    listenFd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    if (::bind(listenFd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listenFd, 4) != 0) {
      std::perror("client_pdu_fuzz: listen");
      std::abort();
    }
  }

  // One connection: bind_ack for its bind, then the input after its request.
  void serve(const uint8_t* data, size_t size) {
    pollfd p{listenFd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) return;
    int fd = ::accept(listenFd, nullptr, nullptr);
    if (fd < 0) return;
    std::vector<uint8_t> in;
    pdu::Header h;
    if (readPdu(fd, in, h) && h.type == pdu::PType::kBind) {
      pdu::View v{h, in.data()};
      pdu::Bind b = pdu::decodeBind(v);
      pdu::BindAck ack;
      ack.maxXmitFrag = b.maxRecvFrag;
      ack.maxRecvFrag = b.maxXmitFrag;
      ack.assocGroupId = 1;
      ack.results.push_back(pdu::ContextResultEntry{});
      ack.results.back().transferSyntax = kNdr20Syntax;
      std::vector<uint8_t> out;
      pdu::encodeBindAck(out, pdu::PType::kBindAck, pdu::kFirstFrag | pdu::kLastFrag | pdu::kConcMpx,
                         h.callId, ack);
      ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (readPdu(fd, in, h)) ::send(fd, data, size, MSG_NOSIGNAL);
    }
    ::shutdown(fd, SHUT_WR);
    // Let the channel read everything before the connection goes.
    pollfd q{fd, POLLIN, 0};
    ::poll(&q, 1, 100);
    ::close(fd);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FakeServer* server = new FakeServer;
  std::thread peer([&] { server->serve(data, size); });
  {
    ChannelOptions o;
    o.defaultTimeout = std::chrono::milliseconds(500);
    o.maxReplySize = 1u << 20;
    auto ch = Channel::create("ncalrpc:[" + server->path + "]", o);
    Message m = Message::acquire();
    uint32_t tag = 0x01020304;
    m.append(&tag, sizeof tag);
    Reply r;
    try {
      // The call's request goes out with call_id 2 (the bind took 1): inputs that answer it get further.
      (void)ch->tryInvoke(kFuzzIf, 0, m, r);
    } catch (const std::exception&) {
      // A refused or failed bind is an answer too.
    }
  }
  peer.join();
  return 0;
}
