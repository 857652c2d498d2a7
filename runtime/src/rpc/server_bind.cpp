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
  uint8_t flags = static_cast<uint8_t>(pdu::kFirstFrag | pdu::kLastFrag | (v.header.flags & pdu::kConcMpx));
  pdu::encodeBindAck(bytes, alter ? pdu::PType::kAlterContextResp : pdu::PType::kBindAck, flags,
                     v.header.callId, ack);
  std::lock_guard lk(c->mu);
  c->out.appendCopy(bytes.data(), bytes.size());
}

}  // namespace midlrt::rpc::detail
