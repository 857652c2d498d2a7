// The code-generation stage: the checked model in, generated C++ files out (through an OutputSink, so tests
// can keep them in memory). One plan of the file's interfaces, then one view per output file (and the
// asynchronous pass), rendered by the templates of templates/cpp.
#pragma once

#include <map>
#include <string>

#include "sema/model.h"
#include "support/diagnostics.h"

namespace midlc::codegen {

struct Options {
  bool header = false;           // <base>.h: types, constants, interfaces, NDR marshaling of the types
  bool client = false;           // <base>_c.cpp: client stubs of RPC interfaces
  bool server = false;           // <base>_s.cpp: server stubs (dispatchers) of RPC interfaces
  bool fuzz = false;             // <base>_fuzz.cpp: a libFuzzer target over the RPC interfaces' stubs
  std::string templateDir;       // --template-dir: overrides embedded templates by file name
  bool cppQuote = true;          // copy cpp_quote text into the header (--no-cpp-quote: leave it out)
  std::string baseName;          // output file names: <baseName>.h ...
  std::string defaultImportDir;  // imports found here are midlc's own IDL: #include <midlrt/idl/x.h>
  // Chosen file names (MIDL's /h, /cstub, /sstub); empty: <base>.h, <base>_c.cpp, <base>_s.cpp.
  std::string headerName, clientName, serverName;
  // false: the plan and the views are left to the end of the process, not freed (driver::Options::freeAtEnd).
  bool freeAtEnd = true;
};

// Where generated files go: a folder, or memory.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual bool write(const std::string& fileName, const std::string& text, Diagnostics& diagnostics) = 0;
};

class MemorySink : public OutputSink {
 public:
  bool write(const std::string& fileName, const std::string& text, Diagnostics&) override {
    files[fileName] = text;
    return true;
  }
  std::map<std::string, std::string> files;
};

class DirectorySink : public OutputSink {
 public:
  explicit DirectorySink(std::string dir) : dir_(std::move(dir)) {}
  bool write(const std::string& fileName, const std::string& text, Diagnostics& diagnostics) override;

 private:
  std::string dir_;
};

// Generates what `options` asks for. Returns false after reporting errors (a template that does not load or
// render, a file that cannot be written): the model has passed sema's remoting checks, so everything in it
// can be generated.
bool generate(const sema::Model& model, const Options& options, OutputSink& sink, Diagnostics& diagnostics);

}  // namespace midlc::codegen
