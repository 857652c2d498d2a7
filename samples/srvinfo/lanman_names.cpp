// The SV_TYPE_* and STYPE_* values are those of MS-SRVS 2.2.2.7 and 2.2.2.4.
#include "lanman_names.h"

#include <array>
#include <cstdio>
#include <utility>

namespace srvinfo {

std::string platformName(uint32_t platformId) {
  switch (platformId) {
    case 300:
      return "DOS";
    case 400:
      return "OS2";
    case 500:
      return "NT";
    case 600:
      return "OSF";
    case 700:
      return "VMS";
    default:
      return "unknown";
  }
}

std::vector<std::string> serverTypeWords(uint32_t bits) {
  // SV_TYPE_* by bit number, from SV_TYPE_WORKSTATION (0x00000001) to SV_TYPE_DOMAIN_ENUM (0x80000000).
  static constexpr std::array<const char*, 32> kNames{"workstation",
                                                      "server",
                                                      "sqlserver",
                                                      "domain_ctrl",
                                                      "domain_bakctrl",
                                                      "time_source",
                                                      "afp",
                                                      "novell",
                                                      "domain_member",
                                                      "printq_server",
                                                      "dialin_server",
                                                      "xenix_server",
                                                      "nt",
                                                      "wfw",
                                                      "server_mfpn",
                                                      "server_nt",
                                                      "potential_browser",
                                                      "backup_browser",
                                                      "master_browser",
                                                      "domain_master",
                                                      "server_osf",
                                                      "server_vms",
                                                      "windows",
                                                      "dfs",
                                                      "cluster_nt",
                                                      "terminalserver",
                                                      "cluster_vs_nt",
                                                      nullptr,
                                                      "dce",
                                                      "alternate_xport",
                                                      "local_list_only",
                                                      "domain_enum"};
  std::vector<std::string> words;
  for (unsigned i = 0; i < kNames.size(); ++i) {
    const uint32_t bit = uint32_t{1} << i;
    if (!(bits & bit)) continue;
    if (kNames[i]) {
      words.emplace_back(kNames[i]);
    } else {
      char hex[16];
      std::snprintf(hex, sizeof hex, "0x%08x", bit);
      words.emplace_back(hex);
    }
  }
  return words;
}

std::string shareTypeWords(uint32_t type) {
  static constexpr std::array<const char*, 4> kBase{"disk", "printq", "device", "ipc"};
  static constexpr std::array<std::pair<uint32_t, const char*>, 5> kFlags{{
      {0x02000000, "cluster_fs"},
      {0x04000000, "cluster_sofs"},
      {0x08000000, "cluster_dfs"},
      {0x40000000, "temporary"},
      {0x80000000, "special"},
  }};
  const uint32_t base = type & 0xff;
  std::string words = base < kBase.size() ? kBase[base] : "type " + std::to_string(base);
  for (const auto& [value, name] : kFlags) {
    if (type & value) words += std::string(", ") + name;
  }
  return words;
}

std::string utf8(const std::u16string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    uint32_t c = text[i];
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.size() && text[i + 1] >= 0xdc00 && text[i + 1] <= 0xdfff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (text[++i] - 0xdc00);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xc0 | c >> 6);
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xe0 | c >> 12);
      out += static_cast<char>(0x80 | (c >> 6 & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | c >> 18);
      out += static_cast<char>(0x80 | (c >> 12 & 0x3f));
      out += static_cast<char>(0x80 | (c >> 6 & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

}  // namespace srvinfo
