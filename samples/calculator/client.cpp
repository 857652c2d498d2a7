// The calculator client: calls every operation of the Calculator interface once and prints the results.
// Usage: calculator_client <string binding>     e.g. ncalrpc:[/tmp/calc.sock]
#include <iostream>
#include <stdexcept>

#include "calculator.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: calculator_client <string binding>\n";
    return 2;
  }
  try {
    midlrt::Binding binding = midlrt::rpc::Channel::create(argv[1]);
    std::cout << "Add(2, 40) = " << Calculator::Add(binding, 2, 40) << "\n";

    int32_t product = 0;
    Calculator::Apply(binding, Operation::OpMultiply, 6, 7, product);
    std::cout << "Apply(OpMultiply, 6, 7) = " << product << "\n";

    std::vector<Point> points = {{1, 0.5, 1.5}, {2, 2.0, 3.0}, {3, -1.0, 0.25}};
    std::cout << "SumPoints(3 points) = " << Calculator::SumPoints(binding, 3, points) << "\n";

    std::unique_ptr<std::string> greeting;
    Calculator::Greet(binding, "midlc", greeting);
    std::cout << "Greet(\"midlc\") = " << (greeting ? *greeting : "(null)") << "\n";

    int32_t quotient = 0;
    uint32_t status = 0;
    Calculator::Divide(binding, 84, 2, quotient, status);
    std::cout << "Divide(84, 2) = " << quotient << " (status " << status << ")\n";
    Calculator::Divide(binding, 1, 0, quotient, status);
    std::cout << "Divide(1, 0) -> status 0x" << std::hex << status << std::dec << " ("
              << midlrt::rpc::statusName(status) << ")\n";

    // Pipes: the client's pull function feeds `values`, its push function receives `runningSums`.
    std::vector<double> values(1000);
    for (size_t i = 0; i < values.size(); ++i) values[i] = 0.5 * static_cast<double>(i);
    std::vector<double> sums;
    DOUBLE_PIPE in = DOUBLE_PIPE::from(values), out = DOUBLE_PIPE::into(sums);
    const double accumulated = Calculator::Accumulate(binding, in, out);
    std::cout << "Accumulate(1000 values) = " << accumulated << ", " << sums.size()
              << " running sums, the last " << sums.back() << "\n";

    // The object interface, through a proxy for the server's accumulator object.
    auto accumulator =
        IAccumulator_createProxy(binding, *midlrt::rpc::Uuid::parse("aaaaaaaa-0000-4000-8000-000000000001"));
    accumulator->Reset();
    accumulator->Add(40);
    accumulator->Add(2);
    int32_t total = 0;
    accumulator->Total(total);
    std::cout << "IAccumulator: Add(40), Add(2), Total() = " << total << "\n";
    // Total is [async] in the ACF: a call object sends Begin_Total at once and Finish_Total collects.
    auto call = midlrt::async::createCall<AsyncIAccumulator>(accumulator);
    if (!call) throw std::runtime_error("no call object for IAccumulator");
    call->Begin_Total();
    total = 0;
    HRESULT hr = call->Finish_Total(total);
    std::cout << "AsyncIAccumulator: Begin_Total(), Finish_Total() = " << total << " (hr " << hr << ")\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "calculator_client: " << e.what() << "\n";
    return 1;
  }
}
