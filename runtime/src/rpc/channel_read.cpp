// Reading replies on a lane: leader/follower reads, routing each PDU to its call, deadlines and orphaning,
// failing a lost connection's calls, running completions, and the reader thread of asynchronous calls.
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <system_error>
#include <vector>

#include "buffer_pool.h"
#include "channel_impl.h"
#include "midlrt/ndr/copy.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc::detail {

void ChannelImpl::close() {
  std::vector<CallPtr> done;
  {
    std::unique_lock lk(mu);
    if (stop) return;
    stop = true;
    if (conn) failConnection(conn, status::kCallFailed, done);
    wakeReader();
  }
  if (reader.joinable()) {
    // The last Channel may go away inside a completion callback, i.e. on the reader thread itself; the
    // thread then finishes on its own, holding the last reference to this object.
    if (reader.get_id() == std::this_thread::get_id()) {
      reader.detach();
    } else {
      reader.join();
    }
  }
  for (auto& c : done) {
    if (c->completion) c->completion(c->status, c->reply);
  }
}

ChannelImpl::~ChannelImpl() {
  if (reader.joinable()) reader.detach();  // only when destroyed by the reader thread's last reference
  for (int fd : {readerPoll, readerWake, readerTimer})
    if (fd >= 0) ::close(fd);
}

void ChannelImpl::finish(const CallPtr& call, uint32_t s, std::vector<CallPtr>& done) {
  if (call->done) return;
  calls.erase(call->callId);
  inFlight.store(calls.size(), std::memory_order_relaxed);  // a plain store: no cost on a causal channel
  call->done = true;
  call->status = s;
  replyTaken(*call);  // a finished call pauses nobody
  if (call->deadline != kNever) --deadlineCalls;
  if (call->kind == ClientCall::Kind::kRequest && call->conn->exclusive) release(*call);
  if (call->completion) {
    --asyncOutstanding;
    done.push_back(call);
  }
  call->cv.notify_one();  // its caller, or a thread in CallHandle::wait for an async call
}

void ChannelImpl::replyTaken(ClientCall& call) {
  if (!call.overWindow) return;
  call.overWindow = false;
  if (--call.conn->readPausedBy == 0) {
    stalled.store(false, std::memory_order_relaxed);
    handOff();  // someone reads again
  }
}

void ChannelImpl::release(ClientCall& call) {
  ClientConn& c = *call.conn;
  if (call.queued) {
    // Ended before its turn: it leaves the queue, and the server never saw it.
    auto it =
        std::find_if(c.waiting.begin(), c.waiting.end(), [&](auto& w) { return w.first.get() == &call; });
    if (it != c.waiting.end()) c.waiting.erase(it);
    call.reply.setDidNotExecute(true);
    return;
  }
  if (c.activeCall != call.callId) return;
  c.activeCall = 0;
  if (c.waiting.empty() || c.failed) return;
  auto& next = c.waiting.front();
  next.first->queued = false;
  c.activeCall = next.first->callId;
  if (next.first->streamsWhenTurn) {
    // A streamed request: its writer sends it, from the thread waiting for this (waitForTurn), or at its
    // next flush.
    next.first->streamsWhenTurn = false;
    next.first->cv.notify_all();
  } else {
    released.push_back(std::move(next));
  }
  c.waiting.pop_front();
}

void ChannelImpl::sendReleased(std::unique_lock<std::mutex>& lk, std::vector<CallPtr>& done) {
  while (!released.empty()) {
    auto [call, bytes] = std::move(released.front());
    released.erase(released.begin());
    // A call that ended meanwhile released the one after it when it ended.
    if (call->done || call->conn->failed) continue;
    lk.unlock();
    iovec iov{bytes.data(), bytes.size()};
    bool ok = call->conn->sendRequests(&iov, 1, false);
    lk.lock();
    if (!ok) failConnection(call->conn, status::kCallFailed, done);
  }
}

void ChannelImpl::failConnection(const std::shared_ptr<ClientConn>& conn_, uint32_t s,
                                 std::vector<CallPtr>& done) {
  std::shared_ptr<ClientConn> c = conn_;  // the argument may be `conn` itself
  if (conn == c) {
    conn.reset();
    open.store(false, std::memory_order_relaxed);
  }
  if (!c->failed) {
    c->failed = true;
    ::shutdown(c->fd, SHUT_RDWR);  // wakes a leader blocked in recv
    if (c->inGroup) group->live.fetch_sub(1);
  }
  std::vector<CallPtr> victims;
  for (auto& [id, call] : calls) {
    if (call->conn == c) victims.push_back(call);
  }
  for (auto& call : victims) finish(call, s, done);
}

void ChannelImpl::handOff() {
  if (!followers.empty()) {
    followers.front()->cv.notify_one();
  } else if (readerSleeping) {
    updateWatch();  // the reader wakes when bytes come for the calls outstanding, not now
  }
}

namespace {
// The reader's epoll entries, told apart by their data.
constexpr uint64_t kWakeEntry = 0, kTimerEntry = 1, kSocketEntry = 2;
}  // namespace

void ChannelImpl::startReader() {
  // On failure nothing is left half made: the next asynchronous call tries again.
  const auto closeAll = [&] {
    for (int* fd : {&readerPoll, &readerWake, &readerTimer}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  };
  const auto fail = [&](const char* what) {
    const int e = errno;
    closeAll();
    throw std::system_error(e, std::system_category(), what);
  };
  const auto add = [&](int fd, uint64_t entry) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = entry;
    if (::epoll_ctl(readerPoll, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl");
  };
  readerPoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (readerPoll < 0) fail("epoll_create1");
  readerWake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (readerWake < 0) fail("eventfd");
  add(readerWake, kWakeEntry);
  // steady_clock is CLOCK_MONOTONIC (libstdc++ and libc++ on Linux): deadlines are set as they are.
  readerTimer = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (readerTimer < 0) fail("timerfd_create");
  add(readerTimer, kTimerEntry);
  try {
    reader = std::thread([self = shared_from_this()] { self->readerLoop(); });
  } catch (...) {
    closeAll();
    throw;
  }
  ::pthread_setname_np(reader.native_handle(), "midlrt-reader");  // in top, gdb and perf
}

void ChannelImpl::armTimer(Clock::time_point t) {
  if (readerTimer < 0 || t >= timerAt) return;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(std::max<int64_t>(0, ns) / 1000000000);
  spec.it_value.tv_nsec = static_cast<long>(std::max<int64_t>(0, ns) % 1000000000);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;  // 0 disarms
  if (::timerfd_settime(readerTimer, TFD_TIMER_ABSTIME, &spec, nullptr) == 0) timerAt = t;
}

std::shared_ptr<ClientConn> ChannelImpl::watchedNow() const {
  if (stop || asyncOutstanding == 0 || !conn || conn->failed || conn->readPausedBy > 0) return nullptr;
  return leader && !readerLeads ? nullptr : conn;
}

void ChannelImpl::updateWatch() {
  std::shared_ptr<ClientConn> want = watchedNow();
  if (want == watched) return;
  if (watched) ::epoll_ctl(readerPoll, EPOLL_CTL_DEL, watched->fd, nullptr);
  if (want) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kSocketEntry;
    if (::epoll_ctl(readerPoll, EPOLL_CTL_ADD, want->fd, &ev) != 0) {
      // Out of kernel memory: the reader reads without waiting for bytes instead (it then blocks in recv).
      wakeReader();
      want.reset();
    }
  }
  watched = std::move(want);
}

void ChannelImpl::wakeReader() {
  if (readerWake < 0) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(readerWake, &one, sizeof one);
}

bool ChannelImpl::readerSleep(std::unique_lock<std::mutex>& lk) {
  updateWatch();
  readerSleeping = true;
  lk.unlock();
  epoll_event events[3];
  int n;
  do {
    n = ::epoll_wait(readerPoll, events, 3, -1);
  } while (n < 0 && errno == EINTR);
  bool readable = false, timer = false;
  for (int i = 0; i < n; ++i) {
    uint64_t count;
    if (events[i].data.u64 == kWakeEntry) {
      [[maybe_unused]] ssize_t r = ::read(readerWake, &count, sizeof count);
    } else if (events[i].data.u64 == kTimerEntry) {
      [[maybe_unused]] ssize_t r = ::read(readerTimer, &count, sizeof count);
      timer = true;
    } else {
      readable = true;
    }
  }
  lk.lock();
  readerSleeping = false;
  if (timer) {
    // Expired (by the caller, next); the timer goes to the earliest deadline of the calls left (a streamed
    // reply's call on a paused connection has nobody reading for it either).
    timerAt = kNever;
    Clock::time_point next = kNever;
    const Clock::time_point now = Clock::now();
    for (auto& [id, call] : calls)
      if (call->deadline > now) next = std::min(next, call->deadline);
    armTimer(next);
  }
  return readable;
}

void ChannelImpl::runCompletions(std::unique_lock<std::mutex>& lk, std::vector<CallPtr>& done,
                                 const std::shared_ptr<ClientConn>& corkConn) {
  runArrivals(lk);  // a reply's last bytes are told before its completion
  if (!released.empty()) sendReleased(lk, done);
  if (done.empty()) return;
  lk.unlock();
  // Requests issued by the callbacks leave together in one write.
  if (corkConn) corkConn->cork();
  size_t n = 0;
  for (auto& c : done) {
    c->completion(c->status, c->reply);
    if (corkConn && opts.callbackFlushEvery != 0 && ++n % opts.callbackFlushEvery == 0) {
      corkConn->uncork();
      corkConn->cork();
    }
  }
  done.clear();
  if (corkConn) corkConn->uncork();
  lk.lock();
}

void ChannelImpl::runArrivals(std::unique_lock<std::mutex>& lk) {
  if (arrivals.empty()) return;
  std::vector<CallPtr> told;
  told.swap(arrivals);
  lk.unlock();
  const ClientCall* last = nullptr;
  for (auto& c : told) {
    if (c.get() != last) c->arrived();  // one hook per call and batch
    last = c.get();
  }
  told.clear();
  lk.lock();
}

void ChannelImpl::route(const std::shared_ptr<ClientConn>& c, const pdu::View& v,
                        std::vector<CallPtr>& done) {
  auto it = calls.find(v.header.callId);
  CallPtr call = it != calls.end() && it->second->conn == c ? it->second : nullptr;
  switch (v.header.type) {
    case pdu::PType::kResponse: {
      // The view is over the connection's read buffer, which the leader owns: decrypted in place.
      if (c->protectionOverhead() != 0 &&
          !c->security->unprotect(const_cast<uint8_t*>(v.data), v.header, pdu::kResponseHeaderSize))
        throw pdu::ProtocolError("a response that fails its verifier");
      pdu::Body body;
      pdu::Response r = pdu::decodeResponse(v, body);
      if (!call || call->kind != ClientCall::Kind::kRequest) return;  // late reply of an abandoned call
      auto& st = call->reply.storage();
      if (v.header.flags & pdu::kFirstFrag) {
        const size_t want = std::min<size_t>({r.allocHint, opts.maxReplySize, size_t{1} << 20});
        if (st.capacity() == 0) st = replyBuffers().take(want);  // a recycled buffer: no fresh pages
        st.clear();
        st.reserve(want);
        call->started = true;
      } else if (!call->started) {
        throw pdu::ProtocolError("response fragment without a first fragment");
      }
      if (st.size() + body.stubLength > opts.maxReplySize) {
        finish(call, status::kReplyTooBig, done);
        return;
      }
      ndr::appendBytes(st, body.stub, body.stubLength);
      if (call->streamReply && body.stubLength != 0) {
        call->cv.notify_one();  // its reader may go on
        if (call->arrived) arrivals.push_back(call);
        if (!call->overWindow && st.size() > opts.replyWindowBytes && !(v.header.flags & pdu::kLastFrag)) {
          call->overWindow = true;
          ++c->readPausedBy;
          stalled.store(true, std::memory_order_relaxed);
        }
      }
      // MS-RPCE 2.2.2.6 would also have a response rejected whose alloc_hint exceeds its stub data; it is
      // accepted, because impacket's DCERPCServer answers with the request's alloc_hint in its responses.
      if (v.header.flags & pdu::kLastFrag) finish(call, status::kOk, done);
      return;
    }
    case pdu::PType::kFault: {
      pdu::Fault f = pdu::decodeFault(v);
      if (!call) return;
      call->reply.setDidNotExecute((v.header.flags & pdu::kDidNotExecute) != 0);
      finish(call, f.status != 0 ? f.status : status::kCallFailed, done);
      return;
    }
    case pdu::PType::kBindAck:
    case pdu::PType::kAlterContextResp:
      if (call && call->kind == ClientCall::Kind::kBind) {
        call->ack = pdu::decodeBindAck(v);
        call->ackFlags = v.header.flags;
        if (v.header.authLength != 0) {
          Verifier ver = readVerifier(v);
          call->authToken.assign(ver.value.begin(), ver.value.end());
        }
        finish(call, status::kOk, done);
      }
      return;
    case pdu::PType::kBindNak:
      if (call && call->kind == ClientCall::Kind::kBind) {
        call->nak = pdu::decodeBindNak(v);
        finish(call, status::kOk, done);
      }
      return;
    case pdu::PType::kShutdown:
      return;  // the server will close; calls in flight fail then
    default:
      throw pdu::ProtocolError("unexpected PDU type from server");
  }
}

void ChannelImpl::expire(std::unique_lock<std::mutex>& lk, std::vector<CallPtr>& done) {
  if (deadlineCalls == 0) return;
  auto now = Clock::now();
  std::vector<CallPtr> late;
  for (auto& [id, call] : calls) {
    if (call->deadline <= now) late.push_back(call);
  }
  std::vector<std::pair<std::shared_ptr<ClientConn>, uint32_t>> orphans;
  for (auto& call : late) {
    if (!call->queued) orphans.emplace_back(call->conn, call->callId);
    finish(call, status::kTimeout, done);
  }
  if (orphans.empty()) return;
  lk.unlock();
  for (auto& [oc, id] : orphans) oc->sendBare(pdu::PType::kOrphaned, id);
  lk.lock();
}

void ChannelImpl::pump(std::unique_lock<std::mutex>& lk, ClientCall* own, std::vector<CallPtr>& done,
                       Clock::time_point until) {
  std::shared_ptr<ClientConn> c = own != nullptr ? own->conn : conn;
  if (!c || c->failed) return;
  Clock::time_point deadline = std::min(own != nullptr ? own->deadline : kNever, until);
  if (deadlineCalls != 0) {
    for (auto& [id, call] : calls) deadline = std::min(deadline, call->deadline);
  }
  lk.unlock();
  ssize_t n = 0;
  bool timedOut = false;
  int flags = 0;
  // A deadline further than kLeaderRecheck needs no poll: the blocking read wakes that often anyway (the
  // socket's receive timeout), and expire() below then sees it. One system call less per call.
  if (deadline != kNever && deadline - Clock::now() <= kLeaderRecheck) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count() + 1;
    pollfd p{c->fd, POLLIN, 0};
    // Wake at least every kLeaderRecheck, as a blocking read does, so that a deadline registered after the
    // wait began (an async call issued while this leader reads) is kept too.
    int rc =
        ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(ms, kLeaderRecheck.count()))));
    timedOut = rc == 0;
    flags = MSG_DONTWAIT;
  }
  if (!timedOut) {
    do {
      n = ::recv(c->fd, c->rbuf.get() + c->rend, kReadBufferSize - c->rend, flags);
    } while (n < 0 && errno == EINTR);
  }
  lk.lock();
  if (!timedOut && n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    // spurious wake-up
  } else if (!timedOut && n <= 0) {
    failConnection(c, status::kCallFailed, done);
    return;
  } else if (!timedOut) {
    c->rend += static_cast<size_t>(n);
    try {
      while (true) {
        pdu::View v;
        v.data = c->rbuf.get() + c->rbeg;
        auto hs = pdu::decodeHeader(v.data, c->rend - c->rbeg, v.header);
        if (hs == pdu::HeaderStatus::kNeedMore) break;
        // A server speaking another protocol version is as unusable as a malformed header (MS-RPCE 1.7).
        if (hs != pdu::HeaderStatus::kOk) throw pdu::ProtocolError("invalid PDU header");
        if (v.header.fragLength > c->rend - c->rbeg) break;
        // C706 12.6.3.1: no fragment longer than the max_recv_frag the bind offered.
        if (v.header.fragLength > c->recvFrag) throw pdu::ProtocolError("fragment longer than max_recv_frag");
        route(c, v, done);
        c->rbeg += v.header.fragLength;
      }
    } catch (const pdu::ProtocolError&) {
      failConnection(c, status::kProtocolError, done);
      return;
    } catch (const std::bad_alloc&) {
      failConnection(c, status::kReplyTooBig, done);
      return;
    }
    compactReadBuffer(c->rbuf.get(), c->rbeg, c->rend);
  }
  expire(lk, done);
}

uint32_t ChannelImpl::wait(ClientCall& call, std::vector<CallPtr>* deferred) {
  std::unique_lock lk(mu);
  waitLocked(lk, call, deferred, Until::kDone);
  return call.status;
}

void ChannelImpl::waitLocked(std::unique_lock<std::mutex>& lk, ClientCall& call,
                             std::vector<CallPtr>* deferred, Until until, Clock::time_point giveUp) {
  std::vector<CallPtr> done;
  auto complete = [&] {
    if (deferred == nullptr) {
      runCompletions(lk, done, call.conn);
    } else {
      runArrivals(lk);
      if (!released.empty()) sendReleased(lk, done);
      deferred->insert(deferred->end(), done.begin(), done.end());
      done.clear();
    }
  };
  auto ready = [&] {
    return call.done || (until == Until::kData && !call.reply.storage().empty()) ||
           (until == Until::kTurn && !call.queued);
  };
  while (!ready() && (giveUp == kNever || Clock::now() < giveUp)) {
    // A connection paused for a streamed reply is not read: wait (as a follower) until its reader took it.
    if (!leader && call.conn->readPausedBy == 0) {
      leader = true;
      if (watched) updateWatch();  // the reader, asleep, is not woken by the reply this thread reads
      pump(lk, &call, done, giveUp);
      leader = false;
      // Still reading its own reply (the rest of it next round): the socket stays this thread's, unless
      // others wait; the end of this function hands it on.
      if (ready() || !followers.empty()) handOff();
      complete();
      continue;
    }
    followers.push_back(&call);
    if (const Clock::time_point wakeAt = std::min(call.deadline, giveUp); wakeAt == kNever) {
      call.cv.wait(lk);
    } else {
      call.cv.wait_until(lk, wakeAt);
    }
    followers.erase(std::find(followers.begin(), followers.end(), &call));
    if (!call.done && Clock::now() >= call.deadline) {
      auto it = calls.find(call.callId);
      if (it != calls.end()) {
        CallPtr self = it->second;
        bool sent = !self->queued;
        finish(self, status::kTimeout, done);
        if (sent) {
          lk.unlock();
          self->conn->sendBare(pdu::PType::kOrphaned, self->callId);
          lk.lock();
        }
      }
    }
  }
  // Someone must keep reading for the others.
  if (!leader) handOff();
  complete();
}

void ChannelImpl::readerLoop() {
  // The thread that issues an asynchronous call often waits for it next (AsyncState::wait, Finish_) and
  // reads its reply itself, as a synchronous caller does: this thread sleeps in epoll_wait meanwhile, on the
  // socket only while nobody else reads it, and issuing a call does not wake it. Woken by bytes nobody reads
  // for (callbacks, events), it leads, and goes on leading while the replies it reads are nobody's to wait
  // for. SCHED_BATCH (a normal share of the CPU, the nice value kept) only gives up preempting at wake-up:
  // on one CPU, the thread it woke runs first.
  sched_param batch{};
  ::pthread_setschedparam(::pthread_self(), SCHED_BATCH, &batch);
  std::unique_lock lk(mu);
  std::vector<CallPtr> done;
  bool readable = false;
  while (!stop) {
    if (readable && !leader && asyncOutstanding > 0 && conn && !conn->failed && conn->readPausedBy == 0) {
      leader = readerLeads = true;
      std::shared_ptr<ClientConn> c = conn;
      pump(lk, nullptr, done);
      const bool waitedFor = !followers.empty();
      leader = readerLeads = false;
      handOff();
      runCompletions(lk, done, c);
      // Replies nobody waits for (callbacks: a pipeline's) are read on, without an epoll_wait between reads.
      // Where a caller waited as this thread's follower, the next caller would too: epoll first.
      readable = !waitedFor;
      continue;
    }
    readable = readerSleep(lk);
    std::shared_ptr<ClientConn> c = conn;
    expire(lk, done);
    runCompletions(lk, done, c);
  }
}

}  // namespace midlrt::rpc::detail
