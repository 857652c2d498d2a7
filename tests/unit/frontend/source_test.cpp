// support/source.h: the lines FileCache hands out (for diagnostics and for the columns of locations).
#include "support/source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

fs::path scratch() {
  fs::path dir =
      fs::temp_directory_path() / ("midlc-source-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST(FileCache, LinesAsGetlineReadsThemWithoutCarriageReturns) {
  const fs::path dir = scratch();
  write(dir / "a.idl", "first\r\n\nthird line\nlast, no newline");
  write(dir / "b.idl", "only\n");
  write(dir / "empty.idl", "");
  midlc::FileCache files;
  const std::string a = (dir / "a.idl").string(), b = (dir / "b.idl").string();
  EXPECT_EQ(files.line(a, 1), "first");
  EXPECT_EQ(files.line(a, 2), "");
  EXPECT_EQ(files.line(a, 3), "third line");
  EXPECT_EQ(files.line(a, 4), "last, no newline");
  EXPECT_EQ(files.line(a, 5), "");
  EXPECT_EQ(files.line(a, 0), "");
  EXPECT_EQ(files.line(b, 1), "only");
  EXPECT_EQ(files.line(b, 2), "");  // the newline ends line 1; no line 2
  EXPECT_EQ(files.line((dir / "empty.idl").string(), 1), "");
  EXPECT_EQ(files.line((dir / "missing.idl").string(), 1), "");
  fs::remove_all(dir);
}

TEST(FileCache, ALocationsFileNameFindsItsFileAsItsPathDoes) {
  const fs::path dir = scratch();
  write(dir / "a.idl", "a1\na2\n");
  write(dir / "b.idl", "b1\n");
  midlc::FileCache files;
  const midlc::FileName a((dir / "a.idl").string()), b((dir / "b.idl").string());
  const midlc::FileName otherA((dir / "a.idl").string());  // an equal name, its own copy
  EXPECT_FALSE(a.sharesCopyWith(otherA));
  EXPECT_EQ(files.line(a, 2), "a2");
  EXPECT_EQ(files.line(a, 1), "a1");  // the same copy again: found by address
  EXPECT_EQ(files.line(b, 1), "b1");  // another file after it
  EXPECT_EQ(files.line(a, 2), "a2");
  EXPECT_EQ(files.line(otherA, 1), "a1");
  EXPECT_EQ(files.line(midlc::FileName(), 1), "");
  EXPECT_EQ(files.line(b, 1), "b1");
  fs::remove_all(dir);
}

TEST(FileCache, ViewsStayValidAsMoreFilesAreRead) {
  const fs::path dir = scratch();
  midlc::FileCache files;
  write(dir / "short.idl", "x\n");  // short enough for a string's inline buffer
  const std::string_view first = files.line((dir / "short.idl").string(), 1);
  for (int i = 0; i < 200; ++i) {
    write(dir / (std::to_string(i) + ".idl"), "line " + std::to_string(i) + "\n");
    EXPECT_EQ(files.line((dir / (std::to_string(i) + ".idl")).string(), 1), "line " + std::to_string(i));
  }
  write(dir / "short.idl", "y\n");
  EXPECT_EQ(first, "x");
  EXPECT_EQ(files.line((dir / "short.idl").string(), 1), "x");  // read once: not read again
  fs::remove_all(dir);
}
