// srvinfo: what a Windows or Samba server says about itself, through the srvsvc (MS-SRVS) and wkssvc
// (MS-WKST) interfaces, like a small rpcclient: to an anonymous client, or to a user authenticated with NTLM
// or Kerberos.
// Usage: srvinfo <host> [--port N] [--kerberos|--negotiate PRINCIPAL] [--user DOMAIN\USER]
//                [--level connect|integrity|privacy]
// (without --port, the host's endpoint mapper on port 135 names it; the password comes from the
// environment variable SRVINFO_PASSWORD, so that it is not seen in the process list)
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "binding.h"
#include "lanman_names.h"
#include "srvsvc.h"
#include "wkssvc.h"

namespace {

using midlrt::rpc::RpcError;
using srvinfo::utf8;

constexpr uint32_t kErrorAccessDenied = 5;  // NET_API_STATUS ERROR_ACCESS_DENIED
constexpr uint32_t kErrorMoreData = 234;    // ERROR_MORE_DATA: NetrShareEnum has more to give
constexpr uint32_t kMaxPreferredLength = 0xffffffff;

std::string text(const std::unique_ptr<std::u16string>& s) {
  return s ? utf8(*s) : "";
}

void field(std::string_view label, const std::string& value) {
  std::cout << "  " << std::left << std::setw(14) << (std::string(label) + ":") << value << "\n";
}

// Who srvinfo is to the server, for its messages: "anonymous access", or "access as DOMAIN\user".
std::string gAccess = "anonymous access";

// A failure of a call, worded for the user; access refused is said in so many words. midlrt
// names the PDU in the text of a bind_nak (the whole bind refused, as a server does to clients it will not
// talk to), whose status follows the reject reason (RPC_S_CALL_FAILED_DNE when none is given).
std::string describe(const RpcError& e) {
  const bool nak = std::strstr(e.what(), "bind_nak") != nullptr;
  if (e.status() == midlrt::rpc::status::kAccessDenied || nak) {
    return "the server refuses " + gAccess + " (" + (nak ? "bind_nak" : "fault") + ": " + e.what() + ")";
  }
  if (e.status() == midlrt::rpc::status::kUnknownIf) {
    return std::string("the interface is not served on this port (") + e.what() + ")";
  }
  return e.what();
}

std::string describeStatus(uint32_t status) {
  if (status == kErrorAccessDenied) return "the server refuses " + gAccess + " (ERROR_ACCESS_DENIED)";
  return "the call returned status " + midlrt::rpc::statusName(status);
}

// Each query prints what it learns, or why it learned nothing (and then returns false).
bool printServerInfo(const midlrt::Binding& b) {
  SERVER_INFO info;
  if (uint32_t status = srvsvc::NetrServerGetInfo(b, nullptr, 101, info)) {
    field("server info", describeStatus(status));
    return false;
  }
  if (info.discriminant != 101 || !info.ServerInfo101()) {
    field("server info", "the server answered level " + std::to_string(info.discriminant));
    return false;
  }
  const SERVER_INFO_101& s = *info.ServerInfo101();
  std::ostringstream type;
  type << "0x" << std::hex << std::setw(8) << std::setfill('0') << s.sv101_type;
  for (const std::string& word : srvinfo::serverTypeWords(s.sv101_type)) type << " " << word;
  field("server name", text(s.sv101_name));
  field("platform",
        std::to_string(s.sv101_platform_id) + " (" + srvinfo::platformName(s.sv101_platform_id) + ")");
  // The low 4 bits of the major version are the version; the high ones once told the server type.
  field("version",
        std::to_string(s.sv101_version_major & 0x0f) + "." + std::to_string(s.sv101_version_minor));
  field("server type", type.str());
  field("comment", text(s.sv101_comment));
  return true;
}

bool printShares(const midlrt::Binding& b) {
  std::vector<SHARE_INFO_1> shares;
  auto resume = std::make_unique<DWORD>(0);
  uint32_t status = kErrorMoreData;
  // A server that cannot return every share at once answers ERROR_MORE_DATA and a handle to resume at.
  for (int round = 0; status == kErrorMoreData && round < 100; ++round) {
    SHARE_ENUM_STRUCT request;
    request.Level = 1;
    request.ShareInfo.set_Level1(std::make_unique<SHARE_INFO_1_CONTAINER>());
    DWORD total = 0;
    status = srvsvc::NetrShareEnum(b, nullptr, request, kMaxPreferredLength, total, resume);
    if (status != 0 && status != kErrorMoreData) break;
    if (request.ShareInfo.discriminant != 1 || !request.ShareInfo.Level1()) break;
    if (auto& buffer = request.ShareInfo.Level1()->Buffer) {
      for (SHARE_INFO_1& share : *buffer) shares.push_back(std::move(share));
    }
    if (!resume) break;
  }
  if (status != 0) {
    field("shares", describeStatus(status));
    return false;
  }
  field("shares", std::to_string(shares.size()));
  size_t nameWidth = 0, typeWidth = 0;
  for (const SHARE_INFO_1& s : shares) {
    nameWidth = std::max(nameWidth, text(s.shi1_netname).size());
    typeWidth = std::max(typeWidth, srvinfo::shareTypeWords(s.shi1_type).size());
  }
  for (const SHARE_INFO_1& s : shares) {
    std::ostringstream line;
    line << "    " << std::left << std::setw(static_cast<int>(nameWidth)) << text(s.shi1_netname) << "  "
         << std::setw(static_cast<int>(typeWidth)) << srvinfo::shareTypeWords(s.shi1_type) << "  "
         << text(s.shi1_remark);
    std::string out = line.str();
    out.erase(out.find_last_not_of(' ') + 1);
    std::cout << out << "\n";
  }
  return true;
}

bool printWorkstation(const midlrt::Binding& b) {
  WKSTA_INFO info;
  if (uint32_t status = wkssvc::NetrWkstaGetInfo(b, nullptr, 100, info)) {
    field("workstation", describeStatus(status));
    return false;
  }
  if (info.discriminant != 100 || !info.WkstaInfo100()) {
    field("workstation", "the server answered level " + std::to_string(info.discriminant));
    return false;
  }
  field("computer", text(info.WkstaInfo100()->wki100_computername));
  field("domain", text(info.WkstaInfo100()->wki100_langroup));
  return true;
}

// Runs one query; a call that fails (a fault, a refused bind, a lost connection) is reported under `label`.
template <typename Query>
bool attempt(std::string_view label, Query query) {
  try {
    return query();
  } catch (const RpcError& e) {
    field(label, describe(e));
  } catch (const std::exception& e) {
    field(label, e.what());
  }
  return false;
}

struct Arguments {
  std::string host;
  std::optional<uint16_t> port;
  midlrt::rpc::ClientAuth auth;  // service kNone: anonymous
};

std::optional<Arguments> parse(int argc, char** argv) {
  Arguments a;
  std::optional<midlrt::rpc::AuthnService> kerberos;  // --kerberos or --negotiate
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      std::string_view v = argv[++i];
      unsigned port = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
      if (ec != std::errc() || end != v.data() + v.size() || port == 0 || port > 65535) return std::nullopt;
      a.port = static_cast<uint16_t>(port);
    } else if ((arg == "--kerberos" || arg == "--negotiate") && i + 1 < argc) {
      // Kerberos itself, or SPNEGO with Kerberos under it (what Windows' clients send); the server's
      // principal, e.g. host/dc1.example.com\@EXAMPLE.COM.
      kerberos = arg == "--kerberos" ? midlrt::rpc::AuthnService::kGssKerberos
                                     : midlrt::rpc::AuthnService::kGssNegotiate;
      a.auth.serverPrincipal = argv[++i];
    } else if (arg == "--user" && i + 1 < argc) {
      std::string_view v = argv[++i];
      const size_t slash = v.find('\\');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == v.size()) return std::nullopt;
      a.auth.service = midlrt::rpc::AuthnService::kWinNT;  // unless --kerberos or --negotiate
      a.auth.domain = v.substr(0, slash);
      a.auth.user = v.substr(slash + 1);
      const char* password = std::getenv("SRVINFO_PASSWORD");
      a.auth.password = password != nullptr ? password : "";
    } else if (arg == "--level" && i + 1 < argc) {
      std::string_view v = argv[++i];
      if (v == "connect")
        a.auth.level = midlrt::rpc::AuthnLevel::kConnect;
      else if (v == "integrity")
        a.auth.level = midlrt::rpc::AuthnLevel::kPktIntegrity;
      else if (v == "privacy")
        a.auth.level = midlrt::rpc::AuthnLevel::kPktPrivacy;
      else
        return std::nullopt;
    } else if (a.host.empty() && !arg.empty() && arg[0] != '-') {
      a.host = arg;
    } else {
      return std::nullopt;
    }
  }
  if (kerberos) a.auth.service = *kerberos;
  if (a.host.empty()) return std::nullopt;
  return a;
}

// Where an interface is served: --port, or the endpoint mapper's answer. Prints the binding, or why
// there is none.
std::optional<midlrt::Binding> connect(const Arguments& args, const char* name,
                                       const midlrt::rpc::SyntaxId& iface) {
  try {
    // Without --port, the host's endpoint mapper says where (RpcEpResolveBinding; ept_map).
    const std::string binding =
        args.port
            ? srvinfo::tcpBinding(args.host, *args.port)
            : midlrt::rpc::resolveBinding(midlrt::rpc::StringBinding::parse(srvinfo::tcpBinding(args.host)),
                                          iface, srvinfo::channelOptions())
                  .toString();
    std::cout << name << ": " << binding << (args.port ? "" : " (from the endpoint mapper)") << "\n";
    return midlrt::rpc::Channel::create(binding, srvinfo::channelOptions(args.auth));
  } catch (const RpcError& e) {
    if (args.port) {
      std::cout << name << ": " << describe(e) << "\n";
    } else {
      std::cout << name << ": asking the endpoint mapper on port 135 failed (" << describe(e)
                << "); give the port with --port\n";
    }
  } catch (const std::exception& e) {
    std::cout << name << ": " << e.what() << "\n";
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Arguments> args = parse(argc, argv);
  if (!args) {
    std::cerr
        << "usage: srvinfo <host> [--port N] [--kerberos|--negotiate PRINCIPAL] [--user DOMAIN\\USER]\n"
           "               [--level connect|integrity|privacy]\n"
           "  asks <host>'s srvsvc and wkssvc interfaces, as an anonymous client or as USER (NTLM, or\n"
           "  Kerberos for the server's PRINCIPAL, directly or through SPNEGO, DOMAIN being the realm; the\n"
           "  password in SRVINFO_PASSWORD; Kerberos without --user takes the credential cache), about the\n"
           "  server, its shares and its workstation names; every call is signed (integrity, the default),\n"
           "  sealed too (privacy, Kerberos only) or not (connect); without --port, its endpoint mapper "
           "(port\n"
           "  135) says where\n";
    return 2;
  }
  if (args->auth.service != midlrt::rpc::AuthnService::kNone)
    gAccess = args->auth.user.empty() ? "access with the credential cache"
                                      : "access as " + args->auth.domain + "\\" + args->auth.user;
  bool ok = false;
  if (std::optional<midlrt::Binding> b = connect(*args, "srvsvc", srvsvc_ifspec)) {
    ok = attempt("server info", [&] { return printServerInfo(*b); });
    ok = attempt("shares", [&] { return printShares(*b); }) && ok;
  }
  if (std::optional<midlrt::Binding> b = connect(*args, "wkssvc", wkssvc_ifspec)) {
    ok = attempt("workstation", [&] { return printWorkstation(*b); }) && ok;
  } else {
    ok = false;
  }
  return ok ? 0 : 1;
}
