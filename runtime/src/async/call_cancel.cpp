// Cancel objects for synchronous calls: a thread that enables cancellation watches its own blocking calls
// (rpc::BlockingCallObserver) and publishes the innermost one's cancel object under its thread id.
#include "midlrt/async/call_cancel.h"

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "in_flight_cancel.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/status.h"

namespace midlrt::async {

using com::HRESULT;
using Ms = std::chrono::milliseconds;

namespace {

// The cancel object of one synchronous call ("Canceling Method Calls": the proxy makes one per call and
// associates it with the call and the thread).
class SyncCallCancel final : public com::ComObject<com::ICancelMethodCalls> {
 public:
  explicit SyncCallCancel(rpc::CallHandle call) : call_(std::make_shared<rpc::CallHandle>(std::move(call))) {}

  HRESULT Cancel(com::ULONG seconds) override {
    Ms grace =
        seconds == com::RPC_C_CANCEL_INFINITE_TIMEOUT ? detail::kNeverOrphan : Ms(int64_t{seconds} * 1000);
    HRESULT result;
    std::shared_ptr<rpc::CallHandle> call;
    {
      std::lock_guard lk(mu_);
      if (!cancels_.requested() && (!call_ || call_->done())) return com::RPC_E_CALL_COMPLETE;
      if (!call_) return com::RPC_E_CALL_CANCELED;
      call = call_;
      switch (cancels_.request(grace)) {
        case detail::CancelRequests::Step::kFirst:
          result = com::S_OK;
          break;
        case detail::CancelRequests::Step::kEscalate:
          result = com::RPC_E_CALL_CANCELED;
          break;
        case detail::CancelRequests::Step::kAlready:
        default:
          return com::RPC_E_CALL_CANCELED;
      }
    }
    // The timer does not keep the call's record (and its connection) once the caller has returned.
    std::weak_ptr<rpc::CallHandle> weak = call;
    detail::cancelInFlight(*call, grace, [weak] {
      if (auto c = weak.lock()) c->abandon();
    });
    return result;
  }

  HRESULT TestCancel() override {
    std::lock_guard lk(mu_);
    if (cancels_.requested()) return com::RPC_E_CALL_CANCELED;
    return !call_ || call_->done() ? com::RPC_E_CALL_COMPLETE : com::RPC_S_CALLPENDING;
  }

  bool is(const rpc::CallHandle& call) {
    std::lock_guard lk(mu_);
    return call_ && *call_ == call;
  }

  // The blocked caller returns: after a cancel it ignores whatever the server sent.
  uint32_t ended(uint32_t status) {
    std::lock_guard lk(mu_);
    call_.reset();
    return cancels_.requested() ? rpc::status::kCallCancelled : status;
  }

 private:
  std::mutex mu_;
  std::shared_ptr<rpc::CallHandle> call_;  // null once the caller has returned
  detail::CancelRequests cancels_;
};

// One thread's blocking calls in progress, innermost last.
class ThreadCalls final : public rpc::BlockingCallObserver {
 public:
  void callStarted(const rpc::CallHandle& call) override {
    auto cancel = com::makeObject<SyncCallCancel>(call);
    std::lock_guard lk(mu_);
    calls_.push_back(std::move(cancel));
  }
  uint32_t callEnded(const rpc::CallHandle& call, uint32_t status) override {
    com::ComPtr<SyncCallCancel> cancel;
    {
      std::lock_guard lk(mu_);
      for (auto it = calls_.rbegin(); it != calls_.rend(); ++it) {
        if ((*it)->is(call)) {
          cancel = std::move(*it);
          calls_.erase(std::next(it).base());
          break;
        }
      }
    }
    return cancel ? cancel->ended(status) : status;
  }
  com::ComPtr<SyncCallCancel> innermost() {
    std::lock_guard lk(mu_);
    return calls_.empty() ? com::ComPtr<SyncCallCancel>() : calls_.back();
  }

  int enabled = 0;  // only the owning thread touches it

 private:
  std::mutex mu_;
  std::vector<com::ComPtr<SyncCallCancel>> calls_;
};

// The threads that have enabled cancellation, by id. CoGetCancelObject names a call by its thread, so this
// one table is process-wide; it is never destroyed, so threads that end during exit can still leave it.
struct Registry {
  std::mutex mu;
  std::map<ThreadId, std::shared_ptr<ThreadCalls>> threads;
};

Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

// The calling thread's entry, made by its first enableCallCancellation; leaves the table with the thread.
struct ThreadSlot {
  std::shared_ptr<ThreadCalls> calls;
  bool listed = false;

  void list(bool on) {
    if (on == listed) return;
    listed = on;
    auto& r = registry();
    std::lock_guard lk(r.mu);
    if (on) {
      r.threads[std::this_thread::get_id()] = calls;
    } else {
      r.threads.erase(std::this_thread::get_id());
    }
  }
  ~ThreadSlot() {
    if (listed) list(false);
  }
};

thread_local ThreadSlot tSlot;

}  // namespace

HRESULT enableCallCancellation() {
  if (!tSlot.calls) tSlot.calls = std::make_shared<ThreadCalls>();
  if (tSlot.calls->enabled++ == 0) {
    rpc::setBlockingCallObserver(tSlot.calls.get());
    tSlot.list(true);
  }
  return com::S_OK;
}

HRESULT disableCallCancellation() {
  if (!tSlot.calls || tSlot.calls->enabled == 0) return com::CO_E_CANCEL_DISABLED;
  if (--tSlot.calls->enabled == 0) {
    rpc::setBlockingCallObserver(nullptr);
    tSlot.list(false);
  }
  return com::S_OK;
}

HRESULT getCancelObject(ThreadId thread, com::REFIID iid, void** ppv) {
  if (ppv == nullptr) return com::E_POINTER;
  *ppv = nullptr;
  if (thread == ThreadId()) thread = std::this_thread::get_id();
  std::shared_ptr<ThreadCalls> calls;
  {
    auto& r = registry();
    std::lock_guard lk(r.mu);
    auto it = r.threads.find(thread);
    if (it == r.threads.end()) return com::CO_E_CANCEL_DISABLED;
    calls = it->second;
  }
  com::ComPtr<SyncCallCancel> cancel = calls->innermost();
  if (!cancel) return com::E_NOINTERFACE;
  return cancel->QueryInterface(iid, ppv);
}

com::ComPtr<com::ICancelMethodCalls> getCancelObject(ThreadId thread, HRESULT* hr) {
  com::ComPtr<com::ICancelMethodCalls> cancel;
  HRESULT r = getCancelObject(thread, com::ICancelMethodCalls::kIid, cancel.putVoid());
  if (hr != nullptr) *hr = r;
  return cancel;
}

HRESULT cancelCall(ThreadId thread, com::ULONG seconds) {
  HRESULT hr;
  auto cancel = getCancelObject(thread, &hr);
  if (!cancel) return hr;
  return cancel->Cancel(seconds);
}

}  // namespace midlrt::async
