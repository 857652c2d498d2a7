// The station server: registers coclass Station with its activator, so that clients create stations by
// CLSID (IRemoteSCMActivator::RemoteCreateInstance), and exports what they get through its object exporter
// (MS-DCOM's OXID, IPIDs, pinging). A station hands out an enumerator of readings, and serves Watch both
// synchronously and through a server call object that calls the client's sink back from a thread of its
// own before the call completes.
// Usage: station_server <ncacn_ip_tcp string binding>...
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/serve.h"
#include "midlrt/dcom/activation.h"
#include "midlrt/dcom/exporter.h"
#include "station.h"

namespace {

namespace com = midlrt::com;

class Reading final : public com::ComObject<IReading> {
 public:
  Reading(int32_t hour, int32_t celsius) : hour_(hour), celsius_(celsius) {}
  HRESULT Get(int32_t& hour, int32_t& celsius) override {
    hour = hour_, celsius = celsius_;
    return com::S_OK;
  }

 private:
  const int32_t hour_, celsius_;
};

// Today's readings: one an hour of a made-up day, coldest at 5 h, warmest at 15 h.
int32_t celsiusAt(int32_t hour) {
  return hour <= 5 ? 8 - hour / 2 : hour <= 15 ? hour + 1 : 16 - (hour - 15) / 2;
}

class TodaysReadings final : public com::ComObject<IEnumReadings> {
 public:
  HRESULT Next(int32_t count, std::vector<com::ComPtr<IReading>>& readings, int32_t& fetched) override {
    readings.clear();
    while (static_cast<int32_t>(readings.size()) < count && next_ < 24) {
      readings.push_back(com::makeObject<Reading>(next_, celsiusAt(next_)));
      ++next_;
    }
    fetched = static_cast<int32_t>(readings.size());
    return fetched == count ? com::S_OK : com::S_FALSE;
  }
  HRESULT Reset() override {
    next_ = 0;
    return com::S_OK;
  }

 private:
  std::atomic<int32_t> next_{0};
};

// Sends `count` new readings (tomorrow's first hours) to `sink`, 50 ms apart; stops at the first failure.
HRESULT watch(IReadingSink* sink, int32_t count) {
  for (int32_t i = 0; i < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (HRESULT hr = sink->OnReading(com::makeObject<Reading>(i, celsiusAt(i)).get()); hr < 0) return hr;
  }
  return com::S_OK;
}

// IStation's server call object: Begin_Watch returns at once; a thread of its own calls the sink back and
// then signals the call complete.
class WatchCall final : public com::Aggregatable, public AsyncIStation {
 public:
  MIDLRT_DELEGATING_IUNKNOWN
  explicit WatchCall(com::IUnknown* outer) : Aggregatable(outer) {}
  HRESULT Begin_Readings() override {
    readings_ = com::makeObject<TodaysReadings>();
    signal();
    return com::S_OK;
  }
  HRESULT Finish_Readings(com::ComPtr<IEnumReadings>& readings) override {
    readings = std::move(readings_);
    return com::S_OK;
  }
  HRESULT Begin_Watch(IReadingSink* sink, int32_t count) override {
    if (sink == nullptr) return com::E_POINTER;
    com::ComPtr<com::ISynchronize> done;
    controllingUnknown()->QueryInterface(com::ISynchronize::kIid, done.putVoid());
    std::thread([this, done, sink = com::ComPtr<IReadingSink>(sink), count] {
      hr_ = watch(sink.get(), count);
      done->Signal();
    }).detach();
    return com::S_OK;
  }
  HRESULT Finish_Watch() override { return hr_; }

 private:
  void* queryOwnInterface(const com::IID& riid) override {
    return riid == AsyncIStation::kIid ? static_cast<AsyncIStation*>(this) : nullptr;
  }
  void signal() {
    com::ComPtr<com::ISynchronize> done;
    controllingUnknown()->QueryInterface(com::ISynchronize::kIid, done.putVoid());
    done->Signal();
  }
  std::atomic<HRESULT> hr_{com::S_OK};
  com::ComPtr<IEnumReadings> readings_;
};

class Station final : public com::ComObject<IStation, com::ICallFactory> {
 public:
  HRESULT Readings(com::ComPtr<IEnumReadings>& readings) override {
    readings = com::makeObject<TodaysReadings>();
    return com::S_OK;
  }
  HRESULT Watch(IReadingSink* sink, int32_t count) override {
    return sink ? watch(sink, count) : com::E_POINTER;
  }
  HRESULT CreateCall(const com::IID& riid, com::IUnknown* outer, const com::IID& riid2,
                     com::IUnknown** ppv) override {
    if (riid != AsyncIStation::kIid) return com::E_NOINTERFACE;
    if (outer == nullptr || riid2 != com::IUnknown::kIid) return com::E_INVALIDARG;
    *ppv = (new WatchCall(outer))->innerUnknown();
    return com::S_OK;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const sigset_t stop = samples::blockStopSignals();
  midlrt::rpc::Server server;
  auto objects = std::make_shared<com::ObjectTable>();
  IStation_register(server, objects);
  IEnumReadings_register(server, objects);
  IReading_register(server, objects);
  midlrt::dcom::ObjectExporter exporter(server, objects);
  midlrt::dcom::Activator activator(server, exporter);
  activator.registerClass<Station>(CLSID_Station);
  return samples::serveUntilStopped(server, stop, argc, argv, "station_server",
                                    [&](const std::string& bound) { exporter.addEndpoint(bound); });
}
