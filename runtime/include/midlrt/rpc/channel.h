// The client side: a Channel (binding handle) multiplexing calls over one association, or spreading them
// over several (non-causal).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/security.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::ndr {
class Encoder;
}  // namespace midlrt::ndr

namespace midlrt::rpc {

class Server;
namespace detail {
struct ChannelImpl;
struct ClientCall;
struct ClientConn;
struct CallHandles;
struct StreamingState;
}  // namespace detail

/// How a Channel connects and calls; fixed when the channel is created.
struct ChannelOptions {
  std::chrono::milliseconds connectTimeout{5000};  ///< limit on connecting and on each bind/alter_context
  /// Applies to calls whose CallOptions::timeout is zero: every call has a deadline (a lost reply surfaces
  /// as ERROR_TIMEOUT, never a hang) unless the application removes it by setting this to zero.
  std::chrono::milliseconds defaultTimeout{std::chrono::minutes(5)};
  uint16_t maxFrag = 65528;  ///< largest fragment offered in bind (raised to pdu::kMinFragSize if below)
  size_t maxReplySize = 64u << 20;  ///< larger replies fail the call with status::kReplyTooBig
  /// A streamed reply (an operation with [out] pipes) holding more than this that its reader has not taken
  /// stops the reading of its connection until it is taken (TCP's flow control then slows the server): a
  /// slow consumer of a pipe holds about this much, whatever the pipe's length.
  size_t replyWindowBytes = 1u << 20;
  /// Requests issued by completion callbacks are written together after the batch of replies that
  /// triggered them (one writev; best when client and server share a CPU). A non-zero value also writes
  /// after every that many callbacks, so a server on another CPU starts sooner (16 gave +45% calls/s with
  /// 64 calls in flight across two CPUs, -40% on one).
  unsigned callbackFlushEvery = 0;
  /// Causal ordering (false, the default; RPC_C_OPT_BINDING_NONCAUSAL = FALSE): every call goes over the
  /// channel's one connection, and calls issued from one thread are written, and so dispatched by the
  /// server, in the order issued ("Causal Ordering of Asynchronous Calls"; execution may still overlap).
  /// The price: a large request holds later ones until it is written, and a server that runs one
  /// connection's calls one at a time runs a call only after every call issued before it.
  /// Non-causal (true; RPC_C_OPT_BINDING_NONCAUSAL = TRUE): calls are spread over up to maxConnections
  /// connections, and nothing orders two calls that are in flight together, even from one thread: the server
  /// may dispatch them in any order and on different workers. Still guaranteed: a call issued after
  /// another's reply has arrived is dispatched after it; every call finishes exactly once as on a causal
  /// channel (cancel, abandon, timeouts, disconnect and reconnection, Cork over every connection); and the
  /// connections form one association group, so a context handle made over one is valid over all of them
  /// until the last closes.
  bool nonCausal = false;
  /// Non-causal only: the most connections to spread over (at least 1). Each is opened on first need, when
  /// every open one has a call in flight.
  unsigned maxConnections = 4;
  /// A partial binding ("ncacn_ip_tcp:host", no port) asks the endpoint mapper of its host, at this port,
  /// for the port of the interface of its first call (ept_map), and keeps it (RpcEpResolveBinding).
  uint16_t endpointMapperPort = 135;
  /// How each connection authenticates when it binds, and the protection of every call on it
  /// (RpcBindingSetAuthInfo). Unauthenticated by default. A server that refuses the credentials fails the
  /// call with its status (RPC_S_ACCESS_DENIED); a service this runtime cannot provide fails it with
  /// RPC_S_UNKNOWN_AUTHN_SERVICE.
  ClientAuth auth{};
};

/// Per-call settings of Channel::invoke, tryInvoke and invokeAsync.
struct CallOptions {
  std::chrono::milliseconds timeout{0};  ///< 0 = ChannelOptions::defaultTimeout
  /// Sent with PFC_OBJECT_UUID; defaults to the string binding's object UUID. With an object UUID the
  /// header needs kObjectRequestHeadroom to be written in place (otherwise it is sent from a side buffer).
  const Uuid* object = nullptr;
  /// invoke() only (tryInvoke and invokeAsync ignore it): return once the reply's first fragment has come,
  /// with a Reply whose stream() reads the rest as it arrives (an operation with [out] pipes: the client
  /// pushes each chunk as it comes, and holds no more than it has read). While another thread reads the
  /// connection (a concurrent call's, or the reader thread of asynchronous calls), it reads ahead about
  /// ChannelOptions::replyWindowBytes of this reply and then stops reading the connection until the reply's
  /// reader has taken it (TCP's flow control then slows the server; the connection's other calls wait
  /// meanwhile).
  bool streamReply = false;
};

/// The CallOptions of a call whose reply streams (what generated client functions with [out] pipes pass).
inline CallOptions streamedReply() {
  CallOptions options;
  options.streamReply = true;
  return options;
}

/// Completion of an asynchronous call: status 0 and the reply, or the fault/failure status (and
/// reply.didNotExecute() when the server guaranteed it did not run the call).
using Completion = std::function<void(uint32_t status, Reply& reply)>;

/// Writes the rest of a streamed request (its [in] pipes) after what the request Message already holds,
/// with an encoder whose flush() sends the fragments filled so far (see Channel::invoke).
using RequestWriter = std::function<void(ndr::Encoder& encoder)>;

/// A call in flight, for cancellation.
class CallHandle {
 public:
  CallHandle() = default;
  /// Sends co_cancel; the server decides (typically faults with nca_s_fault_cancel). From then on the call
  /// waits for the server without the channel's default deadline (ChannelOptions::defaultTimeout): a
  /// cancel that waits for the server has no built-in timeout (RpcAsyncCancelCall), abandon() ends the
  /// wait. A CallOptions::timeout given for the call still applies.
  void cancel();
  /// Sends orphaned and completes the call locally with status::kCallCancelled.
  void abandon();
  /// The call has finished, its channel is gone, or the handle is empty.
  bool done() const;
  /// Blocks until done() (true), or until `timeout` has passed (false; the call goes on; negative: no
  /// limit). While no other thread reads the call's connection, this one does, as a synchronous call's
  /// caller would (leader / follower): an asynchronous call waited for this way costs no hop to the
  /// channel's reader thread. The completions of the replies it reads, its own call's included, then run on
  /// this thread before it returns; so never call it from a completion of the same channel.
  bool wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));
  /// The call's call_id on its connection; 0 for an empty handle.
  uint32_t callId() const;

  /// Both refer to the same call (or are both empty).
  bool operator==(const CallHandle& other) const { return call_ == other.call_; }

 private:
  friend class Channel;
  friend struct detail::CallHandles;
  explicit CallHandle(std::shared_ptr<detail::ClientCall> call) : call_(std::move(call)) {}

  std::shared_ptr<detail::ClientCall> call_;
};

/// An asynchronous call whose request is written after it is issued and whose reply is read as it arrives
/// (Channel::invokeStreaming): what the [async] client functions of operations with pipes use. The request's
/// fragments leave as flush() and finishRequest() send them (C706's stub data; alloc_hint 0, as for a
/// streamed Channel::invoke); the reply's bytes collect until takeReply() moves them out. Not thread-safe:
/// the caller serializes its use. Destroying it before finishRequest() abandons the call (an orphaned PDU
/// tells the server when part of the request was sent).
class StreamingCall {
 public:
  /// Abandons the call if its request was not finished.
  ~StreamingCall();
  StreamingCall(const StreamingCall&) = delete;
  StreamingCall& operator=(const StreamingCall&) = delete;

  /// Writes the rest of the request (then call flush()).
  ndr::Encoder& encoder();
  /// Sends the whole fragments written so far, or, when they fill no fragment, what is written rounded down
  /// to 8 (C706: every fragment but the last holds a multiple of 8 bytes of stub data); blocks while the
  /// connection's socket is full, and, on an exclusive connection busy with another call, once 1 MiB waits
  /// for the call's turn (reading replies for the channel meanwhile, as a blocking call does). False if the
  /// connection broke (the call then completes with kCallFailed), the call ended while it waited (its
  /// completion has the status), or the request was finished.
  bool flush();
  /// Ends the request: what is left leaves with PFC_LAST_FRAG. False if the connection broke (the call then
  /// completes with kCallFailed) or the request was already finished.
  bool finishRequest();
  /// Moves the reply bytes that have arrived to the end of `window`, without waiting; true once the call has
  /// ended, with its status in `status` (kOk: the reply is complete and all of it has been moved). The
  /// call's completion has then run or is about to.
  bool takeReply(std::vector<std::uint8_t>& window, std::uint32_t& status);
  /// The call, to cancel or abandon it.
  CallHandle handle() const;

  /// Made by Channel::invokeStreaming.
  explicit StreamingCall(std::unique_ptr<detail::StreamingState> state);

 private:
  std::unique_ptr<detail::StreamingState> state_;
};

/// Sees the blocking calls (Channel::invoke, tryInvoke) of the thread it is set on, so that the layer above
/// can cancel a thread's call in progress from another thread (COM's cancel objects for synchronous calls:
/// "Canceling Method Calls"). Both hooks run on the calling thread, without the channel's locks.
class BlockingCallObserver {
 public:
  /// The request of `call` has been sent and the thread is about to wait for the reply; `call` can be
  /// cancelled or abandoned from any thread until callEnded.
  virtual void callStarted(const CallHandle& call) = 0;
  /// `call` has ended with `status`; returns the status the blocking call reports (a reply is dropped
  /// unless it is kOk).
  virtual uint32_t callEnded(const CallHandle& call, uint32_t status) = 0;

 protected:
  ~BlockingCallObserver() = default;
};

/// Sets the calling thread's observer (null: none) and returns the one it replaces.
BlockingCallObserver* setBlockingCallObserver(BlockingCallObserver* observer) noexcept;

/// RpcEpResolveBinding: `partial` (a TCP binding without a port) completed with the port at which its host's
/// endpoint mapper (port options.endpointMapperPort) says `iface` is served over NDR 2.0; a binding with a
/// port is returned as it is. A Channel made from a partial binding does this on its first call; this is for
/// a program that wants to know the port, or to resolve once for many channels. RpcError: kEptNotRegistered
/// when the mapper knows no TCP endpoint of the interface, the connection's status when it cannot be asked.
StringBinding resolveBinding(const StringBinding& partial, const SyntaxId& iface,
                             const ChannelOptions& options = {});

/// A binding handle. Connects on first use, binds each interface's presentation context once (bind, then
/// alter_context for further interfaces), and multiplexes any number of calls from any number of threads
/// over the one connection (PFC_CONC_MPX, told apart by call_id). A lost connection fails every call in
/// flight with status::kCallFailed; the next call reconnects. A non-causal channel
/// (ChannelOptions::nonCausal) does all this on each of its connections, and gives each call the connection
/// with the fewest calls in flight.
///
/// Threading: a synchronous caller whose reply nobody else is reading reads the socket itself (leader /
/// follower), so an uncontended call makes no thread hop; so does a thread in CallHandle::wait for an async
/// call. Completion callbacks of async calls run on whichever thread is reading (a caller thread, or the
/// channel's reader thread, "midlrt-reader", that starts with the first async call; it sleeps in epoll_wait
/// on the socket only while async calls are outstanding and nobody else reads it, so issuing a call that the
/// caller then waits for wakes it not at all; it runs as SCHED_BATCH, so that, woken by bytes, it does not
/// preempt a thread about to read them, and threads started from its callbacks inherit that policy as they
/// would its nice value); requests issued from inside a callback are written together after the batch (one
/// writev).
class Channel : public std::enable_shared_from_this<Channel> {
  struct Token {  // only create() and createInProcess() make channels
    explicit Token() = default;
  };

 public:
  /// A channel to the server at a string binding ("ncacn_ip_tcp:host[port]", "ncalrpc:[path]"), as
  /// RpcBindingFromStringBinding makes a binding handle. It connects on first use; a malformed binding
  /// throws RpcError at once. A TCP binding without a port is partial: the first call asks the host's
  /// endpoint mapper where its interface is served (ChannelOptions::endpointMapperPort), and fails with
  /// ept_s_not_registered if nowhere.
  static std::shared_ptr<Channel> create(const std::string& binding, ChannelOptions options = {});
  /// A channel to a Server in this process, over a socket pair (Server::adoptSocketPair): the same
  /// protocol without a listening endpoint.
  static std::shared_ptr<Channel> createInProcess(Server& server, ChannelOptions options = {});
  /// Closes the connections; calls still in flight fail with kCallFailed.
  ~Channel();

  /// Blocking call. The request's headroom is used for the PDU header. Throws RpcError on fault/failure.
  Reply invoke(const SyntaxId& iface, uint16_t opnum, Message& request, const CallOptions& options = {});
  /// Blocking call that returns the status instead of throwing ([comm_status]/[fault_status]); on failure
  /// reply.didNotExecute() says whether the server guaranteed it did not run the call.
  uint32_t tryInvoke(const SyntaxId& iface, uint16_t opnum, Message& request, Reply& reply,
                     const CallOptions& options = {}) noexcept;
  /// Blocking call whose request streams (an operation with [in] pipes): `request` holds the parameters
  /// before the pipes, `rest` writes the pipes, and the request's fragments leave as it writes them, so the
  /// server's manager pulls the first chunk while the client still produces the others, and neither side
  /// holds the whole request. The fragments carry alloc_hint 0 (length unknown: C706 12.6; MS-RPCE 2.2.2.x,
  /// "alloc_hint Interpretation"). On an exclusive connection (no PFC_CONC_MPX) busy with another call, the
  /// request gathers in memory while it waits its turn, up to 1 MiB; past that the writer waits for the turn
  /// (within the call's timeout), and a request finished first waits in the queue whole, as any other call.
  /// If `rest` throws, the call is abandoned (an orphaned PDU tells the server when part of it was sent) and
  /// the exception propagates. Throws RpcError as invoke().
  Reply invoke(const SyntaxId& iface, uint16_t opnum, Message& request, const RequestWriter& rest,
               const CallOptions& options = {});
  /// tryInvoke() of a streamed request; an exception from `rest` still propagates.
  uint32_t tryInvoke(const SyntaxId& iface, uint16_t opnum, Message& request, const RequestWriter& rest,
                     Reply& reply, const CallOptions& options = {});
  /// Asynchronous call: returns once the request is written or queued (binding the interface first if
  /// needed, which blocks the first time); a queued request is a copy, so the bytes `request` gathers
  /// (Message::gatherLargeWrites) are no longer read once this returns. `done` runs exactly once.
  CallHandle invokeAsync(const SyntaxId& iface, uint16_t opnum, Message request, Completion done,
                         const CallOptions& options = {});

  /// Asynchronous call whose request streams after this returns: `request` holds the parameters before the
  /// pipes and the rest is written through the returned StreamingCall; the reply collects as it arrives and
  /// `arrived` runs (on the thread that read it, outside the channel's lock) after each of its fragments that
  /// carries stub data. `done` runs exactly once, when the reply is complete or the call fails, with a Reply
  /// that holds the bytes takeReply() has not moved out. Null (after `done` has run) if the call could not be
  /// issued.
  std::unique_ptr<StreamingCall> invokeStreaming(const SyntaxId& iface, uint16_t opnum, Message request,
                                                 Completion done, std::function<void()> arrived,
                                                 const CallOptions& options = {});

  /// While any Cork lives, requests are queued instead of written; the last one to go writes them all
  /// with one writev (one per connection). It corks the connections open when it is made (all of a
  /// non-causal channel's); one opened later is not corked.
  class Cork {
   public:
    /// Corks `channel`'s open connections.
    explicit Cork(Channel& channel);
    /// Uncorks; the last Cork of a connection writes what was queued.
    ~Cork();
    Cork(const Cork&) = delete;
    Cork& operator=(const Cork&) = delete;

   private:
    std::shared_ptr<detail::ClientConn> conn_;
    std::vector<std::shared_ptr<detail::ClientConn>> more_;  ///< a non-causal channel's other connections
  };

  /// Closes the connection (every connection); calls in flight fail with kCallFailed. Later calls reconnect.
  void disconnect();
  /// The string binding the channel was created with ("in-process" for createInProcess).
  const std::string& binding() const;

  /// Public for std::make_shared; the token keeps it create()'s. `lanes` is empty for a causal channel.
  Channel(Token, std::shared_ptr<detail::ChannelImpl> impl,
          std::vector<std::shared_ptr<detail::ChannelImpl>> lanes);

 private:
  /// A channel whose lanes `where` points at their endpoint.
  static std::shared_ptr<Channel> make(const ChannelOptions& options,
                                       const std::function<void(detail::ChannelImpl&)>& where);
  detail::ChannelImpl& pick();
  detail::ChannelImpl& pickLane();

  std::shared_ptr<detail::ChannelImpl> impl_;  ///< the one connection's, or lanes_[0]
  /// Non-causal: one ChannelImpl per connection ("lane"), all in one association group; empty if causal.
  std::vector<std::shared_ptr<detail::ChannelImpl>> lanes_;
};

}  // namespace midlrt::rpc
