// A fixture for end-to-end tests of one interface compiled twice, with synchronous and with [async]
// managers: a server for each and a channel to each, so that every test makes its calls against both.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "midlrt/generated.h"

namespace midlc::testing {

class SyncAndAsyncServers : public ::testing::Test {
 protected:
  // registerSync(server) and registerAsync(server) register the managers; then both servers listen.
  template <class RegisterSync, class RegisterAsync>
  void serve(RegisterSync registerSync, RegisterAsync registerAsync) {
    registerSync(syncServer_);
    registerAsync(asyncServer_);
    bindings_ = {midlrt::rpc::Channel::create(syncServer_.listen("ncacn_ip_tcp:127.0.0.1[0]")),
                 midlrt::rpc::Channel::create(asyncServer_.listen("ncacn_ip_tcp:127.0.0.1[0]"))};
  }
  void TearDown() override {
    bindings_.clear();
    syncServer_.shutdown();
    asyncServer_.shutdown();
  }

  midlrt::rpc::Server syncServer_, asyncServer_;
  std::vector<midlrt::Binding> bindings_;  // to the synchronous server, then to the asynchronous one
};

}  // namespace midlc::testing
