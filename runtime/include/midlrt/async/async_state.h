// Asynchronous RPC on the client (the RPC_ASYNC_STATE of this runtime) and completion queues.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::ndr {
class Decoder;
}

namespace midlrt::async {

namespace detail {
class ClientOp;
class ClientPipes;
}
class AsyncState;
class PipeCall;

/// What a notification reports (RPC_ASYNC_EVENT): the call is done (RpcCallComplete), a push has been sent
/// (RpcSendComplete, with AsyncState::notifyOnSendComplete), or reply data has arrived for an [out] pipe
/// (RpcReceiveComplete). Only calls with pipes have the last two.
enum class AsyncEvent { kCallComplete, kSendComplete, kReceiveComplete };

/// The pipes of an operation issued with AsyncState::issue: how many [in] and [out] pipes it has.
struct PipeCounts {
  unsigned in = 0;   ///< [in] and [in, out] pipes
  unsigned out = 0;  ///< [out] and [in, out] pipes
};

/// Many calls' completions, drained by one thread (the I/O completion port analogue). Entries are posted
/// when a call completes; the drainer then calls AsyncState::complete. Must outlive the states that use it.
class CompletionQueue {
 public:
  /// One completed call.
  struct Entry {
    AsyncState* state = nullptr;  ///< the call's state: complete() it (kCallComplete)
    uint64_t key = 0;             ///< the key given to AsyncState::notifyByQueue
    AsyncEvent event = AsyncEvent::kCallComplete;  ///< pipes' send and receive events come here too
  };
  /// An empty queue with its eventfd.
  CompletionQueue();
  /// Closes the eventfd; entries still queued are dropped.
  ~CompletionQueue();
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  /// Waits up to `timeout` (negative: for ever) for an entry; false on timeout or after shutdown().
  bool next(Entry& out, std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
  /// next() without waiting: false if no entry is queued.
  bool tryNext(Entry& out) { return next(out, std::chrono::milliseconds(0)); }
  /// An eventfd readable while entries are queued (for a thread that also polls other descriptors).
  int fd() const { return efd_; }
  /// Entries queued now.
  size_t size() const;
  /// Wakes every next() with false, now and later.
  void shutdown();

 private:
  friend class AsyncState;
  void post(AsyncState* state, uint64_t key, AsyncEvent event);
  void remove(AsyncState* state);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> entries_;
  bool shutdown_ = false;
  int efd_ = -1;
};

/// One asynchronous RPC call at a time: choose the notification, pass the state to a generated client
/// function (which calls issue()), then complete() it to collect the results.
///
/// - status(): kAsyncCallPending until the call is done, then its final status (kOk, a server fault,
///   kCallCancelled, kTimeout, kCallFailed...); kInvalidAsyncHandle when no call was issued. Nothing is lost:
///   every call ends with exactly one status, and every call has the channel's deadline unless removed.
/// - complete(reply): kAsyncCallPending if early (call it again later); otherwise the final status, having
///   unmarshaled the [out] parameters and the return value into `reply` when it is kOk. The state is then
///   reusable. kInvalidAsyncHandle if no call was issued.
/// - An error while issuing (connection refused, interface rejected) is returned by issue() at once, and no
///   notification follows.
/// - cancel(abortive): abortive completes the call locally at once with kCallCancelled (the server is told
///   the call is orphaned); non-abortive sends co_cancel and the call completes when the server answers
///   (typically a nca_s_fault_cancel fault, reported as kCallCancelled) -- or not at all if the server
///   ignores it and replies. Either way the caller still calls complete().
/// - Not copyable or movable (the runtime and the notification refer to it). Destroying a state whose call is
///   pending cancels the call abortively first; no notification runs after (or during) destruction, except
///   that a callback may itself destroy the state it was called for.
/// - Notifications run on the thread that completes the call: the channel's reader thread, a thread blocked
///   in a sync call on the channel or in wait() for a call of the channel (while no other thread reads the
///   connection, wait() reads the reply itself: no hop to the reader thread), or the thread that cancels
///   abortively. A callback must not block (do not wait there for another call of the same channel).
class AsyncState {
 public:
  /// How the application learns that a call is done (RPC_NOTIFICATION_TYPES: none, event, APC, I/O
  /// completion port); see notifyNone() and the others.
  enum class Notification { kNone, kEvent, kCallback, kQueue };
  /// Unmarshals the reply's stub data into the [out] parameters and `*reply` (the return value); may throw
  /// ndr::NdrError or rpc::RpcError, whose status complete() then returns.
  using Unmarshal = std::function<void(rpc::Reply& stub, void* reply)>;
  /// The same for an operation with pipes: the reply's bytes after its [out] pipes, which the application
  /// has pulled.
  using UnmarshalRest = std::function<void(ndr::Decoder& rest, void* reply)>;

  /// A state with no call and notification kNone (RpcAsyncInitializeHandle).
  AsyncState();
  /// Cancels a pending call abortively first (see the class comment).
  ~AsyncState();
  AsyncState(const AsyncState&) = delete;
  AsyncState& operator=(const AsyncState&) = delete;

  /// The notification for the next call (before issuing; returns false while a call is pending).
  /// kNone: poll status(). kEvent: wait() or poll eventFd(). kCallback: fn runs once the call is done.
  /// kQueue: an entry {this, key} is posted to `queue`.
  ///@{
  bool notifyNone();
  bool notifyByEvent();
  bool notifyByCallback(std::function<void(AsyncState&)> fn);
  bool notifyByQueue(CompletionQueue& queue, uint64_t key = 0);
  ///@}
  /// kCallback with every event of a call with pipes (AsyncEvent): kReceiveComplete when [out] pipe data
  /// has arrived after a pull returned kAsyncCallPending (and for the first data), kSendComplete after each
  /// push with notifyOnSendComplete, kCallComplete last. Events of one call may run concurrently on
  /// different threads (the channel's reader, the pushing thread). kQueue posts the same events as entries;
  /// kEvent and kNone report only the call's completion (poll the pipes, or co_await them: coro.h).
  bool notifyByCallback(std::function<void(AsyncState&, AsyncEvent)> fn);
  /// RPC_C_NOTIFY_ON_SEND_COMPLETE: a kSendComplete notification after each push (default off). A push made
  /// inside that notification has its own delivered after the notification returns, not nested in it.
  bool notifyOnSendComplete(bool on);
  /// The notification chosen last.
  Notification notification() const { return notification_; }

  /// RpcAsyncGetCallStatus: kAsyncCallPending, the final status once done, or kInvalidAsyncHandle (see the
  /// class comment).
  uint32_t status() const;
  /// Waits until the call is done (whatever the notification); false on timeout. Negative: for ever.
  bool wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
  /// Readable (POLLIN) once the call is done, until complete() or the next call. Owned by the state.
  int eventFd();
  /// RpcAsyncCancelCall: abortive or not, as the class comment says; kOk, or kInvalidAsyncHandle if there
  /// is no call to cancel.
  uint32_t cancel(bool abortive);
  /// RpcAsyncCompleteCall: the call's final status, with the return value in *reply when it is kOk (see the
  /// class comment); kAsyncCallPending if too early.
  uint32_t complete(void* reply = nullptr);
  /// call_id of the current (or last) call; 0 before one was issued.
  uint32_t callId() const;

  /// Free for the application (RPC_ASYNC_STATE::UserInfo).
  void* userInfo = nullptr;

  /// For generated client functions: issues the call; kOk, or the failure to issue (no notification then),
  /// or kInvalidAsyncCall if this state's previous call has not been completed.
  uint32_t issue(rpc::Channel& channel, const rpc::SyntaxId& iface, uint16_t opnum, rpc::Message request,
                 Unmarshal unmarshal, const rpc::CallOptions& options = {});

  /// For generated client functions of operations with pipes: issues the call with the [in] parameters
  /// before the pipes in `request`; its pipes are then bound (AsyncPipe::bindPush/bindPull, with pipeCall())
  /// and the request ends with the last [in] pipe's last push. `unmarshal` reads what follows the [out]
  /// pipes. Statuses as issue().
  uint32_t issue(rpc::Channel& channel, const rpc::SyntaxId& iface, uint16_t opnum, rpc::Message request,
                 PipeCounts pipes, UnmarshalRest unmarshal, const rpc::CallOptions& options = {});
  /// The pipes of the call issued last with pipes (null otherwise, or when issuing failed).
  std::shared_ptr<PipeCall> pipeCall() const;

  /// Runs fn once when the call in progress completes (after the notification); false if there is none
  /// or it is already done. For co_await and futures.
  bool notifyWhenDone(std::function<void()> fn);

 private:
  friend class detail::ClientPipes;
  void notifyDone();
  // A pipe event (never kCallComplete) through the chosen notification.
  void notifyPipeEvent(AsyncEvent event);

  std::shared_ptr<detail::ClientOp> op_;
  Notification notification_ = Notification::kNone;
  std::function<void(AsyncState&, AsyncEvent)> callback_;
  bool callbackWantsPipeEvents_ = false;
  bool notifyOnSend_ = false;
  CompletionQueue* queue_ = nullptr;
  uint64_t key_ = 0;
  Unmarshal unmarshal_;
  UnmarshalRest unmarshalRest_;
  std::shared_ptr<detail::ClientPipes> pipes_;
  bool issued_ = false;
};

}  // namespace midlrt::async
