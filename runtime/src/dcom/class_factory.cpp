// The routines MIDL leaves to the owner of IClassFactory's [call_as] pairs (runtime/idl/unknwn.idl), as
// Microsoft's ole32 defines them: the proxy turns a local call into its remote form, the stub the remote
// form back into a call of the server's object.
#include <midlrt/idl/unknwn.h>

#include "midlrt/com/hresult.h"

// A class object on another machine cannot aggregate the caller's object: there is no controlling unknown
// to pass (the remote form has no pUnkOuter), so asking for aggregation is refused here.
HRESULT IClassFactory_CreateInstance_Proxy(IClassFactory* This, IUnknown* pUnkOuter, const IID& riid,
                                           void*& ppvObject) {
  ppvObject = nullptr;
  if (pUnkOuter != nullptr) return ::midlrt::com::CLASS_E_NOAGGREGATION;
  ::midlrt::com::ComPtr<IUnknown> object;
  const HRESULT hr = IClassFactory_RemoteCreateInstance_Proxy(This, riid, object);
  // The interface pointer read for [iid_is(riid)] is interface riid's, held as an IUnknown*.
  if (hr >= 0) ppvObject = object.detach();
  return hr;
}

HRESULT IClassFactory_CreateInstance_Stub(IClassFactory* This, const IID& riid,
                                          ::midlrt::com::ComPtr<IUnknown>& ppvObject) {
  void* object = nullptr;
  const HRESULT hr = This->CreateInstance(nullptr, riid, object);
  ppvObject = ::midlrt::com::ComPtr<IUnknown>::attach(static_cast<IUnknown*>(object));
  return hr;
}

HRESULT IClassFactory_LockServer_Proxy(IClassFactory* This, BOOL fLock) {
  return IClassFactory_RemoteLockServer_Proxy(This, fLock);
}

HRESULT IClassFactory_LockServer_Stub(IClassFactory* This, BOOL fLock) {
  return This->LockServer(fLock);
}
