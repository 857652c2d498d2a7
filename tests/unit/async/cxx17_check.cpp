// Compiled as C++17 (generated headers are C++17): the public COM and async headers build there.
#include "midlrt/async/async.h"
#include "midlrt/async/coro.h"  // empty without coroutine support

#if __cplusplus != 201703L
#error "this file must be compiled as C++17"
#endif

namespace midlrt::async::test {

bool cxx17Check() {
  com::ComPtr<com::IUnknown> p;
  return !p && com::IUnknown::kIid != com::ICallFactory::kIid && hresultFromStatus(0) == com::S_OK;
}

}  // namespace midlrt::async::test
