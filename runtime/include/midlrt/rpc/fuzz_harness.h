// What `midlc --fuzz` targets run on (<file>_fuzz.cpp, a libFuzzer target per IDL file): arbitrary bytes
// as the stub data of a request to the generated server stubs, as the stub data of the reply to a
// generated client function, and as the NDR of each struct and union (decoded, then round-tripped). Both
// sides go through the real protocol, in process (Channel::createInProcess), so what the fuzzer reaches is
// what a hostile peer reaches.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "midlrt/ndr/buffer.h"
#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/ndr/full_pointer_graph.h"
#include "midlrt/ndr/pipe.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/context_handle.h"
#include "midlrt/rpc/server.h"

namespace midlrt::fuzz {

/// Two in-process servers: one serves the generated dispatchers (over the null managers the fuzz file
/// defines), the other answers every call with the reply the fuzzer chose.
class Harness {
 public:
  /// Both servers, each with an in-process channel.
  Harness();
  /// Closes the channels and shuts both servers down.
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  /// Registers a generated dispatcher: request() reaches it.
  void serve(const rpc::SyntaxId& iface, uint16_t opCount, std::shared_ptr<rpc::Dispatcher> dispatcher);
  /// Calls `opnum` of a served interface with `stub` as the request's stub data; the reply or fault is
  /// dropped (the stubs must not crash, overread or leak, whatever the bytes). `object`: the object UUID the
  /// request carries (an object interface's stub finds its object by it).
  void request(const rpc::SyntaxId& iface, uint16_t opnum, std::span<const uint8_t> stub,
               const rpc::Uuid* object = nullptr);

  /// Registers an interface whose every call is answered with the bytes of the last answerWith().
  void answer(const rpc::SyntaxId& iface, uint16_t opCount);
  /// The stub data of the next replies (a copy is kept).
  void answerWith(std::span<const uint8_t> stub);
  /// The binding that reaches the answering server, for the generated client functions.
  const std::shared_ptr<rpc::Channel>& replies() const { return replies_; }

  /// A context handle that is not NULL, for [in] context handles of client calls (the answering server
  /// does not look at it).
  static rpc::ContextHandle contextHandle();
  /// The UUID the fuzz target exports its `n`th null object under.
  static rpc::Uuid objectId(uint16_t n);

 private:
  class Answerer;
  rpc::Server stubs_;
  rpc::Server answers_;
  std::shared_ptr<Answerer> answerer_;
  std::shared_ptr<rpc::Channel> requests_;
  std::shared_ptr<rpc::Channel> replies_;
};

/// The null managers' parameters are not looked at.
template <class... T>
void ignore(const T&...) noexcept {}

/// A null manager's [in] pipe: pulls every chunk (the stub unmarshals them as it is pulled).
template <class T>
void drain(ndr::Pipe<T>& pipe) {
  std::vector<T> buffer(256);
  while (pipe.pull(buffer) != 0) {
  }
}

/// A null manager's [out] pipe: the empty chunk that ends it.
template <class T>
void finish(ndr::Pipe<T>& pipe) {
  pipe.push({});
}

/// An [async] operation's pipe (midlrt::async::AsyncPipe<T>) that the null manager or the client pulls: to
/// its end or its failure, waiting up to a second for each chunk (statuses are not looked at).
template <template <class> class AsyncPipe, class T>
void drain(AsyncPipe<T>& pipe) {
  T buffer[64];
  std::size_t n = 0;
  while (pipe.pullWait(std::span<T>(buffer), n, std::chrono::seconds(1)) == 0 && n != 0) {
  }
}

/// An [async] operation's pipe that the null manager or the client pushes: ended at once.
template <template <class> class AsyncPipe, class T>
void finish(AsyncPipe<T>& pipe) {
  static_cast<void>(pipe.push({}));
}

/// A client call's [in] pipe: empty. Its [out] pipe: every chunk dropped.
template <class P>
P clientPipe() {
  return P([](auto) { return std::size_t{0}; }, [](auto) {});
}

/// A type of the IDL file: `stub` decoded as a whole top-level value (ndrRead), encoded (ndrWrite), decoded
/// and encoded again. Decoding may fail (NdrError), but what decodes must encode to bytes that decode back to
/// the same encoding; a difference is a marshaling bug, reported by aborting.
template <class T, class Read, class Write>
void roundTrip(std::span<const uint8_t> stub, const char* type, Read read, Write write) {
  auto encode = [&](const T& value, ndr::Buffer& out) {
    ndr::Encoder e(out);
    write(e, value);
  };
  ndr::FullPointerGraph graph;  // first, so that it goes last: frees full-pointer cycles after the values
  ndr::FullPointerGraph::Scope scope(graph);
  T first{};
  ndr::Decoder d(stub.data(), stub.size());
  read(d, first);
  ndr::Buffer once;
  encode(first, once);
  T second{};
  ndr::Decoder again(once.data(), once.size());
  read(again, second);
  ndr::Buffer twice;
  encode(second, twice);
  if (once.size() != twice.size() || !std::equal(once.data(), once.data() + once.size(), twice.data())) {
    std::fprintf(stderr,
                 "midlrt::fuzz: %s does not survive a round trip: %zu bytes encode, decode and encode "
                 "again to %zu different bytes\n",
                 type, once.size(), twice.size());
    std::abort();
  }
}

}  // namespace midlrt::fuzz
