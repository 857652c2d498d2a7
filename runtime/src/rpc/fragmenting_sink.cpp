#include "fragmenting_sink.h"

#include <utility>

namespace midlrt::rpc::detail {

std::size_t FragmentingSink::fragmentBody() {
  if (maxBody_ == 0 || fragmentsSinceFit_ >= kFragmentsPerFit) {
    maxBody_ = fittedBody();
    fragmentsSinceFit_ = 0;
  }
  return maxBody_;
}

bool FragmentingSink::send(std::span<const iovec> pieces, std::size_t n, std::size_t maxBody) {
  if (!sendFragments(pieces, n, maxBody)) return false;
  fragmentsSinceFit_ += (n + maxBody - 1) / maxBody;
  return true;
}

void FragmentingSink::flush(ndr::Encoder& e) {
  if (!mayWrite(e, 0)) return;
  const std::size_t maxBody = fragmentBody();
  const std::size_t held = e.buffer().size() - e.origin();
  // After a chunk written through, what is held is its tail: it goes with the next chunk, as above.
  if (std::exchange(wroteThrough_, false) && held < maxBody) return;
  const std::size_t n = held >= maxBody ? held / maxBody * maxBody : held & ~std::size_t{7};
  if (n == 0) return;
  const iovec body{e.buffer().data() + e.origin(), n};
  if (!send({&body, 1}, n, maxBody)) failure();
  e.discardFront(n);
}

std::size_t FragmentingSink::writeThrough(ndr::Encoder& e, const std::uint8_t* p, std::size_t n) {
  if (!mayWrite(e, n)) return 0;
  const std::size_t maxBody = fragmentBody();
  const std::size_t held = e.buffer().size() - e.origin();
  const std::size_t sent = (held + n) / maxBody * maxBody;
  if (sent <= held) return 0;
  const iovec pieces[2] = {{e.buffer().data() + e.origin(), held}, {const_cast<std::uint8_t*>(p), n}};
  if (!send(pieces, sent, maxBody)) return 0;
  e.discardSent(sent - held);
  wroteThrough_ = true;
  return sent - held;
}

}  // namespace midlrt::rpc::detail
