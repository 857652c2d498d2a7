// String binding parsing: protocol sequences, addresses, endpoints, options, object UUIDs and errors.
#include <gtest/gtest.h>

#include "midlrt/rpc/binding.h"
#include "midlrt/rpc/status.h"

namespace midlrt::rpc {
namespace {

TEST(StringBinding, TcpWithIpv4AddressAndPort) {
  auto b = StringBinding::parse("ncacn_ip_tcp:127.0.0.1[4747]");
  EXPECT_EQ(b.protseq, Protseq::kTcp);
  EXPECT_EQ(b.networkAddress, "127.0.0.1");
  EXPECT_EQ(b.endpoint, "4747");
  EXPECT_FALSE(b.object);
  EXPECT_EQ(b.toString(), "ncacn_ip_tcp:127.0.0.1[4747]");
}

TEST(StringBinding, BracketedIpv6AddressBeforeEndpoint) {
  auto b = StringBinding::parse("ncacn_ip_tcp:[::1][4747]");
  EXPECT_EQ(b.networkAddress, "::1");
  EXPECT_EQ(b.endpoint, "4747");
  EXPECT_EQ(b.toString(), "ncacn_ip_tcp:[::1][4747]");
}

TEST(StringBinding, HostNameWithEphemeralPort) {
  auto b = StringBinding::parse("ncacn_ip_tcp:localhost[0]");
  EXPECT_EQ(b.networkAddress, "localhost");
  EXPECT_EQ(b.endpoint, "0");
}

TEST(StringBinding, NcalrpcEndpointIsSocketPath) {
  auto b = StringBinding::parse("ncalrpc:[/tmp/x.sock]");
  EXPECT_EQ(b.protseq, Protseq::kLocal);
  EXPECT_EQ(b.networkAddress, "");
  EXPECT_EQ(b.endpoint, "/tmp/x.sock");
}

TEST(StringBinding, ObjectUuidPrefixAndOptions) {
  auto b =
      StringBinding::parse("6d0a2f2e-4c1b-4a8e-9d3c-1f2e3d4c5b6a@ncacn_ip_tcp:host[endpoint=99,timeout=5]");
  ASSERT_TRUE(b.object);
  EXPECT_EQ(b.object->toString(), "6d0a2f2e-4c1b-4a8e-9d3c-1f2e3d4c5b6a");
  EXPECT_EQ(b.endpoint, "99");
  ASSERT_EQ(b.options.size(), 1u);
  EXPECT_EQ(b.options[0].first, "timeout");
  EXPECT_EQ(b.options[0].second, "5");
}

uint32_t parseStatus(const char* text) {
  try {
    StringBinding::parse(text);
  } catch (const RpcError& e) {
    return e.status();
  }
  return status::kOk;
}

// No port: a partial binding, which the endpoint mapper completes (RpcBindingFromStringBinding accepts
// them); text again without brackets, or with empty ones after an IPv6 address.
TEST(StringBinding, ATcpBindingWithoutAPortIsPartial) {
  const StringBinding b = StringBinding::parse("ncacn_ip_tcp:host");
  EXPECT_EQ(b.networkAddress, "host");
  EXPECT_TRUE(b.endpoint.empty());
  EXPECT_EQ(b.toString(), "ncacn_ip_tcp:host");
  const StringBinding v6 = StringBinding::parse("ncacn_ip_tcp:[::1][]");
  EXPECT_EQ(v6.networkAddress, "::1");
  EXPECT_TRUE(v6.endpoint.empty());
  EXPECT_EQ(v6.toString(), "ncacn_ip_tcp:[::1][]");
  EXPECT_EQ(StringBinding::parse(v6.toString()).networkAddress, "::1");
  EXPECT_EQ(parseStatus("ncalrpc:[]"), status::kInvalidBinding);  // a socket path has no mapper
}

TEST(StringBinding, MalformedBindingsFailWithInvalidBinding) {
  EXPECT_EQ(parseStatus("ncacn_ip_tcp"), status::kInvalidBinding);
  EXPECT_EQ(parseStatus("ncacn_ip_tcp:host[70000]"), status::kInvalidBinding);
  EXPECT_EQ(parseStatus("ncacn_ip_tcp:host[12x]"), status::kInvalidBinding);
  EXPECT_EQ(parseStatus("ncacn_ip_tcp:host[1"), status::kInvalidBinding);
  EXPECT_EQ(parseStatus("ncacn_ip_tcp:[::1"), status::kInvalidBinding);
  EXPECT_EQ(parseStatus("not-a-uuid@ncacn_ip_tcp:h[1]"), status::kInvalidBinding);
  EXPECT_EQ(parseStatus("ncalrpc:"), status::kInvalidBinding);
  EXPECT_EQ(parseStatus("ncacn_ip_tcp:h[1,novalue]"), status::kInvalidBinding);
  EXPECT_EQ(parseStatus(":h[1]"), status::kInvalidBinding);
}

TEST(StringBinding, UnknownProtocolSequenceIsNotSupported) {
  EXPECT_EQ(parseStatus("ncacn_np:host[\\pipe\\x]"), status::kProtseqNotSupported);
  try {
    StringBinding::parse("ncadg_ip_udp:host[1]");
    FAIL();
  } catch (const RpcError& e) {
    EXPECT_NE(std::string(e.what()).find("ncadg_ip_udp"), std::string::npos);
  }
}

TEST(Uuid, ParsesPrintsAndEncodesLittleEndianFields) {
  auto u = Uuid::parse("{8A885D04-1CEB-11C9-9FE8-08002B104860}");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->toString(), "8a885d04-1ceb-11c9-9fe8-08002b104860");
  uint8_t b[16];
  u->encode(b);
  EXPECT_EQ(b[0], 0x04);
  EXPECT_EQ(b[3], 0x8a);
  EXPECT_EQ(b[4], 0xeb);
  EXPECT_EQ(b[8], 0x9f);
  EXPECT_EQ(Uuid::decode(b), *u);
  EXPECT_FALSE(Uuid::parse("8a885d04-1ceb-11c9-9fe8-08002b10486"));
  EXPECT_FALSE(Uuid::parse("8a885d04x1ceb-11c9-9fe8-08002b104860"));
}

}  // namespace
}  // namespace midlrt::rpc
