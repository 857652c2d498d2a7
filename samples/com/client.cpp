// The station client: creates a Station on the server by its CLSID (dcom::createInstance, in the manner of
// CoCreateInstanceEx), reads today's readings through the enumerator object it hands out, then starts an
// asynchronous Watch (a call object: Begin_Watch, then ISynchronize::Wait, then Finish_Watch) with a sink of
// its own, which the station calls back while the call is in flight. To be called back, the client exports
// its sink through an object exporter of its own, as every DCOM client that passes an object does.
// Usage: station_client <ncacn_ip_tcp string binding of the server>
#include <iostream>
#include <mutex>
#include <vector>

#include "midlrt/async/async.h"
#include "midlrt/dcom/activation.h"
#include "midlrt/dcom/exporter.h"
#include "station.h"

namespace {

namespace com = midlrt::com;

class PrintingSink final : public com::ComObject<IReadingSink> {
 public:
  HRESULT OnReading(IReading* reading) override {
    int32_t hour = 0, celsius = 0;
    if (HRESULT hr = reading->Get(hour, celsius); hr < 0) return hr;
    std::lock_guard<std::mutex> lock(mu_);
    std::cout << "  sink: a new reading, " << hour << "h " << celsius << "C (Watch still in flight)"
              << std::endl;
    ++calls_;
    return com::S_OK;
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  int calls_ = 0;
};

int fail(const char* what, HRESULT hr) {
  std::cerr << "station_client: " << what << ": " << com::hresultName(hr) << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: station_client <ncacn_ip_tcp string binding of the server>\n";
    return 2;
  }
  // The sink is called back over a connection the server opens to this process's exporter.
  midlrt::rpc::Server callbacks;
  auto objects = std::make_shared<com::ObjectTable>();
  IReadingSink_register(callbacks, objects);
  midlrt::dcom::ObjectExporter exporter(callbacks, objects);
  exporter.addEndpoint(callbacks.listen("ncacn_ip_tcp:127.0.0.1"));

  com::ComPtr<IStation> station;
  if (HRESULT hr = midlrt::dcom::createInstance(argv[1], CLSID_Station, station); hr < 0)
    return fail("creating a Station", hr);
  std::cout << "created a Station by CLSID at " << argv[1] << std::endl;

  com::ComPtr<IEnumReadings> readings;
  if (HRESULT hr = station->Readings(readings); hr < 0) return fail("Readings", hr);
  int total = 0;
  for (;;) {
    std::vector<com::ComPtr<IReading>> batch;
    int32_t fetched = 0;
    const HRESULT hr = readings->Next(8, batch, fetched);
    if (hr < 0) return fail("IEnumReadings::Next", hr);
    if (fetched > 0) {
      std::cout << "  enumerator: " << fetched << " readings:";
      for (const auto& r : batch) {
        int32_t hour = 0, celsius = 0;
        r->Get(hour, celsius);
        std::cout << " " << hour << "h " << celsius << "C";
      }
      std::cout << std::endl;
    }
    total += fetched;
    if (hr == com::S_FALSE) break;
  }
  std::cout << total << " readings today" << std::endl;

  auto created = midlrt::async::createCall<AsyncIStation>(station);
  if (created.hr < 0) return fail("creating a call object", created.hr);
  const com::ComPtr<AsyncIStation> call = created.call;
  auto sink = com::makeObject<PrintingSink>();
  if (HRESULT hr = call->Begin_Watch(sink.get(), 3); hr < 0) return fail("Begin_Watch", hr);
  std::cout << "Begin_Watch returned; waiting for the call to complete" << std::endl;
  if (HRESULT hr = call.as<com::ISynchronize>()->Wait(0, 10'000); hr != com::S_OK) return fail("Wait", hr);
  if (HRESULT hr = call->Finish_Watch(); hr < 0) return fail("Finish_Watch", hr);
  std::cout << "Finish_Watch: S_OK after " << sink->calls() << " callbacks" << std::endl;
  callbacks.shutdown();
  return sink->calls() == 3 ? 0 : 1;
}
