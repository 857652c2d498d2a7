#include "frontend/preprocess_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <sstream>

#include "support/sha1.h"
#include "support/source.h"
#include "support/text.h"

namespace midlc::frontend {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kFormat = "midlc-pp 2";
// An included file's stat data is trusted only if it changed this long before the entry was written.
constexpr int64_t kTrustedAge = 1000000000;  // 1 s, in ns

std::string hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

int64_t nanoseconds(const timespec& t) {
  return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

std::string contentHash(std::string_view text) {
  return hex(sha1(text));
}

// The modification time of `path` in nanoseconds, and its size; -1 if it does not exist.
std::string stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "-1";
  return std::to_string(nanoseconds(st.st_mtim)) + ":" + std::to_string(st.st_size);
}

// A checksum of a kept syntax tree, against damage only (entries are renamed into place, so never seen half
// written): 64 bits, eight bytes a step, each step a multiplication; SHA-1 over every tree read cost a warm
// run a twentieth of its time.
std::string treeChecksum(std::string_view bytes) {
  uint64_t h = 0x9e3779b97f4a7c15u ^ bytes.size();
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdu;
    h ^= h >> 32;
  }
  for (; i < bytes.size(); ++i) h = (h ^ static_cast<uint8_t>(bytes[i])) * 0x100000001b3u;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53u;
  h ^= h >> 33;
  std::array<uint8_t, 8> bytesOfH{};
  for (int k = 7; k >= 0; --k, h >>= 8) bytesOfH[static_cast<size_t>(k)] = static_cast<uint8_t>(h);
  return hex(bytesOfH);
}

// What stat says of a file that changes when its content does: any write moves its change time (ctime),
// which no program sets. Its text is "-" if the file cannot be read.
struct FileSignature {
  std::string text;
  int64_t changedAt = INT64_MAX;  // ns
};

FileSignature fileSignature(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {"-"};
  const int64_t changedAt = nanoseconds(st.st_ctim);
  return {std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" + std::to_string(changedAt),
          changedAt};
}

// The program argv[0] names, as exec would find it through PATH.
std::string programPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

// Where PATH finds the program, found once per name and PATH (every file's lookup needs it, and the walk is
// a system call per folder); the program found is stamped every time, so a rebuilt preprocessor is seen.
std::string programPathOnce(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, std::string>, std::string> found;
  const char* path = std::getenv("PATH");
  std::pair<std::string, std::string> key{name, path ? path : ""};
  std::lock_guard<std::mutex> lock(mutex);
  auto it = found.find(key);
  if (it == found.end()) it = found.emplace(std::move(key), programPath(name)).first;
  return it->second;
}

// The include folders of a preprocessor command line (-Idir), each once.
std::vector<std::string> includeDirs(const std::vector<std::string>& argv) {
  std::vector<std::string> dirs;
  for (const auto& a : argv)
    if (a.size() > 2 && a.compare(0, 2, "-I") == 0 &&
        std::find(dirs.begin(), dirs.end(), a.substr(2)) == dirs.end())
      dirs.push_back(a.substr(2));
  return dirs;
}

}  // namespace

std::set<std::string> filesInLineMarkers(std::string_view out) {
  std::set<std::string> files;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    std::string_view line(out.data() + pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] != '#') continue;
    size_t open = line.find('"');
    size_t close = line.rfind('"');
    if (open == std::string_view::npos || close <= open) continue;
    std::string error;
    std::string name = unescapeC(line.substr(open + 1, close - open - 1), &error);
    if (!name.empty() && name[0] != '<') files.insert(std::move(name));
  }
  return files;
}

namespace {

// This midlc executable, as stamped in the trees it keeps (taken once: it does not change under a run).
const std::string& executableStamp() {
  static const std::string self = stamp("/proc/self/exe");
  return self;
}

// Reads "<label> <n>\n" then n bytes.
bool readBlob(std::istream& in, std::string_view label, std::string& out) {
  std::string word;
  size_t n = 0;
  if (!(in >> word >> n) || word != label || in.get() != '\n' || n > kMaxSourceFileBytes) return false;
  out.resize(n);
  return static_cast<bool>(in.read(out.data(), static_cast<std::streamsize>(n)));
}

}  // namespace

std::string PreprocessCache::entryPath(const std::vector<std::string>& argv, std::string_view content) const {
  std::string key(kFormat);
  key += '\n';
  std::error_code ec;
  key += fs::current_path(ec).string() + '\n';
  if (!argv.empty() && argv[0] == kBuiltinPreprocessor)
    key += executableStamp() + '\n';
  else
    key += stamp(programPathOnce(argv.empty() ? std::string() : argv[0])) + '\n';
  for (const auto& a : argv) key += a + '\0';
  key += '\n';
  key += contentHash(content);
  return dir_ + "/" + contentHash(key);
}

std::optional<CachedPreprocess> PreprocessCache::find(const std::vector<std::string>& argv,
                                                      std::string_view content) const {
  const std::string path = entryPath(argv, content);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  struct stat entryStat {};
  if (::stat(path.c_str(), &entryStat) != 0) return std::nullopt;
  // Entries are renamed into place, never written in it: their change time is when they were written.
  const int64_t writtenAt = nanoseconds(entryStat.st_ctim);
  std::string line;
  if (!std::getline(in, line) || line != kFormat) return std::nullopt;
  // The include folders' times, then the included files' contents, as they were.
  size_t n = 0;
  std::string word;
  if (!(in >> word >> n) || word != "dirs" || in.get() != '\n') return std::nullopt;
  for (size_t i = 0; i < n; ++i) {
    std::string was, dir;
    if (!(in >> was) || in.get() != ' ' || !std::getline(in, dir) || stamp(dir) != was) return std::nullopt;
  }
  if (!(in >> word >> n) || word != "files" || in.get() != '\n') return std::nullopt;
  for (size_t i = 0; i < n; ++i) {
    std::string was, signature, file, now;
    if (!(in >> was >> signature) || in.get() != ' ' || !std::getline(in, file)) return std::nullopt;
    // A file whose signature is the one recorded has the content hashed then (as git's index trusts stat
    // data), if it changed well before the entry was written: a write in the same clock tick as the hash
    // (file times are coarse, a few ms) would leave the signature as it was. Any other is hashed again.
    if (const FileSignature current = fileSignature(file);
        signature == current.text && current.changedAt < writtenAt - kTrustedAge)
      continue;
    if (!readFile(file, now) || contentHash(now) != was) return std::nullopt;
  }
  CachedPreprocess entry;
  if (!readBlob(in, "err", entry.text.err) || in.get() != '\n' || !readBlob(in, "out", entry.text.out))
    return std::nullopt;
  // The AST, if one was kept: used only if this executable kept it and it is whole.
  std::string executable, checksum;
  if (in.get() != '\n' || !(in >> word >> executable >> checksum) || word != "ast" || in.get() != '\n' ||
      !readBlob(in, "bytes", entry.ast) || executable != executableStamp() ||
      treeChecksum(entry.ast) != checksum)
    entry.ast.clear();
  return entry;
}

bool PreprocessCache::store(const std::vector<std::string>& argv, std::string_view content,
                            const PreprocessedText& text, std::string_view ast) const {
  std::ostringstream entry;
  entry << kFormat << '\n';
  const std::vector<std::string> dirs = includeDirs(argv);
  entry << "dirs " << dirs.size() << '\n';
  for (const auto& dir : dirs) {
    if (dir.find('\n') != std::string::npos) return true;  // not recordable: left uncached
    entry << stamp(dir) << ' ' << dir << '\n';
  }
  // The file itself is in the key; the files it included are checked when the entry is used.
  const std::string self = argv.empty() ? std::string() : argv.back();
  std::set<std::string> files = filesInLineMarkers(text.out);
  files.erase(self);
  entry << "files " << files.size() << '\n';
  for (const auto& file : files) {
    std::string now;
    // The signature before the read: a write during the read then fails the check above.
    const std::string signature = fileSignature(file).text;
    if (file.find('\n') != std::string::npos || !readFile(file, now)) return true;
    entry << contentHash(now) << ' ' << signature << ' ' << file << '\n';
  }
  entry << "err " << text.err.size() << '\n' << text.err << '\n';
  entry << "out " << text.out.size() << '\n' << text.out;
  if (!ast.empty()) {
    entry << "\nast " << executableStamp() << ' ' << treeChecksum(ast) << '\n';
    entry << "bytes " << ast.size() << '\n' << ast;
  }

  std::error_code ec;
  fs::create_directories(dir_, ec);
  const std::string target = entryPath(argv, content);
  // A name of this process's own, renamed over the entry: a reader sees the old entry, or the whole new one.
  std::random_device random;
  const std::string temporary =
      target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(random());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    const std::string bytes = std::move(entry).str();
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      out.close();
      fs::remove(temporary, ec);
      return false;
    }
  }
  if (std::rename(temporary.c_str(), target.c_str()) != 0) {
    fs::remove(temporary, ec);
    return false;
  }
  return true;
}

}  // namespace midlc::frontend
