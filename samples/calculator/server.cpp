// The calculator server: implements the Calculator manager and serves it until SIGINT or SIGTERM.
// Usage: calculator_server <string binding>...   e.g. ncalrpc:[/tmp/calc.sock] ncacn_ip_tcp:127.0.0.1[0]
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <iostream>
#include <span>
#include <vector>

#include "calculator.h"
#include "common/serve.h"

namespace {

// A result that does not fit a long is the client's mistake, not the server's undefined behaviour: it
// becomes the fault DCE defines for it (nca_s_fault_int_overflow), and the server keeps serving.
void refuseOverflow(bool overflowed) {
  if (overflowed) throw midlrt::rpc::RpcError(midlrt::rpc::status::kFaultIntOverflow, "integer overflow");
}

class CalculatorImpl : public Calculator_Manager {
 public:
  int32_t Add(int32_t a, int32_t b) override {
    int32_t sum = 0;
    refuseOverflow(__builtin_add_overflow(a, b, &sum));
    return sum;
  }

  int32_t Apply(Operation op, int32_t a, int32_t b, int32_t& result) override {
    switch (op) {
      case Operation::OpAdd:
        refuseOverflow(__builtin_add_overflow(a, b, &result));
        return 0;
      case Operation::OpSubtract:
        refuseOverflow(__builtin_sub_overflow(a, b, &result));
        return 0;
      case Operation::OpMultiply:
        refuseOverflow(__builtin_mul_overflow(a, b, &result));
        return 0;
    }
    return -1;
  }

  double SumPoints(int32_t, const std::vector<Point>& points) override {
    double sum = 0;
    for (const Point& p : points) sum += p.x + p.y;
    return sum;
  }

  void Greet(const std::string& name, std::unique_ptr<std::string>& greeting) override {
    greeting = std::make_unique<std::string>("Hello, " + name + "!");
  }

  uint32_t Divide(int32_t a, int32_t b, int32_t& quotient) override {
    // A server-side failure becomes a fault on the wire; the client's [fault_status] slot receives it.
    if (b == 0) throw midlrt::rpc::RpcError(midlrt::rpc::status::kFaultIntDivByZero, "division by zero");
    refuseOverflow(a == INT32_MIN && b == -1);  // the one quotient a long cannot hold
    quotient = a / b;
    return 0;
  }

  // Every [in] pipe is drained before any [out] pipe is pushed (Microsoft's "Rules for Multiple Pipes": the
  // reply starts once the request is complete), so the running sums wait for the last value.
  double Accumulate(DOUBLE_PIPE& values, DOUBLE_PIPE& runningSums) override {
    std::array<double, 256> chunk{};
    std::vector<double> sums;
    double sum = 0;
    while (size_t n = values.pull(chunk))
      for (size_t i = 0; i < n; ++i) sums.push_back(sum += chunk[i]);
    for (size_t i = 0; i < sums.size(); i += chunk.size())
      runningSums.push(std::span<const double>(sums).subspan(i, std::min(chunk.size(), sums.size() - i)));
    runningSums.push({});  // the empty chunk ends the pipe
    return sum;
  }
};

// The object interface: one accumulator object, exported under a fixed object UUID.
class Accumulator final : public midlrt::com::ComObject<IAccumulator> {
 public:
  HRESULT Add(int32_t value) override {
    // std::atomic's arithmetic wraps (two's complement) where a plain int's would be undefined.
    total_ += value;
    return midlrt::com::S_OK;
  }
  HRESULT Total(int32_t& total) override {
    total = total_;
    return midlrt::com::S_OK;
  }
  HRESULT Reset() override {
    total_ = 0;
    return midlrt::com::S_OK;
  }

 private:
  std::atomic<int32_t> total_{0};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: calculator_server <string binding>...\n";
    return 2;
  }
  const sigset_t stop = samples::blockStopSignals();
  midlrt::rpc::Server server;
  Calculator_register(server, std::make_shared<CalculatorImpl>());
  auto objects = std::make_shared<midlrt::com::ObjectTable>();
  auto accumulator = midlrt::com::ComObject<IAccumulator>::make<Accumulator>();
  objects->add(*midlrt::rpc::Uuid::parse("aaaaaaaa-0000-4000-8000-000000000001"), accumulator);
  IAccumulator_register(server, objects);
  return samples::serveUntilStopped(server, stop, argc, argv, "calculator_server");
}
