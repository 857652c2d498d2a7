// The pieces that write generated code: the printer of fragments with named holes, midlc's Mustache engine
// and the rules it applies before it (standalone tags, indented partials), and --template-dir overriding one
// partial.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "codegen/generate.h"
#include "codegen/mustache.h"
#include "codegen/printer.h"
#include "codegen/render.h"
#include "support/compile_text.h"

namespace fs = std::filesystem;
using midlc::codegen::Printer;

TEST(Printer, FragmentsLoseTheirCommonIndentationAndHolesTakeTheirValues) {
  Printer p;
  p.emit({{"x", "value"}, {"t", "int32_t"}}, R"gen(
    if (ready) {
      e.write<$t$>($x$);
    }
  )gen");
  EXPECT_EQ(p.text(), "if (ready) {\n  e.write<int32_t>(value);\n}\n");
}

TEST(Printer, ACallbackAloneOnItsLineIsIndentedToItsColumn) {
  Printer p;
  p.emit({{"body", [&] { p.emit("a();\nb();"); }}}, R"gen(
    {
      $body$
    }
  )gen");
  EXPECT_EQ(p.text(), "{\n  a();\n  b();\n}\n");
}

TEST(Printer, AnEmptyValueAloneOnItsLineRemovesTheLine) {
  Printer p;
  p.emit({{"maybe", ""}}, "a();\n$maybe$\nb();");
  EXPECT_EQ(p.text(), "a();\nb();\n");
}

TEST(Printer, AMissingHoleOrAValueThatSpansLinesIsAnInternalError) {
  Printer p;
  EXPECT_THROW(p.emit("$nothing$;"), std::logic_error);
  EXPECT_THROW(p.emit({{"x", "a\nb"}}, "f($x$);"), std::logic_error);
  EXPECT_THROW(p.emit({{"cb", [] {}}}, "f($cb$);"), std::logic_error);
}

TEST(Templates, TagsAloneOnTheirLinesLeaveNoLineBehind) {
  EXPECT_EQ(midlc::codegen::removeStandaloneTags("a\n  {{#x}}\n  b\n  {{/x}}\n{{! note }}\nc\n"),
            "a\n{{#x}}  b\n{{/x}}c\n");
  EXPECT_EQ(midlc::codegen::removeStandaloneTags("a {{#x}}b{{/x}}\n"), "a {{#x}}b{{/x}}\n");  // not alone
}

namespace {

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("midlc-templates-" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir / "rpc"); }
  ~Scratch() { fs::remove_all(dir); }
};

const char* kIdl = "[uuid(11111111-2222-3333-4444-555555555555)] interface I { long F([in] long a); }\n";

}  // namespace

TEST(Templates, TemplateDirOverridesOnePartialAndThePartialIsIndentedAsItsTag) {
  Scratch scratch;
  std::ofstream(scratch.dir / "rpc/client_function.mustache")
      << "// {{name}}\n{{{returnType}}} {{name}}();\n";
  auto compiled = midlc::testing::compileText(kIdl);
  ASSERT_TRUE(compiled.ok()) << compiled.diagnostics;
  midlc::codegen::Options options;
  options.client = true;
  options.templateDir = scratch.dir.string();
  midlc::codegen::MemorySink sink;
  midlc::Diagnostics diagnostics;
  ASSERT_TRUE(midlc::codegen::generate(*compiled.model, options, sink, diagnostics)) << diagnostics.summary();
  const std::string& client = sink.files.at("test_c.cpp");
  EXPECT_NE(client.find("namespace I {\n// F\nint32_t F();\n\n}  // namespace I"), std::string::npos)
      << client;
}

TEST(Templates, ABrokenTemplateIsAnErrorThatNamesIt) {
  Scratch scratch;
  std::ofstream(scratch.dir / "rpc/client_function.mustache") << "{{#unclosed}}\n";
  auto compiled = midlc::testing::compileText(kIdl);
  ASSERT_TRUE(compiled.ok());
  midlc::codegen::Options options;
  options.client = true;
  options.templateDir = scratch.dir.string();
  midlc::codegen::MemorySink sink;
  midlc::Diagnostics diagnostics;
  EXPECT_FALSE(midlc::codegen::generate(*compiled.model, options, sink, diagnostics));
  EXPECT_NE(diagnostics.summary().find("templates/cpp/rpc/client_function.mustache: error: template error: "
                                       "line 1: section 'unclosed' is not closed"),
            std::string::npos)
      << diagnostics.summary();
}

// midlc checks only overriding templates on their own (their sections close within them); the embedded ones
// are checked here, once, rather than at every run.
TEST(Templates, EveryEmbeddedTemplateStandsOnItsOwn) {
  ASSERT_FALSE(midlc::codegen::embeddedTemplates().empty());
  for (const auto& t : midlc::codegen::embeddedTemplates()) {
    std::string problem;
    EXPECT_TRUE(midlc::codegen::MustacheTemplate::parse(t.text, problem)) << t.name << ": " << problem;
  }
}
