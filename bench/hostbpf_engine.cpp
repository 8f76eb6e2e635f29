// The hostbpf engines: the same .bpf.o opened, loaded and run through the public
// API. /interp times Program::run(ctx), the hot path a host calls; /test_run
// times Program::test_run() with repeat = 1 per call, i.e. what one
// BPF_PROG_TEST_RUN-style call costs a host (packet copy in and out, xdp_md set
// up, result object), to show the API's overhead over the hot path.
#include <linux/bpf.h>

#include <cerrno>
#include <map>
#include <memory>
#include <string>

#include "bench/bpf/bench_params.h"
#include "hostbpf/hostbpf.h"
#include "workloads.h"

namespace bench {
namespace {

struct Loaded {
  hostbpf::Object obj;
  hostbpf::Program prog;
  std::string error;  // non-empty: this workload cannot run
};

// One runtime and one loaded copy of each workload per Exec, so the engines
// never share map contents.
struct Engine {
  hostbpf::Runtime rt;  // declared first: destroyed after every object it made
  std::map<std::string, Loaded> cache;
};

Engine& engine(Exec exec) {
  static std::unique_ptr<Engine> engines[2];  // made on first use
  auto& e = engines[static_cast<int>(exec)];
  if (!e)
    e = std::make_unique<Engine>();
  return *e;
}

/// How Object::load is asked for `exec`; empty error when it can be.
hostbpf::Error load_options(Exec exec, hostbpf::LoadOptions* opts) {
  *opts = {};
  if (exec == Exec::Jit)  // the public API has no JIT switch yet
    return hostbpf::Error(-ENOTSUP, "hostbpf's JIT cannot be selected through the public API yet");
  return {};
}

std::string fill_map(const hostbpf::Object& obj, const Workload& w) {
  if (w.fill == Fill::None)
    return {};
  auto map = obj.map(w.map);
  if (!map)
    return map.error().message();
  for (uint32_t k = 0; k < BENCH_MAP_ENTRIES; ++k)
    if (auto err = map->update(k, bench_value_for_key(k)))
      return "filling " + std::string(w.map) + ": " + err.message();
  return {};
}

constexpr size_t kPacketSize = 64;
const uint8_t g_packet[kPacketSize] = {};
// The programs never read their ctx; Program::run still gets a well-formed one.
hostbpf::XdpContext g_ctx{};

Loaded load(Exec exec, const Workload& w) {
  Loaded l;
  auto obj = engine(exec).rt.open(object_path(w));
  if (!obj) {
    l.error = obj.error().message();
    return l;
  }
  l.obj = *obj;
  hostbpf::LoadOptions opts;
  if (auto err = load_options(exec, &opts)) {
    l.error = err.message();
    return l;
  }
  if (auto err = l.obj.load(opts)) {
    l.error = err.message() + (err.log().empty() ? "" : "\n" + err.log());
    return l;
  }
  auto prog = l.obj.program(w.program);
  if (!prog) {
    l.error = prog.error().message();
    return l;
  }
  l.prog = *prog;
  if (l.error = fill_map(l.obj, w); !l.error.empty())
    return l;
  uint32_t got = static_cast<uint32_t>(l.prog.run(&g_ctx));
  if (uint32_t want = expected_result(w); got != want)
    l.error = "hostbpf returned " + std::to_string(got) + ", native " + std::to_string(want);
  return l;
}

const Loaded& loaded(Exec exec, const Workload& w) {
  auto& cache = engine(exec).cache;
  auto it = cache.find(w.name);
  if (it == cache.end())
    it = cache.emplace(w.name, load(exec, w)).first;
  return it->second;
}

}  // namespace

void run_hostbpf(benchmark::State& state, const Workload& w, Exec exec) {
  const Loaded& l = loaded(exec, w);
  if (!l.error.empty()) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  const hostbpf::Program& prog = l.prog;
  for (auto _ : state) {
    uint64_t r = prog.run(&g_ctx);
    benchmark::DoNotOptimize(r);
  }
  report_items(state, w);
}

void run_hostbpf_test_run(benchmark::State& state, const Workload& w, Exec exec) {
  const Loaded& l = loaded(exec, w);
  if (!l.error.empty()) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  const hostbpf::TestRunOptions opts{.data_in = g_packet, .data_size_in = kPacketSize, .repeat = 1};
  for (auto _ : state) {
    auto r = l.prog.test_run(opts);
    if (!r) {
      state.SkipWithError(r.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->retval);
  }
  report_items(state, w);
}

}  // namespace bench
