// A hand-written server stub for tests, the interop server and benchmarks: echo, add, faults, async calls.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "midlrt/ndr/encoder.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "midlrt/rpc/uuid.h"

namespace midlrt::rpc::testing {

inline const SyntaxId kEchoIf{*Uuid::parse("6d0a2f2e-4c1b-4a8e-9d3c-1f2e3d4c5b6a"), 1, 0};
inline const SyntaxId kOtherIf{*Uuid::parse("0f3c9a1e-77b2-4c55-8e21-5a6b7c8d9e0f"), 2, 1};

// Operation numbers of kEchoIf.
enum Op : uint16_t {
  kEcho = 0,          // returns the request bytes
  kAdd = 1,           // two little-endian int32 in, their sum out; any other size -> rpc_x_bad_stub_data
  kThrow = 2,         // the stub throws std::runtime_error
  kReverseBatch = 3,  // u32 batch size, u32 tag: deferred; once `batch size` calls wait, another thread
                      // completes them in reverse order, each replying its tag
  kWaitCancel = 4,    // deferred until cancelled (co_cancel, orphaned, drop, shutdown); then faults
                      // with nca_s_fault_cancel
  kWhoAmI = 5,    // replies object UUID present (u32 0/1), the UUID (16 bytes), bound major/minor (u16 each)
  kHang = 6,      // deferred and never completed by the stub
  kSumArray = 7,  // NDR conformant array of int32 in ([u32 count][count x int32]); out: int32 sum, u32 count
  kEchoGathered = 8,  // returns the request bytes as a generated stub returns a large [out] array: gathered
                      // from a local, sent by complete() before the stub returns, the local then scribbled on
  kDelayedEcho = 9,   // returns the request bytes 2 ms later (its caller is waiting by then)
  kOpCount = 10,
};

class EchoService : public Dispatcher {
 public:
  std::atomic<int> cancelsSeen{0};
  std::atomic<int> associationsClosed{0};
  std::atomic<int> calls{0};

  ~EchoService() override {
    std::lock_guard lk(mu_);
    held_.clear();
  }

  void dispatch(ServerCall& call) override {
    calls.fetch_add(1, std::memory_order_relaxed);
    watchAssociation(call);
    const uint8_t* in = call.requestData();
    size_t n = call.requestSize();
    switch (call.opnum()) {
      case kEcho:
        call.response().append(in, n);
        return;
      case kDelayedEcho:
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        call.response().append(in, n);
        return;
      case kAdd: {
        if (n != 8) throw RpcError(status::kBadStubData);
        int32_t a, b;
        std::memcpy(&a, in, 4);
        std::memcpy(&b, in + 4, 4);
        int32_t r = static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
        call.response().append(&r, 4);
        return;
      }
      case kThrow:
        throw std::runtime_error("implementation failed");
      case kReverseBatch: {
        if (n != 8) throw RpcError(status::kBadStubData);
        uint32_t batch, tag;
        std::memcpy(&batch, in, 4);
        std::memcpy(&tag, in + 4, 4);
        auto h = call.defer();
        h->response().append(&tag, 4);
        std::vector<std::shared_ptr<ServerCall>> ready;
        {
          std::lock_guard lk(mu_);
          batch_.push_back(std::move(h));
          if (batch_.size() >= batch) ready.swap(batch_);
        }
        if (!ready.empty()) {
          std::thread([ready] {
            for (auto it = ready.rbegin(); it != ready.rend(); ++it) (*it)->complete();
          }).detach();
        }
        return;
      }
      case kWaitCancel:
      case kHang: {
        auto h = call.defer();
        bool faultOnCancel = call.opnum() == kWaitCancel;
        ServerCall* raw = h.get();
        {
          std::lock_guard lk(mu_);
          held_.push_back(h);
        }
        h->onCancel([this, raw, faultOnCancel] {
          cancelsSeen.fetch_add(1);
          std::shared_ptr<ServerCall> mine;
          {
            std::lock_guard lk(mu_);
            for (auto it = held_.begin(); it != held_.end(); ++it) {
              if (it->get() == raw) {
                if (faultOnCancel) {
                  mine = std::move(*it);
                  held_.erase(it);
                }
                break;
              }
            }
          }
          if (mine) mine->fault(status::kFaultCancel);
        });
        return;
      }
      case kWhoAmI: {
        uint32_t has = call.object() != nullptr ? 1 : 0;
        uint8_t u[16] = {};
        if (call.object() != nullptr) call.object()->encode(u);
        call.response().append(&has, 4);
        call.response().append(u, 16);
        call.response().append(&call.interfaceId().major, 2);
        call.response().append(&call.interfaceId().minor, 2);
        return;
      }
      case kSumArray: {
        if (n < 4) throw RpcError(status::kBadStubData);
        uint32_t count;
        std::memcpy(&count, in, 4);
        if (count > (n - 4) / 4 || n != 4 + size_t{count} * 4) throw RpcError(status::kBadStubData);
        int64_t sum = 0;
        for (uint32_t i = 0; i < count; ++i) {
          int32_t v;
          std::memcpy(&v, in + 4 + i * 4, 4);
          sum += v;
        }
        int32_t s32 = static_cast<int32_t>(sum);
        call.response().append(&s32, 4);
        call.response().append(&count, 4);
        return;
      }
      case kEchoGathered: {
        std::vector<uint8_t> local(in, in + n);
        ndr::Encoder e(call.response().buffer(), call.response().headroom());
        call.response().gatherLargeWrites(e);
        const size_t head = std::min<size_t>(n, 3);
        e.writeBulk(local.data(), head);  // small: copied
        e.writeBulk(local.data() + head, n - head);
        call.complete();
        std::fill(local.begin(), local.end(), uint8_t{0xee});  // a reference kept past complete() shows
        return;
      }
      default:
        throw RpcError(status::kOpRangeError);
    }
  }

  size_t heldCalls() {
    std::lock_guard lk(mu_);
    return held_.size();
  }
  void releaseHeld() {
    std::vector<std::shared_ptr<ServerCall>> calls;
    {
      std::lock_guard lk(mu_);
      calls.swap(held_);
    }
  }

 private:
  void watchAssociation(ServerCall& call) {
    static const int kTag = 0;
    Association& a = call.association();
    if (a.attachment(&kTag)) return;
    a.setAttachment(&kTag, std::make_shared<int>(1));
    a.onClose([this] { associationsClosed.fetch_add(1); });
  }

  std::mutex mu_;
  std::vector<std::shared_ptr<ServerCall>> batch_;
  std::vector<std::shared_ptr<ServerCall>> held_;
};

// Echo, and keeps what caller() said on the last call.
class CallerRecorder : public EchoService {
 public:
  void dispatch(ServerCall& call) override {
    {
      std::lock_guard lk(mu);
      last = call.caller();
    }
    EchoService::dispatch(call);
  }
  std::mutex mu;
  CallerInfo last;
};

}  // namespace midlrt::rpc::testing
