// Internal: one deferred server call with its cancel and disconnect notifications, shared by COM server
// call contexts and ServerAsyncCall.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "midlrt/rpc/server.h"

namespace midlrt::async::detail {

class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  // Defers `call` and hooks its cancel and its association's close.
  static std::shared_ptr<ServerCore> start(rpc::ServerCall& call);
  ~ServerCore();

  // Exactly one caller wins: the one that completes or faults the call. Nobody wins a call the runtime has
  // already answered (the manager threw, so dispatch faulted it; or the server shut down): a later
  // complete or abort then reports RPC_S_INVALID_ASYNC_CALL, as RpcAsyncCompleteCall does on a finished
  // call, instead of a success that sends nothing.
  bool claim() {
    if (claimed_.exchange(true, std::memory_order_acq_rel)) return false;
    return !call_->isCompleted();
  }
  bool claimed() const { return claimed_.load(std::memory_order_acquire); }
  rpc::Message& response() { return call_->response(); }
  // After claim().
  void complete();
  void fault(uint32_t status);

  bool cancelled() const;
  bool disconnected() const;
  void onCancel(std::function<void()> fn);
  void onDisconnect(std::function<void()> fn);
  uint32_t callId() const { return call_->callId(); }

  // Runtime hooks.
  void markCancelled();
  void markDisconnected();
  // Forgets the notifications not yet run (done for us once the call is answered).
  void dropCallbacks();

 private:
  explicit ServerCore(std::shared_ptr<rpc::ServerCall> call);

  std::shared_ptr<rpc::ServerCall> call_;
  std::atomic<bool> claimed_{false};
  mutable std::mutex mu_;
  bool cancelled_ = false;
  bool disconnected_ = false;
  std::vector<std::function<void()>> onCancel_;
  std::vector<std::function<void()>> onDisconnect_;
  uint64_t traceId_ = 0;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace midlrt::async::detail
