// Raw-socket helpers for tests that speak PDUs by hand to a Server or to a client Channel.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <cstdint>
#include <vector>

#include "midlrt/rpc/pdu.h"

namespace midlrt::rpc::testing {

/// Reads one whole PDU from fd into `got` (and its header); false on a timeout or a closed connection.
inline bool readPdu(int fd, std::vector<uint8_t>& got, pdu::Header& h) {
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    uint8_t buf[1024];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    got.insert(got.end(), buf, buf + n);
    if (pdu::decodeHeader(got.data(), got.size(), h) == pdu::HeaderStatus::kOk && got.size() >= h.fragLength)
      return true;
  }
}

/// The PDUs arriving on one socket, one at a time (what follows a PDU in the same read is kept for the next).
class PduStream {
 public:
  enum class Got { kPdu, kClosed, kTimeout };

  explicit PduStream(int fd) : fd_(fd) {}

  /// Waits up to 5 s for the next whole PDU and puts it in `pdu` (header in `view.header`, `view.data` into
  /// `pdu`); kClosed when the peer closed (or reset) the connection first.
  Got next(std::vector<uint8_t>& pdu, pdu::View& view) {
    while (true) {
      if (buf_.size() >= pdu::kHeaderSize) {
        if (pdu::decodeHeader(buf_.data(), buf_.size(), view.header) == pdu::HeaderStatus::kInvalid)
          return Got::kClosed;
        if (buf_.size() >= view.header.fragLength) {
          pdu.assign(buf_.begin(), buf_.begin() + view.header.fragLength);
          buf_.erase(buf_.begin(), buf_.begin() + view.header.fragLength);
          view.data = pdu.data();
          return Got::kPdu;
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return Got::kTimeout;
      uint8_t chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return Got::kClosed;
      buf_.insert(buf_.end(), chunk, chunk + n);
    }
  }

  /// Whether more bytes came, or come within `ms` milliseconds, after the last PDU returned.
  bool more(int ms) {
    if (!buf_.empty()) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }

 private:
  int fd_;
  std::vector<uint8_t> buf_;
};

}  // namespace midlrt::rpc::testing
