// Authentication and message protection (MS-RPCE 2.2.1.1.7-8, 3.3.1.5.2; C706 chapter 13): the levels and
// services a binding asks for, and the credentials a server accepts callers with. The security providers
// are GSSAPI's (MIT krb5, with gss-ntlmssp for NTLM): this runtime writes no cryptography of its own.
#pragma once

#include <cstdint>
#include <string>

namespace midlrt::rpc {

/// RPC_C_AUTHN_LEVEL_*: how much of each PDU is protected. A connection is authenticated at one level,
/// which every call on it then has.
enum class AuthnLevel : std::uint8_t {
  kNone = 1,          ///< RPC_C_AUTHN_LEVEL_NONE: no authentication
  kConnect = 2,       ///< RPC_C_AUTHN_LEVEL_CONNECT: the caller is authenticated when the connection binds
  kCall = 3,          ///< RPC_C_AUTHN_LEVEL_CALL: asked for, raised to kPktIntegrity (as Windows raises it)
  kPkt = 4,           ///< RPC_C_AUTHN_LEVEL_PKT: asked for, raised to kPktIntegrity
  kPktIntegrity = 5,  ///< RPC_C_AUTHN_LEVEL_PKT_INTEGRITY: every request and response is signed
  kPktPrivacy = 6,    ///< RPC_C_AUTHN_LEVEL_PKT_PRIVACY: signed, and its stub data encrypted
};

/// RPC_C_AUTHN_*: the security provider (auth_type on the wire).
enum class AuthnService : std::uint8_t {
  kNone = 0,          ///< RPC_C_AUTHN_NONE
  kGssNegotiate = 9,  ///< RPC_C_AUTHN_GSS_NEGOTIATE: SPNEGO, with Kerberos under it
  kWinNT = 10,        ///< RPC_C_AUTHN_WINNT: NTLMSSP
  kGssKerberos = 16,  ///< RPC_C_AUTHN_GSS_KERBEROS: Kerberos v5 (DCE style, MS-RPCE 3.3.1.5.2.2)
};

/// The level a binding asking for `asked` gets: kCall and kPkt are raised to kPktIntegrity.
constexpr AuthnLevel effectiveLevel(AuthnLevel asked) {
  return asked == AuthnLevel::kCall || asked == AuthnLevel::kPkt ? AuthnLevel::kPktIntegrity : asked;
}

/// What a client binding authenticates with (RpcBindingSetAuthInfo): ChannelOptions::auth. Every
/// connection of the channel authenticates when it binds; a server that does not accept it refuses the bind
/// (the call fails with the status the server gave, RPC_S_ACCESS_DENIED for bad credentials).
struct ClientAuth {
  AuthnService service = AuthnService::kNone;    ///< kNone: unauthenticated (the default)
  AuthnLevel level = AuthnLevel::kPktIntegrity;  ///< what every call on the binding gets
  /// The identity: a user name with its domain and password (NTLM; Kerberos gets a ticket-granting ticket
  /// for user\@domain with it, the domain being the realm). An empty user takes the provider's default
  /// credentials: Kerberos's credential cache (KRB5CCNAME, as kinit left it); for gss-ntlmssp see
  /// gssntlmssp(8).
  std::string user{};
  std::string domain{};    ///< NTLM's domain, Kerberos's realm
  std::string password{};  ///< with `user`
  /// Kerberos and SPNEGO: the server's principal, "service/host\@REALM" (or "service\@host", host-based).
  /// NTLM ignores it.
  std::string serverPrincipal{};
  /// Kerberos and SPNEGO: offer to sign each PDU's header and trailer as well as its stub data
  /// (PFC_SUPPORT_HEADER_SIGN, as Windows does). They are signed only if the server agrees in bind_ack;
  /// false signs the stub data alone, as clients without header signing do. NTLM always signs the whole PDU.
  bool signHeaders = true;
};

/// Credentials a server accepts callers with, one per service (RpcServerRegisterAuthInfo):
/// Server::registerAuthInfo.
struct ServerAuth {
  AuthnService service = AuthnService::kWinNT;  ///< the provider
  /// Kerberos and SPNEGO: the keytab holding the server's keys (empty: the default, KRB5_KTNAME or
  /// /etc/krb5.keytab); any of its principals may be asked for.
  std::string keytab{};
  /// NTLM: a file of "DOMAIN:user:password" lines, the accounts callers may authenticate as (gss-ntlmssp's
  /// NTLM_USER_FILE; set for the whole process).
  std::string ntlmUserFile{};
};

}  // namespace midlrt::rpc
