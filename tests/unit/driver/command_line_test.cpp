// The command line, one row per rule: midlc's own options, MIDL's switches and widl's spellings, and the
// errors for what midlc refuses. Each row lists lines that must appear in describe() of the parse.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "driver/command_line.h"

namespace {

using midlc::driver::CommandLine;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// The parse as "key=value" lines; a row's expectation "key=value" must be one of them, "key~text" must be
// a line "key=..." that contains text.
std::vector<std::string> describe(const CommandLine& command) {
  std::vector<std::string> lines = {"exit=" + std::to_string(command.exitStatus), "out=" + command.out,
                                    "err=" + command.err};
  if (!command.options) return lines;
  const auto& o = *command.options;
  std::vector<std::string> written;
  if (o.header) written.push_back("header");
  if (o.client) written.push_back("client");
  if (o.server) written.push_back("server");
  if (o.fuzz) written.push_back("fuzz");
  lines.insert(lines.end(), {
                                "input=" + o.input,
                                "acf=" + o.acf,
                                "outDir=" + o.outDir,
                                "write=" + (written.empty() ? "summary" : join(written)),
                                "headerName=" + o.headerName,
                                "clientName=" + o.clientName,
                                "serverName=" + o.serverName,
                                "defines=" + join(o.preprocess.defines),
                                "includes=" + join(o.preprocess.includeDirs),
                                "undefines=" + join(o.preprocess.undefines),
                                "disabled=" + join(o.disabledWarnings),
                                "werror=" + std::to_string(o.warningsAreErrors),
                                "preprocessOnly=" + std::to_string(o.preprocessOnly),
                                "switchWarnings=" + join(o.switchWarnings),
                            });
  return lines;
}

struct Row {
  const char* rule;
  std::vector<std::string> args;
  std::vector<std::string> expected;
};

const Row kRows[] = {
    // What is written.
    {"NoOutputOptionPrintsTheSummary", {"x.idl"}, {"exit=0", "input=x.idl", "write=summary", "outDir=."}},
    {"OutputFlagsChooseTheFiles", {"--header", "-o", "g", "x.idl"}, {"write=header", "outDir=g"}},
    {"AnOutputFolderAloneWritesEverything", {"-o", "g", "x.idl"}, {"write=header,client,server"}},
    {"FuzzIsOneMoreFileToChoose", {"--fuzz", "-o", "g", "x.idl"}, {"write=fuzz"}},
    {"FuzzAddsToChosenFiles",
     {"--header", "--client", "--server", "--fuzz", "x.idl"},
     {"write=header,client,server,fuzz"}},
    {"SlashOutIsTheOutputFolder", {"/out", "g", "x.idl"}, {"outDir=g", "write=header,client,server"}},
    {"DashOutIsMidlsOut", {"-out", "g", "x.idl"}, {"outDir=g", "write=header,client,server"}},
    {"SlashHNamesTheHeader", {"/h", "x_h.h", "x.idl"}, {"headerName=x_h.h", "write=header,client,server"}},
    {"SlashHeaderNamesTheHeader", {"/header", "x_h.h", "x.idl"}, {"headerName=x_h.h"}},
    {"HeaderNameNamesTheHeader",
     {"--header", "--header-name", "x_h.h", "x.idl"},
     {"headerName=x_h.h", "write=header"}},
    {"SlashCstubAndSstubNameTheStubs",
     {"/cstub", "c.cpp", "/sstub", "s.cpp", "x.idl"},
     {"clientName=c.cpp", "serverName=s.cpp", "write=header,client,server"}},
    {"DashCstubAndSstubAreMidls",
     {"-cstub", "c.cpp", "-sstub", "s.cpp", "x.idl"},
     {"clientName=c.cpp", "serverName=s.cpp"}},
    {"ClientNameNamesTheClient", {"--client", "--client-name", "c.cpp", "x.idl"}, {"clientName=c.cpp"}},
    {"ServerNameNamesTheServer", {"--server", "--server-name", "s.cpp", "x.idl"}, {"serverName=s.cpp"}},
    {"SlashClientNoneLeavesOutTheClient", {"/client", "none", "x.idl"}, {"write=header,server"}},
    {"SlashServerNoneLeavesOutTheServer", {"/server", "none", "x.idl"}, {"write=header,client"}},
    {"DashClientNoneIsMidls", {"-client", "none", "-server", "none", "x.idl"}, {"write=header"}},
    {"SlashClientStubWritesEverythingAsMidl", {"/client", "stub", "x.idl"}, {"write=header,client,server"}},
    {"SlashClientStubAddsToChosenFiles", {"--header", "/client", "stub", "x.idl"}, {"write=header,client"}},
    {"SlashClientTakesNoneOrStub",
     {"/client", "both", "x.idl"},
     {"exit=1", "err~/client takes none or stub"}},
    {"NamingAFileThatIsNotWrittenIsAnError",
     {"--header", "--client-name", "c.cpp", "x.idl"},
     {"exit=1", "err~--client-name (/cstub) c.cpp names a file that is not written"}},
    {"NamingAClientSwitchedOffIsAnError",
     {"/client", "none", "/cstub", "c.cpp", "x.idl"},
     {"exit=1", "err~drop /client none"}},
    // Inputs and the preprocessor.
    {"SlashAcfNamesTheAcf", {"/acf", "a.acf", "x.idl"}, {"acf=a.acf"}},
    {"DashAcfIsMidls", {"-acf", "a.acf", "x.idl"}, {"acf=a.acf"}},
    {"SlashDIUReachThePreprocessor",
     {"/D", "A=1", "/I", "inc", "/U", "B", "x.idl"},
     {"defines=A=1", "includes=inc", "undefines=B"}},
    {"SlashDKeepsAValueStartingWithADash", {"/D", "-odd", "x.idl"}, {"defines=-odd"}},
    {"WidlShortFormsAreMidlcs",
     {"-o", "g", "-I", "inc", "-D", "A", "-U", "B", "x.idl"},
     {"outDir=g", "includes=inc", "defines=A", "undefines=B"}},
    {"DashEPreprocessesOnly", {"-E", "x.idl"}, {"preprocessOnly=1", "write=summary"}},
    // A slash spelling is a switch only when it is exactly one of MIDL's names.
    {"AnAbsolutePathIsAFile", {"/home/me/x.idl"}, {"exit=0", "input=/home/me/x.idl"}},
    {"APathUnderAFolderNamedLikeASwitchIsAFile", {"/tmp/out/x.idl"}, {"input=/tmp/out/x.idl", "outDir=."}},
    {"APathStartingWithASwitchLetterIsAFile", {"/Users/me/x.idl"}, {"input=/Users/me/x.idl", "undefines="}},
    {"APathStartingWithSlashDIsAFile", {"/Data/x.idl"}, {"input=/Data/x.idl", "defines="}},
    {"AnUnknownSlashNameIsAFile", {"/bogus"}, {"exit=0", "input=/bogus"}},
    {"AfterDoubleDashASwitchNameIsAFile", {"--", "/out"}, {"exit=0", "input=/out", "outDir=."}},
    {"SlashOutNeedsAValue", {"/out"}, {"exit=1", "err~/out needs a value: DIR"}},
    // Warnings.
    {"WarningsAreAllOnByDefault", {"x.idl"}, {"disabled=", "werror=0"}},
    {"SlashW0TurnsEveryWarningOff",
     {"/W0", "x.idl"},
     {"disabled=acf,cache,cpp,deprecated,local-async,midl-switch,pragma,unsupported-attribute"}},
    {"SlashNoWarnTurnsEveryWarningOff",
     {"/no_warn", "x.idl"},
     {"disabled=acf,cache,cpp,deprecated,local-async,midl-switch,pragma,unsupported-attribute"}},
    {"SlashW1KeepsLevelOne", {"/W1", "x.idl"}, {"disabled=acf,deprecated,pragma"}},
    {"SlashW2KeepsLevelsOneAndTwo", {"/W2", "x.idl"}, {"disabled=pragma"}},
    {"SlashW3KeepsEveryWarning", {"/W3", "x.idl"}, {"disabled="}},
    {"SlashW4KeepsEveryWarning", {"/W0", "/W4", "x.idl"}, {"disabled="}},
    {"DashW1IsMidls", {"-W1", "x.idl"}, {"disabled=acf,deprecated,pragma"}},
    {"ALaterWarningSwitchWins", {"/W1", "-Wpragma", "x.idl"}, {"disabled=acf,deprecated"}},
    {"ALaterLevelWins", {"-Wno-cpp", "/W3", "x.idl"}, {"disabled="}},
    {"WnoTurnsOneWarningOff", {"-Wno-pragma", "x.idl"}, {"disabled=pragma"}},
    {"SlashWXMakesWarningsErrors", {"/WX", "x.idl"}, {"werror=1"}},
    {"DashWXMakesWarningsErrors", {"-WX", "x.idl"}, {"werror=1"}},
    {"WerrorMakesWarningsErrors", {"-Werror", "x.idl"}, {"werror=1"}},
    {"UnknownWarningIsAnError",
     {"-Wbogus", "x.idl"},
     {"exit=1", "err~unknown warning option '-Wbogus'; midlc's warnings are unsupported-attribute"}},
    {"UnknownWnoWarningIsAnError", {"-Wno-bogus", "x.idl"}, {"exit=1", "err~'-Wno-bogus'"}},
    {"UnknownLevelIsAnError", {"-W5", "x.idl"}, {"exit=1", "err~MIDL's levels are /W0 to /W4"}},
    // Accepted, with or without a warning; refused.
    {"SlashNologoChangesNothing", {"/nologo", "x.idl"}, {"exit=0", "switchWarnings=", "write=summary"}},
    {"SlashEnvWin32IsAccepted", {"/env", "win32", "x.idl"}, {"exit=0", "switchWarnings="}},
    {"DashEnvWin64IsAccepted", {"-env", "win64", "x.idl"}, {"exit=0", "switchWarnings="}},
    {"SlashEnvRejectsUnknownPlatforms", {"/env", "win16", "x.idl"}, {"exit=1", "err~/env takes win32"}},
    {"SlashIidWarnsWhereIidsAre",
     {"/iid", "x_i.c", "x.idl"},
     {"exit=0", "switchWarnings~/iid x_i.c is ignored: midlc writes no IID file", "write=summary"}},
    {"SlashProxyWarnsWhereProxiesAre",
     {"/proxy", "x_p.c", "x.idl"},
     {"switchWarnings~COM proxies are in the client file"}},
    {"SlashDlldataWarns", {"/dlldata", "dlldata.c", "x.idl"}, {"switchWarnings~no dlldata file"}},
    {"SlashTlbWarns", {"/tlb", "x.tlb", "x.idl"}, {"switchWarnings~no type library"}},
    {"DashTlbIsMidls", {"-tlb", "x.tlb", "x.idl"}, {"switchWarnings~-tlb x.tlb is ignored"}},
    {"SlashAppConfigWarns", {"/app_config", "x.idl"}, {"switchWarnings~ACF attributes only in the ACF"}},
    {"SlashPrefixIsRefused",
     {"/prefix", "client", "c_", "x.idl"},
     {"exit=1", "err~/prefix is not supported"}},
    {"DashPrefixIsRefused", {"-prefix", "all", "p_", "x.idl"}, {"exit=1", "err~-prefix is not supported"}},
    {"WidlPrefixClientIsRefused",
     {"--prefix-client=c_", "x.idl"},
     {"exit=1", "err~--prefix-client is not supported"}},
    {"WidlPrefixServerIsRefused", {"--prefix-server", "s_", "x.idl"}, {"exit=1", "err~--prefix-server"}},
    {"WidlPrefixAllIsRefused", {"--prefix-all", "p_", "x.idl"}, {"exit=1", "err~--prefix-all"}},
    // Help, version and errors.
    {"DashHIsHelp", {"-h"}, {"exit=0", "out~Usage: midlc"}},
    {"SlashHelpIsHelp", {"/help"}, {"exit=0", "out~Usage: midlc"}},
    {"SlashQuestionMarkIsHelp", {"/?"}, {"exit=0", "out~Usage: midlc"}},
    {"HelpExplainsTheDashHClash", {"--help"}, {"out~widl's -h (write a header) is --header"}},
    {"HelpListsMidlSwitches", {"--help"}, {"out~/cstub FILE, -cstub", "out~/env win32|win64"}},
    {"HelpNamesTheIdlFolder", {"--help"}, {"out~midlc's IDL folder: "}},
    {"VersionPrintsTheVersion", {"--version"}, {"exit=0", "out~midlc "}},
    {"ASecondFileIsAnError", {"x.idl", "y.idl"}, {"exit=1", "err~midlc: error: "}},
    {"AMissingFileIsAnError", {"--header"}, {"exit=1", "err~file is required"}},
};

// gtest names each case by its rule; this keeps it from also printing the row's bytes.
void PrintTo(const Row& row, std::ostream* os) {
  *os << row.rule;
}

class CommandLineRule : public ::testing::TestWithParam<Row> {};

TEST_P(CommandLineRule, Holds) {
  const Row& row = GetParam();
  std::vector<std::string> lines = describe(midlc::driver::parseCommandLine(row.args));
  std::string all;
  for (const auto& line : lines) all += line + "\n";
  for (const auto& expected : row.expected) {
    size_t tilde = expected.find('~');
    bool found = false;
    for (const auto& line : lines) {
      if (tilde == std::string::npos)
        found = found || line == expected;
      else
        found = found || (line.rfind(expected.substr(0, tilde) + "=", 0) == 0 &&
                          line.find(expected.substr(tilde + 1)) != std::string::npos);
    }
    EXPECT_TRUE(found) << "expected " << expected << " in:\n" << all;
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, CommandLineRule, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.rule; });

}  // namespace

// The help's footer is made only when asked for (CLI11 adds a newline after what the function returns and a
// blank line after the footer): the help ends with the footer's last line and that blank line, as when the
// footer was a string.
TEST(CommandLineHelp, EndsWithTheFootersLastLineAndABlankLine) {
  const midlc::driver::CommandLine help = midlc::driver::parseCommandLine({"--help"});
  const std::string end = "--no-default-imports leaves it out\n\n";
  ASSERT_GE(help.out.size(), end.size());
  EXPECT_EQ(help.out.substr(help.out.size() - end.size()), end);
}
