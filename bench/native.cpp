// Native C++ twins of the BPF programs, compiled at -O2 (see CMakeLists.txt).
//
// The hash map is an open-addressing table (linear probing, 2048 slots for 1024
// keys, multiplicative hashing), i.e. what a careful C++ programmer would use
// for a fixed u32 -> u64 map; the kernel's hash map pays for jhash, buckets with
// per-bucket locks, RCU and element preallocation on top of that. The array is
// a plain array with the same bounds check as the kernel's inlined lookup.
#include <cstdint>
#include <cstring>

#include "bench/bpf/bench_params.h"
#include "workloads.h"

namespace bench {
namespace {

// Read through a volatile so the compiler cannot fold the compute loop, as the
// BPF program reads its seed from .data.
volatile uint64_t g_seed = BENCH_SEED;

class OpenHash {
 public:
  static constexpr uint32_t kSlots = 2 * BENCH_MAP_ENTRIES;

  void clear() { std::memset(slots_, 0, sizeof slots_); size_ = 0; }

  uint64_t* lookup(uint32_t key) {
    for (uint32_t i = index(key);; i = (i + 1) & (kSlots - 1)) {
      Slot& s = slots_[i];
      if (!s.used)
        return nullptr;
      if (s.key == key)
        return &s.value;
    }
  }

  /// BPF_ANY: insert or replace. Fails (-E2BIG in the kernel) when full.
  int update(uint32_t key, uint64_t value) {
    for (uint32_t i = index(key);; i = (i + 1) & (kSlots - 1)) {
      Slot& s = slots_[i];
      if (!s.used) {
        if (size_ >= BENCH_MAP_ENTRIES)
          return -1;
        s = {key, 1, value};
        ++size_;
        return 0;
      }
      if (s.key == key) {
        s.value = value;
        return 0;
      }
    }
  }

 private:
  struct Slot {
    uint32_t key;
    uint32_t used;
    uint64_t value;
  };
  static uint32_t index(uint32_t key) { return (key * 0x9E3779B1u) >> (32 - 11); }
  static_assert(kSlots == 1u << 11);

  Slot slots_[kSlots];
  uint32_t size_ = 0;
};

OpenHash g_hash;
uint64_t g_array[BENCH_MAP_ENTRIES];

void fill_hash() {
  g_hash.clear();
  for (uint32_t k = 0; k < BENCH_MAP_ENTRIES; ++k)
    g_hash.update(k, bench_value_for_key(k));
}

void fill_array() {
  for (uint32_t k = 0; k < BENCH_MAP_ENTRIES; ++k)
    g_array[k] = bench_value_for_key(k);
}

void no_setup() {}

__attribute__((noinline)) uint64_t trivial() { return 0; }

__attribute__((noinline)) uint64_t compute() { return static_cast<uint32_t>(bench_compute(g_seed)); }

__attribute__((noinline)) uint64_t hash_lookup() {
  uint64_t sum = 0;
  for (uint32_t i = 0; i < BENCH_MAP_OPS; ++i)
    if (uint64_t* v = g_hash.lookup(bench_key(i)))
      sum += *v;
  return static_cast<uint32_t>(sum);
}

__attribute__((noinline)) uint64_t hash_update() {
  uint32_t failures = 0;
  for (uint32_t i = 0; i < BENCH_MAP_OPS; ++i) {
    uint32_t key = bench_key(i);
    uint64_t nv = 1;
    if (uint64_t* v = g_hash.lookup(key))
      nv = *v + 1;
    else
      ++failures;
    if (g_hash.update(key, nv))
      ++failures;
  }
  return failures;
}

__attribute__((noinline)) uint64_t array_lookup() {
  uint64_t sum = 0;
  for (uint32_t i = 0; i < BENCH_MAP_OPS; ++i) {
    uint32_t key = bench_key(i);
    benchmark::DoNotOptimize(key);  // the BPF program cannot know the key is in range either
    if (key < BENCH_MAP_ENTRIES)
      sum += g_array[key];
  }
  return static_cast<uint32_t>(sum);
}

}  // namespace

const Workload kWorkloads[] = {
    {"trivial", "trivial.bpf.o", "trivial", nullptr, Fill::None, 1, trivial, no_setup},
    {"compute", "compute.bpf.o", "compute", nullptr, Fill::None, BENCH_COMPUTE_ITERS, compute, no_setup},
    {"hash_lookup", "hash_lookup.bpf.o", "hash_lookup", "hmap", Fill::Hash, BENCH_MAP_OPS, hash_lookup, fill_hash},
    {"hash_update", "hash_update.bpf.o", "hash_update", "hmap", Fill::Hash, BENCH_MAP_OPS, hash_update, fill_hash},
    {"array_lookup", "array_lookup.bpf.o", "array_lookup", "amap", Fill::Array, BENCH_MAP_OPS, array_lookup,
     fill_array},
};
const size_t kNumWorkloads = sizeof kWorkloads / sizeof kWorkloads[0];

uint32_t expected_result(const Workload& w) {
  w.native_setup();
  auto r = static_cast<uint32_t>(w.native());
  w.native_setup();
  return r;
}

void run_native(benchmark::State& state, const Workload& w) {
  w.native_setup();
  uint64_t (*volatile fn)() = w.native;  // an indirect call, like entering a program
  for (auto _ : state) {
    uint64_t r = fn();
    benchmark::DoNotOptimize(r);
  }
  report_items(state, w);
}

}  // namespace bench
