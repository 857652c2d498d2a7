// Shutting the server down: stop listening, cancel the calls in flight, give them shutdownGrace, fault the
// rest with nca_s_fault_cancel, flush, close every connection and join the threads.
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <vector>

#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc::detail {

void ServerImpl::shutdown() {
  std::lock_guard lk(lifeMu);
  if (stopping.exchange(true)) return;
  if (running) {
    wake();
    io.join();
    {
      std::lock_guard q(qMu);
      qStop = true;
    }
    qCv.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    // Streamed calls on threads of their own: their connections are closed, so their pipes fail.
    std::unique_lock sl(spawnMu);
    streamStop = true;
    spawnCv.notify_all();
    spawnCv.wait(sl, [&] { return spawned == 0; });
    running = false;
  }
  {
    std::lock_guard l(listenMu);
    for (auto& x : listeners) {
      if (x.fd < 0) continue;
      ::close(x.fd);
      x.fd = -1;
      if (!x.socketPath.empty()) ::unlink(x.socketPath.c_str());
    }
  }
  std::lock_guard a(adoptMu);
  for (int fd : adopted) ::close(fd);
  adopted.clear();
}

void ServerImpl::cancelCalls(const std::shared_ptr<ServerConn>& c, bool orphaned) {
  std::vector<std::shared_ptr<ServerCall>> calls;
  {
    std::lock_guard lk(c->mu);
    for (auto& [id, call] : c->active) calls.push_back(call);
  }
  for (auto& call : calls) call->markCancelled(orphaned);
}

void ServerImpl::beginDrain() {
  draining = true;
  drainDeadline = std::chrono::steady_clock::now() + opts.shutdownGrace;
  {
    std::lock_guard lk(listenMu);
    for (auto& l : listeners) {
      if (l.fd < 0) continue;
      ::epoll_ctl(epfd, EPOLL_CTL_DEL, l.fd, nullptr);
      ::close(l.fd);
      l.fd = -1;
      if (!l.socketPath.empty()) ::unlink(l.socketPath.c_str());
    }
  }
  std::vector<std::shared_ptr<ServerConn>> all;
  for (auto& [id, c] : conns) all.push_back(c);
  for (auto& c : all) cancelCalls(c, false);
}

bool ServerImpl::drained() {
  for (auto& [id, c] : conns) {
    std::lock_guard lk(c->mu);
    if (!c->active.empty()) return false;
  }
  return true;
}

void ServerImpl::finishDrain() {
  std::vector<std::shared_ptr<ServerConn>> all;
  for (auto& [id, c] : conns) all.push_back(c);
  for (auto& c : all) {
    std::vector<std::shared_ptr<ServerCall>> left;
    {
      std::lock_guard lk(c->mu);
      for (auto& [id, call] : c->active) left.push_back(call);
    }
    for (auto& call : left) call->fault(status::kFaultCancel);
    // Give the peer a moment to take what is queued, then close.
    for (int tries = 0; tries < 20; ++tries) {
      std::unique_lock lk(c->mu);
      if (c->closed || c->out.empty()) break;
      c->flushLocked();
      if (c->out.empty()) break;
      int fd = c->fd;
      lk.unlock();
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 10);
    }
    closeConnection(c);
  }
}

}  // namespace midlrt::rpc::detail
