#include "frontend/builtin_preprocessor.h"

#include <sys/stat.h>

#include <algorithm>
#include <bitset>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "frontend/pp_expression.h"
#include "frontend/pp_lexer.h"
#include "support/source.h"
#include "support/text.h"

namespace midlc::frontend {

namespace {

using pp::Kind;
using pp::Token;

constexpr int kMaxIncludeDepth = 200;   // as gcc's default
constexpr int kMaxArgumentDepth = 200;  // macro calls in arguments of macro calls, each expanded first
constexpr size_t kBaseTokenBudget = size_t{1} << 22;  // tokens macro expansion may make, plus 2 per byte read
// Bytes of spelling that ## and # may make, plus 2 per byte read: a paste doubles a token's length without
// adding a token (D(a) a##a called through E(a) D(a), nested), so the token budget alone does not bound it.
constexpr size_t kBaseSpellingBudget = size_t{16} << 20;
// Each message is cut to this length (a pasted token may be megabytes long), and the run stops after this
// many (a macro may repeat an error without end of input).
constexpr size_t kMaxMessageBytes = 300;
constexpr size_t kMaxMessages = 1000;

// The macros a token may no longer invoke (C11 6.10.3.4: a macro's name met while its own expansion is
// rescanned is not replaced, then or later): Prosser's hide sets, interned so that a token carries an id.
class HideSets {
 public:
  bool contains(uint32_t set, uint32_t macro) const {
    const auto& s = sets_[set];
    return std::binary_search(s.begin(), s.end(), macro);
  }
  uint32_t add(uint32_t set, uint32_t macro) {
    const uint64_t key = (uint64_t{set} << 32) | macro;
    if (auto it = added_.find(key); it != added_.end()) return it->second;
    std::vector<uint32_t> s = sets_[set];
    s.insert(std::upper_bound(s.begin(), s.end(), macro), macro);
    s.erase(std::unique(s.begin(), s.end()), s.end());
    return added_[key] = intern(std::move(s));
  }
  uint32_t unite(uint32_t a, uint32_t b) {
    if (a == b || b == 0) return a;
    if (a == 0) return b;
    std::vector<uint32_t> s;
    std::set_union(sets_[a].begin(), sets_[a].end(), sets_[b].begin(), sets_[b].end(), std::back_inserter(s));
    return intern(std::move(s));
  }
  uint32_t intersect(uint32_t a, uint32_t b) {
    if (a == b) return a;
    if (a == 0 || b == 0) return 0;
    std::vector<uint32_t> s;
    std::set_intersection(sets_[a].begin(), sets_[a].end(), sets_[b].begin(), sets_[b].end(),
                          std::back_inserter(s));
    return intern(std::move(s));
  }

 private:
  uint32_t intern(std::vector<uint32_t> s) {
    auto [it, added] = ids_.try_emplace(std::move(s), static_cast<uint32_t>(sets_.size()));
    if (added) sets_.push_back(it->first);
    return it->second;
  }
  std::vector<std::vector<uint32_t>> sets_{{}};  // id 0: the empty set
  std::map<std::vector<uint32_t>, uint32_t> ids_{{{}, 0}};
  std::unordered_map<uint64_t, uint32_t> added_;
};

struct Macro {
  enum class Builtin : uint8_t { None, File, Line };
  uint32_t id = 0;
  bool functionLike = false;
  bool variadic = false;  // its last parameter takes the rest of the arguments
  Builtin builtin = Builtin::None;
  std::vector<std::string_view> params;
  std::vector<Token> body;  // parameters marked (Token::param)
};

// Heterogeneous lookup: the macro table is searched with the tokens' string_views.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One file being read: its lexer, where its groups start on the conditional stack, and what #line says.
struct OpenFile {
  std::string path;             // as found (the quote folder or an -I folder joined to the name)
  const std::string* presumed;  // the name in line markers and messages (#line may change it)
  int64_t lineDelta = 0;        // #line: presumed line minus physical line
  int dirIndex = -1;            // the -I folder it was found in (#include_next searches after it)
  int64_t resumeLine = 0;       // the line after the #include being read
  size_t conditionalBase = 0;
  std::unique_ptr<pp::Lexer> lexer;
  std::vector<Token> pending;  // tokens read ahead and given back, last first
};

struct Conditional {
  bool parentActive = true;
  bool active = true;  // the group being read is kept
  bool taken = false;  // a group of this #if was kept (or none may be: the parent is left out)
  bool sawElse = false;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string_view directive;
};

// Writes the text as cpp -E does: tokens at their lines (blank lines, or a line marker past eight), those
// written in the file at their columns, those of a macro's expansion one space apart where they had
// space, and a space wherever two tokens would otherwise read as one.
class Writer {
 public:
  explicit Writer(const std::string* file) : file_(file) {}

  void moveTo(const std::string* file, int64_t line) {
    if (file != file_ && *file != *file_) {
      marker(file, line, "");
      return;
    }
    file_ = file;
    if (line <= line_) return;
    if (line - line_ > 8) {
      marker(file, line, "");
      return;
    }
    while (line_ < line) newline();
  }

  void marker(const std::string* file, int64_t line, const char* flag) {
    if (column_ > 0) newline();
    out_ += "# ";
    out_ += std::to_string(line);
    out_ += " \"";
    out_ += cEscape(*file);
    out_ += '"';
    out_ += flag;
    out_ += '\n';
    file_ = file;
    line_ = line;
    last_ = nullptr;
  }

  void token(const Token& t) {
    if (t.column > column_ + 1) {
      out_.append(t.column - 1 - column_, ' ');
      column_ = t.column - 1;
    } else if (column_ > 0 && (t.spaceBefore || (last_ && wouldJoin(last_, t)))) {
      out_ += ' ';
      ++column_;
    }
    out_ += t.text;
    column_ += static_cast<uint32_t>(t.text.size());
    lastToken_ = t;
    last_ = &lastToken_;
  }

  // A directive passed on (#pragma): a line of its own.
  void line(std::string_view text) {
    if (column_ > 0) newline();
    out_ += text;
    newline();
  }

  size_t size() const { return out_.size(); }
  std::string take() {
    if (column_ > 0) newline();
    return std::move(out_);
  }

 private:
  void newline() {
    out_ += '\n';
    ++line_;
    column_ = 0;
    last_ = nullptr;
  }

  // Whether `b` written right after `a` would read as another token (gcc's avoid_paste).
  static bool wouldJoin(const Token* a, const Token& b) {
    const auto word = [](Kind k) { return k == Kind::Identifier || k == Kind::Number; };
    if (word(a->kind) && word(b.kind)) return true;
    if (a->kind == Kind::Identifier && (b.kind == Kind::String || b.kind == Kind::Char)) return true;
    if (a->kind == Kind::Number && b.kind == Kind::Punct &&
        (b.text[0] == '.' || ((b.text[0] == '+' || b.text[0] == '-') && std::strchr("eEpP", a->text.back()))))
      return true;
    if (a->is(".") && b.kind == Kind::Number) return true;
    if (a->kind != Kind::Punct || b.kind != Kind::Punct) return false;
    static const std::set<std::string, std::less<>> joins = {
        "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=",
        "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##", "//", "/*", ".."};
    const char pair[2] = {a->text.back(), b.text[0]};
    return joins.count(std::string_view(pair, 2)) > 0;
  }

  std::string out_;
  const std::string* file_;
  int64_t line_ = 1;
  uint32_t column_ = 0;
  Token lastToken_;
  const Token* last_ = nullptr;
};

class Preprocessor {
 public:
  explicit Preprocessor(const PreprocessOptions& options) : options_(options) {
    for (auto dir : options.includeDirs) {
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      includeDirs_.push_back(std::move(dir));
    }
  }

  BuiltinPreprocessed run(const std::string& path, std::string_view content);

 private:
  // Reading
  Token next(bool skipping);
  std::vector<Token> restOfLine(bool skipping);
  void appendRestOfLine(bool skipping, std::vector<Token>& line);  // the same, onto `line`
  void skipLine();  // the rest of a line left out, read and dropped
  bool skipping() const { return !conditionals_.empty() && !conditionals_.back().active; }
  OpenFile& file() { return files_.back(); }
  void open(std::string path, std::string_view text, int dirIndex);
  void close();

  // Directives
  void directive(const Token& hash);
  void defineFrom(const std::vector<Token>& line, const Token& at);
  void include(const Token& directive, bool next);
  // Where #include looks for `headerName`, in order, each with its -I folder's index (-1: none).
  std::vector<std::pair<std::string, int>> candidates(const std::string& headerName, bool angled, bool next);
  void conditional(const Token& directive, std::string_view name);
  void lineDirective(std::vector<Token> line, const Token& at);
  bool condition(std::vector<Token> line, const Token& at);

  // Macros
  // Makes `name` name the definition `id`: the table and its sketch together (find() trusts the sketch).
  void defineName(std::string_view name, uint32_t id) {
    macros_.insert_or_assign(std::string(name), id);
    sketch_.set(sketchIndex(name));
  }
  const Macro* find(std::string_view name) const {
    // Most names a file spells are no macro: the sketch answers those without hashing the name.
    if (name.empty() || !sketch_.test(sketchIndex(name))) return nullptr;
    auto it = macros_.find(name);
    return it == macros_.end() ? nullptr : &definitions_[it->second];
  }
  void expand(std::vector<Token>& input, std::vector<Token>& out, bool canPull, int depth);
  bool pullLine(std::vector<Token>& input, const Token* insideCallOf);
  std::vector<Token> substitute(const Macro& m, const Token& name,
                                const std::vector<std::vector<Token>>* args, uint32_t hideSet, int depth);
  Token stringize(const std::vector<Token>& arg, const Token& hash);
  void paste(std::vector<Token>& out, const Token& right, const Token& where);
  Token builtinToken(const Macro& m, const Token& name);
  void textLine(const Token& first);

  // Messages
  void report(uint32_t line, uint32_t column, std::string_view severity, std::string_view message);
  void error(const Token& at, std::string_view message) { report(at.line, at.column, "error", message); }
  void warning(const Token& at, std::string_view message) { report(at.line, at.column, "warning", message); }
  void fatal(const Token& at, std::string_view message) {
    report(at.line, at.column, "fatal error", message);
    stopped_ = true;
  }
  // Takes `bytes` from the spelling budget; false (after a fatal error at `where`) if it is spent.
  bool spend(size_t bytes, const Token& where) {
    if (bytes <= spellingBudget_) {
      spellingBudget_ -= bytes;
      return true;
    }
    fatal(where, "macro expansion spells more than " + std::to_string(kBaseSpellingBudget >> 20) +
                     " MiB of pasted and stringized tokens (a paste that doubles itself?)");
    return false;
  }
  std::string_view keep(std::string text) {
    arena_.push_back(std::move(text));
    return arena_.back();
  }
  const std::string* name(std::string text) {
    names_.push_back(std::move(text));
    return &names_.back();
  }

  const PreprocessOptions& options_;
  std::vector<std::string> includeDirs_;
  std::deque<std::string> arena_;  // file texts and made tokens' spellings: tokens point into it
  std::deque<std::string> names_;
  std::vector<OpenFile> files_;
  std::vector<Conditional> conditionals_;
  std::deque<Macro> definitions_;
  std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>> macros_;
  // A bit for every (length, first, second and last byte) a macro's name has had: never cleared (an #undef
  // leaves a bit that only costs a lookup), so a clear bit means no macro by that name.
  static size_t sketchIndex(std::string_view name) {
    const auto at = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(name[i])); };
    return (name.size() * 0x9E37 + at(0) * 0x3B1 + at(name.size() > 1 ? 1 : 0) * 0x61 + at(name.size() - 1)) &
           0xFFFF;
  }
  std::bitset<65536> sketch_;
  std::set<std::pair<dev_t, ino_t>> once_;  // files that said #pragma once
  HideSets hideSets_;
  std::optional<Writer> writer_;
  std::vector<Token> textLineBuffer_, expandedLineBuffer_;  // textLine()'s, reused
  std::string err_;
  bool failed_ = false;
  bool stopped_ = false;
  bool inCondition_ = false;  // expanding an #if's expression
  size_t tokenBudget_ = kBaseTokenBudget;
  size_t spellingBudget_ = kBaseSpellingBudget;
  size_t messages_ = 0;
};

void Preprocessor::report(uint32_t line, uint32_t column, std::string_view severity,
                          std::string_view message) {
  if (messages_ > kMaxMessages) return;
  std::string text(message.substr(0, kMaxMessageBytes));
  if (message.size() > kMaxMessageBytes) text += "...";
  if (++messages_ > kMaxMessages) {
    severity = "fatal error";
    text = "more than " + std::to_string(kMaxMessages) + " messages; stopping";
    stopped_ = true;
  }
  const std::string& where = files_.empty() ? std::string() : *file().presumed;
  const int64_t presumed = files_.empty() ? line : line + file().lineDelta;
  err_ += where + ":" + std::to_string(presumed) + ":" + std::to_string(column) + ": " +
          std::string(severity) + ": " + text + "\n";
  if (severity != "warning") failed_ = true;
}

void Preprocessor::open(std::string path, std::string_view text, int dirIndex) {
  OpenFile f;
  f.path = std::move(path);
  f.presumed = name(f.path);
  f.dirIndex = dirIndex;
  f.conditionalBase = conditionals_.size();
  tokenBudget_ += 2 * text.size();
  spellingBudget_ += 2 * text.size();
  files_.push_back(std::move(f));
  OpenFile& opened = files_.back();
  // The lexer reports through the file that is open when it lexes: this one.
  opened.lexer = std::make_unique<pp::Lexer>(text, arena_, [this](pp::LexProblem p) {
    report(p.line, p.column, p.error ? "error" : "warning", p.message);
  });
}

void Preprocessor::close() {
  OpenFile& f = file();
  while (conditionals_.size() > f.conditionalBase) {
    const Conditional& c = conditionals_.back();
    report(c.line, c.column, "error", "unterminated #" + std::string(c.directive));
    conditionals_.pop_back();
  }
  files_.pop_back();
}

Token Preprocessor::next(bool skipping) {
  OpenFile& f = file();
  if (!f.pending.empty()) {
    Token t = f.pending.back();
    f.pending.pop_back();
    return t;
  }
  return f.lexer->next(skipping);
}

std::vector<Token> Preprocessor::restOfLine(bool skipping) {
  std::vector<Token> line;
  line.reserve(16);
  appendRestOfLine(skipping, line);
  return line;
}

void Preprocessor::appendRestOfLine(bool skipping, std::vector<Token>& line) {
  for (Token t = next(skipping); t.kind != Kind::Newline && t.kind != Kind::End; t = next(skipping))
    line.push_back(t);
}

void Preprocessor::skipLine() {
  for (Token t = next(true); t.kind != Kind::Newline && t.kind != Kind::End; t = next(true)) {
  }
}

BuiltinPreprocessed Preprocessor::run(const std::string& path, std::string_view content) {
  arena_.emplace_back(content);
  open(path, arena_.back(), -1);
  writer_.emplace(file().presumed);
  // The predefined macros and -D, then -U, as cpp's command line has them.
  const Token origin{};
  const auto defineOption = [&](const std::string& option) {
    const size_t equals = option.find('=');
    std::string text = equals == std::string::npos ? option + " 1" : option;
    if (equals != std::string::npos) text[equals] = ' ';
    pp::Lexer lexer(keep(std::move(text)), arena_, [&](const pp::LexProblem& p) {
      report(0, p.column, p.error ? "error" : "warning", "in -D" + option + ": " + p.message);
    });
    std::vector<Token> line;
    for (Token t = lexer.next(); t.kind != Kind::Newline && t.kind != Kind::End; t = lexer.next())
      line.push_back(t);
    defineFrom(line, origin);
  };
  for (const char* builtin : {"__FILE__", "__LINE__"}) {
    Macro& m = definitions_.emplace_back();
    m.id = static_cast<uint32_t>(definitions_.size() - 1);
    m.builtin = builtin[2] == 'F' ? Macro::Builtin::File : Macro::Builtin::Line;
    defineName(builtin, m.id);
  }
  for (const auto& m : predefinedMacros()) defineOption(m);
  for (const auto& d : options_.defines) defineOption(d);
  for (const auto& u : options_.undefines) macros_.erase(u.substr(0, u.find('=')));

  while (!files_.empty() && !stopped_) {
    const bool leftOut = skipping();
    const Token t = next(leftOut);
    if (t.kind == Kind::End) {
      close();
      if (!files_.empty()) {
        // Back in the includer, on the line after the #include.
        writer_->marker(file().presumed, file().resumeLine + file().lineDelta, " 2");
      }
      continue;
    }
    if (t.kind == Kind::Newline) continue;
    if (t.lineStart && t.is("#")) {
      directive(t);
    } else if (leftOut) {
      skipLine();
    } else {
      textLine(t);
    }
    if (writer_->size() > kMaxSourceFileBytes) {
      fatal(t, "the preprocessed text is larger than " + std::to_string(kMaxSourceFileBytes >> 20) +
                   " MiB, the limit for a file midlc reads");
    }
  }
  BuiltinPreprocessed result;
  result.ok = !failed_;
  result.out = writer_->take();
  result.err = std::move(err_);
  return result;
}

void Preprocessor::directive(const Token& hash) {
  const bool leftOut = skipping();
  Token name = next(leftOut);
  if (name.kind == Kind::Newline || name.kind == Kind::End) {  // the null directive
    if (name.kind == Kind::End) file().pending.push_back(name);
    return;
  }
  if (name.kind == Kind::Number && !leftOut) {  // a line marker, as cpp writes them: # 12 "file"
    std::vector<Token> line = restOfLine(false);
    line.insert(line.begin(), name);
    lineDirective(std::move(line), name);
    return;
  }
  const std::string_view word = name.kind == Kind::Identifier ? name.text : std::string_view();
  if (word == "if" || word == "ifdef" || word == "ifndef" || word == "elif" || word == "else" ||
      word == "endif") {
    conditional(name, word);
    return;
  }
  if (leftOut) {
    skipLine();
    return;
  }
  if (word == "define") {
    defineFrom(restOfLine(false), name);
  } else if (word == "undef") {
    std::vector<Token> line = restOfLine(false);
    if (line.empty() || line[0].kind != Kind::Identifier) {
      error(line.empty() ? name : line[0], "macro names must be identifiers");
      return;
    }
    if (line.size() > 1) warning(line[1], "extra tokens at end of #undef directive");
    macros_.erase(std::string(line[0].text));
  } else if (word == "include" || word == "include_next") {
    include(name, word == "include_next");
  } else if (word == "error" || word == "warning") {
    std::string message = "#" + std::string(word);
    for (const Token& t : restOfLine(false)) {
      message += ' ';
      message += t.text;
    }
    report(name.line, name.column, word == "error" ? "error" : "warning", message);
  } else if (word == "pragma") {
    std::vector<Token> line = restOfLine(false);
    if (line.size() == 1 && line[0].text == "once") {
      struct stat st {};
      if (::stat(file().path.c_str(), &st) == 0) once_.emplace(st.st_dev, st.st_ino);
      return;
    }
    std::string text = "#pragma";
    for (const Token& t : line) {
      if (t.spaceBefore || text.size() == 7) text += ' ';
      text += t.text;
    }
    writer_->moveTo(file().presumed, hash.line + file().lineDelta);
    writer_->line(text);
  } else if (word == "line") {
    lineDirective(restOfLine(false), name);
  } else if (word == "ident" || word == "sccs") {
    restOfLine(false);  // a version string for the object file: nothing for IDL
  } else {
    error(name, "invalid preprocessing directive #" + std::string(name.text));
    restOfLine(false);
  }
}

void Preprocessor::defineFrom(const std::vector<Token>& line, const Token& at) {
  if (line.empty() || line[0].kind != Kind::Identifier) {
    error(line.empty() ? at : line[0],
          line.empty() ? "no macro name given in #define directive" : "macro names must be identifiers");
    return;
  }
  const Token& nameToken = line[0];
  if (nameToken.text == "defined") {
    error(nameToken, "\"defined\" cannot be used as a macro name");
    return;
  }
  Macro m;
  size_t i = 1;
  if (i < line.size() && line[i].is("(") && !line[i].spaceBefore) {
    m.functionLike = true;
    ++i;
    bool closed = false;
    while (i < line.size()) {
      const Token& p = line[i++];
      if (p.is(")") && m.params.empty()) {
        closed = true;
        break;
      }
      if (p.is("...")) {
        m.variadic = true;
        m.params.push_back("__VA_ARGS__");
      } else if (p.kind == Kind::Identifier && p.text != "__VA_ARGS__") {
        if (std::find(m.params.begin(), m.params.end(), p.text) != m.params.end()) {
          error(p, "duplicate macro parameter \"" + std::string(p.text) + "\"");
          return;
        }
        m.params.push_back(p.text);
        if (i < line.size() && line[i].is("...")) {  // gcc's named variadic parameter: args...
          m.variadic = true;
          ++i;
        }
      } else {
        error(p, "expected parameter name, found \"" + std::string(p.text) + "\"");
        return;
      }
      if (i < line.size() && line[i].is(")")) {
        ++i;
        closed = true;
        break;
      }
      if (m.variadic || i >= line.size() || !line[i].is(",")) {
        error(i < line.size() ? line[i] : p,
              "expected ',' or ')' in the parameters of macro \"" + std::string(nameToken.text) + "\"");
        return;
      }
      ++i;
    }
    if (!closed) {
      error(nameToken, "missing ')' in the parameters of macro \"" + std::string(nameToken.text) + "\"");
      return;
    }
  }
  m.body.assign(line.begin() + static_cast<std::ptrdiff_t>(i), line.end());
  for (size_t k = 0; k < m.body.size(); ++k) {
    Token& b = m.body[k];
    b.lineStart = false;
    if (k == 0) b.spaceBefore = false;
    if (b.kind == Kind::Identifier) {
      auto p = std::find(m.params.begin(), m.params.end(), b.text);
      if (p != m.params.end()) b.param = static_cast<int16_t>(p - m.params.begin());
    }
  }
  for (size_t k = 0; k < m.body.size(); ++k) {
    const Token& b = m.body[k];
    if (b.is("##") && (k == 0 || k + 1 == m.body.size())) {
      error(b, "'##' cannot appear at either end of a macro expansion");
      return;
    }
    if (m.functionLike && b.is("#") && (k + 1 == m.body.size() || m.body[k + 1].param < 0)) {
      error(b, "'#' is not followed by a macro parameter");
      return;
    }
  }
  if (m.params.size() > 32767) {
    error(nameToken, "macro \"" + std::string(nameToken.text) + "\" has too many parameters");
    return;
  }
  if (const Macro* old = find(nameToken.text)) {
    const auto same = [](const Token& a, const Token& b) {
      return a.text == b.text && a.spaceBefore == b.spaceBefore && a.param == b.param;
    };
    if (old->builtin != Macro::Builtin::None || old->functionLike != m.functionLike ||
        old->variadic != m.variadic || old->params != m.params ||
        !std::equal(old->body.begin(), old->body.end(), m.body.begin(), m.body.end(), same))
      warning(nameToken, "\"" + std::string(nameToken.text) + "\" redefined");
  }
  m.id = static_cast<uint32_t>(definitions_.size());
  definitions_.push_back(std::move(m));
  defineName(nameToken.text, definitions_.back().id);
}

std::vector<std::pair<std::string, int>> Preprocessor::candidates(const std::string& headerName, bool angled,
                                                                  bool includeNext) {
  // An absolute name as it is; "name" in the includer's folder first; then the -I folders (#include_next:
  // those after the includer's own).
  std::vector<std::pair<std::string, int>> found;
  const OpenFile& includer = file();
  if (!headerName.empty() && headerName[0] == '/') {
    found.emplace_back(headerName, -1);
    return found;
  }
  if (!angled && !includeNext) {
    const size_t slash = includer.path.rfind('/');
    found.emplace_back(
        slash == std::string::npos ? headerName : includer.path.substr(0, slash + 1) + headerName, -1);
  }
  const size_t from = includeNext && includer.dirIndex >= 0 ? static_cast<size_t>(includer.dirIndex) + 1 : 0;
  for (size_t d = from; d < includeDirs_.size(); ++d)
    found.emplace_back(includeDirs_[d] == "/" ? "/" + headerName : includeDirs_[d] + "/" + headerName,
                       static_cast<int>(d));
  return found;
}

void Preprocessor::include(const Token& directive, bool includeNext) {
  Token nameToken;
  bool angled = file().pending.empty() && file().lexer->headerName(nameToken);
  std::string headerName;
  if (angled) {
    headerName = std::string(nameToken.text);
    std::vector<Token> rest = restOfLine(false);
    if (!rest.empty()) warning(rest[0], "extra tokens at end of #include directive");
  } else {
    std::vector<Token> line = restOfLine(false);
    if (line.empty() || line[0].kind != Kind::String || line[0].text[0] != '"') {
      // #include MACRO: the macros are expanded first.
      std::reverse(line.begin(), line.end());
      std::vector<Token> expanded;
      expand(line, expanded, false, 0);
      line = std::move(expanded);
    }
    if (!line.empty() && line[0].kind == Kind::String && line[0].text[0] == '"') {
      nameToken = line[0];
      headerName = std::string(line[0].text.substr(1, line[0].text.size() - 2));
    } else if (!line.empty() && line[0].is("<")) {
      nameToken = line[0];
      angled = true;
      size_t k = 1;
      for (; k < line.size() && !line[k].is(">"); ++k) {
        if (k > 1 && line[k].spaceBefore) headerName += ' ';
        headerName += line[k].text;
      }
      if (k == line.size()) headerName.clear();
    }
    if (headerName.empty()) {
      error(line.empty() ? directive : line[0], "#include expects \"FILENAME\" or <FILENAME>");
      return;
    }
  }
  if (files_.size() >= static_cast<size_t>(kMaxIncludeDepth)) {
    error(nameToken, "#include nested depth " + std::to_string(files_.size()) + " exceeds maximum of " +
                         std::to_string(kMaxIncludeDepth));
    return;
  }
  for (auto& [candidate, dirIndex] : candidates(headerName, angled, includeNext)) {
    struct stat st {};
    if (::stat(candidate.c_str(), &st) != 0) continue;
    if (once_.count({st.st_dev, st.st_ino})) return;
    std::string text, why;
    if (!readFile(candidate, text, &why)) {
      fatal(nameToken, "cannot include '" + candidate + "': " + why);
      return;
    }
    file().resumeLine = directive.line + 1;
    arena_.push_back(std::move(text));
    open(std::move(candidate), arena_.back(), dirIndex);
    writer_->marker(file().presumed, 1, " 1");
    return;
  }
  fatal(nameToken, headerName + ": No such file or directory");
}

void Preprocessor::conditional(const Token& directive, std::string_view name) {
  const bool leftOut = skipping();
  if (name == "if" || name == "ifdef" || name == "ifndef") {
    Conditional c;
    c.parentActive = !leftOut;
    c.line = directive.line;
    c.column = directive.column;
    c.directive = name;
    if (leftOut) {
      skipLine();
      c.active = false;
      c.taken = true;
    } else if (name == "if") {
      c.active = condition(restOfLine(false), directive);
      c.taken = c.active;
    } else {
      std::vector<Token> line = restOfLine(false);
      if (line.empty() || line[0].kind != Kind::Identifier) {
        error(line.empty() ? directive : line[0],
              "no macro name given in #" + std::string(name) + " directive");
        c.active = false;
      } else {
        if (line.size() > 1) warning(line[1], "extra tokens at end of #" + std::string(name) + " directive");
        c.active = (find(line[0].text) != nullptr) == (name == "ifdef");
      }
      c.taken = c.active;
    }
    conditionals_.push_back(c);
    return;
  }
  if (conditionals_.size() <= file().conditionalBase) {
    error(directive, "#" + std::string(name) + " without #if");
    skipLine();
    return;
  }
  Conditional& c = conditionals_.back();
  if (name == "endif") {
    std::vector<Token> rest = restOfLine(true);
    if (!rest.empty() && c.parentActive) warning(rest[0], "extra tokens at end of #endif directive");
    conditionals_.pop_back();
    return;
  }
  if (c.sawElse) {
    error(directive, "#" + std::string(name) + " after #else");
    skipLine();
    return;
  }
  if (name == "else") {
    std::vector<Token> rest = restOfLine(true);
    if (!rest.empty() && c.parentActive) warning(rest[0], "extra tokens at end of #else directive");
    c.sawElse = true;
    c.active = c.parentActive && !c.taken;
    c.taken = true;
    return;
  }
  // #elif: evaluated only if no group of this #if was kept yet.
  if (!c.parentActive || c.taken) {
    skipLine();
    c.active = false;
    return;
  }
  c.active = condition(restOfLine(false), directive);
  c.taken = c.active;
}

bool Preprocessor::condition(std::vector<Token> line, const Token& at) {
  // The macros are expanded, but not the operands of `defined` and `__has_include` (expand() leaves them,
  // also where a macro's expansion brings the operator); then the operators are replaced by 0 or 1.
  std::reverse(line.begin(), line.end());
  std::vector<Token> expanded;
  inCondition_ = true;
  expand(line, expanded, false, 0);
  inCondition_ = false;
  std::vector<Token> replaced;
  for (size_t i = 0; i < expanded.size(); ++i) {
    const Token& t = expanded[i];
    const bool isDefined = t.kind == Kind::Identifier && t.text == "defined";
    const bool isHasInclude = t.kind == Kind::Identifier && t.text == "__has_include";
    if (!isDefined && !isHasInclude) {
      replaced.push_back(t);
      continue;
    }
    Token value = t;
    value.kind = Kind::Number;
    const bool parenthesized = i + 1 < expanded.size() && expanded[i + 1].is("(");
    if (isDefined) {
      const size_t n = i + (parenthesized ? 2 : 1);
      if (n >= expanded.size() || expanded[n].kind != Kind::Identifier ||
          (parenthesized && (n + 1 >= expanded.size() || !expanded[n + 1].is(")")))) {
        error(t, "operator \"defined\" requires an identifier");
        return false;
      }
      value.text = find(expanded[n].text) || expanded[n].text == "__has_include" ? "1" : "0";
      i = n + (parenthesized ? 1 : 0);
    } else {
      // __has_include("name") or __has_include(<name>): whether #include would find it.
      std::string name;
      bool angled = false;
      size_t close = i + 2;
      if (parenthesized && close < expanded.size() && expanded[close].kind == Kind::String &&
          expanded[close].text[0] == '"') {
        name = std::string(expanded[close].text.substr(1, expanded[close].text.size() - 2));
        ++close;
      } else if (parenthesized && close < expanded.size() && expanded[close].is("<")) {
        angled = true;
        for (++close; close < expanded.size() && !expanded[close].is(">"); ++close) {
          if (!name.empty() && expanded[close].spaceBefore) name += ' ';
          name += expanded[close].text;
        }
        ++close;
      }
      if (name.empty() || close >= expanded.size() || !expanded[close].is(")")) {
        error(t, "operator \"__has_include\" requires a header name in parentheses");
        return false;
      }
      value.text = "0";
      for (const auto& [candidate, dirIndex] : candidates(name, angled, false)) {
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
          value.text = "1";
          break;
        }
      }
      i = close;
    }
    replaced.push_back(value);
  }
  const pp::ExpressionResult result = pp::evaluate(replaced);
  if (!result.error.empty()) {
    error(result.at ? *result.at : at, result.error);
    return false;
  }
  return result.value;
}

void Preprocessor::lineDirective(std::vector<Token> line, const Token& at) {
  std::reverse(line.begin(), line.end());
  std::vector<Token> expanded;
  expand(line, expanded, false, 0);
  if (expanded.empty() || expanded[0].kind != Kind::Number ||
      expanded[0].text.find_first_not_of("0123456789") != std::string_view::npos ||
      expanded[0].text.size() > 9) {
    error(expanded.empty() ? at : expanded[0], "\"" + std::string(expanded.empty() ? "" : expanded[0].text) +
                                                   "\" after #line is not a positive integer");
    return;
  }
  const int64_t number = std::stoll(std::string(expanded[0].text));
  OpenFile& f = file();
  if (expanded.size() > 1) {
    if (expanded[1].kind != Kind::String || expanded[1].text[0] != '"') {
      error(expanded[1], "invalid filename \"" + std::string(expanded[1].text) + "\"");
      return;
    }
    std::string why;
    f.presumed = name(unescapeC(expanded[1].text.substr(1, expanded[1].text.size() - 2), &why));
  }
  // The next line is `number`.
  f.lineDelta = number - (static_cast<int64_t>(at.line) + 1);
  writer_->marker(f.presumed, number, "");
}

void Preprocessor::textLine(const Token& first) {
  // The line and its expansion go into buffers kept from line to line (a text line is most of a file): their
  // capacity is reused, not allocated again per line.
  std::vector<Token>& line = textLineBuffer_;
  line.clear();
  line.push_back(first);
  appendRestOfLine(false, line);
  std::reverse(line.begin(), line.end());  // the expansion takes its input last first
  std::vector<Token>& out = expandedLineBuffer_;
  out.clear();
  expand(line, out, true, 0);
  const OpenFile& f = file();
  for (const Token& t : out) {
    writer_->moveTo(f.presumed, t.line + f.lineDelta);
    writer_->token(t);
  }
}

bool Preprocessor::pullLine(std::vector<Token>& input, const Token* insideCallOf) {
  while (true) {
    Token t = next(false);
    if (t.kind == Kind::Newline) continue;
    if (t.kind == Kind::End || (t.lineStart && t.is("#"))) {
      if (insideCallOf && t.kind != Kind::End)
        error(t, "a directive among the arguments of macro \"" + std::string(insideCallOf->text) +
                     "\" (midlc's preprocessor does not take one there; --cpp-cmd cpp does)");
      file().pending.push_back(t);
      return false;
    }
    std::vector<Token> line = restOfLine(false);
    line.insert(line.begin(), t);
    input.insert(input.begin(), line.rbegin(), line.rend());
    return true;
  }
}

void Preprocessor::expand(std::vector<Token>& input, std::vector<Token>& out, bool canPull, int depth) {
  while (!input.empty() && !stopped_) {
    Token t = input.back();
    input.pop_back();
    if (inCondition_ && t.kind == Kind::Identifier && (t.text == "defined" || t.text == "__has_include")) {
      // In #if, the operand of these operators is not expanded: `defined X` or `defined ( X )`, and the
      // parenthesized header name of __has_include.
      out.push_back(t);
      if (!input.empty() && input.back().kind == Kind::Identifier && t.text == "defined") {
        out.push_back(input.back());
        input.pop_back();
      } else if (!input.empty() && input.back().is("(")) {
        while (!input.empty()) {
          out.push_back(input.back());
          input.pop_back();
          if (out.back().is(")")) break;
        }
      }
      continue;
    }
    const Macro* m = t.kind == Kind::Identifier ? find(t.text) : nullptr;
    if (!m || hideSets_.contains(t.hideSet, m->id)) {
      out.push_back(t);
      continue;
    }
    if (m->builtin != Macro::Builtin::None) {
      out.push_back(builtinToken(*m, t));
      continue;
    }
    if (!m->functionLike) {
      std::vector<Token> body = substitute(*m, t, nullptr, hideSets_.add(t.hideSet, m->id), depth);
      input.insert(input.end(), body.rbegin(), body.rend());
      continue;
    }
    // A function-like macro's name is a call only if a '(' follows (on a later line, too).
    if (input.empty() && canPull) pullLine(input, nullptr);
    if (input.empty() || !input.back().is("(")) {
      out.push_back(t);
      continue;
    }
    input.pop_back();
    std::vector<std::vector<Token>> args(1);
    int parens = 0;
    std::optional<Token> close;
    while (!close) {
      if (input.empty() && !(canPull && pullLine(input, &t))) break;
      Token a = input.back();
      input.pop_back();
      if (a.is("(")) {
        ++parens;
      } else if (a.is(")")) {
        if (parens-- == 0) {
          close = a;
          break;
        }
      } else if (a.is(",") && parens == 0 && !(m->variadic && args.size() == m->params.size())) {
        args.emplace_back();
        continue;
      }
      if (args.back().empty()) a.spaceBefore = false;
      a.lineStart = false;
      args.back().push_back(a);
    }
    if (!close) {
      error(t, "unterminated argument list invoking macro \"" + std::string(t.text) + "\"");
      return;
    }
    // f() is a call with no arguments for a macro with no parameters; a variadic macro may be given none.
    if (m->params.empty() && args.size() == 1 && args[0].empty()) args.clear();
    if (m->variadic && args.size() + 1 == m->params.size()) args.emplace_back();
    if (args.size() != m->params.size()) {
      error(t, "macro \"" + std::string(t.text) + "\" " +
                   (args.size() > m->params.size()
                        ? "passed " + std::to_string(args.size()) + " arguments, but takes just " +
                              std::to_string(m->params.size())
                        : "requires " + std::to_string(m->params.size()) + " arguments, but only " +
                              std::to_string(args.size()) + " given"));
      continue;
    }
    const uint32_t hideSet = hideSets_.add(hideSets_.intersect(t.hideSet, close->hideSet), m->id);
    std::vector<Token> body = substitute(*m, t, &args, hideSet, depth);
    input.insert(input.end(), body.rbegin(), body.rend());
  }
}

std::vector<Token> Preprocessor::substitute(const Macro& m, const Token& name,
                                            const std::vector<std::vector<Token>>* args, uint32_t hideSet,
                                            int depth) {
  std::vector<Token> out;
  std::vector<std::optional<std::vector<Token>>> expandedArgs(args ? args->size() : 0);
  Token placemarker;
  placemarker.kind = Kind::Placemarker;
  const auto& body = m.body;
  for (size_t i = 0; i < body.size() && !stopped_; ++i) {
    const Token& b = body[i];
    const bool beforePaste = i + 1 < body.size() && body[i + 1].is("##");
    if (m.functionLike && b.is("#")) {
      Token s = stringize((*args)[static_cast<size_t>(body[i + 1].param)], b);
      ++i;
      out.push_back(s);
      continue;
    }
    if (b.is("##")) {
      const Token& right = body[++i];
      if (right.param < 0) {
        paste(out, right, name);
        continue;
      }
      const std::vector<Token>& arg = (*args)[static_cast<size_t>(right.param)];
      // gcc's `, ## __VA_ARGS__`: with no variable arguments the comma goes; with some, nothing is pasted.
      if (m.variadic && static_cast<size_t>(right.param) + 1 == m.params.size() && !out.empty() &&
          out.back().is(",")) {
        if (arg.empty())
          out.pop_back();
        else
          out.insert(out.end(), arg.begin(), arg.end());
        continue;
      }
      if (arg.empty()) {
        paste(out, placemarker, name);
        continue;
      }
      paste(out, arg[0], name);
      out.insert(out.end(), arg.begin() + 1, arg.end());
      continue;
    }
    if (b.param >= 0) {
      const size_t p = static_cast<size_t>(b.param);
      const std::vector<Token>* tokens = &(*args)[p];
      if (!beforePaste) {
        // An operand of neither # nor ## is expanded on its own first (C11 6.10.3.1).
        if (!expandedArgs[p]) {
          if (depth >= kMaxArgumentDepth) {
            fatal(name, "macro calls nest more than " + std::to_string(kMaxArgumentDepth) +
                            " deep in the arguments of macro \"" + std::string(name.text) + "\"");
            return {};
          }
          std::vector<Token> input(tokens->rbegin(), tokens->rend());
          expandedArgs[p].emplace();
          expand(input, *expandedArgs[p], false, depth + 1);
        }
        tokens = &*expandedArgs[p];
      }
      if (tokens->empty()) {
        if (beforePaste) out.push_back(placemarker);
        continue;
      }
      const size_t at = out.size();
      out.insert(out.end(), tokens->begin(), tokens->end());
      out[at].spaceBefore = b.spaceBefore;
      continue;
    }
    out.push_back(b);
  }
  std::erase_if(out, [](const Token& t) { return t.kind == Kind::Placemarker; });
  if (out.size() > tokenBudget_) {
    fatal(name, "macro expansion makes more than " + std::to_string(kBaseTokenBudget) +
                    " tokens (a macro that doubles itself?)");
    return {};
  }
  tokenBudget_ -= out.size();
  for (Token& t : out) {
    t.hideSet = hideSets_.unite(t.hideSet, hideSet);
    t.line = name.line;
    t.column = name.column;
    t.fromMacro = true;
    t.lineStart = false;
    t.param = -1;
  }
  if (!out.empty()) out[0].spaceBefore = name.spaceBefore;
  return out;
}

Token Preprocessor::stringize(const std::vector<Token>& arg, const Token& hash) {
  std::string s = "\"";
  for (size_t k = 0; k < arg.size(); ++k) {
    const Token& t = arg[k];
    if (k > 0 && t.spaceBefore) s += ' ';
    if (t.kind == Kind::String || t.kind == Kind::Char) {
      for (char c : t.text) {
        if (c == '"' || c == '\\') s += '\\';
        s += c;
      }
    } else {
      s += t.text;
    }
  }
  s += '"';
  Token result = hash;
  result.kind = Kind::String;
  if (!spend(s.size(), hash)) s = "\"\"";
  result.text = keep(std::move(s));
  result.param = -1;
  return result;
}

void Preprocessor::paste(std::vector<Token>& out, const Token& right, const Token& where) {
  if (right.kind == Kind::Placemarker) return;
  if (out.empty()) {  // `, ## __VA_ARGS__ ## x` at the start of a body, its comma gone with no arguments
    out.push_back(right);
    return;
  }
  Token& left = out.back();
  if (left.kind == Kind::Placemarker) {
    const bool space = left.spaceBefore;
    left = right;
    left.spaceBefore = space;
    return;
  }
  if (!spend(left.text.size() + right.text.size(), where)) return;
  std::string joined = std::string(left.text) + std::string(right.text);
  Kind kind;
  if (!pp::singleToken(joined, kind)) {
    error(where, "pasting \"" + std::string(left.text) + "\" and \"" + std::string(right.text) +
                     "\" does not give a valid preprocessing token");
    out.push_back(right);
    return;
  }
  left.text = keep(std::move(joined));
  left.kind = kind;
  left.param = -1;
}

Token Preprocessor::builtinToken(const Macro& m, const Token& name) {
  Token t = name;
  t.fromMacro = true;
  const OpenFile& f = file();
  if (m.builtin == Macro::Builtin::File) {
    t.kind = Kind::String;
    t.text = keep("\"" + cEscape(*f.presumed) + "\"");
  } else {
    t.kind = Kind::Number;
    t.text = keep(std::to_string(name.line + f.lineDelta));
  }
  return t;
}
}  // namespace

BuiltinPreprocessed runBuiltinPreprocessor(const std::string& path, std::string_view content,
                                           const PreprocessOptions& options) {
  return Preprocessor(options).run(path, content);
}

}  // namespace midlc::frontend
