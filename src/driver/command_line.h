// midlc's command line: its own options, MIDL's switches and widl's short forms, into driver::Options.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "driver/driver.h"

namespace midlc::driver {

struct CommandLine {
  std::optional<Options> options;  // what to run; empty: exit with exitStatus (--help, --version, an error)
  int exitStatus = 0;
  std::string out;  // for stdout: the help or the version
  std::string err;  // for stderr: what is wrong with the command line
};

// `args` is argv without the program name.
CommandLine parseCommandLine(const std::vector<std::string>& args);

}  // namespace midlc::driver
