// The rule that finds midlc's own IDL folder: MIDLC_IDL_DIR, then the installed layout beside the
// executable, then the source tree, but only for a midlc in its build tree.
#include "driver/idl_folder.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "scratch_folder.h"

namespace fs = std::filesystem;
using midlc::driver::findIdlFolder;

namespace {

class IdlFolderRule : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = midlc::testing::freshScratchFolder("idl-folder");
    fs::create_directories(root_ / "prefix" / "bin");
    fs::create_directories(root_ / "source" / "runtime" / "idl");
    fs::create_directories(root_ / "build" / "src");
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string path(const char* relative) const { return (root_ / relative).string(); }
  std::string sourceIdl() const { return path("source/runtime/idl"); }

  fs::path root_;
};

TEST_F(IdlFolderRule, InstalledLayoutBesideTheExecutable) {
  fs::create_directories(root_ / "prefix" / "share" / "midlc" / "idl");
  auto found = findIdlFolder(path("prefix/bin/midlc"), "", path("build"), sourceIdl());
  EXPECT_EQ(found.path, path("prefix/share/midlc/idl"));
}

TEST_F(IdlFolderRule, EnvironmentOverridesTheInstalledLayout) {
  fs::create_directories(root_ / "prefix" / "share" / "midlc" / "idl");
  auto found = findIdlFolder(path("prefix/bin/midlc"), "/elsewhere/idl", path("build"), sourceIdl());
  EXPECT_EQ(found.path, "/elsewhere/idl");
  EXPECT_NE(found.origin.find("MIDLC_IDL_DIR"), std::string::npos);
}

TEST_F(IdlFolderRule, BuildTreeMidlcUsesTheSourceTree) {
  EXPECT_EQ(findIdlFolder(path("build/src/midlc"), "", path("build"), sourceIdl()).path, sourceIdl());
}

TEST_F(IdlFolderRule, InstalledLayoutWinsOverTheSourceTreeInTheBuildTree) {
  fs::create_directories(root_ / "build" / "share" / "midlc" / "idl");
  fs::create_directories(root_ / "build" / "bin");
  EXPECT_EQ(findIdlFolder(path("build/bin/midlc"), "", path("build"), sourceIdl()).path,
            path("build/share/midlc/idl"));
}

TEST_F(IdlFolderRule, CopiedMidlcDoesNotReadTheSourceTree) {
  auto found = findIdlFolder(path("prefix/bin/midlc"), "", path("build"), sourceIdl());
  EXPECT_EQ(found.path, "");
  EXPECT_NE(found.origin.find("MIDLC_IDL_DIR"), std::string::npos) << found.origin;
}

TEST_F(IdlFolderRule, SiblingFolderWithTheBuildTreesNameAsPrefixIsNotTheBuildTree) {
  fs::create_directories(root_ / "build2");
  EXPECT_EQ(findIdlFolder(path("build2/midlc"), "", path("build"), sourceIdl()).path, "");
}

}  // namespace
