// The soundness harness (soundness.h): worlds, fixups, the two runs and their
// comparison, and the reports.
#include "soundness.h"

#include <linux/bpf.h>
#include <sys/mman.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "base/cpu.h"
#include "base/rcu.h"
#include "exec/checked_interpreter.h"
#include "exec/executable.h"
#include "exec/fixup.h"
#include "hostbpf/context.h"
#include "helpers/helper.h"
#include "helpers/run_env.h"
#include "isa/disasm.h"
#include "isa/validate.h"
#include "maps/ringbuf.h"
#include "verifier/verifier.h"

namespace hostbpf::fuzz {

std::vector<uint8_t> seed_bytes(uint64_t seed, size_t n) {
  std::vector<uint8_t> out(n);
  uint64_t s = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
  for (size_t i = 0; i < n; i += 8) {
    s += 0x9e3779b97f4a7c15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    std::memcpy(out.data() + i, &z, std::min<size_t>(8, n - i));
  }
  return out;
}

namespace {

using isa::Insn;

class NullSink final : public helpers::TraceSink {
 public:
  void write(std::string_view) override {}
};

uint64_t next_rand(uint64_t& s) {
  s += 0x9e3779b97f4a7c15ull;
  uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Bytes that make useful offsets when loaded: zeros, small numbers, and
// sometimes anything.
void fill(uint8_t* p, size_t n, uint64_t& s) {
  static constexpr uint8_t kMasks[] = {0x00, 0x07, 0x0f, 0x3f, 0xff, 0x03, 0xff};
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t r = next_rand(s);
    const size_t end = std::min(n, i + 8);
    switch ((r >> 60) & 7) {
      case 0:  // extremes: all ones, the sign bit alone, the largest positive
        for (size_t j = i; j < end; j++) p[j] = (r & 1) ? 0xff : (j + 1 == i + 8) ? ((r & 2) ? 0x80 : 0x7f) : ((r & 2) ? 0 : 0xff);
        continue;
      default:
        break;
    }
    const uint8_t mask = kMasks[r % std::size(kMasks)];
    const bool first_only = (r >> 8) & 1;
    for (size_t j = i; j < end; j++)
      p[j] = (first_only && j != i) ? 0 : static_cast<uint8_t>((r >> (16 + 5 * (j - i))) & mask);
  }
}

struct World {
  std::vector<std::shared_ptr<maps::Map>> maps;
  std::vector<maps::Map*> raw;
};

// The maps of `specs`, filled from `seed`: array entries and hash keys 0..3
// (first key byte, the rest zero: the generator's keys).
std::optional<World> make_world(const std::vector<maps::MapSpec>& specs, uint64_t seed, std::string* err) {
  World w;
  uint64_t s = seed;
  for (const auto& spec : specs) {
    auto m = maps::create_map(spec);
    if (!m.ok()) {
      *err = m.error().message();
      return std::nullopt;
    }
    maps::Map* map = m->get();
    std::vector<uint8_t> value(map->sys_value_size());
    if (spec.type == BPF_MAP_TYPE_ARRAY || spec.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
      for (uint32_t i = 0; i < spec.max_entries; i++) {
        fill(value.data(), value.size(), s);
        map->sys_update(&i, value.data(), BPF_ANY);
      }
    } else if (spec.type == BPF_MAP_TYPE_HASH) {
      std::vector<uint8_t> key(spec.key_size, 0);
      for (uint8_t k = 0; k < 4; k++) {
        key[0] = k;
        fill(value.data(), value.size(), s);
        map->sys_update(key.data(), value.data(), BPF_NOEXIST);
      }
    }
    w.raw.push_back(map);
    w.maps.push_back(std::move(m.value()));
  }
  return w;
}

using XdpMd = struct xdp_md;
constexpr size_t kXdpHeadroom = 256;
constexpr size_t kXdpMaxData = 4096 - kXdpHeadroom - 320;

// XDP frames below 4 GiB, one per world, per thread: the checked interpreter
// runs the program as verified, before the context rewrite, on a struct
// xdp_md of 32-bit addresses; the fast one runs the fixed-up program on an
// XdpContext around the same frame.
uint8_t* xdp_frame(int which) {
  struct Frames {
    uint8_t* p[2] = {};
    Frames() {
      for (auto& f : p) {
        void* m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
        f = m == MAP_FAILED ? nullptr : static_cast<uint8_t*>(m);
      }
    }
    ~Frames() {
      for (auto* f : p)
        if (f) munmap(f, 4096);
    }
  };
  static thread_local Frames frames;
  return frames.p[which];
}

struct Input {
  std::vector<uint8_t> ctx;  // syscall
  std::vector<uint8_t> pkt;  // xdp: metadata then packet
  uint32_t meta = 0;
  uint64_t seed = 0;         // map contents
};

Input make_input(const GeneratedProgram& g, uint32_t max_ctx_offset, ByteSource& in) {
  Input x;
  x.seed = in.u32();
  uint64_t s = x.seed ^ 0x5bd1e995u;
  if (g.prog_type == ProgType::Xdp) {
    static constexpr uint32_t kMeta[] = {0, 0, 0, 4, 8, 32};
    x.meta = kMeta[in.below(std::size(kMeta))];
    static constexpr uint32_t kLens[] = {14, 15, 16, 20, 32, 33, 60, 64, 100, 128, 200, 256, 1500, 3000};
    // Packet checks are off by one or not at all: lengths at the constants the
    // program adds to packet pointers hit their boundaries.
    std::vector<uint32_t> consts;
    for (const auto& i : g.insns)
      if (i.code == (BPF_ALU64 | BPF_ADD | BPF_K) && i.imm >= 13 && i.imm < 3000) consts.push_back(static_cast<uint32_t>(i.imm));
    uint32_t len = in.chance(50) ? kLens[in.below(std::size(kLens))] : 14 + in.below(300);
    if (!consts.empty() && in.chance(50)) len = std::max<uint32_t>(14, consts[in.below(consts.size())] + in.below(3) - 1);
    len = std::min<uint32_t>(len, kXdpMaxData - x.meta);
    x.pkt.resize(x.meta + len);
    fill(x.pkt.data(), x.pkt.size(), s);
  } else {
    // At least what the verifier saw accessed (the runtime's rule), sometimes more.
    const uint32_t size = max_ctx_offset + (in.chance(70) ? 0 : in.below(64));
    x.ctx.resize(size);
    fill(x.ctx.data(), x.ctx.size(), s);
  }
  return x;
}

// One world with its ctx, ready to run.
struct Prepared {
  std::optional<World> world;
  std::vector<uint8_t> ctx_buf;
  XdpMd md{};
  XdpContext xdp;  // what the fixed-up program's ctx is
  uint8_t* frame = nullptr;
  uint64_t ctx = 0;
  uint64_t ctx_size = 0;
};

bool prepare(Prepared& p, const GeneratedProgram& g, const Input& x, int which, std::string* err) {
  p.world = make_world(g.maps, x.seed, err);
  if (!p.world) return false;
  if (g.prog_type == ProgType::Xdp) {
    p.frame = xdp_frame(which);
    if (!p.frame) {
      *err = "cannot map an XDP frame below 4 GiB";
      return false;
    }
    std::memset(p.frame, 0x5a, 4096);
    uint8_t* meta = p.frame + kXdpHeadroom;
    std::memcpy(meta, x.pkt.data(), x.pkt.size());
    auto low = [](const uint8_t* q) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(q)); };
    p.md = XdpMd{low(meta + x.meta), low(meta + x.pkt.size()), low(meta), 1, 0, 0};
    p.xdp.data = meta + x.meta;
    p.xdp.data_end = meta + x.pkt.size();
    p.xdp.data_meta = meta;
    p.xdp.ingress_ifindex = 1;
    p.ctx = reinterpret_cast<uint64_t>(&p.md);
    p.ctx_size = sizeof p.md;
  } else {
    p.ctx_buf = x.ctx;
    p.ctx = p.ctx_buf.empty() ? 0 : reinterpret_cast<uint64_t>(p.ctx_buf.data());
    p.ctx_size = p.ctx_buf.size();
  }
  return true;
}

std::string hex(const uint8_t* p, size_t n) {
  std::string s;
  char b[4];
  for (size_t i = 0; i < n; i++) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}

// Differences between the two worlds after the runs, or empty.
std::string compare_worlds(const GeneratedProgram& g, Prepared& a, Prepared& b, const Input& x) {
  if (g.prog_type == ProgType::Xdp) {
    const uint8_t* pa = a.frame + kXdpHeadroom;
    const uint8_t* pb = b.frame + kXdpHeadroom;
    if (std::memcmp(pa, pb, x.pkt.size()) != 0)
      return "packet differs:\n  checked: " + hex(pa, x.pkt.size()) + "\n  fast:    " + hex(pb, x.pkt.size());
  } else if (a.ctx_buf != b.ctx_buf) {
    return "ctx differs:\n  checked: " + hex(a.ctx_buf.data(), a.ctx_buf.size()) +
           "\n  fast:    " + hex(b.ctx_buf.data(), b.ctx_buf.size());
  }
  for (size_t m = 0; m < g.maps.size(); m++) {
    maps::Map* ma = a.world->raw[m];
    maps::Map* mb = b.world->raw[m];
    const maps::MapSpec& spec = g.maps[m];
    std::vector<uint8_t> va(ma->sys_value_size()), vb(mb->sys_value_size());
    auto diff = [&](const std::string& what) {
      return "map '" + spec.name + "' " + what + " differs:\n  checked: " + hex(va.data(), va.size()) +
             "\n  fast:    " + hex(vb.data(), vb.size());
    };
    if (spec.type == BPF_MAP_TYPE_ARRAY || spec.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
      for (uint32_t i = 0; i < spec.max_entries; i++) {
        ma->sys_lookup(&i, va.data());
        mb->sys_lookup(&i, vb.data());
        if (va != vb) return diff("entry " + std::to_string(i));
      }
    } else if (spec.type == BPF_MAP_TYPE_HASH) {
      std::vector<uint8_t> key(spec.key_size), next(spec.key_size);
      size_t na = 0, nb = 0;
      for (long r = ma->get_next_key(nullptr, next.data()); r == 0; r = ma->get_next_key(key.data(), next.data())) {
        key = next;
        na++;
        if (mb->sys_lookup(key.data(), vb.data()) != 0) return "map '" + spec.name + "': key " + hex(key.data(), key.size()) + " only in the checked run";
        ma->sys_lookup(key.data(), va.data());
        if (va != vb) return diff("key " + hex(key.data(), key.size()));
      }
      for (long r = mb->get_next_key(nullptr, next.data()); r == 0; r = mb->get_next_key(key.data(), next.data())) {
        key = next;
        nb++;
      }
      if (na != nb) return "map '" + spec.name + "': " + std::to_string(na) + " keys in the checked run, " + std::to_string(nb) + " in the fast one";
    } else if (spec.type == BPF_MAP_TYPE_RINGBUF) {
      std::vector<std::vector<uint8_t>> ra, rb;
      static_cast<maps::RingBuf*>(ma)->consume([&](const void* d, uint32_t n) {
        ra.emplace_back(static_cast<const uint8_t*>(d), static_cast<const uint8_t*>(d) + n);
        return 0;
      });
      static_cast<maps::RingBuf*>(mb)->consume([&](const void* d, uint32_t n) {
        rb.emplace_back(static_cast<const uint8_t*>(d), static_cast<const uint8_t*>(d) + n);
        return 0;
      });
      if (ra != rb) return "ringbuf records differ (" + std::to_string(ra.size()) + " vs " + std::to_string(rb.size()) + ")";
    }
  }
  return {};
}

std::string normalize(const std::string& msg) {
  std::string s;
  for (size_t i = 0; i < msg.size() && s.size() < 90; i++) {
    const char c = msg[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (s.empty() || s.back() != 'N') s += 'N';
      while (i + 1 < msg.size() && (std::isxdigit(static_cast<unsigned char>(msg[i + 1])) || msg[i + 1] == 'x')) i++;
    } else {
      s += c;
    }
  }
  return s;
}


std::string disassemble(const GeneratedProgram& g) {
  isa::DisasmNames names;
  names.helper = [](int32_t id) -> std::string {
    const char* n = helpers::helper_name(id);
    return n ? n : std::string();
  };
  names.lddw = [&g](const Insn* pair) -> std::string {
    const auto idx = static_cast<uint32_t>(pair[0].imm);
    const std::string name = idx < g.maps.size() ? g.maps[idx].name : "?";
    if (pair->src_reg == BPF_PSEUDO_MAP_IDX) return "map[" + name + "]";
    if (pair->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) return "map[" + name + "][0]+" + std::to_string(pair[1].imm);
    return {};
  };
  return isa::disasm_program(g.insns, names);
}

// The program as C++ initialisers, for turning a finding into a regression test.
std::string raw_insns(const GeneratedProgram& g) {
  std::string s;
  char b[96];
  for (const Insn& i : g.insns) {
    std::snprintf(b, sizeof b, "  I(0x%02x, %d, %d, %d, %d),\n", i.code, i.dst_reg, i.src_reg, i.off, i.imm);
    s += b;
  }
  return s;
}

std::string truncate_log(const std::string& log, size_t max_lines) {
  size_t lines = static_cast<size_t>(std::count(log.begin(), log.end(), '\n'));
  if (lines <= max_lines) return log;
  size_t pos = 0;
  for (size_t i = 0; i < max_lines / 2; i++) pos = log.find('\n', pos) + 1;
  size_t tail = log.size();
  for (size_t i = 0; i < max_lines / 2 + 1; i++) tail = log.rfind('\n', tail - 1);
  return log.substr(0, pos) + "... (" + std::to_string(lines - max_lines) + " lines omitted)\n" + log.substr(tail + 1);
}

std::string report(const char* what, const GeneratedProgram& g, const Input& x, const std::string& detail) {
  std::string s = "==== hostbpf soundness: ";
  s += what;
  s += " ====\n" + detail + "\n\nprog type: " + hostbpf::prog_type_name(g.prog_type) + "\nmaps:\n";
  for (size_t i = 0; i < g.maps.size(); i++) {
    const auto& m = g.maps[i];
    s += "  [" + std::to_string(i) + "] " + m.name + ": type " + std::to_string(m.type) + " key " +
         std::to_string(m.key_size) + " value " + std::to_string(m.value_size) + " entries " +
         std::to_string(m.max_entries) + " flags " + std::to_string(m.map_flags) + "\n";
  }
  s += "input: map seed " + std::to_string(x.seed);
  if (g.prog_type == ProgType::Xdp)
    s += ", packet " + std::to_string(x.pkt.size() - x.meta) + " bytes, metadata " + std::to_string(x.meta) + "\n";
  else
    s += ", ctx (" + std::to_string(x.ctx.size()) + " bytes) " + hex(x.ctx.data(), std::min<size_t>(x.ctx.size(), 64)) + "\n";
  s += "\nprogram (" + std::to_string(g.insns.size()) + " insns):\n" + disassemble(g);
  s += "\nraw:\n" + raw_insns(g);
  verifier::VerifyInput vin;
  vin.insns = g.insns;
  vin.prog_type = g.prog_type;
  vin.maps = g.maps;
  vin.log_level = 2;
  auto v = verifier::verify(vin);
  s += "\nverifier log (level 2):\n" + truncate_log(v.ok() ? v->log : v.error().log(), 4000);
  return s;
}

}  // namespace

std::string SoundnessStats::summary(size_t top) const {
  char b[512];
  std::snprintf(b, sizeof b,
                "programs %llu, accepted %llu (%.1f%%, %.1f insns on average), checked runs %llu, compared with the "
                "interpreter %llu, address-dependent %llu, insn limit %llu, unsupported %llu\n",
                static_cast<unsigned long long>(programs), static_cast<unsigned long long>(accepted),
                100.0 * acceptance(), accepted ? static_cast<double>(accepted_insns) / static_cast<double>(accepted) : 0.0,
                static_cast<unsigned long long>(runs), static_cast<unsigned long long>(compared),
                static_cast<unsigned long long>(address_dependent), static_cast<unsigned long long>(insn_limit),
                static_cast<unsigned long long>(unsupported));
  std::string s = b;
  auto top_of = [&](const std::map<std::string, uint64_t>& m, const char* title) {
    std::vector<std::pair<uint64_t, std::string>> v;
    for (const auto& [k, n] : m) v.emplace_back(n, k);
    std::sort(v.rbegin(), v.rend());
    s += title;
    for (size_t i = 0; i < v.size() && i < top; i++) s += "  " + std::to_string(v[i].first) + "  " + v[i].second + "\n";
  };
  top_of(rejections, "top rejections:\n");
  top_of(accepted_features, "features of accepted programs:\n");
  top_of(dependence, "why runs were address-dependent:\n");
  return s;
}

SoundnessChecker::SoundnessChecker() : SoundnessChecker(Options{}) {}
SoundnessChecker::SoundnessChecker(Options opts) : opts_(opts) {}

std::optional<std::string> SoundnessChecker::check(std::span<const uint8_t> data) {
  ByteSource src(data);
  GeneratedProgram g = generate_program(src);
  return check_program(g, src);
}

std::optional<std::string> SoundnessChecker::check_program(const GeneratedProgram& g, ByteSource& in) {
  stats.programs++;
  if (Error e = isa::validate_program(g.insns)) {
    stats.rejections["(isa) " + normalize(e.message())]++;
    return std::nullopt;
  }
  verifier::VerifyInput vin;
  vin.insns = g.insns;
  vin.prog_type = g.prog_type;
  vin.maps = g.maps;
  auto verdict = verifier::verify(vin);
  if (!verdict.ok()) {
    stats.rejections[normalize(verdict.error().message())]++;
    return std::nullopt;
  }
  stats.accepted++;
  stats.accepted_insns += g.insns.size();
  for (const auto& f : g.features) stats.accepted_features[f]++;

  static NullSink sink;
  static const helpers::RunEnv env{&sink};
  if (current_cpu() == kNoCpu) return std::string("no CPU slot for this thread");

  // Programs whose offsets come from input values need more inputs to reach
  // the extremes of their ranges.
  int runs = opts_.runs_per_program;
  for (const auto& f : g.features)
    if (f == "expr" || f == "spill_games" || f == "join" || f == "var_access" || f == "packet_var") runs = runs * 2 + 2;
  runs = std::min(runs, 4 * opts_.runs_per_program);
  for (int run = 0; run < runs; run++) {
    const Input x = make_input(g, verdict->stats.max_ctx_offset, in);
    std::string err;
    Prepared a, b;
    if (!prepare(a, g, x, 0, &err) || !prepare(b, g, x, 1, &err)) return report("harness error", g, x, err);

    exec::CheckedOptions copts;
    copts.prog_type = g.prog_type;
    copts.maps = a.world->raw;
    if (opts_.check_stack_depth) copts.stack_depth = verdict->stats.stack_depth;
    // The loader's form: map references by index into copts.maps.
    auto checked = exec::CheckedProgram::create(g.insns, copts);
    if (!checked.ok()) return report("harness error", g, x, checked.error().message());
    exec::CheckedResult res;
    {
      rcu::ReadLock lock;
      helpers::EnvScope scope(&env);
      res = (*checked)->run({a.ctx, a.ctx_size});
    }
    stats.runs++;
    switch (res.status) {
      case exec::CheckedResult::Status::Violation:
        return report("VERIFIER BUG (memory safety violation in an accepted program)", g, x,
                      res.violation->to_string());
      case exec::CheckedResult::Status::InsnLimit:
        stats.insn_limit++;
        continue;
      case exec::CheckedResult::Status::Unsupported:
        stats.unsupported++;
        continue;
      case exec::CheckedResult::Status::Ok:
        break;
    }
    if (res.address_dependent) {
      stats.address_dependent++;
      stats.dependence[res.address_dependence]++;
      continue;
    }
    if (!opts_.compare_with_interpreter) continue;

    // The fast side goes the runtime's way: the fixup stage, from the
    // verifier's facts, then the interpreter.
    exec::FixupInput fin;
    fin.insns = g.insns;
    fin.facts = verdict->facts;
    fin.prog_type = g.prog_type;
    fin.maps = b.world->raw;
    fin.exec.compat.prog_type = g.prog_type;
    fin.exec.name = "soundness";
    auto prepared = exec::fixup(fin);
    if (!prepared.ok()) return report("FIXUP REFUSED a verified program", g, x, prepared.error().message());
    auto fast = exec::make_interpreter(*prepared);
    if (!fast.ok()) return report("INTERPRETER REFUSED a verified program", g, x, fast.error().message());
    const uint64_t fast_ctx = g.prog_type == ProgType::Xdp ? reinterpret_cast<uint64_t>(&b.xdp) : b.ctx;
    uint64_t r0 = 0;
    {
      rcu::ReadLock lock;
      helpers::EnvScope scope(&env);
      r0 = (*fast)->run(fast_ctx);
    }
    stats.compared++;
    std::string diff;
    if (r0 != res.r0) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "R0: checked 0x%llx, fast interpreter 0x%llx", static_cast<unsigned long long>(res.r0),
                    static_cast<unsigned long long>(r0));
      diff = buf;
    } else {
      diff = compare_worlds(g, a, b, x);
    }
    if (!diff.empty()) return report("ORACLE MISMATCH (checked vs fast interpreter)", g, x, diff);
  }
  return std::nullopt;
}

}  // namespace hostbpf::fuzz
