// filerep_client <string binding> put <local file> <name> | get <name> <local file>
// Sends a local file to the server's folder, or fetches one, with a progress bar on a terminal; the bytes
// stream through a pipe, so the file's size does not matter to either side's memory. Both operations are
// [async] here (filerep_client.acf): the client pushes and pulls the pipes itself while the call is in
// progress.
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "filerep.h"

namespace {

// A progress bar on stderr when it is a terminal; one summary line in the end either way.
class Progress {
 public:
  Progress(std::string what, uint64_t total) : what_(std::move(what)), total_(total), tty_(::isatty(2) != 0) {}
  void add(uint64_t n) {
    done_ += n;
    if (!tty_) return;
    const int percent = total_ == 0 ? 100 : static_cast<int>(done_ * 100 / total_);
    if (percent == shown_) return;
    shown_ = percent;
    const int width = 40, filled = percent * width / 100;
    std::fprintf(stderr, "\r%s [%s%s] %3d%%", what_.c_str(), std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(width - filled), '.').c_str(), percent);
  }
  void finish() {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (tty_) std::fprintf(stderr, "\n");
    std::printf("%s: %llu bytes in %.2f s (%.0f MB/s)\n", what_.c_str(), static_cast<unsigned long long>(done_), s,
                s > 0 ? double(done_) / s / 1e6 : 0.0);
  }

 private:
  std::string what_;
  uint64_t total_, done_ = 0;
  bool tty_;
  int shown_ = -1;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// What an asynchronous call ended with: the transport's status, else the operation's result.
int32_t finish(midlrt::async::AsyncState& state, const char* what) {
  int32_t result = 0;
  state.wait();
  if (const uint32_t s = state.complete(&result); s != 0) {
    std::cerr << "filerep_client: " << what << " failed: RPC status " << s << "\n";
    return -1;
  }
  return result;
}

int put(const midlrt::Binding& h, const std::string& local, const std::string& name) {
  std::ifstream in(local, std::ios::binary);
  if (!in) {
    std::cerr << "filerep_client: cannot read " << local << "\n";
    return 1;
  }
  Progress progress("put " + name, std::filesystem::file_size(local));
  // Store is [async]: the call goes out with the name, then the client pushes the file as it reads it; each
  // push returns once its chunk is sent, so the server has every chunk while the client reads the next.
  midlrt::async::AsyncState state;
  midlrt::async::AsyncPipe<uint8_t> data;
  if (const uint32_t s = FileRep::Store(state, h, name.c_str(), data); s != 0) {
    std::cerr << "filerep_client: cannot call the server: RPC status " << s << "\n";
    return 1;
  }
  std::array<uint8_t, 64 * 1024> buffer{};
  uint32_t pushed = 0;
  while (pushed == 0 && in) {
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    pushed = data.push(std::span<const uint8_t>(buffer.data(), n));
    progress.add(n);
  }
  if (pushed == 0) pushed = data.push({});        // the end of the file
  const int32_t status = finish(state, "Store");  // a push that failed tells why here
  progress.finish();
  if (status > 0)
    std::cerr << "filerep_client: the server could not store " << name << ": error " << status << "\n";
  return status == 0 ? 0 : 1;
}

int get(const midlrt::Binding& h, const std::string& name, const std::string& local) {
  int64_t size = 0;
  if (int32_t status = FileRep::Stat(h, name.c_str(), size); status != 0) {
    std::cerr << "filerep_client: no file " << name << " on the server: error " << status << "\n";
    return 1;
  }
  std::ofstream out(local, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::cerr << "filerep_client: cannot write " << local << "\n";
    return 1;
  }
  Progress progress("get " + name, static_cast<uint64_t>(size));
  // Fetch is [async]: its events come through a completion queue that this thread drains. On each
  // kReceiveComplete it pulls what has arrived until the pipe says kAsyncCallPending (wait for the next
  // event), ends (count 0), or fails; kCallComplete comes last.
  midlrt::async::CompletionQueue queue;
  midlrt::async::AsyncState state;
  state.notifyByQueue(queue);
  midlrt::async::AsyncPipe<uint8_t> data;
  if (const uint32_t s = FileRep::Fetch(state, h, name.c_str(), data); s != 0) {
    std::cerr << "filerep_client: cannot call the server: RPC status " << s << "\n";
    return 1;
  }
  std::array<uint8_t, 64 * 1024> buffer{};
  midlrt::async::CompletionQueue::Entry event;
  while (queue.next(event) && event.event == midlrt::async::AsyncEvent::kReceiveComplete) {
    size_t n = 0;
    while (data.pull(buffer, n) == 0 && n != 0) {
      out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<std::streamsize>(n));
      progress.add(n);
    }
  }
  const int32_t status = finish(state, "Fetch");
  progress.finish();
  out.close();
  if (status != 0 || !out) {
    std::cerr << "filerep_client: fetching " << name << " failed: error " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string verb = argc == 5 ? argv[2] : "";
  if (verb != "put" && verb != "get") {
    std::cerr << "usage: filerep_client <string binding> put <local file> <name>\n"
                 "       filerep_client <string binding> get <name> <local file>\n";
    return 2;
  }
  try {
    midlrt::Binding h = midlrt::rpc::Channel::create(argv[1]);
    return verb == "put" ? put(h, argv[3], argv[4]) : get(h, argv[3], argv[4]);
  } catch (const std::exception& e) {
    std::cerr << "filerep_client: " << e.what() << "\n";
    return 1;
  }
}
