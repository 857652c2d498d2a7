// The code-generation stage (see generate.h): plan, views, templates, files.
#include "codegen/generate.h"

#include <filesystem>
#include <fstream>

#include "codegen/interface_plan.h"
#include "codegen/render.h"
#include "codegen/view.h"
#include "support/keep_until_exit.h"

namespace midlc::codegen {

bool DirectorySink::write(const std::string& fileName, const std::string& text, Diagnostics& diagnostics) {
  std::filesystem::path path = std::filesystem::path(dir_) / fileName;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  // Unchanged output keeps its timestamp, so build systems do not rebuild what depends on it.
  std::string existing;
  if (readFile(path.string(), existing) && existing == text) return true;
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    diagnostics.error(Location{path.string(), 0, 0}, "cannot write file");
    return false;
  }
  return true;
}

bool generate(const sema::Model& model, const Options& options, OutputSink& sink, Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  const std::string base =
      options.baseName.empty() ? fs::path(model.mainFile().path).stem().string() : options.baseName;
  auto wirePlanner = std::make_unique<WirePlanner>();
  WirePlanner& wire = *wirePlanner;
  auto filePlan = std::make_unique<const FilePlan>(planFile(model, wire));
  const FilePlan& plan = *filePlan;
  struct Output {
    bool wanted;
    const char* templateName;
    std::string file;
    Data view;
  };
  // Without freeAtEnd, freeing what was built is left to the end of the process (a tenth of a large file's
  // run went to destroying the plan).
  struct KeepAtEnd {
    bool keep;
    std::unique_ptr<WirePlanner>& wire;
    std::unique_ptr<const FilePlan>& plan;
    std::vector<std::unique_ptr<Data>> views;
    ~KeepAtEnd() {
      if (!keep) return;
      keepUntilExit(std::move(wire));
      keepUntilExit(std::move(plan));
      for (auto& v : views) keepUntilExit(std::move(v));
    }
  } keepAtEnd{!options.freeAtEnd, wirePlanner, filePlan, {}};
  // The file names chosen on the command line (MIDL's /h, /cstub, /sstub), or midlc's.
  auto name = [](const std::string& chosen, std::string fallback) {
    return chosen.empty() ? fallback : chosen;
  };
  const std::string header = name(options.headerName, base + ".h");
  // The fuzz target round-trips the types the header marshals: the header's view decides which.
  std::vector<std::string> marshaledTypes;
  const HeaderOptions headerOptions{options.defaultImportDir, options.cppQuote};
  Data headerData = options.header || options.fuzz ? headerView(model, plan, wire, headerOptions,
                                                                options.fuzz ? &marshaledTypes : nullptr)
                                                   : Data();
  Output outputs[] = {
      {options.header, "header.h", header, std::move(headerData)},
      {options.client, "client.cpp", name(options.clientName, base + "_c.cpp"),
       options.client ? clientView(plan) : Data()},
      {options.server, "server.cpp", name(options.serverName, base + "_s.cpp"),
       options.server ? serverView(plan) : Data()},
      {options.fuzz, "fuzz.cpp", base + "_fuzz.cpp", options.fuzz ? fuzzView(plan, marshaledTypes) : Data()},
  };
  Templates templates(options.templateDir, diagnostics);
  for (auto& output : outputs) {
    if (!output.wanted) continue;
    output.view.set("version", MIDLC_VERSION);
    output.view.set("idlFile", fs::path(model.mainFile().path).filename().string());
    output.view.set("header", header);
    auto text = templates.render(output.templateName, output.view);
    if (keepAtEnd.keep) keepAtEnd.views.push_back(std::make_unique<Data>(std::move(output.view)));
    if (!text || !sink.write(output.file, *text, diagnostics)) return false;
  }
  return !diagnostics.hasErrors();
}

}  // namespace midlc::codegen
