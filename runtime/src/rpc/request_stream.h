// Internal: the request of a streamed call (Dispatcher::streams), which the I/O thread feeds fragment by
// fragment while the call's stub decodes it on another thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <functional>

#include "midlrt/ndr/decoder.h"
#include "midlrt/rpc/server.h"

namespace midlrt::rpc::detail {

struct ServerConn;

// Two buffers: `window` belongs to the decoding thread (the call's requestData(), then what next() returns)
// and `incoming` to the I/O thread, which appends each fragment's stub data under the lock after kHeadroom
// bytes; next() puts the window's unconsumed bytes (usually a few) in that headroom and swaps the buffers,
// so each byte is copied once on its way from the socket to the decoder. `incoming` is bounded by
// ServerOptions::pipeWindowBytes: past it the I/O thread stops reading the connection, and next() lets it
// read again.
class RequestStream final : public StreamedRequest {
 public:
  // `window` is the call's request buffer, holding the first fragment's stub data; it must outlive the
  // stream's decoding (the call owns both). `needLimit`: the most bytes one decode step may wait for (a
  // request's maxRequestSize).
  RequestStream(std::weak_ptr<ServerConn> conn, std::vector<uint8_t>& window, size_t windowBytes,
                size_t needLimit);

  // DecoderSource: on the decoding thread.
  Window next(std::size_t consumed, std::size_t need) override;
  // From now on next() never waits (it returns what has arrived, on any thread), and `changed` runs (on the
  // I/O thread, outside the lock) after each fragment, and after abort().
  void neverWait(std::function<void()> changed);
  // StreamedRequest.
  bool taken() override;

  // I/O thread: a fragment's stub data. Returns true when the connection must stop reading until next()
  // takes what came (the stream's window is full). The reader learns of it at tellChanged().
  bool feed(const uint8_t* data, size_t size, bool last);
  // I/O thread, after the feed()s of a read round and after pausing the connection if one said so: wakes a
  // waiting next() and runs the neverWait() hook.
  void tellChanged();
  // The call's connection closed, or the call was cancelled: next() throws RPC_S_CALL_CANCELLED from now on.
  void abort();
  // The call has completed: what arrives later is discarded, and a connection paused for it reads again.
  void finish();

 private:
  // With mu_ held: lets the connection read again if it waits for this stream.
  void resumeLocked(std::unique_lock<std::mutex>& lk);

  std::weak_ptr<ServerConn> conn_;
  std::vector<uint8_t>& window_;
  const size_t windowBytes_;
  const size_t needLimit_;
  std::mutex mu_;
  std::condition_variable cv_;
  static constexpr size_t kHeadroom = 64 * 1024;
  size_t start_ = 0;               // where the unconsumed bytes of window_ begin (the decoding thread's)
  std::vector<uint8_t> incoming_;  // kHeadroom bytes, then what came
  bool complete_ = false;          // the last fragment has come
  bool aborted_ = false;
  bool finished_ = false;
  bool pausedConn_ = false;  // the I/O thread stopped reading the connection for this stream
  bool neverWait_ = false;
  std::function<void()> changed_;
};

}  // namespace midlrt::rpc::detail
