// Status codes the NDR layer reports, as the RPC layer puts them into fault PDUs.
#pragma once

#include <cstdint>

namespace midlrt::ndr {

/// rpc_x_bad_stub_data (C706 appendix E, also rpc_s_fault_ndr in MS-RPCE): the stub data could not be
/// unmarshaled. Every DecodeError carries this status unless a more specific one applies.
inline constexpr std::uint32_t kRpcXBadStubData = 0x000006f7;

/// RPC_X_ENUM_VALUE_OUT_OF_RANGE (1781): an enum16 value outside 0..0x7fff.
inline constexpr std::uint32_t kRpcXEnumValueOutOfRange = 0x000006f5;

/// RPC_X_NULL_REF_POINTER (1780): a pointer that must not be NULL is (an [iid_is] IID, say).
inline constexpr std::uint32_t kRpcXNullRefPointer = 0x000006f4;

/// RPC_X_INVALID_BOUND (1734): a size, length or [range] value out of bounds (encode side).
inline constexpr std::uint32_t kRpcXInvalidBound = 0x000006c6;

}  // namespace midlrt::ndr
