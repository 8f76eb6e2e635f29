// Engines for syscall programs (syscall_benchmarks.h): hostbpf's Program::run, and the
// kernel's BPF_PROG_TEST_RUN timed from userspace.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "syscall_benchmarks.h"

namespace bench {
namespace {

std::string path_of(const SyscallProg& p) { return std::string(HOSTBPF_BENCH_OBJ_DIR) + "/" + p.object; }
std::string key_of(const SyscallProg& p) { return std::string(p.object) + ":" + p.program; }

std::string errno_text(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }

std::string check_result(const char* engine, const SyscallProg& p, uint64_t got) {
  if (p.expected < 0 || static_cast<uint32_t>(got) == static_cast<uint32_t>(p.expected))
    return {};
  return std::string(engine) + " " + p.program + " returned " + std::to_string(static_cast<uint32_t>(got)) +
         ", expected " + std::to_string(p.expected);
}

// The programs ignore their context; the kernel copies in whatever is given.
uint64_t g_ctx[8];

LoadedSyscallProg load_hostbpf(hostbpf::Runtime& rt, const SyscallProg& p) {
  LoadedSyscallProg l;
  auto obj = rt.open(path_of(p));
  if (!obj) {
    l.error = obj.error().message();
    return l;
  }
  l.obj = *obj;
  for (auto& prog : l.obj.programs())
    if (auto err = prog.set_autoload(prog.name() == p.program)) {
      l.error = err.message();
      return l;
    }
  if (auto err = l.obj.load()) {
    l.error = err.message() + (err.log().empty() ? "" : "\n" + err.log());
    return l;
  }
  auto prog = l.obj.program(p.program);
  if (!prog) {
    l.error = prog.error().message();
    return l;
  }
  l.prog = *prog;
  l.error = check_result("hostbpf", p, l.prog.run(g_ctx));
  return l;
}

struct KernelLoaded {
  bpf_object* obj = nullptr;
  int prog_fd = -1;
  std::string error;
  ~KernelLoaded() { bpf_object__close(obj); }
};

int kernel_test_run(int fd, uint32_t* retval) {
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = g_ctx, .ctx_size_in = sizeof g_ctx);
  if (bpf_prog_test_run_opts(fd, &opts) != 0)
    return -errno;
  *retval = opts.retval;
  return 0;
}

std::unique_ptr<KernelLoaded> load_kernel(const SyscallProg& p) {
  auto l = std::make_unique<KernelLoaded>();
  libbpf_set_print([](enum libbpf_print_level, const char*, va_list) { return 0; });
  const std::string path = path_of(p);
  l->obj = bpf_object__open_file(path.c_str(), nullptr);
  if (!l->obj) {
    l->error = "opening " + path + ": " + errno_text(errno);
    return l;
  }
  // Only this program: its siblings may call host kfuncs the kernel lacks.
  bpf_program* prog;
  bpf_object__for_each_program(prog, l->obj) bpf_program__set_autoload(prog, std::strcmp(bpf_program__name(prog), p.program) == 0);
  if (int err = bpf_object__load(l->obj)) {
    l->error = (err == -EPERM || err == -EACCES ? "bpf() not permitted: " : "loading into the kernel: ") +
               errno_text(-err);
    return l;
  }
  l->prog_fd = bpf_program__fd(bpf_object__find_program_by_name(l->obj, p.program));
  uint32_t retval = 0;
  if (int err = kernel_test_run(l->prog_fd, &retval)) {
    l->error = (err == -EPERM ? "bpf() not permitted: " : "test_run: ") + errno_text(-err);
    return l;
  }
  l->error = check_result("kernel", p, retval);
  return l;
}

}  // namespace

void report_per_item(benchmark::State& state, uint64_t items_per_iteration) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items_per_iteration));
  state.counters["per_item"] =
      benchmark::Counter(static_cast<double>(items_per_iteration),
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void run_hostbpf_syscall(benchmark::State& state, SyscallRuntime& r, const SyscallProg& p) {
  // Loaded once: Google Benchmark calls this several times.
  auto it = r.loaded.find(key_of(p));
  if (it == r.loaded.end())
    it = r.loaded.emplace(key_of(p), load_hostbpf(r.rt, p)).first;
  const LoadedSyscallProg& l = it->second;
  if (!l.error.empty()) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  for (auto _ : state) {
    uint64_t r = l.prog.run(g_ctx);
    benchmark::DoNotOptimize(r);
  }
  report_per_item(state, p.items);
}

void run_kernel_syscall(benchmark::State& state, const SyscallProg& p) {
  static std::map<std::string, std::unique_ptr<KernelLoaded>> cache;
  auto& slot = cache[key_of(p)];
  if (!slot)
    slot = load_kernel(p);
  const KernelLoaded& l = *slot;
  if (!l.error.empty()) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  for (auto _ : state) {
    uint32_t retval = 0;
    const auto start = std::chrono::steady_clock::now();
    int err = kernel_test_run(l.prog_fd, &retval);
    const auto end = std::chrono::steady_clock::now();
    if (err) {
      state.SkipWithError(("test_run: " + errno_text(-err)).c_str());
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
  }
  report_per_item(state, p.items);
}

}  // namespace bench
