// Internal: the first Kerberos token of a DCE-style context as MIT's acceptor takes it. MS-RPCE has the
// providers run DCE style (GSS_C_DCE_STYLE); MIT krb5 then accepts the AP-REQ only bare, while Windows'
// peers and impacket send it inside the GSS framing (RFC 2743 3.1: [APPLICATION 0] { mech OID, token }),
// directly (auth type 16) or as the mechToken of SPNEGO's NegTokenInit (auth type 9).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace midlrt::rpc::detail {

// The token with its framed Kerberos AP-REQ made bare: `token` is a Kerberos initial context token
// (`spnego` false) or a SPNEGO NegTokenInit whose mechToken is one (`spnego` true). Nothing when there is
// nothing to change (already bare, another mechanism, or not well-formed DER: the provider then judges it).
std::optional<std::vector<std::uint8_t>> bareDceApReq(std::span<const std::uint8_t> token, bool spnego);

}  // namespace midlrt::rpc::detail
