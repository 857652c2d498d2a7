// HRESULT and the standard COM status codes this runtime returns, with the values of Microsoft's winerror.h
// (checked against MS-ERREF 2.1.1).
#pragma once

#include <cstdint>
#include <string>

namespace midlrt::com {

/// A COM status: negative (severity bit set) for failure, S_OK / S_FALSE and other non-negative values
/// for success.
using HRESULT = int32_t;
/// Windows' 32-bit unsigned integer types, as COM signatures spell them (reference counts, flags, times).
///@{
using ULONG = uint32_t;
using DWORD = uint32_t;
///@}

/// An HRESULT from its bits as written in winerror.h (0x8000FFFF), without a narrowing cast at each use.
constexpr HRESULT hresult(uint32_t bits) {
  return static_cast<HRESULT>(bits);
}
/// The SUCCEEDED macro of Windows: not a failure.
constexpr bool SUCCEEDED(HRESULT hr) {
  return hr >= 0;
}
/// The FAILED macro of Windows: the severity bit is set.
constexpr bool FAILED(HRESULT hr) {
  return hr < 0;
}
/// HRESULT_FROM_WIN32: a Win32 error code (or RPC_S_* status) as a failure HRESULT of FACILITY_WIN32.
constexpr HRESULT hresultFromWin32(uint32_t code) {
  return code == 0 || (code & 0x80000000u) != 0 ? static_cast<HRESULT>(code)
                                                : hresult((code & 0xffffu) | 0x80070000u);
}

/// @name Generic codes
/// winerror.h's values and meanings.
///@{
inline constexpr HRESULT S_OK = 0;                                     ///< success
inline constexpr HRESULT S_FALSE = 1;                                  ///< success, with a "no" answer
inline constexpr HRESULT E_NOTIMPL = hresult(0x80004001);              ///< not implemented
inline constexpr HRESULT E_NOINTERFACE = hresult(0x80004002);          ///< QueryInterface: no such interface
inline constexpr HRESULT E_POINTER = hresult(0x80004003);              ///< a required pointer was null
inline constexpr HRESULT E_ABORT = hresult(0x80004004);                ///< the operation was aborted
inline constexpr HRESULT E_FAIL = hresult(0x80004005);                 ///< unspecified failure
inline constexpr HRESULT E_UNEXPECTED = hresult(0x8000FFFF);           ///< catastrophic failure
inline constexpr HRESULT E_ACCESSDENIED = hresult(0x80070005);         ///< access denied
inline constexpr HRESULT E_OUTOFMEMORY = hresult(0x8007000E);          ///< out of memory
inline constexpr HRESULT E_INVALIDARG = hresult(0x80070057);           ///< an argument is invalid
inline constexpr HRESULT CLASS_E_NOAGGREGATION = hresult(0x80040110);  ///< the class cannot be aggregated
inline constexpr HRESULT REGDB_E_CLASSNOTREG =
    hresult(0x80040154);  ///< activation: no such class is registered
/// Activation: the object was made, but lacks some of the interfaces asked for.
inline constexpr HRESULT CO_S_NOTALLINTERFACES = hresult(0x00080012);
inline constexpr HRESULT CO_E_SERVER_STOPPING =
    hresult(0x80004008);  ///< activation: the server is shutting down
///@}

/// @name Call codes
/// The RPC_E_ and RPC_S_ HRESULTs of COM calls (FACILITY_RPC), with winerror.h's values.
///@{
/// Finish_ of a cancelled call; Cancel or TestCancel after a cancel.
inline constexpr HRESULT RPC_E_CALL_CANCELED = hresult(0x80010002);
inline constexpr HRESULT RPC_E_FAULT = hresult(0x80010104);        ///< the call faulted
inline constexpr HRESULT RPC_E_SERVERFAULT = hresult(0x80010105);  ///< the server faulted (nca_s_* status)
/// The object is gone: object stubs fault with it when no exported object has the call's object UUID.
inline constexpr HRESULT RPC_E_DISCONNECTED = hresult(0x80010108);
/// ISynchronize::Wait timed out; ICancelMethodCalls::TestCancel on a call that is running and not cancelled.
inline constexpr HRESULT RPC_S_CALLPENDING = hresult(0x80010115);
/// Finish_ (or Cancel) with no call in progress.
inline constexpr HRESULT RPC_E_CALL_COMPLETE = hresult(0x80010117);
inline constexpr HRESULT RPC_E_TIMEOUT = hresult(0x8001011F);         ///< the call's deadline passed
inline constexpr HRESULT CO_E_CANCEL_DISABLED = hresult(0x80010140);  ///< cancellation is disabled
/// IRemUnknown: the IPID names no interface of the exporter (MS-DCOM 3.1.1.5.6.1.1).
inline constexpr HRESULT RPC_E_INVALID_OBJECT = hresult(0x80010150);
/// Begin_ while the call object's previous call is not finished. "Making an Asynchronous Call" names
/// RPC_E_CALL_PENDING, but neither winerror.h nor MS-ERREF defines it; we give it the value of the
/// documented code with the same meaning ("a request was sent and its reply is awaited"), RPC_S_CALLPENDING.
inline constexpr HRESULT RPC_E_CALL_PENDING = RPC_S_CALLPENDING;
///@}

/// "RPC_E_CALL_CANCELED" for the codes above, "0x%08x" otherwise.
std::string hresultName(HRESULT hr);

}  // namespace midlrt::com
