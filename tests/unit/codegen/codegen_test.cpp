// Code generation refuses what it cannot marshal with one located error per construct, never a crash or
// silently wrong code.
#include <gtest/gtest.h>

#include "codegen/generate.h"
#include "support/compile_text.h"

namespace {

std::string generateErrors(const std::string& idl, const std::string& acf = {}) {
  auto compiled = midlc::testing::compileText(idl, acf);
  EXPECT_TRUE(compiled.ok()) << compiled.diagnostics;
  if (!compiled.ok()) return {};
  midlc::Diagnostics diagnostics;
  midlc::codegen::Options options;
  midlc::codegen::MemorySink sink;
  options.header = options.client = options.server = true;
  EXPECT_FALSE(midlc::codegen::generate(*compiled.model, options, sink, diagnostics));
  std::string out = diagnostics.summary();
  // Keep "test.idl:line:col: ..." only: the folder is a temporary one.
  std::string result;
  size_t pos = 0;
  while ((pos = out.find("test.idl:", pos)) != std::string::npos) {
    size_t end = out.find('\n', pos);
    result += out.substr(pos, end - pos + 1);
    pos = end;
  }
  return result;
}

}  // namespace

TEST(Codegen, AVoidPointerInAMarshaledStructIsRefusedOnceWithItsLocation) {
  EXPECT_EQ(
      generateErrors(
          "typedef struct Holder { long n; void* opaque; } Holder;\n"
          "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] Holder* h); }\n"),
      "test.idl:1:16: error: cannot generate marshaling code for field 'opaque' of 'Holder': void, handle_t "
      "and function pointers carry no data\n");
}

TEST(Codegen, PipesAreRefusedAtTheOperation) {
  EXPECT_EQ(generateErrors("[uuid(11111111-2222-3333-4444-555555555555)]\n"
                           "interface I {\n  void F([in] pipe long data);\n}\n"),
            "test.idl:3:8: error: cannot generate operation 'F' of 'I': pipes are not generated yet\n");
}

TEST(Codegen, InterfacePointersAreRefused) {
  EXPECT_EQ(generateErrors("import \"unknwn.idl\";\n[uuid(11111111-2222-3333-4444-555555555555)]\n"
                           "interface I {\n  void F([in] IUnknown* p);\n}\n"),
            "test.idl:4:8: error: cannot generate marshaling code for parameter 'p' of operation 'F' of 'I': "
            "interface pointers need MS-DCOM object references, which midlrt does not implement\n");
}
