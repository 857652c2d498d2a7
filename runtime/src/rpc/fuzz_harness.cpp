// The in-process servers of `midlc --fuzz` targets (fuzz_harness.h).
#include "midlrt/rpc/fuzz_harness.h"

#include <chrono>
#include <mutex>

#include "midlrt/rpc/message.h"

namespace midlrt::fuzz {

// Answers every call of the interfaces it is registered for with the chosen stub data.
class Harness::Answerer final : public rpc::Dispatcher {
 public:
  void set(std::span<const uint8_t> stub) {
    std::lock_guard lock(mu_);
    stub_.assign(stub.begin(), stub.end());
  }
  void dispatch(rpc::ServerCall& call) override {
    std::lock_guard lock(mu_);
    call.response().append(stub_.data(), stub_.size());
  }

 private:
  std::mutex mu_;
  std::vector<uint8_t> stub_;
};

namespace {

// Calls end in time even if a stub waits for something that never comes (an asynchronous manager that
// never completes is a bug the fuzzer should report as a timeout, not hang on).
rpc::ChannelOptions channelOptions() {
  rpc::ChannelOptions o;
  o.defaultTimeout = std::chrono::milliseconds(5000);
  return o;
}

}  // namespace

Harness::Harness()
    : answerer_(std::make_shared<Answerer>()),
      requests_(rpc::Channel::createInProcess(stubs_, channelOptions())),
      replies_(rpc::Channel::createInProcess(answers_, channelOptions())) {}

Harness::~Harness() {
  requests_.reset();
  replies_.reset();
  stubs_.shutdown();
  answers_.shutdown();
}

void Harness::serve(const rpc::SyntaxId& iface, uint16_t opCount,
                    std::shared_ptr<rpc::Dispatcher> dispatcher) {
  stubs_.registerInterface(iface, opCount, std::move(dispatcher));
}

void Harness::request(const rpc::SyntaxId& iface, uint16_t opnum, std::span<const uint8_t> stub,
                      const rpc::Uuid* object) {
  rpc::Message m = rpc::Message::acquire();
  m.append(stub.data(), stub.size());
  rpc::Reply reply;
  rpc::CallOptions options;
  options.object = object;
  static_cast<void>(requests_->tryInvoke(iface, opnum, m, reply, options));
}

void Harness::answer(const rpc::SyntaxId& iface, uint16_t opCount) {
  answers_.registerInterface(iface, opCount, answerer_);
}

void Harness::answerWith(std::span<const uint8_t> stub) {
  answerer_->set(stub);
}

rpc::Uuid Harness::objectId(uint16_t n) {
  rpc::Uuid id = *rpc::Uuid::parse("6d69646c-6675-7a7a-0000-000000010000");
  id.data4[6] = static_cast<uint8_t>(n >> 8);
  id.data4[7] = static_cast<uint8_t>(n);
  return id;
}

rpc::ContextHandle Harness::contextHandle() {
  rpc::ContextHandle h;
  h.uuid = *rpc::Uuid::parse("6d69646c-6675-7a7a-0000-000000000001");
  return h;
}

}  // namespace midlrt::fuzz
