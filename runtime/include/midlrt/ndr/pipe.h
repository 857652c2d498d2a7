// DCE pipes: the C++ mapping of `typedef pipe T P;` and the chunked NDR representation generated stubs use.
//
// A pipe is an open-ended stream of T that moves during one call. On the wire (C706 chapter 14, "Pipes";
// MS-RPCE 2.2.5.3.4.5 for the NDR64 variant) it is a sequence of chunks, each an unsigned long element count
// (aligned to 4) followed by that many elements, ended by a chunk of zero elements. [in] pipes follow every
// other [in] parameter of the request; [out] pipes come first in the response, before the other [out]
// parameters and the return value.
//
// Pipe<T> is MIDL's pipe structure (pull, push, state) with std::function in place of the function
// pointers, and the same discipline:
//   client, [in] pipe:   the stub calls pull(buffer) until it returns 0, sending each chunk;
//   client, [out] pipe:  the stub calls push(chunk) for every chunk received, then push({}) once;
//   server, [in] pipe:   the manager calls pull(buffer) until it returns 0;
//   server, [out] pipe:  the manager calls push(chunk) for each chunk, then push({}) to end the pipe.
// The server uses the [in] pipes in declaration order, each to its end, and the [out] pipes likewise
// (RPC_X_WRONG_PIPE_ORDER otherwise; it may push to an [out] pipe while it still pulls from an [in] one); a
// manager that returns before it has drained every [in] pipe and ended every [out] pipe faults the call with
// RPC_X_PIPE_DISCIPLINE_ERROR, as Microsoft's runtime does.
//
// Streaming (the RPC layer does the sending; on the server, [async] operations too): the client's [in]
// chunks leave in the request's fragments as pull produces them (writePipe and writePipeInPlace flush the
// Encoder after each chunk), and the server dispatches the call at the request's first fragment, its
// manager's pull returning what has arrived (the Decoder reads from a DecoderSource); the server's [out]
// chunks leave in response fragments as the manager pushes them (pipeWriter flushes too), the push waiting
// while the client does not take them; the client's readPipe pushes [out] chunks, in pieces, as the reply's
// fragments arrive (a streamed Reply). An [async] client's pipes are not this type but
// midlrt::async::AsyncPipe<T> (midlrt/async/async_pipe.h): the application pushes and pulls them actively,
// Microsoft's asynchronous pipe model, on the same wire.
// Unlike the rest of the NDR layer (C++17), this needs C++20 for std::span, as generated code does.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/ndr/error.h"

namespace midlrt::ndr {

/// RPC_X_INVALID_PIPE_OBJECT (1830): a pipe without the pull or push function its use needs, or a pull
/// function that claims more elements than its buffer holds.
inline constexpr std::uint32_t kRpcXInvalidPipeObject = 0x00000726;
/// RPC_X_WRONG_PIPE_ORDER (1831): a pipe was used before the pipes declared ahead of it were finished.
inline constexpr std::uint32_t kRpcXWrongPipeOrder = 0x00000727;
/// RPC_X_PIPE_CLOSED (1916): push after the empty chunk that ended the pipe.
inline constexpr std::uint32_t kRpcXPipeClosed = 0x0000077c;
/// RPC_X_PIPE_DISCIPLINE_ERROR (1917): the call completed before all its pipes were processed.
inline constexpr std::uint32_t kRpcXPipeDisciplineError = 0x0000077d;

/// Misuse of a pipe by the code on either end (not bad input from the wire).
class PipeError : public NdrError {
 public:
  /// `status` is one of the kRpcX*Pipe* codes above (or kRpcXInvalidPipeObject).
  PipeError(const std::string& message, std::uint32_t status) : NdrError(message, status) {}
};

/// The C++ mapping of IDL's `typedef pipe T P;` (MIDL's pipe structure with its pull and push functions as
/// std::function): a stream of T that moves during one call, in chunks. See the file comment for who calls
/// pull and push, and when.
template <class T>
class Pipe {
 public:
  /// Fills the front of `buffer` (never empty) and returns how many elements it wrote; 0 ends the pipe.
  using Pull = std::function<std::size_t(std::span<T> buffer)>;
  /// Receives one chunk; the empty chunk ends the pipe.
  using Push = std::function<void(std::span<const T> chunk)>;

  /// A pipe with neither function: not usable in a call until assigned.
  Pipe() = default;
  /// A pipe with both functions (an [in, out] pipe); either may be empty.
  Pipe(Pull pull, Push push) : pull_(std::move(pull)), push_(std::move(push)) {}

  /// An [in] pipe fed by `pull`.
  static Pipe source(Pull pull) { return Pipe(std::move(pull), {}); }
  /// An [out] pipe drained by `push`.
  static Pipe sink(Push push) { return Pipe({}, std::move(push)); }
  /// An [in] pipe over elements the caller keeps alive until the call returns.
  static Pipe from(std::span<const T> elements) {
    return source([elements, next = std::size_t{0}](std::span<T> buffer) mutable {
      const std::size_t n = std::min(buffer.size(), elements.size() - next);
      std::copy_n(elements.begin() + static_cast<std::ptrdiff_t>(next), n, buffer.begin());
      next += n;
      return n;
    });
  }
  /// An [out] pipe that appends every element it receives to `out`.
  static Pipe into(std::vector<T>& out) {
    return sink([&out](std::span<const T> chunk) { out.insert(out.end(), chunk.begin(), chunk.end()); });
  }

  /// Has a pull function (can be an [in] pipe).
  bool canPull() const noexcept { return static_cast<bool>(pull_); }
  /// Has a push function (can be an [out] pipe).
  bool canPush() const noexcept { return static_cast<bool>(push_); }

  /// Calls the pull function: the number of elements written to the front of `buffer`, 0 at the end of
  /// the pipe. PipeError (kRpcXInvalidPipeObject) without a pull function, for an empty buffer, or when
  /// the function claims more elements than `buffer` holds.
  std::size_t pull(std::span<T> buffer) {
    if (!pull_) throw PipeError("pull from a pipe that has no pull function", kRpcXInvalidPipeObject);
    if (buffer.empty()) throw PipeError("pull into an empty buffer", kRpcXInvalidPipeObject);
    const std::size_t n = pull_(buffer);
    if (n > buffer.size())
      throw PipeError("a pipe's pull function returned " + std::to_string(n) + " elements for a buffer of " +
                          std::to_string(buffer.size()),
                      kRpcXInvalidPipeObject);
    return n;
  }
  /// Calls the push function with one chunk (the empty chunk ends the pipe); PipeError
  /// (kRpcXInvalidPipeObject) without a push function.
  void push(std::span<const T> chunk) {
    if (!push_) throw PipeError("push to a pipe that has no push function", kRpcXInvalidPipeObject);
    push_(chunk);
  }

 private:
  Pull pull_;
  Push push_;
};

/// Client: a pipe argument must have the function its direction needs before the call starts.
template <class T>
void checkPipe(const Pipe<T>& pipe, bool in, bool out, const char* what) {
  if (in && !pipe.canPull())
    throw PipeError(std::string("the [in] pipe ") + what + " has no pull function", kRpcXInvalidPipeObject);
  if (out && !pipe.canPush())
    throw PipeError(std::string("the [out] pipe ") + what + " has no push function", kRpcXInvalidPipeObject);
}

/// Elements per chunk the client stub pulls at a time: 1 MiB of them, at least one. A chunk leaves in one
/// write of 16 fragments: W6's upload ran at 0.56x of a socket written in 960 KiB pieces with 64 KiB chunks
/// (one write per fragment), 0.77x with 256 KiB, 0.91x with 1 MiB.
template <class T>
inline constexpr std::size_t kPipeChunkElements = std::max<std::size_t>(1, 1048576 / sizeof(T));

/// Client, [in] pipe: every chunk the pipe yields, then the empty chunk. `write(e, span)` writes elements.
template <class T, class WriteElements>
void writePipe(Encoder& e, Pipe<T>& pipe, WriteElements&& write) {
  std::vector<T> chunk(kPipeChunkElements<T>);
  for (;;) {
    const std::size_t n = pipe.pull(std::span<T>(chunk));
    e.writeConformance(n);
    if (n == 0) return;
    write(e, std::span<const T>(chunk.data(), n));
    e.flush();
  }
}

/// Client, [in] pipe of elements whose wire form is their memory form (aligned to `alignment` on the wire,
/// no padding inside): the pull function fills the request buffer itself, so each element is copied once.
template <class T>
void writePipeInPlace(Encoder& e, Pipe<T>& pipe, std::size_t alignment) {
  static_assert(std::is_trivially_copyable_v<T>, "in place only for elements that are their own wire form");
  e.stopLeavingGaps();  // the elements are written in the buffer directly
  Buffer& b = e.buffer();
  for (;;) {
    e.align(4);
    const std::size_t countAt = b.size();
    e.write<std::uint32_t>(0);  // the count, once known
    e.align(alignment);
    const std::size_t elementsAt = b.size();
    b.append(kPipeChunkElements<T> * sizeof(T));
    // Stub data starts 8-aligned in memory (Message headroom) and the wire aligns each element, so the
    // elements are aligned in memory too.
    const std::size_t n =
        pipe.pull(std::span<T>(reinterpret_cast<T*>(b.data() + elementsAt), kPipeChunkElements<T>));
    b.patch(countAt, static_cast<std::uint32_t>(n));
    if (n == 0) {
      b.resize(countAt + 4);  // the end chunk is the count alone
      return;
    }
    b.resize(elementsAt + n * sizeof(T));
    e.flush();
  }
}

/// How many elements of a pipe chunk to read now: from a streamed message, those that have arrived (at
/// least one: waits for it) and no more than kPipeChunkElements, so that data is handed on as it comes and
/// memory stays bounded whatever the chunk's count; from a whole message, any number (the reads check the
/// count against the bytes left before using any).
template <class T>
std::size_t arrivedElements(Decoder& d) {
  if (!d.streaming()) return ~std::size_t{0};
  return std::clamp<std::size_t>(d.available(1) / sizeof(T), 1, kPipeChunkElements<T>);
}

/// Client, [out] pipe: pushes every chunk received (from a streamed reply, in pieces as they arrive), then
/// the empty chunk. `read(d, vector, count)` reads `count` elements into the vector (checking them against
/// the bytes left first).
template <class T, class ReadElements>
void readPipe(Decoder& d, Pipe<T>& pipe, ReadElements&& read) {
  std::vector<T> chunk;
  for (;;) {
    std::uint32_t n = d.readConformance();
    if (n == 0) {
      pipe.push({});
      return;
    }
    while (n != 0) {
      const auto part = static_cast<std::uint32_t>(std::min<std::size_t>(n, arrivedElements<T>(d)));
      read(d, chunk, part);
      pipe.push(std::span<const T>(chunk.data(), part));
      n -= part;
    }
  }
}

/// Server: the order in which a call's pipes of one direction may be used, and whether each is finished.
class PipeSequence {
 public:
  /// `direction` ("[in]" or "[out]", a string literal) names the pipes in error messages.
  explicit PipeSequence(const char* direction) : direction_(direction) {}
  /// The [out] pipes of an operation that also has [in] pipes: none is pushed before all `count` [in] pipes
  /// of `in` are drained (Microsoft's "Rules for Multiple Pipes": the [out] direction starts once the
  /// request is complete). `in` must outlive this sequence's use.
  void follow(const PipeSequence& in, std::size_t count) noexcept {
    before_ = &in;
    beforeCount_ = count;
  }
  /// Throws RPC_X_WRONG_PIPE_ORDER unless pipe `index` is the one in progress (and the pipes this sequence
  /// follows are finished).
  void enter(std::size_t index) const {
    if (before_ != nullptr && before_->current_ < beforeCount_)
      throw PipeError(std::string("the server pushed ") + direction_ + " pipe " + std::to_string(index + 1) +
                          " before draining " + before_->direction_ + " pipe " +
                          std::to_string(before_->current_ + 1) +
                          ": every [in] pipe is drained before any [out] pipe is pushed",
                      kRpcXWrongPipeOrder);
    if (index != current_)
      throw PipeError(std::string("the server used ") + direction_ + " pipe " + std::to_string(index + 1) +
                          " before finishing pipe " + std::to_string(current_ + 1),
                      kRpcXWrongPipeOrder);
  }
  /// The pipe in progress has ended; the next one may be used.
  void finish() { ++current_; }
  /// After the manager returned: every one of `count` pipes must be finished.
  void requireFinished(std::size_t count) const {
    if (current_ < count)
      throw PipeError(std::string("the call completed before ") + direction_ + " pipe " +
                          std::to_string(current_ + 1) + " was finished",
                      kRpcXPipeDisciplineError);
  }

 private:
  const char* direction_;
  std::size_t current_ = 0;
  const PipeSequence* before_ = nullptr;
  std::size_t beforeCount_ = 0;
};

/// Server, [in] pipe `index`: a pull function that reads the pipe's chunks from the request.
/// `read(d, span)` reads span.size() elements.
template <class T, class ReadElements>
typename Pipe<T>::Pull pipeReader(Decoder& d, PipeSequence& sequence, std::size_t index, ReadElements read) {
  return [&d, &sequence, index, read, left = std::uint32_t{0}, ended = false](std::span<T> buffer) mutable {
    if (ended) return std::size_t{0};
    sequence.enter(index);
    if (left == 0) {
      left = d.readConformance();
      if (left == 0) {
        ended = true;
        sequence.finish();
        return std::size_t{0};
      }
    }
    const std::size_t n = std::min<std::size_t>({left, buffer.size(), arrivedElements<T>(d)});
    read(d, buffer.first(n));
    left -= static_cast<std::uint32_t>(n);
    return n;
  };
}

/// Server, [out] pipe `index`: a push function that writes chunks into the response.
/// `write(e, span)` writes the elements.
template <class T, class WriteElements>
typename Pipe<T>::Push pipeWriter(Encoder& e, PipeSequence& sequence, std::size_t index,
                                  WriteElements write) {
  return [&e, &sequence, index, write, ended = false](std::span<const T> chunk) mutable {
    if (ended)
      throw PipeError("push after the end of [out] pipe " + std::to_string(index + 1), kRpcXPipeClosed);
    sequence.enter(index);
    e.writeConformance(chunk.size());
    if (chunk.empty()) {
      ended = true;
      sequence.finish();
      return;
    }
    write(e, chunk);
    e.flush();
  };
}

}  // namespace midlrt::ndr
