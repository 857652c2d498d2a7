// MIDL's switches, one row each: midlc's own spelling it stands for, or what midlc does with it.
#include "driver/midl_switches.h"

#include <string_view>

#include "support/diagnostics.h"

namespace midlc::driver {

const char* const kPrefixUnsupported =
    "midlc's client functions (Iface::Op) and server managers (Iface_Manager::Op) already have different "
    "names, so one program can be client and server of an interface without prefixes";

namespace {

enum class Kind {
  Alias,   // midlc's own option, spelled in `text`
  Level,   // a warning level (`level`); `text` is the help
  Apply,   // `apply` does it; `text` is the help
  Warn,    // accepted; a warning says what midlc does instead (`text`)
  Refuse,  // an error says why (`text`)
};

using Apply = void (*)(const std::string& spelled, const std::string& value, MidlSwitches& out);

struct Switch {
  std::string_view name;   // after the `/`
  bool dash;               // also spelled -name: it clashes with none of midlc's or widl's options
  std::string_view value;  // the value's name in --help; empty: the switch takes none
  Kind kind;
  std::string_view text;
  Apply apply = nullptr;
  int level = 0;
};

// /W<n>: the warnings of level n and below on, the others off (levels in support/diagnostics.cpp).
void warningLevel(int level, MidlSwitches& out) {
  for (const auto& w : knownWarnings())
    out.args.push_back((w.level <= level ? "-W" : "-Wno-") + std::string(w.name));
}

void stubOrNone(std::optional<bool>& file, const std::string& spelled, const std::string& value,
                MidlSwitches& out) {
  if (value == "stub" || value == "none")
    file = value == "stub";
  else
    out.error = spelled + " takes none or stub, not '" + value + "'";
}

void environment(const std::string& spelled, const std::string& value, MidlSwitches& out) {
  for (const char* known : {"win32", "win64", "ia64", "amd64", "arm32", "arm64"})
    if (value == known) return;
  out.error = spelled + " takes win32, win64, ia64, amd64, arm32 or arm64, not '" + value + "'";
}

const Switch kSwitches[] = {
    {"out", true, "DIR", Kind::Alias, "--out-dir"},
    // No -h (it is help) nor -header (next to the --header flag, it would confuse).
    {"h", false, "FILE", Kind::Alias, "--header-name"},
    {"header", false, "FILE", Kind::Alias, "--header-name"},
    {"cstub", true, "FILE", Kind::Alias, "--client-name"},
    {"sstub", true, "FILE", Kind::Alias, "--server-name"},
    {"acf", true, "FILE", Kind::Alias, "--acf"},
    {"D", false, "NAME[=V]", Kind::Alias, "--define"},  // -D is midlc's own, with the same meaning
    {"I", false, "DIR", Kind::Alias, "--include"},
    {"U", false, "NAME", Kind::Alias, "--undefine"},
    {"WX", true, "", Kind::Alias, "--Werror"},
    {"help", false, "", Kind::Alias, "--help"},
    {"?", false, "", Kind::Alias, "--help"},
    {"client", true, "none|stub", Kind::Apply, "none: no client file; stub: the client file (the default)",
     [](const std::string& spelled, const std::string& value, MidlSwitches& out) {
       stubOrNone(out.client, spelled, value, out);
     }},
    {"server", true, "none|stub", Kind::Apply, "none: no server file; stub: the server file (the default)",
     [](const std::string& spelled, const std::string& value, MidlSwitches& out) {
       stubOrNone(out.server, spelled, value, out);
     }},
    {"W0", true, "", Kind::Level, "no warnings", nullptr, 0},
    {"W1", true, "", Kind::Level, "warnings of level 1 (MIDL's default; midlc's default is every warning)",
     nullptr, 1},
    {"W2", true, "", Kind::Level, "warnings of level 2 and below", nullptr, 2},
    {"W3", true, "", Kind::Level, "warnings of level 3 and below", nullptr, 3},
    {"W4", true, "", Kind::Level, "warnings of level 4 and below", nullptr, 4},
    {"no_warn", true, "", Kind::Level, "no warnings, as /W0", nullptr, 0},
    {"env", true, "win32|win64|...", Kind::Apply,
     "changes nothing: the C++ midlc writes uses fixed-size types and NDR is the same on every "
     "platform, so one output serves 32- and 64-bit builds",
     environment},
    {"nologo", true, "", Kind::Apply, "changes nothing: midlc prints no banner",
     [](const std::string&, const std::string&, MidlSwitches&) {}},
    {"iid", true, "FILE", Kind::Warn,
     "midlc writes no IID file; each IID is a constant in the header (IFoo::kIid, IID_IFoo)"},
    {"proxy", true, "FILE", Kind::Warn,
     "midlc writes no proxy file; COM proxies are in the client file, their stubs in the server file"},
    {"dlldata", true, "FILE", Kind::Warn,
     "midlc writes no dlldata file; there is no proxy DLL: a client calls IFoo_createProxy, a server "
     "IFoo_register"},
    {"tlb", true, "FILE", Kind::Warn, "midlc writes no type library"},
    {"app_config", true, "", Kind::Warn,
     "midlc reads ACF attributes only in the ACF; move them from the IDL file to file.acf"},
    {"prefix", true, "KIND P", Kind::Refuse, kPrefixUnsupported},
};

const Switch* find(const std::string& arg) {
  if (arg.size() < 2 || (arg[0] != '/' && arg[0] != '-') || arg[1] == '-') return nullptr;
  std::string_view name = std::string_view(arg).substr(1);
  for (const auto& s : kSwitches)
    if (s.name == name && (arg[0] == '/' || s.dash)) return &s;
  return nullptr;
}

}  // namespace

MidlSwitches translateMidlSwitches(const std::vector<std::string>& args) {
  MidlSwitches out;
  for (size_t i = 0; i < args.size() && out.error.empty(); ++i) {
    if (args[i] == "--") {
      out.args.insert(out.args.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    const Switch* s = find(args[i]);
    if (!s) {
      out.args.push_back(args[i]);
      continue;
    }
    const std::string& spelled = args[i];
    std::string value;
    if (!s->value.empty()) {
      if (i + 1 == args.size()) {
        out.error = spelled + " needs a value: " + std::string(s->value);
        break;
      }
      value = args[++i];
    }
    switch (s->kind) {
      case Kind::Alias:
        // One argument, --name=value, so that a value starting with '-' stays a value.
        out.args.push_back(std::string(s->text) + (s->value.empty() ? "" : "=" + value));
        break;
      case Kind::Level:
        warningLevel(s->level, out);
        break;
      case Kind::Apply:
        s->apply(spelled, value, out);
        break;
      case Kind::Warn:
        out.warnings.push_back(spelled + (value.empty() ? "" : " " + value) +
                               " is ignored: " + std::string(s->text));
        break;
      case Kind::Refuse:
        out.error = spelled + " is not supported: " + std::string(s->text);
        break;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> midlSwitchHelp() {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& s : kSwitches) {
    std::string left = "/" + std::string(s.name) + (s.value.empty() ? "" : " " + std::string(s.value));
    if (s.dash) left += ", -" + std::string(s.name);
    std::string text(s.text);
    rows.emplace_back(left, s.kind == Kind::Alias    ? "same as " + text
                            : s.kind == Kind::Warn   ? "accepted, with a warning: " + text
                            : s.kind == Kind::Refuse ? "an error, not supported: " + text
                                                     : text);
  }
  return rows;
}

}  // namespace midlc::driver
