// GUIDs through generated stubs: IDL's GUID, IID, CLSID and REFIID are the runtime's midlrt::com::Guid (and
// const Guid&), marshaled as DCE's UUID layout, and a program may say `using namespace midlrt::com` beside
// a generated header without making GUID, REFIID or HRESULT ambiguous.
#include <gtest/gtest.h>

#include <cstring>
#include <type_traits>

#include "guids.h"
#include "midlrt/com/com.h"

using namespace midlrt::com;  // on purpose: the names below must not be ambiguous

namespace {

static_assert(std::is_same_v<::GUID, midlrt::com::Guid>);
static_assert(std::is_same_v<::IID, midlrt::com::IID>);
static_assert(std::is_same_v<decltype(Registration::clsid), GUID>);

const GUID kWanted = *midlrt::rpc::Uuid::parse("00112233-4455-6677-8899-aabbccddeeff");

class GuidsImpl : public Guids_Manager {
 public:
  HRESULT Find(REFIID riid, GUID& found) override {
    found = riid;
    found.data4[7] ^= 0xff;
    return riid == kWanted ? S_OK : E_NOINTERFACE;
  }
  int32_t Count(int32_t, const std::vector<GUID>& ids, Registration& first) override {
    if (!ids.empty()) first.clsid = ids.front();
    first.flags = 3;
    first.interfaces[0] = IUnknown::kIid;
    first.interfaces[1] = kWanted;
    return static_cast<int32_t>(ids.size());
  }
  void Echo(REFGUID in, CLSID& out) override { out = in; }
};

class GuidsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Guids_register(server_, std::make_shared<GuidsImpl>());
    binding_ = midlrt::rpc::Channel::create(server_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  void TearDown() override {
    binding_.reset();
    server_.shutdown();
  }
  midlrt::rpc::Server server_;
  midlrt::Binding binding_;
};

TEST_F(GuidsTest, RefiidInGuidOut) {
  GUID found{};
  EXPECT_EQ(Guids::Find(binding_, kWanted, found), S_OK);
  GUID expected = kWanted;
  expected.data4[7] ^= 0xff;
  EXPECT_EQ(found, expected);
  EXPECT_EQ(Guids::Find(binding_, IUnknown::kIid, found), E_NOINTERFACE);
}

TEST_F(GuidsTest, ArraysAndStructsOfGuids) {
  std::vector<GUID> ids = {kWanted, IUnknown::kIid, ICallFactory::kIid};
  Registration first{};
  EXPECT_EQ(Guids::Count(binding_, 3, ids, first), 3);
  EXPECT_EQ(first.clsid, kWanted);
  EXPECT_EQ(first.flags, 3);
  EXPECT_EQ(first.interfaces[0], IUnknown::kIid);
  EXPECT_EQ(first.interfaces[1], kWanted);
}

TEST_F(GuidsTest, RefguidInClsidOut) {
  CLSID out{};
  Guids::Echo(binding_, ISynchronize::kIid, out);
  EXPECT_EQ(out, ISynchronize::kIid);
}

// The NDR bytes of a GUID are DCE's: data1..data3 little-endian, data4 as it is, 4-aligned.
TEST(GuidNdr, BytesAreTheDceUuidLayout) {
  midlrt::ndr::Buffer buffer;
  midlrt::ndr::Encoder e(buffer);
  e.write<uint8_t>(0xee);  // forces the alignment
  ndrWrite(e, kWanted);
  const uint8_t expected[] = {0xee, 0,    0,    0,    0x33, 0x22, 0x11, 0x00, 0x55, 0x44,
                              0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  ASSERT_EQ(buffer.size(), sizeof expected);
  EXPECT_EQ(0, std::memcmp(buffer.data(), expected, sizeof expected));
  midlrt::ndr::Decoder d(buffer.data(), buffer.size());
  EXPECT_EQ(d.read<uint8_t>(), 0xee);
  GUID back{};
  ndrRead(d, back);
  EXPECT_EQ(back, kWanted);
}

}  // namespace
