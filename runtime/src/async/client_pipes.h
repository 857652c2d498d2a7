// Internal: the pipes of one [async] client call (PipeCall for AsyncPipe<T>): the order of pushes and pulls,
// the request's streaming, the reply's bytes read without waiting, and the pipe events it raises through
// the AsyncState that issued it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "midlrt/async/async_pipe.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/rpc/channel.h"

namespace midlrt::async::detail {

// A pull takes in the reply bytes that have arrived only when fewer than this are left to read; with more, a
// pull's step has all it needs (pipe elements are far smaller), and `complete` may be passed as false.
inline constexpr std::size_t kRefillBelow = 256 * 1024;

class ClientPipes final : public PipeCall,
                          private ndr::DecoderSource,
                          public std::enable_shared_from_this<ClientPipes> {
 public:
  ClientPipes(PipeCounts counts, AsyncState* state, bool notifyOnSend);
  ClientPipes(const ClientPipes&) = delete;
  ClientPipes& operator=(const ClientPipes&) = delete;
  ~ClientPipes();

  // After the call is issued: its request and reply.
  void start(std::unique_ptr<rpc::StreamingCall> call);
  // No more events reach the state; waits until a running one has returned (unless it runs on this thread).
  void detach();

  // From the channel (through a weak reference): reply bytes arrived.
  void onArrived();
  // The call completed with `status` (before the state's kCallComplete notification).
  void onDone(uint32_t status);

  // AsyncState::complete of a call that ended with `callStatus`: if kOk, every pipe must be finished and
  // `rest` reads what follows the [out] pipes. Releases the call either way; returns the call's status.
  uint32_t finish(uint32_t callStatus, const AsyncState::UnmarshalRest& rest, void* reply);

  uint32_t push(std::size_t index, bool end, const Writer& write) override;
  uint32_t pull(std::size_t index, const Reader& read) override;
  bool whenReceivable(std::function<void()> fn) override;
  void pullBound(std::size_t index) override;

 private:
  // DecoderSource, never waiting: drops what the decoder consumed and appends what has arrived.
  Window next(std::size_t consumed, std::size_t need) override;
  // A failure of our own (bad reply bytes, a chunk that cannot be encoded, a broken connection): every later
  // push, pull and complete reports it (the first one); the call `abandon` refers to (if any) is abandoned,
  // the server told it is orphaned. Takes mu_: not to be called with it held.
  uint32_t fail(uint32_t status, rpc::CallHandle abandon);
  // The call's completion has run: true with its status.
  bool doneWith(uint32_t& status);
  // Runs the state's notification for `event` (send complete: see notifyOnSendComplete's trampoline).
  void deliver(AsyncEvent event);
  void deliverSendComplete();

  // See the lock order in client_pipes.cpp.
  std::mutex sendMu_;  // a push in progress; call_'s request side
  std::mutex mu_;
  std::mutex eventMu_;
  std::condition_variable cv_;  // with eventMu_: a delivery ended
  const PipeCounts counts_;
  std::unique_ptr<rpc::StreamingCall> call_;  // set by start(), released by finish() (both with both locks)
  // Under mu_.
  unsigned currentIn_ = 0;
  unsigned currentOut_ = 0;
  // The reply's bytes taken from the channel, and the decoder over them (made at the first pull).
  std::vector<std::uint8_t> window_;
  std::size_t front_ = 0;  // window_'s bytes before this one have been consumed
  std::optional<ndr::Decoder> decoder_;
  bool replyEnded_ = false;  // the channel's call has ended (replyStatus_ says how)
  uint32_t replyStatus_ = 0;
  uint32_t failure_ = 0;
  // Under eventMu_. Receive events: arrivals counted, the count the last pull saw, whether the application
  // waits for one; the call's end.
  uint64_t arrivals_ = 0;
  uint64_t seen_ = 0;
  bool armed_ = true;
  // Until every [out] pipe is bound (pullBound) the application cannot pull: a receive event for data that
  // came before waits (heldTell_), and is delivered then, from the timer thread.
  size_t pullsBound_ = 0;
  bool ready_ = false;
  bool heldTell_ = false;
  bool done_ = false;  // the call's completion has run (onDone), with doneStatus_
  uint32_t doneStatus_ = 0;
  std::vector<std::function<void()>> waiters_;
  AsyncState* state_;
  std::vector<std::thread::id> delivering_;  // threads inside a notification now
  const bool notifyOnSend_;
};

}  // namespace midlrt::async::detail
