// Client call objects: the Begin_/Finish_ state machine, ISynchronize, ISynchronizeHandle,
// ICancelMethodCalls.
#include "midlrt/async/call_object.h"

#include "client_op.h"
#include "midlrt/com/status.h"

namespace midlrt::async {

using com::HRESULT;
using Ms = std::chrono::milliseconds;

ClientCallObject::ClientCallObject(std::shared_ptr<rpc::Channel> channel, const rpc::SyntaxId& iface,
                                   com::IUnknown* outer, const rpc::CallOptions& options,
                                   std::optional<rpc::Uuid> object)
    : com::Aggregatable(outer),
      channel_(std::move(channel)),
      iface_(iface),
      options_(options),
      object_(object),
      op_(std::make_shared<detail::ClientOp>()) {
  if (object_) options_.object = &*object_;
}

ClientCallObject::~ClientCallObject() {
  // Fire and forget: the call (if any) goes on; its completion no longer reaches this object.
  op_->detachNotify();
}

void* ClientCallObject::queryOwnInterface(com::REFIID riid) {
  if (riid == com::ISynchronize::kIid) return static_cast<com::ISynchronize*>(this);
  if (riid == com::ISynchronizeHandle::kIid) return static_cast<com::ISynchronizeHandle*>(this);
  if (riid == com::ICancelMethodCalls::kIid) return static_cast<com::ICancelMethodCalls*>(this);
  if (riid == kIid) return this;
  return queryAsyncInterface(riid);
}

HRESULT ClientCallObject::beginCall(uint16_t opnum, rpc::Message request) {
  if (op_->phase() != detail::ClientOp::Phase::kIdle) return com::RPC_E_CALL_PENDING;
  // Completion signals the controlling unknown's ISynchronize (an aggregating client's own, if it has one).
  // The pointer is held without a reference, as aggregation requires: the outer outlives this object, and
  // this object's destructor waits for a running notification.
  // Unaggregated, the event is set directly (no virtual call: the object may be in its destructor).
  com::ISynchronize* target = nullptr;
  if (aggregated()) {
    void* p = nullptr;
    if (controllingUnknown()->QueryInterface(com::ISynchronize::kIid, &p) == com::S_OK && p != nullptr) {
      target = static_cast<com::ISynchronize*>(p);
      target->Release();
    }
  }
  if (target != nullptr && target != static_cast<com::ISynchronize*>(this)) {
    op_->setNotify([target] { target->Signal(); });
  } else {
    op_->setNotify([op = op_.get()] { op->signal(); });  // the op outlives its completion
  }
  bool busy = false;
  uint32_t s = op_->begin(*channel_, iface_, opnum, std::move(request), options_, busy);
  if (busy) return com::RPC_E_CALL_PENDING;
  return com::hresultFromStatus(s);
}

HRESULT ClientCallObject::finishCall(rpc::Reply& reply) {
  if (op_->phase() == detail::ClientOp::Phase::kIdle) return com::RPC_E_CALL_COMPLETE;
  op_->waitDone(Ms(-1));
  uint32_t s = 0;
  bool cancelled = false;
  if (!op_->take(s, reply, &cancelled)) return com::RPC_E_CALL_COMPLETE;  // another thread finished it
  if (cancelled) {
    // "Canceling Method Calls": once cancelled, the caller ignores whatever results the server sends, even
    // a reply that arrived before the cancel's timeout.
    reply.storage().clear();
    return com::RPC_E_CALL_CANCELED;
  }
  return com::hresultFromStatus(s);
}

HRESULT ClientCallObject::Wait(com::DWORD, com::DWORD ms) {
  bool ok = op_->waitSignalled(ms == com::INFINITE ? Ms(-1) : Ms(ms));
  return ok ? com::S_OK : com::RPC_S_CALLPENDING;
}

HRESULT ClientCallObject::Signal() {
  op_->signal();
  return com::S_OK;
}

HRESULT ClientCallObject::Reset() {
  op_->reset();
  return com::S_OK;
}

HRESULT ClientCallObject::GetHandle(int* ph) {
  if (ph == nullptr) return com::E_POINTER;
  *ph = op_->eventFd();
  return *ph >= 0 ? com::S_OK : com::E_OUTOFMEMORY;
}

HRESULT ClientCallObject::Cancel(com::ULONG seconds) {
  return cancelAfter(seconds == com::RPC_C_CANCEL_INFINITE_TIMEOUT ? detail::ClientOp::kNeverOrphan
                                                                   : Ms(int64_t{seconds} * 1000));
}

HRESULT ClientCallObject::cancelAfter(Ms grace) {
  switch (op_->cancel(grace)) {
    case detail::ClientOp::CancelResult::kRequested:
      return com::S_OK;
    case detail::ClientOp::CancelResult::kAlready:
      return com::RPC_E_CALL_CANCELED;
    case detail::ClientOp::CancelResult::kComplete:
    case detail::ClientOp::CancelResult::kNoCall:
      break;
  }
  return com::RPC_E_CALL_COMPLETE;
}

HRESULT ClientCallObject::TestCancel() {
  auto phase = op_->phase();
  if (phase == detail::ClientOp::Phase::kIdle) return com::RPC_E_CALL_COMPLETE;
  if (op_->cancelRequested()) return com::RPC_E_CALL_CANCELED;
  return phase == detail::ClientOp::Phase::kPending ? com::RPC_S_CALLPENDING : com::RPC_E_CALL_COMPLETE;
}

bool ClientCallObject::pending() const {
  return op_->phase() != detail::ClientOp::Phase::kIdle;
}

bool ClientCallObject::done() const {
  return op_->phase() == detail::ClientOp::Phase::kDone;
}

uint32_t ClientCallObject::callId() const {
  return op_->callId();
}

bool ClientCallObject::notifyWhenDone(std::function<void()> fn) {
  return op_->whenDone(std::move(fn));
}

com::ComPtr<ClientCallObject> asCallObject(com::IUnknown* unk) {
  if (unk == nullptr) return {};
  void* p = nullptr;
  if (unk->QueryInterface(ClientCallObject::kIid, &p) != com::S_OK || p == nullptr) return {};
  return com::ComPtr<ClientCallObject>::attach(static_cast<ClientCallObject*>(p));
}

}  // namespace midlrt::async
