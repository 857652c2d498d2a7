// The asynchronous layer in one include: COM base, call objects, server call contexts, asynchronous RPC and
// future adapters (coro.h is separate: it needs C++20). What generated code alone calls is in
// midlrt/detail/call_object_stubs.h.
#pragma once

#include "midlrt/async/async_state.h"
#include "midlrt/async/call_cancel.h"
#include "midlrt/async/call_object.h"
#include "midlrt/async/future.h"
#include "midlrt/async/server_call.h"
#include "midlrt/async/status.h"
#include "midlrt/com/com.h"

/// @namespace midlrt::async
/// Asynchronous calls: client call objects (Begin_/Finish_ of AsyncIFoo, ClientCallObject, createCall),
/// cancel objects of synchronous calls (getCancelObject, cancelCall),
/// the client's AsyncState (RPC_ASYNC_STATE) and CompletionQueue, the server's ServerAsyncCall handle and
/// call contexts, and adapters to std::future and C++20 coroutines.
