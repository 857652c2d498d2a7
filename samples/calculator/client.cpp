// The calculator client: calls every operation of the Calculator interface once and prints the results.
// Usage: calculator_client <string binding>     e.g. ncalrpc:[/tmp/calc.sock]
#include <iostream>

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
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "calculator_client: " << e.what() << "\n";
    return 1;
  }
}
