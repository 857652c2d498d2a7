// NDR marshal/unmarshal throughput, each case beside memcpy of the same byte count measured in the same run.
// Run pinned to one core:  taskset -c 1 build-ndr/bench/ndr/ndr_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "midlrt/ndr/ndr.h"

namespace {

using midlrt::ndr::Buffer;
using midlrt::ndr::Decoder;
using midlrt::ndr::Encoder;
using midlrt::ndr::PaddingHole;

constexpr std::size_t kMiB = 1 << 20;

// Reports bytes/s and ns_per_elem (the value is in nanoseconds; benchmark appends an "s" to inverted rates).
void report(benchmark::State& state, std::size_t bytes, std::size_t elements) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["ns_per_elem"] =
      benchmark::Counter(static_cast<double>(elements) * 1e-9,
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// The floor: one memcpy of `bytes` between two warm buffers; `elements` only scales ns_per_elem.
void memcpyFloor(benchmark::State& state, std::size_t bytes, std::size_t elements) {
  std::vector<std::uint8_t> src(bytes, 1), dst(bytes, 0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), bytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  report(state, bytes, elements);
}

// (a) [size_is(n)] long / double arrays of 1 MiB.
template <class T>
void marshalArray(benchmark::State& state) {
  const std::vector<T> data(kMiB / sizeof(T), T{3});
  Buffer buffer;
  for (auto _ : state) {
    buffer.clear();
    Encoder e(buffer);
    e.writeConformantArray(data.data(), data.size());
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  report(state, kMiB, data.size());
}

template <class T>
void unmarshalArray(benchmark::State& state) {
  const std::vector<T> data(kMiB / sizeof(T), T{3});
  Buffer buffer;
  Encoder e(buffer);
  e.writeConformantArray(data.data(), data.size());
  std::vector<T> out;
  for (auto _ : state) {
    Decoder d(buffer.data(), buffer.size());
    d.readConformantArray(out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, kMiB, data.size());
}

void BM_Memcpy_1MiB(benchmark::State& s) {
  memcpyFloor(s, kMiB, kMiB / 4);
}
void BM_Marshal_LongArray_1MiB(benchmark::State& s) {
  marshalArray<std::int32_t>(s);
}
void BM_Unmarshal_LongArray_1MiB(benchmark::State& s) {
  unmarshalArray<std::int32_t>(s);
}
void BM_Memcpy_1MiB_as_doubles(benchmark::State& s) {
  memcpyFloor(s, kMiB, kMiB / 8);
}
void BM_Marshal_DoubleArray_1MiB(benchmark::State& s) {
  marshalArray<double>(s);
}
void BM_Unmarshal_DoubleArray_1MiB(benchmark::State& s) {
  unmarshalArray<double>(s);
}

// (b) 10,000 struct { long id; double x; double y; }: NDR layout = C++ layout (24 bytes), so one copy plus
// zeroing the 4 padding bytes of each element.
struct Point {
  std::int32_t id;
  double x;
  double y;
};
constexpr std::size_t kPoints = 10000;
constexpr PaddingHole kPointHoles[] = {{4, 4}};

void BM_Memcpy_Points(benchmark::State& s) {
  memcpyFloor(s, kPoints * sizeof(Point), kPoints);
}

void BM_Marshal_Points(benchmark::State& state) {
  std::vector<Point> points(kPoints);
  for (std::size_t i = 0; i < kPoints; ++i) points[i] = {static_cast<std::int32_t>(i), 1.0 * i, 2.0 * i};
  Buffer buffer;
  for (auto _ : state) {
    buffer.clear();
    Encoder e(buffer);
    e.writeConformance(points.size());
    e.writeBulk(points.data(), points.size(), kPointHoles);
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  report(state, kPoints * sizeof(Point), kPoints);
}

void BM_Unmarshal_Points(benchmark::State& state) {
  std::vector<Point> points(kPoints);
  Buffer buffer;
  Encoder e(buffer);
  e.writeConformance(points.size());
  e.writeBulk(points.data(), points.size(), kPointHoles);
  std::vector<Point> out;
  for (auto _ : state) {
    Decoder d(buffer.data(), buffer.size());
    d.readConformantArray(out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, kPoints * sizeof(Point), kPoints);
}

// (c) 1,000 struct { [string] wchar_t* name; [unique] long* value; }, ~16 characters each.
struct Entry {
  std::optional<std::u16string> name;
  std::optional<std::int32_t> value;
};
constexpr std::size_t kEntries = 1000;

std::vector<Entry> makeEntries() {
  std::vector<Entry> v(kEntries);
  for (std::size_t i = 0; i < kEntries; ++i) {
    v[i].name = u"entry-name-" + std::u16string(5, static_cast<char16_t>(u'a' + i % 26));
    v[i].value = static_cast<std::int32_t>(i);
  }
  return v;
}

void encodeEntries(Encoder& e, const std::vector<Entry>& v) {
  e.writeConformance(v.size());
  for (const Entry& x : v) {
    e.writeUniquePointer(x.name ? &*x.name : nullptr);
    e.writeUniquePointer(x.value ? &*x.value : nullptr);
  }
  for (const Entry& x : v) {
    if (x.name) e.writeWString(*x.name);
    if (x.value) e.write(*x.value);
  }
}

std::size_t entriesWireSize() {
  Buffer b;
  Encoder e(b);
  encodeEntries(e, makeEntries());
  return b.size();
}

void BM_Memcpy_Entries(benchmark::State& s) {
  memcpyFloor(s, entriesWireSize(), kEntries);
}

void BM_Marshal_Entries(benchmark::State& state) {
  const auto entries = makeEntries();
  Buffer buffer;
  for (auto _ : state) {
    buffer.clear();
    Encoder e(buffer);
    encodeEntries(e, entries);
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  report(state, buffer.size(), kEntries);
}

void BM_Unmarshal_Entries(benchmark::State& state) {
  Buffer buffer;
  Encoder e(buffer);
  encodeEntries(e, makeEntries());
  std::vector<Entry> out;
  for (auto _ : state) {
    Decoder d(buffer.data(), buffer.size());
    const std::uint32_t n = d.readConformance();
    d.requireElements(n, 8, "Entry array");
    out.resize(n);
    for (Entry& x : out) {
      if (d.readUniquePointer()) {
        if (!x.name) x.name.emplace();
      } else {
        x.name.reset();
      }
      if (d.readUniquePointer()) {
        if (!x.value) x.value.emplace();
      } else {
        x.value.reset();
      }
    }
    for (Entry& x : out) {
      if (x.name) d.readWString(*x.name);
      if (x.value) *x.value = d.read<std::int32_t>();
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, buffer.size(), kEntries);
}

// (d) 64 KiB whose destination lies 16 bytes past its source within a page (a read buffer's bytes into a
// vector that malloc placed so): glibc's string copy runs at a tenth of its speed there, copyBytes does not.
// Beside memcpy of 64 KiB at the same offset within a page.
template <int kHow>  // 0: memcpy at the same offset, 1: memcpy 16 bytes past, 2: copyBytes 16 bytes past
void copy64KiB(benchmark::State& state) {
  constexpr std::size_t n = 64 * 1024;
  auto* src = static_cast<std::uint8_t*>(std::aligned_alloc(4096, n + 4096));
  auto* dst = static_cast<std::uint8_t*>(std::aligned_alloc(4096, n + 4096));
  std::memset(src, 1, n + 4096);
  std::memset(dst, 0, n + 4096);
  std::uint8_t* to = dst + (kHow == 0 ? 0 : 16);
  for (auto _ : state) {
    if (kHow == 2) {
      midlrt::ndr::copyBytes(to, src, n);
    } else {
      std::memcpy(to, src, n);
    }
    benchmark::DoNotOptimize(to);
    benchmark::ClobberMemory();
  }
  report(state, n, n);
  std::free(src);
  std::free(dst);
}
void BM_Memcpy_64KiB(benchmark::State& state) {
  copy64KiB<0>(state);
}
void BM_Memcpy_64KiB_16BytesPast(benchmark::State& state) {
  copy64KiB<1>(state);
}
void BM_CopyBytes_64KiB_16BytesPast(benchmark::State& state) {
  copy64KiB<2>(state);
}

BENCHMARK(BM_Memcpy_1MiB);
BENCHMARK(BM_Marshal_LongArray_1MiB);
BENCHMARK(BM_Unmarshal_LongArray_1MiB);
BENCHMARK(BM_Memcpy_1MiB_as_doubles);
BENCHMARK(BM_Marshal_DoubleArray_1MiB);
BENCHMARK(BM_Unmarshal_DoubleArray_1MiB);
BENCHMARK(BM_Memcpy_Points);
BENCHMARK(BM_Marshal_Points);
BENCHMARK(BM_Unmarshal_Points);
BENCHMARK(BM_Memcpy_Entries);
BENCHMARK(BM_Marshal_Entries);
BENCHMARK(BM_Unmarshal_Entries);
BENCHMARK(BM_Memcpy_64KiB);
BENCHMARK(BM_Memcpy_64KiB_16BytesPast);
BENCHMARK(BM_CopyBytes_64KiB_16BytesPast);

}  // namespace

BENCHMARK_MAIN();
