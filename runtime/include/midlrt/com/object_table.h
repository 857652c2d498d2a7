// The objects a server exports: object UUID (the IPID a client names in its binding or proxy) to object.
// Generated stubs of object interfaces look the called object up here and QueryInterface it for their
// interface. One table can serve every interface of a server.
#pragma once

#include <map>
#include <mutex>

#include "midlrt/com/unknown.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::com {

/// The objects a server exports, by object UUID (the IPID a client names in its binding or proxy), for the
/// stubs of object interfaces to find the called object. Thread-safe; one table can serve every interface.
class ObjectTable {
 public:
  /// Exports `object` under `id`, replacing what was there. Any interface of the object will do, even a
  /// class that reaches IUnknown through several bases (ComObject<IFoo, ICallFactory>): the table keeps its
  /// IUnknown.
  template <class T>
  void add(const rpc::Uuid& id, const ComPtr<T>& object) {
    ComPtr<IUnknown> unknown;
    if (object) object->QueryInterface(IUnknown::kIid, unknown.putVoid());
    std::lock_guard<std::mutex> lock(mu_);
    objects_[id] = std::move(unknown);
  }

  /// Stops exporting `id`; calls already dispatched keep their reference.
  bool remove(const rpc::Uuid& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return objects_.erase(id) > 0;
  }

  /// The object `id` names, as interface T; null if there is none or it does not implement T.
  template <class T>
  ComPtr<T> find(const rpc::Uuid* id) const {
    ComPtr<IUnknown> object;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = id ? objects_.find(*id) : objects_.end();
      if (it != objects_.end()) object = it->second;
    }
    return object ? object.template as<T>() : ComPtr<T>();
  }

 private:
  mutable std::mutex mu_;
  std::map<rpc::Uuid, ComPtr<IUnknown>, GuidLess> objects_;
};

}  // namespace midlrt::com
