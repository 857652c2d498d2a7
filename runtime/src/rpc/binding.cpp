// Parsing and printing of DCE string bindings.
#include "midlrt/rpc/binding.h"

#include "midlrt/rpc/status.h"

namespace midlrt::rpc {

namespace {
[[noreturn]] void fail(uint32_t s, std::string_view text, const std::string& why) {
  throw RpcError(s, "string binding \"" + std::string(text) + "\": " + why);
}

bool isPort(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v <= 65535;
}
}  // namespace

StringBinding StringBinding::parse(std::string_view text) {
  StringBinding b;
  std::string_view rest = text;
  size_t at = rest.find('@');
  size_t colon = rest.find(':');
  if (at != std::string_view::npos && (colon == std::string_view::npos || at < colon)) {
    auto uuid = Uuid::parse(rest.substr(0, at));
    if (!uuid) fail(status::kInvalidBinding, text, "malformed object UUID before '@'");
    b.object = *uuid;
    rest = rest.substr(at + 1);
    colon = rest.find(':');
  }
  if (colon == std::string_view::npos)
    fail(status::kInvalidBinding, text, "missing ':' after protocol sequence");
  std::string_view protseq = rest.substr(0, colon);
  if (protseq == "ncacn_ip_tcp") {
    b.protseq = Protseq::kTcp;
  } else if (protseq == "ncalrpc") {
    b.protseq = Protseq::kLocal;
  } else if (protseq.empty()) {
    fail(status::kInvalidBinding, text, "empty protocol sequence");
  } else {
    fail(status::kProtseqNotSupported, text,
         "protocol sequence \"" + std::string(protseq) + "\" not supported (ncacn_ip_tcp, ncalrpc)");
  }
  rest = rest.substr(colon + 1);

  // Network address: plain text up to '[', or a bracketed IPv6 address followed by a bracketed endpoint.
  std::string_view endpointPart;
  bool haveEndpoint = false;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) fail(status::kInvalidBinding, text, "unterminated '['");
    if (close + 1 < rest.size() && rest[close + 1] == '[') {
      b.networkAddress = std::string(rest.substr(1, close - 1));
      rest = rest.substr(close + 1);
    }
  } else {
    size_t open = rest.find('[');
    b.networkAddress = std::string(rest.substr(0, open));
    rest = open == std::string_view::npos ? std::string_view{} : rest.substr(open);
  }
  if (!rest.empty()) {
    if (rest.front() != '[' || rest.back() != ']')
      fail(status::kInvalidBinding, text, "endpoint must be enclosed in '[' ']' at the end");
    endpointPart = rest.substr(1, rest.size() - 2);
    if (endpointPart.find_first_of("[]") != std::string_view::npos)
      fail(status::kInvalidBinding, text, "unexpected bracket inside endpoint");
    haveEndpoint = true;
  }
  if (haveEndpoint) {
    bool first = true;
    while (true) {
      size_t comma = endpointPart.find(',');
      std::string_view item = endpointPart.substr(0, comma);
      size_t eq = item.find('=');
      if (first && eq == std::string_view::npos) {
        b.endpoint = std::string(item);
      } else if (eq == std::string_view::npos || eq == 0) {
        fail(status::kInvalidBinding, text, "option \"" + std::string(item) + "\" is not key=value");
      } else if (item.substr(0, eq) == "endpoint") {
        b.endpoint = std::string(item.substr(eq + 1));
      } else {
        b.options.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
      }
      first = false;
      if (comma == std::string_view::npos) break;
      endpointPart = endpointPart.substr(comma + 1);
    }
  }
  if (b.protseq == Protseq::kTcp) {
    // No port: a partial binding, resolved by the host's endpoint mapper (or a dynamic port to listen on).
    if (!b.endpoint.empty() && !isPort(b.endpoint))
      fail(status::kInvalidBinding, text, "port \"" + b.endpoint + "\" is not 0..65535");
  } else {
    if (b.endpoint.empty()) fail(status::kInvalidBinding, text, "ncalrpc needs a socket path endpoint");
  }
  return b;
}

std::string StringBinding::toString() const {
  std::string s;
  if (object) s += object->toString() + "@";
  s += protseq == Protseq::kTcp ? "ncacn_ip_tcp:" : "ncalrpc:";
  if (networkAddress.find(':') != std::string::npos) {
    s += "[" + networkAddress + "]";
  } else {
    s += networkAddress;
  }
  // A partial binding has no endpoint; an IPv6 one keeps its empty brackets, which set it off from the
  // address.
  if (endpoint.empty() && options.empty() && networkAddress.find(':') == std::string::npos) return s;
  s += "[" + endpoint;
  for (const auto& [k, v] : options) s += "," + k + "=" + v;
  s += "]";
  return s;
}

}  // namespace midlrt::rpc
