// The client call slot shared by call objects and AsyncState.
#include "client_op.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include "midlrt/rpc/status.h"
#include "trace.h"

namespace midlrt::async::detail {

using Clock = std::chrono::steady_clock;

ClientOp::~ClientOp() {
  if (efd_ >= 0) ::close(efd_);
}

void ClientOp::setNotify(std::function<void()> fn) {
  std::lock_guard lk(mu_);
  notify_ = std::move(fn);
}

void ClientOp::detachNotify() {
  std::unique_lock lk(mu_);
  notify_ = nullptr;
  waiters_.clear();
  doneCv_.wait(lk, [&] { return notifying_ == 0 || notifyThread_ == std::this_thread::get_id(); });
}

uint32_t ClientOp::begin(rpc::Channel& channel, const rpc::SyntaxId& iface, uint16_t opnum,
                         rpc::Message request, const rpc::CallOptions& options, bool& busy,
                         Streaming* streaming) {
  uint64_t seq;
  {
    std::lock_guard lk(mu_);
    busy = phase_ != Phase::kIdle;
    if (busy) return rpc::status::kOk;
    phase_ = Phase::kPending;
    seq = ++seq_;
    status_ = 0;
    reply_.storage().clear();
    handle_ = rpc::CallHandle();
    handleSet_ = false;
    callId_ = 0;
    cancels_.clear();
    issuing_ = true;
    streaming_ = streaming != nullptr;
    issueFailed_ = false;
    issuingThread_ = std::this_thread::get_id();
    setEventLocked(false);
    opnum_ = opnum;
    started_ = Clock::now();
    traceId_ = traceEnabled() ? nextTraceId() : 0;
  }
  if (traceId_ != 0) trace("client", traceId_, 0, "issued", "opnum=%u", opnum);
  rpc::CallHandle h;
  uint32_t thrown = rpc::status::kOk;
  try {
    rpc::Completion done = [self = shared_from_this(), seq](uint32_t s, rpc::Reply& r) {
      self->onComplete(seq, s, r);
    };
    if (streaming != nullptr) {
      streaming->call = channel.invokeStreaming(iface, opnum, std::move(request), std::move(done),
                                                std::move(streaming->arrived), options);
      if (streaming->call) h = streaming->call->handle();
    } else {
      h = channel.invokeAsync(iface, opnum, std::move(request), std::move(done), options);
    }
  } catch (const rpc::RpcError& e) {
    thrown = e.status() != 0 ? e.status() : rpc::status::kCallFailed;
  } catch (const std::bad_alloc&) {
    thrown = rpc::status::kReplyTooBig;
  } catch (...) {
    thrown = rpc::status::kCallFailed;
  }
  std::chrono::milliseconds grace{0};
  bool applyNow = false;
  uint32_t failed = rpc::status::kOk;
  {
    std::lock_guard lk(mu_);
    issuing_ = false;
    if (issueFailed_ || thrown != rpc::status::kOk) {
      failed = issueFailed_ ? status_ : thrown;
      if (failed == rpc::status::kOk) failed = rpc::status::kCallFailed;
      phase_ = Phase::kIdle;
      reply_.storage().clear();
      waiters_.clear();
      doneCv_.notify_all();
    } else {
      callId_ = h.callId();
      // A reply that raced ahead already finished the call; holding the channel's record then would keep
      // a reference cycle (its completion holds this op).
      if (phase_ == Phase::kPending) handle_ = h;
      handleSet_ = true;
      applyNow = cancels_.requested() && phase_ == Phase::kPending;
      grace = cancels_.grace();
    }
  }
  if (failed != rpc::status::kOk) {
    if (traceId_ != 0) trace("client", traceId_, h.callId(), "failed-to-issue", "status=0x%08x", failed);
    return failed;
  }
  if (traceId_ != 0) trace("client", traceId_, h.callId(), "sent", "opnum=%u", opnum);
  if (applyNow) applyCancel(seq, grace);
  return rpc::status::kOk;
}

void ClientOp::onComplete(uint64_t seq, uint32_t s, rpc::Reply& reply) {
  std::unique_lock lk(mu_);
  if (seq != seq_ || phase_ != Phase::kPending) return;
  status_ = s;
  if (!streaming_) reply_.storage().swap(reply.storage());
  phase_ = Phase::kDone;
  handle_ = rpc::CallHandle();  // the channel's record holds this op through its completion: no cycle
  if (traceId_ != 0) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
    trace("client", traceId_, callId_, "completed", "status=0x%08x after %lldus%s", s,
          static_cast<long long>(us), cancels_.requested() ? " (cancel requested)" : "");
  }
  if (s != rpc::status::kOk && issuing_ && issuingThread_ == std::this_thread::get_id()) {
    issueFailed_ = true;  // completed inside invokeAsync: a failure to issue, reported by begin()
    return;
  }
  std::function<void()> n = notify_;
  std::vector<std::function<void()>> ws;
  ws.swap(waiters_);
  // Waiters for the call wait until the notifications have returned too, so they are woken once, after
  // them, and outside the lock: a waiter woken earlier, or into a held lock, would only sleep again (each a
  // pair of thread switches on one CPU).
  ++notifying_;
  notifyThread_ = std::this_thread::get_id();
  lk.unlock();
  if (n) n();
  for (auto& w : ws) w();
  lk.lock();
  if (--notifying_ == 0) notifyThread_ = std::thread::id();
  lk.unlock();
  doneCv_.notify_all();  // this op outlives the call: the channel's completion holds it
}

ClientOp::CancelResult ClientOp::cancel(std::chrono::milliseconds grace) {
  uint64_t seq;
  {
    std::unique_lock lk(mu_);
    if (phase_ == Phase::kIdle) return CancelResult::kNoCall;
    if (cancels_.requested()) {
      // A later abortive cancel escalates an earlier one that is still waiting for the server.
      bool pending = handleSet_ && phase_ == Phase::kPending;
      if (!pending || cancels_.request(grace) != CancelRequests::Step::kEscalate)
        return CancelResult::kAlready;
      seq = seq_;
      lk.unlock();
      applyCancel(seq, grace);
      return CancelResult::kAlready;
    }
    if (phase_ == Phase::kDone) return CancelResult::kComplete;
    cancels_.request(grace);
    if (traceId_ != 0) {
      trace("client", traceId_, callId_, "cancelled", "grace=%lldms%s", static_cast<long long>(grace.count()),
            handleSet_ ? "" : " (before the request was issued)");
    }
    if (!handleSet_) return CancelResult::kRequested;  // begin() applies it
    seq = seq_;
  }
  applyCancel(seq, grace);
  return CancelResult::kRequested;
}

void ClientOp::applyCancel(uint64_t seq, std::chrono::milliseconds grace) {
  rpc::CallHandle h;
  {
    std::lock_guard lk(mu_);
    if (seq != seq_ || phase_ != Phase::kPending) return;
    h = handle_;
  }
  std::weak_ptr<ClientOp> weak = weak_from_this();
  cancelInFlight(h, grace, [weak, seq] {
    if (auto self = weak.lock()) self->applyCancel(seq, std::chrono::milliseconds(0));
  });
}

ClientOp::Phase ClientOp::phase() const {
  std::lock_guard lk(mu_);
  return phase_;
}

bool ClientOp::cancelRequested() const {
  std::lock_guard lk(mu_);
  return cancels_.requested();
}

uint32_t ClientOp::callId() const {
  std::lock_guard lk(mu_);
  return callId_;
}

bool ClientOp::waitDone(std::chrono::milliseconds timeout) {
  const auto giveUp = timeout.count() < 0 ? Clock::time_point::max() : Clock::now() + timeout;
  rpc::CallHandle call;
  {
    std::lock_guard lk(mu_);
    if (phase_ == Phase::kPending && !streaming_) call = handle_;
  }
  // The reply is read on this thread when nobody else reads the connection: no hop to the channel's reader
  // thread and back (the completion, and so the notifications, then run here).
  if (!call.wait(timeout)) return false;
  std::unique_lock lk(mu_);
  // Done, and the completion's notifications have returned (they may touch the owner, which the waiter may
  // destroy next) -- unless they run on this thread (a notification that finishes the call itself).
  auto ready = [&] {
    return phase_ != Phase::kPending && (notifying_ == 0 || notifyThread_ == std::this_thread::get_id());
  };
  if (timeout.count() < 0) {
    doneCv_.wait(lk, ready);
    return true;
  }
  return doneCv_.wait_until(lk, giveUp, ready);
}

bool ClientOp::take(uint32_t& s, rpc::Reply& reply, bool* wasCancelled) {
  std::lock_guard lk(mu_);
  if (phase_ != Phase::kDone) return false;
  s = status_;
  if (wasCancelled != nullptr) *wasCancelled = cancels_.requested();
  reply.storage().swap(reply_.storage());
  reply_.storage().clear();
  phase_ = Phase::kIdle;
  cancels_.clear();
  return true;
}

bool ClientOp::peekStatus(uint32_t& s) const {
  std::lock_guard lk(mu_);
  if (phase_ != Phase::kDone) return false;
  s = status_;
  return true;
}

bool ClientOp::whenDone(std::function<void()> fn) {
  std::lock_guard lk(mu_);
  if (phase_ != Phase::kPending) return false;
  waiters_.push_back(std::move(fn));
  return true;
}

void ClientOp::setEventLocked(bool on) {
  if (on == signalled_) return;
  signalled_ = on;
  if (efd_ >= 0) {
    uint64_t v = 1;
    if (on) {
      [[maybe_unused]] ssize_t n = ::write(efd_, &v, sizeof v);
    } else {
      [[maybe_unused]] ssize_t n = ::read(efd_, &v, sizeof v);
    }
  }
  if (on) signalCv_.notify_all();
}

void ClientOp::signal() {
  std::lock_guard lk(mu_);
  setEventLocked(true);
}

void ClientOp::reset() {
  std::lock_guard lk(mu_);
  setEventLocked(false);
}

bool ClientOp::waitSignalled(std::chrono::milliseconds timeout) {
  std::unique_lock lk(mu_);
  if (timeout.count() < 0) {
    signalCv_.wait(lk, [&] { return signalled_; });
    return true;
  }
  return signalCv_.wait_for(lk, timeout, [&] { return signalled_; });
}

int ClientOp::eventFd() {
  std::lock_guard lk(mu_);
  if (efd_ < 0) {
    efd_ = ::eventfd(signalled_ ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  return efd_;
}

}  // namespace midlrt::async::detail
