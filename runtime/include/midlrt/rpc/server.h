// The RPC server: an explicit object that owns listeners, connections (one epoll loop) and registered
// interfaces.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "midlrt/rpc/message.h"
#include "midlrt/rpc/security.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::ndr {
class Decoder;
class Encoder;
class EncoderSink;
}  // namespace midlrt::ndr

namespace midlrt::rpc {

/// The rest of a streamed request, read without waiting (ServerCall::streamRequestWithoutWaiting).
class StreamedRequest : public ndr::DecoderSource {
 public:
  /// The request's last fragment has come and every byte has been handed to the decoder.
  virtual bool taken() = 0;

 protected:
  ~StreamedRequest() = default;
};

class Server;
class ServerCall;
namespace detail {
struct ConnSecurity;
struct ServerConn;
struct ServerImpl;
class RequestStream;
}  // namespace detail

/// Per-client state with close hooks: attachments keyed by an address the caller owns (e.g. &someStaticTag),
/// and hooks that run once, on the I/O thread, when the scope ends.
class ClientScope {
 public:
  /// Adds a hook to run when the scope ends; runs fn at once, on this thread, if it already has.
  void onClose(std::function<void()> fn);
  /// The value attached under `key`, or null.
  std::shared_ptr<void> attachment(const void* key) const;
  /// Attaches `value` under `key`, replacing what was there; it lives as long as the scope.
  void setAttachment(const void* key, std::shared_ptr<void> value);

 private:
  friend struct detail::ServerImpl;  ///< runs the hooks when the scope ends
  void runCloseHooks();

  mutable std::mutex mu_;
  std::vector<std::function<void()>> onClose_;
  std::vector<std::pair<const void*, std::shared_ptr<void>>> attachments_;
  bool closed_ = false;
};

/// An association group (C706 12.6.4.3, MS-RPCE 3.3.1.5.7): the connections a client binds into one group
/// by sending its assoc_group_id, e.g. every connection of a non-causal Channel. Context handles live here,
/// so a handle made over one connection is valid over the others; onClose (the rundown) runs once, after
/// the last connection of the group has closed. A connection joins only a group made from the same peer
/// address (TCP) or over the same local transport; an unknown or refused id gets a new group.
class AssociationGroup : public ClientScope {
 public:
  /// Made by the server when a bind joins no existing group; `id` (never 0) is what bind_ack returns.
  explicit AssociationGroup(uint32_t id) : id_(id) {}
  /// The assoc_group_id clients send to join this group.
  uint32_t id() const { return id_; }

 private:
  uint32_t id_;
};

/// One client association (one connection in this runtime). Generated code attaches per-connection state
/// here; onClose runs once, on the I/O thread, after every call of the connection has been cancelled
/// (peer drop, protocol error or server shutdown), before the group's hooks if it was the group's last.
class Association : public ClientScope {
 public:
  /// Made by the server for each connection, in the group its bind joined.
  explicit Association(std::shared_ptr<AssociationGroup> group) : group_(std::move(group)) {}
  /// The id of the association's group.
  uint32_t groupId() const { return group_->id(); }
  /// The group the association belongs to (kept alive by it).
  AssociationGroup& group() { return *group_; }

 private:
  std::shared_ptr<AssociationGroup> group_;
};

/// Who is calling, as the transport and the connection's authentication tell it (what
/// RpcBindingInqAuthClient and a security callback ask).
struct CallerInfo {
  /// How the connection reached the server.
  enum class Transport {
    kTcp,        ///< ncacn_ip_tcp
    kLocal,      ///< ncalrpc (a Unix socket)
    kInProcess,  ///< Channel::createInProcess (a socket pair)
  };
  Transport transport = Transport::kTcp;  ///< the connection's transport
  /// "ncacn_ip_tcp" or "ncalrpc" (in-process calls too).
  std::string protocolSequence;
  /// TCP: the client's address and port, "192.0.2.7[49152]" or "[::1][49152]" (string-binding style);
  /// empty for local connections.
  std::string address;
  /// TCP: the client's address is a loopback one (127.0.0.0/8, ::1, or 127.x.x.x mapped into IPv6 by a
  /// dual-stack listener): the client runs on this machine.
  bool isLoopback = false;
  /// Local and in-process connections: the peer process's credentials when it connected (SO_PEERCRED),
  /// which the kernel vouches for.
  bool hasCredentials = false;
  int32_t pid = 0;   ///< valid when hasCredentials
  uint32_t uid = 0;  ///< valid when hasCredentials
  uint32_t gid = 0;  ///< valid when hasCredentials
  /// The provider the connection authenticated with (kNone: not authenticated).
  AuthnService authnService = AuthnService::kNone;
  /// The level every call on the connection has (kNone when not authenticated).
  AuthnLevel authnLevel = AuthnLevel::kNone;
  /// The authenticated client, as its provider names it ("DOMAIN\user" for NTLM, "user@REALM" for
  /// Kerberos); empty when not authenticated.
  std::string clientPrincipal;
};

/// Sync stubs read the request, write response() and return; the runtime then sends the response (or a
/// fault if the stub threw: RpcError or ndr::NdrError -> its status (ndr::DecodeError: rpc_x_bad_stub_data),
/// std::bad_alloc -> nca_s_fault_remote_no_memory, anything else -> RPC_S_CALL_FAILED).
/// Async stubs call defer() and keep the returned handle; later, from any thread, they call complete() or
/// fault(status). The first of complete/fault wins; later ones are ignored. If the connection is gone the
/// response is dropped. The request data stays valid until the call object is destroyed.
class ServerCall : public std::enable_shared_from_this<ServerCall> {
  struct Token {  // only the runtime makes calls
    explicit Token() = default;
  };

 public:
  /// The operation's number in its interface (below the registered opCount).
  uint16_t opnum() const { return opnum_; }
  /// The request's call_id on its connection.
  uint32_t callId() const { return callId_; }
  /// The object UUID of the request (PFC_OBJECT_UUID), e.g. an object interface's IPID; null if none.
  const Uuid* object() const { return hasObject_ ? &object_ : nullptr; }
  /// The interface the request was bound to: the version the client bound.
  const SyntaxId& interfaceId() const { return interface_; }
  /// The request's stub data, reassembled from every fragment; for a streamed call (Dispatcher::streams),
  /// what had arrived when it was dispatched (its first fragment), which streamRequest() continues.
  const uint8_t* requestData() const { return request_.data(); }
  /// Bytes of stub data in requestData().
  size_t requestSize() const { return request_.size(); }
  /// A streamed call: `d`, made over requestData(), reads the rest of the request as its fragments arrive
  /// (blocking the thread until they do; RpcError with RPC_S_CALL_CANCELLED if the call is cancelled or its
  /// connection closes meanwhile, RPC_S_CALL_FAILED on the server's I/O thread, which must not wait). Without
  /// a stream the request is whole: nothing to do.
  void streamRequest(ndr::Decoder& d);
  /// streamRequest() for a reader that never waits (an [async] manager's AsyncPipe pulls): `d`'s refills
  /// return what has arrived, on any thread (the I/O thread too), and `changed` runs on the I/O thread after
  /// each fragment and when the call is cancelled or its connection closes (do not block there). The
  /// returned stream (null for a request that came whole) says when all of it has been read.
  std::shared_ptr<StreamedRequest> streamRequestWithoutWaiting(ndr::Decoder& d,
                                                               std::function<void()> changed);
  /// A streamed call: what `e`, made over response(), writes leaves in response fragments each time its
  /// flush() is called (after every [out] pipe chunk), and a push waits while the client does not take
  /// them (ServerOptions::maxUnsentResponseBytes); RpcError with RPC_S_CALL_CANCELLED if the client orphans
  /// the call or its connection closes meanwhile. Without a stream the response is sent whole, and so are
  /// the chunks pushed on the server's I/O thread (which must not wait).
  void streamResponse(ndr::Encoder& e);
  /// Where the stub marshals the [out] parameters (headroom for the response header already reserved).
  Message& response() { return response_; }
  /// The connection the call arrived on.
  Association& association() { return *association_; }
  /// The association group of that connection (where context handles live).
  AssociationGroup& associationGroup() { return association_->group(); }
  /// Tells the connection the call arrived on from the server's other connections (diagnostics, tests,
  /// and servers that schedule per connection).
  uint64_t connectionId() const;
  /// Who is calling (the connection's transport, the peer's address or credentials).
  const CallerInfo& caller() const;
  /// The call whose stub runs on this thread (its security callback too), or null: for a manager without a
  /// handle_t parameter (Microsoft's RpcBindingInqAuthClient with a null binding). An [async] manager that
  /// needs it later keeps what it needs before returning.
  static ServerCall* current() noexcept;

  /// Keeps the call alive after dispatch returns; the runtime will not complete it.
  std::shared_ptr<ServerCall> defer();
  /// Sends response() as the reply: a deferred call's, or a synchronous stub's before it returns, while the
  /// [out] data its response gathers from (Message::gatherLargeWrites) is alive; what the socket does not
  /// take at once is copied before this returns. Ignored if the call was already completed or faulted.
  void complete();
  /// Sends a fault with `status` instead of a reply; ignored if the call was already completed or faulted.
  void fault(uint32_t status);
  /// complete() or fault() has been called (or the runtime has completed the call).
  bool isCompleted() const { return state_.load(std::memory_order_acquire) != 0; }

  /// Set when a co_cancel or orphaned PDU arrives for this call, its connection drops, or the server
  /// shuts down. The callback runs at most once, on the thread that saw the cancel (or immediately, on the
  /// caller's thread, if the call is already cancelled).
  bool isCancelled() const { return cancelled_.load(std::memory_order_acquire); }
  /// Sets the cancel callback described above; there is one slot, so a later call replaces it.
  void onCancel(std::function<void()> fn);

  /// Made by the server for each request (public for std::make_shared; the token keeps it the runtime's).
  ServerCall(Token, std::shared_ptr<detail::ServerConn> conn, uint32_t callId, uint16_t contextId);
  /// A deferred call dropped without complete() or fault() faults with RPC_S_CALL_FAILED.
  ~ServerCall();

 private:
  // A fault for a call no manager ran (unknown context or opnum, refused before dispatch): the fault PDU
  // carries PFC_DID_NOT_EXECUTE (C706 12.6.3.1), so a client may safely retry it.
  void faultUnexecuted(uint32_t status);
  friend struct detail::ServerImpl;
  friend struct detail::ServerConn;
  bool claim();
  void markCancelled(bool orphaned);

  std::shared_ptr<detail::ServerConn> conn_;
  std::shared_ptr<Association> association_;
  detail::ConnSecurity* security_ = nullptr;  // the security context the request came in (null: none)
  uint32_t callId_;
  uint16_t contextId_;
  uint16_t opnum_ = 0;
  bool hasObject_ = false;
  bool deferred_ = false;
  Uuid object_;
  SyntaxId interface_;
  std::vector<uint8_t> request_;
  std::shared_ptr<detail::RequestStream> stream_;   // a streamed call's request, still arriving
  bool streamed_ = false;                           // Dispatcher::streams said so: streamResponse() streams
  std::shared_ptr<ndr::EncoderSink> responseSink_;  // streamResponse()'s
  bool responseStarted_ = false;                    // response fragments have been sent
  Message response_{kResponseHeadroom};
  std::atomic<int> state_{0};
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> orphaned_{false};
  std::mutex cancelMu_;
  std::function<void()> onCancel_;
};

/// Implemented by generated server stubs (one per interface).
class Dispatcher {
 public:
  /// Virtual: the server owns stubs through std::shared_ptr<Dispatcher> until it is destroyed.
  virtual ~Dispatcher() = default;
  /// Runs one call of the interface: unmarshals the request, calls the manager routine and marshals the
  /// response, or defers the call (see ServerCall). Throwing faults the call.
  virtual void dispatch(ServerCall& call) = 0;
  /// Whether operation `opnum` streams: a call to it is dispatched once its first request fragment has
  /// arrived (its [in] pipes are read as the rest comes, see ServerCall::streamRequest), and runs on a thread
  /// that may block (a worker, or a thread of its own when the server has none). Generated dispatchers say
  /// yes for the operations with pipes, sync and [async].
  virtual bool streams(uint16_t opnum) const {
    (void)opnum;
    return false;
  }
};

/// Decides, before a call's request is unmarshaled, whether it may run (the security callback of
/// RpcServerRegisterIf3): returns status::kOk to let it run, or the status to refuse it with
/// (status::kAccessDenied as a rule), which the client receives as a fault with PFC_DID_NOT_EXECUTE. It runs
/// for every call, on the thread that would dispatch it (the I/O thread when there are no workers: keep it
/// short); a callback that throws refuses the call with status::kAccessDenied.
using SecurityCallback = std::function<uint32_t(const ServerCall& call)>;

/// How one interface is served, beside its dispatcher.
struct InterfaceOptions {
  SecurityCallback securityCallback{};  ///< empty: every call runs
  /// Calls on connections authenticated below this level are refused with RPC_S_ACCESS_DENIED (and
  /// PFC_DID_NOT_EXECUTE) before the security callback runs (RpcServerRegisterIf3's authentication
  /// requirement). kNone: unauthenticated callers too.
  AuthnLevel minAuthnLevel = AuthnLevel::kNone;
};

/// How a Server runs calls and what it accepts; fixed when the server is created.
struct ServerOptions {
  /// Calls run on this many worker threads; 0 runs them inline on the I/O thread (lowest latency; a
  /// blocking sync stub then stalls every connection).
  unsigned workerThreads = 0;
  /// Largest request accepted, in bytes of stub data reassembled from every fragment: a request of exactly
  /// this size is served; a larger one closes the connection.
  size_t maxRequestSize = 64u << 20;
  uint16_t maxFrag = 65528;  ///< largest fragment the server accepts or sends (at least pdu::kMinFragSize)
  /// How long shutdown() lets calls in flight finish before faulting them with nca_s_fault_cancel.
  std::chrono::milliseconds shutdownGrace{2000};

  // Resource bounds against peers that misbehave or flood (README, "The server's limits").

  /// Response bytes queued on one connection and not yet taken by the peer above which the server stops
  /// reading that connection's requests; it reads again once the queue has drained to half of this.
  size_t maxUnsentResponseBytes = 4u << 20;
  /// Memory held by the requests being reassembled on one connection (never below maxRequestSize); the
  /// request that would exceed it closes the connection (the peer asks for more than one connection may
  /// hold).
  size_t maxReassemblyBytesPerConnection = 64u << 20;
  /// Memory held by the requests being reassembled on all connections together; the request that would
  /// exceed it is refused with a fault (rpc_s_server_too_busy, PFC_DID_NOT_EXECUTE) and its later fragments
  /// are discarded: the server is loaded, the peer did nothing wrong.
  size_t maxReassemblyBytes = 256u << 20;
  /// Calls of one connection that have arrived and not been answered (queued, running or deferred); a
  /// request beyond it is refused with rpc_s_server_too_busy and PFC_DID_NOT_EXECUTE (MS-RPCE lets a server
  /// refuse a call it has no resources for; the client may retry).
  size_t maxCallsPerConnection = 4096;
  /// Requests of one connection whose first fragment has arrived and whose last has not (streamed ones
  /// too, even when their call has ended); another first fragment beyond it is refused like a call beyond
  /// maxCallsPerConnection.
  size_t maxPartialCallsPerConnection = 64;
  /// A streamed call's request bytes that have arrived and that its manager has not pulled yet, above which
  /// the server stops reading the connection until the manager catches up (the client's sends then block:
  /// TCP's flow control). The calls of a connection share its byte stream, so a stalled pipe holds up
  /// requests that come after it on the same connection (not the responses of calls already running).
  size_t pipeWindowBytes = 1u << 20;
  /// Without workers, each streamed call runs on a thread of its own (one that finished a streamed call
  /// waits 10 s for the next before it ends): at most this many at once; a streamed call beyond it is refused
  /// with rpc_s_server_too_busy and PFC_DID_NOT_EXECUTE.
  size_t maxStreamedCallThreads = 64;
  /// A connection that has begun a PDU, or a fragmented request, and makes no progress for this long (no
  /// PDU completes) is closed; so is one whose peer takes none of the responses waiting for it for this long
  /// (a streamed call's push waiting on it then fails). Zero never closes one. Connections idle between PDUs
  /// are not affected.
  std::chrono::milliseconds readTimeout{60000};
  /// A connection with nothing in progress (no call, no partial PDU, no response to send) for this long is
  /// closed; zero (the default) keeps idle connections as long as the peer does.
  std::chrono::milliseconds idleTimeout{0};
  /// ncalrpc: the permission bits of the socket files listen() creates (chmod before it listens), which
  /// decide who may connect at all: 0600 the server's user only, 0660 its group too. Negative (the default):
  /// as the umask leaves them.
  int localSocketMode = -1;
};

/// An RPC server: listens on endpoints, accepts binds to registered interfaces and dispatches their calls
/// to the generated stubs (RpcServerRegisterIf, RpcServerUseProtseqEp and RpcServerListen in one object).
/// One I/O thread owns every connection; calls run there or on ServerOptions::workerThreads workers.
class Server {
 public:
  /// Starts no thread yet: the I/O thread starts with the first listen() or adoptSocketPair().
  explicit Server(ServerOptions options = {});
  ~Server();  ///< shutdown()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Interfaces may be registered before or after listen(). A bind matches the UUID and major version,
  /// with the client's minor version not above `id.minor`. Opnums >= opCount fault with nca_s_op_rng_error.
  void registerInterface(const SyntaxId& id, uint16_t opCount, std::shared_ptr<Dispatcher> dispatcher,
                         InterfaceOptions options = {});

  /// Accepts callers that authenticate with `auth.service` and these credentials
  /// (RpcServerRegisterAuthInfo); a service registered again replaces its credentials. Without it, a bind
  /// that authenticates with the service is refused (bind_nak, authentication type not recognized).
  /// Throws RpcError with RPC_S_UNKNOWN_AUTHN_SERVICE for a service this runtime cannot provide.
  void registerAuthInfo(const ServerAuth& auth);

  /// Starts listening on a string binding ("ncacn_ip_tcp:127.0.0.1[0]", "ncalrpc:[/tmp/x.sock]") and
  /// returns the bound endpoint as a string binding (ephemeral ports resolved). A TCP binding without a port
  /// ("ncacn_ip_tcp:127.0.0.1") listens on a dynamic one, as port 0 does: register it with the machine's
  /// endpoint mapper (midlrt/epm/endpoint_mapper.h) for partial bindings to find. Starts the I/O thread.
  std::string listen(const std::string& binding);
  /// The server end of an in-process connection; returns the client's socket (Channel::createInProcess).
  int adoptSocketPair();

  /// Stops listening, cancels every call in flight, waits up to shutdownGrace for them, faults the rest,
  /// flushes, closes every connection and joins all threads. Idempotent.
  void shutdown();

  /// Connections open now (TCP, local and in-process).
  size_t connectionCount() const;

 private:
  std::unique_ptr<detail::ServerImpl> impl_;
};

}  // namespace midlrt::rpc
