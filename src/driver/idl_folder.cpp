// Finds midlc's own IDL folder relative to the executable, as an installed compiler must.
#include "driver/idl_folder.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>

namespace midlc::driver {

namespace fs = std::filesystem;

namespace {

bool isInside(const fs::path& path, const fs::path& folder) {
  std::error_code ec;
  fs::path relative = fs::weakly_canonical(path, ec).lexically_relative(fs::weakly_canonical(folder, ec));
  return !relative.empty() && *relative.begin() != "..";
}

}  // namespace

IdlFolder findIdlFolder(const std::string& exe, const std::string& override, const std::string& buildDir,
                        const std::string& sourceIdlDir) {
  if (!override.empty()) return {override, "from MIDLC_IDL_DIR"};
  std::error_code ec;
  if (!exe.empty()) {
    fs::path installed = fs::path(exe).parent_path().parent_path() / "share" / "midlc" / "idl";
    if (fs::is_directory(installed, ec))
      return {installed.lexically_normal().string(), "installed beside midlc"};
    // The source tree is only trusted from the build tree: a copied midlc must not read a stale checkout.
    if (!buildDir.empty() && isInside(exe, buildDir) && fs::is_directory(sourceIdlDir, ec))
      return {sourceIdlDir, "the source tree midlc was built from"};
  }
  return {{}, "none found: install midlc, or set MIDLC_IDL_DIR"};
}

IdlFolder ownIdlFolder() {
  std::string exe;
  char buffer[PATH_MAX];
  if (ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1); n > 0) exe.assign(buffer, size_t(n));
  const char* override = std::getenv("MIDLC_IDL_DIR");
  return findIdlFolder(exe, override ? override : "", MIDLC_BUILD_DIR, MIDLC_DEFAULT_IMPORT_DIR);
}

}  // namespace midlc::driver
