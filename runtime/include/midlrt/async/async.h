// The asynchronous layer in one include, for generated code: COM base, call objects, server call contexts,
// asynchronous RPC and future adapters (coro.h is separate: it needs C++20).
#pragma once

#include "midlrt/async/async_state.h"
#include "midlrt/async/call_object.h"
#include "midlrt/async/future.h"
#include "midlrt/async/server_call.h"
#include "midlrt/async/status.h"
#include "midlrt/com/com.h"
