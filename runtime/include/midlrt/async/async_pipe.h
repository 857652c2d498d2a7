// Asynchronous pipes (Microsoft's "Asynchronous Pipes"): the pipes of an [async] operation, which the client
// and the manager push and pull actively while the call is in progress (the model is symmetric).
//
// A pipe parameter of an [async] operation is an AsyncPipe<T>& on both sides, bound by generated code to
// the call (MIDL fills the pipe structure's push and pull the same way). The pipes are used in order: the
// [in] pipes in declaration order, each to its end, then the [out] pipes likewise (RPC_X_WRONG_PIPE_ORDER
// otherwise; "Rules for Multiple Pipes").
//   push(chunk):        a client's [in] pipe, a manager's [out] pipe. Sends the chunk in the next fragments
//   and
//                       returns when `chunk` may be reused; push({}) ends the pipe (after the client's last
//                       [in] pipe the request's last fragment leaves).
//   pull(buffer, n):    a client's [out] pipe, a manager's [in] pipe. Copies what has arrived and never
//   waits:
//                       kOk with n > 0 (data), kOk with n == 0 (the end), kAsyncCallPending (nothing yet), or
//                       the call's failure.
// To learn when to pull again: the client's notification (AsyncState: kReceiveComplete, RpcReceiveComplete;
// kSendComplete after pushes with notifyOnSendComplete), or on either side whenReceivable (one-shot; a
// manager's runs on the server's I/O thread: do not block there), pullWait (blocks the thread), or
// co_await pulled(pipe, buffer) (coro.h). The client completes with AsyncState::complete() after
// kCallComplete (RPC_X_PIPE_DISCIPLINE_ERROR while an [out] pipe has not been pulled to its end); the
// manager completes with its handle once every pipe is finished (RPC_X_PIPE_DISCIPLINE_ERROR otherwise). The
// wire is that of synchronous pipes (C706 chapter 14): either side may be synchronous.
//
// Where this runtime differs from Microsoft's: a push writes to the connection before it returns, so it
// waits while the peer does not take the data (the client's socket is full; the server's client has
// ServerOptions::maxUnsentResponseBytes unsent) instead of buffering without bound, and kSendComplete
// reports a send that has already happened; a manager's push must not be made on the server's I/O thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <utility>

#include "midlrt/async/async_state.h"
#include "midlrt/async/status.h"
#include "midlrt/ndr/pipe.h"
#include "midlrt/rpc/server.h"

namespace midlrt::async {

/// The runtime's side of the pipes of one call in progress (what AsyncPipe<T> drives): chunk order, the
/// request's fragments and the reply's bytes. Made by AsyncState::issue for an operation with pipes.
class PipeCall {
 public:
  /// What one pull step did with the bytes that have arrived.
  enum class Step { kData, kPending, kEnded };
  /// Writes one chunk (its count and elements).
  using Writer = std::function<void(ndr::Encoder&)>;
  /// Reads from the reply's bytes; `complete`: no more will arrive (read exactly what is needed).
  using Reader = std::function<Step(ndr::Decoder&, bool complete)>;

  /// [in] pipe `index`: writes a chunk and sends it; `end` ends the pipe. kOk, or a pipe discipline error,
  /// or the call's failure (it completed early, the connection broke), or the chunk's encoding error.
  virtual uint32_t push(std::size_t index, bool end, const Writer& write) = 0;
  /// [out] pipe `index`: runs `read` over the bytes that have arrived, without waiting. kOk (data, or the
  /// end: Step says which), kAsyncCallPending, a pipe discipline error, or the call's failure.
  virtual uint32_t pull(std::size_t index, const Reader& read) = 0;
  /// Runs fn once when reply bytes arrive after the last pull looked, or the call completes; false (fn not
  /// kept) if that has already happened: pull again. For awaitables; applications use notifications.
  virtual bool whenReceivable(std::function<void()> fn) = 0;
  /// An AsyncPipe was bound to pull [out] pipe `index` (by generated code, after issuing the call): once all
  /// are, receive events may be delivered (one for data that came before is delivered then).
  virtual void pullBound(std::size_t /*index*/) {}

 protected:
  ~PipeCall() = default;
};

/// The pipes of an [async] manager's call (the server's side of the same model): the manager pulls [in]
/// pipes without waiting (kAsyncCallPending until more of the request has arrived; AsyncPipe::whenReceivable,
/// pullWait or co_await pulled() to learn when) and pushes [out] pipes, each chunk sent at once (waiting
/// while the client has not taken ServerOptions::maxUnsentResponseBytes), from any thread, then completes
/// the call. Made by generated stubs.
class ServerPipes : public PipeCall {
 public:
  /// For generated stubs, after the [in] parameters: `rest` is the decoder positioned after them (null
  /// without [in] pipes), read on from here without waiting; the [out] pipes' chunks go to the call's
  /// response, streamed.
  static std::shared_ptr<ServerPipes> open(rpc::ServerCall& call, ndr::Decoder* rest, PipeCounts counts);
  /// For generated stubs, when the manager completes: PipeError (RPC_X_PIPE_DISCIPLINE_ERROR) unless every
  /// pipe has been finished. The pipes are closed either way: later pushes and pulls return
  /// kInvalidAsyncHandle (as they do once the call is aborted).
  virtual void requireFinished() = 0;

 protected:
  ~ServerPipes() = default;
};

/// One pipe of an [async] client call (see the file comment): the C++ form of MIDL's asynchronous pipe
/// structure. Default-constructed it is bound to no call; the generated client function binds it.
/// Not thread-safe on its own: one thread at a time pushes or pulls a given pipe.
template <class T>
class AsyncPipe {
 public:
  /// Writes a chunk's elements (generated).
  using Write = std::function<void(ndr::Encoder&, std::span<const T>)>;
  /// Reads span.size() elements (generated).
  using Read = std::function<void(ndr::Decoder&, std::span<T>)>;

  /// A pipe bound to no call: push and pull return RPC_X_INVALID_PIPE_OBJECT.
  AsyncPipe() = default;

  /// A client's [in] pipe, a manager's [out] pipe: sends `chunk` (the empty chunk ends the pipe) and returns
  /// when it may be reused. kOk, RPC_X_PIPE_CLOSED after the end, RPC_X_WRONG_PIPE_ORDER before the pipes
  /// ahead of it ended, the call's failure, or RPC_X_INVALID_PIPE_OBJECT if it is not pushed in its call.
  uint32_t push(std::span<const T> chunk) {
    if (!call_ || !write_) return ndr::kRpcXInvalidPipeObject;
    if (inEnded_) return ndr::kRpcXPipeClosed;
    const uint32_t s = call_->push(inIndex_, chunk.empty(), [&](ndr::Encoder& e) {
      e.writeConformance(chunk.size());
      if (!chunk.empty()) write_(e, chunk);
    });
    if (s == status::kOk && chunk.empty()) inEnded_ = true;
    return s;
  }

  /// A client's [out] pipe, a manager's [in] pipe: copies up to buffer.size() elements that have arrived into
  /// `buffer` and sets `count`; never waits. kOk with count > 0: data; kOk with count 0: the end of the pipe
  /// (again on every later pull); kAsyncCallPending: nothing yet; the call's failure; RPC_X_WRONG_PIPE_ORDER;
  /// RPC_X_INVALID_PIPE_OBJECT for an empty buffer or a pipe that is not pulled in its call.
  uint32_t pull(std::span<T> buffer, std::size_t& count) {
    count = 0;
    if (!call_ || !read_ || buffer.empty()) return ndr::kRpcXInvalidPipeObject;
    if (outEnded_) return status::kOk;
    return call_->pull(outIndex_, [&](ndr::Decoder& d, bool complete) {
      // A chunk's count (4 bytes after up to 3 of padding), then its elements, each at most sizeof(T) on the
      // wire (pipe elements hold no pointers, strings or conformant arrays) after up to 7 bytes of padding.
      // Until the reply is complete, only as many as have surely arrived; more bytes are sure to follow.
      constexpr std::size_t kCountBytes = 3 + 4;
      constexpr std::size_t kElementBytes = 7 + sizeof(T);
      if (left_ == 0) {
        if (!complete && d.available(kCountBytes) < kCountBytes) return PipeCall::Step::kPending;
        left_ = d.readConformance();
        if (left_ == 0) {
          outEnded_ = true;
          return PipeCall::Step::kEnded;
        }
      }
      std::size_t n = std::min<std::size_t>({left_, buffer.size(), ndr::kPipeChunkElements<T>});
      if (!complete) {
        const std::size_t have = d.available(kElementBytes);
        if (have < kElementBytes) return PipeCall::Step::kPending;
        n = std::min(n, (have - 7) / sizeof(T));
      }
      read_(d, buffer.first(n));
      left_ -= static_cast<std::uint32_t>(n);
      count = n;
      return PipeCall::Step::kData;
    });
  }

  /// pull() for a thread that may block: waits while pull would return kAsyncCallPending, up to `timeout`
  /// (negative: for ever; kAsyncCallPending when it passes). Not for notification callbacks or the
  /// channel's reader thread, which deliver the data it waits for.
  uint32_t pullWait(std::span<T> buffer, std::size_t& count,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(-1)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const uint32_t s = pull(buffer, count);
      if (s != status::kAsyncCallPending) return s;
      // One wake-up registered at a time: a wait that timed out leaves its wake-up for the next pullWait, so
      // that polling with short timeouts does not pile up waiters while nothing arrives.
      if (!pullWake_) pullWake_ = std::make_shared<PullWake>();
      const std::shared_ptr<PullWake> wake = pullWake_;
      std::unique_lock lk(wake->mu);
      bool inherited = wake->armed;
      if (!inherited) {
        wake->armed = true;
        wake->woken = false;
        lk.unlock();
        const bool registered = whenReceivable([wake] {
          std::lock_guard g(wake->mu);
          wake->armed = false;
          wake->woken = true;
          wake->cv.notify_all();
        });
        lk.lock();
        if (!registered) {
          wake->armed = false;
          continue;  // it arrived meanwhile, or the call ended
        }
      }
      const auto woken = [&] { return wake->woken; };
      if (timeout.count() < 0 && !inherited) {
        wake->cv.wait(lk, woken);
      } else {
        // On a wake-up an earlier wait left, pull again every 100 ms: a call drops waiters without running
        // them only once its pulls stop reporting kAsyncCallPending, which the next pull then says.
        auto until = inherited ? std::chrono::steady_clock::now() + std::chrono::milliseconds(100) : deadline;
        if (timeout.count() >= 0) until = std::min(until, deadline);
        if (!wake->cv.wait_until(lk, until, woken)) {
          if (timeout.count() >= 0 && std::chrono::steady_clock::now() >= deadline)
            return status::kAsyncCallPending;
          continue;
        }
      }
      wake->woken = false;
    }
  }

  /// Runs fn once when pulling may make progress (see PipeCall::whenReceivable); false if it already can.
  bool whenReceivable(std::function<void()> fn) { return call_ && call_->whenReceivable(std::move(fn)); }
  /// Bound to a call as a pipe it pushes.
  bool canPush() const noexcept { return call_ && write_; }
  /// Bound to a call as a pipe it pulls.
  bool canPull() const noexcept { return call_ && read_; }

  ///@{
  /// For generated code: binds the pipe to a call's pipes as the `index`th pipe it pushes (a client's [in]
  /// pipe, a manager's [out] pipe) or pulls (a client's [out] pipe, a manager's [in] pipe); an [in, out]
  /// pipe is bound both ways. The client's call is AsyncState::pipeCall(), the manager's ServerPipes::open.
  void bindPush(std::shared_ptr<PipeCall> call, std::size_t index, Write write) {
    rebind(std::move(call));
    inIndex_ = index;
    write_ = std::move(write);
  }
  void bindPull(std::shared_ptr<PipeCall> call, std::size_t index, Read read) {
    rebind(std::move(call));
    outIndex_ = index;
    read_ = std::move(read);
    call_->pullBound(index);
  }
  ///@}

 private:
  // pullWait's wake-up, shared with the waiter it registers, which may run after that wait returned.
  struct PullWake {
    std::mutex mu;
    std::condition_variable cv;
    bool armed = false;  // registered and not run yet
    bool woken = false;
  };

  void rebind(std::shared_ptr<PipeCall> call) {
    if (call == call_ && call_) return;  // the other direction of an [in, out] pipe
    pullWake_.reset();                   // a waiter of the call before may still hold the old one
    call_ = std::move(call);
    write_ = nullptr;
    read_ = nullptr;
    left_ = 0;
    inEnded_ = outEnded_ = false;
  }

  std::shared_ptr<PipeCall> call_;
  std::size_t inIndex_ = 0;   // among the pipes pushed
  std::size_t outIndex_ = 0;  // among the pipes pulled
  Write write_;
  Read read_;
  std::uint32_t left_ = 0;  // elements of the chunk being pulled not yet pulled
  std::shared_ptr<PullWake> pullWake_;
  bool inEnded_ = false;
  bool outEnded_ = false;
};

}  // namespace midlrt::async
