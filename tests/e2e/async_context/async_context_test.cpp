// Context handles in [async] operations: an asynchronous manager opens, uses and closes them completing
// from threads of its own, an asynchronous client holds them, and both mix with the synchronous code of the
// same interface -- the handles are the same on the wire, so either side may be either kind.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "async/sessions.h"
#include "support/sync_and_async_servers.h"
#include "sync/sessions.h"

namespace {

using midlrt::async::AsyncState;
using midlrt::async::ServerAsyncCall;
using midlrt::rpc::ContextHandle;

std::atomic<int> liveSessions{0};

struct Counter {
  explicit Counter(int32_t start) : value(start) { ++liveSessions; }
  ~Counter() { --liveSessions; }
  int32_t value;
};

class SyncSessions : public SessionsSync_Manager {
 public:
  int32_t Open(int32_t start, std::shared_ptr<void>& session) override {
    session = std::make_shared<Counter>(start);
    return 0;
  }
  int32_t Next(const std::shared_ptr<void>& session) override {
    return static_cast<Counter*>(session.get())->value++;
  }
  void Close(std::shared_ptr<void>& session) override { session.reset(); }
};

// Completes every call from a thread of its own, after the manager has returned.
class AsyncSessions : public Sessions_Manager {
 public:
  ~AsyncSessions() override {
    for (auto& t : threads_) t.join();
  }
  void Open(OpenCall call, int32_t start, std::shared_ptr<void>& session) override {
    later([call, start, &session]() mutable {
      session = std::make_shared<Counter>(start);
      call.complete(0);
    });
  }
  void Next(NextCall call, const std::shared_ptr<void>& session) override {
    later([call, &session]() mutable {
      call.complete(static_cast<Counter*>(session.get())->value++);
    });
  }
  void Close(CloseCall call, std::shared_ptr<void>& session) override {
    later([call, &session]() mutable {
      session.reset();
      call.complete();
    });
  }

 private:
  template <class F>
  void later(F f) {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back(std::move(f));
  }
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

template <class Issue>
uint32_t await(Issue issue, void* result = nullptr) {
  AsyncState state;
  EXPECT_TRUE(state.notifyByEvent());
  const uint32_t issued = issue(state);
  if (issued != midlrt::rpc::status::kOk) return issued;
  EXPECT_TRUE(state.wait(std::chrono::seconds(10)));
  return state.complete(result);
}

class AsyncContextHandles : public midlc::testing::SyncAndAsyncServers {
 protected:
  void SetUp() override {
    serve([](auto& server) { SessionsSync_register(server, std::make_shared<SyncSessions>()); },
          [](auto& server) { Sessions_register(server, std::make_shared<AsyncSessions>()); });
  }
};

}  // namespace

TEST_F(AsyncContextHandles, AsyncClientOpensUsesAndClosesAHandleOnSyncAndAsyncServers) {
  for (auto& b : bindings_) {
    ContextHandle session;
    int32_t result = -1;
    ASSERT_EQ(await([&](AsyncState& s) { return Sessions::Open(s, b, 10, session); }, &result),
              midlrt::rpc::status::kOk);
    ASSERT_TRUE(session);
    ASSERT_EQ(await([&](AsyncState& s) { return Sessions::Next(s, b, session); }, &result),
              midlrt::rpc::status::kOk);
    EXPECT_EQ(result, 10);
    // The synchronous client uses the handle the asynchronous one opened: one wire.
    EXPECT_EQ(SessionsSync::Next(b, session), 11);
    ContextHandle copy = session;
    ASSERT_EQ(await([&](AsyncState& s) { return Sessions::Close(s, b, session); }), midlrt::rpc::status::kOk);
    EXPECT_FALSE(session);
    EXPECT_EQ(await([&](AsyncState& s) { return Sessions::Next(s, b, copy); }, &result),
              midlrt::rpc::status::kFaultContextMismatch);
  }
}

TEST_F(AsyncContextHandles, SyncClientUsesHandlesAnAsyncManagerOpensAndCloses) {
  auto& toAsync = bindings_[1];
  ContextHandle session;
  SessionsSync::Open(toAsync, 5, session);
  ASSERT_TRUE(session);
  EXPECT_EQ(SessionsSync::Next(toAsync, session), 5);
  EXPECT_EQ(SessionsSync::Next(toAsync, session), 6);
  SessionsSync::Close(toAsync, session);
  EXPECT_FALSE(session);
}

TEST_F(AsyncContextHandles, HandlesAnAsyncManagerOpenedAreRunDownWhenTheClientGoesAway) {
  const int before = liveSessions.load();
  auto& toAsync = bindings_[1];
  ContextHandle a, b;
  ASSERT_EQ(await([&](AsyncState& s) { return Sessions::Open(s, toAsync, 1, a); }), midlrt::rpc::status::kOk);
  ASSERT_EQ(await([&](AsyncState& s) { return Sessions::Open(s, toAsync, 2, b); }), midlrt::rpc::status::kOk);
  EXPECT_EQ(liveSessions.load(), before + 2);
  toAsync->disconnect();
  for (int i = 0; i < 200 && liveSessions.load() != before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(liveSessions.load(), before);
}
