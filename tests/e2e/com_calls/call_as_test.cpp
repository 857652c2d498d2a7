// [local] methods and their [call_as] remote forms (tests/golden/com_call_as): the proxy hands a local call
// to the application's IBuffer_Write_Proxy, which calls the generated IBuffer_RemoteWrite_Proxy; the stub
// hands the remote call to the application's IBuffer_Write_Stub, which calls the object's local method. The
// remote form travels under the local method's opnum and takes no vtable slot (MIDL's numbering).
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "com_call_as.h"

namespace {

using midlrt::com::ComObject;
using midlrt::com::ComPtr;
using midlrt::com::HRESULT;
using midlrt::com::ObjectTable;
using midlrt::com::S_OK;

const midlrt::rpc::Uuid kBufferId = *midlrt::rpc::Uuid::parse("22222222-0000-4000-8000-000000000001");

class Buffer final : public ComObject<ISizedBuffer> {
 public:
  HRESULT Write(const void* data, uint32_t size, uint32_t& written) override {
    const auto* bytes = static_cast<const char*>(data);
    std::lock_guard<std::mutex> lock(mu_);
    text_.append(bytes, size);
    written = size;
    return S_OK;
  }
  HRESULT Flush(void*) override { return S_OK; }
  HRESULT Size(uint32_t& size) override {
    std::lock_guard<std::mutex> lock(mu_);
    size = static_cast<uint32_t>(text_.size());
    return S_OK;
  }
  HRESULT Capacity(uint32_t& capacity) override {
    capacity = 4096;
    return S_OK;
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

// Records the opnum of every call that reaches the stub.
class OpnumRecorder final : public midlrt::rpc::Dispatcher {
 public:
  explicit OpnumRecorder(std::shared_ptr<midlrt::rpc::Dispatcher> inner) : inner_(std::move(inner)) {}
  void dispatch(midlrt::rpc::ServerCall& call) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      opnums_.push_back(call.opnum());
    }
    inner_->dispatch(call);
  }
  std::vector<uint16_t> opnums() {
    std::lock_guard<std::mutex> lock(mu_);
    return opnums_;
  }

 private:
  std::shared_ptr<midlrt::rpc::Dispatcher> inner_;
  std::mutex mu_;
  std::vector<uint16_t> opnums_;
};

std::atomic<int> proxyHelperCalls{0};
std::atomic<int> stubHelperCalls{0};

template <class T>
concept HasRemoteWriteMethod = requires(T& t) {
  &T::RemoteWrite;
};

}  // namespace

// The application's two [call_as] routines, as MIDL asks for them.
HRESULT IBuffer_Write_Proxy(IBuffer* This, const void* data, uint32_t size, uint32_t& written) {
  ++proxyHelperCalls;
  const auto* bytes = static_cast<const uint8_t*>(data);
  return IBuffer_RemoteWrite_Proxy(This, size, std::vector<uint8_t>(bytes, bytes + size), written);
}

HRESULT IBuffer_Write_Stub(IBuffer* This, uint32_t size, const std::vector<uint8_t>& data,
                           uint32_t& written) {
  ++stubHelperCalls;
  return This->Write(data.data(), size, written);
}

namespace {

// The class has the local method only: the remote form is not a virtual of its own.
static_assert(!HasRemoteWriteMethod<IBuffer>);

class CallAs : public ::testing::Test {
 protected:
  void SetUp() override {
    proxyHelperCalls = 0;
    stubHelperCalls = 0;
    objects_->add(kBufferId, buffer_);
    server_.registerInterface(ISizedBuffer_ifspec, 7, recorder_);
    binding_ = midlrt::rpc::Channel::create(server_.listen("ncacn_ip_tcp:127.0.0.1[0]"));
  }
  void TearDown() override {
    binding_.reset();
    server_.shutdown();
  }

  ComPtr<Buffer> buffer_ = Buffer::make<Buffer>();
  std::shared_ptr<ObjectTable> objects_ = std::make_shared<ObjectTable>();
  std::shared_ptr<OpnumRecorder> recorder_ = std::make_shared<OpnumRecorder>(ISizedBuffer_stub(objects_));
  midlrt::rpc::Server server_;
  midlrt::Binding binding_;
};

}  // namespace

TEST_F(CallAs, TheLocalCallTravelsAsItsRemoteFormThroughBothHelpers) {
  ComPtr<ISizedBuffer> proxy = ISizedBuffer_createProxy(binding_, kBufferId);
  const std::string text = "hello";
  uint32_t written = 0;
  ASSERT_EQ(proxy->Write(text.data(), static_cast<uint32_t>(text.size()), written), S_OK);
  EXPECT_EQ(written, 5u);
  EXPECT_EQ(buffer_->text(), "hello");
  EXPECT_EQ(proxyHelperCalls, 1);
  EXPECT_EQ(stubHelperCalls, 1);
}

TEST_F(CallAs, TheRemoteFormTakesTheLocalMethodsOpnumAndNoSlot) {
  ComPtr<ISizedBuffer> proxy = ISizedBuffer_createProxy(binding_, kBufferId);
  uint32_t n = 0;
  ASSERT_EQ(proxy->Write("ab", 2, n), S_OK);
  ASSERT_EQ(proxy->Size(n), S_OK);
  EXPECT_EQ(n, 2u);
  ASSERT_EQ(proxy->Capacity(n), S_OK);
  EXPECT_EQ(n, 4096u);
  // IUnknown 0-2, Write (as RemoteWrite) 3, Flush 4, Size 5; the derived interface's Capacity 6.
  EXPECT_EQ(recorder_->opnums(), (std::vector<uint16_t>{3, 5, 6}));
}

TEST_F(CallAs, ALocalMethodWithoutARemoteFormIsAnsweredWithoutACall) {
  ComPtr<ISizedBuffer> proxy = ISizedBuffer_createProxy(binding_, kBufferId);
  EXPECT_EQ(proxy->Flush(nullptr), midlrt::com::E_NOTIMPL);
  EXPECT_TRUE(recorder_->opnums().empty());
}

TEST_F(CallAs, TheOpnumOfALocalMethodWithoutARemoteFormIsNotServed) {
  midlrt::rpc::Message request = midlrt::rpc::Message::acquire(midlrt::rpc::kObjectRequestHeadroom);
  midlrt::rpc::CallOptions options;
  options.object = &kBufferId;
  EXPECT_THROW(binding_->invoke(ISizedBuffer_ifspec, 4, request, options), midlrt::rpc::RpcError);
}

TEST_F(CallAs, TheGeneratedRemoteFormNeedsAProxy) {
  uint32_t written = 0;
  // A local object has no channel: the generated helper refuses it instead of guessing.
  EXPECT_EQ(IBuffer_RemoteWrite_Proxy(buffer_.get(), 1, {0x41}, written),
            midlrt::com::hresultFromStatus(midlrt::rpc::status::kInvalidBinding));
  EXPECT_EQ(buffer_->text(), "");
}
