// The checked interpreter (checked_interpreter.h): one Run per run() call holds
// the registers with their provenance, the call frames with their stacks, and
// every region the run has been given access to.
#include "exec/checked_interpreter.h"

#include <linux/bpf.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "exec/executable.h"
#include "base/nofault.h"
#include "helpers/helper.h"
#include "isa/opcode_table.h"
#include "maps/ringbuf.h"
#include "base/strprintf.h"

namespace hostbpf::exec {

const char* region_kind_name(RegionKind k) {
  switch (k) {
    case RegionKind::Stack: return "stack";
    case RegionKind::Ctx: return "ctx";
    case RegionKind::MapValue: return "map value";
    case RegionKind::Packet: return "packet";
    case RegionKind::PacketMeta: return "packet metadata";
    case RegionKind::Ringbuf: return "ringbuf record";
    case RegionKind::Object: return "object";
    case RegionKind::Host: return "host memory";
  }
  return "?";
}

const char* violation_kind_name(ViolationKind k) {
  switch (k) {
    case ViolationKind::OutOfBounds: return "out-of-bounds access";
    case ViolationKind::NotAPointer: return "dereference of a non-pointer";
    case ViolationKind::ReadOnly: return "write to read-only memory";
    case ViolationKind::Forbidden: return "forbidden access";
    case ViolationKind::Misaligned: return "misaligned atomic";
    case ViolationKind::HelperArg: return "bad helper argument";
    case ViolationKind::UninitRegister: return "read of an uninitialised register";
    case ViolationKind::FramePointerWrite: return "write to the frame pointer";
    case ViolationKind::CallDepth: return "call stack too deep";
    case ViolationKind::BadControlFlow: return "bad control flow";
    case ViolationKind::ReferenceLeak: return "reference leak";
    case ViolationKind::CallbackReturn: return "bad callback return value";
  }
  return "?";
}

namespace {

}  // namespace

std::string Violation::to_string() const {
  std::string s = base::strprintf("%s at insn %d", violation_kind_name(kind), insn);
  if (size) s += base::strprintf(": %s of %llu bytes at 0x%llx", write ? "write" : "read", static_cast<unsigned long long>(size),
                        static_cast<unsigned long long>(addr));
  if (!detail.empty()) s += " (" + detail + ")";
  if (nearest) {
    const MemRegion& r = *nearest;
    const auto off = static_cast<long long>(addr - r.start);
    s += base::strprintf("; region: %s [0x%llx, +%llu)%s%s, access at offset %lld", r.name.c_str(),
                static_cast<unsigned long long>(r.start), static_cast<unsigned long long>(r.size),
                r.writable ? "" : " read-only", r.live ? "" : " no longer live", off);
    if (size && off >= 0 && static_cast<uint64_t>(off) + size > r.size)
      s += base::strprintf(" (%llu bytes past the end)", static_cast<unsigned long long>(off + size - r.size));
  }
  return s;
}

namespace {

using isa::Insn;

constexpr uint32_t kShadowPlain = 0;   // a function of the inputs
constexpr uint32_t kShadowUninit = 1;  // never written: whatever was there
constexpr uint32_t kFirstRecord = 2;   // shadow values from here index Run::records_

/// What a value is, besides its bits: a pointer into region `alloc` (0: not a
/// pointer), and whether it depends on addresses or uninitialised memory.
struct Taint {
  uint32_t alloc = 0;
  bool nondet = false;
  bool tainted() const { return alloc != 0 || nondet; }
};
constexpr Taint kPlain{};
constexpr Taint kNondet{0, true};

struct Region {
  MemRegion info;
  uint32_t group = 0;            // regions placed at fixed distances (packet and metadata)
  std::vector<uint32_t> shadow;  // per byte; empty means all plain
};

/// A tainted value stored to memory: loading exactly it back gives its taint.
struct Record {
  Taint taint;
  uint64_t addr;
  uint64_t size;
};

struct Regs {
  uint64_t v[isa::kNumRegs] = {};
  Taint t[isa::kNumRegs] = {};
  bool init[isa::kNumRegs] = {};
};

struct Frame {
  int32_t ret_pc = -1;  // -1: the first frame of an activation (program or callback)
  uint32_t subprog = 0;
  uint32_t stack_alloc = 0;
  std::unique_ptr<uint8_t[]> stack;
  uint64_t saved[4] = {};
  Taint saved_t[4] = {};
  bool saved_init[4] = {};
};

class Run;

/// What LDDW BPF_PSEUDO_FUNC loads: bpf_loop (the real helper) calls back into
/// the checked interpreter through it.
struct CheckedCallback : helpers::Callback {
  Run* run = nullptr;
  int32_t start = 0;
  Taint ctx_taint;  // R3 of the bpf_loop call running it (R2 of each iteration)
};

enum class Access : uint8_t { Read, Write, Atomic, HelperRead, HelperWrite };

bool is_write(Access a) { return a == Access::Write || a == Access::Atomic || a == Access::HelperWrite; }

uint32_t u32(uint64_t v) { return static_cast<uint32_t>(v); }
uint64_t sext(int64_t v) { return static_cast<uint64_t>(v); }

// RFC 9669 ALU semantics (the fast interpreter's, without its decode-time
// rewrites): division by zero gives 0, modulo by zero leaves dst, INT_MIN / -1
// wraps, shift counts are masked, 32-bit results are zero-extended.
uint64_t alu64(uint8_t op, uint64_t d, uint64_t s, int16_t off) {
  const bool sgn = off == 1;
  switch (op) {
    case BPF_ADD: return d + s;
    case BPF_SUB: return d - s;
    case BPF_MUL: return d * s;
    case BPF_OR: return d | s;
    case BPF_AND: return d & s;
    case BPF_XOR: return d ^ s;
    case BPF_LSH: return d << (s & 63);
    case BPF_RSH: return d >> (s & 63);
    case BPF_ARSH: return sext(static_cast<int64_t>(d) >> (s & 63));
    case BPF_NEG: return 0 - d;
    case BPF_DIV:
      if (s == 0) return 0;
      if (!sgn) return d / s;
      if (static_cast<int64_t>(s) == -1) return 0 - d;
      return sext(static_cast<int64_t>(d) / static_cast<int64_t>(s));
    case BPF_MOD:
      if (s == 0) return d;
      if (!sgn) return d % s;
      if (static_cast<int64_t>(s) == -1) return 0;
      return sext(static_cast<int64_t>(d) % static_cast<int64_t>(s));
    case BPF_MOV:
      switch (off) {
        case 8: return sext(static_cast<int8_t>(s));
        case 16: return sext(static_cast<int16_t>(s));
        case 32: return sext(static_cast<int32_t>(s));
        default: return s;
      }
  }
  return d;
}

uint64_t alu32(uint8_t op, uint32_t d, uint32_t s, int16_t off) {
  const bool sgn = off == 1;
  const auto sd = static_cast<int32_t>(d), ss = static_cast<int32_t>(s);
  switch (op) {
    case BPF_ADD: return u32(d + s);
    case BPF_SUB: return u32(d - s);
    case BPF_MUL: return u32(d * s);
    case BPF_OR: return d | s;
    case BPF_AND: return d & s;
    case BPF_XOR: return d ^ s;
    case BPF_LSH: return u32(d << (s & 31));
    case BPF_RSH: return d >> (s & 31);
    case BPF_ARSH: return u32(sd >> (s & 31));
    case BPF_NEG: return u32(0u - d);
    case BPF_DIV:
      if (s == 0) return 0;
      if (!sgn) return d / s;
      if (ss == -1) return u32(0u - d);
      return u32(sd / ss);
    case BPF_MOD:
      if (s == 0) return d;
      if (!sgn) return d % s;
      if (ss == -1) return 0;
      return u32(sd % ss);
    case BPF_MOV:
      switch (off) {
        case 8: return u32(static_cast<int32_t>(static_cast<int8_t>(s)));
        case 16: return u32(static_cast<int32_t>(static_cast<int16_t>(s)));
        default: return s;
      }
  }
  return d;
}

bool cond64(uint8_t op, uint64_t a, uint64_t b) {
  const auto sa = static_cast<int64_t>(a), sb = static_cast<int64_t>(b);
  switch (op) {
    case BPF_JEQ: return a == b;
    case BPF_JNE: return a != b;
    case BPF_JGT: return a > b;
    case BPF_JGE: return a >= b;
    case BPF_JLT: return a < b;
    case BPF_JLE: return a <= b;
    case BPF_JSGT: return sa > sb;
    case BPF_JSGE: return sa >= sb;
    case BPF_JSLT: return sa < sb;
    case BPF_JSLE: return sa <= sb;
    case BPF_JSET: return (a & b) != 0;
  }
  return false;
}

bool cond32(uint8_t op, uint32_t a, uint32_t b) {
  const auto sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
  switch (op) {
    case BPF_JSGT: return sa > sb;
    case BPF_JSGE: return sa >= sb;
    case BPF_JSLT: return sa < sb;
    case BPF_JSLE: return sa <= sb;
    default: return cond64(op, a, b);
  }
}

uint64_t byte_swap(uint64_t v, int32_t bits) {
  switch (bits) {
    case 16: return __builtin_bswap16(static_cast<uint16_t>(v));
    case 32: return __builtin_bswap32(u32(v));
    default: return __builtin_bswap64(v);
  }
}

uint64_t truncate(uint64_t v, int32_t bits) {
  switch (bits) {
    case 16: return static_cast<uint16_t>(v);
    case 32: return u32(v);
    default: return v;
  }
}

// Nondeterministic helpers: their results are not a function of the inputs.
bool nondeterministic_helper(int32_t id) {
  return id == BPF_FUNC_ktime_get_ns || id == BPF_FUNC_ktime_get_boot_ns || id == BPF_FUNC_get_prandom_u32;
}

// The oracle runs an XDP program as verified, before the context rewrite: its
// ctx is a struct xdp_md whose 32-bit packet addresses the caller placed
// below 4 GiB (the soundness fuzzer does).
using XdpMd = struct xdp_md;

class Run {
 public:
  Run(const CheckedProgram& prog, const CheckedInput& in) : prog_(prog), opts_(prog.options()), in_(in) {
    insns_ = prog.insns();
    regions_.emplace_back();  // alloc 0: "not a pointer"
  }

  CheckedResult execute();
  uint64_t invoke_callback(CheckedCallback* cb, uint64_t index, uint64_t ctx);

 private:
  // ---- stopping ----
  bool stopped() const { return stopped_; }
  void stop(CheckedResult::Status s) {
    if (!stopped_) res_.status = s;
    stopped_ = true;
  }
  bool violation(ViolationKind kind, int32_t pc, std::string detail, uint64_t addr = 0, uint64_t size = 0,
                 bool write = false, const Region* region = nullptr) {
    if (stopped_) return false;
    Violation v;
    v.kind = kind;
    v.insn = pc;
    v.addr = addr;
    v.size = size;
    v.write = write;
    v.detail = std::move(detail);
    if (region) v.nearest = region->info;
    else if (size) v.nearest = nearest_region(addr, size);
    res_.violation = std::move(v);
    stop(CheckedResult::Status::Violation);
    return false;
  }
  void depend(int32_t pc, const char* why) {
    if (res_.address_dependent) return;
    res_.address_dependent = true;
    res_.address_dependence = why;
    res_.address_dependence_insn = pc;
  }

  // ---- regions ----
  uint32_t add_region(RegionKind kind, uint64_t start, uint64_t size, bool writable, std::string name,
                      uint32_t shadow_init = kShadowPlain) {
    Region r;
    r.info = MemRegion{kind, start, size, writable, true, std::move(name)};
    r.group = static_cast<uint32_t>(regions_.size());
    if (shadow_init != kShadowPlain) r.shadow.assign(size, shadow_init);
    regions_.push_back(std::move(r));
    return static_cast<uint32_t>(regions_.size() - 1);
  }
  std::optional<MemRegion> nearest_region(uint64_t addr, uint64_t size) const {
    const Region* best = nullptr;
    uint64_t best_dist = UINT64_MAX;
    for (size_t i = 1; i < regions_.size(); i++) {
      const MemRegion& r = regions_[i].info;
      if (r.kind == RegionKind::Object || r.kind == RegionKind::Host) continue;
      uint64_t dist = 0;
      if (addr + size <= r.start) dist = r.start - (addr + size);
      else if (addr >= r.start + r.size) dist = addr - (r.start + r.size);
      if (dist < best_dist) best_dist = dist, best = &regions_[i];
    }
    if (!best) return std::nullopt;
    return best->info;
  }
  uint32_t map_value_region(maps::Map* m, uint64_t addr, RegionKind kind) {
    auto it = value_allocs_.find(addr);
    if (it != value_allocs_.end()) return it->second;
    const bool rdonly = (m->spec().map_flags & BPF_F_RDONLY_PROG) != 0;
    const uint32_t a = add_region(kind, addr, m->spec().value_size, !rdonly, "map '" + m->spec().name + "' value");
    value_allocs_.emplace(addr, a);
    return a;
  }
  // The one region every kfunc result points into (checked_interpreter.h).
  uint32_t host_region() {
    if (!host_alloc_) host_alloc_ = add_region(RegionKind::Host, 0, UINT64_MAX, false, "host memory from kfuncs");
    return host_alloc_;
  }
  uint32_t object_region(uint64_t addr, std::string name) {
    auto it = object_allocs_.find(addr);
    if (it != object_allocs_.end()) return it->second;
    const uint32_t a = add_region(RegionKind::Object, addr, 0, false, std::move(name));
    object_allocs_.emplace(addr, a);
    return a;
  }
  maps::Map* known_map(uint64_t v) const {
    for (maps::Map* m : opts_.maps)
      if (reinterpret_cast<uint64_t>(m) == v) return m;
    return nullptr;
  }

  // ---- shadow ----
  std::vector<uint32_t>& shadow(Region& r) {
    if (r.shadow.size() != r.info.size) r.shadow.assign(r.info.size, kShadowPlain);
    return r.shadow;
  }
  Taint load_taint(Region& r, uint64_t off, uint64_t size) {
    if (r.shadow.empty()) return kPlain;
    const uint32_t first = r.shadow[off];
    bool any = false, same = true;
    for (uint64_t i = 0; i < size; i++) {
      any |= r.shadow[off + i] != kShadowPlain;
      same &= r.shadow[off + i] == first;
    }
    if (!any) return kPlain;
    if (same && first >= kFirstRecord) {
      const Record& rec = records_[first - kFirstRecord];
      if (rec.addr == r.info.start + off && rec.size == size) return rec.taint;
    }
    return kNondet;
  }
  void store_taint(int32_t pc, Region& r, uint64_t off, uint64_t size, Taint t) {
    if (!t.tainted()) {
      if (!r.shadow.empty()) std::fill_n(r.shadow.begin() + static_cast<std::ptrdiff_t>(off), size, kShadowPlain);
      return;
    }
    // The stack dies with the run; anything else is compared afterwards.
    if (r.info.kind != RegionKind::Stack && pc >= 0) depend(pc, "stores an address-dependent value outside the stack");
    records_.push_back({t, r.info.start + off, size});
    const auto idx = static_cast<uint32_t>(records_.size() - 1 + kFirstRecord);
    std::fill_n(shadow(r).begin() + static_cast<std::ptrdiff_t>(off), size, idx);
  }
  bool any_tainted_bytes(const Region& r, uint64_t off, uint64_t size) const {
    if (r.shadow.empty()) return false;
    for (uint64_t i = 0; i < size; i++)
      if (r.shadow[off + i] != kShadowPlain) return true;
    return false;
  }

  // ---- checks ----
  bool need(int32_t pc, const Regs& r, int regno) {
    if (r.init[regno]) return true;
    return violation(ViolationKind::UninitRegister, pc, base::strprintf("R%d is read but was never written on this path", regno));
  }
  /// The region that an access of `size` bytes at `addr` through register
  /// `regno` touches, or nullptr after reporting a violation.
  Region* check_access(int32_t pc, const Regs& r, int regno, uint64_t addr, uint64_t size, Access a);

  // ---- execution ----
  /// Runs from `pc` in a new activation (frame) until its entry frame exits.
  bool activation(int32_t pc, Regs regs, uint32_t subprog, uint64_t* r0, Taint* r0_taint);
  bool push_frame(int32_t pc, int32_t ret_pc, uint32_t subprog, Regs& regs);
  void pop_frame();
  uint32_t subprog_at(int32_t pc) const {
    const auto& s = prog_.subprog_starts();
    const auto it = std::upper_bound(s.begin(), s.end(), static_cast<uint32_t>(pc));
    return it == s.begin() ? 0 : static_cast<uint32_t>(it - s.begin() - 1);
  }
  bool step(int32_t& pc, Regs& r, bool& exited);
  bool do_alu(int32_t pc, const Insn& in, Regs& r);
  bool do_jump(int32_t& pc, const Insn& in, Regs& r);
  bool do_load(int32_t pc, const Insn& in, Regs& r);
  bool do_store(int32_t pc, const Insn& in, Regs& r);
  bool do_atomic(int32_t pc, const Insn& in, Regs& r);
  bool do_lddw(int32_t pc, const Insn* in, Regs& r);
  bool do_helper(int32_t pc, const Insn& in, Regs& r);
  bool do_kfunc(int32_t pc, const Insn& in, Regs& r);
  bool check_helper_args(int32_t pc, const helpers::HelperProto& p, Regs& r, maps::Map** map);
  bool write_reg(int32_t pc, Regs& r, int regno, uint64_t v, Taint t) {
    if (regno == isa::kFramePointer)
      return violation(ViolationKind::FramePointerWrite, pc, "R10 is read only");
    if (regno >= isa::kNumRegs) return violation(ViolationKind::BadControlFlow, pc, base::strprintf("R%d is invalid", regno));
    r.v[regno] = v;
    r.t[regno] = t;
    r.init[regno] = true;
    return true;
  }
  CheckedCallback* callback_for(int32_t start) {
    auto it = callbacks_.find(start);
    if (it != callbacks_.end()) return it->second.get();
    auto cb = std::make_unique<CheckedCallback>();
    cb->invoke = [](const helpers::Callback* self, uint64_t r1, uint64_t r2, uint64_t, uint64_t, uint64_t) -> uint64_t {
      auto* c = const_cast<CheckedCallback*>(static_cast<const CheckedCallback*>(self));
      return c->run->invoke_callback(c, r1, r2);
    };
    cb->run = this;
    cb->start = start;
    CheckedCallback* raw = cb.get();
    callback_addrs_.emplace(reinterpret_cast<uint64_t>(static_cast<helpers::Callback*>(raw)), raw);
    callbacks_.emplace(start, std::move(cb));
    return raw;
  }
  bool valid_target(int64_t t) const {
    return t >= 0 && static_cast<size_t>(t) < insns_.size() && !prog_.lddw_high(static_cast<size_t>(t));
  }

  const CheckedProgram& prog_;
  const CheckedOptions& opts_;
  const CheckedInput& in_;
  std::span<const Insn> insns_;
  CheckedResult res_;
  bool stopped_ = false;
  std::vector<Region> regions_;
  std::vector<Record> records_;
  std::vector<Frame> frames_;
  std::unordered_map<uint64_t, uint32_t> value_allocs_;   // map value address -> region
  std::unordered_map<uint64_t, uint32_t> object_allocs_;  // map/callback address -> region
  std::unordered_map<uint64_t, uint32_t> ringbuf_allocs_; // live records by sample address
  std::unordered_map<int32_t, std::unique_ptr<CheckedCallback>> callbacks_;
  std::unordered_map<uint64_t, CheckedCallback*> callback_addrs_;
  uint32_t ctx_alloc_ = 0;
  uint32_t host_alloc_ = 0;
};

Region* Run::check_access(int32_t pc, const Regs& r, int regno, uint64_t addr, uint64_t size, Access a) {
  const bool write = is_write(a);
  const Taint t = r.t[regno];
  if (t.alloc == 0)
    return violation(ViolationKind::NotAPointer, pc,
                     base::strprintf("R%d=0x%llx has no pointer provenance", regno, static_cast<unsigned long long>(r.v[regno])),
                     addr, size, write),
           nullptr;
  Region& reg = regions_[t.alloc];
  const MemRegion& m = reg.info;
  const char* what = a == Access::HelperRead || a == Access::HelperWrite ? "helper access through" : "access through";
  if (m.kind == RegionKind::Host) {
    if (write)
      return violation(ViolationKind::Forbidden, pc, base::strprintf("write %s R%d into host memory a kfunc returned", what, regno),
                       addr, size, write, &reg),
             nullptr;
    depend(pc, "reads host memory through a kfunc's pointer");
    return &reg;
  }
  if (!m.live)
    return violation(ViolationKind::OutOfBounds, pc, base::strprintf("%s R%d into a region that is no longer live", what, regno),
                     addr, size, write, &reg),
           nullptr;
  if (addr < m.start || addr - m.start > m.size || size > m.size - (addr - m.start))
    return violation(ViolationKind::OutOfBounds, pc, base::strprintf("%s R%d", what, regno), addr, size, write, &reg), nullptr;
  if (write && !m.writable)
    return violation(ViolationKind::ReadOnly, pc, base::strprintf("%s R%d", what, regno), addr, size, write, &reg), nullptr;
  // Where an address-dependent offset lands is itself address-dependent.
  if (t.nondet) depend(pc, "accesses memory at an address-dependent offset");
  if (a == Access::Atomic) {
    if (m.kind == RegionKind::Ctx || m.kind == RegionKind::Packet || m.kind == RegionKind::PacketMeta)
      return violation(ViolationKind::Forbidden, pc, base::strprintf("atomic on %s", region_kind_name(m.kind)), addr, size,
                       write, &reg),
             nullptr;
    if (addr % size)
      return violation(ViolationKind::Misaligned, pc, base::strprintf("%llu-byte atomic", static_cast<unsigned long long>(size)),
                       addr, size, write, &reg),
             nullptr;
  }
  return &reg;
}

bool Run::push_frame(int32_t pc, int32_t ret_pc, uint32_t subprog, Regs& regs) {
  if (frames_.size() >= static_cast<size_t>(isa::kMaxCallFrames))
    return violation(ViolationKind::CallDepth, pc, base::strprintf("frame %zu would exceed %d frames", frames_.size() + 1,
                                                          isa::kMaxCallFrames));
  Frame f;
  f.ret_pc = ret_pc;
  f.subprog = subprog;
  f.stack = std::make_unique<uint8_t[]>(isa::kMaxBpfStack);
  std::memset(f.stack.get(), 0xa5, isa::kMaxBpfStack);  // stale garbage, as on a real stack
  uint64_t depth = isa::kMaxBpfStack;
  if (subprog < opts_.stack_depth.size()) depth = static_cast<uint64_t>(std::clamp(opts_.stack_depth[subprog], 0, 512));
  const uint64_t top = reinterpret_cast<uint64_t>(f.stack.get()) + isa::kMaxBpfStack;
  f.stack_alloc = add_region(RegionKind::Stack, top - depth, depth, true,
                             base::strprintf("stack of frame %zu (subprog %u, %llu bytes)", frames_.size(), subprog,
                                    static_cast<unsigned long long>(depth)),
                             kShadowUninit);
  for (int i = 0; i < 4; i++) {
    f.saved[i] = regs.v[6 + i];
    f.saved_t[i] = regs.t[6 + i];
    f.saved_init[i] = regs.init[6 + i];
  }
  regs.v[isa::kFramePointer] = top;
  regs.t[isa::kFramePointer] = Taint{f.stack_alloc, false};
  regs.init[isa::kFramePointer] = true;
  frames_.push_back(std::move(f));
  return true;
}

void Run::pop_frame() {
  regions_[frames_.back().stack_alloc].info.live = false;
  frames_.pop_back();
}

bool Run::activation(int32_t pc, Regs regs, uint32_t subprog, uint64_t* r0, Taint* r0_taint) {
  const size_t base = frames_.size();
  if (!push_frame(pc, -1, subprog, regs)) return false;
  for (;;) {
    bool exited = false;
    if (!step(pc, regs, exited)) return false;
    if (!exited) continue;
    // EXIT: back to the caller (R0 as it is, even uninitialised, as the
    // kernel's prepare_func_exit), or out of this activation.
    Frame& f = frames_.back();
    if (f.ret_pc < 0 && !need(pc, regs, 0)) return false;
    const int32_t ret = f.ret_pc;
    for (int i = 0; i < 4; i++) {
      regs.v[6 + i] = f.saved[i];
      regs.t[6 + i] = f.saved_t[i];
      regs.init[6 + i] = f.saved_init[i];
    }
    regs.v[isa::kFramePointer] = 0;
    pop_frame();
    if (frames_.size() == base) {
      *r0 = regs.v[0];
      *r0_taint = regs.t[0];
      if (regs.t[0].tainted()) depend(pc, "returns an address-dependent value");
      return true;
    }
    // The caller's frame pointer, r1-r5 clobbered.
    const Frame& caller = frames_.back();
    regs.v[isa::kFramePointer] = reinterpret_cast<uint64_t>(caller.stack.get()) + isa::kMaxBpfStack;
    regs.t[isa::kFramePointer] = Taint{caller.stack_alloc, false};
    for (int i = 1; i <= 5; i++) regs.init[i] = false;
    if (!valid_target(ret)) return violation(ViolationKind::BadControlFlow, pc, "return past the end of the program");
    pc = ret;
  }
}

uint64_t Run::invoke_callback(CheckedCallback* cb, uint64_t index, uint64_t ctx) {
  if (stopped_) return 1;  // stop the helper's loop; the caller sees the violation
  Regs r;
  r.v[1] = index;
  r.init[1] = true;
  r.v[2] = ctx;
  r.t[2] = cb->ctx_taint;
  r.init[2] = true;
  uint64_t r0 = 0;
  Taint r0_taint;
  if (!activation(cb->start, r, subprog_at(cb->start), &r0, &r0_taint)) return 1;
  if (r0 > 1) {
    violation(ViolationKind::CallbackReturn, cb->start, base::strprintf("callback returned %llu", static_cast<unsigned long long>(r0)));
    return 1;
  }
  return r0;
}

bool Run::step(int32_t& pc, Regs& r, bool& exited) {
  if (!valid_target(pc))
    return violation(ViolationKind::BadControlFlow, pc, "execution reached an invalid instruction index");
  if (++res_.insns_executed > opts_.insn_limit) {
    stop(CheckedResult::Status::InsnLimit);
    return false;
  }
  const Insn& in = insns_[static_cast<size_t>(pc)];
  if (in.dst_reg >= isa::kNumRegs || in.src_reg >= isa::kNumRegs)
    return violation(ViolationKind::BadControlFlow, pc, "invalid register");
  const isa::OpKind kind = isa::opcode_info(in.code).kind;
  switch (kind) {
    case isa::OpKind::Alu:
    case isa::OpKind::Neg:
    case isa::OpKind::End:
    case isa::OpKind::Bswap:
      if (!do_alu(pc, in, r)) return false;
      pc++;
      return true;
    case isa::OpKind::Jcond:
    case isa::OpKind::Ja:
    case isa::OpKind::Gotol:
      return do_jump(pc, in, r);
    case isa::OpKind::Ldx:
    case isa::OpKind::LdxSx:
      if (!do_load(pc, in, r)) return false;
      pc++;
      return true;
    case isa::OpKind::St:
    case isa::OpKind::Stx:
      if (!do_store(pc, in, r)) return false;
      pc++;
      return true;
    case isa::OpKind::Atomic:
      if (!do_atomic(pc, in, r)) return false;
      pc++;
      return true;
    case isa::OpKind::LdImm64:
      if (static_cast<size_t>(pc) + 1 >= insns_.size())
        return violation(ViolationKind::BadControlFlow, pc, "truncated LDDW");
      if (!do_lddw(pc, &in, r)) return false;
      pc += 2;
      return true;
    case isa::OpKind::Exit:
      exited = true;
      return true;
    case isa::OpKind::Call:
      if (in.src_reg == BPF_PSEUDO_CALL) {
        const int64_t target = int64_t{pc} + 1 + in.imm;
        if (!valid_target(target)) return violation(ViolationKind::BadControlFlow, pc, "call to an invalid target");
        // The callee sees r1-r5 as they are; r0 and r6-r9 are not its to read
        // (push_frame saves the caller's r6-r9 first).
        if (!push_frame(pc, pc + 1, subprog_at(static_cast<int32_t>(target)), r)) return false;
        r.init[0] = false;
        for (int i = 6; i <= 9; i++) r.init[i] = false;
        pc = static_cast<int32_t>(target);
        return true;
      }
      if (in.src_reg == BPF_PSEUDO_KFUNC_CALL) {
        if (!do_kfunc(pc, in, r)) return false;
        pc++;
        return true;
      }
      if (!do_helper(pc, in, r)) return false;
      pc++;
      return true;
    case isa::OpKind::Callx:
      res_.unsupported = "callx";
      stop(CheckedResult::Status::Unsupported);
      return false;
    case isa::OpKind::Invalid:
      break;
  }
  return violation(ViolationKind::BadControlFlow, pc, base::strprintf("unknown opcode 0x%02x", in.code));
}

bool Run::do_alu(int32_t pc, const Insn& in, Regs& r) {
  const bool is64 = BPF_CLASS(in.code) == BPF_ALU64;
  const uint8_t op = BPF_OP(in.code);
  const bool is_x = BPF_SRC(in.code) == BPF_X;
  const int d = in.dst_reg;
  if (op == BPF_END) {
    if (!need(pc, r, d)) return false;
    const bool swap = is64 || BPF_SRC(in.code) == BPF_TO_BE;
    const uint64_t v = swap ? byte_swap(r.v[d], in.imm) : truncate(r.v[d], in.imm);
    return write_reg(pc, r, d, v, r.t[d].tainted() ? kNondet : kPlain);
  }
  if (op == BPF_NEG) {
    if (!need(pc, r, d)) return false;
    const uint64_t v = is64 ? alu64(op, r.v[d], 0, 0) : alu32(op, u32(r.v[d]), 0, 0);
    return write_reg(pc, r, d, v, r.t[d].tainted() ? kNondet : kPlain);
  }
  if (op != BPF_MOV && !need(pc, r, d)) return false;
  if (is_x && !need(pc, r, in.src_reg)) return false;
  const uint64_t src = is_x ? r.v[in.src_reg] : (is64 ? sext(in.imm) : u32(static_cast<uint32_t>(in.imm)));
  const Taint st = is_x ? r.t[in.src_reg] : kPlain;
  const Taint dt = op == BPF_MOV ? kPlain : r.t[d];
  const uint64_t v = is64 ? alu64(op, r.v[d], src, in.off) : alu32(op, u32(r.v[d]), u32(src), in.off);
  // Provenance: a 64-bit copy keeps it, pointer +/- number stays a pointer,
  // pointer - pointer into the same group is a plain distance; anything else
  // made from a pointer is a number that depends on where memory is.
  Taint t = kPlain;
  if (op == BPF_MOV) {
    t = st;
    if (st.alloc && (!is64 || in.off != 0)) t = kNondet;
  } else if (!dt.alloc && !st.alloc) {
    t = Taint{0, dt.nondet || st.nondet};
  } else if (is64 && op == BPF_ADD && (dt.alloc == 0) != (st.alloc == 0)) {
    t = Taint{dt.alloc ? dt.alloc : st.alloc, dt.nondet || st.nondet};
  } else if (is64 && op == BPF_SUB && dt.alloc && !st.alloc) {
    t = Taint{dt.alloc, dt.nondet || st.nondet};
  } else if (is64 && op == BPF_SUB && dt.alloc && st.alloc && regions_[dt.alloc].group == regions_[st.alloc].group) {
    t = Taint{0, dt.nondet || st.nondet};
  } else {
    t = kNondet;
  }
  return write_reg(pc, r, d, v, t);
}

bool Run::do_jump(int32_t& pc, const Insn& in, Regs& r) {
  const isa::OpKind kind = isa::opcode_info(in.code).kind;
  const int64_t target = isa::jump_target(in, pc);
  bool taken = true;
  if (kind == isa::OpKind::Jcond) {
    const bool is_x = BPF_SRC(in.code) == BPF_X;
    if (!need(pc, r, in.dst_reg)) return false;
    if (is_x && !need(pc, r, in.src_reg)) return false;
    const bool is64 = BPF_CLASS(in.code) == BPF_JMP;
    const uint8_t op = BPF_OP(in.code);
    const uint64_t a = r.v[in.dst_reg];
    const uint64_t b = is_x ? r.v[in.src_reg] : sext(in.imm);
    taken = is64 ? cond64(op, a, b) : cond32(op, u32(a), u32(b));
    // Deterministic outcomes: numbers that are functions of the inputs; a
    // pointer against zero (unsigned, or equality); two pointers of one group.
    const Taint ta = r.t[in.dst_reg], tb = is_x ? r.t[in.src_reg] : kPlain;
    bool det = !ta.nondet && !tb.nondet;
    if (det && (ta.alloc || tb.alloc)) {
      const bool unsigned_op = op != BPF_JSGT && op != BPF_JSGE && op != BPF_JSLT && op != BPF_JSLE && op != BPF_JSET;
      if (ta.alloc && tb.alloc) det = is64 && regions_[ta.alloc].group == regions_[tb.alloc].group;
      else det = is64 && unsigned_op && (ta.alloc ? b : a) == 0;
    }
    if (!det) depend(pc, "branches on an address-dependent value");
  }
  if (!taken) {
    pc++;
    return true;
  }
  if (!valid_target(target)) return violation(ViolationKind::BadControlFlow, pc, "jump to an invalid target");
  pc = static_cast<int32_t>(target);
  return true;
}

bool Run::do_load(int32_t pc, const Insn& in, Regs& r) {
  if (!need(pc, r, in.src_reg)) return false;
  const uint64_t size = isa::access_bytes(in.code);
  const uint64_t addr = r.v[in.src_reg] + sext(in.off);
  Region* reg = check_access(pc, r, in.src_reg, addr, size, Access::Read);
  if (!reg) return false;
  uint64_t v = 0;
  if (reg->info.kind == RegionKind::Host) {
    // Unsized host memory: read it fault-safely and keep the host provenance
    // (a pointer member gives another host pointer).
    if (!base::read_nofault(&v, reinterpret_cast<const void*>(addr), size)) v = 0;
    if (BPF_MODE(in.code) == BPF_MEMSX) v = size == 1 ? sext(static_cast<int8_t>(v)) : size == 2 ? sext(static_cast<int16_t>(v))
                                            : size == 4 ? sext(static_cast<int32_t>(v)) : v;
    return write_reg(pc, r, in.dst_reg, v, Taint{host_region(), false});
  }
  std::memcpy(&v, reinterpret_cast<const void*>(addr), size);
  if (BPF_MODE(in.code) == BPF_MEMSX) {
    switch (size) {
      case 1: v = sext(static_cast<int8_t>(v)); break;
      case 2: v = sext(static_cast<int16_t>(v)); break;
      case 4: v = sext(static_cast<int32_t>(v)); break;
    }
  }
  Taint t = load_taint(*reg, addr - reg->info.start, size);
  if (t.alloc && BPF_MODE(in.code) == BPF_MEMSX) t = kNondet;
  return write_reg(pc, r, in.dst_reg, v, t);
}

bool Run::do_store(int32_t pc, const Insn& in, Regs& r) {
  const bool is_x = BPF_CLASS(in.code) == BPF_STX;
  if (!need(pc, r, in.dst_reg)) return false;
  if (is_x && !need(pc, r, in.src_reg)) return false;
  const uint64_t size = isa::access_bytes(in.code);
  const uint64_t addr = r.v[in.dst_reg] + sext(in.off);
  Region* reg = check_access(pc, r, in.dst_reg, addr, size, Access::Write);
  if (!reg) return false;
  const uint64_t v = is_x ? r.v[in.src_reg] : sext(in.imm);
  std::memcpy(reinterpret_cast<void*>(addr), &v, size);  // little-endian: the low bytes
  Taint t = is_x ? r.t[in.src_reg] : kPlain;
  if (t.alloc && size != 8) t = kNondet;
  store_taint(pc, *reg, addr - reg->info.start, size, t);
  return true;
}

bool Run::do_atomic(int32_t pc, const Insn& in, Regs& r) {
  if (!need(pc, r, in.dst_reg) || !need(pc, r, in.src_reg)) return false;
  const bool cmpxchg = in.imm == BPF_CMPXCHG;
  if (cmpxchg && !need(pc, r, 0)) return false;
  const uint64_t size = isa::access_bytes(in.code);
  const uint64_t addr = r.v[in.dst_reg] + sext(in.off);
  Region* reg = check_access(pc, r, in.dst_reg, addr, size, Access::Atomic);
  if (!reg) return false;
  const uint64_t off = addr - reg->info.start;
  const Taint mem_t = load_taint(*reg, off, size);
  const Taint src_t = r.t[in.src_reg];
  const bool is64 = size == 8;
  auto* p64 = reinterpret_cast<uint64_t*>(addr);
  auto* p32 = reinterpret_cast<uint32_t*>(addr);
  const uint64_t src = r.v[in.src_reg];
  uint64_t old = 0;
  if (cmpxchg) {
    if (mem_t.tainted() || r.t[0].tainted()) depend(pc, "compares address-dependent values in cmpxchg");
    if (is64) {
      uint64_t expected = r.v[0];
      __atomic_compare_exchange_n(p64, &expected, src, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
      old = expected;
    } else {
      uint32_t expected = u32(r.v[0]);
      __atomic_compare_exchange_n(p32, &expected, u32(src), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
      old = expected;
    }
    const bool swapped = old == (is64 ? r.v[0] : u32(r.v[0]));
    if (swapped) store_taint(pc, *reg, off, size, src_t.alloc && !is64 ? kNondet : src_t);
    return write_reg(pc, r, 0, old, mem_t);
  }
  const int op = in.imm & ~BPF_FETCH;
  if (in.imm == BPF_XCHG) {
    old = is64 ? __atomic_exchange_n(p64, src, __ATOMIC_SEQ_CST) : __atomic_exchange_n(p32, u32(src), __ATOMIC_SEQ_CST);
    store_taint(pc, *reg, off, size, src_t.alloc && !is64 ? kNondet : src_t);
    return write_reg(pc, r, in.src_reg, old, mem_t);
  }
  switch (op) {
    case BPF_ADD:
      old = is64 ? __atomic_fetch_add(p64, src, __ATOMIC_SEQ_CST) : __atomic_fetch_add(p32, u32(src), __ATOMIC_SEQ_CST);
      break;
    case BPF_OR:
      old = is64 ? __atomic_fetch_or(p64, src, __ATOMIC_SEQ_CST) : __atomic_fetch_or(p32, u32(src), __ATOMIC_SEQ_CST);
      break;
    case BPF_AND:
      old = is64 ? __atomic_fetch_and(p64, src, __ATOMIC_SEQ_CST) : __atomic_fetch_and(p32, u32(src), __ATOMIC_SEQ_CST);
      break;
    case BPF_XOR:
      old = is64 ? __atomic_fetch_xor(p64, src, __ATOMIC_SEQ_CST) : __atomic_fetch_xor(p32, u32(src), __ATOMIC_SEQ_CST);
      break;
    default:
      return violation(ViolationKind::BadControlFlow, pc, base::strprintf("unknown atomic operation 0x%x", in.imm));
  }
  if (mem_t.tainted() || src_t.tainted()) store_taint(pc, *reg, off, size, kNondet);
  if (in.imm & BPF_FETCH) return write_reg(pc, r, in.src_reg, old, mem_t);
  return true;
}

bool Run::do_lddw(int32_t pc, const Insn* in, Regs& r) {
  uint64_t v = isa::lddw_imm64(in);
  Taint t = kPlain;
  auto map_at = [&](uint64_t idx_or_ptr, bool by_index) -> maps::Map* {
    if (by_index) return idx_or_ptr < opts_.maps.size() ? opts_.maps[idx_or_ptr] : nullptr;
    return known_map(idx_or_ptr);
  };
  switch (in->src_reg) {
    case 0:
      break;
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_IDX: {
      maps::Map* m = map_at(in->src_reg == BPF_PSEUDO_MAP_IDX ? u32(static_cast<uint32_t>(in->imm)) : v,
                            in->src_reg == BPF_PSEUDO_MAP_IDX);
      if (!m) return violation(ViolationKind::HelperArg, pc, "LDDW names a map the run was not given");
      v = reinterpret_cast<uint64_t>(m);
      t = Taint{object_region(v, "map '" + m->spec().name + "'"), false};
      break;
    }
    case BPF_PSEUDO_MAP_VALUE:
    case BPF_PSEUDO_MAP_IDX_VALUE: {
      maps::Map* m = nullptr;
      uint64_t base = 0;
      if (in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
        m = map_at(u32(static_cast<uint32_t>(in->imm)), true);
        const uint32_t off = static_cast<uint32_t>(in[1].imm);
        if (!m || m->direct_value_addr(0, &base) != 0 || off >= m->spec().value_size)
          return violation(ViolationKind::HelperArg, pc, "LDDW names a map value the run was not given");
        v = base + off;
      } else {
        for (maps::Map* cand : opts_.maps) {
          if (cand->direct_value_addr(0, &base) == 0 && v >= base && v - base < cand->spec().value_size) {
            m = cand;
            break;
          }
        }
        if (!m) return violation(ViolationKind::HelperArg, pc, "LDDW names a map value the run was not given");
      }
      t = Taint{map_value_region(m, base, RegionKind::MapValue), false};
      break;
    }
    case BPF_PSEUDO_FUNC: {
      const int64_t target = int64_t{pc} + 1 + in->imm;
      if (!valid_target(target)) return violation(ViolationKind::BadControlFlow, pc, "callback target out of range");
      CheckedCallback* cb = callback_for(static_cast<int32_t>(target));
      v = reinterpret_cast<uint64_t>(static_cast<helpers::Callback*>(cb));
      t = Taint{object_region(v, base::strprintf("callback at insn %lld", static_cast<long long>(target))), false};
      break;
    }
    default:
      res_.unsupported = base::strprintf("LDDW with src_reg %d", in->src_reg);
      stop(CheckedResult::Status::Unsupported);
      return false;
  }
  return write_reg(pc, r, in->dst_reg, v, t);
}

bool Run::check_helper_args(int32_t pc, const helpers::HelperProto& p, Regs& r, maps::Map** map) {
  using helpers::ArgType;
  for (int i = 0; i < 5; i++) {
    const int regno = i + 1;
    const ArgType type = p.args[i];
    if (type == ArgType::DontCare) continue;
    if (!need(pc, r, regno)) return false;
    const uint64_t v = r.v[regno];
    const Taint t = r.t[regno];
    auto bad = [&](const std::string& why) {
      return violation(ViolationKind::HelperArg, pc, base::strprintf("%s R%d: ", p.name, regno) + why);
    };
    auto mem = [&](uint64_t size, bool write) {
      Region* reg = check_access(pc, r, regno, v, size, write ? Access::HelperWrite : Access::HelperRead);
      if (!reg) {
        if (res_.violation) res_.violation->detail = std::string(p.name) + ": " + res_.violation->detail;
        return false;
      }
      const uint64_t off = v - reg->info.start;
      if (write) {
        // bpf_probe_read_kernel copies from wherever R3 points.
        const bool copied_taint = p.id == BPF_FUNC_probe_read_kernel && r.t[3].tainted();
        store_taint(pc, *reg, off, size, copied_taint ? kNondet : kPlain);
      }
      else if (any_tainted_bytes(*reg, off, size)) depend(pc, "passes address-dependent bytes to a helper");
      return true;
    };
    switch (type) {
      case ArgType::DontCare:
        break;
      case ArgType::Anything:
      case ArgType::ConstAllocSizeOrZero:
        if (t.tainted() && !(p.id == BPF_FUNC_probe_read_kernel && regno == 3))
          depend(pc, "passes an address-dependent value to a helper");
        break;
      case ArgType::ConstMapPtr: {
        maps::Map* m = known_map(v);
        if (!m) return bad("not a map");
        const uint32_t mt = m->spec().type;
        const bool rb_fn = p.id == BPF_FUNC_ringbuf_output || p.id == BPF_FUNC_ringbuf_reserve ||
                           p.id == BPF_FUNC_ringbuf_query;
        if (rb_fn != (mt == BPF_MAP_TYPE_RINGBUF) || (mt == BPF_MAP_TYPE_PROG_ARRAY) != (p.id == BPF_FUNC_tail_call))
          return bad(base::strprintf("map type %u cannot be passed to this helper", mt));
        *map = m;
        break;
      }
      case ArgType::PtrToMapKey:
      case ArgType::PtrToMapValue:
        if (!*map) return bad("no map argument before it");
        if (!mem(type == ArgType::PtrToMapKey ? (*map)->spec().key_size : (*map)->spec().value_size, false))
          return false;
        break;
      case ArgType::PtrToMem:
      case ArgType::PtrToUninitMem: {
        // The size is the next argument (ARG_CONST_SIZE[_OR_ZERO]).
        const uint64_t size = i + 1 < 5 ? r.v[regno + 1] : 0;
        if (i + 1 < 5 && !need(pc, r, regno + 1)) return false;
        if (size == 0) {
          if (p.args[i + 1] == ArgType::ConstSize) return bad("zero-sized memory");
          break;
        }
        if (size >= (uint64_t{1} << 29)) return bad(base::strprintf("size %llu", static_cast<unsigned long long>(size)));
        if (!mem(size, type == ArgType::PtrToUninitMem)) return false;
        break;
      }
      case ArgType::ConstSize:
      case ArgType::ConstSizeOrZero:
        if (t.tainted()) depend(pc, "passes an address-dependent size to a helper");
        break;
      case ArgType::PtrToCtx:
        if (t.alloc != ctx_alloc_ || v != in_.ctx) return bad("not the ctx");
        break;
      case ArgType::PtrToFunc:
        if (!callback_addrs_.count(v)) return bad("not a callback");
        break;
      case ArgType::PtrToStackOrNull:
        if (v == 0 && !t.alloc) break;
        if (!t.alloc || regions_[t.alloc].info.kind != RegionKind::Stack || !regions_[t.alloc].info.live)
          return bad("neither NULL nor a pointer to a live stack");
        break;
      case ArgType::PtrToRingbufMem: {
        auto it = ringbuf_allocs_.find(v);
        if (it == ringbuf_allocs_.end() || t.alloc != it->second) return bad("not a reserved ring buffer record");
        break;
      }
      case ArgType::PtrToConstStr: {
        Region* reg = check_access(pc, r, regno, v, 1, Access::HelperRead);
        if (!reg) return false;
        const auto* s = reinterpret_cast<const char*>(v);
        if (!std::memchr(s, 0, reg->info.start + reg->info.size - v)) return bad("string not terminated in its region");
        break;
      }
    }
  }
  return true;
}

bool Run::do_helper(int32_t pc, const Insn& in, Regs& r) {
  const int32_t id = in.imm;
  // One table entry: the prototype the arguments are checked against and the
  // implementation that is then called.
  const helpers::HelperProto* p = helpers::find_helper(id);
  if (!p) return violation(ViolationKind::HelperArg, pc, base::strprintf("unknown helper #%d", id));
  if (!p->func) {
    res_.unsupported = base::strprintf("helper %s", p->name);
    stop(CheckedResult::Status::Unsupported);
    return false;
  }
  maps::Map* map = nullptr;
  if (!check_helper_args(pc, *p, r, &map)) return false;

  CheckedCallback* cb = nullptr;
  Taint saved_ctx;
  if (id == BPF_FUNC_loop) {
    cb = callback_addrs_.at(r.v[2]);  // check_helper_args made sure
    saved_ctx = cb->ctx_taint;
    cb->ctx_taint = r.t[3];
  }
  const uint64_t reserve_size = r.v[2];
  uint64_t ringbuf_sample = 0;
  if (id == BPF_FUNC_ringbuf_submit || id == BPF_FUNC_ringbuf_discard) ringbuf_sample = r.v[1];

  const uint64_t r0 = p->func(r.v[1], r.v[2], r.v[3], r.v[4], r.v[5]);

  if (cb) cb->ctx_taint = saved_ctx;
  if (stopped_) return false;  // a violation inside a callback
  for (int i = 1; i <= 5; i++) r.init[i] = false;
  r.v[0] = r0;
  r.t[0] = nondeterministic_helper(id) ? kNondet : kPlain;
  r.init[0] = true;
  switch (p->ret) {
    case helpers::RetType::Integer:
      break;
    case helpers::RetType::Void:
      r.init[0] = false;
      break;
    case helpers::RetType::MapValueOrNull:
      if (r0) r.t[0] = Taint{map_value_region(map, r0, RegionKind::MapValue), false};
      break;
    case helpers::RetType::RingbufMemOrNull:
      if (r0) {
        const uint32_t a = add_region(RegionKind::Ringbuf, r0, reserve_size, true,
                                      "ringbuf '" + map->spec().name + "' record", kShadowUninit);
        ringbuf_allocs_[r0] = a;
        r.t[0] = Taint{a, false};
      }
      break;
  }
  if (ringbuf_sample) {
    auto it = ringbuf_allocs_.find(ringbuf_sample);
    regions_[it->second].info.live = false;
    ringbuf_allocs_.erase(it);
  }
  uint64_t exit_r0 = 0;
  if (take_exit_request(&exit_r0)) {
    res_.r0 = exit_r0;
    stop(CheckedResult::Status::Ok);
    return false;
  }
  return true;
}

HOSTBPF_CALLS_KFUNCS
bool Run::do_kfunc(int32_t pc, const Insn& in, Regs& r) {
  const CheckedOptions::KfuncBinding* k = nullptr;
  for (const auto& b : opts_.kfuncs)
    if (b.btf_id == in.imm && b.btf_fd_idx == in.off) k = &b;
  if (!k) {
    res_.unsupported = base::strprintf("kfunc call (btf_id %d, off %d) without a binding", in.imm, in.off);
    stop(CheckedResult::Status::Unsupported);
    return false;
  }
  uint64_t r0 = k->fn(r.v[1], r.v[2], r.v[3], r.v[4], r.v[5]);
  switch (k->ret_ext) {
    case 1: r0 = static_cast<uint8_t>(r0); break;
    case 2: r0 = static_cast<uint16_t>(r0); break;
    case 4: r0 = static_cast<uint32_t>(r0); break;
    case -1: r0 = sext(static_cast<int8_t>(r0)); break;
    case -2: r0 = sext(static_cast<int16_t>(r0)); break;
    case -4: r0 = sext(static_cast<int32_t>(r0)); break;
    default: break;
  }
  for (int i = 1; i <= 5; i++) r.init[i] = false;
  r.v[0] = r0;
  r.t[0] = Taint{host_region(), false};
  r.init[0] = true;
  depend(pc, "calls a kfunc");
  return true;
}

CheckedResult Run::execute() {
  Regs r;
  r.v[1] = in_.ctx;
  r.init[1] = true;
  for (size_t i = 0; i < in_.args.size() && i < 4; i++) {
    r.v[2 + i] = in_.args[i];
    r.init[2 + i] = true;
  }
  const bool xdp = opts_.prog_type == ProgType::Xdp;
  ctx_alloc_ = add_region(RegionKind::Ctx, in_.ctx, in_.ctx_size, !xdp, "ctx");
  r.t[1] = Taint{ctx_alloc_, false};
  if (xdp && in_.ctx && in_.ctx_size >= sizeof(XdpMd)) {
    XdpMd md;
    std::memcpy(&md, reinterpret_cast<const void*>(in_.ctx), sizeof md);
    const uint32_t pkt = add_region(RegionKind::Packet, md.data, md.data_end - md.data, true, "packet");
    const uint32_t meta = add_region(RegionKind::PacketMeta, md.data_meta, md.data - md.data_meta, true, "packet metadata");
    regions_[meta].group = regions_[pkt].group;
    Region& ctx = regions_[ctx_alloc_];
    store_taint(-1, ctx, offsetof(XdpMd, data), 4, Taint{pkt, false});
    store_taint(-1, ctx, offsetof(XdpMd, data_end), 4, Taint{pkt, false});
    store_taint(-1, ctx, offsetof(XdpMd, data_meta), 4, Taint{meta, false});
  }
  uint64_t r0 = 0;
  Taint r0_taint;
  if (activation(0, r, 0, &r0, &r0_taint)) {
    res_.r0 = r0;
    if (!ringbuf_allocs_.empty()) {
      const Region& leaked = regions_[ringbuf_allocs_.begin()->second];
      violation(ViolationKind::ReferenceLeak, -1,
                base::strprintf("%zu ring buffer record(s) reserved and never submitted or discarded", ringbuf_allocs_.size()),
                leaked.info.start, 0, false, &leaked);
    }
  }
  // Records still reserved (a leak, or a run stopped early) go back to their
  // ring so that it stays usable.
  for (const auto& [addr, a] : ringbuf_allocs_) maps::RingBuf::discard(reinterpret_cast<void*>(addr), 0);
  return std::move(res_);
}

}  // namespace

Result<std::unique_ptr<CheckedProgram>> CheckedProgram::create(std::span<const isa::Insn> insns, CheckedOptions opts) {
  if (insns.empty()) return Error(-EINVAL, "program has no instructions");
  std::unique_ptr<CheckedProgram> p(new CheckedProgram());
  p->insns_.assign(insns.begin(), insns.end());
  p->opts_ = std::move(opts);
  p->lddw_high_.assign(insns.size(), 0);
  std::vector<uint32_t> starts{0};
  for (size_t i = 0; i < insns.size(); i++) {
    const isa::Insn& in = insns[i];
    const bool call = isa::is_pseudo_call(in);
    const bool func = isa::is_lddw(in) && in.src_reg == BPF_PSEUDO_FUNC;
    if (call || func) {
      const int64_t t = static_cast<int64_t>(i) + 1 + in.imm;
      if (t >= 0 && static_cast<size_t>(t) < insns.size()) starts.push_back(static_cast<uint32_t>(t));
    }
    if (isa::is_lddw(in) && i + 1 < insns.size()) p->lddw_high_[++i] = 1;
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  p->subprog_starts_ = std::move(starts);
  return p;
}

CheckedResult CheckedProgram::run(const CheckedInput& in) const { return Run(*this, in).execute(); }

}  // namespace hostbpf::exec
