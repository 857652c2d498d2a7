// Internal: one GSSAPI security context, the client's or the server's end of a connection's authentication:
// the legs that establish it, then the signatures (and seals) that protect its PDUs. The cryptography is
// the provider's (MIT krb5's GSSAPI, gss-ntlmssp for NTLM).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "midlrt/rpc/security.h"

namespace midlrt::rpc::detail {

class GssContext {
 public:
  // The client's end for `auth` (credentials acquired now). Throws RpcError: kUnknownAuthnService for a
  // service this runtime cannot provide, kSecPkgError when the provider fails (its message in the text).
  static std::unique_ptr<GssContext> initiate(const ClientAuth& auth);
  // The server's end of a context the client started with `service`; null if the server registered no
  // credentials for it or the provider cannot serve it (the bind is then refused).
  static std::unique_ptr<GssContext> accept(AuthnService service, const ServerAuth& creds);
  ~GssContext();
  GssContext(const GssContext&) = delete;
  GssContext& operator=(const GssContext&) = delete;

  enum class Step { kContinue, kComplete, kFailed };
  // One leg: `in` is the peer's token (empty for the client's first leg), `out` gets the token to send
  // (empty when there is none). kFailed: see error().
  Step step(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);
  bool established() const { return established_; }
  // What the provider said when the last operation failed.
  const std::string& error() const { return error_; }
  // The authenticated peer: the client's principal as the provider names it ("DOMAIN\user", "user@REALM").
  std::string peerName() const;

  // The signature's length for a PDU protected at `level` (auth_length); fixed once established.
  std::size_t signatureSize(AuthnLevel level) const;
  // Signs a PDU: the signature (signatureSize bytes at `sig`) covers `before` (the header), `data` (the
  // stub data and its padding) and `after` (the trailer), contiguous in that order; `before` and `after`
  // are empty when headers are not signed. Without `encrypt` it is a MIC token (pkt_integrity); with it
  // (pkt_privacy) a wrap token, and `data` is encrypted in place.
  bool wrap(std::span<std::uint8_t> before, std::span<std::uint8_t> data, std::span<std::uint8_t> after,
            std::uint8_t* sig, bool encrypt);
  // Verifies a received PDU's signature, laid out as wrap() makes it (decrypting `data` in place when
  // `encrypted`).
  bool unwrap(std::span<std::uint8_t> before, std::span<std::uint8_t> data, std::span<std::uint8_t> after,
              std::uint8_t* sig, std::size_t sigLen, bool encrypted);
  // Whether `service` at `level` can be provided here (GSSAPI and its mechanisms installed; see README).
  static bool supports(AuthnService service, AuthnLevel level);

 private:
  struct State;
  GssContext(AuthnService service, bool initiator);
  void fail(const char* what, std::uint32_t major, std::uint32_t minor);

  std::unique_ptr<State> s_;
  mutable std::size_t sigSize_[2] = {0, 0};  // Kerberos's, by encryption, computed once established
  AuthnService service_;
  bool initiator_;
  bool established_ = false;
  std::string error_;
};

}  // namespace midlrt::rpc::detail
