// ept_map (C706 appendix O, opnum 3) marshaled by hand: the generated stubs of the endpoint mapper sit
// above this layer (midlrt_epm), and resolving a partial binding is the channel's own business, as it is
// rpcrt4's on Windows.
#include "endpoint_resolution.h"

#include <cstdint>
#include <vector>

#include "midlrt/ndr/decoder.h"
#include "midlrt/ndr/encoder.h"
#include "midlrt/ndr/error.h"
#include "midlrt/rpc/message.h"
#include "midlrt/rpc/status.h"
#include "midlrt/rpc/tower.h"

namespace midlrt::rpc::detail {

namespace {

// The endpoint mapper's interface, epmapper 3.0.
const SyntaxId kEpmapper{*Uuid::parse("e1af8308-5d1f-11c9-91a4-08002b14a0fa"), 3, 0};
constexpr std::uint16_t kEptMap = 3;
constexpr std::uint32_t kMaxTowers = 4;  // the first TCP one is used

void writeTower(ndr::Encoder& e, const std::vector<std::uint8_t>& tower) {
  e.writeConformance(tower.size());
  e.write<std::uint32_t>(static_cast<std::uint32_t>(tower.size()));
  e.writeBulk(tower.data(), tower.size());
}

}  // namespace

std::string resolveTcpEndpoint(const StringBinding& partial, const SyntaxId& iface,
                               const ChannelOptions& options) {
  StringBinding mapperBinding = partial;
  mapperBinding.object.reset();
  mapperBinding.options.clear();
  mapperBinding.endpoint = std::to_string(options.endpointMapperPort);
  ChannelOptions mapperOptions;
  mapperOptions.connectTimeout = options.connectTimeout;
  mapperOptions.defaultTimeout = options.connectTimeout;
  const auto mapper = Channel::create(mapperBinding.toString(), mapperOptions);

  Message request = Message::acquire();
  ndr::Encoder e(request.buffer(), request.headroom());
  // obj: the binding's object UUID, or none ([ptr] UUID*).
  if (partial.object) {
    e.write<std::uint32_t>(1);
    std::uint8_t bytes[16];
    partial.object->encode(bytes);
    e.writeBulk(bytes, 16);
  } else {
    e.write<std::uint32_t>(0);
  }
  // map_tower ([ptr] twr_t*): the interface over NDR 2.0 on TCP, any port and address.
  e.write<std::uint32_t>(2);
  writeTower(e, encodeTower(Tower{iface, kNdr20Syntax, Protseq::kTcp, "", ""}));
  // entry_handle: a null context handle (a new lookup), then max_towers.
  e.align(4);
  for (int i = 0; i < 5; ++i) e.write<std::uint32_t>(0);
  e.write<std::uint32_t>(kMaxTowers);

  const Reply reply = mapper->invoke(kEpmapper, kEptMap, request);
  std::string port;
  try {
    ndr::Decoder d(reply.data(), reply.size());
    for (int i = 0; i < 5; ++i) d.read<std::uint32_t>();  // the lookup handle: nothing to continue
    const auto numTowers = d.read<std::uint32_t>();
    const std::uint32_t maxCount = d.readConformance();
    const ndr::Variance v = d.readVariance(maxCount);
    if (v.actualCount != numTowers || numTowers > kMaxTowers)
      ndr::Decoder::fail("ept_map: " + std::to_string(v.actualCount) + " towers where num_towers is " +
                         std::to_string(numTowers));
    std::vector<std::uint32_t> referents(numTowers);
    for (auto& id : referents) id = d.read<std::uint32_t>();
    for (std::uint32_t id : referents) {
      if (id == 0) continue;
      const std::uint32_t count = d.readConformance();
      const auto length = d.read<std::uint32_t>();
      if (length != count) ndr::Decoder::fail("ept_map: a tower whose length disagrees with its size");
      std::vector<std::uint8_t> bytes;
      d.readBulk(bytes, count);
      try {
        const Tower t = decodeTower(bytes);
        if (port.empty() && t.protseq == Protseq::kTcp && t.interface.uuid == iface.uuid) port = t.endpoint;
      } catch (const ndr::DecodeError&) {
        // A tower of another protocol: not one this channel can use.
      }
    }
    d.align(4);
    const auto status = d.read<std::uint32_t>();
    if (status != 0)
      throw RpcError(status, "the endpoint mapper at " + mapperBinding.toString() + " has no endpoint of " +
                                 iface.uuid.toString() + " v" + std::to_string(iface.major) + "." +
                                 std::to_string(iface.minor));
  } catch (const ndr::DecodeError& e) {
    throw RpcError(status::kCallFailed,
                   std::string("the endpoint mapper's answer is malformed: ") + e.what());
  }
  if (port.empty())
    throw RpcError(status::kEptNotRegistered, "the endpoint mapper at " + mapperBinding.toString() +
                                                  " names no TCP endpoint of " + iface.uuid.toString());
  return port;
}

}  // namespace midlrt::rpc::detail

namespace midlrt::rpc {

StringBinding resolveBinding(const StringBinding& partial, const SyntaxId& iface,
                             const ChannelOptions& options) {
  StringBinding full = partial;
  if (full.protseq == Protseq::kTcp && full.endpoint.empty())
    full.endpoint = detail::resolveTcpEndpoint(partial, iface, options);
  return full;
}

}  // namespace midlrt::rpc
