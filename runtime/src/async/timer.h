// Internal: one lazily started thread that runs deferred actions (the orphan deadline of a cancelled call).
#pragma once

#include <chrono>
#include <functional>

namespace midlrt::async::detail {

// Runs fn on the timer thread after `delay`. Actions still queued at process exit are dropped.
void runAfter(std::chrono::milliseconds delay, std::function<void()> fn);

}  // namespace midlrt::async::detail
