// The pipes of one [async] client call: pushes stream the request, pulls read the reply's bytes that have
// arrived, and the pipe events go through the state's notification.
//
// Locks: sendMu_ (one push at a time, over the request's encoder) before mu_ (order and the reply's bytes)
// before eventMu_ (events, waiters, the call's end). Sending, abandoning and finishing the request can end
// the call on this thread, and so run its completion and the application's notifications, which may pull:
// none of them is done holding mu_, and the completion side (onArrived, onDone) takes eventMu_ only.
#include "client_pipes.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "midlrt/ndr/error.h"
#include "timer.h"

namespace midlrt::async::detail {

namespace {
// The pipes whose kSendComplete waits while this thread runs one (see AsyncState::notifyOnSendComplete).
thread_local std::vector<std::shared_ptr<ClientPipes>>* tSendCompletes = nullptr;

uint32_t callStatus(uint32_t s) {
  return s == rpc::status::kFaultCancel ? rpc::status::kCallCancelled : s;
}
}  // namespace

ClientPipes::ClientPipes(PipeCounts counts, AsyncState* state, bool notifyOnSend)
    : counts_(counts), state_(state), notifyOnSend_(notifyOnSend) {
  ready_ = counts.out == 0;  // nothing to pull: receive events need no binding first
}

ClientPipes::~ClientPipes() = default;

void ClientPipes::start(std::unique_ptr<rpc::StreamingCall> call) {
  std::lock_guard send(sendMu_);
  {
    std::lock_guard lk(mu_);
    call_ = std::move(call);
    if (!call_ || counts_.in != 0) return;
  }
  // A request without [in] pipes is whole already.
  if (!call_->finishRequest()) fail(rpc::status::kCallFailed, {});
}

void ClientPipes::detach() {
  std::unique_lock lk(eventMu_);
  state_ = nullptr;
  waiters_.clear();
  const auto me = std::this_thread::get_id();
  cv_.wait(lk, [&] {
    return std::all_of(delivering_.begin(), delivering_.end(), [&](auto id) { return id == me; });
  });
}

void ClientPipes::onArrived() {
  std::vector<std::function<void()>> waiters;
  bool tell;
  {
    std::lock_guard lk(eventMu_);
    ++arrivals_;
    tell = armed_;
    armed_ = false;
    if (tell && !ready_) {
      heldTell_ = true;
      tell = false;
    }
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) w();
  if (tell) deliver(AsyncEvent::kReceiveComplete);
}

void ClientPipes::onDone(uint32_t s) {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lk(eventMu_);
    done_ = true;
    doneStatus_ = callStatus(s);
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) w();
}

uint32_t ClientPipes::fail(uint32_t s, rpc::CallHandle abandon) {
  uint32_t first;
  {
    std::lock_guard lk(mu_);
    if (failure_ == 0) failure_ = s != 0 ? s : rpc::status::kCallFailed;
    first = failure_;
  }
  // Not under mu_: the call ends here, and its notifications may pull.
  abandon.abandon();  // nothing if the call has ended, or for an empty handle
  return first;
}

bool ClientPipes::doneWith(uint32_t& s) {
  std::lock_guard lk(eventMu_);
  if (!done_) return false;
  s = doneStatus_;
  return true;
}

uint32_t ClientPipes::push(std::size_t index, bool end, const Writer& write) {
  uint32_t s = 0;
  // The call ended before its request did (a fault, a cancel, a lost connection): nothing more to send. (A
  // push from the call's own completion notification ends here too, before the lock its sender holds.)
  if (doneWith(s)) return s != rpc::status::kOk ? s : ndr::kRpcXPipeDisciplineError;
  std::unique_lock send(sendMu_);
  bool last = false;
  {
    std::lock_guard lk(mu_);
    if (failure_ != 0) return failure_;
    if (!call_) return status::kInvalidAsyncHandle;
    if (currentIn_ >= counts_.in) return ndr::kRpcXPipeClosed;
    if (index != currentIn_) return ndr::kRpcXWrongPipeOrder;
    if (end) last = ++currentIn_ == counts_.in;
  }
  try {
    write(call_->encoder());
  } catch (const ndr::NdrError& e) {
    return fail(e.status(), call_->handle());  // the request is cut short: the server is told it is orphaned
  }
  // A broken connection fails its calls itself (this one's completion may run here).
  if (!call_->flush() || (last && !call_->finishRequest())) return fail(rpc::status::kCallFailed, {});
  send.unlock();
  if (notifyOnSend_) deliverSendComplete();
  return rpc::status::kOk;
}

ndr::DecoderSource::Window ClientPipes::next(std::size_t consumed, std::size_t /*need*/) {
  // Consumed bytes are dropped from the front only once they are most of the window, so that a reader far
  // behind the arrivals does not move the whole backlog at every pull.
  front_ += consumed;
  if (front_ == window_.size()) {
    window_.clear();
    front_ = 0;
  } else if (front_ > window_.size() / 2) {
    window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(front_));
    front_ = 0;
  }
  if (!replyEnded_ && call_) replyEnded_ = call_->takeReply(window_, replyStatus_);
  return {window_.data() + front_, window_.size() - front_};
}

uint32_t ClientPipes::pull(std::size_t index, const Reader& read) {
  uint32_t bad = 0;
  rpc::CallHandle handle;
  {
    std::lock_guard lk(mu_);
    if (failure_ != 0) return failure_;
    if (!call_) return status::kInvalidAsyncHandle;
    if (currentIn_ < counts_.in || index != currentOut_) return ndr::kRpcXWrongPipeOrder;
    if (!decoder_) {
      decoder_.emplace(window_.data(), window_.size());
      decoder_->setSource(this);
    }
    ndr::Decoder& d = *decoder_;
    try {
      for (;;) {
        {
          std::lock_guard ev(eventMu_);
          seen_ = arrivals_;
        }
        // Takes in what has arrived when little is left to read, not at every pull: bytes taken from the
        // channel let it read on (ChannelOptions::replyWindowBytes), so taking more than is read would buffer
        // without bound.
        if (d.remaining() < kRefillBelow) d.available(d.remaining() + 1);
        if (replyEnded_ && replyStatus_ != rpc::status::kOk) return callStatus(replyStatus_);
        const Step step = read(d, replyEnded_);
        if (step != Step::kPending) {
          if (step == Step::kEnded) ++currentOut_;
          return rpc::status::kOk;
        }
        std::lock_guard ev(eventMu_);
        // Bytes that arrived after this pull last took some in were told to no one: look again.
        if (arrivals_ != seen_) continue;
        armed_ = true;  // the next arrival is told
        return status::kAsyncCallPending;
      }
    } catch (const ndr::NdrError& e) {
      bad = e.status();
      handle = call_->handle();
    }
  }
  return fail(bad, handle);  // a reply that does not decode: the call is abandoned
}

void ClientPipes::pullBound(std::size_t) {
  {
    std::lock_guard lk(eventMu_);
    if (ready_ || ++pullsBound_ < counts_.out) return;
    ready_ = true;
    if (!std::exchange(heldTell_, false)) return;
  }
  // Not on this thread: it is the application's, inside the client function that issued the call.
  runAfter(std::chrono::milliseconds(0), [weak = weak_from_this()] {
    if (auto p = weak.lock()) p->deliver(AsyncEvent::kReceiveComplete);
  });
}

bool ClientPipes::whenReceivable(std::function<void()> fn) {
  {
    std::lock_guard lk(mu_);
    if (failure_ != 0 || !call_) return false;
  }
  std::lock_guard lk(eventMu_);
  if (done_ || arrivals_ != seen_) return false;
  waiters_.push_back(std::move(fn));
  return true;
}

uint32_t ClientPipes::finish(uint32_t callStatus, const AsyncState::UnmarshalRest& rest, void* reply) {
  std::unique_ptr<rpc::StreamingCall> call;  // released after the locks
  std::lock_guard send(sendMu_);
  std::lock_guard lk(mu_);
  uint32_t s = failure_ != 0 ? failure_ : callStatus;
  if (s == 0 && (currentIn_ < counts_.in || currentOut_ < counts_.out)) s = ndr::kRpcXPipeDisciplineError;
  if (s == 0 && !call_) s = status::kInvalidAsyncHandle;
  if (s == 0) {
    if (!decoder_) {
      decoder_.emplace(window_.data(), window_.size());
      decoder_->setSource(this);
    }
    ndr::Decoder& d = *decoder_;
    d.available(d.remaining() + 1);
    try {
      if (rest) rest(d, reply);
    } catch (const ndr::NdrError& e) {
      s = e.status();
    } catch (const rpc::RpcError& e) {
      s = e.status();
    } catch (const std::bad_alloc&) {
      s = rpc::status::kReplyTooBig;
    }
  }
  decoder_.reset();
  window_ = {};
  front_ = 0;
  call.swap(call_);
  return s;
}

void ClientPipes::deliver(AsyncEvent event) {
  const auto me = std::this_thread::get_id();
  AsyncState* state;
  {
    std::lock_guard lk(eventMu_);
    state = state_;
    if (state == nullptr) return;
    delivering_.push_back(me);
  }
  state->notifyPipeEvent(event);
  std::lock_guard lk(eventMu_);
  delivering_.erase(std::find(delivering_.begin(), delivering_.end(), me));
  cv_.notify_all();
}

void ClientPipes::deliverSendComplete() {
  // A push inside a kSendComplete notification (the natural way to send the next chunk) would otherwise
  // nest one notification per chunk on this thread's stack: its event waits until the outer one returns.
  if (tSendCompletes != nullptr) {
    tSendCompletes->push_back(shared_from_this());
    return;
  }
  std::vector<std::shared_ptr<ClientPipes>> later;
  tSendCompletes = &later;
  deliver(AsyncEvent::kSendComplete);
  while (!later.empty()) {
    std::shared_ptr<ClientPipes> p = std::move(later.front());
    later.erase(later.begin());
    p->deliver(AsyncEvent::kSendComplete);
  }
  tSendCompletes = nullptr;
}

}  // namespace midlrt::async::detail
