// Internal: ICancelMethodCalls::Cancel(seconds) applied to a call in flight, shared by call objects
// (ClientOp) and the cancel objects of synchronous calls (call_cancel.cpp): which cancel counts, and what
// it sends.
#pragma once

#include <chrono>
#include <functional>

#include "midlrt/rpc/channel.h"

namespace midlrt::async::detail {

// RPC_C_CANCEL_INFINITE_TIMEOUT as a grace period: wait for the server, never orphan.
inline constexpr std::chrono::milliseconds kNeverOrphan{-1};

// The cancels of one call. The first is applied; a later one is "already cancelled" (RPC_E_CALL_CANCELED),
// except that an abortive one (grace 0) escalates an earlier one that still waits for the server.
class CancelRequests {
 public:
  enum class Step { kFirst, kEscalate, kAlready };
  Step request(std::chrono::milliseconds grace) {
    if (!requested_) {
      requested_ = true;
      grace_ = grace;
      return Step::kFirst;
    }
    if (grace.count() == 0 && grace_.count() != 0) {
      grace_ = grace;
      return Step::kEscalate;
    }
    return Step::kAlready;
  }
  bool requested() const { return requested_; }
  std::chrono::milliseconds grace() const { return grace_; }
  void clear() { requested_ = false; }

 private:
  bool requested_ = false;
  std::chrono::milliseconds grace_{0};
};

// Sends co_cancel for `call` and, `grace` later, runs `orphan` on the timer thread (it should abandon the
// call if it is still the one cancelled). Grace 0 abandons at once instead (orphaned PDU, the call
// completes locally with RPC_S_CALL_CANCELLED); kNeverOrphan only sends co_cancel.
void cancelInFlight(const rpc::CallHandle& call, std::chrono::milliseconds grace,
                    std::function<void()> orphan);

}  // namespace midlrt::async::detail
