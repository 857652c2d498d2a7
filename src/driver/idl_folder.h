// Where midlc finds its own IDL files (unknwn.idl, wtypes.idl, objidl.idl), so an installed or moved midlc
// works.
#pragma once

#include <string>

namespace midlc::driver {

struct IdlFolder {
  std::string path;    // empty: none was found
  std::string origin;  // how it was found, as --help says it
};

// The rule: `override` ($MIDLC_IDL_DIR) if set; else <exe dir>/../share/midlc/idl, the installed layout;
// else, only for a midlc that lies in its build tree `buildDir`, the source tree's `sourceIdlDir`.
IdlFolder findIdlFolder(const std::string& exe, const std::string& override, const std::string& buildDir,
                        const std::string& sourceIdlDir);

// The rule for this process: /proc/self/exe, $MIDLC_IDL_DIR and the folders of the build midlc came from.
IdlFolder ownIdlFolder();

}  // namespace midlc::driver
