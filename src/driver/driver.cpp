// The driver: loads the IDL with its imports (each file once), the ACF, and runs sema.
#include "driver/driver.h"

#include <dirent.h>
#include <strings.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "driver/idl_folder.h"
#include "frontend/ast_serializer.h"
#include "frontend/parser.h"
#include "sema/analyze.h"
#include "sema/json_dump.h"
#include "support/keep_until_exit.h"
#include "support/spelling.h"

namespace midlc::driver {

namespace fs = std::filesystem;

namespace {

// midlc's own IDL folder, unless --no-default-imports (or none was found).
std::string ownImportDir(const Options& options) {
  return options.defaultImports ? ownIdlFolder().path : std::string();
}

// The preprocessor's view of one file: its own folder first, then -I, then midlc's own IDL folder.
frontend::PreprocessOptions preprocessOptions(const std::string& path, const Options& options,
                                              const std::string& ownDir) {
  frontend::PreprocessOptions pp = options.preprocess;
  pp.includeDirs.insert(pp.includeDirs.begin(), fs::path(path).parent_path().string());
  if (!ownDir.empty()) pp.includeDirs.push_back(ownDir);
  for (auto& dir : pp.includeDirs)
    if (dir.empty()) dir = ".";
  return pp;
}

class Loader {
 public:
  // `included`, if given, collects the files the loaded files #include (for --depfile).
  Loader(const Options& options, FileCache& files, Diagnostics& diagnostics, std::set<std::string>* included)
      : options_(options),
        files_(files),
        diagnostics_(diagnostics),
        ownDir_(ownImportDir(options)),
        included_(included) {
    searchPath_ = options.importDirs;
    for (const auto& dir : options.preprocess.includeDirs) searchPath_.push_back(dir);
    if (!ownDir_.empty()) searchPath_.push_back(ownDir_);
  }

  bool load(const std::string& path, bool isMain) {
    // A file is known by its canonical name (two spellings, one file); resolving a spelling takes a system
    // call per folder in it, and the same imports are met again and again (unknwn.idl from every file), so
    // each spelling is resolved once.
    auto [spelling, added] = canonical_.try_emplace(path);
    if (added) {
      std::error_code ec;
      spelling->second = fs::weakly_canonical(path, ec).string();
      if (ec) spelling->second = path;
    }
    if (!seen_.insert(spelling->second).second) return true;  // already loaded, or being loaded (a cycle)
    const frontend::PreprocessOptions pp = preprocessOptions(path, options_, ownDir_);
    std::optional<frontend::Preprocessed> text = frontend::preprocessForParse(path, pp, files_, diagnostics_);
    if (!text) return false;
    if (included_) included_->merge(text->includedFiles());
    // With --cache-dir, a file parsed before (an import, mostly) comes back from the cache, not from the parser.
    std::optional<ast::File> file;
    if (!text->cachedAst().empty()) file = frontend::deserializeAst(text->cachedAst());
    if (!file) {
      const size_t before = diagnostics_.all().size();
      const SourceText source = text->takeSource(files_);
      file = frontend::parseIdl(source, diagnostics_);
      // The tree is kept only when the parse said nothing: a cached file would not say it again.
      const bool keepTree = file && !pp.cacheDir.empty() && diagnostics_.all().size() == before;
      text->keep(keepTree ? frontend::serializeAst(*file) : std::string(), diagnostics_);
      if (!file) return false;
    }
    auto owned = std::make_unique<ast::File>(std::move(*file));
    if (isMain) {  // --import: the main file's first imports, in the order given
      std::vector<ast::Definition> first;
      for (const std::string& name : options_.preImports)
        first.emplace_back(ast::Import{name, Location{path, 1, 1}});
      owned->definitions.insert(owned->definitions.begin(), std::make_move_iterator(first.begin()),
                                std::make_move_iterator(first.end()));
    }
    bool ok = true;
    std::vector<const ast::Import*> imports;
    collectImports(owned->definitions, imports);
    for (const ast::Import* import : imports) {
      fs::path from = fs::path(path).parent_path();
      std::string found = find(import->path, from);
      if (found.empty()) {
        reportMissingImport(*import, from);
        ok = false;
        continue;
      }
      if (auto known = canonical_.find(found); known != canonical_.end() && seen_.count(known->second)) {
        continue;  // loaded already (or being loaded): a regular file
      }
      if (std::error_code ec; !fs::is_regular_file(found, ec)) {
        // A device (/dev/zero), FIFO or folder: reading it would never end, or mean nothing.
        diagnostics_.error(import->location,
                           "imported file '" + import->path + "' is not a regular file ('" + found + "')");
        ok = false;
        continue;
      }
      ok = load(found, false) && ok;
    }
    parsedFiles_.push_back({owned.get(), isMain});
    parsed_.push_back(std::move(owned));
    return ok;
  }

  const std::vector<sema::ParsedFile>& files() const { return parsedFiles_; }
  // Leaves the syntax trees to the end of the process (Options::freeAtEnd).
  void keepUntilExit() {
    for (auto& file : parsed_) midlc::keepUntilExit(std::move(file));
  }

 private:
  static void collectImports(const std::vector<ast::Definition>& defs, std::vector<const ast::Import*>& out) {
    for (const auto& def : defs) {
      if (auto* i = std::get_if<ast::Import>(&def)) out.push_back(i);
      if (auto* itf = std::get_if<std::unique_ptr<ast::Interface>>(&def))
        collectImports((*itf)->members, out);
      if (auto* lib = std::get_if<std::unique_ptr<ast::Library>>(&def))
        collectImports((*lib)->definitions, out);
    }
  }

  // The folders an import is looked up in, in order: the importing file's own, then the search path.
  std::vector<std::string> searchedFolders(const fs::path& from) const {
    std::vector<std::string> out{from.empty() ? std::string(".") : from.string()};
    for (const auto& dir : searchPath_)
      if (std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(dir);
    return out;
  }

  // "cannot find imported file", with a near file name of the searched folders and a note listing them.
  void reportMissingImport(const ast::Import& import, const fs::path& from) const {
    std::vector<std::string> folders = searchedFolders(from);
    fs::path wanted(import.path);
    std::vector<std::string> candidates;
    std::error_code ec;
    if (!wanted.is_absolute())
      for (const auto& folder : folders) {
        fs::path dir = fs::path(folder) / wanted.parent_path();
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
          if (it->is_regular_file(ec)) {
            std::string name = (wanted.parent_path() / it->path().filename()).generic_string();
            if (std::find(candidates.begin(), candidates.end(), name) == candidates.end())
              candidates.push_back(name);
          }
        ec.clear();
      }
    diagnostics_.error(import.location, "cannot find imported file '" + import.path + "'" +
                                            didYouMean(import.path, candidates));
    if (wanted.is_absolute()) return;
    std::string list;
    for (const auto& folder : folders) list += (list.empty() ? "'" : ", '") + folder + "'";
    diagnostics_.note(import.location, "folders searched: " + list);
  }

  std::string find(const std::string& name, const fs::path& from) const {
    std::error_code ec;
    if (fs::path(name).is_absolute()) return fs::exists(name, ec) ? name : std::string();
    fs::path local = from / name;
    if (fs::exists(local, ec)) return local.string();
    for (const auto& dir : searchPath_) {
      fs::path candidate = fs::path(dir) / name;
      if (fs::exists(candidate, ec)) return candidate.string();
    }
    return {};
  }

  const Options& options_;
  FileCache& files_;
  Diagnostics& diagnostics_;
  std::string ownDir_;
  std::vector<std::string> searchPath_;
  std::map<std::string, std::string> canonical_;  // each spelling of a path met: its canonical name
  std::set<std::string> seen_;                    // canonical names
  std::vector<std::unique_ptr<ast::File>> parsed_;
  std::vector<sema::ParsedFile> parsedFiles_;
  std::set<std::string>* included_;
};

}  // namespace

std::string defaultAcfPath(const std::string& idlPath) {
  std::error_code ec;
  fs::path exact = fs::path(idlPath).replace_extension(".acf");
  if (fs::is_regular_file(exact, ec)) return exact.string();
  // Else a name that differs only in case (Foo.ACF), as on Windows: the folder's names compared where they
  // stand, in one pass (Wine's include folder holds thousands; a path object per name took more time than
  // a small file's checks).
  const std::string wanted = exact.filename().string();
  const fs::path folder = exact.parent_path();
  DIR* dir = ::opendir(folder.empty() ? "." : folder.c_str());
  if (!dir) return {};
  std::string best;
  while (const dirent* entry = ::readdir(dir)) {
    if (::strcasecmp(entry->d_name, wanted.c_str()) != 0) continue;
    std::string name = entry->d_name;
    std::error_code fileError;
    if (!fs::is_regular_file(folder / name, fileError)) continue;
    if (best.empty() || name < best) best = std::move(name);
  }
  ::closedir(dir);
  return best.empty() ? std::string() : (folder / best).string();
}

std::unique_ptr<sema::Model> compile(const Options& options, FileCache& files, Diagnostics& diagnostics,
                                     std::set<std::string>* included) {
  std::error_code ec;
  if (!fs::is_regular_file(options.input, ec)) {
    diagnostics.error(Location{options.input, 0, 0}, "no such file");
    return nullptr;
  }
  Loader loader(options, files, diagnostics, included);
  if (!loader.load(options.input, true)) return nullptr;

  // The ACF: named with --acf, or <basename>.acf beside the IDL file if there is one (as MIDL does).
  std::optional<ast::AcfFile> acf;
  std::string acfPath = options.acf;
  if (acfPath.empty()) {
    acfPath = defaultAcfPath(options.input);
  } else if (!fs::is_regular_file(acfPath, ec)) {
    diagnostics.error(Location{acfPath, 0, 0}, "no such ACF file");
    return nullptr;
  }
  if (!acfPath.empty()) {
    auto source =
        frontend::preprocess(acfPath, preprocessOptions(acfPath, options, {}), files, diagnostics, included);
    if (!source) return nullptr;
    acf = frontend::parseAcf(*source, diagnostics);
    if (!acf) return nullptr;
  }
  // Only a header: what cannot be marshaled costs an interface its proxy and stub, not the file its header
  // (as MIDL and widl write headers of any interface); --dump-model and the summary check it all.
  const bool headerOnly =
      options.header && !options.client && !options.server && !options.fuzz && !options.dumpModel;
  auto model = sema::analyze(loader.files(), acf ? &*acf : nullptr, diagnostics,
                             headerOnly ? sema::Stubs::Optional : sema::Stubs::Required);
  if (!options.freeAtEnd) loader.keepUntilExit();
  return model;
}

namespace {

std::string makeEscape(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '#') out += '\\';
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

// "target: dep dep ..." with the outputs as targets, so editing an imported IDL, the ACF or a header either
// #includes regenerates.
bool writeDepfile(const Options& options, const sema::Model& model, const std::set<std::string>& included,
                  Diagnostics& diagnostics) {
  std::string base = fs::path(options.input).stem().string();
  std::string header = options.headerName.empty() ? base + ".h" : options.headerName;
  std::string target = makeEscape((fs::path(options.outDir) / header).string());
  std::string text = target + ":";
  for (const auto& f : model.files) text += " \\\n  " + makeEscape(f.path);
  if (!model.acfPath.empty()) text += " \\\n  " + makeEscape(model.acfPath);
  for (const auto& header : included)
    if (std::none_of(model.files.begin(), model.files.end(), [&](const auto& f) { return f.path == header; }))
      text += " \\\n  " + makeEscape(header);
  text += "\n";
  codegen::DirectorySink sink(fs::path(options.depfile).parent_path().string());
  return sink.write(fs::path(options.depfile).filename().string(), text, diagnostics);
}

int failed(const Diagnostics& diagnostics, std::ostream& err) {
  err << diagnostics.errorCount() << (diagnostics.errorCount() == 1 ? " error" : " errors")
      << " generated.\n";
  return 1;
}

// -E: the main file as the preprocessor leaves it (line markers taken out), as widl -E prints it.
int printPreprocessed(const Options& options, FileCache& files, Diagnostics& diagnostics, std::ostream& out,
                      std::ostream& err) {
  auto source = frontend::preprocess(
      options.input, preprocessOptions(options.input, options, ownImportDir(options)), files, diagnostics);
  if (!source || diagnostics.hasErrors()) return failed(diagnostics, err);
  out << source->text();
  return 0;
}

}  // namespace

int run(const Options& options, std::ostream& out, std::ostream& err) {
  FileCache files;
  Diagnostics diagnostics(&files, &err);
  diagnostics.setWarningsAreErrors(options.warningsAreErrors);
  for (const auto& w : options.disabledWarnings) diagnostics.disableWarning(w);
  for (const auto& message : options.switchWarnings) diagnostics.warning(Location{}, "midl-switch", message);
  if (options.preprocessOnly) return printPreprocessed(options, files, diagnostics, out, err);
  std::set<std::string> included;
  auto model = compile(options, files, diagnostics, options.depfile.empty() ? nullptr : &included);
  if (!model || diagnostics.hasErrors()) return failed(diagnostics, err);
  if (options.dumpModel) out << sema::dumpModel(*model);
  const bool writes = options.header || options.client || options.server || options.fuzz;
  if (writes) {
    codegen::Options gen;
    gen.header = options.header;
    gen.client = options.client;
    gen.server = options.server;
    gen.fuzz = options.fuzz;
    gen.headerName = options.headerName;
    gen.clientName = options.clientName;
    gen.serverName = options.serverName;
    gen.templateDir = options.templateDir;
    gen.cppQuote = options.cppQuote;
    gen.defaultImportDir = ownImportDir(options);
    gen.freeAtEnd = options.freeAtEnd;
    codegen::DirectorySink sink(options.outDir);
    if (!codegen::generate(*model, gen, sink, diagnostics)) return failed(diagnostics, err);
  }
  if (!options.depfile.empty() && !writeDepfile(options, *model, included, diagnostics)) return 1;
  if (!options.dumpModel && !writes) out << sema::summarizeModel(*model);
  if (!options.freeAtEnd) keepUntilExit(std::move(model));
  return 0;
}

}  // namespace midlc::driver
