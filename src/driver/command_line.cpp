// The command line: MIDL's switches are translated first (midl_switches.cpp), then the gcc-style -W
// switches are taken in order, then CLI11 reads midlc's own options; last, what to write is settled.
#include "driver/command_line.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <set>
#include <sstream>

#include "driver/idl_folder.h"
#include "driver/midl_switches.h"
#include "frontend/preprocessor.h"
#include "support/diagnostics.h"

namespace midlc::driver {

namespace {

CommandLine failure(const std::string& message) {
  CommandLine result;
  result.exitStatus = 1;
  result.err = "midlc: error: " + message + "\nRun midlc --help for more information.\n";
  return result;
}

bool isKnownWarning(const std::string& name) {
  for (const auto& w : knownWarnings())
    if (w.name == name) return true;
  return false;
}

// -W<name>, -Wno-<name>, -Werror: gcc-style switches that CLI11 cannot declare one by one. They are taken
// in order, so that a later one wins (/W1 -Wpragma: level 1 and the pragma warning).
std::string takeWarningSwitches(std::vector<std::string>& args, Options& options) {
  std::set<std::string> disabled;
  std::vector<std::string> rest;
  for (auto arg = args.begin(); arg != args.end(); ++arg) {
    if (*arg == "--") {
      rest.insert(rest.end(), arg, args.end());
      break;
    }
    if (*arg == "-Werror" || *arg == "--Werror") {
      options.warningsAreErrors = true;
      continue;
    }
    bool off = arg->rfind("-Wno-", 0) == 0;
    if (!off && (arg->rfind("-W", 0) != 0 || arg->size() == 2)) {
      rest.push_back(*arg);
      continue;
    }
    std::string name = arg->substr(off ? 5 : 2);
    if (!isKnownWarning(name)) {
      std::string known;
      for (const auto& w : knownWarnings()) known += (known.empty() ? "" : ", ") + std::string(w.name);
      bool level = name.size() == 1 && std::isdigit(static_cast<unsigned char>(name[0]));
      return "unknown warning option '" + *arg + "'" + (level ? " (MIDL's levels are /W0 to /W4)" : "") +
             "; midlc's warnings are " + known;
    }
    if (off)
      disabled.insert(name);
    else
      disabled.erase(name);
  }
  options.disabledWarnings.assign(disabled.begin(), disabled.end());
  args = std::move(rest);
  return {};
}

// MIDL and widl write every file unless told otherwise. midlc does too when it is told where to write or
// under which name but not which files; told nothing about output, it prints a summary of the model.
std::string chooseOutputs(Options& options, const MidlSwitches& midl, bool outDirGiven) {
  bool chosen = options.header || options.client || options.server || options.fuzz;
  bool told = outDirGiven || !options.headerName.empty() || !options.clientName.empty() ||
              !options.serverName.empty() || midl.client || midl.server;
  if (!chosen && told) options.header = options.client = options.server = true;
  if (midl.client) options.client = *midl.client;
  if (midl.server) options.server = *midl.server;
  // A name for a file that is not written would change nothing: say so rather than ignore it.
  const std::tuple<bool, const std::string&, const char*, const char*> files[] = {
      {options.header, options.headerName, "--header-name (/h)", "add --header"},
      {options.client, options.clientName, "--client-name (/cstub)", "add --client, or drop /client none"},
      {options.server, options.serverName, "--server-name (/sstub)", "add --server, or drop /server none"},
  };
  for (const auto& [written, name, option, remedy] : files)
    if (!written && !name.empty())
      return std::string(option) + " " + name + " names a file that is not written: " + remedy;
  return {};
}

// "  left    right", the right column wrapped at word boundaries so that --help reads in 110 columns.
std::string helpRow(const std::string& left, const std::string& right) {
  constexpr size_t kIndent = 30, kWidth = 110;
  std::string line = "  " + left, text;
  line.resize(std::max(line.size() + 1, kIndent), ' ');
  std::istringstream words(right);
  for (std::string word; words >> word;) {
    if (line.size() + word.size() > kWidth && line.size() > kIndent) {
      text += line + "\n";
      line = std::string(kIndent, ' ');
    }
    line += (line.size() > kIndent && line.back() != ' ' ? " " : "") + word;
  }
  return text + line + "\n";
}

std::string warningHelp() {
  std::string text =
      "Warnings: -W<name> turns one on, -Wno-<name> off, -Werror (--Werror, /WX) makes them errors;\n"
      "/W<n> keeps those of level n and below. All are on by default.\n";
  for (const auto& w : knownWarnings())
    text +=
        helpRow(std::string(w.name), "level " + std::to_string(w.level) + ": " + std::string(w.description));
  return text;
}

// Without a last newline: CLI11 ends the footer with one.
std::string footer() {
  std::string macros;
  for (const auto& m : frontend::predefinedMacros()) macros += " " + m;
  IdlFolder idl = ownIdlFolder();
  std::string midlHelp;
  for (const auto& [left, right] : midlSwitchHelp()) midlHelp += helpRow(left, right);
  return "What is written: --header, --client, --server (and --fuzz) choose files. Without them, midlc "
         "writes the\n"
         "first three when told where or under which name (-o, a --*-name, MIDL's /out, /h, /cstub, /sstub,\n"
         "/client, /server), as MIDL and widl do; told nothing about output, it prints a summary of the "
         "model.\n"
         "\n"
         "MIDL's switches (a /name is a switch only when it is exactly one of these, so /home/me/x.idl\n"
         "stays a file; -name is accepted where shown, where it clashes with nothing):\n" +
         midlHelp +
         "\n"
         "widl's spellings: -o, -I, -D, -E, --prefix-client/-server/-all as above. Where they clash:\n"
         "  -h is help here; widl's -h (write a header) is --header, MIDL's /h FILE names it "
         "(--header-name).\n"
         "  -o names a folder here, as MIDL's /out; widl's -o names an output file (see --header-name).\n"
         "\n" +
         warningHelp() + "\nPredefined macros:" + macros +
         "\nmidlc's IDL folder: " + (idl.path.empty() ? "" : idl.path + " ") + "(" + idl.origin +
         "); MIDLC_IDL_DIR overrides it, --no-default-imports leaves it out";
}

}  // namespace

CommandLine parseCommandLine(const std::vector<std::string>& args) {
  MidlSwitches midl = translateMidlSwitches(args);
  if (!midl.error.empty()) return failure(midl.error);
  Options options;
  std::vector<std::string> rest = midl.args;
  if (std::string error = takeWarningSwitches(rest, options); !error.empty()) return failure(error);

  CLI::App app{
      "midlc: compiles Microsoft/DCE IDL (with its ACF) for the midlrt C++ runtime.\n"
      "Reads file.idl, its imports and file.acf, checks them, and writes the outputs asked for."};
  app.name("midlc");
  app.set_help_flag("-h,--help", "Print this help and exit (widl's -h, write a header, is --header here)");
  app.set_version_flag("--version", std::string("midlc ") + MIDLC_VERSION);
  app.add_option("file", options.input, "The IDL file to compile")->required();
  app.add_option("--acf", options.acf, "The ACF file (default: the IDL file's name with .acf, if present)");
  app.add_option("-I,--include", options.preprocess.includeDirs,
                 "Add a folder to the include and import search path (repeatable)");
  app.add_option("-D,--define", options.preprocess.defines,
                 "Define a preprocessor macro: NAME or NAME=VALUE");
  app.add_option("-U,--undefine", options.preprocess.undefines, "Undefine a preprocessor macro");
  CLI::Option* outDir =
      app.add_option("-o,--out-dir", options.outDir, "Folder for generated files (default: .)");
  app.add_flag(
      "--no-cpp", [&](int64_t) { options.preprocess.enabled = false; },
      "Do not run the C preprocessor (only #pragma lines may remain in the files)");
  app.add_option(
      "--cpp-cmd", options.preprocess.command,
      "An external C preprocessor instead of midlc's own (cpp, \"clang -E\"); it is given -E -x c -undef "
      "and the -I/-D/-U options");
  app.add_option("--cache-dir", options.preprocess.cacheDir,
                 "Keep each file's preprocessed text and syntax tree in this folder, and use them again while "
                 "the file, what it includes, the options, the preprocessor and midlc are unchanged (default: "
                 "$MIDLC_CACHE_DIR; none if unset). Safe to share between parallel runs")
      ->type_name("DIR")
      ->envname("MIDLC_CACHE_DIR");
  app.add_flag("-E,--preprocess-only", options.preprocessOnly,
               "Print the IDL file as the preprocessor leaves it, and stop (as widl -E)");
  app.add_option("--import", options.preImports,
                 "Import a file before the main file, as if it began with import \"FILE\"; (repeatable): "
                 "for a C header that uses types its includer declares, such as DWORD from wtypes.idl")
      ->type_name("FILE");
  app.add_flag(
      "--no-default-imports", [&](int64_t) { options.defaultImports = false; },
      "Do not search midlc's own IDL folder (unknwn.idl, wtypes.idl, objidl.idl) for imports");
  app.add_flag(
      "--no-cpp-quote", [&](int64_t) { options.cppQuote = false; },
      "Leave cpp_quote text out of the header: for IDL written against Windows' C headers (Wine's and the "
      "SDK's base files hide IDL declarations behind cpp_quote(\"#if 0\") and expect windows.h)");
  app.add_flag("--dump-model", options.dumpModel, "Print the checked model of the main file as JSON");
  app.add_flag("--header", options.header,
               "Write <file>.h: the C++ mapping of the types, constants and the NDR marshaling code");
  app.add_flag("--client", options.client, "Write <file>_c.cpp: the client stubs of RPC interfaces");
  app.add_flag("--server", options.server,
               "Write <file>_s.cpp: the server stubs (dispatchers) of RPC interfaces");
  app.add_flag(
      "--fuzz", options.fuzz,
      "Write <file>_fuzz.cpp: a libFuzzer target that feeds arbitrary request stub data to every "
      "operation's server stub, arbitrary reply stub data to its client function or proxy, and arbitrary NDR "
      "to every struct and union (build it with the header and both stub files, -fsanitize=fuzzer and "
      "midlrt)");
  app.add_option("--header-name", options.headerName,
                 "Name the header (default <file>.h; relative to the output folder); client and server "
                 "files #include it by this name");
  app.add_option("--client-name", options.clientName, "Name the client file (default <file>_c.cpp)");
  app.add_option("--server-name", options.serverName, "Name the server file (default <file>_s.cpp)");
  std::string prefixOption;
  for (const char* name : {"--prefix-client", "--prefix-server", "--prefix-all"})
    app.add_option_function<std::string>(
           name, [&prefixOption, name](const std::string&) { prefixOption = name; },
           "widl's stub name prefixes: an error, as MIDL's /prefix")
        ->group("widl's spellings");
  app.add_option("--depfile", options.depfile,
                 "Write a make-style dependency file listing the IDL, its imports and the ACF");
  app.add_option("--template-dir", options.templateDir,
                 "Read templates from this folder first (file names as in midlc's templates/cpp)");
  // Made only for --help: building it formats every switch's help, a fifth of what a run spends before its
  // file.
  app.footer(footer);

  std::vector<std::string> reversed(rest.rbegin(), rest.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) return failure(e.what());
    CommandLine result;  // --help or --version
    std::ostringstream out, err;
    result.exitStatus = app.exit(e, out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
  }
  if (!prefixOption.empty()) return failure(prefixOption + " is not supported: " + kPrefixUnsupported);
  if (std::string error = chooseOutputs(options, midl, outDir->count() > 0); !error.empty())
    return failure(error);
  options.switchWarnings = midl.warnings;
  CommandLine result;
  result.options = std::move(options);
  return result;
}

}  // namespace midlc::driver
