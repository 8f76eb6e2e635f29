// The kernel engine: the same .bpf.o loaded with libbpf into the running kernel
// (JIT as configured, normally on) and run with BPF_PROG_TEST_RUN. Each
// test_run repeats the program `repeat` times so the syscall is amortised; the
// time reported is the kernel's own mean per repetition (opts.duration), fed to
// Google Benchmark as manual time over a batch of `repeat` iterations. This is
// the kernel's test_run loop, so it includes what that loop adds per
// repetition (local_bh_disable/enable, the timer check), as DESIGN.md's figures do.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "bench/bpf/bench_params.h"
#include "workloads.h"

namespace bench {
namespace {

int quiet_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_WARN && std::getenv("HOSTBPF_BENCH_VERBOSE"))
    return std::vfprintf(stderr, fmt, args);
  return 0;
}

struct Loaded {
  bpf_object* obj = nullptr;
  int prog_fd = -1;
  uint32_t repeat = 0;  // calibrated: ~2 ms of work per syscall
  std::string error;    // non-empty: this workload cannot run in the kernel
  ~Loaded() { bpf_object__close(obj); }
};

constexpr size_t kPacketSize = 64;  // XDP test_run needs at least an Ethernet header
uint8_t g_packet[kPacketSize];

std::string errno_text(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }

int test_run(int fd, uint32_t repeat, uint32_t* retval, uint32_t* duration) {
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = g_packet, .data_size_in = kPacketSize, .repeat = static_cast<int>(repeat));
  if (bpf_prog_test_run_opts(fd, &opts) != 0)
    return -errno;
  *retval = opts.retval;
  *duration = opts.duration;
  return 0;
}

std::string fill_map(bpf_object* obj, const Workload& w) {
  if (w.fill == Fill::None)
    return {};
  bpf_map* map = bpf_object__find_map_by_name(obj, w.map);
  if (!map)
    return std::string("no map ") + w.map;
  for (uint32_t k = 0; k < BENCH_MAP_ENTRIES; ++k) {
    uint64_t v = bench_value_for_key(k);
    if (bpf_map__update_elem(map, &k, sizeof k, &v, sizeof v, BPF_ANY) != 0)
      return std::string("filling ") + w.map + ": " + errno_text(errno);
  }
  return {};
}

std::unique_ptr<Loaded> load(const Workload& w) {
  auto l = std::make_unique<Loaded>();
  libbpf_set_print(quiet_print);
  std::string path = object_path(w);
  l->obj = bpf_object__open_file(path.c_str(), nullptr);
  if (!l->obj) {
    l->error = "opening " + path + ": " + errno_text(errno);
    return l;
  }
  if (int err = bpf_object__load(l->obj)) {
    l->error = (err == -EPERM || err == -EACCES ? "bpf() not permitted: " : "loading into the kernel: ") +
               errno_text(-err);
    return l;
  }
  bpf_program* prog = bpf_object__find_program_by_name(l->obj, w.program);
  if (!prog) {
    l->error = std::string("no program ") + w.program;
    return l;
  }
  l->prog_fd = bpf_program__fd(prog);
  if (l->error = fill_map(l->obj, w); !l->error.empty())
    return l;

  uint32_t retval = 0, duration = 0;
  if (int err = test_run(l->prog_fd, 1000, &retval, &duration)) {
    l->error = (err == -EPERM ? "bpf() not permitted: " : "test_run: ") + errno_text(-err);
    return l;
  }
  if (uint32_t want = expected_result(w); retval != want) {
    l->error = "kernel returned " + std::to_string(retval) + ", native " + std::to_string(want);
    return l;
  }
  l->repeat = static_cast<uint32_t>(std::clamp<uint64_t>(2'000'000 / std::max<uint32_t>(duration, 1), 100, 1'000'000));
  return l;
}

// Loaded once per workload: the benchmark function runs several times (to
// find the iteration count), and the kernel verifies each load.
Loaded& loaded(const Workload& w) {
  static std::map<std::string, std::unique_ptr<Loaded>> cache;
  auto& slot = cache[w.name];
  if (!slot)
    slot = load(w);
  return *slot;
}

}  // namespace

void run_kernel(benchmark::State& state, const Workload& w) {
  Loaded& l = loaded(w);
  if (!l.error.empty()) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  while (state.KeepRunningBatch(l.repeat)) {
    uint32_t retval = 0, duration = 0;
    if (int err = test_run(l.prog_fd, l.repeat, &retval, &duration)) {
      state.SkipWithError(("test_run: " + errno_text(-err)).c_str());
      break;
    }
    state.SetIterationTime(static_cast<double>(duration) * l.repeat * 1e-9);
  }
  report_items(state, w);
  state.counters["repeat"] = l.repeat;
}

}  // namespace bench
