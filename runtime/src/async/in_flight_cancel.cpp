// Cancelling a call in flight: co_cancel now, orphaned after the grace period.
#include "in_flight_cancel.h"

#include "timer.h"

namespace midlrt::async::detail {

void cancelInFlight(const rpc::CallHandle& call, std::chrono::milliseconds grace,
                    std::function<void()> orphan) {
  if (grace.count() == 0) {
    rpc::CallHandle(call).abandon();
    return;
  }
  rpc::CallHandle(call).cancel();
  if (grace == kNeverOrphan) return;
  runAfter(grace, std::move(orphan));
}

}  // namespace midlrt::async::detail
