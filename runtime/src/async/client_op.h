// Internal: one client-side asynchronous call slot, shared by call objects and AsyncState. It issues the
// call through rpc::Channel::invokeAsync, records the outcome, applies sticky cancels, and keeps the event
// (condition variable + lazily created eventfd) that waiters use.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "in_flight_cancel.h"
#include "midlrt/rpc/channel.h"

namespace midlrt::async::detail {

class ClientOp : public std::enable_shared_from_this<ClientOp> {
 public:
  enum class Phase { kIdle, kPending, kDone };
  enum class CancelResult { kRequested, kAlready, kComplete, kNoCall };
  static constexpr std::chrono::milliseconds kNeverOrphan = detail::kNeverOrphan;

  ClientOp() = default;
  ~ClientOp();
  ClientOp(const ClientOp&) = delete;
  ClientOp& operator=(const ClientOp&) = delete;

  // The owner's completion hook: runs once per call, on the completing thread, outside the lock. Not run
  // for a call whose issue failed (begin returns the failure instead).
  void setNotify(std::function<void()> fn);
  // Removes the hook and waits until a running one has returned (unless it runs on this thread).
  void detachNotify();

  // A call whose request and reply stream (rpc::Channel::invokeStreaming): `arrived` goes to the channel,
  // and begin() leaves the StreamingCall in `call`. The reply's bytes stay with the channel's call for
  // StreamingCall::takeReply (take() then gives an empty reply).
  struct Streaming {
    std::function<void()> arrived;
    std::unique_ptr<rpc::StreamingCall> call;
  };
  // kOk once issued; otherwise the status of a failure to issue (the op stays idle). `busy` is set (and
  // nothing is done) if a call is in progress.
  uint32_t begin(rpc::Channel& channel, const rpc::SyntaxId& iface, uint16_t opnum, rpc::Message request,
                 const rpc::CallOptions& options, bool& busy, Streaming* streaming = nullptr);
  // Asks the server to cancel (co_cancel) and orphans the call locally after `grace` (0: at once;
  // kNeverOrphan: never).
  CancelResult cancel(std::chrono::milliseconds grace);

  Phase phase() const;
  bool cancelRequested() const;
  uint32_t callId() const;
  // Waits for the call to complete; false on timeout (negative timeout: for ever).
  bool waitDone(std::chrono::milliseconds timeout);
  // After kDone: moves the reply out, returns the status (and whether the call was cancelled) and makes
  // the op idle. kIdle/kPending: false.
  bool take(uint32_t& status, rpc::Reply& reply, bool* wasCancelled = nullptr);
  // The status once done (pending/idle: false).
  bool peekStatus(uint32_t& status) const;
  bool whenDone(std::function<void()> fn);

  // The event.
  void signal();
  void reset();
  bool waitSignalled(std::chrono::milliseconds timeout);
  int eventFd();

 private:
  void onComplete(uint64_t seq, uint32_t status, rpc::Reply& reply);
  void applyCancel(uint64_t seq, std::chrono::milliseconds grace);
  void setEventLocked(bool on);

  mutable std::mutex mu_;
  std::condition_variable doneCv_;    // the phase, and notifications running (waitDone, detachNotify)
  std::condition_variable signalCv_;  // the event (waitSignalled)
  Phase phase_ = Phase::kIdle;
  uint64_t seq_ = 0;
  uint32_t status_ = 0;
  rpc::Reply reply_;
  rpc::CallHandle handle_;
  bool handleSet_ = false;
  uint32_t callId_ = 0;
  CancelRequests cancels_;
  bool issuing_ = false;
  bool streaming_ = false;
  bool issueFailed_ = false;
  std::thread::id issuingThread_;
  std::function<void()> notify_;
  int notifying_ = 0;
  std::thread::id notifyThread_;
  std::vector<std::function<void()>> waiters_;
  bool signalled_ = false;
  int efd_ = -1;
  // Trace.
  uint64_t traceId_ = 0;
  uint16_t opnum_ = 0;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace midlrt::async::detail
