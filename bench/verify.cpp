// Verification time: every workload's program verified by hostbpf's verifier
// and by the running kernel's, side by side as "verify/<workload>/<engine>".
//
//  - /hostbpf: verifier::verify() on the parsed object, exactly what
//    Object::load runs before any fixup (log level 0), timed in the loop (the
//    JSON has wall and process CPU time; results_table.py compares wall time,
//    as the kernel's figure is).
//  - /kernel: the same .bpf.o loaded with libbpf at log_level BPF_LOG_STATS,
//    one load per iteration; the time is the kernel's own "verification time N
//    usec" from its log (what DESIGN.md's reference figure is), fed to Google
//    Benchmark as manual time. Skipped with "bpf() not permitted: ..." where
//    the kernel refuses.
//
// Both report the counters processed_insns ("processed N insns" of the log)
// and insns (the program's size in instruction slots).
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "object/object_spec.h"
#include "verifier/verifier.h"
#include "workloads.h"

namespace bench {
namespace {

// Kernel loads per repetition: each takes milliseconds for the compute
// program, and the kernel's usec figure is too coarse for Google Benchmark to
// pick an iteration count from (0 usec for the trivial program).
constexpr int kKernelLoads = 10;

// The kernel's BPF_LOG_STATS (include/linux/bpf_verifier.h, not in the UAPI):
// only the statistics lines, so logging adds nothing to the time measured.
constexpr uint32_t kLogStats = 4;

struct Parsed {
  hostbpf::object::ObjectSpec spec;
  const hostbpf::object::ProgramSpec* prog = nullptr;
  std::vector<hostbpf::maps::MapSpec> maps;
  std::string error;
};

Parsed parse(const Workload& w) {
  Parsed p;
  std::ifstream in(object_path(w), std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto spec = hostbpf::object::parse_object(bytes, w.name);
  if (!spec) {
    p.error = spec.error().message();
    return p;
  }
  p.spec = std::move(*spec);
  for (const auto& prog : p.spec.programs)
    if (prog.name == w.program) p.prog = &prog;
  if (!p.prog) p.error = std::string("no program ") + w.program;
  for (const auto& m : p.spec.maps) p.maps.push_back(m.spec);
  return p;
}

/// What Object::load gives the verifier for this program (runtime/object.cpp).
hostbpf::verifier::VerifyInput verify_input(const Parsed& p) {
  hostbpf::verifier::VerifyInput in;
  in.insns = p.prog->insns;
  in.prog_type = p.prog->prog_type;
  in.expected_attach_type = p.prog->expected_attach_type;
  in.maps = p.maps;
  in.line_info = p.prog->line_info;
  in.func_info = p.prog->func_info;
  in.btf = p.spec.btf.get();
  in.gpl_compatible = p.spec.license == "GPL";  // what every benchmark object declares
  return in;
}

struct KernelStats {
  uint32_t processed = 0;
  uint64_t usec = 0;
  std::string error;
};

int quiet_print(enum libbpf_print_level, const char*, va_list) { return 0; }

/// One load into the kernel with BPF_LOG_STATS, and what its log says.
KernelStats kernel_verify(const Workload& w) {
  KernelStats ks;
  libbpf_set_print(quiet_print);
  bpf_object* obj = bpf_object__open_file(object_path(w).c_str(), nullptr);
  if (!obj) {
    ks.error = "opening " + object_path(w) + ": " + std::strerror(errno);
    return ks;
  }
  static char log[1 << 16];
  log[0] = '\0';
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, obj) {
    if (std::strcmp(bpf_program__name(prog), w.program) != 0) {
      bpf_program__set_autoload(prog, false);
      continue;
    }
    bpf_program__set_log_level(prog, kLogStats);
    bpf_program__set_log_buf(prog, log, sizeof log);
  }
  if (int err = bpf_object__load(obj)) {
    ks.error = std::string(err == -EPERM || err == -EACCES ? "bpf() not permitted: " : "loading into the kernel: ") +
               std::strerror(-err);
  } else {
    std::cmatch m;
    if (std::regex_search(log, m, std::regex("processed ([0-9]+) insns"))) ks.processed = std::stoul(m[1]);
    if (std::regex_search(log, m, std::regex("verification time ([0-9]+) usec"))) ks.usec = std::stoull(m[1]);
    else ks.error = std::string("no statistics in the kernel's log: ") + log;
  }
  bpf_object__close(obj);
  return ks;
}

}  // namespace

void run_verify_hostbpf(benchmark::State& state, const Workload& w) {
  const Parsed p = parse(w);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const hostbpf::verifier::VerifyInput in = verify_input(p);
  uint32_t processed = 0;
  for (auto _ : state) {
    auto r = hostbpf::verifier::verify(in);
    if (!r) {
      state.SkipWithError(r.error().message().c_str());
      return;
    }
    processed = r->stats.processed_insns;
  }
  state.counters["processed_insns"] = processed;
  state.counters["insns"] = static_cast<double>(p.prog->insns.size());
}

void run_verify_kernel(benchmark::State& state, const Workload& w) {
  uint32_t processed = 0;
  for (auto _ : state) {
    const KernelStats ks = kernel_verify(w);
    if (!ks.error.empty()) {
      state.SkipWithError(ks.error.c_str());
      return;
    }
    processed = ks.processed;
    state.SetIterationTime(static_cast<double>(ks.usec) * 1e-6);
  }
  state.counters["processed_insns"] = processed;
}

int kernel_verify_iterations() { return kKernelLoads; }

}  // namespace bench
