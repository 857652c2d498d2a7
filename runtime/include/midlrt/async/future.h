// std::future adapters for call objects and async states (C++17).
#pragma once

#include <future>
#include <memory>
#include <type_traits>

#include "midlrt/async/async_state.h"
#include "midlrt/async/call_object.h"

namespace midlrt::async {

/// A future of `finish()` (for example [&]{ return call->Finish_Add(&sum); } or [&]{ return st.complete(&r);
/// }), which runs once the call is done -- on the completing thread, or here if it is done already. A call
/// that was never begun runs `finish` at once (it then reports RPC_E_CALL_COMPLETE / kInvalidAsyncHandle).
template <class Call, class Finish>
auto toFuture(Call& call, Finish finish) -> std::future<std::invoke_result_t<Finish&>> {
  using R = std::invoke_result_t<Finish&>;
  auto promise = std::make_shared<std::promise<R>>();
  auto future = promise->get_future();
  auto run = [promise, finish]() mutable {
    try {
      if constexpr (std::is_void_v<R>) {
        finish();
        promise->set_value();
      } else {
        promise->set_value(finish());
      }
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  };
  if (!call.notifyWhenDone(run)) run();
  return future;
}

}  // namespace midlrt::async
