// Runs the system C preprocessor without a shell, with bounded memory and output, and maps its line markers
// back to the user's files.
#include "frontend/preprocessor.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <sstream>

#include "frontend/builtin_preprocessor.h"
#include "frontend/preprocess_cache.h"
#include "support/text.h"

namespace midlc::frontend {

const std::vector<std::string>& predefinedMacros() {
  static const std::vector<std::string> macros = {"__midl=501", "__MIDLC__=1"};
  return macros;
}

namespace {

using namespace std::chrono_literals;

struct ProcessResult {
  bool started = false;
  int status = -1;
  std::string out;
  std::string err;
  std::string startError;
  bool outputTooLarge = false;  // stdout passed kMaxSourceFileBytes: the process was killed
  bool idle = false;            // wrote nothing for the idle limit: the process was killed
};

// The address space the preprocessor may use: '#include "/dev/zero"' makes cpp read forever without
// writing anything, so its memory, not its output, is what must be bounded. Documented in the README.
constexpr rlim_t kPreprocessorAddressSpace = rlim_t{4} << 30;

// What the preprocessor's process is set up with before it runs argv[0].
struct Child {
  char* const* argv;
  const rlimit* limit;
  const int* outPipe;
  const int* errPipe;
  const int* execPipe;
};

// The child's side, up to exec: system calls only (it shares the parent's memory, on a stack of its own
// that AddressSanitizer does not know, hence not instrumented).
__attribute__((no_sanitize_address)) int childMain(void* arg) {
  const Child& c = *static_cast<const Child*>(arg);
  int devNull = open("/dev/null", O_RDONLY);
  if (devNull >= 0) dup2(devNull, 0);
  dup2(c.outPipe[1], 1);
  dup2(c.errPipe[1], 2);
  for (int fd : {c.outPipe[0], c.outPipe[1], c.errPipe[0], c.errPipe[1], c.execPipe[0], devNull})
    if (fd > 2) close(fd);
  setrlimit(RLIMIT_AS, c.limit);
  // A group of its own: cpp runs cc1 as its child, and stopping cpp must stop that too.
  setpgid(0, 0);
  execvp(c.argv[0], c.argv);
  int error = errno;
  ssize_t ignored = write(c.execPipe[1], &error, sizeof error);
  (void)ignored;
  _exit(127);
}

// Starts the child as posix_spawn does (CLONE_VM | CLONE_VFORK: the parent waits until it has run exec or
// exited), not with fork: a fork copies the page tables of midlc's address space, hundreds of megabytes
// for a large file's parse, once per preprocessed import (about a tenth of the front end's time on
// Wine's mshtml.idl). The pid, or -1 with errno set.
pid_t spawn(Child& child) {
  constexpr size_t kStackSize = 64 * 1024;  // execvp's path search uses the stack
  std::unique_ptr<char[]> stack(new char[kStackSize]);
  return clone(childMain, stack.get() + kStackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, &child);
}

// Runs argv[0] with arguments, collecting stdout and stderr (both drained together, so neither blocks); kills
// it if it writes nothing for `idleLimit`.
ProcessResult runProcess(const std::vector<std::string>& argv, std::chrono::milliseconds idleLimit) {
  ProcessResult result;
  int outPipe[2], errPipe[2];
  if (pipe(outPipe) != 0) return result;
  if (pipe(errPipe) != 0) {
    close(outPipe[0]);
    close(outPipe[1]);
    return result;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The child's address space is limited before it runs cpp (which starts cc1 with the same limit); the
  // limit cannot be set on midlc around a spawn, since a midlc already using more address space (a
  // sanitizer build's shadow memory, a large file) could then not start a process at all. exec's failure
  // comes back through a close-on-exec pipe.
  rlimit limit{kPreprocessorAddressSpace, kPreprocessorAddressSpace};
  rlimit current{};
  if (getrlimit(RLIMIT_AS, &current) == 0) {
    if (current.rlim_max != RLIM_INFINITY && current.rlim_max < limit.rlim_max)
      limit.rlim_max = current.rlim_max;
    if (current.rlim_cur != RLIM_INFINITY && current.rlim_cur < limit.rlim_cur)
      limit.rlim_cur = current.rlim_cur;
  }
  int execPipe[2];
  int rc = 0;
  pid_t pid = -1;
  if (pipe2(execPipe, O_CLOEXEC) != 0) {
    rc = errno;
  } else {
    Child child{args.data(), &limit, outPipe, errPipe, execPipe};
    pid = spawn(child);
    rc = pid < 0 ? errno : 0;
    if (pid > 0) setpgid(pid, pid);  // also here, so that a kill right after fork finds the group
    close(execPipe[1]);
    if (pid > 0) {
      int error = 0;
      ssize_t n;
      while ((n = read(execPipe[0], &error, sizeof error)) < 0 && errno == EINTR) {
      }
      if (n == static_cast<ssize_t>(sizeof error)) {  // exec failed: reap the child
        rc = error;
        while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
      }
    }
    close(execPipe[0]);
  }
  close(outPipe[1]);
  close(errPipe[1]);
  if (rc != 0) {
    close(outPipe[0]);
    close(errPipe[0]);
    result.startError = std::strerror(rc);
    return result;
  }
  result.started = true;
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open = 2;
  char buffer[65536];
  auto lastOutput = std::chrono::steady_clock::now();
  while (open > 0) {
    const auto quiet = std::chrono::steady_clock::now() - lastOutput;
    if (quiet >= idleLimit) {
      result.idle = true;
      kill(-pid, SIGKILL);  // the process group
      for (auto& fd : fds)
        if (fd.fd >= 0) close(fd.fd);
      break;
    }
    // Until the limit would pass (a millisecond more, so that the wait does not end just short of it).
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(idleLimit - quiet) + 1ms;
    const int ready = poll(fds, 2, static_cast<int>(wait.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready > 0) lastOutput = std::chrono::steady_clock::now();
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0 && sinks[i]->size() + static_cast<size_t>(n) > kMaxSourceFileBytes) {
        // Output without end (an #include of /dev/urandom): stop the process, keep what was read.
        result.outputTooLarge = true;
        kill(-pid, SIGKILL);  // the process group
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = status;
  return result;
}

std::vector<std::string> splitWords(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Forwards the preprocessor's own "file:line[:col]: error|warning: message" lines as diagnostics.
void forwardPreprocessorMessages(const std::string& err, Diagnostics& diagnostics) {
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    size_t kind = std::string::npos;
    std::string severity;
    for (const char* word : {": fatal error: ", ": error: ", ": warning: "}) {
      size_t at = line.find(word);
      if (at != std::string::npos && at < kind) {
        kind = at;
        severity = word;
      }
    }
    if (kind == std::string::npos) continue;
    // Before the severity: file:line or file:line:col.
    std::string where = line.substr(0, kind);
    uint32_t numbers[2] = {0, 0};
    int found = 0;
    for (int n = 0; n < 2; ++n) {
      size_t colon = where.rfind(':');
      if (colon == std::string::npos) break;
      std::string digits = where.substr(colon + 1);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
        break;
      numbers[found++] = static_cast<uint32_t>(std::stoul(digits));
      where.resize(colon);
    }
    if (found == 0) continue;
    Location loc{where, found == 2 ? numbers[1] : numbers[0], found == 2 ? numbers[0] : 0};
    std::string message = line.substr(kind + severity.size());
    // gcc names its own switch ("[-Wcpp]"); ours is added by Diagnostics.
    if (size_t flag = message.rfind(" [-W"); flag != std::string::npos && message.back() == ']')
      message.resize(flag);
    if (severity == ": warning: ")
      diagnostics.warning(loc, "cpp", "preprocessor: " + message);
    else
      diagnostics.error(loc, message);
  }
}

// Removes line markers ("# 12 "file.idl" 2"), keeping one (empty) output line per input line so
// that the parser's line numbers index the map directly.
SourceText mapLines(const std::string& name, const std::string& text, FileCache& files) {
  std::string cleaned;
  cleaned.reserve(text.size());
  // Per output line, the file (an index into `names`) and line it came from; line 0: a marker's line.
  std::vector<std::string> names{name};
  std::vector<SourceText::LineOrigin> origins;
  uint32_t currentFile = 0;
  uint32_t currentLine = 1;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    bool marker = false;
    if (i < line.size() && line[i] == '#') {
      size_t j = i + 1;
      while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
      if (line.substr(j, 4) == "line") j += 4;
      while (j < line.size() && line[j] == ' ') ++j;
      if (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j]))) {
        uint32_t number = 0;
        while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j])))
          number = number * 10 + static_cast<uint32_t>(line[j++] - '0');
        while (j < line.size() && line[j] == ' ') ++j;
        if (j < line.size() && line[j] == '"') {
          size_t close = j + 1;
          while (close < line.size() && line[close] != '"') close += line[close] == '\\' ? 2 : 1;
          std::string error;
          std::string file = unescapeC(line.substr(j + 1, std::min(close, line.size()) - j - 1), &error);
          if (file != names[currentFile]) {
            auto known = std::find(names.begin(), names.end(), file);
            currentFile = static_cast<uint32_t>(known - names.begin());
            if (known == names.end()) names.push_back(std::move(file));
          }
        }
        currentLine = number;
        marker = true;
      }
    }
    if (!marker) {
      cleaned.append(line);
      origins.push_back(SourceText::LineOrigin{currentFile, currentLine++});
    } else {
      origins.push_back(SourceText::LineOrigin{});
    }
    cleaned += '\n';
    pos = end + 1;
  }
  SourceText source(name, std::move(cleaned), &files);
  source.mapLines(names, origins);
  return source;
}

}  // namespace

namespace {
// The preprocessor's command line for `path` (midlc's own: as the cache's key).
std::vector<std::string> preprocessorArgv(const std::string& path, const PreprocessOptions& options) {
  std::vector<std::string> argv = splitWords(options.command);
  if (argv.empty())
    argv.emplace_back(kBuiltinPreprocessor);
  else
    for (const char* flag : {"-E", "-x", "c", "-undef"}) argv.push_back(flag);
  for (const auto& m : predefinedMacros()) argv.push_back("-D" + m);
  for (const auto& d : options.includeDirs) argv.push_back("-I" + d);
  for (const auto& d : options.defines) argv.push_back("-D" + d);
  for (const auto& u : options.undefines) argv.push_back("-U" + u);
  argv.push_back(path);
  return argv;
}
}  // namespace

SourceText Preprocessed::takeSource(FileCache& files) {
  if (mapped_) return std::move(*mapped_);
  return mapLines(path_, out_, files);
}

std::set<std::string> Preprocessed::includedFiles() const {
  std::set<std::string> files = filesInLineMarkers(out_);
  files.erase(path_);
  return files;
}

void Preprocessed::keep(std::string_view ast, Diagnostics& diagnostics) {
  if (cacheDir_.empty() || (fromCache_ && ast.empty())) return;
  if (PreprocessCache(cacheDir_).store(argv_, content_, PreprocessedText{out_, err_}, ast)) return;
  // Once per run, not once per import.
  const auto& all = diagnostics.all();
  if (std::none_of(all.begin(), all.end(), [](const Diagnostic& d) { return d.flag == "cache"; }))
    diagnostics.warning(Location{path_, 0, 0}, "cache",
                        "cannot write to the cache folder '" + cacheDir_ + "': it is not used");
}

std::optional<Preprocessed> preprocessForParse(const std::string& path, const PreprocessOptions& options,
                                               FileCache& files, Diagnostics& diagnostics) {
  Preprocessed result;
  result.path_ = path;
  std::string why;
  if (!readFile(path, result.content_, &why)) {
    diagnostics.error(Location{path, 0, 0}, "cannot read file: " + why);
    return std::nullopt;
  }
  if (!options.enabled) {
    // Without a preprocessor, only #pragma lines and line markers may stand in the file.
    SourceText source = mapLines(path, result.content_, files);
    size_t before = diagnostics.errorCount();
    for (uint32_t n = 1; n <= source.lineCount(); ++n) {
      std::string_view line = source.line(n);
      size_t i = line.find_first_not_of(" \t");
      if (i != std::string_view::npos && line[i] == '#' && line.find("pragma") == std::string_view::npos)
        diagnostics.error(source.locate(n, static_cast<uint32_t>(i + 1)),
                          "preprocessor directive in a file read with --no-cpp");
    }
    if (diagnostics.errorCount() > before) return std::nullopt;
    result.mapped_ = std::move(source);
    return result;
  }
  result.argv_ = preprocessorArgv(path, options);
  if (!options.cacheDir.empty()) {
    result.cacheDir_ = options.cacheDir;
    if (std::optional<CachedPreprocess> hit =
            PreprocessCache(options.cacheDir).find(result.argv_, result.content_)) {
      forwardPreprocessorMessages(hit->text.err,
                                  diagnostics);  // its warnings, as the run that was cached said
      result.out_ = std::move(hit->text.out);
      result.err_ = std::move(hit->text.err);
      result.cachedAst_ = std::move(hit->ast);
      result.fromCache_ = true;
      return result;
    }
  }
  if (result.argv_[0] == kBuiltinPreprocessor) {
    BuiltinPreprocessed run = runBuiltinPreprocessor(path, result.content_, options);
    const size_t before = diagnostics.errorCount();
    forwardPreprocessorMessages(run.err, diagnostics);
    if (!run.ok) {
      if (diagnostics.errorCount() == before)
        diagnostics.error(Location{path, 0, 0}, "the preprocessor failed: " + run.err);
      return std::nullopt;
    }
    result.out_ = std::move(run.out);
    result.err_ = std::move(run.err);
    return result;
  }
  ProcessResult run = runProcess(result.argv_, options.idleLimit);
  const std::string& program = result.argv_[0];
  if (!run.started) {
    diagnostics.error(Location{path, 0, 0}, "cannot run the preprocessor '" + program +
                                                "': " + run.startError +
                                                " (use --cpp-cmd to name another, or --no-cpp)");
    return std::nullopt;
  }
  if (run.idle) {
    const auto ms = options.idleLimit.count();
    diagnostics.error(Location{path, 0, 0},
                      "the preprocessor wrote nothing for " +
                          (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms") +
                          " and was stopped (an #include of a FIFO or device waits for ever)");
    return std::nullopt;
  }
  if (run.outputTooLarge) {
    diagnostics.error(Location{path, 0, 0}, "the preprocessor's output is larger than " +
                                                std::to_string(kMaxSourceFileBytes >> 20) +
                                                " MiB, the limit for a file midlc reads");
    return std::nullopt;
  }
  size_t before = diagnostics.errorCount();
  forwardPreprocessorMessages(run.err, diagnostics);
  if (!WIFEXITED(run.status) || WEXITSTATUS(run.status) != 0) {
    if (diagnostics.errorCount() == before)
      diagnostics.error(Location{path, 0, 0}, "the preprocessor '" + program + "' failed: " + run.err);
    return std::nullopt;
  }
  result.out_ = std::move(run.out);
  result.err_ = std::move(run.err);
  return result;
}

std::optional<SourceText> preprocess(const std::string& path, const PreprocessOptions& options,
                                     FileCache& files, Diagnostics& diagnostics,
                                     std::set<std::string>* included) {
  std::optional<Preprocessed> text = preprocessForParse(path, options, files, diagnostics);
  if (!text) return std::nullopt;
  if (included) included->merge(text->includedFiles());
  text->keep({}, diagnostics);
  return text->takeSource(files);
}

}  // namespace midlc::frontend
