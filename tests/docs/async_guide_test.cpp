// Runs the program that docs/async.md shows (extracted by extract_snippets.py): a server with an [async]
// RPC manager and a server call object, and each client snippet against it, checking what the guide says
// each returns.
#include <gtest/gtest.h>

#include "jobs.h"
#include "midlrt/async/async.h"
#include "midlrt/async/coro.h"  // co_await and Task<T> (C++20)

// Defined by the guide's snippets.
int32_t divideAndWait(const midlrt::Binding& binding, int32_t& remainder);
int32_t sumOfQuotients(const midlrt::Binding& binding);
uint32_t divideByZero(const midlrt::Binding& binding);
uint32_t sleepThenCancel(const midlrt::Binding& binding);
midlrt::async::Task<int32_t> divideAwaited(midlrt::Binding binding, int32_t a, int32_t b);
int32_t scaleRemotely(const midlrt::Binding& binding, int32_t value);
void serve(midlrt::rpc::Server& server);

namespace {

class AsyncGuide : public ::testing::Test {
 protected:
  void SetUp() override {
    serve(server_);
    binding_ = midlrt::rpc::Channel::create(server_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  void TearDown() override {
    binding_.reset();
    server_.shutdown();
  }
  midlrt::rpc::Server server_;
  midlrt::Binding binding_;
};

TEST_F(AsyncGuide, RpcClientWithAnEvent) {
  int32_t remainder = 0;
  EXPECT_EQ(divideAndWait(binding_, remainder), 3);
  EXPECT_EQ(remainder, 2);
}

TEST_F(AsyncGuide, RpcClientWithACompletionQueue) {
  EXPECT_EQ(sumOfQuotients(binding_), 10 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
}

TEST_F(AsyncGuide, ManagerAbortIsTheStatusCompleteReturns) {
  EXPECT_EQ(divideByZero(binding_), midlrt::rpc::status::kFaultIntDivByZero);
}

TEST_F(AsyncGuide, CancelledSleepCompletesAsCancelled) {
  EXPECT_EQ(sleepThenCancel(binding_), midlrt::rpc::status::kCallCancelled);
}

TEST_F(AsyncGuide, CoAwait) {
  EXPECT_EQ(divideAwaited(binding_, 42, 6).future().get(), 7);
}

TEST_F(AsyncGuide, CallObjectAgainstAServerCallObject) {
  EXPECT_EQ(scaleRemotely(binding_, 14), 42);
}

}  // namespace
