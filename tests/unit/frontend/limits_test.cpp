// The compiler's documented limits (README, "Compiler limits"): deep inputs are refused with "nesting too
// deep" instead of overflowing the stack, files that never end are refused, large inputs take linear time,
// and an interface's opnums fit their 16 bits. The big inputs are generated here, not checked in.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "frontend/preprocessor.h"
#include "support/compile_text.h"

using midlc::testing::compileText;

namespace {

const char* kHeader = "[uuid(11111111-2222-3333-4444-555555555555), version(1.0)]\ninterface I {\n";

// S0 holds S1 holds ... S<n>, each as `use` says (%d: the next struct's number), declared last first.
std::string structChain(int n, const char* use) {
  std::string idl = kHeader;
  idl += "typedef struct S" + std::to_string(n) + " { long x; } S" + std::to_string(n) + ";\n";
  char line[200];
  for (int i = n - 1; i >= 0; --i) {
    std::snprintf(line, sizeof line, use, i, i + 1, i);
    idl += line;
  }
  return idl + "void F([in] S0* s);\n}\n";
}

const char* kByValue = "typedef struct S%d { long a; S%d next; } S%d;\n";
const char* kByUniquePointer = "typedef struct S%d { long a; [unique] S%d* next; } S%d;\n";
const char* kUnionArm = "typedef union S%d switch (long k) u { case 1: S%d next; default: ; } S%d;\n";

double secondsToCompile(const std::string& idl, std::string* diagnostics = nullptr) {
  auto start = std::chrono::steady_clock::now();
  auto r = compileText(idl, "", false);
  if (diagnostics) *diagnostics = r.diagnostics;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST(Limits, TernaryNestedThirtyThousandDeepIsRefused) {
  std::string expr;
  for (int i = 0; i < 30000; ++i) expr += "1 ? ";
  expr += "1";
  for (int i = 0; i < 30000; ++i) expr += " : 1";
  auto r = compileText("const long A = " + expr + ";", "", false);
  EXPECT_FALSE(r.ok());
  // The 201st '?' is where the limit is passed: column 18 + 200 * 4.
  EXPECT_NE(r.diagnostics.find("test.idl:1:818: error: nesting too deep (limit 200)"), std::string::npos)
      << r.diagnostics.substr(0, 300);

  std::string right;
  for (int i = 0; i < 30000; ++i) right += "0 ? 1 : ";
  right += "1";
  auto rr = compileText("const long A = " + right + ";", "", false);
  EXPECT_NE(rr.diagnostics.find("nesting too deep (limit 200)"), std::string::npos)
      << rr.diagnostics.substr(0, 300);
}

TEST(Limits, CastsAndPrefixOperatorsBetweenBracketsAreRefused) {
  std::string casts;
  for (int i = 0; i < 50000; ++i) casts += "(long)";
  auto c = compileText("const long A = " + casts + "1;", "", false);
  EXPECT_NE(c.diagnostics.find("nesting too deep (limit 200)"), std::string::npos)
      << c.diagnostics.substr(0, 300);

  // Neither the brackets (150) nor any run of prefix operators (150) is over the limit; together they are.
  std::string mixed;
  for (int i = 0; i < 150; ++i)
    mixed +=
        "-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~"
        "-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~-~(";
  mixed += "1" + std::string(150, ')');
  auto m = compileText("const long A = " + mixed + ";", "", false);
  EXPECT_NE(m.diagnostics.find("nesting too deep (limit 200)"), std::string::npos)
      << m.diagnostics.substr(0, 300);
}

// Each 'pipe' and each '<' of type arguments makes the parsers call themselves for what follows: 200,000
// pipes or 100,000 nested type arguments overflowed the stack (found reading the direct parser).
TEST(Limits, NestedPipesAndTypeArgumentsAreRefused) {
  std::string pipes;
  for (int i = 0; i < 200000; ++i) pipes += "pipe ";
  auto p = compileText("typedef " + pipes + "long x;", "", false);
  EXPECT_FALSE(p.ok());
  EXPECT_NE(p.diagnostics.find("test.idl:1:1009: error: nesting too deep (limit 200)"), std::string::npos)
      << p.diagnostics.substr(0, 300);

  std::string open, close;
  for (int i = 0; i < 100000; ++i) {
    open += "A<";
    close += " >";
  }
  auto a = compileText("typedef " + open + "long" + close + " x;", "", false);
  EXPECT_FALSE(a.ok());
  EXPECT_NE(a.diagnostics.find("test.idl:1:410: error: nesting too deep (limit 200)"), std::string::npos)
      << a.diagnostics.substr(0, 300);

  // Closed type arguments give their level back: many in one declaration are no nesting.
  std::string many = "interface IBase { }; typedef struct S {";
  for (int i = 0; i < 300; ++i) many += " IVector<IVector<long> > f" + std::to_string(i) + ";";
  auto m = compileText(many + " } S;", "", false);
  EXPECT_EQ(m.diagnostics.find("nesting too deep"), std::string::npos) << m.diagnostics.substr(0, 300);
}

TEST(Limits, NestingUpToTheLimitIsAccepted) {
  std::string expr;
  for (int i = 0; i < 60; ++i) expr += "1 ? (long)-(";
  expr += "1";
  for (int i = 0; i < 60; ++i) expr += ") : 1";
  auto r = compileText("const long A = " + expr + ";\nconst long B = 1 - 2 - 3 - 4 - 5;", "", false);
  EXPECT_TRUE(r.ok()) << r.diagnostics.substr(0, 300);
  // No ';' between them, and each ')' is followed by a name (Wine's mimeole.idl has hundreds): not casts.
  std::string quotes;
  for (int i = 0; i < 500; ++i) quotes += "cpp_quote(\"HRESULT WINAPI F(IStream*);\")\n";
  auto q = compileText(quotes + "const long C = (long)-1;\n", "", false);
  EXPECT_TRUE(q.ok()) << q.diagnostics.substr(0, 300);
}

TEST(Limits, ChainOfStructsByValueIsRefused) {
  auto r = compileText(structChain(30000, kByValue), "", false);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("error: nesting too deep (limit 256): type 'S"), std::string::npos)
      << r.diagnostics.substr(0, 300);
}

TEST(Limits, ChainOfStructsByUniquePointerIsRefused) {
  auto r = compileText(structChain(30000, kByUniquePointer), "", false);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("error: nesting too deep (limit 256): type 'S"), std::string::npos)
      << r.diagnostics.substr(0, 300);
}

TEST(Limits, ChainOfUnionsIsRefused) {
  auto r = compileText(structChain(30000, kUnionArm), "", false);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("error: nesting too deep (limit 256)"), std::string::npos)
      << r.diagnostics.substr(0, 300);
}

TEST(Limits, ChainDeclaredBeforeItsLinksIsRefused) {
  // Forward references: S0 points to S1 before S1 is defined, so depth is only known at the end.
  std::string idl = kHeader;
  for (int i = 0; i < 5000; ++i)
    idl += "struct S" + std::to_string(i + 1) + ";\ntypedef struct S" + std::to_string(i) +
           " { [unique] struct S" + std::to_string(i + 1) + "* next; } S" + std::to_string(i) + ";\n";
  idl += "typedef struct S5000 { long x; } S5000;\nvoid F([in] S0* s);\n}\n";
  auto r = compileText(idl, "", false);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("nesting too deep (limit 256)"), std::string::npos)
      << r.diagnostics.substr(0, 300);
}

TEST(Limits, ChainsUpToTheLimitAreAccepted) {
  // Each link is a struct, a pointer and a typedef name: three levels.
  auto r = compileText(structChain(84, kByUniquePointer), "", false);
  EXPECT_TRUE(r.ok()) << r.diagnostics.substr(0, 300);
  auto over = compileText(structChain(86, kByUniquePointer), "", false);
  EXPECT_FALSE(over.ok());
  std::string idl = kHeader;
  idl += "typedef long T0;\n";
  for (int i = 1; i < 256; ++i) idl += "typedef T" + std::to_string(i - 1) + " T" + std::to_string(i) + ";\n";
  auto t = compileText(idl + "}\n", "", false);
  EXPECT_TRUE(t.ok()) << t.diagnostics.substr(0, 300);
}

TEST(Limits, LongTypedefChainIsRefusedWhereItPassesTheLimit) {
  std::string idl = kHeader;
  idl += "typedef long T0;\n";
  for (int i = 1; i < 100000; ++i)
    idl += "typedef T" + std::to_string(i - 1) + " T" + std::to_string(i) + ";\n";
  idl += "void F([in] T99999 t);\n}\n";
  std::string diagnostics;
  double seconds = secondsToCompile(idl, &diagnostics);
  // T256 is the 257th typedef of the chain, on line 259; nothing after it is analyzed.
  EXPECT_NE(diagnostics.find("test.idl:259:14: error: nesting too deep (limit 256): typedef 'T256' ends a "
                             "chain of 257 typedefs"),
            std::string::npos)
      << diagnostics.substr(0, 300);
  EXPECT_EQ(diagnostics.find("unknown type"), std::string::npos) << diagnostics.substr(0, 300);
  EXPECT_LT(seconds, 20.0);
}

TEST(Limits, MoreThan65536OperationsIsAnError) {
  std::string idl = kHeader;
  for (int i = 0; i < 65537; ++i) idl += "void Op" + std::to_string(i) + "(void);\n";
  auto r = compileText(idl + "}\n", "", false);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("test.idl:65539:6: error: too many operations in interface 'I': 'Op65536' "
                               "would have opnum 65536, above the limit of 65535"),
            std::string::npos)
      << r.diagnostics.substr(0, 300);

  std::string fits = kHeader;
  for (int i = 0; i < 65536; ++i) fits += "void Op" + std::to_string(i) + "(void);\n";
  auto f = compileText(fits + "}\n", "", false);
  EXPECT_TRUE(f.ok()) << f.diagnostics.substr(0, 300);
}

TEST(Limits, ObjectInterfaceOpnumsCountInheritedMethods) {
  std::string idl =
      "[object, uuid(00000000-0000-0000-C000-000000000046), local] interface IUnknown { void A(); void B(); "
      "void C(); }\n[object, uuid(11111111-2222-3333-4444-555555555555)] interface J : IUnknown {\n";
  for (int i = 0; i < 65534; ++i) idl += "long Op" + std::to_string(i) + "(void);\n";
  auto r = compileText(idl + "}\n", "", false);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("'Op65533' would have opnum 65536"), std::string::npos)
      << r.diagnostics.substr(0, 300);
}

// The constants of a file as large as `idl`, to time it against: machines and sanitizer builds differ in
// speed, but a check that is quadratic takes many times as long as reading the same number of lines.
std::string calibration(const std::string& idl) {
  std::string out;
  size_t lines = static_cast<size_t>(std::count(idl.begin(), idl.end(), '\n'));
  for (size_t i = 0; i < lines; ++i) out += "const long C" + std::to_string(i) + " = 1;\n";
  return out;
}

TEST(Limits, DuplicateChecksTakeLinearTime) {
  // Pairwise checks took 16 s (operations) and 21 s (fields) for 100,000, where reading took about 2 s.
  std::string ops;
  for (int k = 0; k < 2; ++k) {
    ops += "[uuid(11111111-2222-3333-4444-55555555555" + std::to_string(k) + "), version(1.0)]\ninterface I" +
           std::to_string(k) + " {\n";
    for (int i = 0; i < 60000; ++i) ops += "void Op" + std::to_string(i) + "(void);\n";
    ops += "void Op7(void);\n}\n";
  }
  std::string diagnostics;
  double base = secondsToCompile(calibration(ops));
  double seconds = secondsToCompile(ops, &diagnostics);
  EXPECT_NE(diagnostics.find("redefinition of operation 'Op7' in interface 'I1'"), std::string::npos)
      << diagnostics.substr(0, 300);
  EXPECT_LT(seconds, 3 * base) << "operations: " << seconds << " s, as many constants: " << base << " s";

  std::string fields = kHeader;
  fields += "typedef struct S {\n";
  for (int i = 0; i < 100000; ++i) fields += "long f" + std::to_string(i) + ";\n";
  fields += "long f7;\n} S;\n}\n";
  base = secondsToCompile(calibration(fields));
  seconds = secondsToCompile(fields, &diagnostics);
  EXPECT_NE(diagnostics.find("duplicate field 'f7'"), std::string::npos) << diagnostics.substr(0, 300);
  EXPECT_LT(seconds, 3 * base) << "fields: " << seconds << " s, as many constants: " << base << " s";
}

TEST(Limits, AcfNamingEveryOneOf30000OperationsTakesLinearTime) {
  std::string idl = kHeader;
  std::string acf = "interface I {\n";
  for (int i = 0; i < 30000; ++i) {
    idl += "void Op" + std::to_string(i) + "([in] long a);\n";
    acf += "[code] Op" + std::to_string(i) + "();\n";
  }
  idl += "}\n";
  double base = secondsToCompile(idl + calibration(acf));  // the IDL, and the ACF's lines as constants
  auto start = std::chrono::steady_clock::now();
  auto r = compileText(idl, acf + "}\n", false);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.ok()) << r.diagnostics.substr(0, 300);
  EXPECT_LT(seconds, 3 * base) << "with the ACF: " << seconds << " s, without: " << base << " s";
}

TEST(Limits, ImportOfADeviceOrFifoIsRefused) {
  auto zero = compileText("import \"/dev/zero\";\nconst long A = 1;", "", false);
  EXPECT_FALSE(zero.ok());
  EXPECT_NE(zero.diagnostics.find("test.idl:1:8: error: imported file '/dev/zero' is not a regular file"),
            std::string::npos)
      << zero.diagnostics;

  namespace fs = std::filesystem;
  fs::path fifo = fs::temp_directory_path() / ("midlc-fifo-" + std::to_string(::getpid()) + ".idl");
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto f = compileText("import \"" + fifo.string() + "\";\n", "", false);
  EXPECT_NE(f.diagnostics.find("is not a regular file"), std::string::npos) << f.diagnostics;

  // Read directly (the main file, an ACF), a FIFO is refused without waiting for a writer.
  std::string text, why;
  EXPECT_FALSE(midlc::readFile(fifo.string(), text, &why));
  EXPECT_EQ(why, "not a regular file");
  EXPECT_FALSE(midlc::readFile("/dev/urandom", text, &why));
  EXPECT_EQ(why, "not a regular file");
  fs::remove(fifo);
}

TEST(Limits, AnExternalPreprocessorThatWritesNothingIsStoppedAtTheIdleLimit) {
  // cpp opens an #included FIFO and waits for a writer that never comes.
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("midlc-cpp-idle-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ASSERT_EQ(::mkfifo((dir / "fifo.h").c_str(), 0600), 0);
  std::ofstream(dir / "main.idl") << "#include \"fifo.h\"\nconst long A = 1;\n";
  midlc::frontend::PreprocessOptions options;
  options.command = "cpp";
  options.idleLimit = std::chrono::milliseconds(300);
  midlc::FileCache files;
  std::ostringstream err;
  midlc::Diagnostics diagnostics(&files, &err);
  auto start = std::chrono::steady_clock::now();
  auto text = midlc::frontend::preprocess((dir / "main.idl").string(), options, files, diagnostics);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(text);
  EXPECT_NE(err.str().find("main.idl: error: the preprocessor wrote nothing for 300 ms and was stopped"),
            std::string::npos)
      << err.str();
  EXPECT_LT(seconds, 10.0);
  fs::remove_all(dir);
}

TEST(Limits, AFileAbove256MiBIsRefusedUnread) {
  namespace fs = std::filesystem;
  fs::path big = fs::temp_directory_path() / ("midlc-big-" + std::to_string(::getpid()) + ".idl");
  { std::ofstream(big) << "const long A = 1;\n"; }
  fs::resize_file(big, midlc::kMaxSourceFileBytes + 1);  // sparse: nothing is written
  auto r = compileText("import \"" + big.string() + "\";\n", "", false);
  EXPECT_NE(r.diagnostics.find("larger than 256 MiB, the limit for a file midlc reads"), std::string::npos)
      << r.diagnostics;
  fs::remove(big);
}

TEST(Limits, IncludeOfADeviceOrFifoIsRefusedByTheBuiltinPreprocessor) {
  auto zero = compileText("#include \"/dev/zero\"\nconst long A = 1;\n");
  EXPECT_FALSE(zero.ok());
  EXPECT_NE(zero.diagnostics.find("test.idl:1:10: error: cannot include '/dev/zero': not a regular file"),
            std::string::npos)
      << zero.diagnostics;

  namespace fs = std::filesystem;
  fs::path fifo = fs::temp_directory_path() / ("midlc-fifo-" + std::to_string(::getpid()) + ".h");
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto start = std::chrono::steady_clock::now();
  auto f = compileText("#include <" + fifo.string() + ">\n");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
  EXPECT_NE(
      f.diagnostics.find("test.idl:1:10: error: cannot include '" + fifo.string() + "': not a regular file"),
      std::string::npos)
      << f.diagnostics;
  fs::remove(fifo);
}

TEST(Limits, IncludeOfDevZeroEndsInAnExternalPreprocessorsError) {
  // cpp reads /dev/zero without end and writes nothing: its address space is bounded (4 GiB), so it fails.
  auto r = compileText("#include \"/dev/zero\"\nconst long A = 1;\n", "", true, "cpp");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics.find("error: the preprocessor 'cpp' failed"), std::string::npos) << r.diagnostics;
}
