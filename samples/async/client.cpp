// The asynchronous client, on one thread: keeps 20 calls in flight and drains their completions from a
// queue, awaits calls with co_await (an RPC call and a COM call object), and cancels a call it no longer
// wants. Usage: slow_client <string binding>
#include <iostream>

#include "midlrt/async/coro.h"
#include "slow.h"

namespace {

using midlrt::async::AsyncState;
using midlrt::async::CompletionQueue;

// A coroutine: issue, co_await completion, collect. Runs on whichever thread completes the call.
midlrt::async::Task<int32_t> computeAwaited(midlrt::Binding binding, int32_t value) {
  AsyncState state;
  state.notifyNone();
  if (SlowService::Compute(state, binding, 5, value) != midlrt::rpc::status::kOk) co_return -1;
  co_await midlrt::async::done(state);
  int32_t result = 0;
  state.complete(&result);
  co_return result;
}

midlrt::async::Task<int32_t> squareAwaited(midlrt::com::ComPtr<ISlowObject> object, int32_t value) {
  auto call = midlrt::async::createCall<AsyncISlowObject>(object);
  if (!call) co_return -1;
  call->Begin_Square(value);
  co_await midlrt::async::done(*midlrt::async::asCallObject(call.call.get()));
  int32_t square = 0;
  call->Finish_Square(square);
  co_return square;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: slow_client <string binding>\n";
    return 2;
  }
  try {
    midlrt::Binding binding = midlrt::rpc::Channel::create(argv[1]);

    // 20 calls in flight from this one thread; the slowest were issued first, so they finish last.
    CompletionQueue queue;
    std::vector<std::unique_ptr<AsyncState>> states;
    for (int32_t i = 0; i < 20; ++i) {
      states.push_back(std::make_unique<AsyncState>());
      states.back()->notifyByQueue(queue, static_cast<uint64_t>(i));
      uint32_t issued = SlowService::Compute(*states.back(), binding, (20 - i) * 5, i);
      if (issued != midlrt::rpc::status::kOk) throw midlrt::rpc::RpcError(issued);
    }
    std::cout << "20 calls in flight; completions in order:";
    for (int n = 0; n < 20; ++n) {
      CompletionQueue::Entry entry;
      if (!queue.next(entry, std::chrono::seconds(10))) throw std::runtime_error("a completion is missing");
      int32_t result = 0;
      uint32_t status = entry.state->complete(&result);
      if (status != midlrt::rpc::status::kOk) throw midlrt::rpc::RpcError(status);
      std::cout << " " << entry.key << "->" << result;
    }
    std::cout << "\n";

    // co_await, turned into futures so this thread can wait for the coroutines' results.
    auto rpcTask = computeAwaited(binding, 7);
    auto proxy =
        ISlowObject_createProxy(binding, *midlrt::rpc::Uuid::parse("0badcafe-0000-4000-8000-000000000001"));
    auto comTask = squareAwaited(proxy, 12);
    std::cout << "co_await Compute(7) = " << rpcTask.future().get() << "\n";
    std::cout << "co_await Begin_Square(12)/Finish_Square = " << comTask.future().get() << "\n";

    // A call we stop waiting for: the server sees the cancel and ends it.
    AsyncState slow;
    slow.notifyByEvent();
    SlowService::Compute(slow, binding, 60'000, 1);
    slow.cancel(/*abortive=*/false);
    slow.wait(std::chrono::seconds(10));
    uint32_t status = slow.complete();
    std::cout << "cancelled Compute(60 s): status " << status << " (" << midlrt::rpc::statusName(status)
              << ")\n";
    return status == midlrt::rpc::status::kCallCancelled ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "slow_client: " << e.what() << "\n";
    return 1;
  }
}
