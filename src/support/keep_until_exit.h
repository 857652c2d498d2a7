// Objects left to the end of the process: a compiler that is about to exit need not free its syntax trees
// node by node (clang's -disable-free). They stay reachable from here, so leak checkers do not report them.
#pragma once

#include <memory>
#include <vector>

namespace midlc {

namespace detail {
// Never destroyed: what it holds outlives every destructor that runs at exit.
inline std::vector<std::shared_ptr<const void>>& keptUntilExit() {
  static auto* kept = new std::vector<std::shared_ptr<const void>>;
  return *kept;
}
}  // namespace detail

// Keeps `object` alive until the process ends.
template <class T>
void keepUntilExit(std::unique_ptr<T> object) {
  // The deleter never runs: the vector is never destroyed.
  detail::keptUntilExit().push_back(std::shared_ptr<const void>(std::move(object)));
}

}  // namespace midlc
