// The key-value client: stores two values on the server of argv[1], reads them back, prints "ok".
#include <iostream>

#include "kv.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: kv_client <string binding>\n";
    return 2;
  }
  try {
    midlrt::Binding binding = midlrt::rpc::Channel::create(argv[1]);
    KeyValue::Put(binding, "language", "C++");
    KeyValue::Put(binding, "idl", "DCE/RPC");
    std::unique_ptr<std::string> value, none;
    BOOL found = KeyValue::Get(binding, "idl", value);
    BOOL missing = KeyValue::Get(binding, "nothing", none);
    if (!found || !value || *value != "DCE/RPC" || missing || none || KeyValue::Count(binding) != 2) {
      std::cerr << "kv_client: wrong answers\n";
      return 1;
    }
    std::cout << "ok\n";
  } catch (const std::exception& e) {
    std::cerr << "kv_client: " << e.what() << "\n";
    return 1;
  }
}
