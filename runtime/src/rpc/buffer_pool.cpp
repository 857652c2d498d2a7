#include "buffer_pool.h"

#include <algorithm>
#include <utility>

namespace midlrt::rpc::detail {

std::vector<uint8_t> BufferPool::take(size_t want, size_t maxCapacity) {
  std::lock_guard lk(mu_);
  auto byCapacity = [](const std::vector<uint8_t>& v, size_t c) { return v.capacity() < c; };
  auto end = std::upper_bound(spares_.begin(), spares_.end(), maxCapacity,
                              [](size_t c, const std::vector<uint8_t>& v) { return c < v.capacity(); });
  if (end == spares_.begin()) return {};
  // The smallest that holds `want` (a larger one stays for a larger request), else the largest that fits.
  auto it = std::lower_bound(spares_.begin(), end, want, byCapacity);
  if (it == end) it = std::prev(end);
  std::vector<uint8_t> v = std::move(*it);
  spares_.erase(it);
  return v;
}

void BufferPool::give(std::vector<uint8_t>&& v) noexcept {
  const size_t cap = v.capacity();
  if (cap == 0 || cap > maxKept_) return;
  v.clear();
  std::lock_guard lk(mu_);
  auto at = std::lower_bound(spares_.begin(), spares_.end(), cap,
                             [](const std::vector<uint8_t>& s, size_t c) { return s.capacity() < c; });
  if (spares_.size() >= maxSpares_) {
    // Full: keep the larger buffers (the smallest is dropped), so that a large request finds room.
    if (at == spares_.begin()) return;
    spares_.erase(spares_.begin());
    --at;
  }
  try {
    spares_.insert(at, std::move(v));
  } catch (...) {  // the pool's own bookkeeping failed to grow: the buffer is simply freed
  }
}

size_t BufferPool::spares() const {
  std::lock_guard lk(mu_);
  return spares_.size();
}

size_t BufferPool::keptBytes() const {
  std::lock_guard lk(mu_);
  size_t n = 0;
  for (const auto& v : spares_) n += v.capacity();
  return n;
}

namespace {
// 8 buffers of up to 2 MiB: at most 16 MiB held past its use, enough for the calls of a few threads in flight
// at once; larger requests are rare enough to pay for their pages.
constexpr size_t kSpares = 8;
constexpr size_t kMaxKept = 2u << 20;
}  // namespace

BufferPool& requestBuffers() {
  static BufferPool* pool = new BufferPool(kSpares, kMaxKept);  // never destroyed: calls may end at exit
  return *pool;
}

BufferPool& replyBuffers() {
  static BufferPool* pool = new BufferPool(kSpares, kMaxKept);
  return *pool;
}

}  // namespace midlrt::rpc::detail
