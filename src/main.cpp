// midlc's command line: options in, driver out. Nothing else lives here.
#include <CLI/CLI.hpp>
#include <iostream>

#include "driver/driver.h"
#include "driver/idl_folder.h"
#include "frontend/preprocessor.h"
#include "support/diagnostics.h"

namespace {

std::string warningHelp() {
  std::string text =
      "Warnings (-W<name> enables, -Wno-<name> disables, -Werror/--Werror makes them errors):\n";
  for (const auto& w : midlc::knownWarnings())
    text += "  " + std::string(w.name) + std::string(24 - std::min<size_t>(22, w.name.size()), ' ') +
            std::string(w.description) + "\n";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  midlc::driver::Options options;
  // -W<name> and -Wno-<name> are gcc-style switches that CLI11 cannot declare one by one: take them first.
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-Werror" || arg == "--Werror") {
      options.warningsAreErrors = true;
    } else if (arg.rfind("-Wno-", 0) == 0) {
      options.disabledWarnings.push_back(arg.substr(5));
    } else if (arg.rfind("-W", 0) == 0 && arg.size() > 2 && arg[2] != '-') {
      // -W<name>: warnings are on by default; accepted for symmetry.
    } else {
      rest.push_back(arg);
    }
  }

  CLI::App app{
      "midlc: compiles Microsoft/DCE IDL (with its ACF) for the midlrt C++ runtime.\n"
      "Reads file.idl, its imports and file.acf, checks them, and writes the outputs asked for\n"
      "(without any, prints a summary of the model)."};
  app.set_version_flag("--version", std::string("midlc ") + MIDLC_VERSION);
  app.add_option("file", options.input, "The IDL file to compile")->required();
  app.add_option("--acf", options.acf, "The ACF file (default: the IDL file's name with .acf, if present)");
  app.add_option("-I,--include", options.preprocess.includeDirs,
                 "Add a folder to the include and import search path (repeatable)");
  app.add_option("-D,--define", options.preprocess.defines,
                 "Define a preprocessor macro: NAME or NAME=VALUE");
  app.add_option("-U,--undefine", options.preprocess.undefines, "Undefine a preprocessor macro");
  app.add_option("-o,--out-dir", options.outDir, "Folder for generated files (default: .)");
  app.add_flag(
      "--no-cpp", [&](int64_t) { options.preprocess.enabled = false; },
      "Do not run the C preprocessor (only #pragma lines may remain in the files)");
  app.add_option(
      "--cpp-cmd", options.preprocess.command,
      "The C preprocessor to run (default: cpp); it is given -E -x c -undef and the -I/-D/-U options");
  app.add_flag(
      "--no-default-imports", [&](int64_t) { options.defaultImports = false; },
      "Do not search midlc's own IDL folder (unknwn.idl, wtypes.idl, objidl.idl) for imports");
  app.add_flag("--dump-model", options.dumpModel, "Print the checked model of the main file as JSON");
  app.add_flag("--header", options.header,
               "Write <file>.h: the C++ mapping of the types, constants and the NDR marshaling code");
  app.add_flag("--client", options.client, "Write <file>_c.cpp: the client stubs of RPC interfaces");
  app.add_flag("--server", options.server,
               "Write <file>_s.cpp: the server stubs (dispatchers) of RPC interfaces");
  app.add_option("--depfile", options.depfile,
                 "Write a make-style dependency file listing the IDL, its imports and the ACF");
  app.add_option("--template-dir", options.templateDir,
                 "Read templates from this folder first (file names as in midlc's templates/cpp)");
  std::string macros;
  for (const auto& m : midlc::frontend::predefinedMacros()) macros += " " + m;
  midlc::driver::IdlFolder idl = midlc::driver::ownIdlFolder();
  app.footer("Predefined macros:" + macros +
             "\nmidlc's IDL folder: " + (idl.path.empty() ? "" : idl.path + " ") + "(" + idl.origin +
             "); MIDLC_IDL_DIR overrides it\n" + warningHelp());

  std::vector<std::string> reversed(rest.rbegin(), rest.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return midlc::driver::run(options, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // Stages report through Diagnostics; anything that still escapes is a midlc bug, reported cleanly.
    std::cerr << "midlc: internal error: " << e.what() << "\n";
    return 2;
  }
}
