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

// MIDL's rules for pipes: elements are fixed-size values without pointers or unions; a pipe is a
// parameter (by value or [ref] pointer) of an RPC interface, never a result or a field.
TEST(Codegen, PipeElementsMustBeFixedSizeValuesWithoutPointers) {
  const std::string itf = "[uuid(11111111-2222-3333-4444-555555555555)]\ninterface I {\n";
  EXPECT_EQ(generateErrors("typedef struct { long n; long* p; } WithPointer;\n" + itf +
                           "  void F([in] pipe WithPointer data);\n}\n"),
            "test.idl:4:8: error: cannot generate parameter 'data' of operation 'F' of 'I': a pipe element "
            "cannot be or contain a pointer\n");
  EXPECT_EQ(generateErrors("typedef struct { long n; [size_is(n)] long a[]; } Conformant;\n" + itf +
                           "  void F([in] pipe Conformant data);\n}\n"),
            "test.idl:4:8: error: cannot generate parameter 'data' of operation 'F' of 'I': a pipe element "
            "cannot be or contain a conformant, varying or string array\n");
  EXPECT_EQ(generateErrors("typedef [switch_type(long)] union { [case(1)] long a; } U;\n" + itf +
                           "  void F([in] pipe U data);\n}\n"),
            "test.idl:4:8: error: cannot generate parameter 'data' of operation 'F' of 'I': a pipe element "
            "cannot be or contain a union\n");
}

TEST(Codegen, PipesArePassedByValueOrRefPointerInRpcInterfacesOnly) {
  const std::string itf = "[uuid(11111111-2222-3333-4444-555555555555)]\ninterface I {\n";
  EXPECT_EQ(generateErrors("typedef pipe long P;\n" + itf + "  void F([in, unique] P* data);\n}\n"),
            "test.idl:4:8: error: cannot generate parameter 'data' of operation 'F' of 'I': a pipe is passed "
            "by value or by [ref] pointer\n");
  EXPECT_EQ(generateErrors("typedef pipe long P;\n" + itf + "  P F(void);\n}\n"),
            "test.idl:4:5: error: cannot generate operation 'F' of 'I': an operation cannot return a pipe\n");
  EXPECT_EQ(generateErrors("import \"unknwn.idl\";\ntypedef pipe long P;\n"
                           "[object, uuid(11111111-2222-3333-4444-555555555555)]\n"
                           "interface I : IUnknown {\n  HRESULT F([in] P data);\n}\n"),
            "test.idl:5:11: error: cannot generate operation 'F' of 'I': pipes cannot be used in object "
            "interfaces\n");
  EXPECT_EQ(generateErrors("typedef pipe long P;\ntypedef struct { P p; } HasPipe;\n" + itf +
                           "  void F([in] HasPipe* h);\n}\n"),
            "test.idl:2:9: error: cannot generate marshaling code for field 'p' of 'HasPipe': a pipe can "
            "only be a parameter of an operation\n");
}

TEST(Codegen, InterfacePointersAreRefused) {
  EXPECT_EQ(generateErrors("import \"unknwn.idl\";\n[uuid(11111111-2222-3333-4444-555555555555)]\n"
                           "interface I {\n  void F([in] IUnknown* p);\n}\n"),
            "test.idl:4:8: error: cannot generate marshaling code for parameter 'p' of operation 'F' of 'I': "
            "interface pointers need MS-DCOM object references, which midlrt does not implement\n");
}
