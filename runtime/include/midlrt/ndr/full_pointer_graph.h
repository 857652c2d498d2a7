// The objects that full ([ptr]) pointers create while one message is decoded, and their release. Full
// pointers may form cycles (a doubly linked list, a node pointing at itself); mapped to std::shared_ptr,
// such a cycle would keep itself alive after every value that held it is gone. A server stub declares a
// FullPointerGraph before the values it decodes [in] parameters into and hands it to its Decoder; when the
// graph goes (after those values), the objects nothing outside the graph holds any more are cleared, which
// breaks their cycles, and freed. What the manager kept (a shared_ptr to any object of the graph) stays
// whole with everything it reaches. A client whose [out] parameters may hold such cycles (a hostile server
// can send them) declares a graph before those values and a FullPointerGraph::Scope around the call: the
// reply is then decoded into the graph, and the cycles are freed with it.
#pragma once

#include <memory>
#include <vector>

#include "midlrt/ndr/buffer.h"
#include "midlrt/ndr/encoder.h"

namespace midlrt::ndr {

/// The objects a Decoder's full pointers create (Decoder::collectFullPointersInto), freed, cycles
/// included, when the graph goes; generated servers declare one per call that has [in] full pointers.
class FullPointerGraph {
 public:
  FullPointerGraph() = default;
  /// collect()
  ~FullPointerGraph();
  FullPointerGraph(const FullPointerGraph&) = delete;
  FullPointerGraph& operator=(const FullPointerGraph&) = delete;

  /// Writes a T's representation with its generated functions, so that an observing Encoder sees the
  /// full pointers it holds; null for a type that holds none.
  template <class T>
  using Links = void (*)(Encoder& encoder, const T& value);

  /// Called by Decoder::readFullPointer for each object it creates.
  template <class T>
  void add(const std::shared_ptr<T>& object, Links<T> links) {
    nodes_.push_back(Node{object, reinterpret_cast<void (*)()>(links), &linksOf<T>, &clearOf<T>});
  }
  /// Frees the objects no one outside the graph holds (clearing them first, so that cycles among them
  /// break) and lets go of the rest. Objects held only by values that are still alive count as held: call
  /// it after those values are gone (the destructor does).
  void collect() noexcept;
  /// Objects created so far and not yet collected.
  std::size_t size() const noexcept { return nodes_.size(); }

  /// While a Scope lives, every Decoder made on its thread collects into its graph (unless given another
  /// with Decoder::collectFullPointersInto): for client calls and Decode functions, whose decoders the
  /// application does not see. Scopes nest; the innermost wins.
  class Scope {
   public:
    /// Makes `graph` this thread's current graph until the Scope goes.
    explicit Scope(FullPointerGraph& graph) noexcept;
    /// Gives back the graph that was current before.
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    FullPointerGraph* previous_;
  };
  /// The graph of this thread's innermost Scope, or null.
  static FullPointerGraph* current() noexcept;

 private:
  // Clears the objects no one outside the graph holds; may throw (std::bad_alloc).
  void collectCycles();

  struct Node {
    std::shared_ptr<void> object;
    void (*typedLinks)();  // the Links<T> given to add, type-erased
    // Calls typedLinks on the object, with an Encoder that reports the full pointers it holds.
    void (*links)(void (*typedLinks)(), const void* object, Encoder& encoder);
    // Resets the object to a default value, releasing what it points to.
    void (*clear)(void* object);
  };

  template <class T>
  static void linksOf(void (*typedLinks)(), const void* object, Encoder& encoder) {
    if (typedLinks != nullptr)
      reinterpret_cast<Links<T>>(typedLinks)(encoder, *static_cast<const T*>(object));
  }
  template <class T>
  static void clearOf(void* object) {
    *static_cast<T*>(object) = T{};
  }

  std::vector<Node> nodes_;
};

}  // namespace midlrt::ndr
