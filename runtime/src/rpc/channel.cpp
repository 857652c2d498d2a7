// The Channel: made causal (one lane) or non-causal (several lanes in one association group), each call
// given a lane, blocking and asynchronous calls, disconnect and corking.
#include <exception>

#include "midlrt/rpc/channel.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <new>
#include <vector>

#include "channel_impl.h"
#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc {

Channel::Channel(Token, std::shared_ptr<detail::ChannelImpl> impl,
                 std::vector<std::shared_ptr<detail::ChannelImpl>> lanes)
    : impl_(std::move(impl)), lanes_(std::move(lanes)) {}

Channel::~Channel() {
  if (lanes_.empty()) {
    impl_->close();
    return;
  }
  for (auto& lane : lanes_) lane->close();
}

std::shared_ptr<Channel> Channel::make(const ChannelOptions& options,
                                       const std::function<void(detail::ChannelImpl&)>& where) {
  auto makeLane = [&] {
    auto impl = std::make_shared<detail::ChannelImpl>();
    impl->calls.reserve(128);
    impl->opts = options;
    where(*impl);
    return impl;
  };
  if (!options.nonCausal)
    return std::make_shared<Channel>(Token{}, makeLane(),
                                     std::vector<std::shared_ptr<detail::ChannelImpl>>{});
  auto group = std::make_shared<detail::LaneGroup>();
  std::vector<std::shared_ptr<detail::ChannelImpl>> lanes;
  for (unsigned i = 0; i < std::max(options.maxConnections, 1u); ++i) {
    lanes.push_back(makeLane());
    lanes.back()->group = group;
  }
  auto first = lanes.front();
  return std::make_shared<Channel>(Token{}, std::move(first), std::move(lanes));
}

std::shared_ptr<Channel> Channel::create(const std::string& binding, ChannelOptions options) {
  StringBinding parsed = StringBinding::parse(binding);
  return make(options, [&](detail::ChannelImpl& impl) {
    impl.bindingText = binding;
    impl.binding = parsed;
  });
}

std::shared_ptr<Channel> Channel::createInProcess(Server& server, ChannelOptions options) {
  return make(options, [&](detail::ChannelImpl& impl) {
    impl.bindingText = "in-process";
    impl.inproc = &server;
  });
}

// The connection for the next call of a non-causal channel: the one with the fewest calls in flight, so a
// call never queues behind a slow or held one while another connection is idle (round-robin would put
// every Nth call behind it); on a tie an open connection before a new one, then the first, so light
// traffic stays on few connections. The counts are read without locks: a racing call may pick the same
// connection, which costs only balance.
// Out of line, so that a causal channel's calls pay only for the test in pick().
[[gnu::noinline]] detail::ChannelImpl& Channel::pickLane() {
  detail::ChannelImpl* best = nullptr;
  size_t bestKey = SIZE_MAX;
  for (auto& lane : lanes_) {
    size_t key = lane->inFlight.load(std::memory_order_relaxed) * 2 +
                 (lane->open.load(std::memory_order_relaxed) ? 0 : 1);
    // A lane paused for a reply nobody takes serves nothing until it is taken: the last choice.
    if (lane->stalled.load(std::memory_order_relaxed)) key += size_t{1} << 32;
    if (key < bestKey) {
      bestKey = key;
      best = lane.get();
      if (key == 0) break;
    }
  }
  return *best;
}

inline detail::ChannelImpl& Channel::pick() {
  if (lanes_.empty()) [[likely]]
    return *impl_;
  return pickLane();
}

const std::string& Channel::binding() const {
  return impl_->bindingText;
}

namespace {
// A blocking call whose failures to set it up (a refused bind, memory) come back as statuses too.
uint32_t tryBlocking(detail::ChannelImpl& impl, const SyntaxId& iface, uint16_t opnum, Message& request,
                     Reply& reply, const CallOptions& options, const RequestWriter* rest,
                     std::exception_ptr* restError) noexcept {
  try {
    return detail::invokeBlocking(impl, iface, opnum, request, reply, options, rest, restError);
  } catch (const RpcError& e) {
    reply.setDidNotExecute(e.didNotExecute());  // a refused bind
    return e.status();
  } catch (const std::bad_alloc&) {
    reply.setDidNotExecute(false);
    return status::kReplyTooBig;
  } catch (...) {
    reply.setDidNotExecute(false);
    return status::kCallFailed;
  }
}

// A blocking call that throws RpcError for any status but success (and the exception of a streamed
// request's writer).
Reply invokeOrThrow(detail::ChannelImpl& impl, const SyntaxId& iface, uint16_t opnum, Message& request,
                    const CallOptions& options, const RequestWriter* rest) {
  Reply reply;
  std::exception_ptr restError;
  uint32_t s = detail::invokeBlocking(impl, iface, opnum, request, reply, options, rest, &restError);
  if (restError) std::rethrow_exception(restError);
  if (s != status::kOk) {
    throw RpcError(s, "opnum " + std::to_string(opnum) + " of " + iface.uuid.toString(),
                   reply.didNotExecute());
  }
  return reply;
}
}  // namespace

uint32_t Channel::tryInvoke(const SyntaxId& iface, uint16_t opnum, Message& request, Reply& reply,
                            const CallOptions& options) noexcept {
  return tryBlocking(pick(), iface, opnum, request, reply, options, nullptr, nullptr);
}

Reply Channel::invoke(const SyntaxId& iface, uint16_t opnum, Message& request, const CallOptions& options) {
  return invokeOrThrow(pick(), iface, opnum, request, options, nullptr);
}

Reply Channel::invoke(const SyntaxId& iface, uint16_t opnum, Message& request, const RequestWriter& rest,
                      const CallOptions& options) {
  return invokeOrThrow(pick(), iface, opnum, request, options, &rest);
}

uint32_t Channel::tryInvoke(const SyntaxId& iface, uint16_t opnum, Message& request,
                            const RequestWriter& rest, Reply& reply, const CallOptions& options) {
  std::exception_ptr restError;
  const uint32_t s = tryBlocking(pick(), iface, opnum, request, reply, options, &rest, &restError);
  if (restError) std::rethrow_exception(restError);  // the application's own, from its pipe
  return s;
}

CallHandle Channel::invokeAsync(const SyntaxId& iface, uint16_t opnum, Message request, Completion done,
                                const CallOptions& options) {
  detail::ChannelImpl& impl = pick();
  std::shared_ptr<detail::ClientConn> c;
  uint16_t ctx = 0;
  if (!impl.ensureContextOrFail(iface, c, ctx, done)) return CallHandle();
  auto call =
      impl.registerCall(c, detail::ClientCall::Kind::kRequest, options.timeout, std::move(done), true);
  if (call->done) {
    call->completion(call->status, call->reply);
    return CallHandle(call);
  }
  if (!impl.submit(call, ctx, opnum, request, impl.objectFor(options))) {
    std::vector<detail::CallPtr> finished;
    std::unique_lock lk(impl.mu);
    impl.failConnection(c, status::kCallFailed, finished);
    impl.runCompletions(lk, finished, nullptr);
  }
  impl.watchReplies();
  return CallHandle(call);
}

std::unique_ptr<StreamingCall> Channel::invokeStreaming(const SyntaxId& iface, uint16_t opnum,
                                                        Message request, Completion done,
                                                        std::function<void()> arrived,
                                                        const CallOptions& options) {
  return detail::startStreaming(pick(), iface, opnum, std::move(request), std::move(done), std::move(arrived),
                                options);
}

namespace {
void disconnectOne(detail::ChannelImpl& impl) {
  std::vector<detail::CallPtr> done;
  std::unique_lock lk(impl.mu);
  if (impl.conn) impl.failConnection(impl.conn, status::kCallFailed, done);
  impl.runCompletions(lk, done, nullptr);
}

std::shared_ptr<detail::ClientConn> corkOne(detail::ChannelImpl& impl) {
  std::shared_ptr<detail::ClientConn> c;
  {
    std::lock_guard lk(impl.mu);
    c = impl.conn;
  }
  if (c) c->cork();
  return c;
}
}  // namespace

void Channel::disconnect() {
  if (lanes_.empty()) {
    disconnectOne(*impl_);
    return;
  }
  for (auto& lane : lanes_) disconnectOne(*lane);
}

Channel::Cork::Cork(Channel& channel) {
  conn_ = corkOne(*channel.impl_);
  for (size_t i = 1; i < channel.lanes_.size(); ++i) {
    if (auto c = corkOne(*channel.lanes_[i])) more_.push_back(std::move(c));
  }
}

Channel::Cork::~Cork() {
  if (conn_) conn_->uncork();
  for (auto& c : more_) c->uncork();
}

}  // namespace midlrt::rpc
