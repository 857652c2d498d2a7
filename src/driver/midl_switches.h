// MIDL's command-line switches (/out, /h, /W3, /env...): a table that turns each into midlc's own spelling,
// or into what midlc does instead.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace midlc::driver {

// What MIDL's switches amount to, for command_line.cpp to settle into driver::Options.
struct MidlSwitches {
  std::vector<std::string> args;       // every argument in midlc's own spelling (/out d -> --out-dir=d)
  std::optional<bool> client, server;  // /client stub|none, /server stub|none
  std::vector<std::string> warnings;   // for Options::switchWarnings
  std::string error;                   // the first switch that is wrong or unsupported
};

// Translates MIDL's switches in `args` (argv without the program name). A `/` spelling is a switch only
// when it is exactly one of MIDL's names, so /home/me/x.idl or /tmp/out/x.idl stays a file name; the `-`
// spelling is taken only where it clashes with none of midlc's or widl's options. After `--`, nothing is
// translated.
MidlSwitches translateMidlSwitches(const std::vector<std::string>& args);

// The table, for --help: each switch as spelled, and what it does.
std::vector<std::pair<std::string, std::string>> midlSwitchHelp();

// Why /prefix (KIND is client, server, switch or all) and widl's --prefix-* are refused.
extern const char* const kPrefixUnsupported;

}  // namespace midlc::driver
