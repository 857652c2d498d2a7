// Binding a lane: connecting (or adopting an in-process socket pair), then bind for the first interface and
// alter_context for the others, with a non-causal channel's lanes joining one association group.
#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "channel_impl.h"
#include "endpoint_resolution.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc::detail {

namespace {
void makeBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

// What a call reports when the server refuses its bind, by the bind_nak's reason (MS-RPCE 2.2.2.5).
uint32_t statusOfBindNak(pdu::RejectReason reason) {
  switch (reason) {
    case pdu::RejectReason::kTemporaryCongestion:  // "treat ... in the same manner as LOCAL_LIMIT_EXCEEDED"
    case pdu::RejectReason::kLocalLimitExceeded:   // "lack of resources"
      return status::kServerTooBusy;
    case pdu::RejectReason::kProtocolVersionNotSupported:  // "a protocol error while processing an rpc_bind"
      return status::kProtocolError;
    case pdu::RejectReason::kAuthenticationTypeNotRecognized:
      return status::kUnknownAuthnService;
    case pdu::RejectReason::kInvalidChecksum:  // "an unrecoverable error ... by the underlying security
                                               // package"
      return status::kSecPkgError;
    default:
      return status::kCallFailedDne;  // refused for no reason given: nothing ran
  }
}
}  // namespace

void ChannelImpl::finishAuthentication(const std::shared_ptr<ClientConn>& c, ConnectionSecurity& security,
                                       uint32_t callId, const pdu::Bind& bind,
                                       const std::vector<uint8_t>& serverToken, std::vector<CallPtr>& done) {
  // A connection whose authentication fails is not used: its calls would go out unprotected.
  auto refuse = [&](uint32_t status, const std::string& why) {
    std::lock_guard lk(mu);
    failConnection(c, status, done);
    throw RpcError(status, "authentication: " + why);
  };
  std::vector<uint8_t> in = serverToken;
  std::vector<uint8_t> token;
  // Each round: the provider's answer to the server's last token, then the next leg. NTLM and Kerberos
  // end with auth3 (no answer); SPNEGO's legs go in alter_context, whose response carries the server's
  // next token (MS-RPCE 3.3.1.5.3), until both ends are done.
  for (int leg = 0; leg < 8; ++leg) {
    const GssContext::Step step = security.gss().step(in, token);
    if (step == GssContext::Step::kFailed) refuse(status::kSecPkgError, security.gss().error());
    if (token.empty()) {
      if (step == GssContext::Step::kComplete) return;
      refuse(status::kSecPkgError, "the provider wants another leg and has nothing to send");
    }
    if (security.service() != AuthnService::kGssNegotiate) {
      if (step != GssContext::Step::kComplete)
        refuse(status::kSecPkgError, "the provider asks for legs beyond auth3");
      // auth3: the common header, four bytes of pad, then the verifier (MS-RPCE 2.2.2.10). No answer comes.
      std::vector<uint8_t> bytes(pdu::kHeaderSize + 4, 0);
      pdu::Header h;
      h.type = pdu::PType::kAuth3;
      h.flags = pdu::kFirstFrag | pdu::kLastFrag;
      h.callId = callId;
      pdu::encodeHeader(bytes.data(), h);
      appendVerifier(bytes, 0, 0, 4, security.trailer(), token);
      iovec iov{bytes.data(), bytes.size()};
      if (!c->sendNow(&iov, 1)) refuse(status::kCallFailed, "connection lost");
      return;
    }
    CallPtr call = registerCall(c, ClientCall::Kind::kBind, opts.connectTimeout, nullptr);
    if (call->done) refuse(status::kCallFailed, "connection lost");
    std::vector<uint8_t> bytes;
    pdu::encodeBind(bytes, pdu::PType::kAlterContext, pdu::kFirstFrag | pdu::kLastFrag, call->callId, bind);
    appendVerifier(bytes, 0, 0, 4, security.trailer(), token);
    iovec iov{bytes.data(), bytes.size()};
    if (!c->sendNow(&iov, 1)) refuse(status::kCallFailed, "connection lost");
    const uint32_t s = wait(*call, &done);
    if (s != status::kOk) refuse(s, "the server refused a leg");
    if (!call->ack) refuse(status::kProtocolError, "alter_context answered by a bind_nak");
    if (step == GssContext::Step::kComplete) return;  // the server's last word needs no answer
    in = std::move(call->authToken);
  }
  refuse(status::kSecPkgError, "too many legs");
}

std::shared_ptr<ClientConn> ChannelImpl::connect(const SyntaxId& iface) {
  int fd;
  if (inproc != nullptr) {
    fd = inproc->adoptSocketPair();
  } else {
    // A partial binding learns its port once, for the interface of its first call (under bindMu).
    if (binding->protseq == Protseq::kTcp && binding->endpoint.empty())
      binding->endpoint = resolveTcpEndpoint(*binding, iface, opts);
    fd = connectTo(*binding, opts.connectTimeout);
  }
  // Blocking reads by the leader; every write uses MSG_DONTWAIT. The receive timeout bounds how long a
  // leader blocked without a deadline of its own can miss a deadline registered after it started waiting.
  makeBlocking(fd);
  timeval tv{0, kLeaderRecheck.count() * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto c = std::make_shared<ClientConn>(fd);
  c->recvFrag = std::max(opts.maxFrag, pdu::kMinFragSize);  // what the bind will offer as max_recv_frag
  return c;
}

uint16_t ChannelImpl::ensureContext(const SyntaxId& iface, std::shared_ptr<ClientConn>& connOut) {
  auto lookup = [&]() -> std::optional<uint16_t> {
    if (!conn || !conn->bound) return std::nullopt;
    for (auto& [s, id] : conn->contexts) {
      if (s == iface) {
        connOut = conn;
        return id;
      }
    }
    return std::nullopt;
  };
  {
    std::lock_guard lk(mu);
    if (auto id = lookup()) return *id;
  }
  // Completions this thread reads while it waits for its bind run once it has let go of bindMu (this
  // object is destroyed after the lock guard): a callback may bind another interface of this channel.
  struct DeferredCompletions {
    ChannelImpl& channel;
    std::vector<CallPtr> done;
    ~DeferredCompletions() {
      if (done.empty()) return;
      std::unique_lock lk(channel.mu);
      channel.runCompletions(lk, done, nullptr);
    }
  } deferred{*this, {}};
  std::lock_guard bl(bindMu);
  std::shared_ptr<ClientConn> c;
  {
    std::lock_guard lk(mu);
    if (auto id = lookup()) return *id;
    c = conn;
  }
  if (!c) {
    c = connect(iface);
    std::lock_guard lk(mu);
    if (stop) throw RpcError(status::kCallFailed, "channel closed");
    conn = c;
    open.store(true, std::memory_order_relaxed);
  }
  bool alter;
  pdu::Bind b;
  uint16_t ctxId;
  {
    std::lock_guard lk(mu);
    alter = c->bound;
    b.maxXmitFrag = b.maxRecvFrag = c->recvFrag;
    b.assocGroupId = c->assocGroup;
    ctxId = c->nextContextId++;
    b.contexts.push_back(pdu::ContextElement{ctxId, iface, {kNdr20Syntax}});
  }
  std::unique_lock<std::mutex> joining;
  if (!alter && group) {
    joining = std::unique_lock(group->bindMu);
    b.assocGroupId = group->live.load() > 0 ? group->assocGroup : 0;
  }
  // An authenticated binding's first bind starts the connection's security context: its first token
  // rides in the bind, the server's answer in bind_ack, and the client's last in auth3.
  std::unique_ptr<ConnectionSecurity> security;
  std::vector<uint8_t> token;
  uint8_t flags = pdu::kFirstFrag | pdu::kLastFrag | pdu::kConcMpx;
  if (!alter && opts.auth.service != AuthnService::kNone) {
    security = std::make_unique<ConnectionSecurity>(opts.auth.service, effectiveLevel(opts.auth.level),
                                                    kAuthContextId, GssContext::initiate(opts.auth));
    if (security->gss().step({}, token) == GssContext::Step::kFailed)
      throw RpcError(status::kSecPkgError, security->gss().error());
    // Kerberos signs the header and trailer too only when both ends say so (PFC_SUPPORT_HEADER_SIGN,
    // MS-RPCE 3.3.1.5.2.2); NTLM signs them regardless.
    if (opts.auth.service != AuthnService::kWinNT && opts.auth.signHeaders) flags |= pdu::kPendingCancel;
  }
  CallPtr call = registerCall(c, ClientCall::Kind::kBind, opts.connectTimeout, nullptr);
  if (call->done) throw RpcError(status::kCallFailed, "connection lost");
  std::vector<uint8_t> bytes;
  pdu::encodeBind(bytes, alter ? pdu::PType::kAlterContext : pdu::PType::kBind, flags, call->callId, b);
  if (security) appendVerifier(bytes, 0, 0, 4, security->trailer(), token);
  iovec iov{bytes.data(), bytes.size()};
  if (!c->sendNow(&iov, 1)) {
    std::lock_guard lk(mu);
    failConnection(c, status::kCallFailed, deferred.done);
  }
  uint32_t s = wait(*call, &deferred.done);
  if (s != status::kOk) throw RpcError(s, "binding " + iface.uuid.toString());
  if (call->nak) {
    auto reason = call->nak->reason;
    throw RpcError(statusOfBindNak(reason),
                   "bind_nak, reject reason " + std::to_string(static_cast<unsigned>(reason)), true);
  }
  const pdu::BindAck& ack = *call->ack;
  if (security) {
    security->setHeaderSigning((flags & pdu::kPendingCancel) && (call->ackFlags & pdu::kPendingCancel));
    finishAuthentication(c, *security, call->callId, b, call->authToken, deferred.done);
  }
  if (!alter) {
    // The association exists once bind_ack arrives, whatever it says about the context.
    std::lock_guard lk(mu);
    c->xmitFrag = std::max(std::min(b.maxXmitFrag, ack.maxRecvFrag), pdu::kMinFragSize);
    c->assocGroup = ack.assocGroupId;
    c->security = std::move(security);
    c->bound = true;
    // MS-RPCE 3.3.1.5.8: without PFC_CONC_MPX granted, one call at a time (see ClientConn::exclusive).
    c->exclusive = (call->ackFlags & pdu::kConcMpx) == 0;
    if (group && !c->failed) {
      // The server answers with the group it put the connection in: the one asked for, or a new one
      // (the old one was gone); the lanes bound after this one join that.
      group->assocGroup = ack.assocGroupId;
      group->live.fetch_add(1);
      c->inGroup = true;
    }
  }
  if (joining) joining.unlock();
  if (ack.results.size() != 1) throw RpcError(status::kProtocolError, "bind_ack with wrong result count");
  if (ack.results[0].result != pdu::ContextResult::kAcceptance) {
    throw RpcError(status::kUnknownIf, "presentation context for " + iface.uuid.toString() + " v" +
                                           std::to_string(iface.major) + "." + std::to_string(iface.minor) +
                                           " rejected, reason " + std::to_string(ack.results[0].reason));
  }
  std::lock_guard lk(mu);
  c->contexts.emplace_back(iface, ctxId);
  connOut = c;
  return ctxId;
}

bool ChannelImpl::ensureContextOrFail(const SyntaxId& iface, std::shared_ptr<ClientConn>& connOut,
                                      uint16_t& ctx, const Completion& done) {
  try {
    ctx = ensureContext(iface, connOut);
    return true;
  } catch (const RpcError& e) {
    Reply empty;
    empty.setDidNotExecute(e.didNotExecute());
    done(e.status(), empty);
    return false;
  }
}

}  // namespace midlrt::rpc::detail
