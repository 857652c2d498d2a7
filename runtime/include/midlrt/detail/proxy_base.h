// What every generated COM proxy is besides its interfaces: the channel it calls through, the exported
// object its calls name, and the interface they travel as. The helpers MIDL names <Interface>_<Remote>_Proxy
// (the remote forms of [local] methods, [call_as]) are free functions given an interface pointer; they find
// the proxy's channel here, whichever derived interface the proxy was made for. For generated code.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "midlrt/com/unknown.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/status.h"

namespace midlrt::com {

class ProxyBase {
 public:
  ProxyBase(const ProxyBase&) = delete;
  ProxyBase& operator=(const ProxyBase&) = delete;

  const std::shared_ptr<rpc::Channel>& binding() const { return binding_; }
  const rpc::Uuid& object() const { return object_; }

  /// Calls `opnum` on the proxy's object, as the proxy's interface.
  rpc::Reply invoke(uint16_t opnum, rpc::Message& request) const {
    rpc::CallOptions options;
    options.object = &object_;
    return binding_->invoke(ifspec_, opnum, request, options);
  }

  /// The proxy `object` is, or null for an object that is not a proxy.
  static ProxyBase* find(IUnknown* object) { return dynamic_cast<ProxyBase*>(object); }

  /// Keeps `reference` until the proxy goes: what gives the remote references of an unmarshaled interface
  /// pointer back when the last C++ reference to its proxy is released (midlrt/dcom/marshal.h).
  void holdReference(std::shared_ptr<void> reference) { reference_ = std::move(reference); }
  /// What holdReference was given (null for a proxy made by <Interface>_createProxy).
  const std::shared_ptr<void>& reference() const { return reference_; }

  /// The proxy `object` is. An object that is not a proxy (a local one) has no remote form to call:
  /// RpcError(RPC_S_INVALID_BINDING).
  static const ProxyBase& of(IUnknown* object) {
    const auto* proxy = dynamic_cast<const ProxyBase*>(object);
    if (proxy == nullptr)
      throw rpc::RpcError(
          rpc::status::kInvalidBinding,
          "the remote form of a [call_as] method was called on an object that is not a proxy");
    return *proxy;
  }

 protected:
  ProxyBase(std::shared_ptr<rpc::Channel> binding, const rpc::Uuid& object, const rpc::SyntaxId& ifspec)
      : binding_(std::move(binding)), object_(object), ifspec_(ifspec) {}
  ~ProxyBase() = default;

 private:
  std::shared_ptr<rpc::Channel> binding_;
  rpc::Uuid object_;
  rpc::SyntaxId ifspec_;
  std::shared_ptr<void> reference_;
};

}  // namespace midlrt::com
