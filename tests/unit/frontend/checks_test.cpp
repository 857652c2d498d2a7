// Every check midlc makes, each with the exact diagnostic it gives (file:line:col: error: message).
#include <gtest/gtest.h>

#include "support/compile_text.h"
#include "support/spelling.h"

using midlc::testing::compileText;

namespace {

struct Case {
  const char* name;
  const char* idl;
  const char* acf;
  const char* expected;  // the diagnostics' first lines, in order
};

const Case kCases[] = {
    {"UnknownTypeIsAnError", "typedef struct S { FOO x; } S;\n", "",
     "test.idl:1:20: error: unknown type 'FOO'\n"},
    {"UnknownIdentifierInAConstant", "const long A = B + 1;\n", "",
     "test.idl:1:16: error: unknown identifier 'B'\n"},
    {"DuplicateDefinition", "const long A = 1;\nconst long A = 2;\n", "",
     "test.idl:2:12: error: redefinition of 'A'\ntest.idl:1:12: note: previous definition is here\n"},
    {"DuplicateStructTag", "struct S { long a; };\nstruct S { long b; };\n", "",
     "test.idl:2:8: error: redefinition of 'struct S'\ntest.idl:1:8: note: previous definition is here\n"},
    {"SizeIsMustNameAnIntegerField", "typedef struct S { double d; [size_is(d)] long* p; } S;\n", "",
     "test.idl:1:39: error: [size_is] refers to 'd', which is not an integer field (it is 'double')\n"},
    {"SizeIsMustNameSomethingInScope",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in, size_is(n)] long* p); }\n", "",
     "test.idl:1:80: error: unknown identifier 'n'\n"},
    {"LengthIsOnAParameterMustBeAnInteger",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I {\n"
     "  void F([in] double d, [in, size_is(10), length_is(d)] long* p);\n}\n",
     "",
     "test.idl:2:53: error: [length_is] refers to 'd', which is not an integer parameter (it is 'double')\n"},
    {"OutParameterMustBeAPointer",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I {\n  void F([out] long x);\n}\n", "",
     "test.idl:2:21: error: [out] parameter 'x' must be a pointer or an array\n"},
    {"StringOnANonCharacterType",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I {\n  void F([in, string] long* x);\n}\n", "",
     "test.idl:2:15: error: [string] applies to char, wchar_t or byte data, not 'long' (parameter 'x')\n"},
    {"NonEncapsulatedUnionNeedsADiscriminant",
     "typedef [switch_type(long)] union U { [case(1)] long a; [default] ; } U;\n"
     "typedef struct S { U u; } S;\n"
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] S* s); }\n",
     "",
     "test.idl:2:22: error: field 'u' of 'S' cannot be marshaled: a non-encapsulated union field needs "
     "[switch_is]\ntest.idl:3:75: note: parameter 's' of operation 'F' of 'I' is marshaled here\n"},
    {"RangeBoundsIntegersAndLengthsOnly",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in, range(0, 1)] double d); }\n", "",
     "test.idl:1:72: error: [range] bounds an integer, an enum, a [ref] pointer to one, or the length of a string or "
     "conformant array, not 'double'\n"},
    {"CUnionCannotBeMarshaled",
     "typedef union C { long a; double d; } C;\n"
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] long k, [in, switch_is(k)] C* "
     "c); }\n",
     "",
     "test.idl:1:15: error: union 'C' cannot be marshaled: it has no [case] arms and no discriminant\n"
     "test.idl:2:102: note: parameter 'c' of operation 'F' of 'I' is marshaled here\n"},
    {"UnionArmWithoutCase", "typedef [switch_type(long)] union U { [case(1)] long a; long b; } U;\n", "",
     "test.idl:1:62: error: arm of union 'U' has neither [case] nor [default]\n"},
    {"DuplicateCaseValue", "typedef union U switch (long k) v { case 1: long a; case 1: short b; } U;\n", "",
     "test.idl:1:58: error: duplicate case value 1 in union 'U'\n"},
    {"RetvalNotLastIsWarnedAsWidlAcceptsIt",
     "import \"unknwn.idl\";\n[object, uuid(11111111-2222-3333-4444-555555555555)]\ninterface I : IUnknown "
     "{\n"
     "  HRESULT F([out, retval] long* r, [in] long x);\n}\n",
     "", "test.idl:4:33: warning: [retval] parameter 'r' should be the last parameter [-Wdeprecated]\n"},
    {"RetvalMustBeOutOnly",
     "import \"unknwn.idl\";\n[object, uuid(11111111-2222-3333-4444-555555555555)]\ninterface I : IUnknown "
     "{\n"
     "  HRESULT F([in, out, retval] long* r);\n}\n",
     "", "test.idl:4:37: error: [retval] parameter 'r' must be [out] only\n"},
    {"ObjectInterfaceWithoutAUuidIsWarnedAsWidlAcceptsIt",
     "import \"unknwn.idl\";\n[object] interface I : IUnknown { HRESULT F(); }\n", "",
     "test.idl:2:20: warning: object interface 'I' has no [uuid], so it has no IID and no proxy "
     "[-Wdeprecated]\n"},
    {"MalformedUuid", "[uuid(1234-5678)] interface I { void F(); }\n", "",
     "test.idl:1:7: error: malformed uuid '1234-5678' (expected 8-4-4-4-12 hexadecimal digits)\n"},
    {"ObjectInterfaceNotDerivedFromIUnknownIsWarnedAsWidlAcceptsIt",
     "[object, uuid(11111111-2222-3333-4444-555555555555)] interface I { long F(); }\n", "",
     "test.idl:1:64: warning: object interface 'I' does not derive from IUnknown [-Wdeprecated]\n"},
    {"UnknownBaseInterface",
     "[object, uuid(11111111-2222-3333-4444-555555555555)] interface I : IMissing { long F(); }\n", "",
     "test.idl:1:68: error: unknown base interface 'IMissing'\n"},
    {"AcfNamesAnUnknownInterface", "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F(); }\n",
     "interface J { F(); }\n",
     "test.acf:1:11: error: the ACF names interface 'J', which the IDL file does not define\n"},
    {"AcfNamesAnUnknownOperation", "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F(); }\n",
     "interface I {\n  [async] G();\n}\n",
     "test.acf:2:11: error: interface 'I' has no operation 'G' (named in the ACF)\n"},
    {"AcfNamesAnUnknownParameter",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] long a); }\n",
     "interface I { F([comm_status] b); }\n",
     "test.acf:1:31: error: operation 'F' has no parameter 'b' (named in the ACF)\n"},
    {"AcfNamesAnUnknownType", "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F(); }\n",
     "typedef [represent_as(long)] NOPE;\n",
     "test.acf:1:30: error: the ACF names type 'NOPE', which the IDL file does not define\n"},
    {"AsyncOnAnIDispatchDerivedInterfaceIsRejected",
     "import \"objidl.idl\";\n[object, uuid(11111111-2222-3333-4444-555555555555)]\n"
     "interface IScript : IDispatch { HRESULT Run(); }\n",
     "interface IScript { [async] Run(); }\n",
     "test.acf:1:22: error: interface 'IScript' derives from IDispatch and cannot be asynchronous: COM has "
     "no asynchronous calls through IDispatch (call objects exist only for custom interfaces)\n"
     "test.idl:3:11: note: interface 'IScript' is declared here\n"},
    {"AsyncInterfaceParentMustBeIUnknownOrAsync",
     "import \"unknwn.idl\";\n[object, uuid(11111111-2222-3333-4444-555555555555)]\n"
     "interface IBase : IUnknown { HRESULT A(); }\n[object, uuid(21111111-2222-3333-4444-555555555555)]\n"
     "interface IDerived : IBase { HRESULT B(); }\n",
     "interface IDerived { [async] B(); }\n",
     "test.idl:5:11: error: asynchronous interface 'IDerived' derives from 'IBase', which is neither "
     "IUnknown nor "
     "asynchronous itself\n"},
    {"LocalAsyncInterfaceIsWarned",
     "import \"unknwn.idl\";\n[local, object, uuid(11111111-2222-3333-4444-555555555555)]\n"
     "interface ILocal : IUnknown { HRESULT A(); }\n",
     "interface ILocal { [async] A(); }\n",
     "test.idl:3:11: warning: interface 'ILocal' is [local]: nothing is marshaled for it, so it gets no "
     "asynchronous proxy or stub [-Wlocal-async]\n"},
    {"AsyncUuidOnAnRpcInterface",
     "[uuid(11111111-2222-3333-4444-555555555555), async_uuid(21111111-2222-3333-4444-555555555555)]\n"
     "interface I { void F(); }\n",
     "",
     "test.idl:2:11: error: [async_uuid] applies to [object] interfaces; for an RPC interface, mark "
     "operations "
     "[async] in the ACF\n"},
    {"FaultStatusParameterMustBeAnErrorStatusPointer",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([out] long* st); }\n",
     "interface I { F([fault_status] st); }\n",
     "test.acf:1:32: error: [comm_status]/[fault_status] parameter 'st' must be an [out] error_status_t*\n"},
    {"AttributeInTheWrongPlace",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { [in] void F(); }\n", "",
     "test.idl:1:61: error: attribute 'in' cannot be applied to an operation\n"},
    {"AttributeWithTheWrongArguments",
     "[uuid(11111111-2222-3333-4444-555555555555), local(3)] interface I { }\n", "",
     "test.idl:1:46: error: attribute 'local' takes no arguments\n"},
    {"SyntaxErrorsAreAllReported", "const long A = ;\nconst long B = 2;\ntypedef struct S { long } S;\n", "",
     "test.idl:1:16: error: extraneous input ';' expecting {NUMBER, CHAR_LITERAL, STRING, ...}\n"},
    {"StrayCharacter", "const long A = 1 @ 2;\n", "", "test.idl:1:18: error: stray '@' in input\n"},
    {"DivisionByZeroInAConstant", "const long A = 1 / 0;\n", "",
     "test.idl:1:18: error: division by zero in a constant expression\n"},
    {"ArrayWithoutASize",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] long a[]); }\n", "",
     "test.idl:1:77: error: array parameter 'a' has no size: give it a constant size or a [size_is] or "
     "[max_is]\n"},
    {"NearMissOfAFieldInSizeIs", "typedef struct S { long count; [size_is(cuont)] long* p; } S;\n", "",
     "test.idl:1:41: error: unknown identifier 'cuont'; did you mean 'count'?\n"},
    {"AbbreviationOfAParameterInSizeIs",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] long count, [in, size_is(cnt)] "
     "long* p); }\n",
     "", "test.idl:1:97: error: unknown identifier 'cnt'; did you mean 'count'?\n"},
    {"NearMissOfAType", "typedef long Length;\ntypedef struct S { Lenght n; } S;\n", "",
     "test.idl:2:20: error: unknown type 'Lenght'; did you mean 'Length'?\n"},
    {"NearMissOfAnAttributeIsAnError",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] long n, [in, sizeis(n)] "
     "long* p); }\n",
     "", "test.idl:1:85: error: unknown attribute 'sizeis'; did you mean 'size_is'?\n"},
    {"FarFromAnyAttributeIsAWarning",
     "[uuid(11111111-2222-3333-4444-555555555555), frobnicate] interface I { void F(void); }\n", "",
     "test.idl:1:46: warning: attribute 'frobnicate' is not supported by midlc; it is kept and ignored "
     "[-Wunsupported-attribute]\n"},
    {"UnknownIUnknownNamesTheFileToImport",
     "[object, uuid(11111111-2222-3333-4444-555555555555)] interface I : IUnknown { }\n", "",
     "test.idl:1:68: error: unknown base interface 'IUnknown'\n"
     "test.idl:1:68: note: to use 'IUnknown', add `import \"unknwn.idl\";`\n"},
    {"RedefinedOperation",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I {\n  void F(void);\n  void F(void);\n}\n", "",
     "test.idl:3:8: error: redefinition of operation 'F' in interface 'I'\n"
     "test.idl:2:8: note: previous definition is here\n"},
    {"MissingSemicolonIsReportedAfterThePreviousToken", "const long A = 1\n\nconst long B = 2;\n", "",
     "test.idl:1:17: error: expected ';' after '1'\n"},
    {"TypesAreNamedAsWritten", "const unsigned long A = \"x\";\n", "",
     "test.idl:1:25: error: constant 'A' of type 'unsigned long' cannot hold a string\n"},
    {"TooManySizeIsDimensions",
     "[uuid(11111111-2222-3333-4444-555555555555)] interface I { void F([in] long n, [in, size_is(n, n)] "
     "long* p); }\n",
     "",
     "test.idl:1:85: error: [size_is] has 2 dimensions but parameter 'p' has 1 pointer or array levels\n"},
};

// Names the case in ctest's listing instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class Checks : public ::testing::TestWithParam<Case> {};

TEST_P(Checks, ReportsTheExactDiagnostic) {
  const Case& c = GetParam();
  auto result = compileText(c.idl, c.acf);
  std::string expected = c.expected;
  if (std::string(c.name) == "SyntaxErrorsAreAllReported") {
    // ANTLR's expected-token lists are long; check the location and that recovery found the second error.
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.diagnostics.rfind("test.idl:1:16: error: ", 0), 0u) << result.diagnostics;
    EXPECT_NE(result.diagnostics.find("test.idl:3:25: error: "), std::string::npos) << result.diagnostics;
    return;
  }
  EXPECT_EQ(result.diagnostics, expected);
  bool warningOnly = expected.find(": error: ") == std::string::npos;
  EXPECT_EQ(result.ok(), warningOnly);
}

INSTANTIATE_TEST_SUITE_P(Frontend, Checks, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

// A missing import names the folders it was looked up in (a temporary folder here, so only its start is
// compared) and a near file name.
TEST(Checks, MissingImportListsTheFoldersSearched) {
  auto result = compileText("import \"nowhere.idl\";\n");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.diagnostics.rfind("test.idl:1:8: error: cannot find imported file 'nowhere.idl'\n"
                                     "test.idl:1:8: note: folders searched: '",
                                     0),
            0u)
      << result.diagnostics;
  auto near = compileText("import \"tset.idl\";\n");
  EXPECT_NE(near.diagnostics.find("cannot find imported file 'tset.idl'; did you mean 'test.idl'?"),
            std::string::npos)
      << near.diagnostics;
}

// The helper behind "did you mean": edit distance with adjacent swaps, a threshold growing with the name,
// case-only differences first, and abbreviations as a last resort.
TEST(Spelling, EditDistanceCountsASwapOfNeighboursAsOneEdit) {
  EXPECT_EQ(midlc::editDistance("count", "count"), 0u);
  EXPECT_EQ(midlc::editDistance("cuont", "count"), 1u);
  EXPECT_EQ(midlc::editDistance("sizeis", "size_is"), 1u);
  EXPECT_EQ(midlc::editDistance("", "abc"), 3u);
  EXPECT_EQ(midlc::editDistance("kitten", "sitting"), 3u);
}

TEST(Spelling, BestMatchStaysWithinTheThreshold) {
  std::vector<std::string> names = {"count", "length", "Buffer"};
  EXPECT_EQ(midlc::bestMatch("lenght", names), "length");
  EXPECT_EQ(midlc::bestMatch("BUFFER", names), "Buffer");
  EXPECT_EQ(midlc::bestMatch("cnt", names), "count");  // an abbreviation
  EXPECT_EQ(midlc::bestMatch("x", names), std::nullopt);
  EXPECT_EQ(midlc::bestMatch("total", names), std::nullopt);
  EXPECT_EQ(midlc::bestMatch("count", names), std::nullopt) << "a name is not its own misspelling";
  EXPECT_EQ(midlc::bestMatch("cnt", names, 1), std::nullopt) << "an explicit limit allows no abbreviation";
}

}  // namespace
