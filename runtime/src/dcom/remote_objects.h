// The client side of marshal.cpp that activation (activation.cpp) shares: an object from an OBJREF, and an
// exporter an activation reply already resolved.
#pragma once

#include <cstdint>
#include <string>

#include "midlrt/com/objref.h"
#include "midlrt/dcom/marshal.h"
#include "midlrt/rpc/channel.h"

namespace midlrt::dcom {

/// The object an OBJREF names (readInterfacePointer's result before its QueryInterface): the object itself
/// when this process exports it, else a proxy made by `factory` (or the one registered for the OBJREF's
/// IID) holding the OBJREF's references.
com::ComPtr<com::IUnknown> unmarshalObjRef(const com::ObjRef& ref, ProxyFactory factory);

/// Records where exporter `oxid` is reached, as an activation reply tells it (so that unmarshaling its
/// OBJREFs asks no resolver), and the resolver that pings its objects: the first one of `resolvers` (an
/// OBJREF's saResAddr) this runtime can call, else `fallback`. An exporter already known is kept.
/// `authnHint`: the level the reply asked clients to authenticate at.
void rememberExporter(com::Oxid oxid, const com::DualStringArray& bindings, const com::Ipid& remUnknown,
                      std::uint32_t authnHint, const com::DualStringArray& resolvers,
                      const std::string& fallback);

/// The options of a channel of this process's DCOM calls (security.cpp): setClientSecurity's
/// authentication, its level raised to `authnHint` (an RPC_C_AUTHN_LEVEL_*; 1, none, raises nothing).
rpc::ChannelOptions dcomChannelOptions(std::uint32_t authnHint = 1);

}  // namespace midlrt::dcom
