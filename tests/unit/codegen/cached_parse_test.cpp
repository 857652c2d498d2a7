// --cache-dir keeps each file's AST (frontend/ast_serializer.h): every golden case compiled from ASTs read
// back from the cache gives the same model and the same generated files as compiled from its source, and a
// damaged AST is refused, never trusted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "codegen/generate.h"
#include "driver/driver.h"
#include "driver/idl_folder.h"
#include "frontend/ast_serializer.h"
#include "frontend/parser.h"
#include "sema/json_dump.h"

namespace fs = std::filesystem;

namespace {

const fs::path kGolden = fs::path(MIDLC_TESTS_DIR) / "golden";

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kGolden))
    if (e.is_directory() && fs::exists(e.path() / (e.path().filename().string() + ".idl")))
      out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The model's JSON and every generated file, of one compile of the case.
std::map<std::string, std::string> compileCase(const std::string& name, const std::string& cacheDir) {
  midlc::driver::Options options;
  options.input = (kGolden / name / (name + ".idl")).string();
  options.preprocess.cacheDir = cacheDir;
  // The case's own options (golden_test.cpp reads them): -D, -U and -I only matter to the comparison.
  midlc::FileCache files;
  midlc::Diagnostics diagnostics(&files);
  auto model = midlc::driver::compile(options, files, diagnostics);
  std::map<std::string, std::string> out;
  if (!model) {
    out["errors"] = diagnostics.summary();
    return out;
  }
  out["model.json"] = midlc::sema::dumpModel(*model);
  midlc::codegen::Options gen;
  gen.header = gen.client = gen.server = gen.fuzz = true;
  gen.defaultImportDir = midlc::driver::ownIdlFolder().path;
  midlc::codegen::MemorySink sink;
  if (!midlc::codegen::generate(*model, gen, sink, diagnostics)) out["errors"] = diagnostics.summary();
  for (auto& [file, text] : sink.files) out[file] = text;
  out["diagnostics"] = diagnostics.summary();
  return out;
}

class CachedParse : public ::testing::TestWithParam<std::string> {};

TEST_P(CachedParse, ACaseCompiledFromCachedAstsIsTheCaseCompiledFromSource) {
  const fs::path cache = fs::temp_directory_path() / ("midlc-cached-parse-" + std::to_string(::getpid()));
  fs::remove_all(cache);
  const auto fromSource = compileCase(GetParam(), "");
  const auto cold = compileCase(GetParam(), cache.string());
  const auto warm = compileCase(GetParam(), cache.string());  // every file's AST from the cache
  size_t withAst = 0;
  for (const auto& e : fs::directory_iterator(cache)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("\nast ") != std::string::npos) ++withAst;
  }
  fs::remove_all(cache);
  EXPECT_GT(withAst, 0u) << "no AST was kept";
  ASSERT_EQ(cold.size(), fromSource.size());
  ASSERT_EQ(warm.size(), fromSource.size());
  for (const auto& [file, text] : fromSource) {
    EXPECT_EQ(cold.at(file), text) << file;
    EXPECT_EQ(warm.at(file), text) << file;
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, CachedParse, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The diagnostics cases: their messages (locations included) are the same from cached ASTs.
std::vector<std::string> diagnosticsCases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(MIDLC_TESTS_DIR) / "diagnostics"))
    if (e.path().extension() == ".idl") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string diagnose(const std::string& name, const std::string& cacheDir) {
  midlc::driver::Options options;
  options.input = (fs::path(MIDLC_TESTS_DIR) / "diagnostics" / (name + ".idl")).string();
  options.preprocess.cacheDir = cacheDir;
  midlc::FileCache files;
  midlc::Diagnostics diagnostics(&files);
  midlc::driver::compile(options, files, diagnostics);
  return diagnostics.summary();
}

class CachedDiagnostics : public ::testing::TestWithParam<std::string> {};

TEST_P(CachedDiagnostics, AreTheSameFromCachedAsts) {
  const fs::path cache = fs::temp_directory_path() / ("midlc-cached-diag-" + std::to_string(::getpid()));
  fs::remove_all(cache);
  const std::string fromSource = diagnose(GetParam(), "");
  EXPECT_EQ(diagnose(GetParam(), cache.string()), fromSource);
  EXPECT_EQ(diagnose(GetParam(), cache.string()), fromSource);
  fs::remove_all(cache);
}

INSTANTIATE_TEST_SUITE_P(Cases, CachedDiagnostics, ::testing::ValuesIn(diagnosticsCases()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// An AST of every kind of node the golden cases have, serialized.
std::string someAst() {
  const fs::path idl = kGolden / "com_async" / "com_async.idl";
  midlc::FileCache files;
  midlc::Diagnostics diagnostics(&files);
  midlc::frontend::PreprocessOptions pp;
  pp.includeDirs = {idl.parent_path().string(), midlc::driver::ownIdlFolder().path};
  auto source = midlc::frontend::preprocess(idl.string(), pp, files, diagnostics);
  EXPECT_TRUE(source);
  auto file = midlc::frontend::parseIdl(*source, diagnostics);
  EXPECT_TRUE(file);
  return midlc::frontend::serializeAst(*file);
}

TEST(AstSerializer, ReadsBackWhatItWroteAndNothingDamaged) {
  const std::string bytes = someAst();
  auto back = midlc::frontend::deserializeAst(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(midlc::frontend::serializeAst(*back), bytes);
  // Every truncation is refused.
  for (size_t n = 0; n < bytes.size(); n += 1 + n / 64)
    EXPECT_FALSE(midlc::frontend::deserializeAst(std::string_view(bytes).substr(0, n))) << n;
  EXPECT_FALSE(midlc::frontend::deserializeAst(bytes + "x"));
  // Changed bytes are read without crashing (an entry is also checked by SHA-1 before it is read).
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    (void)midlc::frontend::deserializeAst(damaged);
  }
}

TEST(AstSerializer, NestingDeeperThanTheReaderAllowsIsRefused) {
  // An expression 5,000 levels deep (the parser stops at 200): written, but not read back.
  midlc::ast::File file;
  midlc::ast::Const c;
  c.value = std::make_unique<midlc::ast::Expr>();
  midlc::ast::Expr* e = c.value.get();
  for (int i = 0; i < 5000; ++i) {
    e->kind = midlc::ast::Expr::Kind::Unary;
    e->operands.push_back(std::make_unique<midlc::ast::Expr>());
    e = e->operands.back().get();
  }
  file.definitions.emplace_back(std::move(c));
  EXPECT_FALSE(midlc::frontend::deserializeAst(midlc::frontend::serializeAst(file)));
  // The same 100 levels deep reads back.
  midlc::ast::File shallow;
  midlc::ast::Const d;
  d.value = std::make_unique<midlc::ast::Expr>();
  e = d.value.get();
  for (int i = 0; i < 100; ++i) {
    e->operands.push_back(std::make_unique<midlc::ast::Expr>());
    e = e->operands.back().get();
  }
  shallow.definitions.emplace_back(std::move(d));
  EXPECT_TRUE(midlc::frontend::deserializeAst(midlc::frontend::serializeAst(shallow)));
}

}  // namespace
