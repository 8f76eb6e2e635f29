// Scenarios: global data, calls and loops, writable contexts, and helpers whose
// results are properties rather than values. The numbers here are what Linux
// returns for the same objects (the Kernel instantiation checks that).
#include <algorithm>
#include <cstring>
#include <set>

#include "harness.h"

namespace integration {
namespace {

constexpr int kEPERM = -1, kE2BIG = -7, kEINVAL = -22;

template <class T>
RunIn ctx_of(const T& ctx) {
  return RunIn{.ctx = to_bytes(ctx)};
}

}  // namespace

// ---------------------------------------------------------------- globals ----

INTEGRATION_SCENARIO(GlobalsEveryKind) {
  if (!h.open("globals.bpf.o")) return;
  ASSERT_EQ(h.set_global<uint64_t>(".bss", "bss_host_input", 5000), 0);

  EXPECT_EQ(h.run("globals_step").retval, 42u + 3 + 8);  // data_counter + bss_counter + data_static
  EXPECT_EQ(h.global<uint64_t>(".data", "data_counter"), 42u);
  EXPECT_EQ(h.global<uint32_t>(".data", "data_static"), 8u);
  EXPECT_EQ(h.global<uint64_t>(".bss", "bss_counter"), 3u);
  for (uint32_t i = 0; i < 4; i++) {
    EXPECT_EQ(h.global_at<uint32_t>(".bss", "bss_table", i), (i + 1) * 3 + 5) << i;
    EXPECT_EQ(h.global_at<uint32_t>(".data", "data_table", i), i + 11) << i;
  }
  EXPECT_EQ(h.global<uint32_t>(".bss", "bss_pair"), 0x316268u);  // "hb1" from .rodata
  EXPECT_EQ(h.global_at<uint64_t>(".bss", "bss_pair", 1), 1000u + 77 + 5000);
  EXPECT_EQ(h.global<uint64_t>(".data.custom", "custom_counter"), 78u);
  h.note_section(".data");
  h.note_section(".bss");
  h.note_section(".data.custom");

  // A host write to .data is what the next run starts from.
  ASSERT_EQ(h.set_global<uint64_t>(".data", "data_counter", 100), 0);
  EXPECT_EQ(h.run("globals_step").retval, 102u + 6 + 9);
  EXPECT_EQ(h.global_at<uint64_t>(".bss", "bss_pair", 1), 1000u + 78 + 5000);
  EXPECT_EQ(h.global<uint64_t>(".data.custom", "custom_counter"), 79u);
  h.note_section(".data");
  h.note_section(".bss");
  h.note_section(".data.custom");

  // Read-only data keeps its compiled values and refuses host writes: the
  // kernel freezes it, which is what lets its verifier treat it as constant.
  EXPECT_EQ(h.global<uint32_t>(".rodata", "cfg_scale"), 3u);
  EXPECT_EQ(h.global<uint32_t>(".rodata.custom", "custom_limit"), 5u);
  h.note_section(".rodata");
  h.note_section(".rodata.custom");
  EXPECT_EQ(h.note("rodata_write", h.set_global<uint32_t>(".rodata", "cfg_scale", 4)), kEPERM);
  EXPECT_EQ(h.note("rodata_custom_write", h.set_global<uint32_t>(".rodata.custom", "custom_limit", 6)), kEPERM);
  EXPECT_EQ(h.run("globals_config").retval, 3u * 10000 + 5 * 100 + '1');
}

// -------------------------------------------------------- calls and loops ----

struct ChainCtx {
  uint32_t n;
  int32_t ret;
  uint64_t sum;
  uint32_t calls;
  uint32_t max_depth;
  uint32_t scratch[4];
};

INTEGRATION_SCENARIO(SubprogramChain) {
  if (!h.open("subprogs.bpf.o")) return;
  struct Case {
    uint32_t n;
    int32_t ret;
    uint64_t sum;
    uint32_t calls;
    uint32_t max_depth;
  };
  // sum_squares stops at 32; ret = 10 * last square; calls = 2 + squares taken.
  for (Case c : {Case{5, 250, 55, 7, 4}, Case{40, 10240, 11440, 34, 4}, Case{0, 0, 0, 2, 2}}) {
    SCOPED_TRACE(c.n);
    RunOut r = h.run("chain", ctx_of(ChainCtx{.n = c.n}));
    ASSERT_EQ(r.err, 0);
    auto out = from_bytes<ChainCtx>(r.ctx_out);
    EXPECT_EQ(r.retval, static_cast<uint64_t>(c.ret + c.calls));
    EXPECT_EQ(out.n, c.n);
    EXPECT_EQ(out.ret, c.ret);
    EXPECT_EQ(out.sum, c.sum);
    EXPECT_EQ(out.calls, c.calls);
    EXPECT_EQ(out.max_depth, c.max_depth);
    for (uint32_t i = 0; i < 4; i++) EXPECT_EQ(out.scratch[i], c.n * (i + 1));
  }
}

struct LoopsCtx {
  uint64_t collatz_start;
  uint32_t stop_at;
  uint32_t pad;
};

INTEGRATION_SCENARIO(Loops) {
  if (!h.open("subprogs.bpf.o")) return;
  struct Case {
    uint64_t start;
    uint32_t stop_at;
    uint32_t steps;
    long loop_ret;
    uint64_t loop_sum;
  };
  // Collatz steps (capped at 200); bpf_loop stops after the callback returns 1
  // at index stop_at and returns the iterations made, else runs all 100.
  for (Case c : {Case{27, 10, 111, 11, 385}, Case{1, 1000, 0, 100, 328350}, Case{97, 0, 118, 1, 0},
                 Case{77031, 3, 200, 4, 14}}) {
    SCOPED_TRACE(c.start);
    RunOut r = h.run("loops", ctx_of(LoopsCtx{c.start, c.stop_at, 0}));
    ASSERT_EQ(r.err, 0);
    EXPECT_EQ(r.retval, c.steps);
    EXPECT_EQ(h.global<uint64_t>(".bss", "fib90"), 2880067194370816120ULL);
    EXPECT_EQ(h.global<uint32_t>(".bss", "collatz_steps"), c.steps);
    EXPECT_EQ(h.global<int64_t>(".bss", "loop_ret"), c.loop_ret);
    EXPECT_EQ(h.global<uint64_t>(".bss", "loop_sum"), c.loop_sum);
    EXPECT_EQ(h.global<uint32_t>(".bss", "loop_visits"), static_cast<uint32_t>(c.loop_ret));
    EXPECT_EQ(h.global<int64_t>(".bss", "loop_big_ret"), kE2BIG);
    EXPECT_EQ(h.global<int64_t>(".bss", "loop_flags_ret"), kEINVAL);
    h.note_section(".bss");
  }
}

// A context smaller than what the program reads is refused before it runs
// (the kernel compares ctx_size_in with the largest ctx offset the verifier saw).
INTEGRATION_SCENARIO(ContextTooSmall) {
  if (!h.open("subprogs.bpf.o")) return;
  RunOut r = h.run_unrecorded("loops", RunIn{.ctx = {27, 0, 0, 0}});
  EXPECT_EQ(r.err, kEINVAL);
  EXPECT_EQ(h.note("loops_ran", h.global<uint64_t>(".bss", "fib90")), 0u);
}

// ------------------------------------------------------- writable context ----

struct CalcCtx {
  uint32_t a;
  uint32_t b;
  uint64_t sum;
  uint64_t prod;
  int32_t cmp;
  uint32_t calls;
  char name[8];
};

INTEGRATION_SCENARIO(WritableContext) {
  if (!h.open("ctx.bpf.o")) return;
  CalcCtx in{.a = 7, .b = 6, .sum = 999, .prod = 999, .cmp = 5, .calls = 41, .name = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}};
  RunOut r = h.run("calc", ctx_of(in));
  ASSERT_EQ(r.err, 0);
  ASSERT_EQ(r.ctx_out.size(), sizeof(CalcCtx));
  auto out = from_bytes<CalcCtx>(r.ctx_out);
  EXPECT_EQ(r.retval, 13u);
  EXPECT_EQ(out.a, 7u);
  EXPECT_EQ(out.sum, 13u);
  EXPECT_EQ(out.prod, 42u);
  EXPECT_EQ(out.cmp, 1);
  EXPECT_EQ(out.calls, 42u);
  EXPECT_EQ(std::string(out.name, 8), "hgfedcba");

  in = CalcCtx{.a = 0xffffffff, .b = 0xffffffff, .name = {'x'}};
  r = h.run("calc", ctx_of(in));
  out = from_bytes<CalcCtx>(r.ctx_out);
  EXPECT_EQ(static_cast<uint32_t>(r.retval), 0xfffffffeu);
  EXPECT_EQ(out.sum, 0x1fffffffeULL);
  EXPECT_EQ(out.prod, 0xfffffffe00000001ULL);
  EXPECT_EQ(out.cmp, 0);
  EXPECT_EQ(out.calls, 1u);
  EXPECT_EQ(out.name[7], 'x');
  EXPECT_EQ(h.note("total_calls", h.global<uint64_t>(".bss", "total_calls")), 2u);

  // R0 is 64 bits wide. The kernel's test_run reports the low half only;
  // hostbpf reports all of it.
  in = CalcCtx{.a = 0x12345678, .b = 0x9abcdef0};
  r = h.run("wide_ret", ctx_of(in));
  EXPECT_EQ(static_cast<uint32_t>(r.retval), 0x9abcdef0u);
  if (!h.is_kernel()) {
    EXPECT_EQ(r.retval, 0x123456789abcdef0ULL);
  }
}

// ---------------------------------------------------------------- helpers ----

INTEGRATION_SCENARIO(HelperProperties) {
  if (!h.open("helpers.bpf.o")) return;
  // Only properties are recorded: times, random numbers and CPU ids differ by design.
  RunOut r = h.run("helpers");
  ASSERT_EQ(r.err, 0);
  EXPECT_EQ(r.retval, 1u);  // t_second >= t_first > 0

  uint64_t t1 = h.global<uint64_t>(".bss", "t_first"), t2 = h.global<uint64_t>(".bss", "t_second");
  EXPECT_GT(t1, 0u);
  EXPECT_GE(t2, t1);
  std::set<uint32_t> rnd;
  for (size_t i = 0; i < 16; i++) rnd.insert(h.global_at<uint32_t>(".bss", "rnd", i));
  EXPECT_GE(h.note("distinct_random_values>8", static_cast<uint8_t>(rnd.size() > 8)), 1);
  EXPECT_TRUE(h.note("cpu<possible", static_cast<uint8_t>(h.global<uint32_t>(".bss", "cpu") <
                                                          h.backend().possible_cpus())));

  // bpf_printk returns the length of the formatted line.
  const std::string line = "hostbpf answer=42 hex=ff u=7";
  EXPECT_EQ(h.note("printk_ret", h.global<int64_t>(".bss", "printk_ret")), static_cast<int64_t>(line.size()));
  if (const auto* lines = h.backend().trace_lines()) {
    ASSERT_EQ(lines->size(), 1u);
    EXPECT_EQ(lines->front(), line);
  }

  EXPECT_EQ(h.note("probe_rc", h.global<int64_t>(".bss", "probe_rc")), 0);
  EXPECT_EQ(h.note("probe_val", h.global<uint64_t>(".bss", "probe_val")), 0x1122334455667788ULL);
  // An unreadable address fails and zeroes the destination. The code differs
  // legitimately: x86-64 Linux says -ERANGE for addresses below the kernel's
  // half, elsewhere -EFAULT; so only the sign is compared.
  int64_t bad = h.global<int64_t>(".bss", "probe_bad_rc");
  EXPECT_TRUE(bad == -EFAULT || bad == -ERANGE) << bad;
  EXPECT_TRUE(h.note("probe_bad_failed", static_cast<uint8_t>(bad < 0)));
  EXPECT_EQ(h.note("probe_bad_val", h.global<uint64_t>(".data", "probe_bad_val")), 0u);
}

}  // namespace integration
