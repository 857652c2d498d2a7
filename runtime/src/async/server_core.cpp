// Deferred server calls: completion, cancel and client-disconnect notification.
#include "server_core.h"

#include <algorithm>

#include "midlrt/rpc/status.h"
#include "trace.h"

namespace midlrt::async::detail {

namespace {

// The calls of one association that want to hear of its close. One per association, as an attachment,
// with a single onClose hook (hooks are never removed, so one per call would grow without bound).
struct AssociationWatch {
  std::mutex mu;
  bool closed = false;
  std::vector<std::weak_ptr<ServerCore>> calls;
  size_t pruneAt = 64;
};

const int kWatchTag = 0;
std::mutex gWatchMu;  // get-or-create of the attachment

void watchAssociation(rpc::Association& a, const std::shared_ptr<ServerCore>& core) {
  std::shared_ptr<AssociationWatch> w;
  {
    std::lock_guard lk(gWatchMu);
    w = std::static_pointer_cast<AssociationWatch>(a.attachment(&kWatchTag));
    if (!w) {
      w = std::make_shared<AssociationWatch>();
      a.setAttachment(&kWatchTag, w);
      std::weak_ptr<AssociationWatch> weak = w;
      a.onClose([weak] {
        auto watch = weak.lock();
        if (!watch) return;
        std::vector<std::weak_ptr<ServerCore>> calls;
        {
          std::lock_guard lk2(watch->mu);
          watch->closed = true;
          calls.swap(watch->calls);
        }
        for (auto& c : calls) {
          if (auto core = c.lock()) core->markDisconnected();
        }
      });
    }
  }
  bool closed;
  {
    std::lock_guard lk(w->mu);
    closed = w->closed;
    if (!closed) {
      if (w->calls.size() >= w->pruneAt) {
        std::erase_if(w->calls, [](const std::weak_ptr<ServerCore>& c) { return c.expired(); });
        w->pruneAt = std::max<size_t>(64, w->calls.size() * 2);
      }
      w->calls.push_back(core);
    }
  }
  if (closed) core->markDisconnected();
}

}  // namespace

ServerCore::ServerCore(std::shared_ptr<rpc::ServerCall> call) : call_(std::move(call)) {}

ServerCore::~ServerCore() {
  // Dropped without an answer (the connection still holds the rpc::ServerCall): fault it, so that the
  // client is never left waiting.
  if (claim()) {
    if (traceId_ != 0) trace("server", traceId_, call_->callId(), "dropped");
    call_->fault(rpc::status::kCallFailed);
  }
}

std::shared_ptr<ServerCore> ServerCore::start(rpc::ServerCall& call) {
  std::shared_ptr<ServerCore> core(new ServerCore(call.defer()));
  if (traceEnabled()) {
    core->traceId_ = nextTraceId();
    core->started_ = std::chrono::steady_clock::now();
    trace("server", core->traceId_, call.callId(), "dispatched", "opnum=%u", call.opnum());
  }
  std::weak_ptr<ServerCore> weak = core;
  call.onCancel([weak] {
    if (auto c = weak.lock()) c->markCancelled();
  });
  watchAssociation(call.association(), core);
  return core;
}

void ServerCore::complete() {
  if (traceId_ != 0) {
    auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
    trace("server", traceId_, call_->callId(), "completed", "after %lldus",
          static_cast<long long>(us.count()));
  }
  call_->complete();
  dropCallbacks();
}

void ServerCore::dropCallbacks() {
  // Answered: later notifications are moot, and callbacks that hold a handle to this call would keep it
  // alive in a cycle.
  std::vector<std::function<void()>> a, b;
  std::lock_guard lk(mu_);
  a.swap(onCancel_);
  b.swap(onDisconnect_);
}

void ServerCore::fault(uint32_t status) {
  if (traceId_ != 0) trace("server", traceId_, call_->callId(), "faulted", "status=0x%08x", status);
  call_->fault(status);
  dropCallbacks();
}

bool ServerCore::cancelled() const {
  std::lock_guard lk(mu_);
  return cancelled_;
}

bool ServerCore::disconnected() const {
  std::lock_guard lk(mu_);
  return disconnected_;
}

void ServerCore::onCancel(std::function<void()> fn) {
  {
    std::lock_guard lk(mu_);
    if (!cancelled_) {
      onCancel_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

void ServerCore::onDisconnect(std::function<void()> fn) {
  {
    std::lock_guard lk(mu_);
    if (!disconnected_) {
      onDisconnect_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

void ServerCore::markCancelled() {
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard lk(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    fns.swap(onCancel_);
  }
  if (traceId_ != 0) trace("server", traceId_, call_->callId(), "cancel-seen");
  for (auto& f : fns) f();
}

void ServerCore::markDisconnected() {
  markCancelled();
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard lk(mu_);
    if (disconnected_) return;
    disconnected_ = true;
    fns.swap(onDisconnect_);
  }
  if (traceId_ != 0) trace("server", traceId_, call_->callId(), "client-disconnected");
  for (auto& f : fns) f();
}

}  // namespace midlrt::async::detail
