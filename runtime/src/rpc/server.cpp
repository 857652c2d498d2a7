// The RPC server's public face: registering interfaces, listening, in-process connections and shutdown. The
// I/O thread owns every socket (server_loop.cpp); calls run inline or on a worker pool (server_dispatch.cpp).
#include "midlrt/rpc/server.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gss_context.h"
#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc {

Server::Server(ServerOptions options) : impl_(std::make_unique<detail::ServerImpl>(options)) {}
Server::~Server() {
  impl_->shutdown();
}

void Server::registerInterface(const SyntaxId& id, uint16_t opCount, std::shared_ptr<Dispatcher> dispatcher,
                               InterfaceOptions options) {
  auto r = std::make_shared<detail::Registered>(
      detail::Registered{id, opCount, std::move(dispatcher), std::move(options)});
  std::lock_guard lk(impl_->regMu);
  impl_->interfaces.push_back(std::move(r));
}

void Server::registerAuthInfo(const ServerAuth& auth) {
  if (!detail::GssContext::supports(auth.service, AuthnLevel::kConnect))
    throw RpcError(status::kUnknownAuthnService, "authentication service " +
                                                     std::to_string(static_cast<int>(auth.service)) +
                                                     " is not provided by this runtime");
  // gss-ntlmssp takes its accounts from the environment; set once, here, before any connection needs it.
  if (!auth.ntlmUserFile.empty()) ::setenv("NTLM_USER_FILE", auth.ntlmUserFile.c_str(), 1);
  std::lock_guard lk(impl_->regMu);
  for (ServerAuth& a : impl_->auth) {
    if (a.service == auth.service) {
      a = auth;
      return;
    }
  }
  impl_->auth.push_back(auth);
}

std::string Server::listen(const std::string& binding) {
  StringBinding b = StringBinding::parse(binding);
  if (b.protseq == Protseq::kTcp && b.endpoint.empty()) b.endpoint = "0";  // a dynamic port
  std::lock_guard lk(impl_->lifeMu);
  if (impl_->stopping) throw RpcError(status::kServerTooBusy, "server is shut down");
  detail::Listening l = detail::listenOn(b, impl_->opts.localSocketMode);
  epoll_event ev{};
  ev.events = EPOLLIN;
  {
    std::lock_guard ll(impl_->listenMu);
    impl_->listeners.push_back(l);
    ev.data.u64 = impl_->listeners.size();
  }
  ::epoll_ctl(impl_->epfd, EPOLL_CTL_ADD, l.fd, &ev);
  impl_->ensureStarted();
  return l.boundBinding;
}

int Server::adoptSocketPair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
    throw RpcError(status::kCallFailed, "socketpair: " + std::string(std::strerror(errno)));
  std::lock_guard lk(impl_->lifeMu);
  if (impl_->stopping) {
    ::close(sv[0]);
    ::close(sv[1]);
    throw RpcError(status::kServerTooBusy, "server is shut down");
  }
  impl_->ensureStarted();
  {
    std::lock_guard a(impl_->adoptMu);
    impl_->adopted.push_back(sv[0]);
  }
  impl_->wake();
  return sv[1];
}

void Server::shutdown() {
  impl_->shutdown();
}

size_t Server::connectionCount() const {
  return impl_->connCount.load();
}

}  // namespace midlrt::rpc
