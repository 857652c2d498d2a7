// What the driver does with the command line's choices: chosen file names (and the #include that follows
// them), the depfile's target, -E, and the warnings about MIDL switches.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "driver/driver.h"
#include "scratch_folder.h"

namespace fs = std::filesystem;

namespace {

const char* const kIdl = R"(#define TWO 2
[uuid(6b29fc40-ca47-1067-b31d-00dd010662da), version(1.0)]
interface Calc {
  const long kTwo = TWO;
  long Add([in] long a, [in] long b);
}
)";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class DriverRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = midlc::testing::freshScratchFolder("driver");
    std::ofstream(dir_ / "calc.idl") << kIdl;
    options_.input = (dir_ / "calc.idl").string();
    options_.outDir = (dir_ / "gen").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  int run() { return midlc::driver::run(options_, out_, err_); }

  fs::path dir_;
  midlc::driver::Options options_;
  std::ostringstream out_, err_;
};

TEST_F(DriverRun, ChosenNamesAreWrittenAndTheStubsIncludeTheChosenHeader) {
  options_.header = options_.client = options_.server = true;
  options_.headerName = "calc_h.h";
  options_.clientName = "calc_client.cpp";
  options_.serverName = "calc_server.cpp";
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_TRUE(fs::exists(dir_ / "gen" / "calc_h.h"));
  EXPECT_FALSE(fs::exists(dir_ / "gen" / "calc.h"));
  EXPECT_NE(slurp(dir_ / "gen" / "calc_client.cpp").find("#include \"calc_h.h\""), std::string::npos);
  EXPECT_NE(slurp(dir_ / "gen" / "calc_server.cpp").find("#include \"calc_h.h\""), std::string::npos);
}

TEST_F(DriverRun, DefaultNamesFollowTheIdlFile) {
  options_.header = options_.client = options_.server = true;
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_TRUE(fs::exists(dir_ / "gen" / "calc.h"));
  EXPECT_NE(slurp(dir_ / "gen" / "calc_c.cpp").find("#include \"calc.h\""), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "gen" / "calc_s.cpp"));
}

TEST_F(DriverRun, FuzzWritesOnlyTheFuzzTargetBesideWhatElseIsChosen) {
  options_.fuzz = true;
  ASSERT_EQ(run(), 0) << err_.str();
  const std::string fuzz = slurp(dir_ / "gen" / "calc_fuzz.cpp");
  EXPECT_NE(fuzz.find("extern \"C\" int LLVMFuzzerTestOneInput"), std::string::npos) << fuzz;
  EXPECT_NE(fuzz.find("#include \"calc.h\""), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "gen" / "calc.h"));
  EXPECT_EQ(out_.str(), "");  // a file was written: no summary
}

TEST_F(DriverRun, DepfileTargetIsTheChosenHeader) {
  options_.header = true;
  options_.headerName = "calc_h.h";
  options_.depfile = (dir_ / "calc.d").string();
  ASSERT_EQ(run(), 0) << err_.str();
  EXPECT_EQ(slurp(dir_ / "calc.d").rfind((dir_ / "gen" / "calc_h.h").string() + ":", 0), 0u)
      << slurp(dir_ / "calc.d");
}

// A header the IDL or the ACF #includes (at any depth) is a dependency as the IDL files are: editing it
// regenerates. With an external preprocessor too, and from the cache.
TEST_F(DriverRun, DepfileListsIncludedHeaders) {
  fs::create_directories(dir_ / "inc");
  std::ofstream(dir_ / "inc" / "outer.h") << "#include \"inner.h\"\n";
  std::ofstream(dir_ / "inc" / "inner.h") << "#define THREE 3\n";
  std::ofstream(dir_ / "inc" / "acf.h") << "\n";
  std::ofstream(dir_ / "calc.idl") << "#include <outer.h>\n" << kIdl;
  std::ofstream(dir_ / "calc.acf") << "#include <acf.h>\ninterface Calc {}\n";
  options_.preprocess.includeDirs = {(dir_ / "inc").string()};
  options_.header = true;
  options_.depfile = (dir_ / "calc.d").string();
  const std::string cacheDir = (dir_ / "cache").string();
  for (const std::string cpp : {"", "cpp"}) {
    for (const std::string& cache : std::vector<std::string>{"", cacheDir, cacheDir}) {
      options_.preprocess.command = cpp;
      options_.preprocess.cacheDir = cache;
      ASSERT_EQ(run(), 0) << err_.str();
      const std::string deps = slurp(dir_ / "calc.d");
      for (const char* header : {"outer.h", "inner.h", "acf.h"})
        EXPECT_NE(deps.find((dir_ / "inc" / header).string()), std::string::npos)
            << header << " with '" << cpp << "', cache '" << cache << "':\n"
            << deps;
      EXPECT_NE(deps.find((dir_ / "calc.acf").string()), std::string::npos) << deps;
    }
  }
}

TEST_F(DriverRun, PreprocessOnlyPrintsTheExpandedIdlAndWritesNothing) {
  options_.preprocessOnly = true;
  options_.header = true;
  ASSERT_EQ(run(), 0) << err_.str();
  // The tokens after a macro keep their columns (`;` where it was written, after TWO).
  EXPECT_NE(out_.str().find("const long kTwo = 2  ;"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find("#define"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "gen"));
}

TEST_F(DriverRun, SwitchWarningsAreReportedAsWarnings) {
  options_.switchWarnings = {"/tlb x.tlb is ignored: midlc writes no type library"};
  ASSERT_EQ(run(), 0);
  EXPECT_NE(
      err_.str().find("midlc: warning: /tlb x.tlb is ignored: midlc writes no type library [-Wmidl-switch]"),
      std::string::npos)
      << err_.str();
}

TEST_F(DriverRun, SwitchWarningsObeyWerror) {
  options_.switchWarnings = {"/tlb x.tlb is ignored"};
  options_.warningsAreErrors = true;
  EXPECT_EQ(run(), 1);
  EXPECT_NE(err_.str().find("error: /tlb x.tlb is ignored [-Werror=midl-switch]"), std::string::npos);
}

TEST_F(DriverRun, SwitchWarningsObeyWno) {
  options_.switchWarnings = {"/tlb x.tlb is ignored"};
  options_.disabledWarnings = {"midl-switch"};
  ASSERT_EQ(run(), 0);
  EXPECT_EQ(err_.str(), "");
}

TEST_F(DriverRun, DefaultAcfIsFoundWhateverItsCase) {
  std::ofstream(dir_ / "Calc.Acf") << "[implicit_handle(handle_t hCalc)] interface Calc { }\n";
  midlc::FileCache files;
  midlc::Diagnostics diagnostics(&files);
  auto model = midlc::driver::compile(options_, files, diagnostics);
  ASSERT_NE(model, nullptr) << diagnostics.summary();
  EXPECT_EQ(fs::path(model->acfPath).filename(), "Calc.Acf");
  const auto* calc = static_cast<const midlc::sema::InterfaceDecl*>(model->find("Calc"));
  EXPECT_EQ(calc->handleKind, midlc::sema::HandleKind::Implicit);
  EXPECT_EQ(calc->implicitHandleName, "hCalc");
}

TEST_F(DriverRun, DefaultAcfPrefersTheExactName) {
  for (const char* name : {"CALC.ACF", "calc.acf", "Calc.acf"}) std::ofstream(dir_ / name) << "\n";
  EXPECT_EQ(midlc::driver::defaultAcfPath(options_.input), (dir_ / "calc.acf").string());
  fs::remove(dir_ / "calc.acf");
  // Without it, the first of the others in byte order: the choice does not depend on the folder's order.
  EXPECT_EQ(midlc::driver::defaultAcfPath(options_.input), (dir_ / "CALC.ACF").string());
  for (const char* name : {"CALC.ACF", "Calc.acf"}) fs::remove(dir_ / name);
  EXPECT_EQ(midlc::driver::defaultAcfPath(options_.input), "");
}

}  // namespace

// Wine's and the SDK's IDL in small: an interface whose method passes a fixed-size varying array (not
// generated as a parameter yet), an RPC interface passing a void pointer, cpp_quote text written for
// windows.h, and a widl directive.
const char* const kRealIdl = R"(import "unknwn.idl";
#pragma winrt ns_prefix
cpp_quote("#if 0")
typedef unsigned char BYTE;
cpp_quote("#endif")
typedef enum { CTX_LOW = 1, CTX_HIGH = 0x80000000 } CTX;
typedef union { long l; float f; } NUMBER;
[object, uuid(6b29fc40-ca47-1067-b31d-00dd010662db)]
interface IMaker : IUnknown {
  HRESULT Make([in] long n, [in, length_is(n)] long values[10]);
}
[uuid(6b29fc40-ca47-1067-b31d-00dd010662dc), version(1.0)]
interface Raw {
  void Send([in] void* data);
}
)";

class DriverRealIdl : public DriverRun {
 protected:
  void SetUp() override {
    DriverRun::SetUp();
    std::ofstream(dir_ / "real.idl") << kRealIdl;
    options_.input = (dir_ / "real.idl").string();
  }
};

TEST_F(DriverRealIdl, AHeaderAloneDeclaresWhatCannotBeRemotedAndSaysWhy) {
  options_.header = true;
  ASSERT_EQ(run(), 0) << err_.str();
  const std::string header = slurp(dir_ / "gen" / "real.h");
  EXPECT_NE(header.find("struct IMaker : public"), std::string::npos) << header;
  EXPECT_NE(header.find("// No proxy or stub for IMaker (only the header was generated): cannot generate "
                        "marshaling code for parameter 'values' of operation 'Make' of 'IMaker'"),
            std::string::npos)
      << header;
  EXPECT_EQ(header.find("IMaker_createProxy"), std::string::npos) << header;
  EXPECT_NE(header.find("// RPC interface Raw: no client functions or manager, because parameter 'data'"),
            std::string::npos)
      << header;
  EXPECT_EQ(header.find("Raw_Manager"), std::string::npos) << header;
  EXPECT_NE(header.find(" : uint32_t {"), std::string::npos) << header;  // 0x80000000 is no int32_t
  // A C union: a variant without a discriminant (declared, never marshaled).
  EXPECT_NE(header.find("std::variant<std::monostate, int32_t, float> value;"), std::string::npos) << header;
}

TEST_F(DriverRealIdl, StubsAreStillRefusedWithTheReasons) {
  options_.header = options_.client = options_.server = true;
  EXPECT_EQ(run(), 1);
  EXPECT_NE(err_.str().find("fixed-size varying arrays are generated as struct fields only"),
            std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("void, handle_t and function pointers carry no data"), std::string::npos)
      << err_.str();
  EXPECT_FALSE(fs::exists(dir_ / "gen" / "real.h"));
}

TEST_F(DriverRealIdl, CppQuoteTextIsCopiedWithTheWindowsMacrosOrLeftOut) {
  options_.header = true;
  ASSERT_EQ(run(), 0) << err_.str();
  std::string header = slurp(dir_ / "gen" / "real.h");
  EXPECT_NE(header.find("#include <midlrt/windows_compat.h>"), std::string::npos) << header;
  EXPECT_NE(header.find("#if 0\n"), std::string::npos) << header;
  EXPECT_EQ(header.find("#pragma winrt"), std::string::npos) << header;  // said to widl, not to C++

  options_.cppQuote = false;
  ASSERT_EQ(run(), 0) << err_.str();
  header = slurp(dir_ / "gen" / "real.h");
  EXPECT_EQ(header.find("windows_compat.h"), std::string::npos) << header;
  EXPECT_EQ(header.find("#if 0"), std::string::npos) << header;
  EXPECT_NE(header.find("using BYTE = uint8_t;"), std::string::npos) << header;
}

// A C header written to follow another (as Windows' headers follow windows.h): on its own it names a type
// it never declares; --import declares it first, and the header includes the imported file's header.
TEST_F(DriverRun, ImportOptionImportsBeforeTheMainFile) {
  std::ofstream(dir_ / "base.idl") << "typedef unsigned long DWORD;\n";
  std::ofstream(dir_ / "follower.h") << "typedef struct Pair { DWORD a; DWORD b; } Pair;\n";
  options_.input = (dir_ / "follower.h").string();
  options_.header = true;
  EXPECT_EQ(run(), 1);
  EXPECT_NE(err_.str().find("follower.h:1:23: error: unknown type 'DWORD'"), std::string::npos) << err_.str();

  err_.str("");
  options_.preImports = {"base.idl"};
  ASSERT_EQ(run(), 0) << err_.str();
  const std::string header = slurp(dir_ / "gen" / "follower.h");
  EXPECT_NE(header.find("#include \"base.h\""), std::string::npos) << header;
  EXPECT_NE(header.find("DWORD a{};"), std::string::npos) << header;

  options_.preImports = {"missing.idl"};
  EXPECT_EQ(run(), 1);
  EXPECT_NE(err_.str().find("cannot find imported file 'missing.idl'"), std::string::npos) << err_.str();
}
