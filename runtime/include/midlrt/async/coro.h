// C++20 coroutine support: `co_await midlrt::async::done(call)` for call objects and async states.
#pragma once

#if defined(__cpp_impl_coroutine)

#include <coroutine>
#include <future>
#include <utility>

#include "midlrt/async/async_state.h"
#include "midlrt/async/call_object.h"

namespace midlrt::async {

/// Resumes the awaiting coroutine once the call is done, so that the Finish_/complete() that follows does not
/// block. Works with any coroutine type (a plain awaiter). Which thread resumes: the awaiting one, without
/// suspending, if the call is already done or there is none; otherwise the thread that completes the call
/// (the channel's reader thread, a thread in a sync call on the channel, or the thread that cancels
/// abortively) -- hop to your own executor first if the continuation may block. Releasing the call object or
/// destroying the state while a coroutine awaits it means the coroutine is never resumed.
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
