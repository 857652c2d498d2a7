// Internal: one lane of a Channel (ChannelImpl: a connection's calls, binds and reads), its connection
// (ClientConn) and calls (ClientCall), shared by the files of the client side.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "io.h"
#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/pdu.h"
#include "pdu_security.h"

namespace midlrt::rpc::detail {

struct ClientCall;
using CallPtr = std::shared_ptr<ClientCall>;

using Clock = std::chrono::steady_clock;
inline constexpr Clock::time_point kNever = Clock::time_point::max();
// What one receive of a lane may take in. Larger than two fragments because a streamed reply is handed to
// the application once per receive: with 128 KiB an [async] client pulling a download on the reader's CPU
// switched threads four times as often and ran at 0.6-1.0x the socket floor (W6), with 512 KiB 1.05-1.3x.
// Only pages a reply reached become resident.
inline constexpr size_t kReadBufferSize = 512 * 1024;
// The receive timeout of a lane's socket, and so the longest a reading leader goes without looking at
// deadlines registered after it started to wait.
inline constexpr std::chrono::milliseconds kLeaderRecheck{50};
// The most of a streamed request gathered in memory while it waits its turn on an exclusive connection;
// past it the writer waits, as a full socket would make it wait.
inline constexpr size_t kWaitingRequestBytes = 1024 * 1024;
// The auth_context_id of a connection's one security context.
inline constexpr uint32_t kAuthContextId = 1;

// client_conn.cpp: one connection's socket and its writes.
struct ClientConn {
  explicit ClientConn(int f) : fd(f), steer(copiesIntoPageFragments(f)) { out.steerSlowCopies(steer); }
  ~ClientConn();
  int fd;
  const bool steer;  // writes go through steerClearOfSlowSocketCopy (io.h)
  // The max_recv_frag the bind offers: no fragment from the server may be longer (C706 12.6.3.1).
  uint16_t recvFrag = pdu::kMinFragSize;
  // Read only by the current leader.
  ReadBuffer rbuf = makeReadBuffer(kReadBufferSize);
  size_t rbeg = 0;
  size_t rend = 0;
  // Writes.
  std::mutex sendMu;
  OutQueue out;
  int corks = 0;
  bool broken = false;
  // Under ChannelImpl::mu.
  int readPausedBy = 0;  // streamed replies over replyWindowBytes: nobody reads the socket meanwhile
  bool bound = false;
  bool failed = false;
  bool inGroup = false;  // counted in LaneGroup::live
  uint16_t xmitFrag = pdu::kMinFragSize;
  uint32_t assocGroup = 0;
  uint16_t nextContextId = 0;
  std::vector<std::pair<SyntaxId, uint16_t>> contexts;
  // MS-RPCE 3.3.1.5.8: a server whose bind_ack did not grant PFC_CONC_MPX takes one call at a time on the
  // connection. The call sent is `activeCall`; the others wait, encoded, in call order, and go out one
  // by one as the call before them ends (released by ChannelImpl::finish, sent by sendReleased). A
  // streamed request waits with no bytes (ClientCall::streamsWhenTurn): its writer sends it when told.
  bool exclusive = false;
  uint32_t activeCall = 0;
  std::deque<std::pair<CallPtr, std::vector<uint8_t>>> waiting;

  // Set by the bind that authenticated the connection, before any request is sent on it.
  std::unique_ptr<ConnectionSecurity> security;

  // Writes iov now, or queues a copy while corked. False if the connection is broken.
  bool send(iovec* iov, int count);
  // Writes request PDUs laid out without a verifier, as send() (or sendNow() with `now`); on a connection
  // that protects them each gets its verifier first, under sendMu, so that signatures go out in the order
  // they are made (NTLM's and Kerberos's sequence numbers). False if the connection is broken or the
  // provider failed (the connection is then broken).
  bool sendRequests(iovec* iov, int count, bool now);
  // What a request fragment's stub data must leave room for: the verifier of a protecting connection.
  size_t protectionOverhead() const { return security && security->protects() ? security->overhead() : 0; }
  // Writes iov now even while corked, after what the cork holds (so order is kept): for bind and
  // alter_context, whose answers a corked caller is about to wait for.
  bool sendNow(iovec* iov, int count);
  bool flushLocked();
  bool writeLocked(iovec* iov, int count, bool now);
  std::vector<uint8_t> gathered_;  // sendRequests' scratch, under sendMu
  std::vector<uint8_t> sealed_;
  void cork();
  bool uncork();
  void sendBare(pdu::PType type, uint32_t callId);
};

struct ClientCall {
  enum class Kind { kBind, kRequest };
  std::weak_ptr<ChannelImpl> channel;
  std::shared_ptr<ClientConn> conn;
  Kind kind = Kind::kRequest;
  uint32_t callId = 0;
  Clock::time_point deadline = kNever;
  // The deadline is ChannelOptions::defaultTimeout's (CallHandle::cancel drops it).
  bool defaultDeadline = false;
  // Under ChannelImpl::mu.
  bool done = false;
  bool started = false;
  // Waiting on an exclusive connection for its turn: never sent (so never orphaned or cancelled on the
  // wire; it ends locally, not executed).
  bool queued = false;
  // Queued with no bytes: a streamed request whose writer gathers it (up to kWaitingRequestBytes) and
  // sends it itself once its turn comes (ChannelImpl::hasTurn, waitForTurn).
  bool streamsWhenTurn = false;
  bool streamReply = false;  // a reader of the reply takes fragments from `reply` as they arrive
  bool overWindow = false;   // its untaken reply bytes pause the connection (ClientConn::readPausedBy)
  uint8_t ackFlags = 0;      // the pfc_flags of the bind_ack that answered a bind
  uint32_t status = 0;
  Reply reply;
  std::optional<pdu::BindAck> ack;
  std::vector<uint8_t> authToken;  // the auth_value of a bind_ack or alter_context_resp
  std::optional<pdu::BindNak> nak;
  std::condition_variable cv;  // sync calls wait here
  Completion completion;       // async calls
  // Streaming async calls (Channel::invokeStreaming): runs outside mu after reply bytes were added.
  std::function<void()> arrived;
};

// What the lanes of a non-causal channel share: their association group, which each new connection joins
// so that context handles are valid over all of them.
struct LaneGroup {
  // Held across a lane's first bind, so that the lanes' binds go one at a time and each can join the
  // group the one before it made or joined (two racing first binds would make two groups).
  std::mutex bindMu;
  uint32_t assocGroup = 0;  // under bindMu: what the last first bind got
  // Lane connections that are bound and not failed. With none, the group may be gone (after disconnect()
  // the server runs it down), so a new connection asks for a new group instead of joining a stale one.
  std::atomic<int> live{0};
};

struct ChannelImpl : std::enable_shared_from_this<ChannelImpl> {
  std::string bindingText;
  std::optional<StringBinding> binding;
  Server* inproc = nullptr;
  ChannelOptions opts;

  std::mutex mu;
  std::shared_ptr<ClientConn> conn;
  std::unordered_map<uint32_t, CallPtr> calls;
  uint32_t nextCallId = 1;
  bool leader = false;
  std::vector<ClientCall*> followers;
  size_t asyncOutstanding = 0;
  size_t deadlineCalls = 0;
  // The reader thread of asynchronous calls sleeps in epoll_wait on `readerPoll`: on the connection's socket
  // while it watches it (`watched`: asynchronous calls outstanding and nobody else reading, see
  // watchedNow()), and on `readerWake`, an eventfd, for the rest. Issuing a call that its caller then waits
  // for wakes nobody: the caller leads, takes the socket out of the set first, and reads its own reply.
  // Deadlines of calls nobody reads for are kept by `readerTimer`, a timerfd in the same set, set to the
  // earliest (`timerAt`) as calls are registered, without waking the reader.
  std::thread reader;
  int readerPoll = -1;
  int readerWake = -1;
  int readerTimer = -1;
  Clock::time_point timerAt = kNever;
  std::shared_ptr<ClientConn> watched;
  bool readerSleeping = false;  // in (or on its way into) epoll_wait, mu released
  bool readerLeads = false;     // the leader is the reader thread (it keeps watching the socket)
  bool stop = false;
  std::mutex bindMu;
  // Non-causal lanes only.
  std::shared_ptr<LaneGroup> group;
  // Read without mu by Channel::pick (a racy hint is fine there); stored under mu.
  std::atomic<size_t> inFlight{0};
  std::atomic<bool> open{false};
  // Its connection is paused for a streamed reply the application has not taken (ClientConn::readPausedBy):
  // a call sent there waits until then, so Channel::pickLane chooses it last.
  std::atomic<bool> stalled{false};
  // Requests of exclusive connections whose turn came (see ClientConn::waiting), to be written by
  // sendReleased outside mu.
  std::vector<std::pair<CallPtr, std::vector<uint8_t>>> released;
  // Streaming calls whose reply grew, to be told (ClientCall::arrived) by runArrivals outside mu.
  std::vector<CallPtr> arrivals;

  // channel_read.cpp: reading replies, finishing calls, the reader thread.
  ~ChannelImpl();
  void close();
  // Waits for `call`, reading for everyone if no one else is. Completions read meanwhile run here, or, with
  // `deferred`, are left there for the caller to run later.
  uint32_t wait(ClientCall& call, std::vector<CallPtr>* deferred = nullptr);
  // With mu held: as wait(), until the call is done, or also until reply bytes wait in its storage
  // (kData), or its turn on an exclusive connection came (kTurn); or until `giveUp` (the call goes on).
  enum class Until { kDone, kData, kTurn };
  void waitLocked(std::unique_lock<std::mutex>& lk, ClientCall& call, std::vector<CallPtr>* deferred,
                  Until until, Clock::time_point giveUp = kNever);
  // mu held throughout, except while reading the socket and running callbacks. Returns by `until` at the
  // latest (besides the calls' deadlines).
  void pump(std::unique_lock<std::mutex>& lk, ClientCall* own, std::vector<CallPtr>& done,
            Clock::time_point until = kNever);
  void finish(const CallPtr& call, uint32_t status, std::vector<CallPtr>& done);
  // The reader of a streamed reply took its bytes: a connection paused for it reads again.
  void replyTaken(ClientCall& call);
  // An exclusive connection's request ended: it leaves the queue, or lets the next one go.
  void release(ClientCall& call);
  void failConnection(const std::shared_ptr<ClientConn>& c, uint32_t status, std::vector<CallPtr>& done);
  void route(const std::shared_ptr<ClientConn>& c, const pdu::View& v, std::vector<CallPtr>& done);
  // Ends the calls whose deadline passed (orphaned PDUs for those the server saw; mu released meanwhile).
  void expire(std::unique_lock<std::mutex>& lk, std::vector<CallPtr>& done);
  void handOff();
  // Starts the reader thread and its epoll set (std::system_error if the system refuses).
  void startReader();
  // The connection the reader should watch now, or null.
  std::shared_ptr<ClientConn> watchedNow() const;
  // Brings the reader's epoll set in line with watchedNow() (an epoll_ctl when it changes).
  void updateWatch();
  // Wakes the reader from its epoll_wait (stop).
  void wakeReader();
  // Sets the reader's timer to `t` if that is earlier than where it stands.
  void armTimer(Clock::time_point t);
  // The reader's sleep: until the watched socket has bytes (true), a wake, or the timer.
  bool readerSleep(std::unique_lock<std::mutex>& lk);
  void runCompletions(std::unique_lock<std::mutex>& lk, std::vector<CallPtr>& done,
                      const std::shared_ptr<ClientConn>& corkConn);
  // Runs the `arrived` hooks of the streaming calls in `arrivals` (mu released meanwhile).
  void runArrivals(std::unique_lock<std::mutex>& lk);
  // Writes the requests in `released` (mu released meanwhile); calls of a connection that fails
  // go to `done`.
  void sendReleased(std::unique_lock<std::mutex>& lk, std::vector<CallPtr>& done);
  void readerLoop();

  // channel_bind.cpp: connecting, and binding the presentation context of an interface.
  // Connects (a partial binding first asks the endpoint mapper where `iface` is served).
  std::shared_ptr<ClientConn> connect(const SyntaxId& iface);
  uint16_t ensureContext(const SyntaxId& iface, std::shared_ptr<ClientConn>& connOut);
  // After an authenticating bind's bind_ack: the client's further legs (auth3, or SPNEGO's alter_context
  // for `bind`'s contexts); throws RpcError (the connection failed) if the provider refuses the server's
  // answer.
  void finishAuthentication(const std::shared_ptr<ClientConn>& c, ConnectionSecurity& security,
                            uint32_t callId, const pdu::Bind& bind, const std::vector<uint8_t>& serverToken,
                            std::vector<CallPtr>& done);
  // ensureContext for an asynchronous call: false (after running `done` with the failure) if it fails.
  bool ensureContextOrFail(const SyntaxId& iface, std::shared_ptr<ClientConn>& connOut, uint16_t& ctx,
                           const Completion& done);

  // channel_call.cpp: issuing a call.
  // An asynchronous call (one with a completion) has the reader watch the socket from here, or, with
  // `watchLater`, from watchReplies(): after its request is sent, so that a reply which comes while the
  // issuing thread still sends does not wake the reader before that thread can wait for it.
  CallPtr registerCall(const std::shared_ptr<ClientConn>& c, ClientCall::Kind kind,
                       std::chrono::milliseconds timeout, Completion completion, bool watchLater = false);
  void watchReplies();
  bool sendRequest(ClientConn& c, uint32_t callId, uint16_t ctx, uint16_t opnum, Message& req,
                   const Uuid* object);
  // Sends the call's request, or, on an exclusive connection with a call in flight, queues it (encoded)
  // until that call ends; nothing for a call that already ended. False if the connection broke.
  bool submit(const CallPtr& call, uint16_t ctx, uint16_t opnum, Message& req, const Uuid* object);
  // A streamed request may go out as it is written: the connection is not exclusive, or is and free (the
  // call then holds it). False: the call joins the connection's queue, and its writer gathers the request
  // until hasTurn() (then streams it) or finishes it first (then submits it whole).
  bool claimForStreaming(const CallPtr& call);
  // A queued streamed request's turn came: the connection is its to write on.
  bool hasTurn(const ClientCall& call);
  // Waits (reading for others as wait() does) until the call's turn comes; false if it ended first.
  bool waitForTurn(const CallPtr& call);
  // Ends a call whose request the application's writer abandoned: locally, and with an orphaned PDU when
  // part of it was sent.
  void abandonUnsent(const CallPtr& call, bool partlySent);
  // The call's object UUID, else the one of the string binding ("uuid@ncacn_ip_tcp:...").
  const Uuid* objectFor(const CallOptions& o) const {
    if (o.object != nullptr) return o.object;
    return binding && binding->object ? &*binding->object : nullptr;
  }
  Clock::time_point deadlineFor(std::chrono::milliseconds timeout) const {
    auto t = timeout.count() != 0 ? timeout : opts.defaultTimeout;
    return t.count() != 0 ? Clock::now() + t : kNever;
  }
};

// A streamed reply's link to its call (Reply::setFeed): where Reply::next takes the fragments that arrived.
struct ReplyFeed {
  ReplyFeed(std::shared_ptr<ChannelImpl> i, CallPtr c) : impl(std::move(i)), call(std::move(c)) {}
  // Abandons the call if its reply has not all come.
  ~ReplyFeed();
  ReplyFeed(const ReplyFeed&) = delete;
  ReplyFeed& operator=(const ReplyFeed&) = delete;
  // Moves what arrived into `window`, waiting (reading for everyone if no one is) until it holds `need`
  // bytes or the reply is complete; RpcError if the call failed.
  void fill(std::vector<uint8_t>& window, size_t need);

  std::shared_ptr<ChannelImpl> impl;
  CallPtr call;
};

// One blocking call: throws RpcError (with a description) when the connection or the presentation
// context cannot be set up, and returns the call's status otherwise. With `rest` the request streams
// (Channel::invoke with a RequestWriter); an exception `rest` throws abandons the call and is stored in
// `restError` for the caller to rethrow.
uint32_t invokeBlocking(ChannelImpl& impl, const SyntaxId& iface, uint16_t opnum, Message& request,
                        Reply& reply, const CallOptions& options, const RequestWriter* rest = nullptr,
                        std::exception_ptr* restError = nullptr);

// Channel::invokeStreaming on one lane.
std::unique_ptr<StreamingCall> startStreaming(ChannelImpl& impl, const SyntaxId& iface, uint16_t opnum,
                                              Message request, Completion done, std::function<void()> arrived,
                                              const CallOptions& options);

}  // namespace midlrt::rpc::detail
