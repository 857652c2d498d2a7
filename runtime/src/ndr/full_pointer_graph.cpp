// FullPointerGraph::collect: trial deletion over the objects one message's full pointers created. An
// object's references from outside the graph are its owners' count minus the graph's own reference and the
// links other objects of the graph hold to it; objects with outside references, and all they reach, live.
#include "midlrt/ndr/full_pointer_graph.h"

#include <cstdint>
#include <unordered_map>

namespace midlrt::ndr {

namespace {
thread_local FullPointerGraph* scoped = nullptr;
}  // namespace

FullPointerGraph::~FullPointerGraph() {
  collect();
}

FullPointerGraph::Scope::Scope(FullPointerGraph& graph) noexcept : previous_(scoped) {
  scoped = &graph;
}

FullPointerGraph::Scope::~Scope() {
  scoped = previous_;
}

FullPointerGraph* FullPointerGraph::current() noexcept {
  return scoped;
}

void FullPointerGraph::collect() noexcept {
  if (nodes_.empty()) return;
  try {
    collectCycles();
  } catch (...) {
    // Out of memory for the bookkeeping: let go without breaking cycles (what std::shared_ptr alone does).
  }
  nodes_.clear();
}

void FullPointerGraph::collectCycles() {
  const std::size_t n = nodes_.size();
  std::unordered_map<const void*, std::size_t> index;
  index.reserve(n);
  for (std::size_t i = 0; i < n; ++i) index.emplace(nodes_[i].object.get(), i);

  // Each object's links to the others, found by encoding it with an encoder that reports full pointers and
  // follows none. An object that cannot be encoded (a manager left it inconsistent) has links we do not
  // know: what it may point to is then counted as held from outside, which only keeps more alive.
  std::vector<std::vector<std::size_t>> links(n);
  std::vector<long> inner(n, 0);
  Buffer scratch;
  for (std::size_t i = 0; i < n; ++i) {
    struct Found {
      const std::unordered_map<const void*, std::size_t>* index;
      std::vector<std::size_t> links;
    } found{&index, {}};
    const Encoder::FullPointerObserver sink{[](void* context, const void* p) {
                                              auto* f = static_cast<Found*>(context);
                                              auto it = f->index->find(p);
                                              if (it != f->index->end()) f->links.push_back(it->second);
                                            },
                                            &found};
    try {
      scratch.clear();
      Encoder e(scratch);
      e.observeFullPointers(&sink);
      nodes_[i].links(nodes_[i].typedLinks, nodes_[i].object.get(), e);
    } catch (...) {
      continue;
    }
    for (std::size_t j : found.links) ++inner[j];
    links[i] = std::move(found.links);
  }

  // Held from outside: more owners than the graph's reference and the inner links account for.
  std::vector<char> live(n, 0);
  std::vector<std::size_t> stack;
  for (std::size_t i = 0; i < n; ++i) {
    if (nodes_[i].object.use_count() - 1 > inner[i]) {
      live[i] = 1;
      stack.push_back(i);
    }
  }
  while (!stack.empty()) {
    std::size_t i = stack.back();
    stack.pop_back();
    for (std::size_t j : links[i]) {
      if (!live[j]) {
        live[j] = 1;
        stack.push_back(j);
      }
    }
  }
  // The rest is garbage that may hold itself: clear each object (its links go), then drop the graph's
  // references, which frees it.
  for (std::size_t i = 0; i < n; ++i) {
    if (!live[i]) {
      try {
        nodes_[i].clear(nodes_[i].object.get());
      } catch (...) {
        // A type whose default value cannot be made: its cycle, if any, stays (as without the graph).
      }
    }
  }
}

}  // namespace midlrt::ndr
