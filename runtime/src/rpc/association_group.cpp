// Associations and their groups: the attachments and close hooks of every client scope, which group a new
// connection joins (MS-RPCE 3.3.1.5.7), and the group's rundown after its last connection.
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "server_impl.h"

namespace midlrt::rpc {

void ClientScope::onClose(std::function<void()> fn) {
  {
    std::lock_guard lk(mu_);
    if (!closed_) {
      onClose_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

std::shared_ptr<void> ClientScope::attachment(const void* key) const {
  std::lock_guard lk(mu_);
  for (const auto& [k, v] : attachments_) {
    if (k == key) return v;
  }
  return nullptr;
}

void ClientScope::setAttachment(const void* key, std::shared_ptr<void> value) {
  std::lock_guard lk(mu_);
  for (auto& [k, v] : attachments_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  attachments_.emplace_back(key, std::move(value));
}

void ClientScope::runCloseHooks() {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lk(mu_);
    closed_ = true;
    hooks.swap(onClose_);
  }
  for (auto& h : hooks) h();
}

namespace detail {

namespace {
// Which machine a connection comes from, for joining association groups (MS-RPCE 3.3.1.5.7): the peer's IP
// address over TCP; local connections (ncalrpc, in-process) all come from this machine.
std::string peerMachine(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    return "ip4:" + std::string(reinterpret_cast<const char*>(&a->sin_addr), sizeof a->sin_addr);
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    return "ip6:" + std::string(reinterpret_cast<const char*>(&a->sin6_addr), sizeof a->sin6_addr);
  }
  return "local";
}
}  // namespace

std::shared_ptr<AssociationGroup> ServerImpl::joinGroup(const ServerConn& c, uint32_t requested) {
  std::string machine = peerMachine(c.fd);
  if (requested != 0) {
    auto it = groups.find(requested);
    if (it != groups.end() && it->second.machine == machine) {
      ++it->second.connections;
      return it->second.group;
    }
  }
  uint32_t id;
  do {
    id = nextGroup++;
  } while (id == 0 || groups.count(id) != 0);
  GroupEntry& e = groups[id];
  e.group = std::make_shared<AssociationGroup>(id);
  e.machine = std::move(machine);
  e.connections = 1;
  return e.group;
}

void ServerImpl::leaveGroup(AssociationGroup& group) {
  auto it = groups.find(group.id());
  if (it == groups.end() || --it->second.connections != 0) return;
  std::shared_ptr<AssociationGroup> last = std::move(it->second.group);
  groups.erase(it);
  last->runCloseHooks();  // the rundown of the group's context handles
}

}  // namespace detail

}  // namespace midlrt::rpc
