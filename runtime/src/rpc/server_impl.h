// Internal: the server's private state (ServerImpl) and one client connection's (ServerConn), shared by the
// files that run the I/O thread, binds, dispatch, responses, association groups and shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "io.h"
#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/server.h"
#include "pdu_security.h"
#include "request_stream.h"

namespace midlrt::rpc::detail {

// epoll ids: the wake-up eventfd, then listeners (1-based indexes into ServerImpl::listeners), then
// connections.
inline constexpr uint64_t kWakeId = 0;
inline constexpr uint64_t kFirstConnId = uint64_t{1} << 32;

struct Registered {
  SyntaxId id;
  uint16_t opCount;
  std::shared_ptr<Dispatcher> dispatcher;
  InterfaceOptions options;
};

struct BoundContext {
  uint16_t contextId;
  SyntaxId clientSyntax;
  std::shared_ptr<Registered> reg;
};

struct GroupEntry {
  std::shared_ptr<AssociationGroup> group;
  std::string machine;
  size_t connections = 0;
};

struct Partial {
  std::vector<uint8_t> data;
  pdu::Request request;
};

// One security context of a connection: its provider's state and who authenticated with it.
struct ConnSecurity {
  std::unique_ptr<ConnectionSecurity> context;
  CallerInfo caller;  // the connection's, with this context's identity once it is established
  // Requests and responses of its calls carry a verifier (pkt_integrity and above, established).
  bool protects() const { return context->protects(); }
};

struct ServerConn : std::enable_shared_from_this<ServerConn> {
  ServerImpl* server = nullptr;
  uint64_t id = 0;
  int fd = -1;
  std::string secondaryAddress;
  // Set when the connection is added, and its identity when it authenticates (before any of its requests
  // is dispatched); then only read.
  CallerInfo caller;

  // Owned by the I/O thread.
  ReadBuffer rbuf;  // made at the first read (server_loop.cpp)
  size_t rbeg = 0;
  size_t rend = 0;
  bool bound = false;
  // What the bind negotiated: the largest fragment the server accepts (0 before bind: ServerOptions::maxFrag)
  // and whether calls may overlap on the connection (PFC_CONC_MPX, C706 12.6.3.1).
  uint16_t recvFrag = 0;
  bool multiplexed = false;
  std::vector<BoundContext> contexts;
  // The connection's security contexts, by auth_context_id (MS-RPCE 3.3.1.5.2): the bind's, and further
  // ones alter_context starts (impacket's and Windows' DCOM clients start one per interface). Added on the
  // I/O thread, never removed while the connection lives (calls point at them); a call's is used by the
  // send paths under mu once established, which happens before any of its requests is dispatched.
  std::vector<std::unique_ptr<ConnSecurity>> securities;
  // Whether bind agreed on header signing (PFC_SUPPORT_HEADER_SIGN); the contexts started later follow it.
  bool headerSigning = false;
  // The context of the request being handled (verifyRequest sets it for handleRequest; I/O thread).
  ConnSecurity* requestSecurity = nullptr;
  ConnSecurity* securityOf(uint32_t authContextId) const;
  std::unordered_map<uint32_t, Partial> partial;
  // Streamed calls whose request is still arriving (dispatched at their first fragment), by call_id.
  std::unordered_map<uint32_t, std::shared_ptr<RequestStream>> streams;
  // Streams fed during this read round: their readers are woken once, when the round ends, not per fragment.
  std::vector<std::shared_ptr<RequestStream>> fed;
  size_t reassemblyBytes = 0;  // capacity of every Partial's data, counted in ServerImpl::reassemblyBytes too
  bool inReady = false;        // in ServerImpl::ready: whole PDUs wait in rbuf for the next turn
  // Read timeout: whether the connection is inside a PDU or a fragmented request, and since when no PDU has
  // completed; idle timeout: when it was last seen doing anything.
  bool midRequest = false;
  std::chrono::steady_clock::time_point stallSince;
  std::chrono::steady_clock::time_point lastActivity;

  // Shared with completing threads, under mu.
  std::mutex mu;
  OutQueue out;
  bool closed = false;
  bool batching = false;
  bool pollOut = false;
  bool readPaused = false;  // too many response bytes unsent: requests wait in the socket (backpressure)
  std::condition_variable drainedCv;  // responses were written, or the connection closed (streamed pushes)
  // When the peer last took response bytes: one that takes none for readTimeout while some wait is closed.
  std::chrono::steady_clock::time_point sendProgress;
  bool streamPaused = false;  // a streamed call's manager has not pulled what came: the same, until it does
  uint16_t xmitFrag = pdu::kMinFragSize;
  std::unordered_map<uint32_t, std::shared_ptr<ServerCall>> active;
  std::shared_ptr<Association> association;

  // server_send.cpp: a call's response or fault, written at once or after the I/O thread's read batch.
  void sendResponse(ServerCall& call);
  // sendResponse's path for a response whose large bulk writes were left in the stub's memory
  // (Message::gatherLargeWrites): written at once, or copied.
  void sendGatheredResponseLocked(ServerCall& call, size_t maxBody);
  // Response fragments over `pieces` (n bytes of stub data) into partIov_: headers (partHeaders_) and
  // slices, or one block of fragments signed or sealed into sealed_ on a protecting connection; the last
  // with PFC_LAST_FRAG if `last`. False if the security provider failed (the connection is then shut).
  bool layOutResponseLocked(ServerCall& call, std::span<const iovec> pieces, size_t n, size_t maxBody,
                            bool last);
  // Writes what layOutResponseLocked laid out, copying what the socket does not take.
  void writeLaidOutLocked(ServerCall& call, size_t n);
  // Queues the rest of a call's response, the `n` bytes at `body` that `keep` owns, as fragments of at most
  // `maxBody` bytes, the last with PFC_LAST_FRAG; the first with PFC_FIRST_FRAG when `first` (no part of
  // the response was streamed before).
  void appendLastFragmentsLocked(ServerCall& call, const uint8_t* body, size_t n, size_t maxBody, bool first,
                                 std::shared_ptr<const void> keep);
  // A streamed call's response fragments (of `maxBody` bytes), carrying the first `n` bytes of `pieces`:
  // written, or queued (copied) when the socket does not take them at once, then waits while the peer has
  // more than maxUnsentResponseBytes unsent. False when the connection is closed or the call orphaned
  // (nothing is sent then).
  bool sendResponsePart(ServerCall& call, std::span<const iovec> pieces, size_t n, size_t maxBody);
  // The largest stub data a fragment of a streamed response carries (a multiple of 8): the negotiated
  // size, fitted to TCP's segments (segmentFittedFragment).
  size_t streamedResponseBody(const ServerCall& call);
  // Appends to `into` the response fragment with header `h` and the stub data in `pieces`, with the
  // verifier of `security`; under mu, so that signatures go out in the order they are made. False (the
  // connection is then shut down) if the provider failed.
  bool protectFragmentLocked(ConnectionSecurity& security, const uint8_t* h, std::span<const iovec> pieces,
                             std::vector<uint8_t>& into);
  std::vector<uint8_t> sealed_;  // protected fragments being queued, under mu
  std::vector<iovec> sliceIov_;
  // The security context whose verifier `call`'s response fragments carry, or null.
  static ConnectionSecurity* protectionOf(const ServerCall& call);
  // The stub data a response fragment of `call` may carry: the negotiated size less the header and the
  // verifier.
  size_t maxResponseBody(const ServerCall& call, size_t fragment) const;
  void sendFault(ServerCall& call, uint32_t status, uint8_t flags);  // flags: the fault's PFC_* flags
  // A fault for a request refused before it became a call (it carries PFC_DID_NOT_EXECUTE).
  void sendRefusal(uint32_t callId, uint16_t contextId, uint32_t status);
  void flushMaybeLocked();
  void flushLocked();
  // After a write of what was `before` bytes: progress for the send timeout, EPOLLOUT when the socket is
  // full, the queue dropped on an error (the I/O thread then closes).
  void afterWriteLocked(OutQueue::Result r, size_t before);
  std::vector<uint8_t> partHeaders_;  // sendResponsePart's, under mu
  std::vector<iovec> partIov_;
  std::vector<iovec> gatheredPieces_;  // sendGatheredResponseLocked's, under mu
  bool pausedLocked() const { return readPaused || streamPaused; }
  // Sets the epoll events from readPaused, streamPaused and pollOut.
  void updateEventsLocked();
};

struct ServerImpl {
  ServerOptions opts;
  mutable std::mutex regMu;
  std::vector<std::shared_ptr<Registered>> interfaces;
  std::vector<ServerAuth> auth;  // under regMu: the credentials of each service accepted

  int epfd = -1;
  int evfd = -1;
  std::mutex lifeMu;
  std::thread io;
  bool running = false;
  std::atomic<bool> stopping{false};
  std::mutex listenMu;
  std::deque<Listening> listeners;  // ids are 1-based indexes; entries are never removed
  std::mutex adoptMu;
  std::vector<int> adopted;
  std::unordered_map<uint64_t, std::shared_ptr<ServerConn>> conns;  // I/O thread only
  // Connections a streamed call's manager let read again (RequestStream::next), for the I/O thread.
  std::vector<std::weak_ptr<ServerConn>> resumed;  // under adoptMu
  uint64_t nextConnId = kFirstConnId;
  std::atomic<size_t> connCount{0};
  // Association groups by id (I/O thread only). Ids start at a random value, so that the id a client kept
  // from an earlier server process is unlikely to name another client's group here.
  std::unordered_map<uint32_t, GroupEntry> groups;
  uint32_t nextGroup = static_cast<uint32_t>(std::random_device{}());
  bool draining = false;
  std::chrono::steady_clock::time_point drainDeadline;
  // Resource bounds (I/O thread only): reassembly memory of every connection; connections whose buffered
  // PDUs wait for another turn (each gets a bounded share of a turn); listeners switched off while the
  // process has no descriptor to spare; the next look for stalled and idle connections.
  size_t reassemblyBytes = 0;
  std::vector<std::shared_ptr<ServerConn>> ready;
  bool acceptPaused = false;
  std::chrono::steady_clock::time_point acceptRetry;
  std::chrono::steady_clock::time_point nextSweep;

  std::mutex qMu;
  std::condition_variable qCv;
  std::deque<std::pair<std::shared_ptr<ServerCall>, std::shared_ptr<Registered>>> queue;
  bool qStop = false;
  std::vector<std::thread> workers;
  // Streamed calls on a server without workers each run on a thread of their own, taken from threads that
  // finished one and wait a while for the next (streamQueue), or made; shutdown waits for them all.
  std::mutex spawnMu;
  std::condition_variable spawnCv;
  size_t spawned = 0;     // threads of streamed calls, running one or idle
  size_t streamIdle = 0;  // of which waiting for one
  bool streamStop = false;
  std::deque<std::pair<std::shared_ptr<ServerCall>, std::shared_ptr<Registered>>> streamQueue;

  // server_loop.cpp: the I/O thread.
  explicit ServerImpl(ServerOptions o);
  ~ServerImpl();
  void ensureStarted();
  void wake();
  void loop();
  void addConnection(int fd, const std::string& secAddr);
  void onReadable(const std::shared_ptr<ServerConn>& c, uint32_t events);
  void onWritable(const std::shared_ptr<ServerConn>& c);
  // From any thread: the connection, paused for a streamed call, may read again.
  void resumeReading(const std::shared_ptr<ServerConn>& c);
  // Handles the whole PDUs in the connection's read buffer, up to a turn's share; stops early while the
  // peer does not take its responses.
  void processBuffer(const std::shared_ptr<ServerConn>& c);
  // Stops reading the connection when its unsent responses exceed ServerOptions::maxUnsentResponseBytes.
  bool pauseIfBacklogged(ServerConn& c);
  void acceptOn(uint64_t listenerId);
  void setAccepting(bool on);
  // Closes connections stalled inside a PDU or request (readTimeout) or idle too long (idleTimeout).
  void sweepTimeouts(std::chrono::steady_clock::time_point now);
  int waitTimeoutMs(std::chrono::steady_clock::time_point now) const;
  void closeConnection(const std::shared_ptr<ServerConn>& c);
  // After a protocol error: writes what is queued (the bind_nak or fault that says why), reads what the
  // peer already sent (so closing does not reset the connection under our answer), then closes.
  void closeAfterAnswer(const std::shared_ptr<ServerConn>& c);
  // The PDU's frag_length against what the bind negotiated; false (after a fault for a request) when the
  // peer sent a longer fragment.
  bool checkFragLength(const std::shared_ptr<ServerConn>& c, const pdu::View& v);
  // Returns false when the connection must be closed.
  bool handlePdu(const std::shared_ptr<ServerConn>& c, const pdu::View& v);

  // server_bind.cpp: bind and alter_context.
  void handleBind(const std::shared_ptr<ServerConn>& c, const pdu::View& v, bool alter);
  // The verifier of a bind or alter_context: starts or continues the security context it names and sets
  // the token to answer with. Null: refused (`nak` says why for a bind).
  ConnSecurity* authenticateLeg(ServerConn& c, const pdu::View& v, bool alter, std::vector<uint8_t>& answer,
                                pdu::RejectReason& nak);
  // auth3: the client's last leg. False: the connection must be closed.
  bool handleAuth3(ServerConn& c, const pdu::View& v);
  // A request on an authenticated connection: verified (and decrypted) in place. False: refused (a fault
  // has been queued) and the connection must be closed.
  bool verifyRequest(ServerConn& c, const pdu::View& v);
  // A PDU of a protocol version this runtime does not speak: a bind gets bind_nak (reason 4).
  void refuseVersion(const std::shared_ptr<ServerConn>& c, const pdu::Header& h);

  // association_group.cpp: the group a new connection's bind asks for, if it exists and was made from the
  // same machine; else a new one.
  std::shared_ptr<AssociationGroup> joinGroup(const ServerConn& c, uint32_t requested);
  void leaveGroup(AssociationGroup& group);

  // server_dispatch.cpp: requests to calls, run inline or on the worker pool.
  bool handleRequest(const std::shared_ptr<ServerConn>& c, const pdu::View& v);
  // Grows a partial request's buffer to hold `more` bytes; false when the memory bounds refuse it.
  enum class Grow { kOk, kRefuse, kClose };
  Grow growPartial(ServerConn& c, Partial& p, size_t more);
  void dropPartial(ServerConn& c, uint32_t callId);
  // A partial request's buffer: a recycled one (counted as reassembly memory), and given back when dropped.
  void takeSpare(ServerConn& c, Partial& p, size_t want);
  void releasePartial(ServerConn& c, Partial& p);
  // A request that came in one fragment, copied into a recycled buffer.
  static std::vector<uint8_t> copyOfStub(const pdu::Body& body);
  // A request whose stub data is all there, or (with `streamed`) the first fragment of a streamed call's.
  bool startCall(const std::shared_ptr<ServerConn>& c, uint32_t callId, const pdu::Request& q,
                 std::vector<uint8_t>&& stub, bool streamed = false);
  // The first fragment of a request: whether its operation streams (the context and opnum are valid, and
  // the dispatcher says so).
  bool streamsCall(const ServerConn& c, const pdu::Request& q) const;
  // A later fragment of a streamed call; false when the connection must be closed.
  bool feedStream(const std::shared_ptr<ServerConn>& c, uint32_t callId, const pdu::Body& body, bool last);
  void runOnOwnThread(std::shared_ptr<ServerCall> call, std::shared_ptr<Registered> reg);
  // A streamed call's thread: runs `call`, then the calls queued for it, until none comes for a while.
  void streamThread(std::shared_ptr<ServerCall> call, std::shared_ptr<Registered> reg);
  // Asks the interface's security callback, then runs its dispatcher.
  static void runDispatch(ServerCall& call, Registered& reg);
  void workerLoop();

  // server_shutdown.cpp: stopping, and draining the calls in flight.
  void shutdown();
  void beginDrain();
  bool drained();
  void finishDrain();
  void cancelCalls(const std::shared_ptr<ServerConn>& c, bool orphaned);
};

// The p_cont_id of a request PDU not decoded yet (its fragment holds at least the request header), for a
// fault that refuses it.
inline uint16_t rawRequestContextId(const pdu::View& v) {
  return static_cast<uint16_t>(v.data[20] | v.data[21] << 8);
}

// The server whose I/O thread this is, else null: while that thread works through a read buffer, the
// responses it makes wait to be written together (constinit: read without a TLS wrapper call).
extern thread_local constinit const ServerImpl* tlsIoServer;

}  // namespace midlrt::rpc::detail
