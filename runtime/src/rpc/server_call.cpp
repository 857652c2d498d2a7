// One incoming call: deferral, the single completion (response or fault), cancel notification, and the
// streams of a streamed call's request and response.
#include <utility>

#include "buffer_pool.h"
#include "fragmenting_sink.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc {

namespace detail {
namespace {
// A streamed call's response: each flush sends the whole fragments written so far (FragmentingSink) and
// drops them from the encoder's buffer.
class ResponseSink final : public FragmentingSink {
 public:
  ResponseSink(ServerConn& conn, ServerCall& call) : conn_(conn), call_(call) {}

 private:
  size_t fittedBody() override { return conn_.streamedResponseBody(call_); }
  // A push on the server's I/O thread cannot wait for the peer without stopping the loop that writes: its
  // chunks are sent with the rest of the response.
  bool mayWrite(ndr::Encoder&, size_t) override { return tlsIoServer != conn_.server; }
  bool sendFragments(std::span<const iovec> pieces, size_t n, size_t maxBody) override {
    return conn_.sendResponsePart(call_, pieces, n, maxBody);
  }
  [[noreturn]] void failure() override {
    throw RpcError(status::kCallCancelled,
                   "the client is gone: the call was orphaned or its connection closed");
  }

  ServerConn& conn_;
  ServerCall& call_;
};
}  // namespace
}  // namespace detail

ServerCall::ServerCall(Token, std::shared_ptr<detail::ServerConn> conn, uint32_t callId, uint16_t contextId)
    : conn_(std::move(conn)), callId_(callId), contextId_(contextId) {
  association_ = conn_->association;
  // Storage recycled per thread (Message::acquire): a large response does not touch fresh pages every call.
  response_ = Message::acquire(kResponseHeadroom);
  response_.reserve(232);  // one allocation covers the header room and a typical small reply
}

ServerCall::~ServerCall() {
  // A deferred call dropped without an answer still gets one, so the client is never left waiting.
  if (stream_) stream_->finish();
  if (state_.load() == 0 && conn_) {
    state_.store(1);
    conn_->sendFault(*this, status::kCallFailed, 0);
  }
  stream_.reset();
  detail::requestBuffers().give(std::move(request_));
}

const CallerInfo& ServerCall::caller() const {
  return security_ != nullptr ? security_->caller : conn_->caller;
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
