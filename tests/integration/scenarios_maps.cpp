// Scenarios: every supported map type driven from programs, and atomics on map
// values and globals. Per-CPU values are compared by what both sides agree on:
// the slot the program ran on, and sums over all CPUs (hostbpf has
// max(64, hw threads) possible CPUs, the kernel its own count).
#include <vector>

#include "harness.h"

namespace integration {
namespace {

constexpr int64_t kENOENT = -2, kE2BIG = -7, kEEXIST = -17, kEINVAL = -22;

// The return codes exercise_hash() leaves, step by step (see maps.bpf.c).
const std::vector<int64_t> kHashRc = {0, kEEXIST, kENOENT, 0, 0, 0, 0, kE2BIG, 0, 0, kENOENT, 0, 112, -1,
                                      kEINVAL, kEINVAL};

std::vector<int64_t> rc_array(Harness& h, const std::string& var, size_t n) {
  std::vector<int64_t> rc;
  for (size_t i = 0; i < n; i++) rc.push_back(h.global_at<int64_t>(".bss", var, i));
  return rc;
}

void check_hash(Harness& h, const std::string& prog, const std::string& map, const std::string& rc_var) {
  if (!h.open("maps.bpf.o")) return;
  RunOut r = h.run(prog);
  ASSERT_EQ(r.err, 0);
  EXPECT_EQ(r.retval, 112u);
  EXPECT_EQ(rc_array(h, rc_var, kHashRc.size()), kHashRc);
  auto d = h.dump(map);
  std::map<uint32_t, uint64_t> kv;
  for (const auto& [k, v] : d) kv[from_bytes<uint32_t>(k)] = from_bytes<uint64_t>(v);
  EXPECT_EQ(kv, (std::map<uint32_t, uint64_t>{{1, 112}, {2, 200}, {4, 400}, {5, 500}}));
  int err = 0;
  uint32_t three = 3;
  uint64_t v = 0;
  EXPECT_EQ(h.note("lookup_deleted", h.backend().lookup(map, &three, &v)), kENOENT);
  // The host side follows the same flag rules.
  uint32_t one = 1, nine = 9;
  EXPECT_EQ(h.note("host_noexist", h.backend().update(map, &one, &v, BPF_NOEXIST)), kEEXIST);
  EXPECT_EQ(h.note("host_exist_missing", h.backend().update(map, &three, &v, BPF_EXIST)), kENOENT);
  EXPECT_EQ(h.note("host_full", h.backend().update(map, &nine, &v, BPF_ANY)), kE2BIG);
  EXPECT_EQ(h.note("host_delete", h.backend().remove(map, &one)), 0);
  EXPECT_EQ(h.u64_at(map, 1, &err), ~0ULL);
  EXPECT_EQ(err, kENOENT);
  h.note_section(".bss");
  h.note_map(map);
}

}  // namespace

INTEGRATION_SCENARIO(HashPrealloc) { check_hash(h, "maps_hash", "hash", "hash_rc"); }
INTEGRATION_SCENARIO(HashNoPrealloc) { check_hash(h, "maps_hash_noprealloc", "hash_np", "hash_np_rc"); }

INTEGRATION_SCENARIO(PercpuHash) {
  if (!h.open("maps.bpf.o")) return;
  RunOut r = h.run("maps_percpu_hash");
  ASSERT_EQ(r.err, 0);
  EXPECT_EQ(r.retval, 112u);
  EXPECT_EQ(rc_array(h, "pcpu_hash_rc", kHashRc.size()), kHashRc);
  const uint32_t cpu = h.global<uint32_t>(".bss", "run_cpu");
  ASSERT_LT(cpu, h.backend().possible_cpus());
  // A program's update sets its own CPU's value and zeroes the others.
  for (auto [key, want] : {std::pair<uint32_t, uint64_t>{1, 112}, {2, 200}, {4, 400}, {5, 500}}) {
    std::vector<uint64_t> all = h.percpu_u64("pcpu_hash", key);
    ASSERT_EQ(all.size(), h.backend().possible_cpus()) << key;
    for (uint32_t c = 0; c < all.size(); c++) EXPECT_EQ(all[c], c == cpu ? want : 0) << key << " cpu " << c;
    h.note_percpu("pcpu_hash", key);
  }
  EXPECT_TRUE(h.percpu_u64("pcpu_hash", 3).empty());
  h.note_percpu("pcpu_hash", 3);
  h.note_section(".bss", {"run_cpu"});
}

INTEGRATION_SCENARIO(Array) {
  if (!h.open("maps.bpf.o")) return;
  uint32_t one = 1;
  uint64_t v77 = 0x77;
  ASSERT_EQ(h.backend().update("arr", &one, &v77, BPF_ANY), 0);
  RunOut r = h.run("maps_array");
  ASSERT_EQ(r.err, 0);
  EXPECT_EQ(r.retval, 0x77u);
  EXPECT_EQ(rc_array(h, "arr_rc", 10),
            (std::vector<int64_t>{0, kEEXIST, 0, kE2BIG, kEINVAL, 0, 0x77, 0, kEINVAL, kEINVAL}));
  EXPECT_EQ(h.u64_at("arr", 0), 6u);
  EXPECT_EQ(h.u64_at("arr", 1), 0xeeu);
  EXPECT_EQ(h.u64_at("arr", 2), 0u);
  int err = 0;
  h.u64_at("arr", 4, &err);
  EXPECT_EQ(h.note("host_lookup_out_of_range", err), kENOENT);
  EXPECT_EQ(h.note("host_delete", h.backend().remove("arr", &one)), kEINVAL);
  EXPECT_EQ(h.note("host_noexist", h.backend().update("arr", &one, &v77, BPF_NOEXIST)), kEEXIST);
  h.note_section(".bss");
  h.note_map("arr");
}

INTEGRATION_SCENARIO(PercpuArray) {
  if (!h.open("maps.bpf.o")) return;
  const uint32_t ncpu = h.backend().possible_cpus();
  std::vector<uint64_t> per_cpu(ncpu);
  for (uint32_t c = 0; c < ncpu; c++) per_cpu[c] = c * 10 + 7;
  uint32_t one = 1;
  ASSERT_EQ(h.backend().update("pcpu_arr", &one, per_cpu.data(), BPF_ANY), 0);

  // The program reads its own CPU's value: retval depends on where it ran.
  RunOut r = h.run_unrecorded("maps_percpu_array");
  ASSERT_EQ(r.err, 0);
  const uint32_t cpu = h.global<uint32_t>(".bss", "run_cpu");
  ASSERT_LT(cpu, ncpu);
  EXPECT_EQ(r.retval, cpu * 10 + 7u);
  std::vector<int64_t> rc = rc_array(h, "pcpu_arr_rc", 5);
  EXPECT_EQ(rc, (std::vector<int64_t>{int64_t{cpu} * 10 + 7, 0, kEINVAL, kE2BIG, kEEXIST}));
  h.note("retval_minus_cpu_slot", r.retval - cpu * 10);
  h.note("rc_tail", std::vector<uint8_t>(reinterpret_cast<uint8_t*>(&rc[1]), reinterpret_cast<uint8_t*>(&rc[5])));

  std::vector<uint64_t> slot0 = h.percpu_u64("pcpu_arr", 0), slot2 = h.percpu_u64("pcpu_arr", 2);
  ASSERT_EQ(slot0.size(), ncpu);
  ASSERT_EQ(slot2.size(), ncpu);
  for (uint32_t c = 0; c < ncpu; c++) {
    EXPECT_EQ(slot0[c], c == cpu ? 3u : 0u) << c;
    EXPECT_EQ(slot2[c], c == cpu ? 9u : 0u) << c;
  }
  EXPECT_EQ(h.percpu_u64("pcpu_arr", 1), per_cpu);  // only read by the program
  h.note_percpu("pcpu_arr", 0);
  h.note_percpu("pcpu_arr", 2);
}

INTEGRATION_SCENARIO(LruHash) {
  if (!h.open("maps.bpf.o")) return;
  RunOut r = h.run("maps_lru");
  ASSERT_EQ(r.err, 0);
  EXPECT_EQ(r.retval, 1015u);
  EXPECT_EQ(rc_array(h, "lru_rc", 4), (std::vector<int64_t>{0, kEEXIST, 1015, 0}));
  h.note_section(".bss");
  // Which keys were evicted is the LRU's business; that at most max_entries
  // remain, each with its own value, is not.
  auto d = h.dump("lru");
  EXPECT_TRUE(h.note("count<=8", static_cast<uint8_t>(d.size() <= 8))) << d.size();
  EXPECT_TRUE(h.note("count>=1", static_cast<uint8_t>(!d.empty())));
  for (const auto& [k, v] : d) EXPECT_EQ(from_bytes<uint64_t>(v), 1000u + from_bytes<uint32_t>(k));
  EXPECT_FALSE(d.count(to_bytes<uint32_t>(15)));  // deleted by the program
}

INTEGRATION_SCENARIO(LruPercpuHash) {
  if (!h.open("maps.bpf.o")) return;
  RunOut r = h.run("maps_lru_percpu");
  ASSERT_EQ(r.err, 0);
  EXPECT_EQ(r.retval, 1015u);
  EXPECT_EQ(rc_array(h, "lru_pcpu_rc", 4), (std::vector<int64_t>{0, kEEXIST, 1015, 0}));
  const uint32_t cpu = h.global<uint32_t>(".bss", "run_cpu");
  ASSERT_LT(cpu, h.backend().possible_cpus());
  auto d = h.dump("lru_pcpu");
  EXPECT_TRUE(h.note("count<=8", static_cast<uint8_t>(d.size() <= 8))) << d.size();
  EXPECT_TRUE(h.note("count>=1", static_cast<uint8_t>(!d.empty())));
  for (const auto& [k, v] : d) {
    const uint32_t key = from_bytes<uint32_t>(k);
    ASSERT_EQ(v.size(), h.backend().possible_cpus() * sizeof(uint64_t));
    for (uint32_t c = 0; c < h.backend().possible_cpus(); c++)
      EXPECT_EQ(from_bytes<uint64_t>(v, c * 8), c == cpu ? 1000u + key : 0u) << key << " cpu " << c;
  }
  EXPECT_FALSE(d.count(to_bytes<uint32_t>(15)));
  h.note_section(".bss", {"run_cpu"});
}

// ---------------------------------------------------------------- atomics ----

namespace {

struct Cells {
  uint64_t add, orv, andv, xorv, xchg, cmpxchg;
  uint32_t add32, or32, xchg32, cmpxchg32;
};
const Cells kInitial{.andv = ~0ULL, .cmpxchg = 5, .cmpxchg32 = 9};

// Old values fetched by the 1st and 2nd run of apply() (atomics.bpf.c).
const std::vector<uint64_t> kOld1 = {5, 0x100, 0xfffffffffffffffe, 3, 0, 5, 15, 0, 0, 0, 9};
const std::vector<uint64_t> kOld2 = {17, 0x1f0, 0xff00ff00ff00ff00, 0xff, 0x1234, 15, 45, 0x7fffffff,
                                     0x80000001, 0xfffffffe, 10};
const Cells kAfter2{24, 0x1f0, 0xff00ff00ff00ff00, 0, 0x2468, 45, 0xfffffffe, 0x80000001, 0xfffffffe, 10};

void check_cells(const Cells& got, const Cells& want) {
  EXPECT_EQ(got.add, want.add);
  EXPECT_EQ(got.orv, want.orv);
  EXPECT_EQ(got.andv, want.andv);
  EXPECT_EQ(got.xorv, want.xorv);
  EXPECT_EQ(got.xchg, want.xchg);
  EXPECT_EQ(got.cmpxchg, want.cmpxchg);
  EXPECT_EQ(got.add32, want.add32);
  EXPECT_EQ(got.or32, want.or32);
  EXPECT_EQ(got.xchg32, want.xchg32);
  EXPECT_EQ(got.cmpxchg32, want.cmpxchg32);
}

std::vector<uint64_t> old_values(Harness& h) {
  std::vector<uint64_t> v;
  for (size_t i = 0; i < kOld1.size(); i++) v.push_back(h.global_at<uint64_t>(".bss", "old", i));
  return v;
}

}  // namespace

INTEGRATION_SCENARIO(AtomicsOnMapValue) {
  if (!h.open("atomics.bpf.o")) return;
  uint32_t zero = 0;
  ASSERT_EQ(h.backend().update("cells_map", &zero, &kInitial, BPF_ANY), 0);
  EXPECT_EQ(h.run("atomics_map").retval, 12u + 15);
  EXPECT_EQ(old_values(h), kOld1);
  h.note_section(".bss");
  EXPECT_EQ(h.run("atomics_map").retval, 24u + 45);
  EXPECT_EQ(old_values(h), kOld2);
  Cells c{};
  ASSERT_EQ(h.backend().lookup("cells_map", &zero, &c), 0);
  check_cells(c, kAfter2);
  h.note_section(".bss");
  h.note_map("cells_map");
}

INTEGRATION_SCENARIO(AtomicsOnGlobals) {
  if (!h.open("atomics.bpf.o")) return;
  EXPECT_EQ(h.run("atomics_global").retval, 12u + 10);
  EXPECT_EQ(old_values(h), kOld1);
  h.note_section(".bss");
  EXPECT_EQ(h.run("atomics_global").retval, 24u + 10);
  EXPECT_EQ(old_values(h), kOld2);
  check_cells(h.global<Cells>(".data", "g_cells"), kAfter2);
  h.note_section(".bss");
  h.note_section(".data");
}

}  // namespace integration
