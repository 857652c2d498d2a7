// libFuzzer target: arbitrary bytes on a connection to a midlrt::rpc::Server (C706 chapter 12 PDUs: bind,
// alter_context, request fragments, co_cancel, orphaned, anything else). The server must answer, fault or
// close, never crash, overread or hang; the sanitizers and libFuzzer's leak and timeout checks judge.
//
// Input: the first byte chooses the prelude (bit 0: send a valid bind of the test interface first, so that
// the rest explores calls rather than the bind), the rest is written to the connection as it is. The
// server's answers are read and dropped; then the connection is half-closed and the server must close it.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "midlrt/rpc/uuid.h"

namespace {

using namespace midlrt::rpc;

const SyntaxId kFuzzIf{*Uuid::parse("7a1c0e52-9d3b-4f6a-8e21-3c4d5e6f7a8b"), 1, 0};

// Echo, two kinds of failure, and a deferred call that ends only when cancelled (co_cancel, orphaned or
// the connection closing): the paths a manager can take.
class FuzzService : public Dispatcher {
 public:
  void dispatch(ServerCall& call) override {
    switch (call.opnum()) {
      case 0:
        call.response().append(call.requestData(), call.requestSize());
        return;
      case 1:
        throw RpcError(status::kBadStubData, "refused");
      case 2:
        throw std::runtime_error("manager failed");
      default: {
        std::shared_ptr<ServerCall> held = call.defer();
        std::weak_ptr<ServerCall> weak = held;
        held->onCancel([weak] {
          if (auto c = weak.lock()) c->fault(status::kFaultCancel);
        });
        std::lock_guard lk(mu_);
        held_.push_back(std::move(held));
        if (held_.size() > 64) held_.erase(held_.begin());  // completed or cancelled long ago
        return;
      }
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<ServerCall>> held_;
};

Server& server() {
  static Server* s = [] {
    ServerOptions o;
    o.workerThreads = 1;
    o.maxRequestSize = 1u << 20;
    o.shutdownGrace = std::chrono::milliseconds(10);
    auto* srv = new Server(o);
    srv->registerInterface(kFuzzIf, 4, std::make_shared<FuzzService>());
    return srv;
  }();
  return *s;
}

std::vector<uint8_t> validBind() {
  pdu::Bind b;
  b.maxXmitFrag = b.maxRecvFrag = pdu::kDefaultMaxFrag;
  b.contexts.push_back(pdu::ContextElement{0, kFuzzIf, {kNdr20Syntax}});
  std::vector<uint8_t> out;
  pdu::encodeBind(out, pdu::PType::kBind, pdu::kFirstFrag | pdu::kLastFrag | pdu::kConcMpx, 1, b);
  return out;
}

// Writes `bytes` while reading (and dropping) what the server sends, so neither side blocks the other.
void exchange(int fd, const uint8_t* bytes, size_t n) {
  size_t sent = 0;
  while (sent < n) {
    pollfd p{fd, POLLIN | POLLOUT, 0};
    if (::poll(&p, 1, 1000) <= 0) return;
    if (p.revents & POLLIN) {
      uint8_t sink[4096];
      if (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) == 0) return;  // the server closed
    }
    if (p.revents & (POLLERR | POLLHUP)) return;
    if (p.revents & POLLOUT) {
      ssize_t w = ::send(fd, bytes + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (w < 0) return;
      sent += static_cast<size_t>(w);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  int fd = server().adoptSocketPair();
  if ((data[0] & 1) != 0) {
    std::vector<uint8_t> bind = validBind();
    exchange(fd, bind.data(), bind.size());
  }
  exchange(fd, data + 1, size - 1);
  ::shutdown(fd, SHUT_WR);
  // The server closes a connection whose peer has closed; read until it does (bounded).
  for (int rounds = 0; rounds < 100; ++rounds) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    uint8_t sink[4096];
    ssize_t r = ::recv(fd, sink, sizeof sink, 0);
    if (r <= 0) break;
  }
  ::close(fd);
  return 0;
}
