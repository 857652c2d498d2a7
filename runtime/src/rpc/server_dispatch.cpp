// From request PDUs to calls: reassembling fragments within the size limit, checking the presentation
// context and opnum, and running the stub inline on the I/O thread or on the worker pool.
#include <algorithm>
#include <chrono>
#include <new>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include "buffer_pool.h"
#include "midlrt/ndr/copy.h"
#include "midlrt/ndr/error.h"
#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc::detail {

namespace {
constexpr size_t kMaxTrustedAllocHint = 1u << 20;  // reserve no more up front, whatever alloc_hint says

thread_local constinit ServerCall* tlsCurrentCall = nullptr;

// ServerCall::current() for the duration of a callback or a stub.
class CurrentCall {
 public:
  explicit CurrentCall(ServerCall& call) noexcept : previous_(tlsCurrentCall) { tlsCurrentCall = &call; }
  ~CurrentCall() { tlsCurrentCall = previous_; }
  CurrentCall(const CurrentCall&) = delete;
  CurrentCall& operator=(const CurrentCall&) = delete;

 private:
  ServerCall* previous_;
};

// No call of the connection is waiting for its answer.
bool idle(ServerConn& c) {
  std::lock_guard lk(c.mu);
  return c.active.empty();
}

// The connection has as many calls unanswered as it may have.
bool atCallLimit(ServerConn& c, size_t limit) {
  std::lock_guard lk(c.mu);
  return c.active.size() >= limit;
}
}  // namespace

ServerImpl::Grow ServerImpl::growPartial(ServerConn& c, Partial& p, size_t more) {
  // Reassembly memory is counted by capacity (what is really held), grown by doubling but never past
  // maxRequestSize, so that a request of exactly that size fits whatever its fragments' sizes.
  size_t need = p.data.size() + more;
  if (need > opts.maxRequestSize) return Grow::kClose;
  size_t cap = p.data.capacity();
  if (need <= cap) return Grow::kOk;
  size_t target = std::min(std::max(need, cap * 2), opts.maxRequestSize);
  size_t grow = target - cap;
  if (c.reassemblyBytes + grow > opts.maxReassemblyBytesPerConnection) return Grow::kClose;
  if (reassemblyBytes + grow > opts.maxReassemblyBytes) return Grow::kRefuse;
  p.data.reserve(target);
  size_t added = p.data.capacity() - cap;
  c.reassemblyBytes += added;
  reassemblyBytes += added;
  return Grow::kOk;
}

void ServerImpl::takeSpare(ServerConn& c, Partial& p, size_t want) {
  // A recycled buffer's capacity is reassembly memory like any other, so only one within the bounds left.
  const size_t room =
      std::min({opts.maxRequestSize, opts.maxReassemblyBytesPerConnection - c.reassemblyBytes,
                opts.maxReassemblyBytes - std::min(reassemblyBytes, opts.maxReassemblyBytes)});
  p.data = requestBuffers().take(want, room);
  c.reassemblyBytes += p.data.capacity();
  reassemblyBytes += p.data.capacity();
}

void ServerImpl::releasePartial(ServerConn& c, Partial& p) {
  size_t held = p.data.capacity();
  c.reassemblyBytes -= held;
  reassemblyBytes -= held;
  requestBuffers().give(std::move(p.data));
}

std::vector<uint8_t> ServerImpl::copyOfStub(const pdu::Body& body) {
  std::vector<uint8_t> stub = requestBuffers().take(body.stubLength);
  stub.assign(body.stub, body.stub + body.stubLength);
  return stub;
}

void ServerImpl::dropPartial(ServerConn& c, uint32_t callId) {
  auto it = c.partial.find(callId);
  if (it == c.partial.end()) return;
  releasePartial(c, it->second);
  c.partial.erase(it);
}

bool ServerImpl::handleRequest(const std::shared_ptr<ServerConn>& c, const pdu::View& v) {
  pdu::Body body;
  pdu::Request q = pdu::decodeRequest(v, body);
  uint32_t callId = v.header.callId;
  bool first = v.header.flags & pdu::kFirstFrag;
  bool last = v.header.flags & pdu::kLastFrag;
  // PFC_MAYBE is ignored: the call runs and is answered, as MS-RPCE 2.2.2.2 allows and Windows does (<35>).
  if (first) {
    if (c->partial.count(callId) != 0) return false;
    if (!c->multiplexed && (!c->partial.empty() || !idle(*c))) {
      // Without PFC_CONC_MPX in the bind the connection is exclusive: the client waits for a call's whole
      // response before it sends the next request (MS-RPCE 3.3.1.5.8). A second call is a protocol error:
      // a fault with nca_s_proto_error (MS-RPCE 3.3.3.5.7), then the connection closes, as Samba does.
      c->sendRefusal(callId, q.contextId, status::kProtoError);
      return false;
    }
    if (body.stubLength > opts.maxRequestSize) return false;
    if (last) return startCall(c, callId, q, copyOfStub(body));
    // Requests whose last fragment has not come: reassembled, or streamed (whose call may have ended).
    const size_t unfinished = c->partial.size() + c->streams.size();
    if (streamsCall(*c, q)) {
      // Dispatched now; the rest of the request goes to the call's stream as it comes.
      if (c->streams.count(callId) != 0) return false;
      if (unfinished >= opts.maxPartialCallsPerConnection) {
        c->sendRefusal(callId, q.contextId, status::kServerTooBusy);
        return true;
      }
      return startCall(c, callId, q, copyOfStub(body), true);
    }
    // A call the connection may not start, or a request beyond the bounds on reassembly, is refused at its
    // first fragment; its later fragments then name no partial call and are discarded.
    if (unfinished >= opts.maxPartialCallsPerConnection || atCallLimit(*c, opts.maxCallsPerConnection)) {
      c->sendRefusal(callId, q.contextId, status::kServerTooBusy);
      return true;
    }
    Partial p;
    p.request = q;
    // alloc_hint is only a hint from the peer: trust it up to a modest size, grow beyond that as data comes.
    size_t reserve = std::min<size_t>({q.allocHint, opts.maxRequestSize, kMaxTrustedAllocHint});
    takeSpare(*c, p, std::max(reserve, body.stubLength));
    switch (growPartial(*c, p, std::max(reserve, body.stubLength))) {
      case Grow::kClose:
        releasePartial(*c, p);
        return false;
      case Grow::kRefuse:
        releasePartial(*c, p);
        c->sendRefusal(callId, q.contextId, status::kServerTooBusy);
        return true;
      case Grow::kOk:
        break;
    }
    ndr::appendBytes(p.data, body.stub, body.stubLength);
    c->partial.emplace(callId, std::move(p));
    return true;
  }
  if (c->streams.count(callId) != 0) return feedStream(c, callId, body, last);
  auto it = c->partial.find(callId);
  if (it == c->partial.end()) return true;  // rest of an orphaned or refused call
  switch (growPartial(*c, it->second, body.stubLength)) {
    case Grow::kClose:
      return false;
    case Grow::kRefuse:
      c->sendRefusal(callId, it->second.request.contextId, status::kServerTooBusy);
      dropPartial(*c, callId);
      return true;
    case Grow::kOk:
      break;
  }
  ndr::appendBytes(it->second.data, body.stub, body.stubLength);
  if (!last) return true;
  size_t held = it->second.data.capacity();
  c->reassemblyBytes -= held;
  reassemblyBytes -= held;
  Partial p = std::move(it->second);
  c->partial.erase(it);
  return startCall(c, callId, p.request, std::move(p.data));
}

bool ServerImpl::streamsCall(const ServerConn& c, const pdu::Request& q) const {
  auto it = std::find_if(c.contexts.begin(), c.contexts.end(),
                         [&](const BoundContext& bc) { return bc.contextId == q.contextId; });
  return it != c.contexts.end() && q.opnum < it->reg->opCount && it->reg->dispatcher->streams(q.opnum);
}

bool ServerImpl::feedStream(const std::shared_ptr<ServerConn>& c, uint32_t callId, const pdu::Body& body,
                            bool last) {
  auto it = c->streams.find(callId);
  std::shared_ptr<RequestStream> stream = it->second;
  if (last) c->streams.erase(it);
  if (stream->feed(body.stub, body.stubLength, last)) {
    std::lock_guard lk(c->mu);
    c->streamPaused = true;
    c->updateEventsLocked();
  }
  // Its reader is told when this read round ends (after the pause, which a pull the hook makes may lift).
  if (c->fed.empty() || c->fed.back() != stream) c->fed.push_back(std::move(stream));
  return true;
}

bool ServerImpl::startCall(const std::shared_ptr<ServerConn>& c, uint32_t callId, const pdu::Request& q,
                           std::vector<uint8_t>&& stub, bool streamed) {
  // Only this thread adds calls, so the count cannot grow between this look and the emplace below.
  if (atCallLimit(*c, opts.maxCallsPerConnection)) {
    c->sendRefusal(callId, q.contextId, status::kServerTooBusy);
    return true;
  }
  auto call = std::make_shared<ServerCall>(ServerCall::Token{}, c, callId, q.contextId);
  call->security_ = c->requestSecurity;
  call->opnum_ = q.opnum;
  if (q.object) {
    call->hasObject_ = true;
    call->object_ = *q.object;
  }
  call->request_ = std::move(stub);
  {
    std::lock_guard lk(c->mu);
    if (!c->active.emplace(callId, call).second) return false;  // call_id reused while in flight
  }
  if (streamed) {
    // Its later fragments are fed to the stream even when the call is refused below (they are then
    // discarded), so that they are not mistaken for a new request.
    call->stream_ =
        std::make_shared<RequestStream>(c, call->request_, opts.pipeWindowBytes, opts.maxRequestSize);
    c->streams.emplace(callId, call->stream_);
  }
  if (draining) {
    call->faultUnexecuted(status::kServerTooBusy);
    return true;
  }
  // MS-RPCE 2.2.2, "alloc_hint Interpretation": a non-zero alloc_hint (the first fragment's: the stub
  // data of every fragment) above the stub data that came is a reason to reject the call. Below it is not:
  // alloc_hint is a hint, and more data than it announced is bounded by ServerOptions::maxRequestSize alone.
  if (!streamed && q.allocHint != 0 && q.allocHint > call->request_.size()) {
    call->faultUnexecuted(status::kProtoError);
    return true;
  }
  auto it = std::find_if(c->contexts.begin(), c->contexts.end(),
                         [&](const BoundContext& bc) { return bc.contextId == q.contextId; });
  if (it == c->contexts.end()) {
    call->faultUnexecuted(status::kUnkIf);
    return true;
  }
  call->interface_ = it->clientSyntax;
  if (q.opnum >= it->reg->opCount) {
    call->faultUnexecuted(status::kOpRangeError);
    return true;
  }
  call->streamed_ = it->reg->dispatcher->streams(q.opnum);
  if (workers.empty() && call->streamed_) {
    runOnOwnThread(std::move(call), it->reg);  // its manager may block on pipes: not on the I/O thread
  } else if (workers.empty()) {
    runDispatch(*call, *it->reg);
  } else {
    {
      std::lock_guard lk(qMu);
      queue.emplace_back(std::move(call), it->reg);
    }
    qCv.notify_one();
  }
  return true;
}

void ServerImpl::runDispatch(ServerCall& call, Registered& reg) {
  CurrentCall current(call);
  if (call.isCompleted()) return;  // faulted (shutdown) before a worker got to it
  if (call.orphaned_.load()) {
    // Its connection dropped (or the client orphaned it) while it waited for a worker: running it would
    // only spend time on an answer nobody reads. The fault is not sent; it just retires the call.
    call.fault(status::kFaultCancel);
    return;
  }
  if (call.caller().authnLevel < reg.options.minAuthnLevel) {
    call.faultUnexecuted(status::kAccessDenied);
    return;
  }
  if (reg.options.securityCallback) {
    uint32_t verdict = status::kAccessDenied;
    try {
      verdict = reg.options.securityCallback(call);
    } catch (...) {
      // A callback that fails refuses: the safe answer.
    }
    if (verdict != status::kOk) {
      call.faultUnexecuted(verdict);
      return;
    }
  }
  try {
    reg.dispatcher->dispatch(call);
    if (!call.deferred_) call.complete();
  } catch (const RpcError& e) {
    // The generated dispatchers throw nca_op_rng_error for an opnum they do not serve ([local] methods,
    // serialization procedures) before any manager runs.
    if (e.status() == status::kOpRangeError)
      call.faultUnexecuted(e.status());
    else
      call.fault(e.status());
  } catch (const ndr::NdrError& e) {
    call.fault(e.status());  // rpc_x_bad_stub_data for undecodable requests, or a more specific status
  } catch (const std::bad_alloc&) {
    call.fault(status::kFaultRemoteNoMemory);
  } catch (...) {
    call.fault(status::kCallFailed);
  }
}

void ServerImpl::runOnOwnThread(std::shared_ptr<ServerCall> call, std::shared_ptr<Registered> reg) {
  {
    std::lock_guard lk(spawnMu);
    if (streamIdle > streamQueue.size()) {
      // A thread that finished a streamed call waits for another: no new thread.
      streamQueue.emplace_back(std::move(call), std::move(reg));
      spawnCv.notify_all();
      return;
    }
    if (spawned >= opts.maxStreamedCallThreads) {
      call->faultUnexecuted(status::kServerTooBusy);
      return;
    }
    ++spawned;
  }
  try {
    std::thread([this, call, reg] { streamThread(call, reg); }).detach();
  } catch (const std::system_error&) {
    // No thread to be had: the call fails (not executed); the server goes on.
    {
      std::lock_guard lk(spawnMu);
      --spawned;
    }
    call->faultUnexecuted(status::kServerTooBusy);
  }
}

void ServerImpl::streamThread(std::shared_ptr<ServerCall> call, std::shared_ptr<Registered> reg) {
  constexpr std::chrono::seconds kIdleLimit{10};
  for (;;) {
    runDispatch(*call, *reg);
    call.reset();
    reg.reset();
    std::unique_lock lk(spawnMu);
    ++streamIdle;
    spawnCv.wait_for(lk, kIdleLimit, [&] { return !streamQueue.empty() || streamStop; });
    --streamIdle;
    if (streamQueue.empty()) {
      --spawned;
      spawnCv.notify_all();  // shutdown waits for the last one
      return;
    }
    std::tie(call, reg) = std::move(streamQueue.front());
    streamQueue.pop_front();
  }
}

void ServerImpl::workerLoop() {
  while (true) {
    std::pair<std::shared_ptr<ServerCall>, std::shared_ptr<Registered>> task;
    {
      std::unique_lock lk(qMu);
      qCv.wait(lk, [&] { return qStop || !queue.empty(); });
      if (queue.empty()) return;
      task = std::move(queue.front());
      queue.pop_front();
    }
    runDispatch(*task.first, *task.second);
  }
}

}  // namespace midlrt::rpc::detail

namespace midlrt::rpc {

ServerCall* ServerCall::current() noexcept {
  return detail::tlsCurrentCall;
}

}  // namespace midlrt::rpc
