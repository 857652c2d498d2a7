// libFuzzer target for midlc's front end: bytes taken as preprocessed IDL text (and, after a NUL byte, an
// ACF) go through the parser, sema and the code generator into memory. Any crash, sanitizer report,
// uncaught exception or hang is a bug: every input must end in a model or in diagnostics. Where the direct
// parser takes the IDL text, ANTLR's parser and the AST builder must take it silently into the same tree, or
// the target traps.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codegen/generate.h"
#include "frontend/ast_serializer.h"
#include "frontend/parser.h"
#include "sema/analyze.h"
#include "support/diagnostics.h"
#include "support/source.h"

namespace {

// midlc's own IDL files (unknwn.idl and what it imports), parsed once and analyzed before every input, so
// inputs that use IUnknown, HRESULT or an object interface reach the COM paths.
struct OwnIdl {
  std::vector<std::unique_ptr<midlc::ast::File>> files;

  OwnIdl() {
    for (const char* name : {"wtypes.idl", "unknwn.idl", "objidl.idl"}) {
      std::string path = std::string(MIDLC_DEFAULT_IMPORT_DIR) + "/" + name, text;
      if (!midlc::readFile(path, text)) continue;
      midlc::Diagnostics diagnostics;
      if (auto file = midlc::frontend::parseIdl(midlc::SourceText(path, text), diagnostics))
        files.push_back(std::make_unique<midlc::ast::File>(std::move(*file)));
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const OwnIdl own;
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string idlText = input, acfText;
  bool hasAcf = false;
  if (size_t nul = input.find('\0'); nul != std::string::npos) {
    idlText = input.substr(0, nul);
    acfText = input.substr(nul + 1);
    hasAcf = true;
  }

  midlc::Diagnostics diagnostics;
  midlc::SourceText idlSource("fuzz.idl", idlText);
  std::optional<midlc::ast::File> idl =
      midlc::frontend::parseIdl(idlSource, diagnostics, midlc::frontend::IdlParsers::DirectOnly);
  if (idl) {
    midlc::Diagnostics antlrDiagnostics;
    auto antlr =
        midlc::frontend::parseIdl(idlSource, antlrDiagnostics, midlc::frontend::IdlParsers::AntlrOnly);
    if (!antlr || antlrDiagnostics.hasErrors() ||
        midlc::frontend::serializeAst(*antlr) != midlc::frontend::serializeAst(*idl))
      __builtin_trap();
  } else {
    idl = midlc::frontend::parseIdl(idlSource, diagnostics);
  }
  if (!idl) return 0;
  std::optional<midlc::ast::AcfFile> acf;
  if (hasAcf) {
    midlc::SourceText acfSource("fuzz.acf", acfText);
    acf = midlc::frontend::parseAcf(acfSource, diagnostics);
    if (!acf) return 0;
  }

  std::vector<midlc::sema::ParsedFile> files;
  for (const auto& file : own.files) files.push_back({file.get(), false});
  files.push_back({&*idl, true});
  std::unique_ptr<midlc::sema::Model> model =
      midlc::sema::analyze(files, acf ? &*acf : nullptr, diagnostics, midlc::sema::Stubs::Required);
  if (!model || diagnostics.hasErrors()) return 0;

  midlc::codegen::Options options;
  options.header = options.client = options.server = true;
  options.baseName = "fuzz";
  midlc::codegen::MemorySink sink;
  midlc::codegen::generate(*model, options, sink, diagnostics);
  return 0;
}
