// Front-end throughput on a large generated IDL file: MB/s of preprocessed input through parse + checks,
// beside midlc's lexer alone over the same text (the floor a parser built on it cannot beat), ANTLR's lexer
// and ANTLR's parser with the AST builder (where the direct parser declines a file); then the time code
// generation takes for the checked model (header, client and server files, kept in memory).
// Run: build/bench/frontend/midlc_frontend_bench [interfaces]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "IdlLexer.h"
#include "antlr4-runtime.h"
#include "codegen/generate.h"
#include "frontend/idl_lexer.h"
#include "frontend/parser.h"
#include "frontend/preprocessor.h"
#include "sema/analyze.h"

namespace {

std::string generate(int interfaces) {
  std::string idl = "import \"unknwn.idl\";\n";
  for (int i = 0; i < interfaces; ++i) {
    std::string n = std::to_string(i);
    idl += "typedef struct Rec" + n +
           " {\n  long id;\n  double x, y;\n  [string] wchar_t* name;\n"
           "  long count;\n  [size_is(count)] long* values;\n  [unique] struct Rec" +
           n + "* next;\n} Rec" + n + ";\n";
    idl += "typedef [v1_enum] enum Kind" + n + " { K" + n + "a = " + n + ", K" + n + "b, K" + n + "c = K" +
           n + "a << 2 } Kind" + n + ";\n";
    idl += "typedef union U" + n + " switch (long k) u { case 1: long l; case 2: double d; default: ; } U" +
           n + ";\n";
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "%08x-1234-5678-9abc-def012345678", i);
    idl += std::string("[object, uuid(") + uuid + "), pointer_default(unique)]\ninterface IBench" + n +
           " : IUnknown {\n";
    for (int m = 0; m < 10; ++m) {
      std::string mn = std::to_string(m);
      idl += "  HRESULT Method" + mn + "([in] long a, [in, string] const wchar_t* s, [in] Rec" + n +
             "* r, [in] long n, [in, size_is(n)] const byte* data, [out] U" + n + "* u, [out, retval] Kind" +
             n + "* k);\n";
    }
    idl += "}\n";
  }
  return idl;
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  int interfaces = argc > 1 ? std::atoi(argv[1]) : 2000;
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("midlc-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "big.idl") << generate(interfaces);

  midlc::FileCache files;
  midlc::Diagnostics diagnostics(&files);
  midlc::frontend::PreprocessOptions pp;
  pp.includeDirs.push_back(MIDLC_DEFAULT_IMPORT_DIR);
  auto big = midlc::frontend::preprocess((dir / "big.idl").string(), pp, files, diagnostics);
  auto base = midlc::frontend::preprocess(std::string(MIDLC_DEFAULT_IMPORT_DIR) + "/unknwn.idl", pp, files,
                                          diagnostics);
  auto types = midlc::frontend::preprocess(std::string(MIDLC_DEFAULT_IMPORT_DIR) + "/wtypes.idl", pp, files,
                                           diagnostics);
  if (!big || !base || !types) {
    std::fprintf(stderr, "%s", diagnostics.summary().c_str());
    return 1;
  }
  double mb = static_cast<double>(big->text().size()) / 1e6;
  std::printf("input: %d interfaces, %.2f MB preprocessed\n", interfaces, mb);

  // Floor: the lexer alone.
  auto lexStart = std::chrono::steady_clock::now();
  antlr4::ANTLRInputStream input(big->text());
  midlc::grammar::IdlLexer lexer(&input);
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  double lexTime = seconds(lexStart);
  std::printf("ANTLR's lexer alone:       %7.2f MB/s  (%zu tokens)\n", mb / lexTime, tokens.size());
  // As the parser stage lexes: records, no token objects. The best of three: the first pays for fresh pages.
  size_t lexedCount = 0;
  lexTime = 1e9;
  for (int run = 0; run < 3; ++run) {
    lexStart = std::chrono::steady_clock::now();
    midlc::frontend::IdlTokenSource handLexer(nullptr, big->text(),
                                              &lexer.getVocabulary());  // lex() reads the text
    std::vector<midlc::frontend::LexedToken> lexed;
    do lexed.push_back(handLexer.lex());
    while (lexed.back().type != antlr4::Token::EOF);
    lexTime = std::min(lexTime, seconds(lexStart));
    lexedCount = lexed.size();
  }
  std::printf("midlc's lexer alone:       %7.2f MB/s  (the floor; %zu tokens)\n", mb / lexTime, lexedCount);
  {
    auto start = std::chrono::steady_clock::now();
    auto file = midlc::frontend::parseIdl(*big, diagnostics, midlc::frontend::IdlParsers::AntlrOnly);
    std::printf("ANTLR's parser + builder:  %7.2f MB/s  (no checks; what the direct parser declines)\n",
                mb / seconds(start));
    if (!file) return 1;
  }

  for (int run = 0; run < 3; ++run) {
    auto start = std::chrono::steady_clock::now();
    auto typesFile = midlc::frontend::parseIdl(*types, diagnostics);
    auto baseFile = midlc::frontend::parseIdl(*base, diagnostics);
    auto file = midlc::frontend::parseIdl(*big, diagnostics);
    double parseTime = seconds(start);
    if (!file || !baseFile || !typesFile) {
      std::fprintf(stderr, "%s", diagnostics.summary().c_str());
      return 1;
    }
    auto semaStart = std::chrono::steady_clock::now();
    std::vector<midlc::sema::ParsedFile> parsed = {{&*typesFile, false}, {&*baseFile, false}, {&*file, true}};
    auto model = midlc::sema::analyze(parsed, nullptr, diagnostics);
    double semaTime = seconds(semaStart);
    if (!model) {
      std::fprintf(stderr, "%s", diagnostics.summary().c_str());
      return 1;
    }
    std::printf("%s parse + checks:  %7.2f MB/s  (parse %.3f s, checks %.3f s)\n",
                run == 0 ? "first" : "warm ", mb / (parseTime + semaTime), parseTime, semaTime);
    midlc::codegen::Options options;
    options.header = options.client = options.server = true;
    options.defaultImportDir = MIDLC_DEFAULT_IMPORT_DIR;
    midlc::codegen::MemorySink sink;
    auto genStart = std::chrono::steady_clock::now();
    if (!midlc::codegen::generate(*model, options, sink, diagnostics)) {
      std::fprintf(stderr, "%s", diagnostics.summary().c_str());
      return 1;
    }
    double genTime = seconds(genStart);
    size_t written = 0;
    for (const auto& [name, text] : sink.files) written += text.size();
    std::printf("      generate:        %7.3f s   (%.1f MB of C++)\n", genTime,
                static_cast<double>(written) / 1e6);
  }
  fs::remove_all(dir);
  return 0;
}
