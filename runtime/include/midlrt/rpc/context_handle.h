// Context handles ([context_handle]): server state that a client holds by a 20-byte wire handle
// (attributes u32, then a UUID; all zero for NULL). The server keeps each association group's handles in a
// table, so a handle is valid over every connection of the group (all those of a non-causal Channel); when
// the last of them closes, the table is dropped and every state it still holds is released -- that release
// is the rundown (give the std::shared_ptr a deleter, or hold an object whose destructor runs it).
// Generated stubs marshal handles with the helpers in midlrt/detail/context_handle_stubs.h.
#pragma once

#include <cstdint>

#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc {

/// The client's side of a context handle: opaque, copyable; default-constructed is NULL.
struct ContextHandle {
  uint32_t attributes = 0;  ///< the wire handle's first 4 bytes (context_handle_attributes)
  Uuid uuid;                ///< the server's key for its state (context_handle_uuid)
  /// The NULL handle (all 20 bytes zero): no server state.
  bool isNull() const { return attributes == 0 && uuid.isNil(); }
  /// Not NULL.
  explicit operator bool() const { return !isNull(); }
};

}  // namespace midlrt::rpc
