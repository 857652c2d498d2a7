// filerep_client <string binding> put <local file> <name> | get <name> <local file>
// Sends a local file to the server's folder, or fetches one, with a progress bar on a terminal; the bytes
// stream through a pipe, so the file's size does not matter to either side's memory.
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

int put(const midlrt::Binding& h, const std::string& local, const std::string& name) {
  std::ifstream in(local, std::ios::binary);
  if (!in) {
    std::cerr << "filerep_client: cannot read " << local << "\n";
    return 1;
  }
  Progress progress("put " + name, std::filesystem::file_size(local));
  // The server pulls the file as the client reads it, chunk by chunk.
  BYTE_PIPE data = BYTE_PIPE::source([&](std::span<uint8_t> buffer) {
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<size_t>(in.gcount());
    progress.add(n);
    return n;
  });
  const int32_t status = FileRep::Store(h, name.c_str(), data);
  progress.finish();
  if (status != 0) std::cerr << "filerep_client: the server could not store " << name << ": error " << status << "\n";
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
  // Each chunk is written as it arrives.
  BYTE_PIPE data = BYTE_PIPE::sink([&](std::span<const uint8_t> chunk) {
    out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(chunk.size()));
    progress.add(chunk.size());
  });
  const int32_t status = FileRep::Fetch(h, name.c_str(), data);
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
