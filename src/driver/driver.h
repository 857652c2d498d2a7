// The driver: runs the stages for one IDL file (and its ACF and imports) and writes what was asked for.
#pragma once

#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "codegen/generate.h"
#include "frontend/preprocessor.h"
#include "sema/model.h"
#include "support/diagnostics.h"

namespace midlc::driver {

struct Options {
  std::string input;
  std::string acf;  // --acf; empty: <input basename>.acf beside the input, if it exists
  frontend::PreprocessOptions preprocess;
  std::vector<std::string> importDirs;  // where import "x.idl" looks after the importing file's folder
  bool cppQuote = true;                 // --no-cpp-quote: cpp_quote text is left out of the header
  bool defaultImports = true;  // also look in midlc's own IDL folder (unknwn.idl, wtypes.idl, objidl.idl)
  // --import: files imported before the main file's first line, as if it began with import "x";. For a C
  // header written to follow others (Windows' headers assume windows.h: d2dbasetypes.h uses UINT32).
  std::vector<std::string> preImports;
  std::string outDir = ".";
  bool dumpModel = false;
  bool header = false;      // --header: write <base>.h into outDir
  bool client = false;      // --client: <base>_c.cpp
  bool server = false;      // --server: <base>_s.cpp
  bool fuzz = false;        // --fuzz: <base>_fuzz.cpp, a libFuzzer target over the RPC stubs
  std::string templateDir;  // --template-dir
  std::string depfile;      // --depfile: a make-style list of every file read, for build systems
  // --header-name, --client-name, --server-name (MIDL's /h, /cstub, /sstub): other names for those files.
  std::string headerName, clientName, serverName;
  bool preprocessOnly = false;  // -E: print the preprocessed main file, and stop
  bool warningsAreErrors = false;
  std::vector<std::string> disabledWarnings;
  // What the command line has to say about MIDL switches it accepted; run() reports them as warnings
  // [-Wmidl-switch], so that -Werror and -Wno-midl-switch apply to them as to any other.
  std::vector<std::string> switchWarnings;
  // false (midlc's main): the syntax trees and the model are left to the operating system when the process
  // ends, rather than freed object by object (a tenth of a run over a large import tree; clang's
  // -disable-free). They stay reachable, so leak checkers do not report them.
  bool freeAtEnd = true;
};

// The ACF read when none is named: <basename>.acf beside the IDL file, its case ignored as on Windows
// (Hello.Acf beside hello.idl). The exact spelling wins over others that differ only in case; among
// those, the first in byte order. Empty if there is none.
std::string defaultAcfPath(const std::string& idlPath);

// Reads, preprocesses, parses and analyzes. Returns null after reporting errors. The files #included by the
// IDL files and the ACF are added to `included` if given (for --depfile).
std::unique_ptr<sema::Model> compile(const Options& options, FileCache& files, Diagnostics& diagnostics,
                                     std::set<std::string>* included = nullptr);

// The whole command: compile, then print the model (summary or --dump-model). Returns the exit status.
int run(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace midlc::driver
