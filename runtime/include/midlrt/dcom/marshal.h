// Interface pointers on MS-DCOM's wire, for generated code: an interface pointer travels as an
// MInterfacePointer holding an OBJREF (MS-DCOM 2.2.14, 2.2.18). Marshaling exports the object through this
// process's object exporter; unmarshaling gives the object itself when it lives in this process, and
// otherwise a proxy, after resolving the exporter's OXID at the resolver the OBJREF names. A proxy made so
// holds the references the OBJREF handed over, keeps its object alive by pinging, and gives the references
// back (RemRelease) when its last C++ reference is released.
#pragma once

#include <chrono>
#include <memory>
#include <utility>

#include "midlrt/com/guid.h"
#include "midlrt/com/unknown.h"
#include "midlrt/detail/proxy_base.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/ndr/error.h"
#include "midlrt/ndr/status.h"
#include "midlrt/rpc/channel.h"

namespace midlrt::dcom {

/// A generated proxy constructor, as a function of the interface: the proxy for the object an IPID names,
/// called through `binding`.
using ProxyFactory = com::ComPtr<com::IUnknown> (*)(const std::shared_ptr<rpc::Channel>& binding,
                                                    const rpc::Uuid& ipid);

/// The ProxyFactory of a generated proxy: proxyOf<IFoo, &IFoo_createProxy>.
template <class I, com::ComPtr<I> (*Make)(const std::shared_ptr<rpc::Channel>&, const rpc::Uuid&)>
com::ComPtr<com::IUnknown> proxyOf(const std::shared_ptr<rpc::Channel>& binding, const rpc::Uuid& ipid) {
  return Make(binding, ipid);
}

/// Makes `factory` the proxy of interface `iid` for interface pointers whose type is only known at run time
/// ([iid_is]). Generated client code registers every object interface it has a proxy for, at static
/// initialization; a later registration of the same IID replaces the earlier one. A program links the
/// client file of an interface whose proxies it makes; with static libraries, only the files it refers to
/// are linked, so an interface met only through [iid_is] needs its `IFoo_createProxy` named somewhere.
class ProxyRegistration {
 public:
  /// Registers `factory` for `iid`.
  ProxyRegistration(const com::IID& iid, ProxyFactory factory);
};

/// For generated code: writes the MInterfacePointer of interface `iid` of `object` (not null), exported
/// through this process's oldest object exporter with one public reference for the receiver. A proxy is
/// exported like any object (calls to it are forwarded). Throws ndr::EncodeError when the process has no
/// exporter or the object does not implement `iid`.
void writeInterfacePointer(ndr::Encoder& e, com::IUnknown* object, const com::IID& iid);

/// For generated code: reads an MInterfacePointer and returns an owned reference to interface `iid` of the
/// object it names: the object itself if an exporter of this process exported it (the references it
/// carried are given back at once), else a proxy for the OBJREF's interface made by `factory` (or the one
/// registered for that IID), queried for `iid`. Throws ndr::DecodeError for a malformed OBJREF or one whose
/// object lacks `iid`, and rpc::RpcError when its exporter cannot be resolved or has no proxy here.
void* readInterfacePointer(ndr::Decoder& d, const com::IID& iid, ProxyFactory factory = nullptr);

/// For generated code: the IID an [iid_is] names through a [unique] pointer (`[in, unique] IID* piid`,
/// held as `const IID*` or `std::unique_ptr<IID>`). An interface pointer cannot travel without its IID:
/// NULL throws ndr::NdrError with RPC_X_NULL_REF_POINTER.
template <class P>
const com::IID& iidAt(const P& iid) {
  if (!iid) throw ndr::NdrError("an [iid_is] IID pointer is NULL", ndr::kRpcXNullRefPointer);
  return *iid;
}

/// For generated stubs: releases the reference an [iid_is] void** parameter's `void*` still holds when the
/// stub's scope ends: one unmarshaled for an [in,out] parameter that a call object's Begin_ borrowed, or
/// one the manager made before the call failed.
class ReleaseOnExit {
 public:
  /// Watches `object` (a `void*` holding a reference of the interface its [iid_is] names, or null).
  explicit ReleaseOnExit(void*& object) : object_(object) {}
  ~ReleaseOnExit() {
    if (object_ != nullptr) static_cast<com::IUnknown*>(std::exchange(object_, nullptr))->Release();
  }
  ReleaseOnExit(const ReleaseOnExit&) = delete;
  ReleaseOnExit& operator=(const ReleaseOnExit&) = delete;

 private:
  void*& object_;
};

/// For generated proxies: QueryInterface for an interface the proxy does not implement asks the object's
/// exporter (RemQueryInterface), as COM's proxies do, and answers a new proxy for it. E_NOINTERFACE when the
/// object lacks it, when no proxy of this program implements it, or for a proxy not made from an OBJREF
/// (`IFoo_createProxy`).
com::HRESULT queryRemoteInterface(const com::ProxyBase& proxy, const com::IID& iid, void** ppv);

/// Offline, unmarshaling an interface pointer of another process fails (rpc::RpcError,
/// RPC_S_SERVER_UNAVAILABLE) without resolving its exporter: for fuzz targets, whose made-up OBJREFs name
/// resolvers anywhere. Objects of this process still unmarshal.
void setOffline(bool offline);

/// How often this process pings the objects its proxies hold (MS-DCOM's 120 seconds by default). Tests
/// that shorten a server's ping timeout shorten this too.
void setPingPeriod(std::chrono::milliseconds period);

}  // namespace midlrt::dcom
