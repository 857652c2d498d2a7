// The whole RPC layer in one include, for generated client and server stubs.
#pragma once

#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/procedure_pickle.h"
#include "midlrt/rpc/security.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "midlrt/rpc/uuid.h"

/// @namespace midlrt::rpc
/// Connection-oriented DCE/RPC (ncacn_ip_tcp and ncalrpc): the client's Channel (binding handle), the
/// Server with its associations and calls, Message/Reply stub data buffers, UUIDs, string bindings and
/// status codes.
