// filerep_server <folder> <string binding>...: stores the files clients send in <folder> and sends them back.
// Each pipe streams: a Store writes chunks to the file as they arrive, a Fetch sends them as it reads them.
#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "common/serve.h"
#include "filerep.h"

namespace {

constexpr int32_t kFileNotFound = 2;    // ERROR_FILE_NOT_FOUND
constexpr int32_t kWriteFault = 29;     // ERROR_WRITE_FAULT
constexpr int32_t kInvalidName = 123;   // ERROR_INVALID_NAME

class FileRepImpl final : public FileRep_Manager {
 public:
  explicit FileRepImpl(std::filesystem::path folder) : folder_(std::move(folder)) {}

  int32_t Stat(midlrt::rpc::ServerCall&, const std::string& name, int64_t& size) override {
    size = 0;
    if (!plain(name)) return kInvalidName;
    std::error_code ec;
    const auto n = std::filesystem::file_size(folder_ / name, ec);
    if (ec) return kFileNotFound;
    size = static_cast<int64_t>(n);
    return 0;
  }

  int32_t Fetch(midlrt::rpc::ServerCall&, const std::string& name, BYTE_PIPE& data) override {
    std::ifstream in;
    if (plain(name)) in.open(folder_ / name, std::ios::binary);
    std::array<char, 64 * 1024> buffer{};
    while (in) {
      in.read(buffer.data(), buffer.size());
      if (in.gcount() > 0)
        data.push(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(buffer.data()),
                                           static_cast<size_t>(in.gcount())));
    }
    data.push({});  // the pipe ends, on an error too
    if (!plain(name)) return kInvalidName;
    return in.eof() ? 0 : kFileNotFound;
  }

  int32_t Store(midlrt::rpc::ServerCall&, const std::string& name, BYTE_PIPE& data) override {
    std::ofstream out;
    if (plain(name)) out.open(folder_ / name, std::ios::binary | std::ios::trunc);
    std::array<uint8_t, 64 * 1024> buffer{};
    // Every [in] pipe is drained, whatever happens to the file: the call's discipline asks for it.
    while (size_t n = data.pull(buffer))
      if (out) out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<std::streamsize>(n));
    if (!plain(name)) return kInvalidName;
    out.close();
    return out ? 0 : kWriteFault;
  }

 private:
  // A file name of the folder itself: no directories, no "..".
  static bool plain(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
  }
  std::filesystem::path folder_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: filerep_server <folder> <string binding>...\n";
    return 2;
  }
  const sigset_t stop = samples::blockStopSignals();
  midlrt::rpc::Server server;
  FileRep_register(server, std::make_shared<FileRepImpl>(argv[1]));
  // The bindings follow the folder: serveUntilStopped reads them from its argv[1] on.
  return samples::serveUntilStopped(server, stop, argc - 1, argv + 1, "filerep_server");
}
