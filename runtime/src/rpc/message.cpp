// Per-thread recycling of Message storage.
#include "midlrt/rpc/message.h"

#include <utility>

#include "midlrt/rpc/pdu.h"

namespace midlrt::rpc {

namespace {
// Keeps one spare buffer per thread; buffers above the cap go back to the allocator.
constexpr size_t kMaxCachedCapacity = 1u << 20;
struct Cache {
  ndr::Buffer spare;
  bool alive = true;
  ~Cache() { alive = false; }
};
thread_local Cache tlsCache;
}  // namespace

Message Message::acquire(size_t headroom) {
  Message m;
  m.headroom_ = headroom;
  if (tlsCache.alive) m.bytes_ = std::move(tlsCache.spare);
  m.bytes_.clear();
  m.bytes_.resize(headroom);
  return m;
}

void Message::leaveFragmentGaps(ndr::Encoder& encoder) {
  gapEvery_ = (size_t{pdu::kDefaultMaxFrag} - headroom_) & ~size_t{7};
  encoder.leaveGaps(gapEvery_, headroom_, &gaps_);
}

void Message::closeGaps() {
  if (gaps_ != 0) resize(ndr::closeGaps(data(), size(), gapEvery_, headroom_));
  gapEvery_ = gaps_ = 0;
}

void Message::flatten() {
  closeGaps();
  if (gathered_.empty()) return;
  size_t total = size();
  for (const auto& g : gathered_) total += g.size;
  ndr::Buffer flat(headroom_ + total);
  flat.resize(headroom_);
  size_t from = 0;
  for (const auto& g : gathered_) {
    flat.append(data() + from, g.at - from);
    flat.append(g.data, g.size);
    from = g.at;
  }
  flat.append(data() + from, size() - from);
  bytes_ = std::move(flat);
  gathered_.clear();
}

Message::~Message() {
  if (bytes_.capacity() != 0 && bytes_.capacity() <= kMaxCachedCapacity && tlsCache.alive &&
      tlsCache.spare.capacity() < bytes_.capacity()) {
    bytes_.clear();
    tlsCache.spare = std::move(bytes_);
  }
}

}  // namespace midlrt::rpc
