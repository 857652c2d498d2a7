// The COM base: HRESULT values, IIDs as Windows has them, GUID order and text, ComPtr, ComObject, status
// mapping; and the MIDLRT_TRACE switch.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

#include "calc_service.h"

namespace midlrt::async::testing {
namespace {

TEST(ComBase, StatusCodesHaveWindowsValues) {
  EXPECT_EQ(static_cast<uint32_t>(E_NOINTERFACE), 0x80004002u);
  EXPECT_EQ(static_cast<uint32_t>(E_POINTER), 0x80004003u);
  EXPECT_EQ(static_cast<uint32_t>(E_FAIL), 0x80004005u);
  EXPECT_EQ(static_cast<uint32_t>(E_NOTIMPL), 0x80004001u);
  EXPECT_EQ(static_cast<uint32_t>(E_UNEXPECTED), 0x8000FFFFu);
  EXPECT_EQ(static_cast<uint32_t>(E_OUTOFMEMORY), 0x8007000Eu);
  EXPECT_EQ(static_cast<uint32_t>(E_INVALIDARG), 0x80070057u);
  EXPECT_EQ(static_cast<uint32_t>(RPC_E_CALL_CANCELED), 0x80010002u);
  EXPECT_EQ(static_cast<uint32_t>(RPC_E_DISCONNECTED), 0x80010108u);
  EXPECT_EQ(static_cast<uint32_t>(RPC_S_CALLPENDING), 0x80010115u);
  EXPECT_EQ(static_cast<uint32_t>(RPC_E_CALL_COMPLETE), 0x80010117u);
  EXPECT_EQ(status::kAsyncCallPending, 997u);
  EXPECT_EQ(status::kCallCancelled, 1818u);
  EXPECT_TRUE(SUCCEEDED(S_FALSE));
  EXPECT_TRUE(FAILED(RPC_S_CALLPENDING));  // an "S" in name only: its severity bit is set
  EXPECT_EQ(hresultName(RPC_E_CALL_COMPLETE), "RPC_E_CALL_COMPLETE");
  EXPECT_EQ(hresultName(hresult(0x80001234)), "0x80001234");
}

TEST(ComBase, InterfaceIdsAreThoseOfWindows) {
  EXPECT_EQ(IUnknown::kIid.toString(), "00000000-0000-0000-c000-000000000046");
  EXPECT_EQ(ICallFactory::kIid.toString(), "1c733a30-2a1c-11ce-ade5-00aa0044773d");
  EXPECT_EQ(ISynchronize::kIid.toString(), "00000030-0000-0000-c000-000000000046");
  EXPECT_EQ(ISynchronizeHandle::kIid.toString(), "00000031-0000-0000-c000-000000000046");
  EXPECT_EQ(ICancelMethodCalls::kIid.toString(), "00000029-0000-0000-c000-000000000046");
  EXPECT_EQ(*Guid::parse("{1C733A30-2A1C-11CE-ADE5-00AA0044773D}"), IID_ICallFactory);
}

TEST(ComBase, GuidsHaveDceByteOrderAndAStrictOrder) {
  uint8_t bytes[16];
  ICallFactory::kIid.encode(bytes);
  const uint8_t expected[16] = {0x30, 0x3a, 0x73, 0x1c, 0x1c, 0x2a, 0xce, 0x11,
                                0xad, 0xe5, 0x00, 0xaa, 0x00, 0x44, 0x77, 0x3d};
  EXPECT_EQ(std::memcmp(bytes, expected, 16), 0);
  std::map<Guid, int, GuidLess> m{
      {ISynchronize::kIid, 1}, {IUnknown::kIid, 0}, {ICancelMethodCalls::kIid, 2}};
  EXPECT_EQ(m.begin()->second, 0);
  EXPECT_EQ(m.rbegin()->second, 1);
  EXPECT_FALSE(GuidLess()(IUnknown::kIid, IUnknown::kIid));
}

class Counted final : public ComObject<ICalc> {
 public:
  explicit Counted(int* destroyed) : destroyed_(destroyed) {}
  ~Counted() override { ++*destroyed_; }
  HRESULT Add(int32_t a, int32_t b, int32_t* s) override {
    *s = a + b;
    return S_OK;
  }

 private:
  int* destroyed_;
};

TEST(ComBase, ComPtrCountsReferencesAndQueriesInterfaces) {
  int destroyed = 0;
  {
    ComPtr<Counted> p = ComObject<ICalc>::make<Counted>(&destroyed);
    ComPtr<ICalc> q = p.as<ICalc>();
    ASSERT_TRUE(q);
    EXPECT_FALSE(p.as<ISynchronize>());
    ComPtr<IUnknown> u = p.as<IUnknown>();
    void* raw = nullptr;
    EXPECT_EQ(u->QueryInterface(ISynchronize::kIid, &raw), E_NOINTERFACE);
    EXPECT_EQ(raw, nullptr);
    EXPECT_EQ(u->QueryInterface(ICalc::kIid, nullptr), E_POINTER);
    ComPtr<ICalc> moved = std::move(q);
    EXPECT_FALSE(q);
    ICalc* detached = moved.detach();
    EXPECT_EQ(detached->Release(), 2u);  // p and u remain
    EXPECT_EQ(destroyed, 0);
  }
  EXPECT_EQ(destroyed, 1);
}

TEST(ComBase, RpcStatusesMapToTheHresultsFinishReturns) {
  EXPECT_EQ(hresultFromStatus(0), S_OK);
  EXPECT_EQ(hresultFromStatus(status::kCallCancelled), RPC_E_CALL_CANCELED);
  EXPECT_EQ(hresultFromStatus(status::kFaultCancel), RPC_E_CALL_CANCELED);
  EXPECT_EQ(hresultFromStatus(status::kTimeout), RPC_E_TIMEOUT);
  EXPECT_EQ(static_cast<uint32_t>(hresultFromStatus(status::kCallFailed)), 0x800706BEu);
  EXPECT_EQ(hresultFromStatus(status::kFaultUnspec), RPC_E_SERVERFAULT);
  EXPECT_EQ(hresultFromStatus(static_cast<uint32_t>(E_ACCESSDENIED)), E_ACCESSDENIED);
}

// The trace switch is read once per process: the check runs in a fresh process (a death-test child), which
// captures its own stderr and checks each lifecycle line of one call.
int tracedCall() {
  std::FILE* log = std::tmpfile();
  if (log == nullptr || ::dup2(::fileno(log), 2) < 0) return 10;
  {
    auto adder = std::make_shared<AdderServer>();
    rpc::Server server;
    server.registerInterface(kAdderIf, 1, adder);
    auto channel = rpc::Channel::createInProcess(server);
    AsyncState st;
    int32_t r = 0;
    if (Add(st, *channel, 1, 2) != status::kOk || !st.wait() || st.complete(&r) != status::kOk || r != 3)
      return 11;
    std::string id = "call_id=" + std::to_string(st.callId()) + " ";
    std::fflush(log);
    std::rewind(log);
    std::string text;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, log)) > 0;) text.append(buf, n);
    for (const char* event : {"issued opnum=0", "sent opnum=0", "completed status=0x00000000"}) {
      if (text.find(std::string("client call#")) == std::string::npos ||
          text.find(event) == std::string::npos) {
        return 12;
      }
    }
    if (text.find(id + "dispatched") == std::string::npos ||
        text.find(id + "completed after") == std::string::npos ||
        text.find(id + "sent") == std::string::npos) {
      return 13;
    }
  }
  return 0;
}

TEST(TraceSwitch, TraceLogsEachCallLifecycleToStderr) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ::setenv("MIDLRT_TRACE", "1", 1);
  EXPECT_EXIT(::_exit(tracedCall()), ::testing::ExitedWithCode(0), "");
  ::unsetenv("MIDLRT_TRACE");
}

}  // namespace
}  // namespace midlrt::async::testing
