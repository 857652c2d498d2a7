// Test helper: an empty folder of its own for the running test, under the system's temporary folder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace midlc::testing {

inline std::filesystem::path freshScratchFolder(const std::string& what) {
  namespace fs = std::filesystem;
  fs::path dir =
      fs::temp_directory_path() / ("midlc-" + what + "-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace midlc::testing
