// A server with the ICalc and adder interfaces, and a client channel, over TCP (port 0) or in-process.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "calc_service.h"

namespace midlrt::async::testing {

enum class Transport { kTcp, kInProcess };

inline std::string transportName(const ::testing::TestParamInfo<Transport>& info) {
  return info.param == Transport::kTcp ? "Tcp" : "InProcess";
}

class AsyncFixture : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override {
    calc_ = makeObject<CalcServer>();
    adder_ = std::make_shared<AdderServer>();
    rpc::ServerOptions so;
    so.shutdownGrace = std::chrono::milliseconds(200);
    server_ = std::make_unique<rpc::Server>(so);
    server_->registerInterface(kICalcIf, 4, std::make_shared<CalcStub>(calc_.as<IUnknown>()));
    server_->registerInterface(kAdderIf, 1, adder_);
    channel_ = connect();
    proxy_ = makeObject<CalcProxy>(channel_);
  }
  void TearDown() override {
    proxy_.reset();
    channel_.reset();
    server_->shutdown();
  }

  // defaultTimeout: no test can hang.
  std::shared_ptr<rpc::Channel> connect(std::chrono::milliseconds defaultTimeout = std::chrono::seconds(20)) {
    rpc::ChannelOptions co;
    co.defaultTimeout = defaultTimeout;
    if (GetParam() == Transport::kTcp) {
      if (endpoint_.empty()) endpoint_ = server_->listen("ncacn_ip_tcp:127.0.0.1[0]");
      return rpc::Channel::create(endpoint_, co);
    }
    return rpc::Channel::createInProcess(*server_, co);
  }

  ComPtr<CalcServer> calc_;
  std::shared_ptr<AdderServer> adder_;
  std::unique_ptr<rpc::Server> server_;
  std::string endpoint_;
  std::shared_ptr<rpc::Channel> channel_;
  ComPtr<CalcProxy> proxy_;
};

}  // namespace midlrt::async::testing
