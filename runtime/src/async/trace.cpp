// MIDLRT_TRACE=1: each call's lifecycle on stderr, one line per event, written with one write(2).
#include "trace.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace midlrt::async::detail {

namespace {
const auto kEpoch = std::chrono::steady_clock::now();
std::atomic<uint64_t> gNextId{1};
}  // namespace

bool traceEnabled() {
  static const bool on = [] {
    const char* v = std::getenv("MIDLRT_TRACE");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return on;
}

uint64_t nextTraceId() {
  return gNextId.fetch_add(1, std::memory_order_relaxed);
}

void trace(const char* side, uint64_t id, uint32_t callId, const char* event, const char* fmt, ...) {
  char line[512];
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - kEpoch).count();
  int n = std::snprintf(line, sizeof line, "midlrt-trace %.3fms %s call#%llu call_id=%u %s", ms, side,
                        static_cast<unsigned long long>(id), callId, event);
  if (n < 0) return;
  size_t len = static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1;
  if (fmt != nullptr && len + 2 < sizeof line) {
    line[len++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    int m = std::vsnprintf(line + len, sizeof line - len, fmt, ap);
    va_end(ap);
    if (m > 0)
      len += static_cast<size_t>(m) < sizeof line - len ? static_cast<size_t>(m) : sizeof line - len - 1;
  }
  if (len + 1 < sizeof line) line[len++] = '\n';
  [[maybe_unused]] ssize_t w = ::write(2, line, len);
}

}  // namespace midlrt::async::detail
