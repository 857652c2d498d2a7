#include "midlrt/epm/endpoint_mapper.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <midlrt/idl/epm.h>

#include "midlrt/ndr/error.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "midlrt/rpc/tower.h"

namespace midlrt::epm {

namespace {

// Statuses of the endpoint mapper: C706's for "nothing (more) to return", which every client checks for,
// and Windows' (winerror.h) for the rest.
constexpr uint32_t kNotRegistered = rpc::status::kEptNotRegistered;  // ept_s_not_registered
constexpr uint32_t kInvalidEntry = 1751;                             // EPT_S_INVALID_ENTRY
constexpr uint32_t kCantPerformOp = 1752;                            // EPT_S_CANT_PERFORM_OP
constexpr uint32_t kAccessDenied = 5;                                // ERROR_ACCESS_DENIED
constexpr std::size_t kMaxAnnotation = 63;

struct Entry {
  Registration registration;
  std::vector<std::uint8_t> tower;  // as ept_lookup and ept_map answer it
};

rpc::Tower towerOf(const Registration& r) {
  rpc::Tower t;
  t.interface = r.interface;
  t.protseq = r.binding.protseq;
  t.endpoint = r.binding.endpoint;
  if (r.binding.protseq == rpc::Protseq::kTcp) {
    if (r.binding.endpoint.empty() || r.binding.endpoint == "0")
      throw std::invalid_argument("an endpoint registration needs the port clients call: " +
                                  r.binding.toString());
    t.networkAddress = r.binding.networkAddress.empty() ? "0.0.0.0" : r.binding.networkAddress;
  }
  return t;
}

bool sameKey(const Registration& a, const rpc::SyntaxId& interface, const rpc::Uuid& object,
             const rpc::StringBinding& binding) {
  return a.interface == interface && a.object == object && a.binding.protseq == binding.protseq &&
         a.binding.networkAddress == binding.networkAddress && a.binding.endpoint == binding.endpoint;
}

std::shared_ptr<twr_t> wireTower(const std::vector<std::uint8_t>& bytes) {
  return std::make_shared<twr_t>(twr_t{static_cast<uint32_t>(bytes.size()), bytes});
}

}  // namespace

struct EndpointMapper::State {
  explicit State(EndpointMapperOptions o) : options(o) {}

  void addLocked(const Registration& r) {
    if (r.annotation.size() > kMaxAnnotation)
      throw std::invalid_argument("an annotation over 63 characters: " + r.annotation);
    std::vector<std::uint8_t> tower = rpc::encodeTower(towerOf(r));
    for (Entry& e : entries)
      if (sameKey(e.registration, r.interface, r.object, r.binding)) {
        e = Entry{r, std::move(tower)};
        return;
      }
    if (entries.size() >= options.maxRegistrations) throw std::length_error("the endpoint mapper is full");
    entries.push_back(Entry{r, std::move(tower)});
  }

  bool removeLocked(const rpc::SyntaxId& interface, const rpc::Uuid& object,
                    const rpc::StringBinding& binding) {
    const auto n = entries.size();
    std::erase_if(entries,
                  [&](const Entry& e) { return sameKey(e.registration, interface, object, binding); });
    return entries.size() != n;
  }

  const EndpointMapperOptions options;
  mutable std::mutex mu;
  std::vector<Entry> entries;  // oldest first
  // Lookups whose context handle holds the rest of their answer (a copy): at most options.maxOpenLookups.
  const std::shared_ptr<std::atomic<std::size_t>> openLookups = std::make_shared<std::atomic<std::size_t>>(0);
};

namespace {

// What a lookup has left to return, held by its context handle between calls.
struct Continuation {
  ~Continuation() {
    if (open) --*open;
  }
  std::vector<ept_entry_t> entries;            // ept_lookup's
  std::vector<std::shared_ptr<twr_t>> towers;  // ept_map's
  std::size_t next = 0;
  std::shared_ptr<std::atomic<std::size_t>> open;  // the mapper's count of lookups left open, once counted
};

// Whether a registration of version `have` answers a request for `want` under ept_lookup's vers_option.
bool versionMatches(std::uint32_t option, const rpc::SyntaxId& have, std::uint16_t wantMajor,
                    std::uint16_t wantMinor) {
  switch (option) {
    case 1:  // rpc_c_vers_all
      return true;
    case 2:  // rpc_c_vers_compatible
      return have.major == wantMajor && have.minor >= wantMinor;
    case 3:  // rpc_c_vers_exact
      return have.major == wantMajor && have.minor == wantMinor;
    case 4:  // rpc_c_vers_major_only
      return have.major == wantMajor;
    case 5:  // rpc_c_vers_upto
      return have.major < wantMajor || (have.major == wantMajor && have.minor <= wantMinor);
    default:
      return false;
  }
}

class Manager final : public epmapper_Manager {
 public:
  explicit Manager(std::shared_ptr<EndpointMapper::State> state) : state_(std::move(state)) {}

  void ept_insert(rpc::ServerCall& call, uint32_t, const std::vector<ept_entry_t>& entries, uint32_t,
                  uint32_t& status) override {
    status = 0;
    if (!mayChange(call)) return void(status = kAccessDenied);
    std::vector<Registration> adding;
    for (const ept_entry_t& e : entries) {
      auto r = registrationOf(e.object, e.tower.get(), e.annotation);
      if (!r) return void(status = kInvalidEntry);
      adding.push_back(std::move(*r));
    }
    std::lock_guard<std::mutex> lock(state_->mu);
    try {
      for (const Registration& r : adding) state_->addLocked(r);
    } catch (const std::length_error&) {
      status = kCantPerformOp;
    } catch (const std::invalid_argument&) {
      status = kInvalidEntry;
    }
  }

  void ept_delete(rpc::ServerCall& call, uint32_t, const std::vector<ept_entry_t>& entries,
                  uint32_t& status) override {
    status = 0;
    if (!mayChange(call)) return void(status = kAccessDenied);
    std::lock_guard<std::mutex> lock(state_->mu);
    for (const ept_entry_t& e : entries) {
      auto r = registrationOf(e.object, e.tower.get(), {});
      if (!r) return void(status = kInvalidEntry);
      if (!state_->removeLocked(r->interface, r->object, r->binding)) status = kNotRegistered;
    }
  }

  void ept_lookup(rpc::ServerCall&, uint32_t inquiry, const uuid_p_t& object, const rpc_if_id_p_t& id,
                  uint32_t versOption, std::shared_ptr<void>& handle, uint32_t maxEnts, uint32_t& numEnts,
                  std::vector<ept_entry_t>& out, uint32_t& status) override {
    if (!handle) {
      auto found = std::make_shared<Continuation>();
      const bool byInterface = inquiry == 1 || inquiry == 3, byObject = inquiry == 2 || inquiry == 3;
      if (inquiry > 3 || (byInterface && !id) || (byObject && !object)) {
        numEnts = 0, status = kNotRegistered;
        return;
      }
      std::lock_guard<std::mutex> lock(state_->mu);
      for (const Entry& e : state_->entries) {
        const Registration& r = e.registration;
        if (byInterface && (r.interface.uuid != id->uuid ||
                            !versionMatches(versOption, r.interface, id->vers_major, id->vers_minor)))
          continue;
        if (byObject && r.object != *object) continue;
        found->entries.push_back(ept_entry_t{r.object, wireTower(e.tower), r.annotation});
      }
      if (found->entries.empty()) {
        numEnts = 0, status = kNotRegistered;
        return;
      }
      if (found->entries.size() > maxEnts && !keepOpen(*found)) {
        numEnts = 0, status = kCantPerformOp;
        return;
      }
      handle = found;
    }
    auto& c = *static_cast<Continuation*>(handle.get());
    const std::size_t n = std::min<std::size_t>(maxEnts, c.entries.size() - c.next);
    out.assign(c.entries.begin() + static_cast<std::ptrdiff_t>(c.next),
               c.entries.begin() + static_cast<std::ptrdiff_t>(c.next + n));
    c.next += n;
    numEnts = static_cast<uint32_t>(n);
    status = n == 0 ? kNotRegistered : 0;
    if (c.next == c.entries.size()) handle.reset();  // all returned: the handle closes
  }

  void ept_map(rpc::ServerCall&, const uuid_p_t& object, const twr_p_t& mapTower,
               std::shared_ptr<void>& handle, uint32_t maxTowers, uint32_t& numTowers,
               std::vector<twr_p_t>& towers, uint32_t& status) override {
    if (!handle) {
      if (!mapTower) {
        numTowers = 0, status = kNotRegistered;
        return;
      }
      rpc::Tower want;
      try {
        want = rpc::decodeTower(mapTower->tower_octet_string);
      } catch (const ndr::DecodeError&) {
        numTowers = 0, status = kNotRegistered;  // a protocol nobody here serves
        return;
      }
      const rpc::Uuid wanted = object ? *object : rpc::Uuid{};
      auto found = std::make_shared<Continuation>();
      std::lock_guard<std::mutex> lock(state_->mu);
      // The tower's object's registrations first, then those for any object.
      for (int pass = 0; pass < 2; ++pass) {
        const rpc::Uuid& of = pass == 0 ? wanted : rpc::Uuid{};
        if (pass == 1 && wanted.isNil()) break;
        for (const Entry& e : state_->entries) {
          const Registration& r = e.registration;
          if (r.object != of || r.interface.uuid != want.interface.uuid ||
              r.interface.major != want.interface.major || r.interface.minor < want.interface.minor ||
              r.binding.protseq != want.protseq || want.transfer != rpc::kNdr20Syntax)
            continue;
          found->towers.push_back(wireTower(e.tower));
        }
      }
      if (found->towers.empty()) {
        numTowers = 0, status = kNotRegistered;
        return;
      }
      if (found->towers.size() > maxTowers && !keepOpen(*found)) {
        numTowers = 0, status = kCantPerformOp;
        return;
      }
      handle = found;
    }
    auto& c = *static_cast<Continuation*>(handle.get());
    const std::size_t n = std::min<std::size_t>(maxTowers, c.towers.size() - c.next);
    towers.assign(c.towers.begin() + static_cast<std::ptrdiff_t>(c.next),
                  c.towers.begin() + static_cast<std::ptrdiff_t>(c.next + n));
    c.next += n;
    numTowers = static_cast<uint32_t>(n);
    status = n == 0 ? kNotRegistered : 0;
    if (c.next == c.towers.size()) handle.reset();
  }

  void ept_lookup_handle_free(rpc::ServerCall&, std::shared_ptr<void>& handle, uint32_t& status) override {
    handle.reset();
    status = 0;
  }

  void ept_inq_object(rpc::ServerCall&, UUID& object, uint32_t& status) override {
    object = rpc::Uuid{};  // this mapper serves no object of its own
    status = 0;
  }

  void ept_mgmt_delete(rpc::ServerCall& call, uint32_t objectSpeced, const uuid_p_t& object,
                       const twr_p_t& tower, uint32_t& status) override {
    status = 0;
    if (!mayChange(call)) return void(status = kAccessDenied);
    auto r = registrationOf(objectSpeced && object ? *object : rpc::Uuid{}, tower.get(), {});
    if (!r) return void(status = kInvalidEntry);
    std::lock_guard<std::mutex> lock(state_->mu);
    const auto n = state_->entries.size();
    std::erase_if(state_->entries, [&](const Entry& e) {
      const Registration& x = e.registration;
      return x.interface == r->interface && x.binding.protseq == r->binding.protseq &&
             x.binding.endpoint == r->binding.endpoint &&
             x.binding.networkAddress == r->binding.networkAddress &&
             (!objectSpeced || x.object == r->object);
    });
    if (state_->entries.size() == n) status = kNotRegistered;
  }

 private:
  // Counts a lookup whose handle stays open past this call; false when options.maxOpenLookups are open
  // already (each holds a copy of its answer, up to the whole table).
  bool keepOpen(Continuation& c) {
    if (state_->openLookups->fetch_add(1) >= state_->options.maxOpenLookups) {
      --*state_->openLookups;
      return false;
    }
    c.open = state_->openLookups;
    return true;
  }

  // Callers on this machine only, unless the options say otherwise.
  bool mayChange(rpc::ServerCall& call) const {
    if (state_->options.remoteRegistration) return true;
    const rpc::CallerInfo& who = call.caller();
    if (who.transport != rpc::CallerInfo::Transport::kTcp) return true;
    return who.isLoopback;
  }

  static std::optional<Registration> registrationOf(const rpc::Uuid& object, const twr_t* tower,
                                                    const std::string& annotation) {
    if (!tower) return std::nullopt;
    try {
      const rpc::Tower t = rpc::decodeTower(tower->tower_octet_string);
      if (t.transfer != rpc::kNdr20Syntax) return std::nullopt;
      return Registration{t.interface, object, rpc::bindingOf(t), annotation};
    } catch (const ndr::DecodeError&) {
      return std::nullopt;
    }
  }

  std::shared_ptr<EndpointMapper::State> state_;
};

}  // namespace

EndpointMapper::EndpointMapper(rpc::Server& server, EndpointMapperOptions options)
    : state_(std::make_shared<State>(options)) {
  epmapper_register(server, std::make_shared<Manager>(state_));
}

EndpointMapper::~EndpointMapper() = default;

void EndpointMapper::add(const Registration& registration) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->addLocked(registration);
}

bool EndpointMapper::remove(const rpc::SyntaxId& interface, const rpc::Uuid& object,
                            const rpc::StringBinding& binding) {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->removeLocked(interface, object, binding);
}

std::vector<Registration> EndpointMapper::registrations() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<Registration> out;
  for (const Entry& e : state_->entries) out.push_back(e.registration);
  return out;
}

std::optional<rpc::StringBinding> EndpointMapper::find(const rpc::SyntaxId& interface,
                                                       const rpc::Uuid& object, rpc::Protseq protseq) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  for (const Entry& e : state_->entries) {
    const Registration& r = e.registration;
    if (r.object != object || r.interface.uuid != interface.uuid || r.interface.major != interface.major ||
        r.interface.minor < interface.minor || r.binding.protseq != protseq)
      continue;
    rpc::StringBinding b = r.binding;
    if (b.protseq == rpc::Protseq::kTcp && (b.networkAddress.empty() || b.networkAddress == "0.0.0.0"))
      b.networkAddress = "127.0.0.1";
    return b;
  }
  return std::nullopt;
}

namespace {

std::vector<ept_entry_t> entriesOf(std::span<const rpc::SyntaxId> interfaces,
                                   std::span<const std::string> bindings, const std::string& annotation,
                                   const rpc::Uuid& object) {
  std::vector<ept_entry_t> entries;
  for (const rpc::SyntaxId& i : interfaces)
    for (const std::string& b : bindings) {
      const Registration r{i, object, rpc::StringBinding::parse(b), annotation};
      if (r.annotation.size() > kMaxAnnotation)
        throw std::invalid_argument("an annotation over 63 characters: " + annotation);
      entries.push_back(ept_entry_t{object, wireTower(rpc::encodeTower(towerOf(r))), annotation});
    }
  return entries;
}

void check(uint32_t status, const char* what, const std::string& mapper) {
  if (status != 0) throw rpc::RpcError(status, std::string(what) + " at the endpoint mapper " + mapper);
}

}  // namespace

void registerEndpoints(const std::string& mapper, std::span<const rpc::SyntaxId> interfaces,
                       std::span<const std::string> bindings, const std::string& annotation,
                       const rpc::Uuid& object) {
  std::vector<ept_entry_t> entries = entriesOf(interfaces, bindings, annotation, object);
  uint32_t status = 0;
  epmapper::ept_insert(rpc::Channel::create(mapper), static_cast<uint32_t>(entries.size()), entries, 1,
                       status);
  check(status, "ept_insert", mapper);
}

void unregisterEndpoints(const std::string& mapper, std::span<const rpc::SyntaxId> interfaces,
                         std::span<const std::string> bindings, const rpc::Uuid& object) {
  std::vector<ept_entry_t> entries = entriesOf(interfaces, bindings, {}, object);
  uint32_t status = 0;
  epmapper::ept_delete(rpc::Channel::create(mapper), static_cast<uint32_t>(entries.size()), entries, status);
  check(status, "ept_delete", mapper);
}

}  // namespace midlrt::epm
