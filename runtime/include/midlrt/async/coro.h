// C++20 coroutine support: `co_await midlrt::async::done(call)` for call objects and async states, and
// `co_await midlrt::async::pulled(pipe, buffer)` for an [async] client's [out] pipes.
#pragma once

#if defined(__cpp_impl_coroutine)

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <future>
#include <span>
#include <utility>

#include "midlrt/async/async_pipe.h"
#include "midlrt/async/async_state.h"
#include "midlrt/async/call_object.h"
#include "midlrt/async/status.h"

namespace midlrt::async {

/// Resumes the awaiting coroutine once the call is done, so that the Finish_/complete() that follows does not
/// block. Works with any coroutine type (a plain awaiter). Which thread resumes: the awaiting one, without
/// suspending, if the call is already done or there is none; otherwise the thread that completes the call
/// (the channel's reader thread, a thread in a sync call or an AsyncState::wait on the channel, or the
/// thread that cancels abortively) -- hop to your own executor first if the continuation may block.
/// Releasing the call object or destroying the state while a coroutine awaits it means the coroutine is never
/// resumed.
///
/// @code
///   co_await midlrt::async::done(*callObject);
///   HRESULT hr = call->Finish_Add(&sum);
/// @endcode
template <class Call>
class DoneAwaiter {
 public:
  /// Awaits `call` (a ClientCallObject or an AsyncState), which must outlive the co_await.
  explicit DoneAwaiter(Call& call) : call_(call) {}
  /// Always asks await_suspend, which knows whether the call is done.
  bool await_ready() const noexcept { return false; }
  /// Arranges to resume `h` when the call completes; false (resume at once) if it is done or there is none.
  bool await_suspend(std::coroutine_handle<> h) {
    return call_.notifyWhenDone([h] { h.resume(); });
  }
  /// Nothing: the result is collected by Finish_ or complete() afterwards.
  void await_resume() const noexcept {}

 private:
  Call& call_;
};

///@{
/// `co_await done(call)`: suspends until the call object's (or async state's) call is done.
inline DoneAwaiter<ClientCallObject> done(ClientCallObject& call) {
  return DoneAwaiter<ClientCallObject>(call);
}
inline DoneAwaiter<AsyncState> done(AsyncState& state) {
  return DoneAwaiter<AsyncState>(state);
}
///@}

/// What `co_await pulled(pipe, buffer)` gives: AsyncPipe::pull's status and count (never kAsyncCallPending).
struct PullResult {
  uint32_t status = 0;    ///< kOk (data, or the end when count is 0), or the call's failure
  std::size_t count = 0;  ///< elements written to the front of the buffer
};

/// Resumes the awaiting coroutine once a pull of an [async] client's [out] pipe has a result: data, the end,
/// or a failure (Microsoft's pull after RpcReceiveComplete, without a notification of one's own). Resumes on
/// the awaiting thread if data is there already, else on the thread that received it (the channel's reader
/// thread, or one in a sync call on the channel): hop to your own executor if the continuation may block.
template <class T>
class PullAwaiter {
 public:
  /// Pulls into `buffer`; `pipe` and `buffer` must outlive the co_await.
  PullAwaiter(AsyncPipe<T>& pipe, std::span<T> buffer) : pipe_(pipe), buffer_(buffer) {}
  /// Ready when the first pull has a result.
  bool await_ready() {
    result_.status = pipe_.pull(buffer_, result_.count);
    return result_.status != status::kAsyncCallPending;
  }
  /// Waits for the next arrival; false (resume at once) if data came meanwhile.
  bool await_suspend(std::coroutine_handle<> h) {
    handle_ = h;
    return arm();
  }
  /// The pull's status and count.
  PullResult await_resume() const noexcept { return result_; }

 private:
  // True once registered for the next arrival; false when a pull made meanwhile has its result.
  bool arm() {
    for (;;) {
      if (pipe_.whenReceivable([this] { onReceivable(); })) return true;
      result_.status = pipe_.pull(buffer_, result_.count);
      if (result_.status != status::kAsyncCallPending) return false;
    }
  }
  void onReceivable() {
    result_.status = pipe_.pull(buffer_, result_.count);
    if (result_.status == status::kAsyncCallPending && arm()) return;  // not enough yet: wait again
    handle_.resume();
  }

  AsyncPipe<T>& pipe_;
  std::span<T> buffer_;
  PullResult result_;
  std::coroutine_handle<> handle_;
};

/// `co_await pulled(pipe, buffer)`: the next pull of an [async] client's [out] pipe that has a result. A push
/// needs no awaiter: it returns when its chunk has been sent.
template <class T>
PullAwaiter<T> pulled(AsyncPipe<T>& pipe, std::span<T> buffer) {
  return PullAwaiter<T>(pipe, buffer);
}

/// A minimal eager coroutine type for fire-and-forget flows that end in a std::future: the body starts at
/// once, runs across co_awaits, and its result (or exception) goes to the future.
/// @code
///   midlrt::async::Task<int> t = addTwice(proxy);  std::future<int> f = t.future();
/// @endcode
template <class T>
class Task {
 public:
  /// The coroutine machinery (what the compiler calls), not for direct use.
  struct promise_type {
    std::promise<T> promise;  ///< where co_return's value or the exception goes
    /// The Task the coroutine call returns, holding the promise's future.
    Task get_return_object() { return Task(promise.get_future()); }
    /// Eager: the body runs at once, up to its first suspension.
    std::suspend_never initial_suspend() noexcept { return {}; }
    /// The frame is destroyed when the body ends; the result is in the future by then.
    std::suspend_never final_suspend() noexcept { return {}; }
    /// co_return v: sets the future's value.
    template <class U>
    void return_value(U&& v) {
      promise.set_value(std::forward<U>(v));
    }
    /// An exception escaping the body goes to the future.
    void unhandled_exception() { promise.set_exception(std::current_exception()); }
  };
  /// The body's result (or exception), once it has finished.
  std::future<T>& future() { return future_; }

 private:
  explicit Task(std::future<T> f) : future_(std::move(f)) {}
  std::future<T> future_;
};

}  // namespace midlrt::async

#endif  // __cpp_impl_coroutine
