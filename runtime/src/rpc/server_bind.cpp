// Bind and alter_context on the server: fragment sizes, the association (and its group), and the
// presentation-context negotiation against the registered interfaces.
#include <algorithm>
#include <optional>
#include <vector>

#include "midlrt/rpc/status.h"
#include "server_impl.h"

namespace midlrt::rpc::detail {

namespace {
bool isFeatureNegotiation(const SyntaxId& s) {
  return s.uuid.data1 == 0x6cb71c2c && s.uuid.data2 == 0x9812 && s.uuid.data3 == 0x4540;
}
}  // namespace

void ServerImpl::handleBind(const std::shared_ptr<ServerConn>& c, const pdu::View& v, bool alter) {
  pdu::Bind b = pdu::decodeBind(v);
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> answer;  // the security context's token for the verifier of the answer
  // C706 requires peers to handle at least 1432-byte fragments.
  bool fragOk = b.maxXmitFrag >= pdu::kMinFragSize && b.maxRecvFrag >= pdu::kMinFragSize;
  pdu::RejectReason reason = pdu::RejectReason::kLocalLimitExceeded;
  ConnSecurity* security = nullptr;
  if (!fragOk || (v.header.authLength != 0 && !(security = authenticateLeg(*c, v, alter, answer, reason)))) {
    if (alter) {
      // A failed leg of alter_context is answered with access denied, as Windows and Samba do.
      pdu::Fault f;
      f.status = fragOk ? status::kAccessDenied : status::kProtoError;
      pdu::encodeFault(bytes, v.header.callId, f);
    } else {
      pdu::BindNak nak;
      nak.reason = reason;
      pdu::encodeBindNak(bytes, v.header.callId, nak);
    }
    std::lock_guard lk(c->mu);
    c->out.appendCopy(bytes.data(), bytes.size());
    return;
  }
  pdu::BindAck ack;
  uint16_t xmit = std::min(opts.maxFrag, b.maxRecvFrag);
  ack.maxXmitFrag = xmit;
  ack.maxRecvFrag = std::min(opts.maxFrag, b.maxXmitFrag);
  if (!alter) {
    auto association = std::make_shared<Association>(joinGroup(*c, b.assocGroupId));
    c->recvFrag = ack.maxRecvFrag;
    // Calls overlap on this connection only if the client asked for concurrent multiplexing in its bind;
    // this server supports it, so it grants what is asked (MS-RPCE 3.3.1.5.8).
    c->multiplexed = (v.header.flags & pdu::kConcMpx) != 0;
    std::lock_guard lk(c->mu);
    c->association = std::move(association);
    c->xmitFrag = xmit;
  }
  ack.assocGroupId = c->association->groupId();
  if (!alter) ack.secondaryAddress = c->secondaryAddress;
  for (const auto& ctx : b.contexts) {
    pdu::ContextResultEntry e;
    if (std::any_of(ctx.transferSyntaxes.begin(), ctx.transferSyntaxes.end(), isFeatureNegotiation)) {
      e.result = pdu::ContextResult::kNegotiateAck;
      // No optional feature is advertised (keep-alive orphans, security context multiplexing). Further
      // security contexts in alter_context are taken all the same, as from clients that never negotiate.
      e.reason = 0;
      ack.results.push_back(e);
      continue;
    }
    std::shared_ptr<Registered> reg;
    {
      std::lock_guard lk(regMu);
      for (const auto& r : interfaces) {
        if (r->id.uuid == ctx.abstractSyntax.uuid && r->id.major == ctx.abstractSyntax.major &&
            ctx.abstractSyntax.minor <= r->id.minor) {
          reg = r;
          break;
        }
      }
    }
    if (!reg) {
      e.result = pdu::ContextResult::kProviderRejection;
      e.reason = static_cast<uint16_t>(pdu::ProviderReason::kAbstractSyntaxNotSupported);
    } else if (std::find(ctx.transferSyntaxes.begin(), ctx.transferSyntaxes.end(), kNdr20Syntax) ==
               ctx.transferSyntaxes.end()) {
      e.result = pdu::ContextResult::kProviderRejection;
      e.reason = static_cast<uint16_t>(pdu::ProviderReason::kTransferSyntaxesNotSupported);
    } else {
      e.result = pdu::ContextResult::kAcceptance;
      e.transferSyntax = kNdr20Syntax;
      auto it = std::find_if(c->contexts.begin(), c->contexts.end(),
                             [&](const BoundContext& bc) { return bc.contextId == ctx.contextId; });
      if (it != c->contexts.end()) {
        *it = BoundContext{ctx.contextId, ctx.abstractSyntax, reg};
      } else {
        c->contexts.push_back(BoundContext{ctx.contextId, ctx.abstractSyntax, reg});
      }
    }
    ack.results.push_back(e);
  }
  c->bound = true;
  // PFC_CONC_MPX is negotiated by bind alone: bind_ack grants it, alter_context_resp never carries it (what
  // Windows does, as Samba's protocol tests record).
  uint8_t mpx = alter ? 0 : static_cast<uint8_t>(v.header.flags & pdu::kConcMpx);
  // PFC_SUPPORT_HEADER_SIGN: an authenticating bind that offers it is told this server signs (and checks)
  // the header and trailer too (MS-RPCE 3.3.1.5.2.2).
  uint8_t headerSign = !alter && c->headerSigning ? pdu::kPendingCancel : 0;
  uint8_t flags = static_cast<uint8_t>(pdu::kFirstFrag | pdu::kLastFrag | mpx | headerSign);
  pdu::encodeBindAck(bytes, alter ? pdu::PType::kAlterContextResp : pdu::PType::kBindAck, flags,
                     v.header.callId, ack);
  // The answer's token, if the provider had one (an established context may have nothing more to say).
  if (security != nullptr && !answer.empty())
    appendVerifier(bytes, 0, 0, 4, security->context->trailer(), answer);
  std::lock_guard lk(c->mu);
  c->out.appendCopy(bytes.data(), bytes.size());
}

namespace {
// A connection holds at most this many security contexts (each one a provider's state).
constexpr size_t kMaxSecurityContexts = 16;

// The caller's identity, once a security context is established.
void authenticated(ConnSecurity& s) {
  s.caller.authnService = s.context->service();
  s.caller.authnLevel = s.context->level();
  s.caller.clientPrincipal = s.context->gss().peerName();
}
}  // namespace

ConnSecurity* ServerConn::securityOf(uint32_t authContextId) const {
  for (const auto& s : securities)
    if (s->context->contextId() == authContextId) return s.get();
  return nullptr;
}

ConnSecurity* ServerImpl::authenticateLeg(ServerConn& c, const pdu::View& v, bool alter,
                                          std::vector<uint8_t>& answer, pdu::RejectReason& nak) {
  Verifier ver = readVerifier(v);
  auto service = static_cast<AuthnService>(ver.trailer.authType);
  auto level = static_cast<AuthnLevel>(ver.trailer.authLevel);
  nak = pdu::RejectReason::kAuthenticationTypeNotRecognized;
  ConnSecurity* s = c.securityOf(ver.trailer.contextId);
  const bool started = s == nullptr;
  if (started) {
    // A new security context: the bind's, or a further one in alter_context (under its own
    // auth_context_id). Levels call and pkt are not taken (a midlrt client raises them to pkt_integrity, as
    // Windows does).
    if (c.securities.size() >= kMaxSecurityContexts) return nullptr;
    if (level != AuthnLevel::kConnect && level != AuthnLevel::kPktIntegrity &&
        level != AuthnLevel::kPktPrivacy)
      return nullptr;
    std::optional<ServerAuth> creds;
    {
      std::lock_guard lk(regMu);
      for (const ServerAuth& a : auth)
        if (a.service == service) creds = a;
    }
    if (!creds || !GssContext::supports(service, level)) return nullptr;
    std::unique_ptr<GssContext> gss = GssContext::accept(service, *creds);
    if (!gss) return nullptr;
    // Headers are signed when the client offered to in bind (bind_ack confirms it); otherwise the stub data
    // alone.
    if (!alter) c.headerSigning = (v.header.flags & pdu::kPendingCancel) != 0;
    auto created = std::make_unique<ConnSecurity>();
    created->context =
        std::make_unique<ConnectionSecurity>(service, level, ver.trailer.contextId, std::move(gss));
    created->context->setHeaderSigning(c.headerSigning);
    created->caller = c.caller;
    s = created.get();
    c.securities.push_back(std::move(created));
  } else if (s->context->established() || s->context->service() != service || s->context->level() != level) {
    return nullptr;  // a context started again, or changed midway
  }
  nak = pdu::RejectReason::kInvalidChecksum;  // what Samba and Windows answer a failed leg with
  switch (s->context->gss().step(ver.value, answer)) {
    case GssContext::Step::kFailed:
      if (started) c.securities.pop_back();
      return nullptr;
    case GssContext::Step::kComplete:
      authenticated(*s);
      break;
    case GssContext::Step::kContinue:
      break;
  }
  return s;
}

bool ServerImpl::handleAuth3(ServerConn& c, const pdu::View& v) {
  // The client's last leg; nothing answers it. A leg that fails leaves the context unestablished, so that
  // the requests naming it are refused with access denied (and the connection then closed).
  if (v.header.authLength == 0) return false;
  Verifier ver = readVerifier(v);
  ConnSecurity* s = c.securityOf(ver.trailer.contextId);
  if (s == nullptr || s->context->established() ||
      ver.trailer.authType != static_cast<uint8_t>(s->context->service()))
    return false;
  std::vector<uint8_t> answer;
  if (s->context->gss().step(ver.value, answer) == GssContext::Step::kComplete && answer.empty())
    authenticated(*s);
  return true;
}

bool ServerImpl::verifyRequest(ServerConn& c, const pdu::View& v) {
  c.requestSecurity = nullptr;
  if (c.securities.empty()) return true;  // unauthenticated: a verifier, if any, is skipped by decodeRequest
  // The context the request's verifier names; without one, the bind's (at connect level, requests carry
  // none).
  ConnSecurity* s = c.securities.front().get();
  if (v.header.authLength != 0) s = c.securityOf(readVerifier(v).trailer.contextId);
  // The view is over the connection's read buffer, which the I/O thread owns: decrypted in place.
  if (s != nullptr &&
      (s->protects() ? s->context->unprotect(const_cast<uint8_t*>(v.data), v.header, stubOffsetOf(v.header))
                     : s->context->established())) {
    c.requestSecurity = s;
    return true;
  }
  // Unsigned, tampered, replayed or out of order, of no context of the connection, or before (or after a
  // failed) authentication: refused, never dispatched; the connection then closes, as its sequence numbers
  // can no longer be trusted.
  const uint16_t contextId = v.header.fragLength >= pdu::kRequestHeaderSize ? rawRequestContextId(v) : 0;
  c.sendRefusal(v.header.callId, contextId, status::kAccessDenied);
  return false;
}

void ServerImpl::refuseVersion(const std::shared_ptr<ServerConn>& c, const pdu::Header& h) {
  // MS-RPCE 3.3.1.5.1: a PDU of another protocol version gets an error "depending on the received PDU"
  // (<97>). For a bind that is bind_nak with reason protocol_version_not_supported and the versions the
  // server speaks (C706 12.6.4.5, MS-RPCE 2.2.2.9: 5.0); the connection then closes. Any other PDU of an
  // unknown version just closes it: its body cannot be trusted to name a call to fault.
  if (h.type != pdu::PType::kBind || c->bound) return;
  pdu::BindNak nak;
  nak.reason = pdu::RejectReason::kProtocolVersionNotSupported;
  std::vector<uint8_t> bytes;
  pdu::encodeBindNak(bytes, h.callId, nak);
  std::lock_guard lk(c->mu);
  c->out.appendCopy(bytes.data(), bytes.size());
}

}  // namespace midlrt::rpc::detail
