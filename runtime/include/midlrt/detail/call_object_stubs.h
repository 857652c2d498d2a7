// Call objects as generated COM code makes them: the body of a proxy's ICallFactory::CreateCall, and a
// stub's hand-off of an asynchronous call to the server object's call object. For generated code (and
// hand-written proxies and stubs), not applications.
#pragma once

#include <functional>

#include "midlrt/async/call_object.h"
#include "midlrt/async/server_call.h"
#include "midlrt/com/objidl.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/server.h"

namespace midlrt::async {

// The body of a proxy's ICallFactory::CreateCall. `make(pCtrlUnk)` returns a new call object (reference
// count 1, as `new` leaves an Aggregatable). Wrong riid -> E_NOINTERFACE; aggregating (pCtrlUnk set) with
// riid2 other than IID_IUnknown -> E_INVALIDARG (the rule of IClassFactory::CreateInstance); no ppv ->
// E_POINTER. Aggregated, *ppv is the call object's non-delegating IUnknown.
template <class Make>
com::HRESULT createCallObject(com::REFIID riid, com::REFIID asyncIid, com::IUnknown* pCtrlUnk,
                              com::REFIID riid2, com::IUnknown** ppv, Make&& make) {
  if (ppv == nullptr) return com::E_POINTER;
  *ppv = nullptr;
  if (riid != asyncIid) return com::E_NOINTERFACE;
  if (pCtrlUnk != nullptr && riid2 != com::IUnknown::kIid) return com::E_INVALIDARG;
  ClientCallObject* obj = make(pCtrlUnk);
  if (obj == nullptr) return com::E_OUTOFMEMORY;
  com::IUnknown* inner = obj->innerUnknown();
  if (pCtrlUnk != nullptr) {
    *ppv = inner;  // keeps the creation reference
    return com::S_OK;
  }
  com::HRESULT hr = inner->QueryInterface(riid2, reinterpret_cast<void**>(ppv));
  inner->Release();
  return hr;
}

// For a generated stub of an asynchronous object interface, after unmarshaling the [in] parameters:
//
//   HRESULT hr = midlrt::async::dispatchToCallObject(call, serverObject, IID_AsyncICalc,
//       [=](void* itf) { return static_cast<AsyncICalc*>(itf)->Begin_Add(a, b); },
//       [](void* itf, rpc::Message& out) { long sum = 0; HRESULT r = static_cast<AsyncICalc*>(itf)->
//                                          Finish_Add(&sum); /* marshal sum, r into out */ });
//   if (hr == E_NOINTERFACE) { /* no ICallFactory for AsyncICalc: call the sync method */ }
//
// The runtime makes the call context and asks the server object for a call object as
// midlrt/async/server_call.h describes, defers the rpc::ServerCall, and calls `begin` with the call object's
// asyncIid interface on the dispatch thread and `collect` on the thread that signals, then sends the
// response. `collect` may throw rpc::RpcError or ndr::NdrError to fault the call.
//
// Returns S_OK when the runtime owns the call, E_NOINTERFACE when the object has no ICallFactory or
// CreateCall does not give a call object with asyncIid (then the stub calls the sync method).
com::HRESULT dispatchToCallObject(rpc::ServerCall& call, com::IUnknown* serverObject, com::REFIID asyncIid,
                                  std::function<com::HRESULT(void* asyncItf)> begin,
                                  std::function<void(void* asyncItf, rpc::Message& response)> collect);

}  // namespace midlrt::async
