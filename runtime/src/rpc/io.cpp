// Internal: socket setup for ncacn_ip_tcp and ncalrpc, and the batched output queue.
#include "io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "midlrt/ndr/copy.h"
#include "midlrt/rpc/pdu.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc::detail {

void setNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on AF_UNIX
}

void setNonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

namespace {

std::string errnoText(int e) {
  return std::strerror(e);
}

bool unixAddress(const std::string& path, sockaddr_un& sa) {
  std::memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sa.sun_path) return false;
  std::memcpy(sa.sun_path, path.data(), path.size());
  return true;
}

addrinfo* resolve(const StringBinding& b, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* res = nullptr;
  const char* host = b.networkAddress.empty() ? nullptr : b.networkAddress.c_str();
  int rc = ::getaddrinfo(host, b.endpoint.c_str(), &hints, &res);
  if (rc != 0) {
    throw RpcError(passive ? status::kInvalidBinding : status::kServerUnavailable,
                   "cannot resolve \"" + b.networkAddress + "\": " + ::gai_strerror(rc));
  }
  return res;
}

// Waits for a non-blocking connect to finish. Returns 0 or an errno value.
int finishConnect(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLOUT, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) return ETIMEDOUT;
  if (rc < 0) return errno;
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

}  // namespace

int connectTo(const StringBinding& b, std::chrono::milliseconds timeout) {
  if (b.protseq == Protseq::kLocal) {
    sockaddr_un sa;
    if (!unixAddress(b.endpoint, sa))
      throw RpcError(status::kInvalidBinding, "bad socket path " + b.endpoint);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw RpcError(status::kServerUnavailable, "socket: " + errnoText(errno));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      int e = errno;
      ::close(fd);
      throw RpcError(status::kServerUnavailable, "connect " + b.endpoint + ": " + errnoText(e));
    }
    setNonBlocking(fd);
    return fd;
  }
  addrinfo* res = resolve(b, false);
  int lastErr = ECONNREFUSED;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      lastErr = errno;
      continue;
    }
    setNoDelay(fd);
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    int err = rc == 0 ? 0 : errno;
    if (err == EINPROGRESS) err = finishConnect(fd, timeout);
    if (err == 0) {
      ::freeaddrinfo(res);
      return fd;
    }
    lastErr = err;
    ::close(fd);
  }
  ::freeaddrinfo(res);
  throw RpcError(status::kServerUnavailable, "connect " + b.toString() + ": " + errnoText(lastErr));
}

namespace {

// The host (as text) and the port of an IPv4 or IPv6 address.
std::pair<std::string, unsigned> hostAndPort(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
    return {host, ntohs(s6->sin6_port)};
  }
  const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
  ::inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
  return {host, ntohs(s4->sin_port)};
}

}  // namespace

Listening listenOn(const StringBinding& b, int localSocketMode) {
  Listening l;
  if (b.protseq == Protseq::kLocal) {
    sockaddr_un sa;
    if (!unixAddress(b.endpoint, sa))
      throw RpcError(status::kInvalidBinding, "bad socket path " + b.endpoint);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ::unlink(b.endpoint.c_str());  // a stale socket file from an earlier run
    // The mode is set between bind and listen: no one can connect before it applies.
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        (localSocketMode >= 0 && ::chmod(b.endpoint.c_str(), static_cast<mode_t>(localSocketMode)) != 0) ||
        ::listen(fd, 1024) != 0) {
      int e = errno;
      if (fd >= 0) ::close(fd);
      throw RpcError(status::kInvalidBinding, "listen on " + b.endpoint + ": " + errnoText(e));
    }
    l.fd = fd;
    l.boundBinding = b.toString();
    l.secondaryAddress = b.endpoint;
    l.socketPath = b.endpoint;
    return l;
  }
  addrinfo* res = resolve(b, true);
  int lastErr = EADDRNOTAVAIL;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      lastErr = errno;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
      lastErr = errno;
      ::close(fd);
      continue;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    auto [host, port] = hostAndPort(ss);
    StringBinding bound = b;
    bound.networkAddress = host;
    bound.endpoint = std::to_string(port);
    l.fd = fd;
    l.boundBinding = bound.toString();
    l.secondaryAddress = bound.endpoint;
    ::freeaddrinfo(res);
    return l;
  }
  ::freeaddrinfo(res);
  throw RpcError(status::kInvalidBinding, "listen on " + b.toString() + ": " + errnoText(lastErr));
}

int acceptFrom(int listenFd) {
  int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) setNoDelay(fd);
  return fd;
}

void OutQueue::appendCopy(const void* data, size_t n) {
  if (n == 0) return;
  compact();
  size_t at = arena_.size();
  arena_.resize(at + n);
  ndr::copyBytes(arena_.data() + at, data, n);
  if (segments_.size() > head_ && segments_.back().ext == nullptr &&
      segments_.back().offset + segments_.back().length == at) {
    segments_.back().length += n;
  } else {
    segments_.push_back(Segment{nullptr, at, n, nullptr});
  }
  pending_ += n;
}

void OutQueue::appendRef(const uint8_t* data, size_t n, std::shared_ptr<const void> keep) {
  if (n == 0) return;
  segments_.push_back(Segment{data, 0, n, std::move(keep)});
  pending_ += n;
}

void OutQueue::clear() {
  // After a burst (a peer that stopped reading), the memory goes back: a connection keeps a small arena.
  if (arena_.capacity() > kArenaKept) {
    std::vector<uint8_t>().swap(arena_);
  } else {
    arena_.clear();
  }
  segments_.clear();
  head_ = 0;
  pending_ = 0;
}

void OutQueue::compact() {
  // Arena segments are in the order of their offsets: the first pending one starts what is still needed.
  size_t from = arena_.size();
  for (size_t i = head_; i < segments_.size(); ++i) {
    if (segments_[i].ext == nullptr) {
      from = segments_[i].offset;
      break;
    }
  }
  // Only when the sent bytes are most of the arena, so that each byte moves at most once on average. (A
  // partly sent segment counts: copies appended back to back merge into one segment whose offset moves.)
  if (from == 0 || from < arena_.size() / 2) return;
  std::memmove(arena_.data(), arena_.data() + from, arena_.size() - from);
  arena_.resize(arena_.size() - from);
  for (size_t i = head_; i < segments_.size(); ++i)
    if (segments_[i].ext == nullptr) segments_[i].offset -= from;
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(head_));
  head_ = 0;
}

bool copiesIntoPageFragments(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) return false;
  int type = 0;
  len = sizeof type;
  return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

void steerClearOfSlowSocketCopy(iovec* iov, size_t count, size_t offset) {
  constexpr size_t kPage = PageAlignedFree::kPageSize;
  constexpr size_t kScratchSize = (size_t{1} << 20) + kPage;  // a fragment or two is what it takes
  thread_local ReadBuffer scratch;
  size_t used = 0;
  for (size_t i = 0; i < count; offset += iov[i].iov_len, ++i) {
    const auto from = reinterpret_cast<uintptr_t>(iov[i].iov_base);
    if (!ndr::slowToCopyAtGap(offset - from, iov[i].iov_len)) continue;
    const size_t at = used + ((offset - used) & (kPage - 1));  // the copy's address = offset modulo a page
    if (at + iov[i].iov_len > kScratchSize) continue;
    if (!scratch) scratch = makeReadBuffer(kScratchSize);  // its pages are touched as they are used
    ndr::copyBytes(scratch.get() + at, iov[i].iov_base, iov[i].iov_len);
    iov[i].iov_base = scratch.get() + at;
    used = at + iov[i].iov_len;
  }
}

OutQueue::Result OutQueue::flush(int fd) {
  size_t sent = 0;
  while (head_ < segments_.size()) {
    iov_.clear();
    for (size_t i = head_; i < segments_.size() && iov_.size() < IOV_MAX; ++i) {
      const Segment& s = segments_[i];
      const uint8_t* p = s.ext != nullptr ? s.ext : arena_.data() + s.offset;
      iov_.push_back(iovec{const_cast<uint8_t*>(p), s.length});
    }
    msghdr msg{};
    msg.msg_iov = iov_.data();
    msg.msg_iovlen = iov_.size();
    if (steer_) steerClearOfSlowSocketCopy(iov_.data(), iov_.size(), sent);
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Result::kWouldBlock;
      return Result::kError;
    }
    size_t left = static_cast<size_t>(n);
    sent += left;
    pending_ -= left;
    while (left > 0) {
      Segment& s = segments_[head_];
      if (left >= s.length) {
        left -= s.length;
        s.keep.reset();
        ++head_;
      } else {
        if (s.ext != nullptr) {
          s.ext += left;
        } else {
          s.offset += left;
        }
        s.length -= left;
        left = 0;
      }
    }
  }
  clear();
  return Result::kDone;
}

size_t segmentFittedFragment(int fd, size_t frag) {
  int mss = 0;
  socklen_t len = sizeof mss;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &len) != 0 || mss <= 0) return frag;  // not TCP
  const auto segment = static_cast<size_t>(mss);
  if (frag <= segment || frag % segment >= segment / 2) return frag;
  return std::max(frag / segment * segment, size_t{pdu::kMinFragSize});
}

void slicePieces(std::span<const iovec> pieces, size_t offset, size_t length, std::vector<iovec>& iov) {
  for (const iovec& p : pieces) {
    if (length == 0) return;
    if (offset >= p.iov_len) {
      offset -= p.iov_len;
      continue;
    }
    const size_t n = std::min(p.iov_len - offset, length);
    iov.push_back(iovec{static_cast<uint8_t*>(p.iov_base) + offset, n});
    offset = 0;
    length -= n;
  }
}

size_t stubPieces(const Message& m, std::vector<iovec>& pieces) {
  pieces.clear();
  pieces.reserve(2 * m.gathered().size() + 1);
  size_t from = 0, n = m.size();
  auto* data = const_cast<uint8_t*>(m.data());
  for (const auto& g : m.gathered()) {
    if (g.at != from) pieces.push_back(iovec{data + from, g.at - from});
    pieces.push_back(iovec{const_cast<uint8_t*>(g.data), g.size});
    from = g.at;
    n += g.size;
  }
  if (m.size() != from) pieces.push_back(iovec{data + from, m.size() - from});
  return n;
}

OutQueue::Result OutQueue::writeOrCopy(int fd, iovec* iov, size_t count) {
  size_t written = 0;
  if (empty()) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = std::min<size_t>(count, IOV_MAX);
    if (steer_) steerClearOfSlowSocketCopy(iov, msg.msg_iovlen, 0);
    ssize_t n;
    do {
      n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return Result::kError;
    if (n > 0) written = static_cast<size_t>(n);
  }
  for (size_t i = 0; i < count; ++i) {
    const size_t skip = std::min(written, iov[i].iov_len);
    written -= skip;
    if (skip < iov[i].iov_len)
      appendCopy(static_cast<const uint8_t*>(iov[i].iov_base) + skip, iov[i].iov_len - skip);
  }
  return empty() ? Result::kDone : flush(fd);
}

bool writeAll(int fd, iovec* iov, int count, bool steer) {
  if (steer) steerClearOfSlowSocketCopy(iov, static_cast<size_t>(count), 0);
  while (count > 0) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count < IOV_MAX ? count : IOV_MAX);
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return false;
      if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return false;
      continue;
    }
    size_t left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0 && left > 0) {
      iov->iov_base = static_cast<uint8_t*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

CallerInfo callerOf(int fd, bool inProcess) {
  CallerInfo info;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0 && ss.ss_family == AF_UNIX) {
    info.transport = inProcess ? CallerInfo::Transport::kInProcess : CallerInfo::Transport::kLocal;
    info.protocolSequence = "ncalrpc";
    ucred cred{};
    socklen_t credLen = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credLen) == 0) {
      info.hasCredentials = true;
      info.pid = cred.pid;
      info.uid = cred.uid;
      info.gid = cred.gid;
    }
    return info;
  }
  info.transport = CallerInfo::Transport::kTcp;
  info.protocolSequence = "ncacn_ip_tcp";
  len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return info;
  if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) return info;
  auto [host, port] = hostAndPort(ss);
  info.address = (ss.ss_family == AF_INET6 ? "[" + host + "]" : host) + "[" + std::to_string(port) + "]";
  if (ss.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(ss);
    info.isLoopback = (ntohl(v4.sin_addr.s_addr) >> 24) == 127;
  } else {
    const in6_addr& v6 = reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr;
    info.isLoopback = IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return info;
}

}  // namespace midlrt::rpc::detail
