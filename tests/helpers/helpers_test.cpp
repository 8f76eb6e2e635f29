// Helpers called as the interpreter calls them: through the table, as plain
// functions of five u64 arguments.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <set>
#include <vector>

#include "base/cpu.h"
#include "base/rcu.h"
#include "helpers/helper.h"
#include "maps/ringbuf.h"
#include "../maps/test_util.h"

namespace hostbpf::helpers {
namespace {

using maps::testing::make;
using maps::testing::spec;
using maps::testing::ReadSection;

uint64_t u(const void* p) { return reinterpret_cast<uint64_t>(p); }
int64_t s(uint64_t v) { return static_cast<int64_t>(v); }

uint64_t call(int32_t id, uint64_t r1 = 0, uint64_t r2 = 0, uint64_t r3 = 0, uint64_t r4 = 0, uint64_t r5 = 0) {
  const HelperProto* h = find_helper(id);
  EXPECT_NE(h, nullptr) << id;
  EXPECT_NE(h->func, nullptr) << id;
  return h->func(r1, r2, r3, r4, r5);
}

TEST(HelperTable, IdsNamesAndPrototypes) {
  struct Want {
    int32_t id;
    const char* name;
  };
  for (Want w : {Want{1, "bpf_map_lookup_elem"}, {2, "bpf_map_update_elem"}, {3, "bpf_map_delete_elem"},
                 {5, "bpf_ktime_get_ns"}, {6, "bpf_trace_printk"}, {7, "bpf_get_prandom_u32"},
                 {8, "bpf_get_smp_processor_id"}, {12, "bpf_tail_call"}, {113, "bpf_probe_read_kernel"},
                 {125, "bpf_ktime_get_boot_ns"}, {130, "bpf_ringbuf_output"}, {131, "bpf_ringbuf_reserve"},
                 {132, "bpf_ringbuf_submit"}, {133, "bpf_ringbuf_discard"}, {134, "bpf_ringbuf_query"},
                 {177, "bpf_trace_vprintk"}, {181, "bpf_loop"}}) {
    const HelperProto* h = find_helper(w.id);
    ASSERT_NE(h, nullptr) << w.name;
    EXPECT_EQ(h->id, w.id);
    EXPECT_STREQ(h->name, w.name);
    EXPECT_STREQ(helper_name(w.id), w.name);
    // Every helper has its implementation beside its prototype, except the
    // tail call, which each executor performs itself.
    EXPECT_EQ(h->func == nullptr, w.id == BPF_FUNC_tail_call) << w.name;
  }
  for (int32_t id : {0, 44, 100000}) EXPECT_EQ(find_helper(id), nullptr) << id;
  EXPECT_STREQ(helper_name(44), "bpf_xdp_adjust_head");  // known to the kernel, not provided
  EXPECT_EQ(helper_name(0), nullptr);
  EXPECT_EQ(helper_name(-1), nullptr);
  EXPECT_EQ(helper_name(100000), nullptr);

  const HelperProto* lookup = find_helper(BPF_FUNC_map_lookup_elem);
  EXPECT_EQ(lookup->ret, RetType::MapValueOrNull);
  EXPECT_EQ(lookup->args[0], ArgType::ConstMapPtr);
  EXPECT_EQ(lookup->args[1], ArgType::PtrToMapKey);
  EXPECT_EQ(lookup->args[2], ArgType::DontCare);
  const HelperProto* update = find_helper(BPF_FUNC_map_update_elem);
  EXPECT_EQ(update->args[2], ArgType::PtrToMapValue);
  EXPECT_EQ(update->args[3], ArgType::Anything);
  const HelperProto* reserve = find_helper(BPF_FUNC_ringbuf_reserve);
  EXPECT_EQ(reserve->ret, RetType::RingbufMemOrNull);
  EXPECT_EQ(reserve->args[1], ArgType::ConstAllocSizeOrZero);
  EXPECT_EQ(find_helper(BPF_FUNC_ringbuf_submit)->ret, RetType::Void);
  EXPECT_EQ(find_helper(BPF_FUNC_ringbuf_submit)->args[0], ArgType::PtrToRingbufMem);
  const HelperProto* probe = find_helper(BPF_FUNC_probe_read_kernel);
  EXPECT_TRUE(probe->gpl_only);
  EXPECT_EQ(probe->args[0], ArgType::PtrToUninitMem);
  EXPECT_EQ(probe->args[1], ArgType::ConstSizeOrZero);
  EXPECT_TRUE(find_helper(BPF_FUNC_trace_printk)->gpl_only);
  EXPECT_FALSE(lookup->gpl_only);
  const HelperProto* loop = find_helper(BPF_FUNC_loop);
  EXPECT_EQ(loop->args[1], ArgType::PtrToFunc);
  EXPECT_EQ(loop->args[2], ArgType::PtrToStackOrNull);
  const HelperProto* tail = find_helper(BPF_FUNC_tail_call);
  EXPECT_EQ(tail->args[0], ArgType::PtrToCtx);
  EXPECT_EQ(tail->args[1], ArgType::ConstMapPtr);
}

// find_helper binary-searches the table: it must be sorted by id, without
// duplicates, and every entry must be found by its own id.
TEST(HelperTable, SortedByIdAndEveryEntryFound) {
  const auto all = all_helpers();
  ASSERT_GE(all.size(), 17u);
  for (size_t i = 0; i < all.size(); i++) {
    if (i > 0) EXPECT_LT(all[i - 1].id, all[i].id) << all[i].name;
    EXPECT_EQ(find_helper(all[i].id), &all[i]) << all[i].name;
  }
}

TEST(MapHelpers, CallTheMapOps) {
  auto m = make(spec(BPF_MAP_TYPE_HASH, 4, 8, 4));
  ReadSection rl;
  uint32_t k = 3;
  uint64_t v = 99;
  EXPECT_EQ(call(BPF_FUNC_map_lookup_elem, u(m.get()), u(&k)), 0u);
  EXPECT_EQ(call(BPF_FUNC_map_update_elem, u(m.get()), u(&k), u(&v), BPF_NOEXIST), 0u);
  EXPECT_EQ(s(call(BPF_FUNC_map_update_elem, u(m.get()), u(&k), u(&v), BPF_NOEXIST)), -EEXIST);
  auto* p = reinterpret_cast<uint64_t*>(call(BPF_FUNC_map_lookup_elem, u(m.get()), u(&k)));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 99u);
  EXPECT_EQ(call(BPF_FUNC_map_delete_elem, u(m.get()), u(&k)), 0u);
  EXPECT_EQ(s(call(BPF_FUNC_map_delete_elem, u(m.get()), u(&k))), -ENOENT);
}

TEST(ProbeReadKernel, CopiesReadableMemory) {
  const char src[] = "readable bytes";
  char dst[sizeof(src)] = {};
  EXPECT_EQ(call(BPF_FUNC_probe_read_kernel, u(dst), sizeof(src), u(src)), 0u);
  EXPECT_STREQ(dst, src);
  EXPECT_EQ(call(BPF_FUNC_probe_read_kernel, u(dst), 0, 0), 0u);
}

TEST(ProbeReadKernel, BadAddressIsEfaultAndZeroes) {
  const long page = sysconf(_SC_PAGESIZE);
  void* mapped = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mapped, MAP_FAILED);
  auto* second = static_cast<char*>(mapped) + page;
  ASSERT_EQ(munmap(second, page), 0);
  std::memset(mapped, 'x', page);

  std::vector<uint64_t> bad = {0, 1, 0xdead0000, u(second), 0xffff800000000000ull};
  for (uint64_t addr : bad) {
    char dst[32];
    std::memset(dst, 0x5a, sizeof(dst));
    EXPECT_EQ(s(call(BPF_FUNC_probe_read_kernel, u(dst), sizeof(dst), addr)), -EFAULT) << std::hex << addr;
    for (char c : dst) EXPECT_EQ(c, 0);
  }
  // Partly readable (runs into the unmapped page): still a fault, all zeroed.
  char dst[64];
  std::memset(dst, 0x5a, sizeof(dst));
  EXPECT_EQ(s(call(BPF_FUNC_probe_read_kernel, u(dst), sizeof(dst), u(second - 16))), -EFAULT);
  for (char c : dst) EXPECT_EQ(c, 0);
  munmap(mapped, page);
}

uint64_t now_ns(clockid_t c) {
  timespec ts;
  clock_gettime(c, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

TEST(TimeHelpers, MonotonicAndBoottime) {
  const uint64_t before = now_ns(CLOCK_MONOTONIC);
  const uint64_t t = call(BPF_FUNC_ktime_get_ns);
  const uint64_t after = now_ns(CLOCK_MONOTONIC);
  EXPECT_LE(before, t);
  EXPECT_LE(t, after);
  const uint64_t b0 = now_ns(CLOCK_BOOTTIME);
  const uint64_t b = call(BPF_FUNC_ktime_get_boot_ns);
  EXPECT_LE(b0, b);
  EXPECT_LE(b, now_ns(CLOCK_BOOTTIME));
  EXPECT_GE(b, t);  // boot time includes suspend, never less than monotonic
}

TEST(MiscHelpers, PrandomAndCpu) {
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; i++) {
    const uint64_t r = call(BPF_FUNC_get_prandom_u32);
    EXPECT_LE(r, UINT32_MAX);
    seen.insert(r);
  }
  EXPECT_GT(seen.size(), 990u);
  EXPECT_EQ(call(BPF_FUNC_get_smp_processor_id), current_cpu());
}

struct LoopCtx : Callback {
  std::vector<uint64_t> indexes;
  uint64_t stop_at = UINT64_MAX;
  uint64_t ctx_seen = 0;
};

uint64_t loop_body(const Callback* self, uint64_t i, uint64_t ctx, uint64_t, uint64_t, uint64_t) {
  auto* lc = const_cast<LoopCtx*>(static_cast<const LoopCtx*>(self));
  lc->indexes.push_back(i);
  lc->ctx_seen = ctx;
  return i == lc->stop_at ? 1 : 0;
}

TEST(BpfLoop, RunsCallbackAndStops) {
  LoopCtx lc;
  lc.invoke = &loop_body;
  EXPECT_EQ(call(BPF_FUNC_loop, 5, u(static_cast<Callback*>(&lc)), 0x1234, 0), 5u);
  EXPECT_EQ(lc.indexes, (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(lc.ctx_seen, 0x1234u);

  lc.indexes.clear();
  lc.stop_at = 2;
  EXPECT_EQ(call(BPF_FUNC_loop, 100, u(static_cast<Callback*>(&lc)), 0, 0), 3u);  // iterations done, the stopping one included
  EXPECT_EQ(lc.indexes.size(), 3u);

  lc.indexes.clear();
  EXPECT_EQ(call(BPF_FUNC_loop, 0, u(static_cast<Callback*>(&lc)), 0, 0), 0u);
  EXPECT_TRUE(lc.indexes.empty());
  EXPECT_EQ(s(call(BPF_FUNC_loop, (1u << 23) + 1, u(static_cast<Callback*>(&lc)), 0, 0)), -E2BIG);
  EXPECT_EQ(s(call(BPF_FUNC_loop, 1, u(static_cast<Callback*>(&lc)), 0, 1)), -EINVAL);
  EXPECT_EQ(s(call(BPF_FUNC_loop, 1u << 30, u(static_cast<Callback*>(&lc)), 0, 1)), -EINVAL);  // flags first
  EXPECT_TRUE(lc.indexes.empty());
  // nr_loops is a u32: the high half of R1 is ignored.
  EXPECT_EQ(call(BPF_FUNC_loop, (uint64_t{1} << 32) | 2, u(static_cast<Callback*>(&lc)), 0, 0), 2u);
}

TEST(RingbufHelpers, ReserveSubmitDiscardOutputQuery) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  auto m = make(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, static_cast<uint32_t>(page)));
  auto* rb = static_cast<maps::RingBuf*>(m.get());
  const uint64_t map = u(m.get());
  auto* s1 = reinterpret_cast<char*>(call(BPF_FUNC_ringbuf_reserve, map, 4, 0));
  ASSERT_NE(s1, nullptr);
  std::memcpy(s1, "abcd", 4);
  EXPECT_EQ(call(BPF_FUNC_ringbuf_submit, u(s1), 0), 0u);
  auto* s2 = reinterpret_cast<char*>(call(BPF_FUNC_ringbuf_reserve, map, 4, 0));
  EXPECT_EQ(call(BPF_FUNC_ringbuf_discard, u(s2), 0), 0u);
  EXPECT_EQ(call(BPF_FUNC_ringbuf_reserve, map, 4, 1), 0u);
  EXPECT_EQ(call(BPF_FUNC_ringbuf_output, map, u("xyz"), 3, 0), 0u);
  EXPECT_EQ(s(call(BPF_FUNC_ringbuf_output, map, u("xyz"), 3, 8)), -EINVAL);
  EXPECT_EQ(s(call(BPF_FUNC_ringbuf_output, map, u("xyz"), page, 0)), -EAGAIN);
  EXPECT_EQ(call(BPF_FUNC_ringbuf_query, map, BPF_RB_AVAIL_DATA), 48u);
  EXPECT_EQ(call(BPF_FUNC_ringbuf_query, map, BPF_RB_RING_SIZE), page);
  EXPECT_EQ(call(BPF_FUNC_ringbuf_query, map, BPF_RB_PROD_POS), 48u);
  EXPECT_EQ(call(BPF_FUNC_ringbuf_query, map, BPF_RB_CONS_POS), 0u);
  std::vector<std::string> got;
  EXPECT_EQ(rb->consume([&](const void* d, uint32_t n) {
    got.emplace_back(static_cast<const char*>(d), n);
    return 0;
  }),
            2);
  EXPECT_EQ(got, (std::vector<std::string>{"abcd", "xyz"}));
  EXPECT_EQ(call(BPF_FUNC_ringbuf_query, map, BPF_RB_CONS_POS), 48u);
}

}  // namespace
}  // namespace hostbpf::helpers
