// GSSAPI security contexts for MS-RPCE's providers: NTLMSSP through gss-ntlmssp, Kerberos and SPNEGO through
// MIT krb5's own mechanisms.
#include "gss_context.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <cstring>

#include "midlrt/rpc/status.h"

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
  // Kerberos and SPNEGO are not offered yet.
  return service == AuthnService::kWinNT && level != AuthnLevel::kPktPrivacy;
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
    // NTLM names a user "DOMAIN\user".
    std::string user = auth.domain.empty() ? auth.user : auth.domain + "\\" + auth.user;
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
  std::string host = "host";
  gss_buffer_desc target{host.size(), host.data()};
  major = gss_import_name(&minor, &target, GSS_C_NT_HOSTBASED_SERVICE, &s.target);
  if (GSS_ERROR(major)) {
    c->fail("importing the target's name", major, minor);
    throw RpcError(status::kSecPkgError, c->error_);
  }
  s.flags = GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
  return c;
}

std::unique_ptr<GssContext> GssContext::accept(AuthnService service, const ServerAuth& creds) {
  (void)creds;  // NTLM's accounts come through the environment
  if (!supports(service, AuthnLevel::kConnect)) return nullptr;
  std::unique_ptr<GssContext> c(new GssContext(service, false));
  State& s = *c->s_;
  OM_uint32 minor = 0;
  OidSet mechs(s.mech);
  // gss-ntlmssp reads its accounts from NTLM_USER_FILE (Server::registerAuthInfo sets it).
  OM_uint32 major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs.set, GSS_C_ACCEPT, &s.cred,
                                     nullptr, nullptr);
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
  (void)level;
  return kNtlmSignatureSize;  // supports() admits NTLM only
}

bool GssContext::sign(const std::uint8_t* msg, std::size_t n, std::uint8_t* sig) {
  OM_uint32 minor = 0;
  gss_buffer_desc in{n, const_cast<std::uint8_t*>(msg)};
  gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
  OM_uint32 major = gss_get_mic(&minor, s_->ctx, GSS_C_QOP_DEFAULT, &in, &out);
  if (GSS_ERROR(major) || out.length != signatureSize(AuthnLevel::kPktIntegrity)) {
    fail("signing", major, minor);
    gss_release_buffer(&minor, &out);
    return false;
  }
  std::memcpy(sig, out.value, out.length);
  gss_release_buffer(&minor, &out);
  return true;
}

bool GssContext::verify(const std::uint8_t* msg, std::size_t n, const std::uint8_t* sig, std::size_t sigLen) {
  OM_uint32 minor = 0;
  gss_buffer_desc in{n, const_cast<std::uint8_t*>(msg)};
  gss_buffer_desc token{sigLen, const_cast<std::uint8_t*>(sig)};
  OM_uint32 major = gss_verify_mic(&minor, s_->ctx, &in, &token, nullptr);
  if (major != GSS_S_COMPLETE) {
    fail("verifying a signature", major, minor);
    return false;
  }
  return true;
}

}  // namespace midlrt::rpc::detail
