// DepthGuard: bounds how deeply generated code may recurse through recursive types.
#pragma once

#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/ndr/error.h"

namespace midlrt::ndr {

/// Generated code puts one on the stack in each (un)marshal routine of a type that can contain itself
/// (linked lists, trees). Past maxDepth() nested guards it throws DecodeError (decoding: hostile input)
/// or EncodeError (encoding: a cycle of unique pointers, or data too deep for the peer).
class DepthGuard {
 public:
  ///@{
  /// One level deeper in the decoder's (encoder's) nesting; throws if that passes its maxDepth().
  explicit DepthGuard(Decoder& d) : depth_(d.depth_) { enter(d.maxDepth_, true); }
  explicit DepthGuard(Encoder& e) : depth_(e.depth_) { enter(e.maxDepth_, false); }
  ///@}
  /// One level back up.
  ~DepthGuard() { --depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  void enter(unsigned limit, bool decoding) {
    if (depth_ >= limit) detail::throwDepthExceeded(decoding, limit);
    ++depth_;
  }
  unsigned& depth_;
};

}  // namespace midlrt::ndr
