// The key-value server: serves the bindings of its command line until SIGINT or SIGTERM.
#include <csignal>
#include <iostream>
#include <map>
#include <mutex>

#include "kv.h"

class Store : public KeyValue_Manager {
 public:
  BOOL Put(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mutex_);
    if (values_.size() >= static_cast<size_t>(KV_LIMIT) && !values_.contains(key)) return 0;
    values_[key] = value;
    return 1;
  }
  BOOL Get(const std::string& key, std::unique_ptr<std::string>& value) override {
    std::lock_guard lock(mutex_);
    auto it = values_.find(key);
    if (it == values_.end()) return 0;
    value = std::make_unique<std::string>(it->second);
    return 1;
  }
  DWORD Count() override {
    std::lock_guard lock(mutex_);
    return static_cast<DWORD>(values_.size());
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> values_;
};

int main(int argc, char** argv) {
  sigset_t stop;  // blocked before the runtime starts threads, so that only sigwait() sees them
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  midlrt::rpc::Server server;
  KeyValue_register(server, std::make_shared<Store>());
  for (int i = 1; i < argc; ++i) std::cout << "listening on " << server.listen(argv[i]) << std::endl;
  int signal = 0;
  sigwait(&stop, &signal);
  server.shutdown();
  std::cout << "stopped" << std::endl;
}
