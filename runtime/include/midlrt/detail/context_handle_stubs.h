// Context handles as generated stubs marshal them: the 20-byte wire form, and the server's table of each
// association group's handles that [in] handles are looked up in and [out] handles are added to. For
// generated code (and hand-written stubs), not applications: they hold a rpc::ContextHandle.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>

#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/context_handle.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc {

inline void writeContextHandle(ndr::Encoder& e, const ContextHandle& h) {
  e.align(4);
  e.write<uint32_t>(h.attributes);
  uint8_t bytes[16];
  h.uuid.encode(bytes);
  e.writeBulk(bytes, 16, 1);
}

inline ContextHandle readContextHandle(ndr::Decoder& d) {
  d.align(4);
  ContextHandle h;
  h.attributes = d.read<uint32_t>();
  uint8_t bytes[16];
  d.readBulk(bytes, 16, 1);
  h.uuid = Uuid::decode(bytes);
  return h;
}

/// One association group's context handles (server side).
class ServerContextTable {
 public:
  /// The table of the association group `call` arrived in, made on first use.
  static std::shared_ptr<ServerContextTable> of(ServerCall& call) {
    static const char key = 0;
    static std::mutex creating;
    AssociationGroup& group = call.associationGroup();
    auto table = std::static_pointer_cast<ServerContextTable>(group.attachment(&key));
    if (table) return table;
    std::lock_guard<std::mutex> lock(creating);
    table = std::static_pointer_cast<ServerContextTable>(group.attachment(&key));
    if (!table) {
      table = std::make_shared<ServerContextTable>();
      group.setAttachment(&key, table);
      // Rundown: when the client goes away, every state still held is released.
      group.onClose([weak = std::weak_ptr<ServerContextTable>(table)] {
        if (auto t = weak.lock()) t->clear();
      });
    }
    return table;
  }

  std::shared_ptr<void> find(const Uuid& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = states_.find(id);
    return it == states_.end() ? nullptr : it->second;
  }

  Uuid add(std::shared_ptr<void> state) {
    std::lock_guard<std::mutex> lock(mu_);
    Uuid id;
    do {
      id.data1 = static_cast<uint32_t>(rng_());
      id.data2 = static_cast<uint16_t>(rng_());
      id.data3 = static_cast<uint16_t>((rng_() & 0x0fff) | 0x4000);
      uint64_t tail = rng_();
      for (int i = 0; i < 8; ++i) id.data4[i] = static_cast<uint8_t>(tail >> (8 * i));
      id.data4[0] = static_cast<uint8_t>((id.data4[0] & 0x3f) | 0x80);
    } while (states_.count(id));
    states_.emplace(id, std::move(state));
    return id;
  }

  void replace(const Uuid& id, std::shared_ptr<void> state) {
    std::lock_guard<std::mutex> lock(mu_);
    states_[id] = std::move(state);
  }

  void remove(const Uuid& id) {
    std::shared_ptr<void> released;  // released outside the lock: it may run the rundown
    std::lock_guard<std::mutex> lock(mu_);
    auto it = states_.find(id);
    if (it == states_.end()) return;
    released = std::move(it->second);
    states_.erase(it);
  }

  void clear() {
    std::map<Uuid, std::shared_ptr<void>, Less> released;
    {
      std::lock_guard<std::mutex> lock(mu_);
      released.swap(states_);
    }
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return states_.size();
  }

 private:
  struct Less {
    bool operator()(const Uuid& a, const Uuid& b) const {
      uint8_t x[16], y[16];
      a.encode(x);
      b.encode(y);
      return std::lexicographical_compare(x, x + 16, y, y + 16);
    }
  };
  mutable std::mutex mu_;
  std::map<Uuid, std::shared_ptr<void>, Less> states_;
  std::mt19937_64 rng_{std::random_device{}()};
};

/// Server stubs: an [in] context handle's state; a handle this association group does not hold is a fault
/// (nca_s_fault_context_mismatch). `id` receives the handle's UUID for the [out] side of [in,out].
inline std::shared_ptr<void> readServerContext(ndr::Decoder& d, ServerCall& call, Uuid& id) {
  ContextHandle h = readContextHandle(d);
  id = h.uuid;
  if (h.isNull()) return nullptr;
  auto state = ServerContextTable::of(call)->find(h.uuid);
  if (!state) throw RpcError(status::kFaultContextMismatch, "unknown context handle");
  return state;
}

/// Server stubs: the [out] side. A NULL state closes the handle (and releases what the table held).
inline void writeServerContext(ndr::Encoder& e, ServerCall& call, const Uuid& id,
                               const std::shared_ptr<void>& state) {
  auto table = ServerContextTable::of(call);
  ContextHandle h;
  if (!state) {
    if (!id.isNil()) table->remove(id);
  } else if (!id.isNil() && table->find(id)) {
    table->replace(id, state);
    h.uuid = id;
  } else {
    h.uuid = table->add(state);
  }
  writeContextHandle(e, h);
}

}  // namespace midlrt::rpc
