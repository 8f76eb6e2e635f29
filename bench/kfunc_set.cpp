// kfunc ID sets (src/kfunc/kfunc_set.h, internal C++: there is no kernel
// column, the kernel does this work only at boot and module load): the cost of
// registering 256-entry sets and of the verifier's lookup of a kfunc by id.
//
//   kfunc_set/register_256_per_hook    one set of 256 FUNCs on every hook; item = one registration
//   kfunc_set/register_256_sets_of_1   256 sets of one FUNC into the syscall hook, as a host
//                                      adding kfuncs one by one does; item = one registration
//   kfunc_set/lookup_common            the kfunc is in COMMON (found by the first search)
//   kfunc_set/lookup_hook              COMMON is searched and misses, then the syscall hook hits
//   kfunc_set/lookup_hook_filtered     as lookup_hook, and the hook's filter (returns 0) runs
// Each iteration of a registration case starts from a new KfuncRegistry (a
// hook holds at most 256); its construction is in the time and is small.
#include <linux/bpf.h>

#include <memory>
#include <string>
#include <vector>

#include "btf/builder.h"
#include "btf/host_types.h"
#include "syscall_benchmarks.h"
#include "kfunc/kfunc_set.h"

namespace bench {
namespace {

namespace k = hostbpf::kfunc;
using hostbpf::ProgType;
using hostbpf::kNumProgTypes;
namespace prog_types = hostbpf::prog_types;

constexpr size_t kFuncs = k::KfuncRegistry::kMaxPerHook;  // 256

// Host BTF holding 256 FUNCs "bench_kfunc_<i>" (u64 (u64, u64)), registered as an owner.
struct World {
  k::Owner host;
  std::vector<uint32_t> ids;
  std::string error;

  World() {
    hostbpf::btf::BtfBuilder b;
    hostbpf::btf::add_standard_types(b);
    const uint32_t u64 = b.int_type("long long unsigned int", 8, false);
    const uint32_t proto = b.func_proto(u64, {{"a", u64}, {"b", u64}});
    for (size_t i = 0; i < kFuncs; i++)
      ids.push_back(b.func("bench_kfunc_" + std::to_string(i), proto));
    auto btf = b.finish();
    if (!btf.ok())
      error = "building the BTF: " + btf.error().message();
    else
      host = {"vmlinux", *btf, false};
  }
  k::KfuncIdSet set_of(size_t first, size_t n, k::Filter filter = nullptr) const {
    k::KfuncIdSet s{k::BTF_SET8_KFUNCS, {}, std::move(filter)};
    for (size_t i = first; i < first + n; i++)
      s.set.push_back({ids[i], 0});
    return s;
  }
};

const World& world() {
  static std::unique_ptr<World> w = std::make_unique<World>();
  return *w;
}

// One program type for each hook but COMMON (the first that maps to it).
std::vector<ProgType> one_prog_type_per_hook() {
  std::vector<ProgType> types;
  std::vector<bool> seen(k::kNumKfuncHooks, false);
  seen[static_cast<int>(k::KfuncHook::Common)] = true;
  for (uint32_t v = 1; v < kNumProgTypes; v++) {
    const ProgType t = static_cast<ProgType>(v);
    const k::KfuncHook h = prog_types::kfunc_hook(t);
    if (h != k::KfuncHook::Max && !seen[static_cast<int>(h)]) {
      seen[static_cast<int>(h)] = true;
      types.push_back(t);
    }
  }
  return types;
}

bool usable(benchmark::State& state, const World& w) {
  if (w.error.empty())
    return true;
  state.SkipWithError(w.error.c_str());
  return false;
}

void register_256_per_hook(benchmark::State& state) {
  const World& w = world();
  if (!usable(state, w))
    return;
  const std::vector<ProgType> types = one_prog_type_per_hook();
  const k::KfuncIdSet set = w.set_of(0, kFuncs);
  for (auto _ : state) {
    k::KfuncRegistry reg;
    reg.add_owner(&w.host);
    for (ProgType t : types)
      if (auto err = reg.register_kfunc_id_set(&w.host, t, set)) {
        state.SkipWithError(err.message().c_str());
        return;
      }
    benchmark::DoNotOptimize(reg);
  }
  report_per_item(state, types.size());
  state.counters["hooks"] = static_cast<double>(types.size());
}

void register_256_sets_of_1(benchmark::State& state) {
  const World& w = world();
  if (!usable(state, w))
    return;
  std::vector<k::KfuncIdSet> sets;
  for (size_t i = 0; i < kFuncs; i++)
    sets.push_back(w.set_of(i, 1));
  for (auto _ : state) {
    k::KfuncRegistry reg;
    reg.add_owner(&w.host);
    for (const k::KfuncIdSet& s : sets)
      if (auto err = reg.register_kfunc_id_set(&w.host, ProgType::Syscall, s)) {
        state.SkipWithError(err.message().c_str());
        return;
      }
    benchmark::DoNotOptimize(reg);
  }
  report_per_item(state, kFuncs);
}

enum class Where { Common, Hook, HookFiltered };

// Looks up every one of the 256 ids in turn from a syscall program.
void lookup(benchmark::State& state, Where where) {
  const World& w = world();
  if (!usable(state, w))
    return;
  k::KfuncRegistry reg;
  reg.add_owner(&w.host);
  const ProgType prog_type = where == Where::Common ? ProgType::Unspec : ProgType::Syscall;
  k::Filter filter;
  if (where == Where::HookFiltered)
    filter = [](const k::ProgInfo& prog, uint32_t) { return prog.sleepable ? -1 : 0; };
  if (auto err = reg.register_kfunc_id_set(&w.host, prog_type, w.set_of(0, kFuncs, filter))) {
    state.SkipWithError(err.message().c_str());
    return;
  }
  const k::ProgInfo prog{ProgType::Syscall, 0, false, "bench"};
  for (auto _ : state) {
    for (uint32_t id : w.ids) {
      auto meta = reg.lookup(&w.host, id, prog);
      if (!meta) {
        state.SkipWithError(("kfunc id " + std::to_string(id) + " not found").c_str());
        return;
      }
      benchmark::DoNotOptimize(meta);
    }
  }
  report_per_item(state, kFuncs);
}

}  // namespace

void register_kfunc_set() {
  benchmark::RegisterBenchmark("kfunc_set/register_256_per_hook", register_256_per_hook)->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("kfunc_set/register_256_sets_of_1", register_256_sets_of_1)->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("kfunc_set/lookup_common", [](benchmark::State& s) { lookup(s, Where::Common); })
      ->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("kfunc_set/lookup_hook", [](benchmark::State& s) { lookup(s, Where::Hook); })
      ->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("kfunc_set/lookup_hook_filtered",
                               [](benchmark::State& s) { lookup(s, Where::HookFiltered); })
      ->MeasureProcessCPUTime();
}

}  // namespace bench
