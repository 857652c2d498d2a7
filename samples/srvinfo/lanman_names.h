// Words for the numbers MS-SRVS and MS-WKST return: platform ids, server type bits, share types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace srvinfo {

// "NT" for 500 (PLATFORM_ID_NT) and the other PLATFORM_ID_* names; "unknown" otherwise.
std::string platformName(uint32_t platformId);

// One word per bit set in a SERVER_INFO_101's sv101_type (the SV_TYPE_* flags, lower-case and without
// the prefix: "workstation", "server_nt"...); a bit with no name is written in hex.
std::vector<std::string> serverTypeWords(uint32_t bits);

// A share's type (STYPE_*): "disk", "printq", "device" or "ipc", followed by its flags ("special",
// "temporary", the cluster kinds), comma-separated.
std::string shareTypeWords(uint32_t type);

// UTF-16 from the wire as UTF-8 for the terminal (an unpaired surrogate becomes U+FFFD).
std::string utf8(const std::u16string& text);

}  // namespace srvinfo
