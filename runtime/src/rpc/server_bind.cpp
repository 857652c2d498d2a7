// Bind and alter_context on the server: fragment sizes, the association (and its group), and the
// presentation-context negotiation against the registered interfaces.
#include <algorithm>
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
  if (v.header.authLength != 0 || b.maxXmitFrag < pdu::kMinFragSize || b.maxRecvFrag < pdu::kMinFragSize) {
    // No security providers here; and C706 requires peers to handle at least 1432-byte fragments.
    pdu::BindNak nak;
    nak.reason = v.header.authLength != 0 ? pdu::RejectReason::kAuthenticationTypeNotRecognized
                                          : pdu::RejectReason::kLocalLimitExceeded;
    if (alter) {
      pdu::Fault f;
      f.status = status::kProtoError;
      pdu::encodeFault(bytes, v.header.callId, f);
    } else {
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
      e.reason = 0;  // no optional features (security context multiplexing, keep-alive orphans) supported
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
  uint8_t flags = static_cast<uint8_t>(pdu::kFirstFrag | pdu::kLastFrag | mpx);
  pdu::encodeBindAck(bytes, alter ? pdu::PType::kAlterContextResp : pdu::PType::kBindAck, flags,
                     v.header.callId, ack);
  std::lock_guard lk(c->mu);
  c->out.appendCopy(bytes.data(), bytes.size());
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
