// The pipes of an [async] manager's call: [in] pipes read from the streamed request without waiting, [out]
// pipes written to the streamed response, in Microsoft's order.
#include <mutex>
#include <optional>
#include <vector>

#include "midlrt/async/async_pipe.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/ndr/error.h"

namespace midlrt::async {

namespace {

// A pull takes in more of the request only when fewer bytes than this are left to read.
constexpr std::size_t kRefillBelow = 256 * 1024;

class ServerPipesImpl final : public ServerPipes, public std::enable_shared_from_this<ServerPipesImpl> {
 public:
  ServerPipesImpl(rpc::ServerCall& call, PipeCounts counts) : call_(call.weak_from_this()), counts_(counts) {}

  void start(rpc::ServerCall& call, ndr::Decoder* rest) {
    if (rest != nullptr) {
      decoder_.emplace(*rest);
      std::weak_ptr<ServerPipesImpl> weak = weak_from_this();
      stream_ = call.streamRequestWithoutWaiting(*decoder_, [weak] {
        if (auto self = weak.lock()) self->onChanged();
      });
    }
    if (counts_.out > 0) {
      encoder_.emplace(call.response().buffer(), call.response().headroom());
      call.streamResponse(*encoder_);
    }
  }

  uint32_t pull(std::size_t index, const Reader& read) override {
    std::lock_guard lk(mu_);
    if (uint32_t s = unusableLocked()) return s;
    if (!decoder_ || index != currentIn_) return ndr::kRpcXWrongPipeOrder;
    {
      std::lock_guard ev(eventMu_);
      seen_ = changes_;
    }
    ndr::Decoder& d = *decoder_;
    Step step;
    try {
      // Takes in what has arrived only when little is left to read (taking lets the connection be read
      // on: taking more than is read would buffer without bound); with more, the step has all it needs.
      if (d.remaining() < kRefillBelow) d.available(d.remaining() + 1);
      step = read(d, !stream_ || (d.remaining() < kRefillBelow && stream_->taken()));
    } catch (const ndr::NdrError& e) {
      return failure_ = e.status();
    } catch (const rpc::RpcError& e) {
      return failure_ = e.status() != 0 ? e.status() : rpc::status::kCallFailed;
    }
    if (step == Step::kPending) return status::kAsyncCallPending;
    if (step == Step::kEnded) ++currentIn_;
    return rpc::status::kOk;
  }

  uint32_t push(std::size_t index, bool end, const Writer& write) override {
    std::lock_guard lk(mu_);
    if (uint32_t s = unusableLocked()) return s;
    if (currentOut_ >= counts_.out) return ndr::kRpcXPipeClosed;
    // "Rules for Multiple Pipes": the reply starts once every [in] pipe has been drained.
    if (currentIn_ < counts_.in || index != currentOut_) return ndr::kRpcXWrongPipeOrder;
    try {
      write(*encoder_);
      encoder_->flush();  // sends, waiting while the client has too much unsent
    } catch (const ndr::NdrError& e) {
      return failure_ = e.status();
    } catch (const rpc::RpcError& e) {
      return failure_ = e.status() != 0 ? e.status() : rpc::status::kCallFailed;
    }
    if (end) ++currentOut_;
    return rpc::status::kOk;
  }

  bool whenReceivable(std::function<void()> fn) override {
    std::lock_guard lk(mu_);
    if (unusableLocked() != 0 || !stream_ || stream_->taken()) return false;
    std::lock_guard ev(eventMu_);
    if (changes_ != seen_) return false;
    waiters_.push_back(std::move(fn));
    return true;
  }

  void requireFinished() override {
    std::lock_guard lk(mu_);
    closed_ = true;
    {
      std::lock_guard ev(eventMu_);
      waiters_.clear();
    }
    if (currentIn_ < counts_.in)
      throw ndr::PipeError(
          "the call completed before [in] pipe " + std::to_string(currentIn_ + 1) + " was drained",
          ndr::kRpcXPipeDisciplineError);
    if (currentOut_ < counts_.out)
      throw ndr::PipeError(
          "the call completed before [out] pipe " + std::to_string(currentOut_ + 1) + " was ended",
          ndr::kRpcXPipeDisciplineError);
  }

 private:
  // I/O thread: a fragment came, or the call was cancelled. Only eventMu_: a push may hold mu_ while it
  // waits for the I/O thread to send.
  void onChanged() {
    std::vector<std::function<void()>> waiters;
    {
      std::lock_guard lk(eventMu_);
      ++changes_;
      waiters.swap(waiters_);
    }
    for (auto& w : waiters) w();
  }

  // Why the pipes cannot be used now (the call is over, or failed), or 0.
  uint32_t unusableLocked() const {
    if (failure_ != 0) return failure_;
    std::shared_ptr<rpc::ServerCall> call = call_.lock();
    if (closed_ || !call || call->isCompleted()) return status::kInvalidAsyncHandle;
    return 0;
  }

  std::mutex mu_;       // the pipes' order, the decoder and the encoder
  std::mutex eventMu_;  // after mu_: changes_, seen_, waiters_
  std::weak_ptr<rpc::ServerCall> call_;
  const PipeCounts counts_;
  std::optional<ndr::Decoder> decoder_;
  std::shared_ptr<rpc::StreamedRequest> stream_;  // null: the request came whole
  std::optional<ndr::Encoder> encoder_;
  unsigned currentIn_ = 0;
  unsigned currentOut_ = 0;
  bool closed_ = false;
  uint32_t failure_ = 0;
  uint64_t changes_ = 0;  // fragments (and cancels) seen
  uint64_t seen_ = 0;     // changes_ when the last pull looked
  std::vector<std::function<void()>> waiters_;
};

}  // namespace

std::shared_ptr<ServerPipes> ServerPipes::open(rpc::ServerCall& call, ndr::Decoder* rest, PipeCounts counts) {
  auto pipes = std::make_shared<ServerPipesImpl>(call, counts);
  pipes->start(call, rest);
  return pipes;
}

}  // namespace midlrt::async
