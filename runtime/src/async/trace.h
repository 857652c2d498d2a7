// Internal: the MIDLRT_TRACE=1 switch, one line per call lifecycle event on stderr.
#pragma once

#include <cstdint>

namespace midlrt::async::detail {

bool traceEnabled();
// "midlrt-trace <ms since first trace> <side> call#<id> call_id=<n> <event> <detail>"
void trace(const char* side, uint64_t id, uint32_t callId, const char* event, const char* fmt = nullptr, ...)
    __attribute__((format(printf, 5, 6)));
uint64_t nextTraceId();

}  // namespace midlrt::async::detail
