// One incoming call: deferral, the single completion (response or fault), cancel notification, and the
// streams of a streamed call's request and response.
#include <utility>

#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc {

namespace detail {
namespace {
// A streamed call's response: each flush sends what was written so far and drops it from the encoder's
// buffer.
class ResponseSink final : public ndr::EncoderSink {
 public:
  ResponseSink(ServerConn& conn, ServerCall& call) : conn_(conn), call_(call) {}
  void flush(ndr::Encoder& e) override {
    // A push on the server's I/O thread cannot wait for the peer without stopping the loop that writes:
    // its chunks are sent with the rest of the response.
    if (tlsIoServer == conn_.server) return;
    // A chunk leaves as soon as it is pushed: all of it when it does not fill a fragment, else the whole
    // fragments (the rest goes with the next chunk). Never the last few bytes short of a multiple of 8, so
    // that what the encoder keeps stays aligned.
    const size_t maxBody = fragmentBody();
    const size_t held = e.buffer().size() - e.origin();
    // After a chunk written through, what is held is its tail: it goes with the next chunk, as above.
    if (std::exchange(wroteThrough_, false) && held < maxBody) return;
    const size_t n = held >= maxBody ? held / maxBody * maxBody : held & ~size_t{7};
    if (n == 0) return;
    const iovec body{e.buffer().data() + e.origin(), n};
    send({&body, 1}, n, maxBody);
    e.discardFront(n);
  }
  // A bulk write (a pushed chunk) of at least a fragment's worth with what is held: whole fragments are
  // written from the manager's memory, and only what the socket does not take at once is copied.
  size_t writeThrough(ndr::Encoder& e, const uint8_t* p, size_t n) override {
    if (tlsIoServer == conn_.server) return 0;
    const size_t maxBody = fragmentBody();
    const size_t held = e.buffer().size() - e.origin();
    const size_t sent = (held + n) / maxBody * maxBody;
    if (sent <= held) return 0;
    const iovec pieces[2] = {{e.buffer().data() + e.origin(), held}, {const_cast<uint8_t*>(p), n}};
    send(pieces, sent, maxBody);
    e.discardSent(sent - held);
    wroteThrough_ = true;
    return sent - held;
  }

 private:
  // The stub data a fragment carries: the negotiated size fitted to TCP's segments, asked again now and then.
  size_t fragmentBody() {
    if (maxBody_ == 0 || fragmentsSinceFit_ >= kFragmentsPerFit) {
      maxBody_ = conn_.streamedResponseBody();
      fragmentsSinceFit_ = 0;
    }
    return maxBody_;
  }
  void send(std::span<const iovec> pieces, size_t n, size_t maxBody) {
    fragmentsSinceFit_ += (n + maxBody - 1) / maxBody;
    if (!conn_.sendResponsePart(call_, pieces, n, maxBody))
      throw RpcError(status::kCallCancelled,
                     "the client is gone: the call was orphaned or its connection closed");
  }

  ServerConn& conn_;
  ServerCall& call_;
  static constexpr size_t kFragmentsPerFit = 16;  // how often the fragment size follows TCP's segment size
  size_t fragmentsSinceFit_ = 0;
  size_t maxBody_ = 0;
  bool wroteThrough_ = false;  // since the last flush
};
}  // namespace
}  // namespace detail

ServerCall::ServerCall(Token, std::shared_ptr<detail::ServerConn> conn, uint32_t callId, uint16_t contextId)
    : conn_(std::move(conn)), callId_(callId), contextId_(contextId) {
  association_ = conn_->association;
  response_.reserve(232);  // one allocation covers the header room and a typical small reply
}

ServerCall::~ServerCall() {
  // A deferred call dropped without an answer still gets one, so the client is never left waiting.
  if (stream_) stream_->finish();
  if (state_.load() == 0 && conn_) {
    state_.store(1);
    conn_->sendFault(*this, status::kCallFailed, 0);
  }
}

const CallerInfo& ServerCall::caller() const {
  return conn_->caller;
}

uint64_t ServerCall::connectionId() const {
  return conn_->id;
}

std::shared_ptr<ServerCall> ServerCall::defer() {
  deferred_ = true;
  return shared_from_this();
}

bool ServerCall::claim() {
  int expected = 0;
  if (!state_.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return false;
  if (stream_) stream_->finish();  // the rest of a streamed request is not needed any more
  return true;
}

void ServerCall::streamRequest(ndr::Decoder& d) {
  if (stream_) d.setSource(stream_.get());
}

std::shared_ptr<StreamedRequest> ServerCall::streamRequestWithoutWaiting(ndr::Decoder& d,
                                                                         std::function<void()> changed) {
  if (!stream_) return nullptr;
  stream_->neverWait(std::move(changed));
  d.setSource(stream_.get());
  return stream_;
}

void ServerCall::streamResponse(ndr::Encoder& e) {
  if (!streamed_) return;
  responseSink_ = std::make_shared<detail::ResponseSink>(*conn_, *this);
  e.setSink(responseSink_.get());
}

void ServerCall::complete() {
  if (claim()) conn_->sendResponse(*this);
}

void ServerCall::fault(uint32_t s) {
  if (claim()) conn_->sendFault(*this, s, 0);
}

void ServerCall::faultUnexecuted(uint32_t s) {
  if (claim()) conn_->sendFault(*this, s, pdu::kDidNotExecute);
}

void ServerCall::onCancel(std::function<void()> fn) {
  {
    std::lock_guard lk(cancelMu_);
    if (!cancelled_.load()) {
      onCancel_ = std::move(fn);
      return;
    }
  }
  fn();
}

void ServerCall::markCancelled(bool orphaned) {
  if (orphaned) {
    orphaned_.store(true);
    if (streamed_) {
      // A push waiting for the peer to take the response stops waiting.
      std::lock_guard lk(conn_->mu);
      conn_->drainedCv.notify_all();
    }
  }
  if (stream_) stream_->abort();
  if (cancelled_.exchange(true)) return;
  std::function<void()> fn;
  {
    std::lock_guard lk(cancelMu_);
    fn = std::move(onCancel_);
  }
  if (fn) fn();
}

}  // namespace midlrt::rpc
