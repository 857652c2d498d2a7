// --cache-dir (frontend/preprocess_cache.h): a file preprocessed once is not preprocessed again while it,
// what it includes and imports, the options and the include folders stay the same; any change is seen. The
// preprocessor here is cpp behind a script that counts its runs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "driver/driver.h"
#include "scratch_folder.h"
#include "support/sha1.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class PreprocessCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = midlc::testing::freshScratchFolder("ppcache");
    // The IDL files in a folder of their own: the runs' outputs and the counter go elsewhere (a file created
    // in an include folder, the IDL's own included, makes its entries misses).
    fs::create_directories(dir_ / "src");
    fs::create_directories(dir_ / "early");
    fs::create_directories(dir_ / "late");
    std::ofstream(dir_ / "counting_cpp.sh")
        << "#!/bin/sh\necho run >> '" << (dir_ / "runs").string() << "'\nexec cpp \"$@\"\n";
    fs::permissions(dir_ / "counting_cpp.sh", fs::perms::owner_all);
    std::ofstream(dir_ / "late" / "consts.h") << "#define KSIZE 8\n";
    std::ofstream(dir_ / "src" / "base.idl")
        << "typedef struct Pair { long a; long b; } Pair;\nconst long kBase = 1;\n";
    writeMain("");
    std::ofstream(dir_ / "runs");
    options_.input = (dir_ / "src" / "calc.idl").string();
    options_.outDir = (dir_ / "gen").string();
    options_.header = true;
    options_.defaultImports = false;
    options_.preprocess.command = (dir_ / "counting_cpp.sh").string();
    options_.preprocess.includeDirs = {(dir_ / "early").string(), (dir_ / "late").string()};
    options_.preprocess.cacheDir = (dir_ / "cache").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void writeMain(const std::string& extra) {
    std::ofstream(dir_ / "src" / "calc.idl")
        << "import \"base.idl\";\n#include \"consts.h\"\n"
        << extra
        << "[uuid(6b29fc40-ca47-1067-b31d-00dd010662db), version(1.0)]\n"
           "interface Calc {\n  const long kSize = KSIZE;\n  const long kTotal = KSIZE + kBase;\n"
           "  long Add([in] Pair p);\n}\n";
  }
  int run() {
    out_.str("");
    err_.str("");
    return midlc::driver::run(options_, out_, err_);
  }
  // How many times the preprocessor ran so far.
  int runs() const {
    std::ifstream in(dir_ / "runs");
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }
  std::string header() const { return slurp(dir_ / "gen" / "calc.h"); }

  fs::path dir_;
  midlc::driver::Options options_;
  std::ostringstream out_, err_;
};

TEST_F(PreprocessCache, ASecondRunPreprocessesNothingAndWritesTheSameFiles) {
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 2);  // calc.idl and base.idl
  // One entry each, written once a file was parsed: its text and its tree.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "cache")) {
    ++entries;
    EXPECT_NE(slurp(e.path()).find("\nast "), std::string::npos) << e.path();
  }
  EXPECT_EQ(entries, 2u);
  const std::string first = header();
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(header(), first);
  options_.preprocess.cacheDir.clear();  // without the cache: the same files again
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 4);
  EXPECT_EQ(header(), first);
}

TEST_F(PreprocessCache, AChangedImportIsPreprocessedAgainAndOnlyIt) {
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(header().find("kTotal = 9"), std::string::npos) << header();
  std::ofstream(dir_ / "src" / "base.idl")
      << "typedef struct Pair { long a; long b; } Pair;\nconst long kBase = 2;\n";
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 3);
  EXPECT_NE(header().find("kTotal = 10"), std::string::npos) << header();
}

TEST_F(PreprocessCache, AChangedIncludedHeaderIsSeen) {
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(header().find("kSize = 8"), std::string::npos);
  std::ofstream(dir_ / "late" / "consts.h") << "#define KSIZE 16\n";
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(header().find("kSize = 16"), std::string::npos) << header();
}

// An included file's stat data stands for its content only when it changed well before its entry was
// written: rewritten at once with the same size (in the same tick of the file clock, maybe), and later with
// its old times put back (as `touch -r` or an archive extraction does), it is still seen.
TEST_F(PreprocessCache, AHeaderRewrittenWithTheSameSizeAndTimesIsSeen) {
  const fs::path consts = dir_ / "late" / "consts.h";
  ASSERT_EQ(run(), 0) << err_.str();
  std::ofstream(consts) << "#define KSIZE 9\n";
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(header().find("kSize = 9"), std::string::npos) << header();
  const auto written = fs::last_write_time(consts);
  std::ofstream(consts) << "#define KSIZE 7\n";
  fs::last_write_time(consts, written);  // mtime as before; the change time moves regardless
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(header().find("kSize = 7"), std::string::npos) << header();
}

TEST_F(PreprocessCache, AHeaderNowFoundInAnEarlierFolderIsSeen) {
  ASSERT_EQ(run(), 0) << err_.str();
  std::ofstream(dir_ / "early" / "consts.h") << "#define KSIZE 32\n";  // shadows late/consts.h
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(header().find("kSize = 32"), std::string::npos) << header();
}

TEST_F(PreprocessCache, ADefineOrAnIncludeFolderMakesAnotherEntry) {
  ASSERT_EQ(run(), 0) << err_.str();
  options_.preprocess.defines.push_back("UNUSED=1");
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 4);
  options_.preprocess.includeDirs.push_back(dir_.string());
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 6);
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 6);
}

TEST_F(PreprocessCache, ThePreprocessorsWarningsAreRepeatedFromTheCache) {
  writeMain("#warning from the preprocessor\n");
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(err_.str().find("from the preprocessor"), std::string::npos) << err_.str();
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 2);
  EXPECT_NE(err_.str().find("from the preprocessor"), std::string::npos) << err_.str();
}

TEST_F(PreprocessCache, DamagedEntriesAreMissesAndAreWrittenAgain) {
  ASSERT_EQ(run(), 0) << err_.str();
  const std::string first = header();
  for (const auto& e : fs::directory_iterator(dir_ / "cache")) {
    const std::string bytes = slurp(e.path());
    std::ofstream(e.path(), std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  }
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 4);
  EXPECT_EQ(header(), first);
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 4);
}

// A byte of a kept tree changed (the disk, a hand): the tree is not used, the text is, and the outputs are
// what they were. Without the checksum some of these trees would read as other valid trees.
TEST_F(PreprocessCache, ATreeWithAChangedByteIsParsedAgain) {
  ASSERT_EQ(run(), 0) << err_.str();
  const std::string first = header();
  std::vector<std::pair<fs::path, std::string>> entries;
  for (const auto& e : fs::directory_iterator(dir_ / "cache"))
    entries.emplace_back(e.path(), slurp(e.path()));
  for (const auto& [path, bytes] : entries) {
    const size_t tree = bytes.find("\nbytes ");
    ASSERT_NE(tree, std::string::npos) << path;
    const size_t start = bytes.find('\n', tree + 1) + 1;
    for (size_t at = start; at < bytes.size(); at += 1 + (bytes.size() - start) / 24) {
      std::string changed = bytes;
      changed[at] = static_cast<char>(changed[at] ^ 0x04);
      std::ofstream(path, std::ios::binary | std::ios::trunc) << changed;
      ASSERT_EQ(run(), 0) << err_.str() << " byte " << at << " of " << path;
      EXPECT_EQ(header(), first) << "byte " << at << " of " << path;
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
  EXPECT_EQ(runs(), 2);  // the texts were used throughout
}

TEST_F(PreprocessCache, AFolderThatCannotBeWrittenIsAWarningOnce) {
  std::ofstream(dir_ / "afile") << "x";
  options_.preprocess.cacheDir = (dir_ / "afile" / "cache").string();
  ASSERT_EQ(run(), 0) << err_.str();
  const std::string err = err_.str();
  const size_t at = err.find("cannot write to the cache folder");
  ASSERT_NE(at, std::string::npos) << err;
  EXPECT_EQ(err.find("cannot write to the cache folder", at + 1), std::string::npos) << err;
  EXPECT_NE(header().find("kSize = 8"), std::string::npos);
  // Once per run, and in every run.
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(err_.str().find("cannot write to the cache folder"), std::string::npos) << err_.str();
}

// Several builds filling one folder at once (ninja -j): every run succeeds with the right output, and the
// entries they leave are whole (the next run preprocesses nothing).
TEST_F(PreprocessCache, ParallelRunsShareTheFolder) {
  std::vector<pid_t> children;
  for (int i = 0; i < 8; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      options_.outDir = (dir_ / ("gen" + std::to_string(i))).string();
      std::ostringstream out, err;
      _exit(midlc::driver::run(options_, out, err) == 0 &&
                    slurp(dir_ / ("gen" + std::to_string(i)) / "calc.h").find("kSize = 8") !=
                        std::string::npos
                ? 0
                : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  const int before = runs();
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), before);
  for (const auto& e : fs::directory_iterator(dir_ / "cache"))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
}

// The cache with midlc's own preprocessor (the default): its entries are keyed by the midlc executable, and
// are valid while the files its line markers name are unchanged.
class BuiltinPreprocessCache : public PreprocessCache {
 protected:
  void SetUp() override {
    PreprocessCache::SetUp();
    options_.preprocess.command.clear();
  }
  // Each entry's path and its change time: a run the cache answers writes none.
  std::map<std::string, fs::file_time_type> entries() const {
    std::map<std::string, fs::file_time_type> found;
    for (const auto& e : fs::directory_iterator(dir_ / "cache"))
      found[e.path().string()] = e.last_write_time();
    return found;
  }
};

TEST_F(BuiltinPreprocessCache, ASecondRunIsAnsweredAndAChangedHeaderIsSeen) {
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(header().find("kSize = 8"), std::string::npos) << header();
  const auto first = entries();
  EXPECT_EQ(first.size(), 2u);
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(entries(), first);
  EXPECT_EQ(runs(), 0);  // the counting preprocessor is not used

  std::ofstream(dir_ / "late" / "consts.h") << "#define KSIZE 16\n";
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(header().find("kSize = 16"), std::string::npos) << header();
  std::ofstream(dir_ / "early" / "consts.h") << "#define KSIZE 32\n";  // shadows late/consts.h
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(header().find("kSize = 32"), std::string::npos) << header();
  options_.preprocess.defines.push_back("KSIZE=64");  // the header's #define wins, with a warning
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_NE(err_.str().find("\"KSIZE\" redefined"), std::string::npos) << err_.str();
  EXPECT_EQ(entries().size(), 4u);  // an entry for each file with the new option
}

TEST_F(BuiltinPreprocessCache, TheSameFilesWithAndWithoutTheCacheOrAnExternalPreprocessor) {
  ASSERT_EQ(run(), 0) << err_.str();
  const std::string first = header();
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(header(), first);
  options_.preprocess.cacheDir.clear();
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(header(), first);
  options_.preprocess.command = (dir_ / "counting_cpp.sh").string();
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(header(), first);
}

// The cache's content hash, at the lengths where SHA-1's padding changes (FIPS 180-4 vectors, and Python's
// hashlib for bytes i*7 mod 256).
TEST(Sha1, MatchesKnownDigestsAtEveryPaddingBoundary) {
  auto hex = [](const std::array<uint8_t, 20>& h) {
    std::string s;
    for (uint8_t b : h) {
      s += "0123456789abcdef"[b >> 4];
      s += "0123456789abcdef"[b & 15];
    }
    return s;
  };
  EXPECT_EQ(hex(midlc::sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(midlc::sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  const std::pair<size_t, const char*> vectors[] = {
      {55, "aecd1643c9903b9bae8cb94f53c50f8a4e18605b"},  {56, "f5d65c621c02cc8e785159feff8088e3072da1bc"},
      {63, "4952f0fe097e4d6410ae9eab4855aa836caf3bff"},  {64, "1e17ae1fc093e5daca033553c97a5192ca164486"},
      {65, "ac44f5dbe3e9b5d2733fc9537fcad715c3c20bc3"},  {119, "b4a4e69060d0b1e7e8ebbf7041a4211c63438b57"},
      {120, "b651390c2996406336a3f6647e4b590c18cdd6f8"}, {128, "516846cd40bd1fe431119c3b0a0f362957992ee8"},
      {1000, "38f3aa587f4aa04965a359f9151092759b3a4c2a"}};
  for (const auto& [n, digest] : vectors) {
    std::string bytes(n, '\0');
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>((i * 7) & 255);
    EXPECT_EQ(hex(midlc::sha1(bytes)), digest) << n;
    EXPECT_EQ(hex(midlc::sha1Portable(bytes)), digest) << n;
  }
}

// The SHA instructions' path (where the processor has them) and the plain one agree on every length up to
// several blocks and on a file-sized input.
TEST(Sha1, ProcessorPathMatchesPlainCode) {
  std::string bytes;
  uint32_t x = 12345;
  for (size_t n = 0; n <= 300; ++n) {
    EXPECT_EQ(midlc::sha1(bytes), midlc::sha1Portable(bytes)) << n;
    x = x * 1103515245 + 12345;
    bytes += static_cast<char>(x >> 16);
  }
  bytes.resize(1 << 20);
  for (char& c : bytes) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 16);
  }
  EXPECT_EQ(midlc::sha1(bytes), midlc::sha1Portable(bytes));
}

}  // namespace
