// From request PDUs to calls: reassembling fragments within the size limit, checking the presentation
// context and opnum, and running the stub inline on the I/O thread or on the worker pool.
#include <algorithm>
#include <new>
#include <vector>

#include "midlrt/ndr/error.h"
#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc::detail {

namespace {
constexpr size_t kMaxTrustedAllocHint = 1u << 20;  // reserve no more up front, whatever alloc_hint says

// No call of the connection is waiting for its answer.
bool idle(ServerConn& c) {
  std::lock_guard lk(c.mu);
  return c.active.empty();
}

// What the calls being reassembled on a connection hold together (capacity: reserved memory counts).
size_t reassemblyBytes(const ServerConn& c) {
  size_t n = 0;
  for (const auto& [id, p] : c.partial) n += p.data.capacity();
  return n;
}
}  // namespace

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
    size_t reserve = std::min<size_t>({q.allocHint, opts.maxRequestSize, kMaxTrustedAllocHint});
    if (!last && reassemblyBytes(*c) + std::max(reserve, body.stubLength) > opts.maxRequestSize) return false;
    if (last) return startCall(c, callId, q, std::vector<uint8_t>(body.stub, body.stub + body.stubLength));
    Partial p;
    p.request = q;
    // alloc_hint is only a hint from the peer: trust it up to a modest size, grow beyond that as data comes.
    p.data.reserve(reserve);
    p.data.insert(p.data.end(), body.stub, body.stub + body.stubLength);
    c->partial.emplace(callId, std::move(p));
    return true;
  }
  auto it = c->partial.find(callId);
  if (it == c->partial.end()) return true;  // rest of an orphaned call
  std::vector<uint8_t>& data = it->second.data;
  size_t others = reassemblyBytes(*c) - data.capacity();
  if (others + std::max(data.capacity(), data.size() + body.stubLength) > opts.maxRequestSize) return false;
  it->second.data.insert(it->second.data.end(), body.stub, body.stub + body.stubLength);
  if (!last) return true;
  Partial p = std::move(it->second);
  c->partial.erase(it);
  return startCall(c, callId, p.request, std::move(p.data));
}

bool ServerImpl::startCall(const std::shared_ptr<ServerConn>& c, uint32_t callId, const pdu::Request& q,
                           std::vector<uint8_t>&& stub) {
  auto call = std::make_shared<ServerCall>(ServerCall::Token{}, c, callId, q.contextId);
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
  if (draining) {
    call->faultUnexecuted(status::kServerTooBusy);
    return true;
  }
  // MS-RPCE 2.2.2, "alloc_hint Interpretation": a non-zero alloc_hint (the first fragment's: the stub
  // data of every fragment) above the stub data that came is a reason to reject the call. Below it is not:
  // alloc_hint is a hint, and more data than it announced is bounded by ServerOptions::maxRequestSize alone.
  if (q.allocHint != 0 && q.allocHint > call->request_.size()) {
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
  if (workers.empty()) {
    runDispatch(*call, *it->reg->dispatcher);
  } else {
    {
      std::lock_guard lk(qMu);
      queue.emplace_back(std::move(call), it->reg);
    }
    qCv.notify_one();
  }
  return true;
}

void ServerImpl::runDispatch(ServerCall& call, Dispatcher& d) {
  if (call.isCompleted()) return;  // faulted (shutdown) before a worker got to it
  try {
    d.dispatch(call);
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
    runDispatch(*task.first, *task.second->dispatcher);
  }
}

}  // namespace midlrt::rpc::detail
