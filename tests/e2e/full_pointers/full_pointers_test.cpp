// Full ([ptr]) pointers that form cycles (issue 13): a client sends a doubly linked ring; std::shared_ptr
// alone would leak it on the server (each node keeps its neighbours alive). The generated server keeps what
// the [in] parameters' full pointers created in a graph that frees it after the call, cycles included
// (ndr::FullPointerGraph), and keeps whole whatever the manager held on to. The other way, a client that
// receives a ring frees it with a graph of its own (FullPointerGraph::Scope around the call).
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "async/full_pointers.h"
#include "sync/full_pointers.h"

namespace {

using midlrt::async::AsyncState;

// A ring of n nodes valued 1..n, head first. The client's own ring is a cycle too: break() frees it.
template <class Node>
struct Ring {
  explicit Ring(int n) {
    for (int i = 1; i <= n; ++i) {
      auto node = std::make_shared<Node>();
      node->value = i;
      nodes.push_back(node);
    }
    for (size_t i = 0; i < nodes.size(); ++i) {
      nodes[i]->next = nodes[(i + 1) % nodes.size()];
      nodes[i]->prev = nodes[(i + nodes.size() - 1) % nodes.size()];
    }
  }
  ~Ring() {
    for (auto& n : nodes) n->next = n->prev = nullptr;
  }
  std::vector<std::shared_ptr<Node>> nodes;
};

// Walks the ring from `head` (count steps forward, then back), summing values; -1 if it is not a ring.
template <class Node>
int32_t walk(const Node* head, int32_t count) {
  int32_t sum = 0;
  const Node* n = head;
  for (int32_t i = 0; i < count; ++i) {
    if (!n->next || n->next->prev.get() != n) return -1;
    sum += n->value;
    n = n->next.get();
  }
  return n == head ? sum : -1;
}

// Watches the server's nodes: weak references to every node of the ring it received.
template <class Node>
struct Watch {
  std::mutex mu;
  std::vector<std::weak_ptr<Node>> nodes;
  std::shared_ptr<Node> kept;  // what the manager keeps, when asked to
  void see(const Node* head, int32_t count, bool keep) {
    std::lock_guard lk(mu);
    nodes.clear();
    const Node* n = head;
    for (int32_t i = 0; i < count && n != nullptr; ++i) {
      nodes.push_back(n->next);
      n = n->next.get();
    }
    if (keep && head->next) kept = head->next;
  }
  size_t alive() {
    std::lock_guard lk(mu);
    size_t a = 0;
    for (auto& w : nodes) a += w.expired() ? 0 : 1;
    return a;
  }
};

class SyncRings : public RingsSync_Manager {
 public:
  Watch<RingNodeSync> watch;
  bool keep = false;
  int32_t Sum(const RingNodeSync* head, int32_t count) override {
    watch.see(head, count, keep);
    return walk(head, count);
  }
  // The ring it sends stays here (broken when the manager goes): the manager owns what it makes.
  std::unique_ptr<Ring<RingNodeSync>> made;
  void Make(int32_t count, RingHolderSync& ring) override {
    made = std::make_unique<Ring<RingNodeSync>>(count);
    ring.head = made->nodes.front();
  }
};

class AsyncRings : public Rings_Manager {
 public:
  Watch<RingNode> watch;
  bool keep = false;
  // Completes from another thread, after the dispatch has returned: the frame holds the ring until then.
  void Sum(SumCall call, const RingNode* head, int32_t count) override {
    watch.see(head, count, keep);
    int32_t sum = walk(head, count);
    std::thread([call, sum]() mutable { call.complete(sum); }).detach();
  }
  std::unique_ptr<Ring<RingNode>> made;
  void Make(MakeCall call, int32_t count, RingHolder& ring) override {
    made = std::make_unique<Ring<RingNode>>(count);
    ring.head = made->nodes.front();
    call.complete();
  }
};

class FullPointerCycles : public ::testing::Test {
 protected:
  void SetUp() override {
    RingsSync_register(server_, sync_);
    // The async variant shares the UUID: a second server serves it.
    Rings_register(asyncServer_, async_);
    binding_ = midlrt::rpc::Channel::createInProcess(server_);
    asyncBinding_ = midlrt::rpc::Channel::createInProcess(asyncServer_);
  }
  int32_t asyncSum(const RingNode* head, int32_t count) {
    AsyncState state;
    EXPECT_EQ(Rings::Sum(state, asyncBinding_, head, count), midlrt::rpc::status::kOk);
    EXPECT_TRUE(state.wait(std::chrono::seconds(10)));
    int32_t result = 0;
    EXPECT_EQ(state.complete(&result), midlrt::rpc::status::kOk);
    return result;
  }
  // The server's last ring, once the server is done with the call (an async one completes on its thread).
  template <class W>
  size_t aliveAfter(W& watch) {
    for (int i = 0; i < 200 && watch.alive() != 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return watch.alive();
  }

  midlrt::rpc::Server server_, asyncServer_;
  std::shared_ptr<SyncRings> sync_ = std::make_shared<SyncRings>();
  std::shared_ptr<AsyncRings> async_ = std::make_shared<AsyncRings>();
  midlrt::Binding binding_, asyncBinding_;
};

constexpr int kNodes = 200;
constexpr int32_t kSum = kNodes * (kNodes + 1) / 2;

TEST_F(FullPointerCycles, ARingSentToASyncManagerIsFreedAfterTheCall) {
  Ring<RingNodeSync> ring(kNodes);
  for (int call = 0; call < 3; ++call) {
    EXPECT_EQ(RingsSync::Sum(binding_, ring.nodes[0].get(), kNodes), kSum);
    EXPECT_EQ(sync_->watch.nodes.size(), size_t{kNodes});
    EXPECT_EQ(aliveAfter(sync_->watch), 0u) << "call " << call;
  }
}

TEST_F(FullPointerCycles, ARingSentToAnAsyncManagerIsFreedWhenTheCallCompletes) {
  Ring<RingNode> ring(kNodes);
  for (int call = 0; call < 3; ++call) {
    EXPECT_EQ(asyncSum(ring.nodes[0].get(), kNodes), kSum);
    EXPECT_EQ(aliveAfter(async_->watch), 0u) << "call " << call;
  }
}

TEST_F(FullPointerCycles, WhatTheManagerKeepsStaysWholeAndTheRestIsFreed) {
  Ring<RingNodeSync> ring(kNodes);
  sync_->keep = true;
  EXPECT_EQ(RingsSync::Sum(binding_, ring.nodes[0].get(), kNodes), kSum);
  // The kept node reaches the whole ring: every node lives, with its links.
  EXPECT_EQ(sync_->watch.alive(), size_t{kNodes});
  ASSERT_TRUE(sync_->watch.kept);
  EXPECT_EQ(walk(sync_->watch.kept.get(), kNodes), kSum);
  // Once the manager lets go, nothing frees the ring any more (a cycle): the manager breaks it, as any
  // owner of a shared_ptr cycle must.
  for (auto& w : sync_->watch.nodes)
    if (auto n = w.lock()) n->next = n->prev = nullptr;
  sync_->watch.kept.reset();
  EXPECT_EQ(sync_->watch.alive(), 0u);
}

TEST_F(FullPointerCycles, ANodeThatPointsAtItselfIsFreed) {
  Ring<RingNodeSync> ring(1);
  EXPECT_EQ(RingsSync::Sum(binding_, ring.nodes[0].get(), 1), 1);
  EXPECT_EQ(aliveAfter(sync_->watch), 0u);
}

}  // namespace

// The [out] direction: what the reply's full pointers created goes into the scope's graph, and is freed,
// cycles included, when the graph goes after the values (sync and async clients; a hostile server can send
// such cycles to any client).
template <class Node>
std::vector<std::weak_ptr<Node>> watchRing(const std::shared_ptr<Node>& head, int32_t count) {
  std::vector<std::weak_ptr<Node>> out;
  std::shared_ptr<Node> n = head;
  for (int32_t i = 0; i < count && n; ++i, n = n->next) out.push_back(n);
  return out;
}

template <class Node>
size_t aliveOf(const std::vector<std::weak_ptr<Node>>& nodes) {
  size_t a = 0;
  for (auto& w : nodes) a += w.expired() ? 0 : 1;
  return a;
}

TEST_F(FullPointerCycles, ARingASyncClientReceivesIsFreedWithTheScopesGraph) {
  std::vector<std::weak_ptr<RingNodeSync>> received;
  {
    midlrt::ndr::FullPointerGraph graph;
    midlrt::ndr::FullPointerGraph::Scope scope(graph);
    RingHolderSync ring;
    RingsSync::Make(binding_, kNodes, ring);
    ASSERT_EQ(walk(ring.head.get(), kNodes), kSum);
    received = watchRing(ring.head, kNodes);
    EXPECT_EQ(graph.size(), size_t(kNodes));
  }
  ASSERT_EQ(received.size(), size_t(kNodes));
  EXPECT_EQ(aliveOf(received), 0u);
}

TEST_F(FullPointerCycles, ARingAnAsyncClientReceivesIsFreedWithTheScopesGraph) {
  std::vector<std::weak_ptr<RingNode>> received;
  {
    midlrt::ndr::FullPointerGraph graph;
    RingHolder ring;
    AsyncState state;
    ASSERT_EQ(Rings::Make(state, asyncBinding_, kNodes, ring), midlrt::rpc::status::kOk);
    ASSERT_TRUE(state.wait(std::chrono::seconds(10)));
    {
      midlrt::ndr::FullPointerGraph::Scope scope(graph);  // the reply is decoded by complete()
      ASSERT_EQ(state.complete(nullptr), midlrt::rpc::status::kOk);
    }
    ASSERT_EQ(walk(ring.head.get(), kNodes), kSum);
    received = watchRing(ring.head, kNodes);
  }
  ASSERT_EQ(received.size(), size_t(kNodes));
  EXPECT_EQ(aliveOf(received), 0u);
}

TEST_F(FullPointerCycles, WhatTheClientKeepsOfAReceivedRingStaysWhole) {
  std::shared_ptr<RingNodeSync> kept;
  {
    midlrt::ndr::FullPointerGraph graph;
    midlrt::ndr::FullPointerGraph::Scope scope(graph);
    RingHolderSync ring;
    RingsSync::Make(binding_, kNodes, ring);
    kept = ring.head;
  }
  EXPECT_EQ(walk(kept.get(), kNodes), kSum);
  Ring<RingNodeSync> breaker(0);  // the application's ring now: break it as the client breaks its own
  for (auto n = watchRing(kept, kNodes); auto& w : n)
    if (auto node = w.lock()) breaker.nodes.push_back(node);
  kept.reset();
}
