// Issuing one call on a lane: its call_id and deadline, the request written in place or in fragments, the
// blocking call, and the CallHandle that cancels or abandons it.
#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "buffer_pool.h"
#include "channel_impl.h"
#include "fragmenting_sink.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc {

namespace {
thread_local BlockingCallObserver* tObserver = nullptr;
}  // namespace

BlockingCallObserver* setBlockingCallObserver(BlockingCallObserver* observer) noexcept {
  BlockingCallObserver* old = tObserver;
  tObserver = observer;
  return old;
}

namespace detail {

struct CallHandles {
  static CallHandle of(CallPtr call) { return CallHandle(std::move(call)); }
};

CallPtr ChannelImpl::registerCall(const std::shared_ptr<ClientConn>& c, ClientCall::Kind kind,
                                  std::chrono::milliseconds timeout, Completion completion, bool watchLater) {
  auto call = std::make_shared<ClientCall>();
  call->channel = weak_from_this();
  call->conn = c;
  call->kind = kind;
  call->deadline = deadlineFor(timeout);
  call->defaultDeadline = timeout.count() == 0;
  call->completion = std::move(completion);
  std::lock_guard lk(mu);
  if (c->failed) {
    call->done = true;
    call->status = status::kCallFailed;
    return call;
  }
  if (call->completion && !reader.joinable() && !stop) startReader();  // may throw: nothing registered yet
  call->callId = nextCallId++;
  if (nextCallId == 0) nextCallId = 1;
  calls.emplace(call->callId, call);
  inFlight.store(calls.size(), std::memory_order_relaxed);
  if (call->deadline != kNever) ++deadlineCalls;
  if (call->completion) {
    ++asyncOutstanding;
    // The reader watches the socket from now on: asleep in epoll_wait, it is not woken.
    if (readerSleeping && !watchLater) updateWatch();
  }
  armTimer(call->deadline);  // once there is a reader: it keeps the deadlines of calls nobody reads for
  return call;
}

void ChannelImpl::watchReplies() {
  std::lock_guard lk(mu);
  if (readerSleeping) updateWatch();
}

namespace {
// The largest request sent as one contiguous block when it takes several fragments (below).
constexpr size_t kContiguousRequestLimit = 1 << 20;

// PFC flags of fragment i of a request of `frags`.
uint8_t fragmentFlags(size_t i, size_t frags) {
  return static_cast<uint8_t>(pdu::kConcMpx | (i == 0 ? pdu::kFirstFrag : 0) |
                              (i + 1 == frags ? pdu::kLastFrag : 0));
}

// Copies `len` bytes of `req`'s stub data from stub offset `off` to `to`, skipping the gaps it left for
// fragments other than the connection's.
void copyStubData(const Message& req, size_t off, size_t len, uint8_t* to) {
  if (req.gaps() == 0) {
    std::memcpy(to, req.data() + off, len);
    return;
  }
  const size_t every = req.fragmentBody();
  while (len != 0) {
    const size_t part = std::min(len, every - off % every);
    std::memcpy(to, req.data() + off + off / every * req.headroom(), part);
    to += part;
    off += part;
    len -= part;
  }
}

// Lays out a request's PDUs (fragmented to the connection's max_xmit_frag) and hands them to `out` as one
// iovec array: the headers written in place, in the message's headroom and gaps, when one fragment holds it
// all or the message left gaps for this connection's fragments, and its stub data is in the buffer.
template <class Out>
bool layOutRequest(const ClientConn& c, uint32_t callId, uint16_t ctx, uint16_t opnum, Message& req,
                   const Uuid* object, Out&& out) {
  pdu::Request q;
  q.contextId = ctx;
  q.opnum = opnum;
  if (object != nullptr) q.object = *object;
  size_t hs = pdu::requestHeaderSize(q);
  size_t maxBody = (size_t{c.xmitFrag} - hs - c.protectionOverhead()) & ~size_t{7};
  size_t n = req.size() - req.gaps() * req.headroom();
  for (const auto& g : req.gathered()) n += g.size;
  const bool inPlace = req.gaps() != 0 && req.fragmentBody() == maxBody && req.headroom() == hs;
  // Gaps for other fragments are skipped where the request is copied into one block (below), else closed.
  if (req.gaps() != 0 && !inPlace && (n <= maxBody || n > kContiguousRequestLimit)) {
    req.closeGaps();
  }
  if (inPlace) {
    // Laid out as this connection's fragments (Message::leaveFragmentGaps): each header goes in the gap
    // before its body, and the request leaves as one block.
    const size_t frags = req.gaps() + 1;
    for (size_t i = 0, off = 0; i < frags; ++i, off += maxBody) {
      const uint8_t f = fragmentFlags(i, frags);
      q.allocHint = static_cast<uint32_t>(n - off);
      pdu::encodeRequestHeader(req.data() + i * (maxBody + hs) - hs, f, callId, q,
                               std::min(maxBody, n - off));
    }
    iovec iov{req.data() - hs, hs + req.size()};
    return out(&iov, 1);
  }
  if (req.gathered().empty() && n <= maxBody && req.headroom() >= hs) {
    q.allocHint = static_cast<uint32_t>(n);
    uint8_t* h = req.data() - hs;
    pdu::encodeRequestHeader(h, fragmentFlags(0, 1), callId, q, n);
    iovec iov{h, hs + n};
    return out(&iov, 1);
  }
  size_t frags = n == 0 ? 1 : (n + maxBody - 1) / maxBody;
  if (req.gathered().empty() && n <= kContiguousRequestLimit) {
    // Several fragments of the buffer go out as one block, headers and bodies copied into the thread's
    // scratch buffer: W4 (240 KB, 4 fragments) on one CPU 100 -> 89 us, where the kernel's walk of the 8
    // pieces cost more than the copy; a request gathered from the caller's memory (W3) keeps its pieces,
    // where the copy cost more than it saved. Kept for the next request, as Message keeps a spare: 1 MiB a
    // thread at most.
    thread_local ndr::Buffer block;
    block.resize(frags * hs + n);
    uint8_t* at = block.data();
    for (size_t i = 0, off = 0; i < frags; ++i, off += maxBody) {
      const size_t len = std::min(maxBody, n - off);
      const uint8_t f = fragmentFlags(i, frags);
      q.allocHint = static_cast<uint32_t>(n - off);
      pdu::encodeRequestHeader(at, f, callId, q, len);
      copyStubData(req, off, len, at + hs);
      at += hs + len;
    }
    iovec iov{block.data(), block.size()};
    return out(&iov, 1);
  }
  // Without gathered writes the stub data is the buffer, one piece.
  const iovec whole{req.data(), req.size()};
  std::vector<iovec> cut;
  if (!req.gathered().empty()) stubPieces(req, cut);
  const std::span<const iovec> pieces =
      cut.empty() ? std::span<const iovec>(&whole, 1) : std::span<const iovec>(cut);
  std::vector<uint8_t> headers(frags * hs);
  std::vector<iovec> iov;
  iov.reserve(frags * 2 + pieces.size());
  for (size_t i = 0; i < frags; ++i) {
    size_t off = i * maxBody;
    size_t len = std::min(maxBody, n - off);
    uint8_t f = fragmentFlags(i, frags);
    q.allocHint = static_cast<uint32_t>(n - off);
    pdu::encodeRequestHeader(headers.data() + i * hs, f, callId, q, len);
    iov.push_back(iovec{headers.data() + i * hs, hs});
    slicePieces(pieces, off, len, iov);
  }
  return out(iov.data(), static_cast<int>(iov.size()));
}
}  // namespace

// The request of a streamed call, sent as the application's writer fills it: each flush sends the whole
// fragments written so far (FragmentingSink; each fragment a write of its own) and drops them from the
// message; finish() sends the rest with PFC_LAST_FRAG. alloc_hint is 0 throughout: the request's length is
// not known yet. On an exclusive connection busy with another call (not `claimed`), the request gathers in
// the message until its turn comes, and the writer waits for the turn once kWaitingRequestBytes are held; a
// request finished before its turn is submitted whole, as any other call's.
class RequestStreamer final : public FragmentingSink {
 public:
  RequestStreamer(ChannelImpl& impl, CallPtr call, bool claimed, uint16_t ctx, uint16_t opnum,
                  const Uuid* object)
      : impl_(impl), call_(std::move(call)), conn_(*call_->conn), callId_(call_->callId), claimed_(claimed) {
    q_.contextId = ctx;
    q_.opnum = opnum;
    if (object != nullptr) q_.object = *object;
    headerSize_ = pdu::requestHeaderSize(q_);
  }

  void flush(ndr::Encoder& e) override {
    FragmentingSink::flush(e);
    if (ended_) failure();
  }
  // The last fragment(s), or, before its turn, the whole request (`request`, the encoder's message) into
  // the connection's queue; false if the connection broke.
  bool finish(ndr::Encoder& e, Message& request) {
    if (!claimed_ && !impl_.hasTurn(*call_))
      return impl_.submit(call_, q_.contextId, q_.opnum, request, objectOrNull());
    claimed_ = true;
    const size_t held = e.buffer().size() - e.origin();
    const iovec body{e.buffer().data() + e.origin(), held};
    return sendPieces({&body, 1}, held, fragmentBody(), true);
  }
  bool sentAny() const { return sentAny_; }
  bool broken() const { return broken_; }
  // The call ended (timed out, cancelled, its connection lost) while its writer waited for its turn.
  bool ended() const { return ended_; }

 private:
  const Uuid* objectOrNull() const { return q_.object ? &*q_.object : nullptr; }

  size_t fittedBody() override {
    return (segmentFittedFragment(conn_.fd, conn_.xmitFrag) - headerSize_ - conn_.protectionOverhead()) &
           ~size_t{7};
  }
  // Before the call's turn what is written stays in the message, up to kWaitingRequestBytes; past that the
  // writer waits for the turn. If the call ends meanwhile, nothing goes out (ended(); flush throws).
  bool mayWrite(ndr::Encoder& e, size_t adding) override {
    if (claimed_) return true;
    if (ended_) return false;
    if (impl_.hasTurn(*call_)) return claimed_ = true;
    if (e.buffer().size() - e.origin() + adding < kWaitingRequestBytes) return false;
    if (!impl_.waitForTurn(call_)) {
      ended_ = true;
      return false;
    }
    return claimed_ = true;
  }
  bool sendFragments(std::span<const iovec> pieces, size_t n, size_t maxBody) override {
    return sendPieces(pieces, n, maxBody, false);
  }
  // A push then returns the call's failure; the writer of a sync call's request sees flush() throw.
  [[noreturn]] void failure() override {
    if (ended_)
      throw RpcError(status::kCallFailed, "the call ended while its request waited for the connection");
    throw RpcError(status::kCallFailed, "the connection broke while the request streamed");
  }

  // Sends the first `total` bytes of `pieces` as fragments of `maxBody` (the last with PFC_LAST_FRAG when
  // `last`); false if the connection broke.
  bool sendPieces(std::span<const iovec> pieces, size_t total, size_t maxBody, bool last) {
    const size_t frags = total == 0 ? 1 : (total + maxBody - 1) / maxBody;
    headers_.resize(frags * headerSize_);
    iov_.clear();
    for (size_t i = 0, off = 0; i < frags; ++i, off += maxBody) {
      const size_t len = std::min(maxBody, total - off);
      uint8_t flags = pdu::kConcMpx;
      if (!sentAny_ && i == 0) flags |= pdu::kFirstFrag;
      if (last && i + 1 == frags) flags |= pdu::kLastFrag;
      pdu::encodeRequestHeader(headers_.data() + i * headerSize_, flags, callId_, q_, len);
      iov_.push_back(iovec{headers_.data() + i * headerSize_, headerSize_});
      slicePieces(pieces, off, len, iov_);
    }
    // Past the cork of a Channel::Cork, in order: a streamed request is never held whole in memory.
    if (!conn_.sendRequests(iov_.data(), static_cast<int>(iov_.size()), true)) {
      broken_ = true;
      return false;
    }
    sentAny_ = true;
    return true;
  }

  ChannelImpl& impl_;
  CallPtr call_;
  ClientConn& conn_;
  uint32_t callId_;
  bool claimed_;
  bool ended_ = false;
  pdu::Request q_;
  size_t headerSize_ = 0;
  bool sentAny_ = false;
  bool broken_ = false;
  std::vector<uint8_t> headers_;
  std::vector<iovec> iov_;
};

bool ChannelImpl::claimForStreaming(const CallPtr& call) {
  std::lock_guard lk(mu);
  ClientConn& c = *call->conn;
  if (!c.exclusive) return true;
  if (call->done) return false;
  if (c.activeCall != 0) {
    call->queued = true;
    call->streamsWhenTurn = true;
    c.waiting.emplace_back(call, std::vector<uint8_t>());
    return false;
  }
  c.activeCall = call->callId;
  return true;
}

bool ChannelImpl::hasTurn(const ClientCall& call) {
  std::lock_guard lk(mu);
  return !call.queued && !call.done;
}

bool ChannelImpl::waitForTurn(const CallPtr& call) {
  std::unique_lock lk(mu);
  waitLocked(lk, *call, nullptr, Until::kTurn);
  return !call->queued && !call->done;
}

void ChannelImpl::abandonUnsent(const CallPtr& call, bool partlySent) {
  std::vector<CallPtr> done;
  std::unique_lock lk(mu);
  if (call->done) return;
  finish(call, status::kCallCancelled, done);
  if (partlySent) {
    lk.unlock();
    call->conn->sendBare(pdu::PType::kOrphaned, call->callId);
    lk.lock();
  }
  runCompletions(lk, done, nullptr);
}

bool ChannelImpl::sendRequest(ClientConn& c, uint32_t callId, uint16_t ctx, uint16_t opnum, Message& req,
                              const Uuid* object) {
  return layOutRequest(c, callId, ctx, opnum, req, object,
                       [&](iovec* iov, int count) { return c.sendRequests(iov, count, false); });
}

bool ChannelImpl::submit(const CallPtr& call, uint16_t ctx, uint16_t opnum, Message& req,
                         const Uuid* object) {
  ClientConn& c = *call->conn;
  {
    std::lock_guard lk(mu);
    // Ended before it was sent (a streamed request's writer took longer than its timeout, a cancel): its
    // status is its outcome, and the server must not see it.
    if (call->done) return true;
    if (c.exclusive) {
      if (call->queued || (c.activeCall != 0 && c.activeCall != call->callId)) {
        std::vector<uint8_t> bytes;
        layOutRequest(c, call->callId, ctx, opnum, req, object, [&](iovec* iov, int count) {
          for (int i = 0; i < count; ++i) {
            auto* p = static_cast<const uint8_t*>(iov[i].iov_base);
            bytes.insert(bytes.end(), p, p + iov[i].iov_len);
          }
          return true;
        });
        // A streamed request finished before its turn fills the place it holds in the queue.
        auto mine =
            std::find_if(c.waiting.begin(), c.waiting.end(), [&](const auto& w) { return w.first == call; });
        if (call->queued && mine != c.waiting.end()) {
          mine->second = std::move(bytes);
          call->streamsWhenTurn = false;
        } else {
          call->queued = true;
          c.waiting.emplace_back(call, std::move(bytes));
        }
        return true;
      }
      c.activeCall = call->callId;
    }
  }
  return sendRequest(c, call->callId, ctx, opnum, req, object);
}

namespace {
// Sends a streamed call's request as `rest` writes it (on a busy exclusive connection, once its turn
// comes). An exception from `rest` abandons the call and goes to `restError`.
bool sendStreamed(ChannelImpl& impl, const CallPtr& call, uint16_t ctx, uint16_t opnum, Message& request,
                  const RequestWriter& rest, const Uuid* object, std::exception_ptr& restError) {
  request.flatten();  // the writer goes on in the buffer, which must then hold what comes before
  ndr::Encoder e(request.buffer(), request.headroom());
  RequestStreamer streamer(impl, call, impl.claimForStreaming(call), ctx, opnum, object);
  e.setSink(&streamer);
  try {
    rest(e);
  } catch (...) {
    if (streamer.broken()) return false;
    if (streamer.ended()) return true;  // its status says why
    restError = std::current_exception();
    impl.abandonUnsent(call, streamer.sentAny());
    return true;
  }
  return streamer.finish(e, request);
}
}  // namespace

// A streaming call's request in progress (StreamingCall): its message and encoder, and the streamer that
// sends them.
struct StreamingState {
  std::shared_ptr<ChannelImpl> impl;
  CallPtr call;
  Message request;
  std::optional<ndr::Encoder> encoder;
  std::optional<RequestStreamer> streamer;
  bool finished = false;

  // The connection broke while sending: its calls (this one too) fail.
  void failConnection() {
    std::vector<CallPtr> done;
    std::unique_lock lk(impl->mu);
    impl->failConnection(call->conn, status::kCallFailed, done);
    impl->runCompletions(lk, done, nullptr);
  }
};

ReplyFeed::~ReplyFeed() {
  CallHandles::of(call).abandon();  // nothing if the reply has all come
}

void ReplyFeed::fill(std::vector<uint8_t>& window, size_t need) {
  if (need > impl->opts.maxReplySize)
    throw RpcError(status::kReplyTooBig, "a streamed reply needs " + std::to_string(need) +
                                             " bytes at once, more than ChannelOptions::maxReplySize");
  std::unique_lock lk(impl->mu);
  for (;;) {
    std::vector<uint8_t>& in = call->reply.storage();
    if (!in.empty()) {
      if (window.empty()) {
        window.swap(in);  // the reader appends into the window's old capacity
      } else {
        window.insert(window.end(), in.begin(), in.end());
        in.clear();
      }
      impl->replyTaken(*call);
    }
    if (window.size() >= need) return;
    if (call->done) {
      if (call->status != status::kOk)
        throw RpcError(call->status, "the reply stopped after " + std::to_string(window.size()) + " bytes",
                       call->reply.didNotExecute());
      return;
    }
    impl->waitLocked(lk, *call, nullptr, ChannelImpl::Until::kData);
  }
}

uint32_t invokeBlocking(ChannelImpl& impl, const SyntaxId& iface, uint16_t opnum, Message& request,
                        Reply& reply, const CallOptions& options, const RequestWriter* rest,
                        std::exception_ptr* restError) {
  std::shared_ptr<ClientConn> c;
  uint16_t ctx = impl.ensureContext(iface, c);
  auto call = impl.registerCall(c, ClientCall::Kind::kRequest, options.timeout, nullptr);
  if (call->done) return call->status;
  const bool sent = rest != nullptr ? sendStreamed(impl, call, ctx, opnum, request, *rest,
                                                   impl.objectFor(options), *restError)
                                    : impl.submit(call, ctx, opnum, request, impl.objectFor(options));
  if (rest != nullptr && *restError) return status::kCallCancelled;
  if (!sent) {
    std::vector<CallPtr> done;
    std::unique_lock lk(impl.mu);
    impl.failConnection(c, status::kCallFailed, done);
    impl.runCompletions(lk, done, nullptr);
  }
  BlockingCallObserver* observer = tObserver;
  if (observer == nullptr && options.streamReply) {
    // Returns at the first fragment; the Reply's feed takes the rest as it comes.
    std::unique_lock lk(impl.mu);
    call->streamReply = true;
    impl.waitLocked(lk, *call, nullptr, ChannelImpl::Until::kData);
    if (call->done && call->status != status::kOk) {
      reply.setDidNotExecute(call->reply.didNotExecute());
      return call->status;
    }
    reply.storage().swap(call->reply.storage());
    if (!call->done) reply.setFeed(std::make_shared<ReplyFeed>(impl.shared_from_this(), call));
    return status::kOk;
  }
  if (observer == nullptr) {
    uint32_t s = impl.wait(*call);
    if (s == status::kOk) reply.storage().swap(call->reply.storage());
    reply.setDidNotExecute(call->reply.didNotExecute());
    return s;
  }
  CallHandle handle = CallHandles::of(call);
  observer->callStarted(handle);
  uint32_t s;
  try {
    s = impl.wait(*call);
  } catch (...) {
    observer->callEnded(handle, status::kCallFailed);
    throw;
  }
  s = observer->callEnded(handle, s);
  if (s == status::kOk) reply.storage().swap(call->reply.storage());
  reply.setDidNotExecute(call->reply.didNotExecute());
  return s;
}

}  // namespace detail

StreamingCall::StreamingCall(std::unique_ptr<detail::StreamingState> state) : state_(std::move(state)) {}

StreamingCall::~StreamingCall() {
  if (state_ && !state_->finished) state_->impl->abandonUnsent(state_->call, state_->streamer->sentAny());
}

ndr::Encoder& StreamingCall::encoder() {
  return *state_->encoder;
}

bool StreamingCall::flush() {
  detail::StreamingState& st = *state_;
  if (st.finished) return false;
  try {
    st.encoder->flush();
  } catch (const RpcError&) {
    st.finished = true;
    if (!st.streamer->ended()) st.failConnection();  // else the call ended while it waited for its turn
    return false;
  }
  return true;
}

bool StreamingCall::finishRequest() {
  detail::StreamingState& st = *state_;
  if (st.finished) return false;
  st.finished = true;
  const bool sent = st.streamer->finish(*st.encoder, st.request);
  if (!sent) st.failConnection();
  return sent;
}

bool StreamingCall::takeReply(std::vector<std::uint8_t>& window, std::uint32_t& status) {
  detail::StreamingState& st = *state_;
  std::lock_guard lk(st.impl->mu);
  std::vector<uint8_t>& in = st.call->reply.storage();
  if (window.empty()) {
    window.swap(in);
  } else {
    window.insert(window.end(), in.begin(), in.end());
  }
  in.clear();
  st.impl->replyTaken(*st.call);
  status = st.call->status;
  return st.call->done;
}

CallHandle StreamingCall::handle() const {
  return detail::CallHandles::of(state_->call);
}

namespace detail {

std::unique_ptr<StreamingCall> startStreaming(ChannelImpl& impl, const SyntaxId& iface, uint16_t opnum,
                                              Message request, Completion done, std::function<void()> arrived,
                                              const CallOptions& options) {
  std::shared_ptr<detail::ClientConn> c;
  uint16_t ctx = 0;
  if (!impl.ensureContextOrFail(iface, c, ctx, done)) return nullptr;
  auto call = impl.registerCall(c, detail::ClientCall::Kind::kRequest, options.timeout, std::move(done));
  {
    std::lock_guard lk(impl.mu);
    call->streamReply = true;
    call->arrived = std::move(arrived);
  }
  if (call->done) {
    call->completion(call->status, call->reply);
    return nullptr;
  }
  auto st = std::make_unique<detail::StreamingState>();
  st->impl = impl.shared_from_this();
  st->call = call;
  st->request = std::move(request);
  st->encoder.emplace(st->request.buffer(), st->request.headroom());
  st->streamer.emplace(impl, call, impl.claimForStreaming(call), ctx, opnum, impl.objectFor(options));
  st->encoder->setSink(&*st->streamer);
  auto streaming = std::make_unique<StreamingCall>(std::move(st));
  streaming->flush();  // the parameters leave now if they fill 8 bytes or more
  return streaming;
}

}  // namespace detail

Reply::~Reply() {
  feed_.reset();                                   // abandons a streamed reply's call, as before
  detail::replyBuffers().give(std::move(bytes_));  // the next reply reassembles in these pages
}

ndr::DecoderSource::Window Reply::next(std::size_t consumed, std::size_t need) {
  bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(consumed));
  if (feed_) feed_->fill(bytes_, need);
  return {bytes_.data(), bytes_.size()};
}

void CallHandle::cancel() {
  if (!call_) return;
  auto ch = call_->channel.lock();
  if (!ch) return;
  {
    std::unique_lock lk(ch->mu);
    if (call_->done) return;
    if (call_->queued) {
      // Never sent (an exclusive connection's call waiting for its turn): it ends here, not executed.
      std::vector<detail::CallPtr> done;
      ch->finish(call_, status::kCallCancelled, done);
      ch->runCompletions(lk, done, nullptr);
      return;
    }
    // A cancel that waits for the server has no built-in timeout (RpcAsyncCancelCall): the one who
    // cancels ends the wait with abandon(). The caller's own CallOptions::timeout still applies.
    if (call_->defaultDeadline && call_->deadline != detail::kNever) {
      call_->deadline = detail::kNever;
      --ch->deadlineCalls;
    }
  }
  call_->conn->sendBare(pdu::PType::kCoCancel, call_->callId);
}

void CallHandle::abandon() {
  if (!call_) return;
  auto ch = call_->channel.lock();
  if (!ch) return;
  std::vector<detail::CallPtr> done;
  std::unique_lock lk(ch->mu);
  if (call_->done) return;
  bool sent = !call_->queued;
  ch->finish(call_, status::kCallCancelled, done);
  if (sent) {
    lk.unlock();
    call_->conn->sendBare(pdu::PType::kOrphaned, call_->callId);
    lk.lock();
  }
  ch->runCompletions(lk, done, nullptr);
}

bool CallHandle::done() const {
  if (!call_) return true;
  auto ch = call_->channel.lock();
  if (!ch) return true;
  std::lock_guard lk(ch->mu);
  return call_->done;
}

bool CallHandle::wait(std::chrono::milliseconds timeout) {
  if (!call_) return true;
  auto ch = call_->channel.lock();
  if (!ch) return true;
  const detail::Clock::time_point giveUp =
      timeout.count() < 0 ? detail::kNever : detail::Clock::now() + timeout;
  std::unique_lock lk(ch->mu);
  // A poll (no time to wait) reads nothing and hands nothing off.
  if (timeout.count() != 0) ch->waitLocked(lk, *call_, nullptr, detail::ChannelImpl::Until::kDone, giveUp);
  return call_->done;
}

uint32_t CallHandle::callId() const {
  return call_ ? call_->callId : 0;
}

}  // namespace midlrt::rpc
