// Protocol towers (midlrt/rpc/tower.h) against the bytes impacket's endpoint mapper client writes
// (tower_vectors.inc, from tests/interop/ndr_vectors/make_tower_vectors.py), and malformed towers refused.
#include "midlrt/rpc/tower.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "midlrt/ndr/error.h"
#include "named_vectors.h"

namespace midlrt::rpc {
namespace {

std::vector<std::uint8_t> bytesOf(const char* name) {
  static const test::NamedVector kVectors[] = {
#include "tower_vectors.inc"
  };
  return test::namedVector(kVectors, name);
}

const SyntaxId kInterface{*Uuid::parse("5e1f4c2a-7b3d-4e8f-9a0b-1c2d3e4f5a60"), 1, 2};

TEST(Tower, ALookupTowerIsImpacketsBytes) {
  EXPECT_EQ(encodeTower(Tower{kInterface, kNdr20Syntax, Protseq::kTcp, "", ""}), bytesOf("tower_tcp_lookup"));
  const Tower t = decodeTower(bytesOf("tower_tcp_lookup"));
  EXPECT_EQ(t.interface, kInterface);
  EXPECT_EQ(t.transfer, kNdr20Syntax);
  EXPECT_EQ(t.protseq, Protseq::kTcp);
  EXPECT_EQ(t.endpoint, "0");
  EXPECT_EQ(t.networkAddress, "0.0.0.0");
}

TEST(Tower, AnEndpointTowerIsImpacketsBytes) {
  const Tower mine{kInterface, kNdr20Syntax, Protseq::kTcp, "49152", "192.0.2.7"};
  EXPECT_EQ(encodeTower(mine), bytesOf("tower_tcp_endpoint"));
  const Tower t = decodeTower(bytesOf("tower_tcp_endpoint"));
  EXPECT_EQ(t.endpoint, "49152");
  EXPECT_EQ(t.networkAddress, "192.0.2.7");
  EXPECT_EQ(bindingOf(t).toString(), "ncacn_ip_tcp:192.0.2.7[49152]");
}

TEST(Tower, AnNcalrpcTowerNamesItsSocketPath) {
  const Tower mine{kInterface, kNdr20Syntax, Protseq::kLocal, "/run/echo.sock", ""};
  const Tower t = decodeTower(encodeTower(mine));
  EXPECT_EQ(t.protseq, Protseq::kLocal);
  EXPECT_EQ(t.endpoint, "/run/echo.sock");
  EXPECT_EQ(bindingOf(t).toString(), "ncalrpc:[/run/echo.sock]");
}

TEST(Tower, WhatFloorsCannotHoldIsNotWritten) {
  EXPECT_THROW(encodeTower(Tower{kInterface, kNdr20Syntax, Protseq::kTcp, "65536", ""}),
               std::invalid_argument);
  EXPECT_THROW(encodeTower(Tower{kInterface, kNdr20Syntax, Protseq::kTcp, "12x", ""}), std::invalid_argument);
  EXPECT_THROW(encodeTower(Tower{kInterface, kNdr20Syntax, Protseq::kTcp, "1", "::1"}),
               std::invalid_argument);
}

TEST(Tower, MalformedTowersAreRefused) {
  const std::vector<std::uint8_t> good = bytesOf("tower_tcp_endpoint");
  for (std::size_t n = 0; n < good.size(); ++n)
    EXPECT_THROW(decodeTower(std::span<const std::uint8_t>(good.data(), n)), ndr::DecodeError) << n;
  std::vector<std::uint8_t> udp = good;
  udp[2 + 25 + 25 + 2] = 0x0a;  // floor 3 (after two floors of 25 bytes): connectionless RPC
  EXPECT_THROW(decodeTower(udp), ndr::DecodeError);
  std::vector<std::uint8_t> three = good;
  three[0] = 3;
  EXPECT_THROW(decodeTower(three), ndr::DecodeError);
}

}  // namespace
}  // namespace midlrt::rpc
