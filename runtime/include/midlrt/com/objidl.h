// The COM interfaces of asynchronous calls, as declared in runtime/idl/objidl.idl, with Windows' IIDs.
#pragma once

#include "midlrt/com/unknown.h"

namespace midlrt::com {

/// ISynchronize::Wait(flags, INFINITE) waits for ever.
inline constexpr DWORD INFINITE = 0xFFFFFFFFu;
/// Cancel(RPC_C_CANCEL_INFINITE_TIMEOUT): ask the server, never orphan the call locally.
inline constexpr ULONG RPC_C_CANCEL_INFINITE_TIMEOUT = 0xFFFFFFFFu;
///@{
/// Wait flags (COWAIT_*). This runtime has no apartments or message loops: every flag is accepted and none
/// changes the behaviour.
inline constexpr DWORD COWAIT_DEFAULT = 0;
inline constexpr DWORD COWAIT_WAITALL = 1;
inline constexpr DWORD COWAIT_ALERTABLE = 2;
///@}

/// Implemented by a proxy (always) and by a server object that processes calls asynchronously.
class ICallFactory : public IUnknown {
 public:
  /// IID_ICallFactory, 1c733a30-2a1c-11ce-ade5-00aa0044773d.
  static constexpr IID kIid{0x1c733a30, 0x2a1c, 0x11ce, {0xad, 0xe5, 0x00, 0xaa, 0x00, 0x44, 0x77, 0x3d}};
  /// riid: the asynchronous interface (AsyncIFoo); pCtrlUnk: the controlling unknown when aggregating
  /// (then riid2 must be IID_IUnknown); riid2: the interface returned in *ppv.
  virtual HRESULT CreateCall(REFIID riid, IUnknown* pCtrlUnk, REFIID riid2, IUnknown** ppv) = 0;
};

/// A manual-reset event: Signal sets it, Reset clears it, Wait blocks until it is set.
class ISynchronize : public IUnknown {
 public:
  /// IID_ISynchronize, 00000030-0000-0000-C000-000000000046.
  static constexpr IID kIid{0x00000030, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
  /// S_OK once signalled; RPC_S_CALLPENDING if dwMilliseconds pass first (INFINITE waits for ever).
  virtual HRESULT Wait(DWORD dwFlags, DWORD dwMilliseconds) = 0;
  /// Sets the event, releasing every waiter now and later until Reset.
  virtual HRESULT Signal() = 0;
  /// Clears the event.
  virtual HRESULT Reset() = 0;
};

/// The event behind ISynchronize as a file descriptor: on this runtime an eventfd that polls readable
/// (POLLIN) while the event is signalled, so one thread can wait for many calls with poll/epoll. The
/// descriptor belongs to the object: do not read, write or close it; it stays valid while the object lives.
class ISynchronizeHandle : public IUnknown {
 public:
  /// IID_ISynchronizeHandle, 00000031-0000-0000-C000-000000000046.
  static constexpr IID kIid{0x00000031, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
  /// Stores the descriptor in *ph (where Windows gives a HANDLE): S_OK; E_POINTER if ph is null.
  virtual HRESULT GetHandle(int* ph) = 0;
};

/// Cancellation of a call: on a client call object, of its call in progress; on a server's call context
/// (Windows' CoGetCallContext; here the server call object's controlling unknown), TestCancel tells the
/// server whether its client cancelled.
class ICancelMethodCalls : public IUnknown {
 public:
  /// IID_ICancelMethodCalls, 00000029-0000-0000-C000-000000000046.
  static constexpr IID kIid{0x00000029, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
  /// Asks for the call to be cancelled and, if the server has not answered ulSeconds later, gives up on it.
  virtual HRESULT Cancel(ULONG ulSeconds) = 0;
  /// RPC_E_CALL_CANCELED if cancelled, RPC_S_CALLPENDING if running, RPC_E_CALL_COMPLETE if no call.
  virtual HRESULT TestCancel() = 0;
};

///@{
/// The interfaces' IIDs under their Windows names.
inline constexpr IID IID_ICallFactory = ICallFactory::kIid;
inline constexpr IID IID_ISynchronize = ISynchronize::kIid;
inline constexpr IID IID_ISynchronizeHandle = ISynchronizeHandle::kIid;
inline constexpr IID IID_ICancelMethodCalls = ICancelMethodCalls::kIid;
///@}

}  // namespace midlrt::com
