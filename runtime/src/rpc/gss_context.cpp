// GSSAPI security contexts for MS-RPCE's providers: NTLMSSP through gss-ntlmssp, Kerberos and SPNEGO through
// MIT krb5's own mechanisms.
#include "gss_context.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <cstring>
#include <optional>

#include "dce_ap_req.h"
#include "midlrt/rpc/status.h"

#if defined(__SANITIZE_ADDRESS__)
#define MIDLRT_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MIDLRT_LSAN 1
#endif
#endif
#ifdef MIDLRT_LSAN
// gss-ntlmssp 1.2 leaves part of each context behind when it is deleted (a block of its own and OpenSSL
// state it made, whatever the caller releases): the provider's leaks, not this runtime's, kept out of
// LeakSanitizer's reports in sanitizer builds. OpenSSL's frames have no frame pointers, so the fast unwinder
// stops inside libcrypto before it reaches gss-ntlmssp: libcrypto is named too (midlrt does not call it; only
// the providers do).
extern "C" const char* __lsan_default_suppressions() {
  return "leak:gssntlmssp.so\nleak:libcrypto.so\n";
}
#endif

namespace midlrt::rpc::detail {

namespace {
// The NTLM mechanism's OID, 1.3.6.1.4.1.311.2.2.10 (what gss-ntlmssp registers), DER-encoded.
gss_OID_desc ntlmOid{10, const_cast<char*>("\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a")};
// SPNEGO, 1.3.6.1.5.5.2.
gss_OID_desc spnegoOid{6, const_cast<char*>("\x2b\x06\x01\x05\x05\x02")};

gss_OID mechOf(AuthnService service) {
  switch (service) {
    case AuthnService::kWinNT:
      return &ntlmOid;
    case AuthnService::kGssKerberos:
      return gss_mech_krb5;
    case AuthnService::kGssNegotiate:
      return &spnegoOid;
    case AuthnService::kNone:
      break;
  }
  return GSS_C_NO_OID;
}

// An NTLM signature (NTLMSSP_MESSAGE_SIGNATURE: version, checksum, sequence number).
constexpr std::size_t kNtlmSignatureSize = 16;

// The confounder of an RFC 1964/4757 wrap token (8 bytes for RC4 and DES3).
constexpr std::size_t kRfc1964Confounder = 8;

// Whether an established Kerberos context's key makes RFC 1964/4757 tokens (DES, DES3, RC4) rather than
// RFC 4121's: from its session key's enctype, which MIT answers as the last arc of an OID
// (1.2.840.113554.1.2.2.4.<enctype>) after the key itself.
bool usesRfc1964Tokens(gss_ctx_id_t ctx) {
  OM_uint32 minor = 0;
  gss_buffer_set_t data = GSS_C_NO_BUFFER_SET;
  if (GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, ctx, GSS_C_INQ_SSPI_SESSION_KEY, &data)) ||
      data == GSS_C_NO_BUFFER_SET)
    return false;
  long enctype = -1;
  if (data->count >= 2 && data->elements[1].length > 0) {
    const auto* oid = static_cast<const std::uint8_t*>(data->elements[1].value);
    const std::size_t n = data->elements[1].length;
    enctype = 0;
    std::size_t i = n - 1;  // the last arc's base-128 bytes: every one but its last has the top bit set
    while (i > 0 && (oid[i - 1] & 0x80)) --i;
    for (; i < n && enctype < (1L << 24); ++i) enctype = enctype << 7 | (oid[i] & 0x7f);
  }
  gss_release_buffer_set(&minor, &data);
  switch (enctype) {
    case 1:   // des-cbc-crc
    case 2:   // des-cbc-md4
    case 3:   // des-cbc-md5
    case 16:  // des3-cbc-sha1
    case 23:  // arcfour-hmac
    case 24:  // arcfour-hmac-exp
      return true;
    default:
      return false;
  }
}

std::string describe(std::uint32_t major, std::uint32_t minor, gss_OID mech) {
  std::string text;
  auto append = [&](std::uint32_t code, int type, gss_OID m) {
    OM_uint32 ctx = 0;
    do {
      OM_uint32 min = 0;
      gss_buffer_desc msg = GSS_C_EMPTY_BUFFER;
      if (gss_display_status(&min, code, type, m, &ctx, &msg) != GSS_S_COMPLETE) break;
      if (!text.empty()) text += "; ";
      text.append(static_cast<const char*>(msg.value), msg.length);
      gss_release_buffer(&min, &msg);
    } while (ctx != 0);
  };
  append(major, GSS_C_GSS_CODE, GSS_C_NO_OID);
  if (minor != 0) append(minor, GSS_C_MECH_CODE, mech);
  return text;
}

struct OidSet {
  gss_OID_desc oid;
  gss_OID_set_desc set{1, &oid};
  explicit OidSet(gss_OID m) : oid(*m) {}
};

struct Name {
  gss_name_t n = GSS_C_NO_NAME;
  ~Name() {
    OM_uint32 min;
    if (n != GSS_C_NO_NAME) gss_release_name(&min, &n);
  }
};
}  // namespace

struct GssContext::State {
  gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  gss_name_t target = GSS_C_NO_NAME;
  gss_OID mech = GSS_C_NO_OID;
  OM_uint32 flags = 0;
  ~State() {
    OM_uint32 min;
    if (ctx != GSS_C_NO_CONTEXT) gss_delete_sec_context(&min, &ctx, GSS_C_NO_BUFFER);
    if (cred != GSS_C_NO_CREDENTIAL) gss_release_cred(&min, &cred);
    if (target != GSS_C_NO_NAME) gss_release_name(&min, &target);
  }
};

GssContext::GssContext(AuthnService service, bool initiator)
    : s_(std::make_unique<State>()), service_(service), initiator_(initiator) {
  s_->mech = mechOf(service);
}

GssContext::~GssContext() = default;

void GssContext::fail(const char* what, std::uint32_t major, std::uint32_t minor) {
  error_ = std::string(what) + ": " + describe(major, minor, s_->mech);
}

bool GssContext::supports(AuthnService service, AuthnLevel level) {
  // NTLM at pkt_privacy signs the whole PDU while it encrypts only the stub data (MS-RPCE 3.3.1.5.2.2);
  // gss-ntlmssp's gss_wrap signs what it encrypts and it has no gss_wrap_iov, so it cannot (README).
  // SPNEGO is offered for Kerberos under it (its signatures are then Kerberos's wrap tokens).
  if (service == AuthnService::kWinNT) return level != AuthnLevel::kPktPrivacy;
  return service == AuthnService::kGssKerberos || service == AuthnService::kGssNegotiate;
}

std::unique_ptr<GssContext> GssContext::initiate(const ClientAuth& auth) {
  if (!supports(auth.service, effectiveLevel(auth.level)))
    throw RpcError(status::kUnknownAuthnService, "authentication service " +
                                                     std::to_string(static_cast<int>(auth.service)) +
                                                     " is not provided by this runtime");
  std::unique_ptr<GssContext> c(new GssContext(auth.service, true));
  State& s = *c->s_;
  OM_uint32 major, minor = 0;
  OidSet mechs(s.mech);
  if (!auth.user.empty()) {
    // NTLM names a user "DOMAIN\user"; Kerberos "user@REALM".
    std::string user = auth.user;
    if (!auth.domain.empty())
      user = auth.service == AuthnService::kWinNT ? auth.domain + "\\" + auth.user
                                                  : auth.user + "@" + auth.domain;
    gss_buffer_desc nameBuf{user.size(), user.data()};
    Name name;
    major = gss_import_name(&minor, &nameBuf, GSS_C_NT_USER_NAME, &name.n);
    if (GSS_ERROR(major)) {
      c->fail("importing the user name", major, minor);
      throw RpcError(status::kSecPkgError, c->error_);
    }
    std::string password = auth.password;
    gss_buffer_desc pw{password.size(), password.data()};
    major = gss_acquire_cred_with_password(&minor, name.n, &pw, GSS_C_INDEFINITE, &mechs.set, GSS_C_INITIATE,
                                           &s.cred, nullptr, nullptr);
    if (GSS_ERROR(major)) {
      c->fail("acquiring the user's credentials", major, minor);
      throw RpcError(status::kSecPkgError, c->error_);
    }
  } else {
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs.set, GSS_C_INITIATE, &s.cred,
                             nullptr, nullptr);
    if (GSS_ERROR(major)) {
      c->fail("acquiring the default credentials", major, minor);
      throw RpcError(status::kSecPkgError, c->error_);
    }
  }
  // GSSAPI wants a target even where NTLM does not use one: "host" (the local host's) stands in.
  std::string target = auth.service == AuthnService::kWinNT ? "host" : auth.serverPrincipal;
  if (target.empty()) throw RpcError(status::kSecPkgError, "Kerberos needs the server's principal name");
  gss_buffer_desc targetBuf{target.size(), target.data()};
  gss_OID targetType =
      target.find('/') == std::string::npos ? GSS_C_NT_HOSTBASED_SERVICE : GSS_KRB5_NT_PRINCIPAL_NAME;
  major = gss_import_name(&minor, &targetBuf, targetType, &s.target);
  if (GSS_ERROR(major)) {
    c->fail("importing the server's principal name", major, minor);
    throw RpcError(status::kSecPkgError, c->error_);
  }
  s.flags = GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
  // Kerberos as MS-RPCE uses it: mutual authentication in three legs, the client's AP-REP last (DCE style).
  // Confidentiality is claimed at pkt_privacy only: Samba sizes its signatures by the flags the client's
  // authenticator claims (a wrap token's header with confidentiality, a MIC token without), and MIT claims
  // confidentiality and integrity whatever was asked unless the credential says not to.
  if (auth.service != AuthnService::kWinNT) {
    s.flags |= GSS_C_MUTUAL_FLAG | GSS_C_DCE_STYLE;
    if (effectiveLevel(auth.level) != AuthnLevel::kPktPrivacy) {
      s.flags &= ~OM_uint32{GSS_C_CONF_FLAG};
      gss_buffer_desc none = GSS_C_EMPTY_BUFFER;
      major = gss_set_cred_option(&minor, &s.cred, const_cast<gss_OID>(GSS_KRB5_CRED_NO_CI_FLAGS_X), &none);
      if (GSS_ERROR(major)) {
        c->fail("asking for integrity without confidentiality", major, minor);
        throw RpcError(status::kSecPkgError, c->error_);
      }
    }
  }
  return c;
}

std::unique_ptr<GssContext> GssContext::accept(AuthnService service, const ServerAuth& creds) {
  if (!supports(service, AuthnLevel::kConnect)) return nullptr;
  std::unique_ptr<GssContext> c(new GssContext(service, false));
  State& s = *c->s_;
  OM_uint32 minor = 0;
  OidSet mechs(s.mech);
  OM_uint32 major;
  if (!creds.keytab.empty()) {
    gss_key_value_element_desc kv{"keytab", creds.keytab.c_str()};
    gss_key_value_set_desc store{1, &kv};
    major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs.set, GSS_C_ACCEPT, &store,
                                  &s.cred, nullptr, nullptr);
  } else {
    // gss-ntlmssp reads its accounts from NTLM_USER_FILE (Server::registerAuthInfo sets it); Kerberos
    // without a keytab takes the default one.
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs.set, GSS_C_ACCEPT, &s.cred,
                             nullptr, nullptr);
  }
  if (GSS_ERROR(major)) {
    c->fail("acquiring the server's credentials", major, minor);
    return nullptr;
  }
  return c;
}

GssContext::Step GssContext::step(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  out.clear();
  State& s = *s_;
  OM_uint32 major, minor = 0;
  gss_buffer_desc input{in.size(), const_cast<std::uint8_t*>(in.data())};
  // gss-ntlmssp 1.2 refuses an NTLM NEGOTIATE message of the minimal 32 bytes (no Version field), which
  // impacket sends: the same message with the optional Version left zero is accepted.
  std::vector<std::uint8_t> padded;
  if (!initiator_ && service_ == AuthnService::kWinNT && in.size() >= 12 && in.size() < 40 &&
      std::memcmp(in.data(), "NTLMSSP\0\1\0\0\0", 12) == 0) {
    padded.assign(in.begin(), in.end());
    padded.resize(40);
    input = {padded.size(), padded.data()};
  }
  // A DCE-style client's first Kerberos token in the GSS framing (Windows', impacket's): MIT's acceptor
  // takes it bare only (dce_ap_req.h).
  std::optional<std::vector<std::uint8_t>> bare;
  if (!initiator_ && s.ctx == GSS_C_NO_CONTEXT && service_ != AuthnService::kWinNT &&
      (bare = bareDceApReq(in, service_ == AuthnService::kGssNegotiate)))
    input = {bare->size(), bare->data()};
  gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
  if (initiator_) {
    major = gss_init_sec_context(&minor, s.cred, &s.ctx, s.target, s.mech, s.flags, GSS_C_INDEFINITE,
                                 GSS_C_NO_CHANNEL_BINDINGS, in.empty() ? GSS_C_NO_BUFFER : &input, nullptr,
                                 &output, nullptr, nullptr);
  } else {
    major = gss_accept_sec_context(&minor, &s.ctx, s.cred, &input, GSS_C_NO_CHANNEL_BINDINGS, nullptr,
                                   nullptr, &output, nullptr, nullptr, nullptr);
  }
  if (output.length != 0 && output.value != nullptr) {  // gss-ntlmssp leaves a length on failure
    auto* p = static_cast<const std::uint8_t*>(output.value);
    out.assign(p, p + output.length);
  }
  OM_uint32 ignored;
  gss_release_buffer(&ignored, &output);
  if (GSS_ERROR(major)) {
    fail(initiator_ ? "initiating the security context" : "accepting the security context", major, minor);
    return Step::kFailed;
  }
  if (major & GSS_S_CONTINUE_NEEDED) return Step::kContinue;
  established_ = true;
  return Step::kComplete;
}

std::string GssContext::peerName() const {
  if (!established_) return {};
  OM_uint32 minor = 0;
  Name name;
  OM_uint32 major = initiator_ ? gss_inquire_context(&minor, s_->ctx, nullptr, &name.n, nullptr, nullptr,
                                                     nullptr, nullptr, nullptr)
                               : gss_inquire_context(&minor, s_->ctx, &name.n, nullptr, nullptr, nullptr,
                                                     nullptr, nullptr, nullptr);
  if (GSS_ERROR(major) || name.n == GSS_C_NO_NAME) return {};
  gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
  if (GSS_ERROR(gss_display_name(&minor, name.n, &text, nullptr))) return {};
  std::string result(static_cast<const char*>(text.value), text.length);
  gss_release_buffer(&minor, &text);
  while (!result.empty() && result.back() == '\0') result.pop_back();  // gss-ntlmssp counts its NUL
  return result;
}

std::size_t GssContext::signatureSize(AuthnLevel level) const {
  if (service_ == AuthnService::kWinNT) return kNtlmSignatureSize;
  // Kerberos: at pkt_privacy the wrap token's header, which carries the checksum (and the encrypted copy of
  // its own header) when there is no padding or trailer buffer (GSS_C_DCE_STYLE); below it a MIC token.
  const bool encrypt = level == AuthnLevel::kPktPrivacy;
  if (sigSize_[encrypt] == 0) {
    gss_iov_buffer_desc iov[2] = {};
    iov[0].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[0].buffer.length = 16;
    OM_uint32 minor = 0;
    if (encrypt) {
      iov[1].type = GSS_IOV_BUFFER_TYPE_HEADER;
      if (gss_wrap_iov_length(&minor, s_->ctx, 1, GSS_C_QOP_DEFAULT, nullptr, iov, 2) == GSS_S_COMPLETE)
        sigSize_[1] = iov[1].buffer.length;
    } else {
      iov[1].type = GSS_IOV_BUFFER_TYPE_MIC_TOKEN;
      if (gss_get_mic_iov_length(&minor, s_->ctx, GSS_C_QOP_DEFAULT, iov, 2) == GSS_S_COMPLETE)
        sigSize_[0] = iov[1].buffer.length;
      // RFC 1964/4757 tokens (RC4, DES3 keys): MIT 1.20 counts a confounder in the MIC token's length
      // that gss_get_mic's tokens do not have (RFC 4757 7.2).
      if (sigSize_[0] > kRfc1964Confounder && usesRfc1964Tokens(s_->ctx)) sigSize_[0] -= kRfc1964Confounder;
    }
  }
  return sigSize_[encrypt];
}

namespace {
// The DCE layout of gss_wrap_iov (gssapi_ext.h): SIGN_ONLY | DATA | SIGN_ONLY | HEADER, the SIGN_ONLY
// buffers left out when the header is not signed. Returns the number of buffers used.
int dceIov(gss_iov_buffer_desc (&iov)[4], std::span<std::uint8_t> before, std::span<std::uint8_t> data,
           std::span<std::uint8_t> after, std::uint8_t* sig, std::size_t sigLen) {
  int n = 0;
  if (!before.empty()) iov[n++] = {GSS_IOV_BUFFER_TYPE_SIGN_ONLY, {before.size(), before.data()}};
  iov[n++] = {GSS_IOV_BUFFER_TYPE_DATA, {data.size(), data.data()}};
  if (!after.empty()) iov[n++] = {GSS_IOV_BUFFER_TYPE_SIGN_ONLY, {after.size(), after.data()}};
  iov[n++] = {GSS_IOV_BUFFER_TYPE_HEADER, {sigLen, sig}};
  return n;
}

// What a signature covers: before, data and after, contiguous in memory (the PDU up to its auth_value).
gss_buffer_desc signedRange(std::span<std::uint8_t> before, std::span<std::uint8_t> data,
                            std::span<std::uint8_t> after) {
  return {before.size() + data.size() + after.size(), before.empty() ? data.data() : before.data()};
}
}  // namespace

bool GssContext::wrap(std::span<std::uint8_t> before, std::span<std::uint8_t> data,
                      std::span<std::uint8_t> after, std::uint8_t* sig, bool encrypt) {
  OM_uint32 minor = 0;
  OM_uint32 major;
  if (!encrypt) {
    // pkt_integrity: a MIC token (GSS_GetMICEx, MS-RPCE 2.2.2.12) of what is signed. NTLM's covers the
    // whole PDU whether or not header signing was negotiated; supports() admits no NTLM encryption.
    gss_buffer_desc in = signedRange(before, data, after);
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    major = gss_get_mic(&minor, s_->ctx, GSS_C_QOP_DEFAULT, &in, &out);
    const bool ok =
        !GSS_ERROR(major) && out.value != nullptr && out.length == signatureSize(AuthnLevel::kPktIntegrity);
    if (ok) std::memcpy(sig, out.value, out.length);
    OM_uint32 ignored;
    gss_release_buffer(&ignored, &out);
    if (!ok) fail("signing", major, minor);
    return ok;
  }
  // pkt_privacy: a wrap token (GSS_WrapEx), the stub data encrypted in place.
  gss_iov_buffer_desc iov[4];
  const int n = dceIov(iov, before, data, after, sig, signatureSize(AuthnLevel::kPktPrivacy));
  int confState = 0;
  major = gss_wrap_iov(&minor, s_->ctx, 1, GSS_C_QOP_DEFAULT, &confState, iov, n);
  if (GSS_ERROR(major) || confState == 0) {
    fail("sealing", major, minor);
    return false;
  }
  return true;
}

bool GssContext::unwrap(std::span<std::uint8_t> before, std::span<std::uint8_t> data,
                        std::span<std::uint8_t> after, std::uint8_t* sig, std::size_t sigLen,
                        bool encrypted) {
  OM_uint32 minor = 0;
  OM_uint32 major;
  if (!encrypted) {
    gss_buffer_desc in = signedRange(before, data, after);
    gss_buffer_desc token{sigLen, sig};
    major = gss_verify_mic(&minor, s_->ctx, &in, &token, nullptr);
  } else {
    gss_iov_buffer_desc iov[4];
    const int n = dceIov(iov, before, data, after, sig, sigLen);
    int confState = 0;
    major = gss_unwrap_iov(&minor, s_->ctx, &confState, nullptr, iov, n);
    if (major == GSS_S_COMPLETE && confState == 0) {
      error_ = "an unencrypted PDU on a pkt_privacy connection";
      return false;
    }
  }
  // A supplementary status (a replayed, duplicated, old or out-of-order token) refuses the PDU too.
  if (major != GSS_S_COMPLETE) {
    fail("verifying a signature", major, minor);
    return false;
  }
  return true;
}

}  // namespace midlrt::rpc::detail
