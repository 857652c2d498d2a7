// The endpoint mapper end to end: one server is the machine's mapper, another serves Echo on a dynamic port
// and registers it (in process, or with ept_insert as a server of another process does); clients bind with
// partial bindings ("ncacn_ip_tcp:127.0.0.1", no port) and the channel asks the mapper on its first call.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <midlrt/idl/epm.h>

#include "echo.h"
#include "midlrt/epm/endpoint_mapper.h"
#include "midlrt/rpc/channel.h"
#include "midlrt/rpc/server.h"
#include "midlrt/rpc/status.h"
#include "midlrt/rpc/tower.h"

namespace {

using midlrt::epm::EndpointMapper;
using midlrt::epm::Registration;
namespace rpc = midlrt::rpc;

constexpr uint32_t kNotRegistered = rpc::status::kEptNotRegistered;

class Doubler final : public Echo_Manager {
 public:
  int32_t Twice(rpc::ServerCall&, int32_t x) override { return 2 * x; }
};

uint16_t portOf(const std::string& binding) {
  return static_cast<uint16_t>(std::stoi(rpc::StringBinding::parse(binding).endpoint));
}

// The tower ept_map is asked with: the interface over NDR 2.0 on TCP, any port and address.
std::shared_ptr<twr_t> lookupTower(const rpc::SyntaxId& iface) {
  const auto bytes = rpc::encodeTower(rpc::Tower{iface, rpc::kNdr20Syntax, rpc::Protseq::kTcp, "", ""});
  return std::make_shared<twr_t>(twr_t{static_cast<uint32_t>(bytes.size()), bytes});
}

class EndpointMapping : public ::testing::Test {
 protected:
  void SetUp() override {
    mapper_ = std::make_unique<EndpointMapper>(mapperServer_, mapperOptions());
    mapperBinding_ = mapperServer_.listen("ncacn_ip_tcp:127.0.0.1");  // no port: a dynamic one
    Echo_register(echoServer_, std::make_shared<Doubler>());
    echoBinding_ = echoServer_.listen("ncacn_ip_tcp:127.0.0.1");
    ASSERT_NE(portOf(mapperBinding_), 0);
    ASSERT_NE(portOf(echoBinding_), 0);
  }
  void TearDown() override {
    echoServer_.shutdown();
    mapperServer_.shutdown();
  }
  virtual midlrt::epm::EndpointMapperOptions mapperOptions() { return {}; }

  // A channel to Echo by partial binding, asking this test's mapper.
  midlrt::Binding partial() {
    rpc::ChannelOptions o;
    o.endpointMapperPort = portOf(mapperBinding_);
    return rpc::Channel::create("ncacn_ip_tcp:127.0.0.1", o);
  }
  midlrt::Binding mapperChannel() { return rpc::Channel::create(mapperBinding_); }

  // ept_map for `iface` (and `object`): the ports of the towers it answers, and its status.
  uint32_t map(const rpc::SyntaxId& iface, std::vector<std::string>& ports, const rpc::Uuid* object = nullptr,
               uint32_t maxTowers = 10) {
    const auto tower = lookupTower(iface);
    rpc::ContextHandle handle;
    uint32_t count = 0, status = 0;
    std::vector<twr_p_t> towers;
    const uuid_p_t obj = object ? std::make_shared<UUID>(*object) : nullptr;
    epmapper::ept_map(mapperChannel(), obj, tower, handle, maxTowers, count, towers, status);
    ports.clear();
    for (const auto& t : towers) ports.push_back(rpc::decodeTower(t->tower_octet_string).endpoint);
    EXPECT_EQ(count, towers.size());
    return status;
  }

  rpc::Server mapperServer_;
  rpc::Server echoServer_;
  std::unique_ptr<EndpointMapper> mapper_;
  std::string mapperBinding_;
  std::string echoBinding_;
};

TEST_F(EndpointMapping, APartialBindingFindsAServerThatRegisteredWithEptInsert) {
  midlrt::epm::registerEndpoints(mapperBinding_, std::vector<rpc::SyntaxId>{Echo_ifspec},
                                 std::vector<std::string>{echoBinding_}, "echo, for the test");
  ASSERT_EQ(mapper_->registrations().size(), 1u);
  EXPECT_EQ(mapper_->registrations()[0].annotation, "echo, for the test");
  const auto channel = partial();
  EXPECT_EQ(Echo::Twice(channel, 21), 42);
  EXPECT_EQ(Echo::Twice(channel, 5), 10);  // resolved once, kept
}

TEST_F(EndpointMapping, AnInterfaceNobodyRegisteredFailsWithEptSNotRegistered) {
  try {
    Echo::Twice(partial(), 1);
    FAIL() << "called an interface nobody registered";
  } catch (const rpc::RpcError& e) {
    EXPECT_EQ(e.status(), kNotRegistered) << e.what();
  }
}

TEST_F(EndpointMapping, UnregisteringRemovesTheEndpoint) {
  const std::vector<rpc::SyntaxId> ifs{Echo_ifspec};
  const std::vector<std::string> at{echoBinding_};
  midlrt::epm::registerEndpoints(mapperBinding_, ifs, at);
  EXPECT_EQ(Echo::Twice(partial(), 2), 4);
  midlrt::epm::unregisterEndpoints(mapperBinding_, ifs, at);
  EXPECT_TRUE(mapper_->registrations().empty());
  EXPECT_THROW(Echo::Twice(partial(), 2), rpc::RpcError);
  // Unregistering again: nothing was there.
  try {
    midlrt::epm::unregisterEndpoints(mapperBinding_, ifs, at);
    FAIL();
  } catch (const rpc::RpcError& e) {
    EXPECT_EQ(e.status(), kNotRegistered);
  }
}

// ept_map answers registrations of the same major version and at least the minor version asked for, as a
// bind would accept them; and an object's own registrations before those for any object.
TEST_F(EndpointMapping, EptMapMatchesVersionsAndObjectsAsBindWould) {
  const rpc::Uuid object = *rpc::Uuid::parse("0badf00d-0000-4000-8000-000000000001");
  mapper_->add(Registration{Echo_ifspec, {}, rpc::StringBinding::parse("ncacn_ip_tcp:127.0.0.1[1001]"), ""});
  mapper_->add(
      Registration{Echo_ifspec, object, rpc::StringBinding::parse("ncacn_ip_tcp:127.0.0.1[1002]"), ""});
  std::vector<std::string> ports;
  rpc::SyntaxId v = Echo_ifspec;  // 1.2
  ASSERT_EQ(map(v, ports), 0u);
  EXPECT_EQ(ports, std::vector<std::string>{"1001"});
  v.minor = 1;
  ASSERT_EQ(map(v, ports), 0u);
  EXPECT_EQ(ports, std::vector<std::string>{"1001"});
  v.minor = 3;
  EXPECT_EQ(map(v, ports), kNotRegistered);
  v = Echo_ifspec;
  v.major = 2;
  EXPECT_EQ(map(v, ports), kNotRegistered);
  ASSERT_EQ(map(Echo_ifspec, ports, &object), 0u);
  EXPECT_EQ(ports, (std::vector<std::string>{"1002", "1001"}));
}

// More towers or entries than fit in one reply: the context handle carries the lookup on, and is null
// once everything was returned.
TEST_F(EndpointMapping, LookupsContinueThroughTheirContextHandle) {
  for (int port = 2001; port <= 2005; ++port)
    mapper_->add(
        Registration{Echo_ifspec,
                     {},
                     rpc::StringBinding::parse("ncacn_ip_tcp:127.0.0.1[" + std::to_string(port) + "]"),
                     "port " + std::to_string(port)});
  const auto channel = mapperChannel();
  rpc::ContextHandle handle;
  std::vector<std::string> seen;
  std::vector<uint32_t> batches;
  for (int i = 0; i < 10; ++i) {
    uint32_t count = 0, status = 0;
    std::vector<ept_entry_t> entries;
    epmapper::ept_lookup(channel, 0, nullptr, nullptr, 1, handle, 2, count, entries, status);
    ASSERT_EQ(status, 0u);
    batches.push_back(count);
    for (const auto& e : entries) seen.push_back(e.annotation);
    if (!handle) break;
  }
  EXPECT_EQ(batches, (std::vector<uint32_t>{2, 2, 1}));
  EXPECT_EQ(seen,
            (std::vector<std::string>{"port 2001", "port 2002", "port 2003", "port 2004", "port 2005"}));

  // ept_map the same way, and a lookup given up half-way frees its handle.
  const auto tower = lookupTower(Echo_ifspec);
  uint32_t count = 0, status = 0;
  std::vector<twr_p_t> towers;
  epmapper::ept_map(channel, nullptr, tower, handle, 3, count, towers, status);
  ASSERT_EQ(status, 0u);
  EXPECT_EQ(count, 3u);
  ASSERT_TRUE(handle);
  epmapper::ept_lookup_handle_free(channel, handle, status);
  EXPECT_EQ(status, 0u);
  EXPECT_FALSE(handle);
}

TEST_F(EndpointMapping, LookupsFilterByInterfaceVersionAndObject) {
  const rpc::Uuid object = *rpc::Uuid::parse("0badf00d-0000-4000-8000-000000000002");
  rpc::SyntaxId v13 = Echo_ifspec;
  v13.minor = 3;
  mapper_->add(
      Registration{Echo_ifspec, {}, rpc::StringBinding::parse("ncacn_ip_tcp:127.0.0.1[3001]"), "1.2"});
  mapper_->add(Registration{v13, object, rpc::StringBinding::parse("ncacn_ip_tcp:127.0.0.1[3002]"), "1.3"});
  const auto lookup = [&](uint32_t inquiry, uint32_t versOption, uint16_t minor, const rpc::Uuid* obj) {
    const auto id = std::make_shared<rpc_if_id_t>(rpc_if_id_t{Echo_ifspec.uuid, 1, minor});
    rpc::ContextHandle handle;
    uint32_t count = 0, status = 0;
    std::vector<ept_entry_t> entries;
    epmapper::ept_lookup(mapperChannel(), inquiry, obj ? std::make_shared<UUID>(*obj) : nullptr, id,
                         versOption, handle, 10, count, entries, status);
    std::string found;
    for (const auto& e : entries) found += (found.empty() ? "" : " ") + e.annotation;
    return status == 0 ? found : "none";
  };
  EXPECT_EQ(lookup(1, 1, 0, nullptr), "1.2 1.3");  // by interface, every version
  EXPECT_EQ(lookup(1, 3, 3, nullptr), "1.3");      // exactly 1.3
  EXPECT_EQ(lookup(1, 2, 3, nullptr), "1.3");      // compatible with 1.3
  EXPECT_EQ(lookup(1, 5, 2, nullptr), "1.2");      // up to 1.2
  EXPECT_EQ(lookup(2, 1, 0, &object), "1.3");      // by object
  EXPECT_EQ(lookup(3, 3, 2, &object), "none");     // both: that object has no 1.2
}

// A server may be its own mapper (tests, single-process deployments): registrations made in process.
TEST_F(EndpointMapping, AServerCanBeItsOwnEndpointMapper) {
  EndpointMapper own(echoServer_);
  own.add(Registration{Echo_ifspec, {}, rpc::StringBinding::parse(echoBinding_), "in process"});
  rpc::ChannelOptions o;
  o.endpointMapperPort = portOf(echoBinding_);
  EXPECT_EQ(Echo::Twice(rpc::Channel::create("ncacn_ip_tcp:127.0.0.1", o), 50), 100);
  EXPECT_THROW(own.add(Registration{Echo_ifspec, {}, rpc::StringBinding::parse("ncacn_ip_tcp:::1[5]"), ""}),
               std::invalid_argument);  // IPv6: no tower names it
  EXPECT_THROW(
      own.add(Registration{Echo_ifspec, {}, rpc::StringBinding::parse(echoBinding_), std::string(64, 'a')}),
      std::invalid_argument);
}

class FullEndpointMapping : public EndpointMapping {
 protected:
  midlrt::epm::EndpointMapperOptions mapperOptions() override {
    midlrt::epm::EndpointMapperOptions o;
    o.maxRegistrations = 2;
    o.maxOpenLookups = 2;
    return o;
  }
};

// Open lookups are bounded: each holds a copy of its answer, so past the limit a lookup that would stay open
// is refused (one that fits in its reply is not), until one is read to its end or freed.
TEST_F(FullEndpointMapping, OpenLookupsAreBounded) {
  const std::vector<rpc::SyntaxId> ifs{Echo_ifspec};
  midlrt::epm::registerEndpoints(
      mapperBinding_, ifs,
      std::vector<std::string>{"ncacn_ip_tcp:127.0.0.1[5001]", "ncacn_ip_tcp:127.0.0.1[5002]"});
  const auto channel = mapperChannel();
  const auto lookup = [&](rpc::ContextHandle& handle, uint32_t max) {
    uint32_t count = 0, status = 0;
    std::vector<ept_entry_t> entries;
    epmapper::ept_lookup(channel, 0, nullptr, nullptr, 1, handle, max, count, entries, status);
    return status;
  };
  rpc::ContextHandle a, b, c, whole;
  ASSERT_EQ(lookup(a, 1), 0u);
  ASSERT_EQ(lookup(b, 1), 0u);
  EXPECT_TRUE(a && b);
  EXPECT_EQ(lookup(c, 1), 1752u);  // EPT_S_CANT_PERFORM_OP: two are open
  EXPECT_FALSE(c);
  EXPECT_EQ(lookup(whole, 2), 0u);  // fits in one reply: never open
  EXPECT_FALSE(whole);
  ASSERT_EQ(lookup(a, 1), 0u);  // read to its end: closed
  EXPECT_FALSE(a);
  EXPECT_EQ(lookup(c, 1), 0u);
  EXPECT_TRUE(c);
}

// Bounded: a full table refuses more (EPT_S_CANT_PERFORM_OP) and a malformed tower is an invalid entry
// (EPT_S_INVALID_ENTRY); the mapper keeps serving.
TEST_F(FullEndpointMapping, AFullTableAndMalformedTowersAreRefused) {
  const std::vector<rpc::SyntaxId> ifs{Echo_ifspec};
  midlrt::epm::registerEndpoints(
      mapperBinding_, ifs,
      std::vector<std::string>{"ncacn_ip_tcp:127.0.0.1[4001]", "ncacn_ip_tcp:127.0.0.1[4002]"});
  try {
    midlrt::epm::registerEndpoints(mapperBinding_, ifs,
                                   std::vector<std::string>{"ncacn_ip_tcp:127.0.0.1[4003]"});
    FAIL();
  } catch (const rpc::RpcError& e) {
    EXPECT_EQ(e.status(), 1752u);  // EPT_S_CANT_PERFORM_OP
  }
  std::vector<ept_entry_t> bad(1);
  bad[0].tower = std::make_shared<twr_t>(twr_t{3, {5, 0, 1}});
  uint32_t status = 0;
  epmapper::ept_insert(mapperChannel(), 1, bad, 1, status);
  EXPECT_EQ(status, 1751u);  // EPT_S_INVALID_ENTRY
  std::vector<std::string> ports;
  ASSERT_EQ(map(Echo_ifspec, ports), 0u);
  EXPECT_EQ(ports, (std::vector<std::string>{"4001", "4002"}));
}

}  // namespace
