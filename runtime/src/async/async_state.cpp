// Asynchronous RPC on the client: AsyncState (notifications, complete, cancel) and CompletionQueue.
#include "midlrt/async/async_state.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "client_op.h"
#include "client_pipes.h"
#include "midlrt/async/status.h"
#include "midlrt/ndr/error.h"

namespace midlrt::async {

using Ms = std::chrono::milliseconds;
using Phase = detail::ClientOp::Phase;

// ---- CompletionQueue ----

CompletionQueue::CompletionQueue() : efd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

CompletionQueue::~CompletionQueue() {
  if (efd_ >= 0) ::close(efd_);
}

void CompletionQueue::post(AsyncState* state, uint64_t key, AsyncEvent event) {
  {
    std::lock_guard lk(mu_);
    if (entries_.empty() && efd_ >= 0) {
      uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(efd_, &one, sizeof one);
    }
    entries_.push_back(Entry{state, key, event});
  }
  cv_.notify_one();
}

void CompletionQueue::remove(AsyncState* state) {
  std::lock_guard lk(mu_);
  bool had = !entries_.empty();
  entries_.erase(
      std::remove_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.state == state; }),
      entries_.end());
  if (had && entries_.empty() && efd_ >= 0) {
    uint64_t v;
    [[maybe_unused]] ssize_t n = ::read(efd_, &v, sizeof v);
  }
}

bool CompletionQueue::next(Entry& out, Ms timeout) {
  std::unique_lock lk(mu_);
  auto ready = [&] { return shutdown_ || !entries_.empty(); };
  if (timeout.count() < 0) {
    cv_.wait(lk, ready);
  } else if (!cv_.wait_for(lk, timeout, ready)) {
    return false;
  }
  if (entries_.empty()) return false;  // shut down
  out = entries_.front();
  entries_.pop_front();
  if (entries_.empty() && efd_ >= 0) {
    uint64_t v;
    [[maybe_unused]] ssize_t n = ::read(efd_, &v, sizeof v);
  }
  return true;
}

size_t CompletionQueue::size() const {
  std::lock_guard lk(mu_);
  return entries_.size();
}

void CompletionQueue::shutdown() {
  {
    std::lock_guard lk(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

// ---- AsyncState ----

AsyncState::AsyncState() : op_(std::make_shared<detail::ClientOp>()) {}

AsyncState::~AsyncState() {
  if (pipes_) pipes_->detach();
  op_->detachNotify();
  if (op_->phase() == Phase::kPending) op_->cancel(Ms(0));
  if (queue_ != nullptr) queue_->remove(this);
}

bool AsyncState::notifyNone() {
  if (op_->phase() == Phase::kPending) return false;
  notification_ = Notification::kNone;
  return true;
}

bool AsyncState::notifyByEvent() {
  if (op_->phase() == Phase::kPending) return false;
  notification_ = Notification::kEvent;
  return true;
}

bool AsyncState::notifyByCallback(std::function<void(AsyncState&)> fn) {
  if (op_->phase() == Phase::kPending) return false;
  notification_ = Notification::kCallback;
  callback_ = [fn = std::move(fn)](AsyncState& state, AsyncEvent) {
    if (fn) fn(state);
  };
  callbackWantsPipeEvents_ = false;
  return true;
}

bool AsyncState::notifyByCallback(std::function<void(AsyncState&, AsyncEvent)> fn) {
  if (op_->phase() == Phase::kPending) return false;
  notification_ = Notification::kCallback;
  callback_ = std::move(fn);
  callbackWantsPipeEvents_ = true;
  return true;
}

bool AsyncState::notifyOnSendComplete(bool on) {
  if (op_->phase() == Phase::kPending) return false;
  notifyOnSend_ = on;
  return true;
}

bool AsyncState::notifyByQueue(CompletionQueue& queue, uint64_t key) {
  if (op_->phase() == Phase::kPending) return false;
  if (queue_ != nullptr && queue_ != &queue) queue_->remove(this);
  notification_ = Notification::kQueue;
  queue_ = &queue;
  key_ = key;
  return true;
}

uint32_t AsyncState::issue(rpc::Channel& channel, const rpc::SyntaxId& iface, uint16_t opnum,
                           rpc::Message request, Unmarshal unmarshal, const rpc::CallOptions& options) {
  if (op_->phase() != Phase::kIdle) return status::kInvalidAsyncCall;
  if (pipes_) {
    pipes_->detach();  // the previous call's pipes tell this state nothing more
    pipes_.reset();
  }
  unmarshal_ = std::move(unmarshal);
  unmarshalRest_ = nullptr;
  op_->setNotify([this] { notifyDone(); });
  bool busy = false;
  uint32_t s = op_->begin(channel, iface, opnum, std::move(request), options, busy);
  if (busy) return status::kInvalidAsyncCall;
  return s;
}

uint32_t AsyncState::issue(rpc::Channel& channel, const rpc::SyntaxId& iface, uint16_t opnum,
                           rpc::Message request, PipeCounts pipes, UnmarshalRest unmarshal,
                           const rpc::CallOptions& options) {
  if (op_->phase() != Phase::kIdle) return status::kInvalidAsyncCall;
  if (pipes_) pipes_->detach();
  pipes_ = std::make_shared<detail::ClientPipes>(pipes, this, notifyOnSend_);
  unmarshal_ = nullptr;
  unmarshalRest_ = std::move(unmarshal);
  op_->setNotify([this] { notifyDone(); });
  detail::ClientOp::Streaming streaming;
  streaming.arrived = [weak = std::weak_ptr<detail::ClientPipes>(pipes_)] {
    if (auto p = weak.lock()) p->onArrived();
  };
  bool busy = false;
  uint32_t s = op_->begin(channel, iface, opnum, std::move(request), options, busy, &streaming);
  if (busy) return status::kInvalidAsyncCall;
  if (s != status::kOk) {
    pipes_->detach();
    pipes_.reset();
    return s;
  }
  pipes_->start(std::move(streaming.call));
  return status::kOk;
}

std::shared_ptr<PipeCall> AsyncState::pipeCall() const {
  return pipes_;
}

void AsyncState::notifyDone() {
  if (pipes_) {
    uint32_t s = status::kCallFailed;
    op_->peekStatus(s);
    pipes_->onDone(s);  // pipes' waiters first: they learn the status from their next pull
  }
  op_->signal();  // eventFd() and wait() work whatever the notification
  switch (notification_) {
    case Notification::kNone:
    case Notification::kEvent:
      break;
    case Notification::kCallback:
      if (callback_) {
        auto cb = callback_;  // the callback may destroy *this (and callback_ with it): nothing after
        cb(*this, AsyncEvent::kCallComplete);
      }
      break;
    case Notification::kQueue:
      if (queue_ != nullptr) queue_->post(this, key_, AsyncEvent::kCallComplete);
      break;
  }
}

void AsyncState::notifyPipeEvent(AsyncEvent event) {
  switch (notification_) {
    case Notification::kNone:
    case Notification::kEvent:
      break;
    case Notification::kCallback:
      if (callback_ && callbackWantsPipeEvents_) {
        auto cb = callback_;
        cb(*this, event);
      }
      break;
    case Notification::kQueue:
      if (queue_ != nullptr) queue_->post(this, key_, event);
      break;
  }
}

uint32_t AsyncState::status() const {
  switch (op_->phase()) {
    case Phase::kIdle:
      return status::kInvalidAsyncHandle;
    case Phase::kPending:
      return status::kAsyncCallPending;
    case Phase::kDone:
      break;
  }
  uint32_t s = status::kAsyncCallPending;
  op_->peekStatus(s);
  return s == status::kFaultCancel ? status::kCallCancelled : s;
}

bool AsyncState::wait(Ms timeout) {
  return op_->waitDone(timeout);
}

int AsyncState::eventFd() {
  return op_->eventFd();
}

uint32_t AsyncState::cancel(bool abortive) {
  auto r = op_->cancel(abortive ? Ms(0) : detail::ClientOp::kNeverOrphan);
  return r == detail::ClientOp::CancelResult::kNoCall ? status::kInvalidAsyncHandle : status::kOk;
}

uint32_t AsyncState::complete(void* reply) {
  switch (op_->phase()) {
    case Phase::kIdle:
      return status::kInvalidAsyncHandle;
    case Phase::kPending:
      return status::kAsyncCallPending;
    case Phase::kDone:
      break;
  }
  uint32_t s = status::kOk;
  rpc::Reply stub;
  if (!op_->take(s, stub)) return status::kInvalidAsyncHandle;
  op_->reset();
  if (s == status::kFaultCancel) s = status::kCallCancelled;  // the server honoured a cancel
  if (pipes_) return pipes_->finish(s, unmarshalRest_, reply);
  if (s != status::kOk) return s;
  if (unmarshal_) {
    try {
      unmarshal_(stub, reply);
    } catch (const ndr::NdrError& e) {
      return e.status();
    } catch (const rpc::RpcError& e) {
      return e.status();
    } catch (const std::bad_alloc&) {
      return status::kReplyTooBig;
    }
  }
  return s;
}

uint32_t AsyncState::callId() const {
  return op_->callId();
}

bool AsyncState::notifyWhenDone(std::function<void()> fn) {
  return op_->whenDone(std::move(fn));
}

}  // namespace midlrt::async
