// The endpoint mapper (C706 appendix O): which endpoints of a machine serve which interfaces, so that
// servers listen on dynamic ports and clients bind with partial bindings ("ncacn_ip_tcp:host", no port;
// rpc::Channel asks the host's mapper with ept_map on its first call). The machine's mapper runs in the
// midlrt-rpcss daemon on port 135 (or any port), or inside a server process, and servers register their
// endpoints with it: in-process through EndpointMapper::add, from other processes with registerEndpoints
// (ept_insert, RpcEpRegister).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc {
class Server;
}

namespace midlrt::epm {

/// One endpoint of one interface (an ept_entry_t).
struct Registration {
  rpc::SyntaxId interface;     ///< the interface and its version, over NDR 2.0
  rpc::Uuid object;            ///< the object it serves; nil for any
  rpc::StringBinding binding;  ///< where: ncacn_ip_tcp with an IPv4 address and port, or ncalrpc
  std::string annotation;      ///< for people (at most 63 characters)
};

/// The limits and the policy of an EndpointMapper.
struct EndpointMapperOptions {
  /// The most registrations kept; ept_insert beyond it fails with EPT_S_CANT_PERFORM_OP.
  std::size_t maxRegistrations = 4096;
  /// The most lookups (ept_lookup, ept_map) left open at once, each holding the rest of its answer until its
  /// client reads it, frees its handle or goes; a new one that does not fit in its first reply fails with
  /// EPT_S_CANT_PERFORM_OP beyond it.
  std::size_t maxOpenLookups = 64;
  /// Accept ept_insert, ept_delete and ept_mgmt_delete from other hosts. Off (the default), only callers
  /// on this machine may change the table (ncalrpc, in-process, or TCP from a loopback address), as
  /// Windows allows; others get ERROR_ACCESS_DENIED.
  bool remoteRegistration = false;
};

/// An endpoint mapper served on a server (interface epmapper 3.0: ept_insert, ept_delete, ept_lookup,
/// ept_map, ept_lookup_handle_free, ept_inq_object, ept_mgmt_delete). ept_map answers the registrations of
/// the tower's interface with the same major version and at least its minor version, protocol sequence and
/// transfer syntax (those of the tower's object first, then those registered for any object); lookups
/// that do not fit in one reply continue through their context handle. Thread-safe.
class EndpointMapper {
 public:
  /// Serves the endpoint mapper on `server`.
  explicit EndpointMapper(rpc::Server& server, EndpointMapperOptions options = {});
  ~EndpointMapper();
  EndpointMapper(const EndpointMapper&) = delete;
  EndpointMapper& operator=(const EndpointMapper&) = delete;

  /// Registers an endpoint (replacing the registration of the same interface, object and binding).
  /// Throws std::invalid_argument for a binding a tower cannot name (no port, an address that is not
  /// IPv4) or an annotation over 63 characters, std::length_error when the table is full.
  void add(const Registration& registration);
  /// Removes a registration; false if there was none.
  bool remove(const rpc::SyntaxId& interface, const rpc::Uuid& object, const rpc::StringBinding& binding);
  /// Every registration, oldest first.
  std::vector<Registration> registrations() const;
  /// Where `interface` (this major version, at least this minor) is served for `object` over `protseq`, as
  /// ept_map would answer first; a TCP binding registered on every address (0.0.0.0) is given as loopback.
  std::optional<rpc::StringBinding> find(const rpc::SyntaxId& interface, const rpc::Uuid& object,
                                         rpc::Protseq protseq = rpc::Protseq::kTcp) const;

  struct State;  ///< shared with the epmapper manager (runtime/src/epm/endpoint_mapper.cpp)

 private:
  std::shared_ptr<State> state_;
};

/// Registers `interfaces` at each of `bindings` (as Server::listen returned them) with the endpoint mapper at
/// `mapper` ("ncacn_ip_tcp:127.0.0.1[135]"), replacing earlier registrations of theirs (RpcEpRegister;
/// ept_insert). A TCP binding listening on every address (0.0.0.0) is registered as such: clients keep the
/// host they asked. Throws rpc::RpcError when the mapper cannot be reached or refuses.
void registerEndpoints(const std::string& mapper, std::span<const rpc::SyntaxId> interfaces,
                       std::span<const std::string> bindings, const std::string& annotation = {},
                       const rpc::Uuid& object = {});
/// Removes what registerEndpoints registered (RpcEpUnregister; ept_delete).
void unregisterEndpoints(const std::string& mapper, std::span<const rpc::SyntaxId> interfaces,
                         std::span<const std::string> bindings, const rpc::Uuid& object = {});

}  // namespace midlrt::epm
