// The program generator (program_gen.h). One Gen builds one program: the main
// function first, subprograms and callbacks as their call sites need them, each
// from snippets chosen by the byte stream. The register model is deliberately
// rough: it only has to make acceptance likely, the verifier decides.
#include "program_gen.h"

#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <climits>
#include <map>
#include <set>

namespace hostbpf::fuzz {
namespace {

using isa::Insn;

Insn mk(uint8_t code, uint8_t dst = 0, uint8_t src = 0, int16_t off = 0, int32_t imm = 0) {
  Insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

uint8_t size_code(int sz) {
  switch (sz) {
    case 1: return BPF_B;
    case 2: return BPF_H;
    case 4: return BPF_W;
    default: return BPF_DW;
  }
}

enum class Kind : uint8_t { None, Scalar, Ctx, Stack, MapValue, Ringbuf, Packet, PacketEnd };

// What the generator believes a register or stack slot holds.
struct Val {
  Kind kind = Kind::None;
  int32_t off = 0;    // pointers: constant offset (Stack: from its frame's fp)
  int32_t map = -1;   // MapValue: map slot
  int32_t size = 0;   // MapValue/Ringbuf: region size; Packet: checked range
  bool known = false; // Scalar: a known constant
  int64_t cval = 0;
  bool operator==(const Val&) const = default;

  static Val scalar() { return Val{Kind::Scalar}; }
  static Val constant(int64_t v) {
    Val x{Kind::Scalar};
    x.known = true;
    x.cval = v;
    return x;
  }
  bool is_ptr() const { return kind != Kind::None && kind != Kind::Scalar; }
};

struct Model {
  std::array<Val, isa::kNumRegs> r;
  std::map<int32_t, Val> slots;  // 8-byte stack slots of the current frame (-8, -16, ...)
};

Model merge(const Model& a, const Model& b) {
  Model m;
  for (int i = 0; i < isa::kNumRegs; i++) {
    if (a.r[i] == b.r[i]) m.r[i] = a.r[i];
    else if (a.r[i].kind == Kind::Scalar && b.r[i].kind == Kind::Scalar) m.r[i] = Val::scalar();
  }
  for (const auto& [off, v] : a.slots) {
    auto it = b.slots.find(off);
    if (it == b.slots.end()) continue;
    if (it->second == v) m.slots[off] = v;
    else if (!v.is_ptr() && !it->second.is_ptr()) m.slots[off] = Val::scalar();
  }
  return m;
}

struct Func {
  std::vector<Insn> code;
  struct Ref {
    size_t at;   // a pseudo call, or the first slot of LDDW BPF_PSEUDO_FUNC
    int callee;  // index into Gen::funcs_
  };
  std::vector<Ref> refs;
};

// Values that sit on edges: powers of two and their neighbours, sign
// boundaries, the verifier's BPF_MAX_VAR_OFF.
constexpr int32_t kInteresting[] = {0,      1,      2,       3,          4,        7,       8,      15,
                                    16,     31,     32,      63,         64,       127,     128,    255,
                                    256,    511,    512,     1023,       4095,     4096,    0x7fff, 0x8000,
                                    0xffff, 0x10000, INT_MAX, INT_MIN,   -1,       -2,      -4,     -8,
                                    -16,    -64,    -511,    -512,       -513,     1 << 29, (1 << 29) - 1, 24};
constexpr uint64_t kInteresting64[] = {1ull << 32,          (1ull << 32) - 1, 1ull << 63, (1ull << 63) - 1,
                                       0xffffffff00000000ull, 1ull << 31,     (1ull << 31) - 1, ~0ull,
                                       0x100000001ull,      1ull << 29};
constexpr int kValueSizes[] = {1, 2, 3, 4, 5, 7, 8, 12, 16, 20, 24, 32, 40, 48, 64, 100, 128, 256};

class Gen {
 public:
  Gen(ByteSource& s, const GenOptions& o) : s_(s), o_(o) {}
  GeneratedProgram run();

 private:
  // ---- decisions ----
  uint32_t below(uint32_t n) { return s_.below(n); }
  bool chance(uint32_t pct) { return s_.chance(pct); }
  template <size_t N>
  int choose(const std::array<int, N>& weights) {
    int total = 0;
    for (int w : weights) total += w;
    if (total <= 0) return -1;
    int x = static_cast<int>(below(static_cast<uint32_t>(total)));
    for (size_t i = 0; i < N; i++) {
      if (x < weights[i]) return static_cast<int>(i);
      x -= weights[i];
    }
    return -1;
  }
  /// 0 most of the time; else a small step over an edge.
  int32_t delta() {
    switch (below(32)) {
      case 0: return -1;
      case 1: return 1;
      case 2: return -8;
      case 3: return 8;
      case 4: return static_cast<int32_t>(below(5)) - 2;
      case 5: return 4;
      default: return 0;
    }
  }
  int pick_size() {
    static constexpr int k[] = {1, 2, 4, 8, 8, 4};
    return k[below(6)];
  }
  int32_t interesting() {
    if (chance(10)) return static_cast<int32_t>(s_.u32());
    return kInteresting[below(std::size(kInteresting))];
  }
  bool budget_left() const { return total_insns() < o_.max_insns && !s_.exhausted(); }
  size_t total_insns() const {
    size_t n = 0;
    for (const auto& f : funcs_) n += f.code.size();
    return n;
  }
  void feature(const char* f) { features_.insert(f); }

  // ---- emission ----
  Func& fn() { return funcs_[static_cast<size_t>(cur_)]; }
  size_t here() { return fn().code.size(); }
  void emit(Insn i) { fn().code.push_back(i); }
  size_t emit_jump(uint8_t code, int dst = 0, int src = 0, int32_t imm = 0) {
    emit(mk(code, static_cast<uint8_t>(dst), static_cast<uint8_t>(src), 0, imm));
    return here() - 1;
  }
  void land(size_t at) { fn().code[at].off = static_cast<int16_t>(here() - at - 1); }
  /// Lands `skips` here: what the skipped code defined is only maybe defined.
  void land_all(const std::vector<size_t>& skips, const Model& before) {
    if (skips.empty()) return;
    for (size_t j : skips) land(j);
    m_ = merge(before, m_);
  }
  void lddw(int dst, uint64_t imm, uint8_t src = 0) {
    Insn a = mk(BPF_LD | BPF_IMM | BPF_DW, static_cast<uint8_t>(dst), src);
    Insn b = mk(0);
    a.imm = static_cast<int32_t>(static_cast<uint32_t>(imm));
    b.imm = static_cast<int32_t>(static_cast<uint32_t>(imm >> 32));
    emit(a);
    emit(b);
  }
  void lddw_map(int dst, int map) {
    lddw(dst, static_cast<uint32_t>(map), BPF_PSEUDO_MAP_IDX);
    set(dst, Val{Kind::None});
  }
  void mov_imm(int dst, int32_t imm, bool alu32 = false) {
    emit(mk((alu32 ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_K, static_cast<uint8_t>(dst), 0, 0, imm));
    set(dst, Val::constant(alu32 ? static_cast<int64_t>(static_cast<uint32_t>(imm)) : imm));
  }
  void mov_reg(int dst, int src) {
    emit(mk(BPF_ALU64 | BPF_MOV | BPF_X, static_cast<uint8_t>(dst), static_cast<uint8_t>(src)));
    set(dst, m_.r[src]);
  }
  void add_imm(int dst, int32_t imm) { emit(mk(BPF_ALU64 | BPF_ADD | BPF_K, static_cast<uint8_t>(dst), 0, 0, imm)); }
  void ldx(int sz, int dst, int src, int32_t off) {
    emit(mk(BPF_LDX | BPF_MEM | size_code(sz), static_cast<uint8_t>(dst), static_cast<uint8_t>(src),
            static_cast<int16_t>(off)));
  }
  void stx(int sz, int dst, int src, int32_t off) {
    emit(mk(BPF_STX | BPF_MEM | size_code(sz), static_cast<uint8_t>(dst), static_cast<uint8_t>(src),
            static_cast<int16_t>(off)));
  }
  void st(int sz, int dst, int32_t off, int32_t imm) {
    emit(mk(BPF_ST | BPF_MEM | size_code(sz), static_cast<uint8_t>(dst), 0, static_cast<int16_t>(off), imm));
  }
  void call_helper(int32_t id) {
    emit(mk(BPF_JMP | BPF_CALL, 0, 0, 0, id));
    clobber_after_call();
    set(0, Val::scalar());
  }
  void clobber_after_call() {
    for (int r = 0; r <= 5; r++) m_.r[r] = Val{};
  }
  void set(int r, Val v) {
    if (r >= 0 && r < isa::kFramePointer) m_.r[r] = v;
  }

  // ---- registers ----
  bool reserved(int r) const { return (reserved_ >> r) & 1; }
  bool writable(int r) const {
    if (r < 0 || r > 9 || reserved(r)) return false;
    if (cur_ == 0 && r == 6) return false;  // main keeps the ctx in r6
    return !m_.r[r].is_ptr() || chance_clobber_;
  }
  /// A register to write a scalar into (never one holding a pointer we need).
  int pick_dst(int avoid1 = -1, int avoid2 = -1, bool callee_saved = false) {
    int cand[10];
    int n = 0;
    for (int r = callee_saved ? 6 : 0; r <= 9; r++)
      if (writable(r) && r != avoid1 && r != avoid2) cand[n++] = r;
    if (n == 0) return -1;
    return cand[below(static_cast<uint32_t>(n))];
  }
  int pick(Kind k, int avoid = -1) {
    int cand[11];
    int n = 0;
    for (int r = 0; r <= 10; r++)
      if (m_.r[r].kind == k && r != avoid && !(k == Kind::Scalar && reserved(r) && false)) cand[n++] = r;
    if (n == 0) return -1;
    return cand[below(static_cast<uint32_t>(n))];
  }
  int pick_pointer() {
    int cand[11];
    int n = 0;
    for (int r = 0; r <= 10; r++) {
      const Kind k = m_.r[r].kind;
      if (k == Kind::Stack || k == Kind::MapValue || k == Kind::Ringbuf || k == Kind::Packet) cand[n++] = r;
    }
    if (n == 0) return -1;
    return cand[below(static_cast<uint32_t>(n))];
  }
  /// A register holding some scalar, made on the spot if need be.
  int scalar_reg(int avoid = -1) {
    if (chance(70)) {
      const int r = pick(Kind::Scalar, avoid);
      if (r >= 0) return r;
    }
    const int d = pick_dst(avoid);
    if (d < 0) return -1;
    scalar_source(d);
    return d;
  }

  // ---- snippets ----
  void block(int n);
  void snippet();
  void scalar_init(int d);
  void scalar_source(int d);
  void scalar_alu();
  void stack_store();
  void stack_load();
  void pointer_access(int rp);
  void access_const(int rp, int lo, int hi);
  void access_var(int rp, int lo, int hi);
  void atomic_op(int rp, int lo, int hi);
  bool window(int rp, int* lo, int* hi);
  struct Bounded {
    int reg = -1;
    std::vector<size_t> skips;  // jumps to patch past the guarded access
  };
  Bounded bounded_index(int limit, int avoid);
  void map_lookup_block();
  void packet_block();
  void branch_block();
  void loop_block();
  void subprog_call();
  void bpf_loop_call();
  void ringbuf_block();
  void helper_misc();
  void global_data();
  void pointer_misc();
  void slot_as_index();
  int expr_index(int limit, int avoid, std::vector<size_t>* skips);
  void expr_access();
  void spill_games();
  void join_games();
  void use_as_index(int ri, bool byte_only);
  int recursive_function();
  void bounds_probe();
  int gen_function(const std::array<Val, 5>& args, bool callback);
  void epilogue(bool callback);
  int stack_ptr_arg(int r);
  void mutate(std::vector<Insn>& insns);

  ByteSource& s_;
  GenOptions o_;
  GeneratedProgram out_;
  std::vector<Func> funcs_;
  int cur_ = 0;
  Model m_;
  int call_depth_ = 0;
  int block_depth_ = 0;
  bool no_calls_ = false;       // live pointers in r0-r5: no calls until the block ends
  bool chance_clobber_ = false;
  uint32_t reserved_ = 0;       // loop counters: never a destination
  std::set<std::string> features_;
  int ctx_limit_ = 64;          // syscall: ctx bytes the generator reads
};

void Gen::block(int n) {
  ++block_depth_;
  for (int i = 0; i < n && budget_left(); i++) snippet();
  --block_depth_;
}

void Gen::snippet() {
  const bool xdp = out_.prog_type == ProgType::Xdp;
  const bool calls = !no_calls_ && call_depth_ < 4 && funcs_.size() < 8;
  const bool nest = block_depth_ < 4;
  const int c = choose(std::array<int, 21>{
      8,                        // 0 scalar init
      12,                       // 1 scalar alu
      8,                        // 2 stack store
      6,                        // 3 stack load
      (!no_calls_) * 14,        // 4 map lookup
      (xdp && nest) * 12,       // 5 packet
      nest * 8,                 // 6 branch
      nest * 4,                 // 7 loop
      calls * 4,                // 8 subprog
      calls * 4,                // 9 bpf_loop
      (!no_calls_ && nest) * 5, // 10 ringbuf
      (!no_calls_) * 4,         // 11 helper
      5,                        // 12 global data
      10,                       // 13 pointer access
      3,                        // 14 pointer misc
      3,                        // 15 slot as index
      9,                        // 16 expression as offset
      6,                        // 17 spill games
      6,                        // 18 join games
      calls * 2,                // 19 recursion
      10,                       // 20 bounds probe
  });
  switch (c) {
    case 0: {
      const int d = pick_dst();
      if (d >= 0) scalar_init(d);
      break;
    }
    case 1: scalar_alu(); break;
    case 2: stack_store(); break;
    case 3: stack_load(); break;
    case 4: map_lookup_block(); break;
    case 5: packet_block(); break;
    case 6: branch_block(); break;
    case 7: loop_block(); break;
    case 8: subprog_call(); break;
    case 9: bpf_loop_call(); break;
    case 10: ringbuf_block(); break;
    case 11: helper_misc(); break;
    case 12: global_data(); break;
    case 13: {
      const int rp = pick_pointer();
      if (rp >= 0) pointer_access(rp);
      break;
    }
    case 14: pointer_misc(); break;
    case 15: slot_as_index(); break;
    case 16: expr_access(); break;
    case 20: bounds_probe(); break;
    case 17: spill_games(); break;
    case 18: join_games(); break;
    case 19: {
      const int callee = recursive_function();
      const size_t at = here();
      emit(mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
      fn().refs.push_back({at, callee});
      clobber_after_call();
      set(0, Val::scalar());
      break;
    }
    default: break;
  }
}

void Gen::scalar_init(int d) {
  feature("scalar");
  switch (below(4)) {
    case 0: lddw(d, kInteresting64[below(std::size(kInteresting64))]); set(d, Val::scalar()); break;
    case 1: mov_imm(d, interesting(), true); break;
    default: mov_imm(d, interesting()); break;
  }
}

// A scalar the verifier knows little about: from the ctx, the stack, a map
// value or the packet, or a constant.
void Gen::scalar_source(int d) {
  const int sz = pick_size();
  const int rc = pick(Kind::Ctx);
  const int c = choose(std::array<int, 4>{rc >= 0 ? 5 : 0, 3, 3, 2});
  switch (c) {
    case 0:
      if (out_.prog_type == ProgType::Xdp) {
        ldx(4, d, rc, 12 + 4 * static_cast<int32_t>(below(2)));  // ingress_ifindex, rx_queue_index
      } else {
        ldx(sz, d, rc, sz * static_cast<int32_t>(below(static_cast<uint32_t>(ctx_limit_ / sz))));
      }
      break;
    case 1:
      ldx(sz, d, 10, -8 * static_cast<int32_t>(1 + below(8)));
      break;
    case 2: {
      const int rp = pick(Kind::MapValue);
      if (rp < 0 || m_.r[rp].size - m_.r[rp].off < sz) {
        mov_imm(d, interesting());
        return;
      }
      ldx(sz, d, rp, static_cast<int32_t>(below(static_cast<uint32_t>(m_.r[rp].size - m_.r[rp].off - sz + 1))));
      break;
    }
    default:
      mov_imm(d, interesting());
      return;
  }
  set(d, Val::scalar());
}

void Gen::scalar_alu() {
  feature("alu");
  const int d = scalar_reg();
  if (d < 0) return;
  static constexpr uint8_t kOps[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND, BPF_LSH,
                                     BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END};
  const uint8_t op = kOps[below(std::size(kOps))];
  const bool is64 = chance(60);
  const uint8_t cls = is64 ? BPF_ALU64 : BPF_ALU;
  if (op == BPF_NEG) {
    emit(mk(cls | BPF_NEG | BPF_K, static_cast<uint8_t>(d)));
  } else if (op == BPF_END) {
    static constexpr int32_t kBits[] = {16, 32, 64};
    // ALU64 END is bswap (TO_LE only); ALU END converts to either order.
    const bool bswap = chance(20);
    const uint8_t src = !bswap && chance(50) ? BPF_TO_BE : BPF_TO_LE;
    emit(mk((bswap ? BPF_ALU64 : BPF_ALU) | BPF_END | src, static_cast<uint8_t>(d), 0, 0, kBits[below(3)]));
  } else if (chance(45)) {
    const int sreg = scalar_reg(d);
    if (sreg < 0) return;
    int16_t off = 0;
    if ((op == BPF_DIV || op == BPF_MOD) && chance(30)) off = 1;  // sdiv, smod
    if (op == BPF_MOV && chance(30)) {
      static constexpr int16_t k64[] = {8, 16, 32};
      off = is64 ? k64[below(3)] : k64[below(2)];
    }
    emit(mk(cls | op | BPF_X, static_cast<uint8_t>(d), static_cast<uint8_t>(sreg), off));
  } else {
    int32_t imm = interesting();
    if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) imm = static_cast<int32_t>(below(is64 ? 64 : 32));
    if ((op == BPF_DIV || op == BPF_MOD) && imm == 0) imm = 3;
    const int16_t off = (op == BPF_DIV || op == BPF_MOD) && chance(30) ? 1 : 0;
    emit(mk(cls | op | BPF_K, static_cast<uint8_t>(d), 0, off, imm));
  }
  set(d, Val::scalar());
}

void Gen::stack_store() {
  feature("stack");
  const int sz = pick_size();
  const int32_t slot = -8 * static_cast<int32_t>(1 + below(chance(80) ? 8 : 64));
  int32_t off = slot + sz * static_cast<int32_t>(below(static_cast<uint32_t>(8 / sz)));
  if (chance(4)) off += delta();
  const int c = below(10);
  if (c < 4) {
    st(sz, 10, off, interesting());
    m_.slots[slot] = Val::scalar();
  } else if (c < 8 || sz != 8) {
    const int r = scalar_reg();
    if (r < 0) return;
    stx(sz, 10, r, off);
    m_.slots[slot] = sz == 8 ? m_.r[r] : Val::scalar();
  } else {
    // A spill of a pointer.
    const int r = chance(50) ? pick_pointer() : pick(Kind::Ctx);
    if (r < 0) return;
    stx(8, 10, r, slot);
    m_.slots[slot] = m_.r[r];
    feature("spill");
  }
}

void Gen::stack_load() {
  feature("stack");
  if (m_.slots.empty()) return;
  auto it = m_.slots.begin();
  std::advance(it, below(static_cast<uint32_t>(m_.slots.size())));
  const int d = pick_dst();
  if (d < 0) return;
  const Val v = it->second;
  if (v.is_ptr()) {
    ldx(8, d, 10, it->first);
    set(d, v);
    return;
  }
  const int sz = pick_size();
  ldx(sz, d, 10, it->first + sz * static_cast<int32_t>(below(static_cast<uint32_t>(8 / sz))));
  set(d, Val::scalar());
}

// The byte range [lo, hi) relative to the pointer in `rp` that its region
// allows, as far as the generator knows.
bool Gen::window(int rp, int* lo, int* hi) {
  const Val& v = m_.r[rp];
  switch (v.kind) {
    case Kind::Stack:
      *hi = -v.off;
      *lo = chance(75) ? std::max(-512, -96) - v.off : -512 - v.off;
      if (*lo >= *hi) *lo = -512 - v.off;
      return true;
    case Kind::MapValue:
    case Kind::Ringbuf:
    case Kind::Packet:
      *lo = -v.off;
      *hi = v.size - v.off;
      if (v.kind == Kind::Packet) *lo = 0;
      return *hi > *lo;
    default:
      return false;
  }
}

void Gen::pointer_access(int rp) {
  int lo = 0, hi = 0;
  if (!window(rp, &lo, &hi)) return;
  const Kind k = m_.r[rp].kind;
  const int c = choose(std::array<int, 3>{6, k == Kind::Packet ? 0 : 3, k == Kind::Packet ? 0 : 2});
  if (c == 0) access_const(rp, lo, hi);
  else if (c == 1) access_var(rp, lo, hi);
  else atomic_op(rp, lo, hi);
}

void Gen::access_const(int rp, int lo, int hi) {
  feature("access");
  const int sz = pick_size();
  if (hi - lo < sz) return;
  int32_t off = lo + static_cast<int32_t>(below(static_cast<uint32_t>(hi - lo - sz + 1)));
  if (chance(50)) off = chance(50) ? hi - sz : lo;  // at the edges
  // The stack takes only aligned accesses (the kernel's strict stack alignment).
  if (m_.r[rp].kind == Kind::Stack && chance(90)) off = ((off + m_.r[rp].off) & ~(sz - 1)) - m_.r[rp].off;
  off += delta();
  const bool readonly = m_.r[rp].kind == Kind::MapValue && m_.r[rp].map == kGlobalData &&
                        (out_.maps[kGlobalData].map_flags & BPF_F_RDONLY_PROG) && !chance(5);
  const int c = readonly ? 0 : below(3);
  if (c == 0) {
    const int d = pick_dst(rp);
    if (d < 0) return;
    if (chance(15)) {
      emit(mk(BPF_LDX | BPF_MEMSX | size_code(sz == 8 ? 4 : sz), static_cast<uint8_t>(d), static_cast<uint8_t>(rp),
              static_cast<int16_t>(off)));
      feature("ldsx");
    } else {
      ldx(sz, d, rp, off);
    }
    set(d, Val::scalar());
  } else if (c == 1) {
    st(sz, rp, off, interesting());
  } else {
    const int r = scalar_reg(rp);
    if (r < 0) return;
    stx(sz, rp, r, off);
  }
}

// A register that the verifier can bound to [0, limit] (or, perturbed, nearly).
Gen::Bounded Gen::bounded_index(int limit, int avoid) {
  Bounded b;
  const int d = pick_dst(avoid);
  if (d < 0) return b;
  b.reg = d;
  scalar_source(d);
  const int32_t lim = std::max(0, limit + delta());
  switch (below(16) % 9) {
    case 0: {  // mask to a power of two below the limit
      int32_t mask = 1;
      while (mask * 2 - 1 <= lim) mask *= 2;
      emit(mk(BPF_ALU64 | BPF_AND | BPF_K, static_cast<uint8_t>(d), 0, 0, mask - 1 + (chance(10) ? delta() : 0)));
      break;
    }
    case 1:  // unsigned compare
      b.skips.push_back(emit_jump(BPF_JMP | (chance(50) ? BPF_JGT : BPF_JGE) | BPF_K, d, 0, chance(50) ? lim : lim + 1));
      break;
    case 2:  // modulo
      emit(mk(BPF_ALU64 | BPF_MOD | BPF_K, static_cast<uint8_t>(d), 0, 0, lim + 1));
      break;
    case 3:  // 32-bit compare (of a zero-extended 32-bit value, mostly)
      if (chance(80)) emit(mk(BPF_ALU | BPF_MOV | BPF_X, static_cast<uint8_t>(d), static_cast<uint8_t>(d)));
      b.skips.push_back(emit_jump(BPF_JMP32 | BPF_JGT | BPF_K, d, 0, lim));
      feature("jmp32");
      break;
    case 4:  // signed compares both ways
      b.skips.push_back(emit_jump(BPF_JMP | BPF_JSGT | BPF_K, d, 0, lim));
      b.skips.push_back(emit_jump(BPF_JMP | (chance(80) ? BPF_JSLT : BPF_JSLE) | BPF_K, d, 0, 0));
      break;
    case 5: {  // compare with a register holding the limit
      const int l = pick_dst(d, avoid);
      if (l < 0) break;
      mov_imm(l, lim);
      b.skips.push_back(emit_jump(BPF_JMP | (chance(50) ? BPF_JGT : BPF_JLT) | BPF_X, chance(50) ? d : l, chance(50) ? l : d));
      break;
    }
    case 6:  // zero-extend a byte with shifts
      emit(mk(BPF_ALU64 | BPF_LSH | BPF_K, static_cast<uint8_t>(d), 0, 0, 56));
      emit(mk(BPF_ALU64 | (chance(80) ? BPF_RSH : BPF_ARSH) | BPF_K, static_cast<uint8_t>(d), 0, 0, 56));
      break;
    case 7:  // nothing: only narrow loads survive
      break;
    default:  // both bounds with unsigned compares of a register
      b.skips.push_back(emit_jump(BPF_JMP | BPF_JGE | BPF_K, d, 0, lim + 1));
      break;
  }
  set(d, Val::scalar());
  return b;
}

void Gen::access_var(int rp, int lo, int hi) {
  feature("var_access");
  const int sz = pick_size();
  if (hi - lo < sz) return;
  // index in [0, hi - lo - sz], then shifted down to start at lo. The stack
  // wants aligned accesses: there the index counts units of the access size.
  const Model before = m_;
  const bool scaled = m_.r[rp].kind == Kind::Stack && chance(90);
  if (scaled) lo = (lo + sz - 1) / sz * sz, hi = hi / sz * sz;
  if (hi - lo < sz) return;
  Bounded b = bounded_index(scaled ? (hi - lo - sz) / sz : hi - lo - sz, rp);
  if (b.reg < 0) return;
  const int ri = b.reg;
  if (scaled && sz > 1)
    emit(mk(BPF_ALU64 | BPF_LSH | BPF_K, static_cast<uint8_t>(ri), 0, 0, sz == 2 ? 1 : sz == 4 ? 2 : 3));
  if (lo != 0) emit(mk(BPF_ALU64 | BPF_ADD | BPF_K, static_cast<uint8_t>(ri), 0, 0, lo));
  const int p = pick_dst(rp, ri);
  if (p < 0) return;
  if (chance(80)) {
    mov_reg(p, rp);
    emit(mk(BPF_ALU64 | BPF_ADD | BPF_X, static_cast<uint8_t>(p), static_cast<uint8_t>(ri)));
  } else {
    emit(mk(BPF_ALU64 | BPF_MOV | BPF_X, static_cast<uint8_t>(p), static_cast<uint8_t>(ri)));
    emit(mk(BPF_ALU64 | BPF_ADD | BPF_X, static_cast<uint8_t>(p), static_cast<uint8_t>(rp)));
  }
  const int32_t off = chance(70) ? 0 : delta();
  const bool readonly = m_.r[rp].kind == Kind::MapValue && m_.r[rp].map == kGlobalData &&
                        (out_.maps[kGlobalData].map_flags & BPF_F_RDONLY_PROG);
  if (readonly || chance(50)) {
    ldx(sz, ri, p, off);
  } else if (chance(50)) {
    st(sz, p, off, interesting());
  } else {
    stx(sz, p, ri, off);
  }
  set(p, Val{});
  set(ri, Val::scalar());
  land_all(b.skips, before);
}

void Gen::atomic_op(int rp, int lo, int hi) {
  feature("atomic");
  const int sz = chance(50) ? 8 : 4;
  if (hi - lo < sz) return;
  int32_t off = lo + static_cast<int32_t>(below(static_cast<uint32_t>(hi - lo - sz + 1)));
  if (chance(85)) off &= ~(sz - 1);  // aligned (the base is aligned in the generator's layouts)
  if (chance(10)) off += delta();
  static constexpr int32_t kOps[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH,
                                     BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG};
  const int32_t op = kOps[below(std::size(kOps))];
  const int src = scalar_reg(rp);
  if (src < 0) return;
  if (op == BPF_CMPXCHG) {
    if (rp == 0 || src == 0) return;
    mov_imm(0, interesting());
  }
  emit(mk(BPF_STX | BPF_ATOMIC | size_code(sz), static_cast<uint8_t>(rp), static_cast<uint8_t>(src),
          static_cast<int16_t>(off), op));
  if (op & BPF_FETCH) set(op == BPF_CMPXCHG ? 0 : src, Val::scalar());
}

void Gen::map_lookup_block() {
  feature("map_lookup");
  static constexpr int kLookupMaps[] = {kArrayMap, kHashMap, kPercpuArray, kGlobalData, kArrayMap, kHashMap};
  const int map = kLookupMaps[below(std::size(kLookupMaps))];
  const maps::MapSpec& spec = out_.maps[static_cast<size_t>(map)];
  const int32_t key_room = (static_cast<int32_t>(spec.key_size) + 7) / 8 * 8;
  const int32_t key_off = -key_room - 8 * static_cast<int32_t>(below(4));
  // The key: small integers in its first bytes (so lookups often hit), zeros after.
  if (chance(85)) {
    const int32_t k = static_cast<int32_t>(below(spec.max_entries + 2));
    int32_t pos = 0;
    for (int32_t left = static_cast<int32_t>(spec.key_size); left > 0;) {
      const int sz = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
      st(sz, 10, key_off + pos, pos == 0 ? k : 0);
      pos += sz;
      left -= sz;
    }
  } else if (const int r = scalar_reg(); r >= 0) {
    stx(spec.key_size >= 8 ? 8 : spec.key_size >= 4 ? 4 : 1, 10, r, key_off);
  }
  for (int32_t o = key_off; o < key_off + key_room; o += 8) m_.slots[o] = Val::scalar();
  lddw_map(1, map);
  mov_reg(2, 10);
  add_imm(2, key_off);
  call_helper(BPF_FUNC_map_lookup_elem);
  int rv = 0;
  const int keep = pick_dst(-1, -1, true);
  if (keep >= 0 && chance(70)) {
    emit(mk(BPF_ALU64 | BPF_MOV | BPF_X, static_cast<uint8_t>(keep), 0));
    rv = keep;
  }
  Val value{Kind::MapValue};
  value.map = map;
  value.size = static_cast<int32_t>(spec.value_size);
  const Model before = m_;
  const bool saved_no_calls = no_calls_;
  size_t skip = SIZE_MAX;
  const int other = chance(8) ? (chance(50) ? pick(Kind::Ctx) : pick_pointer()) : -1;
  if (other >= 0 && other != rv) {
    // "Null-checked" by comparing with another pointer (the ctx may be NULL).
    skip = emit_jump(BPF_JMP | BPF_JNE | BPF_X, rv, other);
    feature("null_check_by_pointer");
  } else if (chance(spec.type == BPF_MAP_TYPE_HASH ? 94 : 70)) {
    skip = emit_jump(BPF_JMP | BPF_JEQ | BPF_K, rv, 0, 0);
  } else {
    feature("no_null_check");
  }
  set(rv, value);
  if (rv == 0) no_calls_ = true;
  const int n = 1 + static_cast<int>(below(4));
  for (int i = 0; i < n && budget_left(); i++) {
    if (m_.r[rv].kind == Kind::MapValue && chance(60)) pointer_access(rv);
    else snippet();
  }
  no_calls_ = saved_no_calls;
  if (skip != SIZE_MAX) land(skip);
  m_ = merge(before, m_);
  m_.r[rv] = Val{};
}

void Gen::packet_block() {
  const int rc = pick(Kind::Ctx);
  if (rc < 0) return;
  feature("packet");
  const bool meta = chance(15);
  const bool keep = chance(40);  // pointers in callee-saved registers
  int a, e, t;
  if (keep) {
    a = pick_dst(-1, -1, true);
    e = pick_dst(a, -1, true);
    t = pick_dst(a, e);
  } else {
    a = 2, e = 3, t = 4;
    if (reserved(a) || reserved(e) || reserved(t)) return;
  }
  if (a < 0 || e < 0 || t < 0) return;
  ldx(4, a, rc, meta ? 8 : 0);
  ldx(4, e, rc, meta ? 0 : 4);
  const int32_t n = chance(50) ? 14 + static_cast<int32_t>(below(70)) : chance(85) ? 1 + static_cast<int32_t>(below(64))
                                                                          : static_cast<int32_t>(below(400));
  const Model before = m_;
  const bool saved_no_calls = no_calls_;
  mov_reg(t, a);
  add_imm(t, n);
  std::vector<size_t> to_end;
  switch (below(7)) {
    case 0: to_end.push_back(emit_jump(BPF_JMP | BPF_JGT | BPF_X, t, e)); break;
    case 1: to_end.push_back(emit_jump(BPF_JMP | BPF_JLT | BPF_X, e, t)); break;
    case 2: to_end.push_back(emit_jump(BPF_JMP | BPF_JGE | BPF_X, t, e)); break;
    case 3: to_end.push_back(emit_jump(BPF_JMP | BPF_JLE | BPF_X, e, t)); break;
    case 4:
    case 5: {  // the access is on the taken side
      const size_t j = emit_jump(BPF_JMP | (below(2) ? BPF_JLE : BPF_JLT) | BPF_X, t, e);
      to_end.push_back(emit_jump(BPF_JMP | BPF_JA));
      land(j);
      break;
    }
    default: {
      const size_t j = emit_jump(BPF_JMP | (below(2) ? BPF_JGE : BPF_JGT) | BPF_X, e, t);
      to_end.push_back(emit_jump(BPF_JMP | BPF_JA));
      land(j);
      break;
    }
  }
  Val pkt{Kind::Packet};
  pkt.size = n;
  set(a, pkt);
  set(e, Val{Kind::PacketEnd});
  set(t, Val{});
  if (!keep) no_calls_ = true;
  const int k = 1 + static_cast<int>(below(3));
  for (int i = 0; i < k && budget_left(); i++) {
    if (m_.r[a].kind != Kind::Packet) break;
    if (chance(70)) {
      int lo = 0, hi = 0;
      if (window(a, &lo, &hi)) access_const(a, lo, hi);
    } else if (chance(50) && m_.r[e].kind == Kind::PacketEnd) {
      // A variable offset into the packet needs its own check against the end.
      feature("packet_var");
      const Model pv_before = m_;
      Bounded b = bounded_index(static_cast<int>(below(64)), a);
      const int p = b.reg < 0 ? -1 : pick_dst(a, b.reg);
      const int q = p < 0 ? -1 : pick_dst(a, p);
      if (p < 0 || q < 0 || q == b.reg || q == e || p == e) {
        land_all(b.skips, pv_before);
        continue;
      }
      mov_reg(p, a);
      emit(mk(BPF_ALU64 | BPF_ADD | BPF_X, static_cast<uint8_t>(p), static_cast<uint8_t>(b.reg)));
      const int32_t m = 1 + static_cast<int32_t>(below(16));
      mov_reg(q, p);
      add_imm(q, m);
      const size_t j = emit_jump(BPF_JMP | BPF_JGT | BPF_X, q, e);
      const int sz = pick_size();
      if (chance(50)) ldx(sz, q, p, static_cast<int32_t>(below(static_cast<uint32_t>(std::max(1, m - sz + 1)))) + delta());
      else st(sz, p, static_cast<int32_t>(below(static_cast<uint32_t>(std::max(1, m - sz + 1)))) + delta(), 7);
      set(p, Val{});
      set(q, Val::scalar());
      set(b.reg, Val::scalar());
      std::vector<size_t> all = b.skips;
      all.push_back(j);
      land_all(all, pv_before);
    } else {
      snippet();
    }
  }
  no_calls_ = saved_no_calls;
  for (size_t j : to_end) land(j);
  m_ = merge(before, m_);
  set(a, Val{});
  set(e, Val{});
}

void Gen::branch_block() {
  feature("branch");
  static constexpr uint8_t kJmps[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
                                      BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};
  const uint8_t op = kJmps[below(std::size(kJmps))];
  const bool j32 = chance(25);
  size_t j;
  if (chance(6)) {
    // Pointers compared with zero or with each other.
    const int p = pick_pointer();
    if (p < 0) return;
    const int q = pick_pointer();
    j = q >= 0 && chance(50) ? emit_jump(BPF_JMP | op | BPF_X, p, q) : emit_jump(BPF_JMP | op | BPF_K, p, 0, 0);
    feature("ptr_compare");
  } else {
    const int a = scalar_reg();
    if (a < 0) return;
    if (chance(40)) {
      const int b = scalar_reg(a);
      if (b < 0) return;
      j = emit_jump((j32 ? BPF_JMP32 : BPF_JMP) | op | BPF_X, a, b);
    } else {
      j = emit_jump((j32 ? BPF_JMP32 : BPF_JMP) | op | BPF_K, a, 0, interesting());
    }
  }
  const Model before = m_;
  block(1 + static_cast<int>(below(3)));
  if (chance(30)) {
    const size_t over_else = emit_jump(BPF_JMP | BPF_JA);
    land(j);
    const Model then_model = m_;
    m_ = before;
    block(1 + static_cast<int>(below(2)));
    land(over_else);
    m_ = merge(then_model, m_);
  } else {
    land(j);
    m_ = merge(before, m_);
  }
}

void Gen::loop_block() {
  feature("loop");
  // The counter: a callee-saved register lets the body make calls.
  int rc = pick_dst(-1, -1, true);
  const bool saved_no_calls = no_calls_;
  if (rc < 0) {
    rc = pick_dst();
    if (rc < 0) return;
    no_calls_ = true;
  } else if (rc <= 5) {
    no_calls_ = true;
  }
  const int32_t n = 1 + static_cast<int32_t>(below(6));
  mov_imm(rc, 0);
  const Model before = m_;
  const uint32_t saved_reserved = reserved_;
  reserved_ |= 1u << rc;
  set(rc, Val::scalar());
  const size_t head = here();
  // Use the counter as an index: into the stack, or into a map value.
  if (chance(60)) {
    const int p = pick_dst();
    const int t = pick_dst(p);
    if (p >= 0 && t >= 0) {
      const int32_t span = 8 * (n + delta() / 8);
      mov_reg(t, rc);
      emit(mk(BPF_ALU64 | BPF_LSH | BPF_K, static_cast<uint8_t>(t), 0, 0, 3));
      mov_reg(p, 10);
      add_imm(p, -std::max(8, span) - 8 * static_cast<int32_t>(below(4)));
      emit(mk(BPF_ALU64 | BPF_ADD | BPF_X, static_cast<uint8_t>(p), static_cast<uint8_t>(t)));
      if (chance(50)) stx(8, p, rc, 0);
      else ldx(8, t, p, 0);
      set(p, Val{});
      set(t, Val::scalar());
      feature("loop_index");
    }
  }
  block(1 + static_cast<int>(below(2)));
  add_imm(rc, 1);
  const size_t back = here();
  switch (below(4)) {
    case 0: emit(mk(BPF_JMP | BPF_JLT | BPF_K, static_cast<uint8_t>(rc), 0, 0, n)); break;
    case 1: emit(mk(BPF_JMP | BPF_JNE | BPF_K, static_cast<uint8_t>(rc), 0, 0, n)); break;
    case 2: emit(mk(BPF_JMP32 | BPF_JLT | BPF_K, static_cast<uint8_t>(rc), 0, 0, n)); break;
    default: emit(mk(BPF_JMP | BPF_JSLE | BPF_K, static_cast<uint8_t>(rc), 0, 0, n - 1)); break;
  }
  fn().code[back].off = static_cast<int16_t>(static_cast<int64_t>(head) - static_cast<int64_t>(back) - 1);
  reserved_ = saved_reserved;
  no_calls_ = saved_no_calls;
  m_ = merge(before, m_);
  set(rc, Val::scalar());
}

// Points `r` into the current frame's stack; returns the offset.
int Gen::stack_ptr_arg(int r) {
  const int32_t off = -8 * static_cast<int32_t>(1 + below(8));
  if (chance(60)) {
    st(8, 10, off, interesting());
    m_.slots[off] = Val::scalar();
  }
  mov_reg(r, 10);
  add_imm(r, off);
  Val v{Kind::Stack};
  v.off = off;
  set(r, v);
  return off;
}

void Gen::subprog_call() {
  feature("subprog");
  const int nargs = static_cast<int>(below(4));
  std::array<Val, 5> args{};
  for (int i = 0; i < nargs; i++) {
    const int r = i + 1;
    switch (below(5)) {
      case 0: {
        stack_ptr_arg(r);
        Val v = m_.r[r];
        args[i] = v;
        break;
      }
      case 1: {
        const int p = pick(Kind::MapValue);
        if (p >= 0 && p != r) {
          mov_reg(r, p);
          args[i] = m_.r[r];
          break;
        }
        [[fallthrough]];
      }
      case 2: {
        const int c = pick(Kind::Ctx);
        if (c >= 0 && c != r && chance(50)) {
          mov_reg(r, c);
          args[i] = m_.r[r];
          break;
        }
        [[fallthrough]];
      }
      default:
        mov_imm(r, interesting());
        args[i] = m_.r[r];
        break;
    }
  }
  // Arguments written above may be clobbered by a later one's set-up only
  // if registers coincide; they do not (argument i lives in r(i+1)).
  const int callee = gen_function(args, false);
  const size_t at = here();
  emit(mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
  fn().refs.push_back({at, callee});
  clobber_after_call();
  set(0, Val::scalar());
  // The callee may have written through stack pointers into our slots.
  for (auto& [off, v] : m_.slots)
    if (!v.is_ptr()) v = Val::scalar();
}

void Gen::bpf_loop_call() {
  feature("bpf_loop");
  std::array<Val, 5> args{};
  args[0] = Val::scalar();
  int32_t ctx_off = 0;
  const int kind = below(10);
  if (kind < 7) {
    ctx_off = -8 * static_cast<int32_t>(1 + below(4));
    for (int32_t o = ctx_off; o < 0; o += 8) {
      if (chance(70)) {
        st(8, 10, o, chance(70) ? static_cast<int32_t>(below(4)) : interesting());
        m_.slots[o] = Val::scalar();
      }
    }
    args[1] = Val{Kind::Stack};
    args[1].off = ctx_off;
  } else {
    args[1] = Val::constant(0);
  }
  const int callee = gen_function(args, true);
  // nr_loops: mostly small constants (0 included), sometimes from a register,
  // sometimes one per path.
  if (chance(15)) {
    const int c = scalar_reg(1);
    if (c < 0) return;
    mov_imm(1, static_cast<int32_t>(below(4)));
    const size_t j = emit_jump(BPF_JMP | BPF_JNE | BPF_K, c, 0, static_cast<int32_t>(below(3)));
    mov_imm(1, static_cast<int32_t>(below(12)));
    land(j);
    feature("bpf_loop_nr_per_path");
  } else if (chance(80)) {
    mov_imm(1, static_cast<int32_t>(below(6)));
  } else {
    const int r = scalar_reg(1);
    if (r < 0) return;
    mov_reg(1, r);
    emit(mk(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, 7));
  }
  const size_t at = here();
  lddw(2, 0, BPF_PSEUDO_FUNC);
  fn().refs.push_back({at, callee});
  if (kind < 7) {
    mov_reg(3, 10);
    add_imm(3, ctx_off);
  } else {
    mov_imm(3, 0);
  }
  mov_imm(4, 0);
  call_helper(BPF_FUNC_loop);
  for (auto& [off, v] : m_.slots)
    if (!v.is_ptr()) v = Val::scalar();
  if (kind < 7 && chance(50)) slot_as_index();
}

// A stack slot's value used as an offset without a check of its own: safe
// only when the verifier knows the slot exactly.
void Gen::slot_as_index() {
  if (m_.slots.empty()) return;
  feature("slot_index");
  auto it = m_.slots.begin();
  std::advance(it, below(static_cast<uint32_t>(m_.slots.size())));
  if (it->second.is_ptr()) return;
  const int rp = pick_pointer();
  if (rp < 0 || m_.r[rp].kind == Kind::Packet) return;
  const int ri = pick_dst(rp);
  const int p = pick_dst(rp, ri);
  if (ri < 0 || p < 0) return;
  ldx(8, ri, 10, it->first);
  set(ri, Val::scalar());
  mov_reg(p, rp);
  emit(mk(BPF_ALU64 | BPF_ADD | BPF_X, static_cast<uint8_t>(p), static_cast<uint8_t>(ri)));
  if (chance(50)) st(1, p, 0, 1);
  else ldx(1, ri, p, 0);
  set(p, Val{});
}

void Gen::ringbuf_block() {
  feature("ringbuf");
  static constexpr int32_t kSizes[] = {1, 4, 8, 12, 16, 24, 32, 64, 100, 128};
  int32_t size = kSizes[below(std::size(kSizes))];
  if (chance(10)) size = std::max(0, size + delta());
  lddw_map(1, kRingbufMap);
  mov_imm(2, size);
  mov_imm(3, chance(97) ? 0 : 1);
  emit(mk(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_reserve));
  clobber_after_call();
  int rr = 0;
  const int keep = pick_dst(-1, -1, true);
  if (keep >= 0 && chance(80)) {
    emit(mk(BPF_ALU64 | BPF_MOV | BPF_X, static_cast<uint8_t>(keep), 0));
    rr = keep;
  }
  const Model before = m_;
  const bool saved_no_calls = no_calls_;
  const size_t skip = emit_jump(BPF_JMP | BPF_JEQ | BPF_K, rr, 0, 0);
  Val rec{Kind::Ringbuf};
  rec.size = size;
  set(rr, rec);
  if (rr <= 5) no_calls_ = true;
  const int n = 1 + static_cast<int>(below(3));
  for (int i = 0; i < n && budget_left(); i++) {
    if (m_.r[rr].kind == Kind::Ringbuf && chance(70)) pointer_access(rr);
    else if (rr > 5) snippet();
  }
  no_calls_ = saved_no_calls;
  if (rr > 5 && m_.r[rr].kind == Kind::Ringbuf && chance(25)) {
    // Submit on one path, discard on the other (or, rarely, neither).
    feature("ringbuf_branch");
    const int c = scalar_reg(rr);
    if (c >= 0) {
      const size_t j = emit_jump(BPF_JMP | BPF_JGT | BPF_K, c, 0, static_cast<int32_t>(below(16)));
      mov_reg(1, rr);
      mov_imm(2, 0);
      emit(mk(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_submit));
      const size_t over = emit_jump(BPF_JMP | BPF_JA);
      land(j);
      if (!chance(3)) {
        mov_reg(1, rr);
        mov_imm(2, 0);
        emit(mk(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_discard));
      } else {
        mov_imm(0, 0);
      }
      land(over);
      clobber_after_call();
    }
  } else if (m_.r[rr].kind == Kind::Ringbuf || chance(3)) {
    mov_reg(1, rr);
    mov_imm(2, 0);
    emit(mk(BPF_JMP | BPF_CALL, 0, 0, 0, chance(60) ? BPF_FUNC_ringbuf_submit : BPF_FUNC_ringbuf_discard));
    clobber_after_call();
    if (chance(3)) {
      feature("use_after_submit");
      st(1, rr, 0, 1);
    }
  }
  land(skip);
  m_ = merge(before, m_);
  set(rr, Val{});
}

void Gen::helper_misc() {
  feature("helper");
  switch (below(6)) {
    case 0:
    case 1: {  // update: key and value on the stack (or the value in a map value)
      const int map = chance(50) ? kHashMap : chance(50) ? kArrayMap : kPercpuArray;
      const maps::MapSpec& spec = out_.maps[static_cast<size_t>(map)];
      const int32_t vroom = (static_cast<int32_t>(spec.value_size) + 7) / 8 * 8;
      const int32_t voff = -vroom - 16;
      if (voff < -512) return;
      st(4, 10, -8, static_cast<int32_t>(below(spec.max_entries + 1)));
      if (spec.key_size > 4) st(4, 10, -4, 0);
      if (spec.key_size > 8) return;
      for (int32_t o = voff; o < voff + vroom; o += 8)
        if (chance(50)) st(8, 10, o, static_cast<int32_t>(below(64)));
      lddw_map(1, map);
      mov_reg(2, 10);
      add_imm(2, -8);
      const int pv = pick(Kind::MapValue);
      if (pv >= 0 && pv > 5 && m_.r[pv].map == map && m_.r[pv].off == 0 && chance(30)) {
        mov_reg(3, pv);
      } else {
        mov_reg(3, 10);
        add_imm(3, voff + delta());
      }
      mov_imm(4, static_cast<int32_t>(below(3)));
      call_helper(BPF_FUNC_map_update_elem);
      break;
    }
    case 2: {
      st(8, 10, -16, static_cast<int32_t>(below(6)));
      st(8, 10, -8, 0);
      lddw_map(1, kHashMap);
      mov_reg(2, 10);
      add_imm(2, -16);
      call_helper(BPF_FUNC_map_delete_elem);
      break;
    }
    case 3: {  // probe_read_kernel into the stack or a map value
      const int pv = pick(Kind::MapValue);
      int32_t size;
      if (pv > 5 && chance(40)) {
        mov_reg(1, pv);
        size = m_.r[pv].size - m_.r[pv].off;
      } else {
        const int32_t off = -8 * static_cast<int32_t>(1 + below(8));
        mov_reg(1, 10);
        add_imm(1, off);
        size = -off;
      }
      mov_imm(2, std::max(0, size + delta()));
      const int src = pick_pointer();
      if (src >= 3 && src != 10 && chance(50)) mov_reg(3, src);
      else mov_imm(3, 0);
      call_helper(BPF_FUNC_probe_read_kernel);
      break;
    }
    case 4: {  // ringbuf output of stack bytes
      const int32_t off = -8 * static_cast<int32_t>(1 + below(8));
      lddw_map(1, kRingbufMap);
      mov_reg(2, 10);
      add_imm(2, off);
      mov_imm(3, std::max(0, -off + delta()));
      mov_imm(4, 0);
      call_helper(BPF_FUNC_ringbuf_output);
      break;
    }
    default:
      if (chance(50)) {
        call_helper(BPF_FUNC_get_smp_processor_id);
      } else {
        lddw_map(1, kRingbufMap);
        mov_imm(2, static_cast<int32_t>(below(4)));
        call_helper(BPF_FUNC_ringbuf_query);
      }
      break;
  }
}

void Gen::global_data() {
  feature("global_data");
  const int d = pick_dst();
  if (d < 0) return;
  const auto vs = static_cast<int32_t>(out_.maps[kGlobalData].value_size);
  const int32_t off = chance(50) ? 0 : static_cast<int32_t>(below(static_cast<uint32_t>(vs)));
  Insn a = mk(BPF_LD | BPF_IMM | BPF_DW, static_cast<uint8_t>(d), BPF_PSEUDO_MAP_IDX_VALUE, 0, kGlobalData);
  Insn b = mk(0, 0, 0, 0, off);
  emit(a);
  emit(b);
  Val v{Kind::MapValue};
  v.map = kGlobalData;
  v.size = vs;
  v.off = off;
  set(d, v);
  pointer_access(d);
}

// Pointer arithmetic by constants, and pointer differences.
void Gen::pointer_misc() {
  feature("ptr_math");
  const int rp = pick_pointer();
  if (rp < 0) return;
  const int d = pick_dst(rp);
  if (d < 0) return;
  int lo = 0, hi = 0;
  if (!window(rp, &lo, &hi)) return;
  if (chance(30)) {
    // ptr - ptr: a scalar.
    mov_reg(d, rp);
    add_imm(d, static_cast<int32_t>(below(16)));
    emit(mk(BPF_ALU64 | BPF_SUB | BPF_X, static_cast<uint8_t>(d), static_cast<uint8_t>(rp)));
    set(d, Val::scalar());
    return;
  }
  int32_t c = lo + static_cast<int32_t>(below(static_cast<uint32_t>(hi - lo + 1)));
  if (m_.r[rp].kind == Kind::Stack && chance(90)) c = ((c + m_.r[rp].off) & ~7) - m_.r[rp].off;
  mov_reg(d, rp);
  if (chance(70)) {
    add_imm(d, c);
  } else {
    emit(mk(BPF_ALU64 | BPF_SUB | BPF_K, static_cast<uint8_t>(d), 0, 0, -c));
  }
  Val v = m_.r[rp];
  v.off += c;
  if (v.kind == Kind::Packet) v.size = std::max(0, v.size);
  set(d, v);
  pointer_access(d);
}

// A value computed from bounded inputs by a chain of ALU operations (and maybe
// a refining branch), which the verifier may or may not bound to [0, limit]:
// used as an offset with no check of its own, it tests the verifier's
// transfer functions rather than a comparison.
int Gen::expr_index(int limit, int avoid, std::vector<size_t>* skips) {
  static constexpr int32_t kStarts[] = {1, 3, 7, 8, 15, 16, 31, 63, 64, 255, 256, 1023, 65535};
  const int32_t start = chance(40) ? std::max(0, limit) : kStarts[below(std::size(kStarts))];
  Bounded b = bounded_index(start, avoid);
  if (b.reg < 0) return -1;
  for (size_t j : b.skips) skips->push_back(j);
  const int r = b.reg;
  static constexpr uint8_t kOps[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_AND, BPF_OR,
                                     BPF_XOR, BPF_DIV, BPF_MOD, BPF_NEG, BPF_MOV, BPF_END,  BPF_ADD, BPF_AND};
  const int steps = 1 + static_cast<int>(below(3));
  for (int i = 0; i < steps; i++) {
    const uint8_t op = kOps[below(std::size(kOps))];
    const bool is64 = chance(70);
    const uint8_t cls = is64 ? BPF_ALU64 : BPF_ALU;
    if (op == BPF_NEG) {
      emit(mk(cls | BPF_NEG, static_cast<uint8_t>(r)));
    } else if (op == BPF_END) {
      emit(mk(BPF_ALU | BPF_END | (chance(50) ? BPF_TO_LE : BPF_TO_BE), static_cast<uint8_t>(r), 0, 0, chance(50) ? 16 : 32));
    } else if (op == BPF_MOV) {
      static constexpr int16_t kSx[] = {0, 8, 16, 32};
      const int16_t sx = kSx[below(4)];
      emit(mk((sx == 32 || chance(60) ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_X, static_cast<uint8_t>(r),
              static_cast<uint8_t>(r), sx));
    } else if (chance(30)) {
      // With a second bounded value.
      Bounded o = bounded_index(static_cast<int>(kStarts[below(std::size(kStarts))]), r);
      if (o.reg < 0 || o.reg == avoid) continue;
      for (size_t j : o.skips) skips->push_back(j);
      emit(mk(cls | op | BPF_X, static_cast<uint8_t>(r), static_cast<uint8_t>(o.reg), op == BPF_DIV || op == BPF_MOD ? static_cast<int16_t>(below(2)) : 0));
      set(o.reg, Val::scalar());
    } else {
      int32_t imm = static_cast<int32_t>(below(17)) - (chance(20) ? 8 : 0);
      if (chance(20)) imm = interesting();
      if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) imm = static_cast<int32_t>(below(is64 ? 64 : 32));
      if ((op == BPF_DIV || op == BPF_MOD) && imm == 0) imm = 1 + static_cast<int32_t>(below(9));
      const int16_t off = (op == BPF_DIV || op == BPF_MOD) && chance(25) ? 1 : 0;
      emit(mk(cls | op | BPF_K, static_cast<uint8_t>(r), 0, off, imm));
    }
  }
  if (chance(30)) {
    // Clamped at the end (the chain still shapes what the clamp sees).
    int32_t mask = 1;
    while (mask * 2 - 1 <= limit) mask *= 2;
    if (chance(50)) emit(mk(BPF_ALU64 | BPF_AND | BPF_K, static_cast<uint8_t>(r), 0, 0, mask - 1));
    else skips->push_back(emit_jump(BPF_JMP | BPF_JGT | BPF_K, r, 0, limit));
  } else if (chance(35)) {
    // A refining comparison, any operator.
    static constexpr uint8_t kJmps[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
                                        BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};
    const int32_t k = chance(60) ? limit + delta() : interesting();
    skips->push_back(emit_jump((chance(25) ? BPF_JMP32 : BPF_JMP) | kJmps[below(std::size(kJmps))] | BPF_K, r, 0, k));
  }
  set(r, Val::scalar());
  feature("expr");
  return r;
}

// `ri` as an offset, unchecked, into some region: a map value, a ring buffer
// record, the stack (bytes: the stack wants aligned accesses) or the packet.
void Gen::use_as_index(int ri, bool byte_only) {
  const int rp = pick_pointer();
  if (rp < 0 || rp == ri) return;
  const Kind k = m_.r[rp].kind;
  const int sz = byte_only || k == Kind::Stack ? 1 : pick_size();
  const int p = pick_dst(rp, ri);
  if (p < 0) return;
  mov_reg(p, rp);
  emit(mk(BPF_ALU64 | BPF_ADD | BPF_X, static_cast<uint8_t>(p), static_cast<uint8_t>(ri)));
  int lo = 0, hi = 0;
  window(rp, &lo, &hi);
  const int32_t off = k == Kind::Stack ? lo : (chance(80) ? 0 : delta());
  const bool readonly = k == Kind::MapValue && m_.r[rp].map == kGlobalData &&
                        (out_.maps[kGlobalData].map_flags & BPF_F_RDONLY_PROG);
  if (readonly || chance(50)) ldx(sz, ri, p, off);
  else st(sz, p, off, 0x5a);
  set(p, Val{});
  set(ri, Val::scalar());
}

void Gen::expr_access() {
  const int rp = pick_pointer();
  if (rp < 0) return;
  int lo = 0, hi = 0;
  if (!window(rp, &lo, &hi)) return;
  std::vector<size_t> skips;
  const Model before = m_;
  const int ri = expr_index(m_.r[rp].kind == Kind::Stack ? hi - lo - 1 : hi - 1, rp, &skips);
  if (ri >= 0) use_as_index(ri, false);
  land_all(skips, before);
}

// A bounded scalar spilled to the stack at some size, maybe partly
// overwritten (by a store, a variable-offset store or a helper), filled back
// at some size and used as an offset: the stack's spill/fill bookkeeping.
void Gen::spill_games() {
  feature("spill_games");
  std::vector<size_t> skips;
  const Model before = m_;
  int lo = 0, hi = 0;
  const int rp = pick_pointer();
  const int limit = rp >= 0 && window(rp, &lo, &hi) ? hi - lo - 1 : 15;
  const int r = chance(50) ? expr_index(limit, -1, &skips) : bounded_index(limit, -1).reg;
  if (r < 0) {
    land_all(skips, before);
    return;
  }
  static constexpr int kSizes[] = {1, 2, 4, 8, 8, 4};
  const int s = kSizes[below(std::size(kSizes))];
  const int32_t slot = -8 * static_cast<int32_t>(1 + below(6));
  const int32_t off = slot + s * static_cast<int32_t>(below(static_cast<uint32_t>(8 / s)));
  if (chance(30)) st(8, 10, slot, chance(50) ? 0 : -1);  // what the rest of the slot holds
  stx(s, 10, r, off);
  switch (below(6)) {
    case 0: {  // a store over part of it
      const int t = kSizes[below(4)];
      const int32_t o = slot + t * static_cast<int32_t>(below(static_cast<uint32_t>(8 / t)));
      if (chance(50)) st(t, 10, o, chance(50) ? 0 : interesting());
      else if (const int v = scalar_reg(r); v >= 0) stx(t, 10, v, o);
      feature("spill_overwrite");
      break;
    }
    case 1: {  // a variable-offset byte store that may hit it
      const int q = pick_dst(r);
      const int i = q < 0 ? -1 : pick_dst(r, q);
      if (q < 0 || i < 0) break;
      scalar_source(i);
      emit(mk(BPF_ALU64 | BPF_AND | BPF_K, static_cast<uint8_t>(i), 0, 0, 7));
      mov_reg(q, 10);
      add_imm(q, slot);
      emit(mk(BPF_ALU64 | BPF_ADD | BPF_X, static_cast<uint8_t>(q), static_cast<uint8_t>(i)));
      st(1, q, 0, chance(50) ? 0 : 0x7f);
      set(q, Val{});
      set(i, Val::scalar());
      feature("spill_var_write");
      break;
    }
    case 2:  // a helper writes over it (probe_read of NULL zero-fills)
      if (no_calls_ || r <= 5) break;
      mov_reg(1, 10);
      add_imm(1, slot + 8 * static_cast<int32_t>(below(2)) - 8 * static_cast<int32_t>(below(2)));
      mov_imm(2, static_cast<int32_t>(1 + below(8)));
      mov_imm(3, 0);
      call_helper(BPF_FUNC_probe_read_kernel);
      feature("spill_helper_write");
      break;
    default:
      break;
  }
  const int d = pick_dst();
  if (d < 0) {
    land_all(skips, before);
    return;
  }
  const int t = kSizes[below(std::size(kSizes))];
  ldx(t, d, 10, chance(70) ? off - (off % t + t) % t : slot + t * static_cast<int32_t>(below(static_cast<uint32_t>(8 / t))));
  set(d, Val::scalar());
  set(r, Val::scalar());
  m_.slots[slot] = Val::scalar();
  use_as_index(d, false);
  land_all(skips, before);
}

// Values that differ by path and meet at a join, then used unchecked: what
// pruning must not confuse.
void Gen::join_games() {
  feature("join");
  int lo = 0, hi = 0;
  const int rp = pick_pointer();
  const int limit = rp >= 0 && window(rp, &lo, &hi) ? hi - lo - 1 : 16;
  const int x = pick_dst(-1, -1, chance(60));
  if (x < 0) return;
  const int c = scalar_reg(x);
  if (c < 0) return;
  auto value = [&] {
    if (chance(60)) {
      mov_imm(x, chance(70) ? static_cast<int32_t>(below(static_cast<uint32_t>(std::max(1, limit + 1)))) : limit + delta());
    } else {
      std::vector<size_t> sk;
      mov_imm(x, 0);  // what the paths that skip the expression see
      const Model before = m_;
      const int r = expr_index(limit, x, &sk);
      if (r >= 0) mov_reg(x, r);
      land_all(sk, before);
    }
  };
  const bool via_stack = chance(30);
  value();
  if (via_stack) stx(8, 10, x, -8);
  static constexpr uint8_t kJmps[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JLT, BPF_JSGT, BPF_JSLT, BPF_JSET};
  const size_t j = emit_jump((chance(20) ? BPF_JMP32 : BPF_JMP) | kJmps[below(std::size(kJmps))] | BPF_K, c, 0,
                             static_cast<int32_t>(below(8)));
  value();
  if (via_stack) stx(8, 10, x, -8);
  land(j);
  // Something between the join and the use, sometimes a call.
  if (chance(40)) block(1);
  if (via_stack) {
    ldx(8, x, 10, -8);
    m_.slots[-8] = Val::scalar();
  }
  if (m_.r[x].kind != Kind::Scalar && !via_stack) return;
  set(x, Val::scalar());
  use_as_index(x, false);
}

// A comparison the verifier must decide from its bounds of a computed value,
// guarding a dereference of a number: accepted only if the verifier proves the
// branch dead, so a run that takes it shows bounds that were wrong.
void Gen::bounds_probe() {
  feature("bounds_probe");
  std::vector<size_t> skips;
  const Model before = m_;
  int r;
  switch (below(4)) {
    case 0:
    case 1:
      r = expr_index(static_cast<int>(below(300)), -1, &skips);
      break;
    case 2:
      r = bounded_index(static_cast<int>(below(300)), -1).reg;
      break;
    default: {
      // A copy linked to the original, which a comparison then refines.
      const int a = scalar_reg();
      r = a < 0 ? -1 : pick_dst(a);
      if (r < 0) break;
      mov_reg(r, a);
      static constexpr uint8_t kRefine[] = {BPF_JGT, BPF_JSGT, BPF_JLT, BPF_JEQ, BPF_JNE, BPF_JGE};
      skips.push_back(emit_jump((chance(20) ? BPF_JMP32 : BPF_JMP) | kRefine[below(std::size(kRefine))] | BPF_K, a, 0,
                                static_cast<int32_t>(below(64))));
      feature("linked");
      break;
    }
  }
  if (r < 0) {
    land_all(skips, before);
    return;
  }
  static constexpr uint8_t kJmps[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
                                      BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};
  const uint8_t op = kJmps[below(std::size(kJmps))];
  const bool j32 = chance(25);
  int32_t k = chance(50) ? static_cast<int32_t>(below(300)) + delta() : interesting();
  size_t bad;
  if (chance(20)) {
    const int o = pick(Kind::Scalar, r);
    if (o < 0) {
      bad = emit_jump((j32 ? BPF_JMP32 : BPF_JMP) | op | BPF_K, r, 0, k);
    } else {
      bad = emit_jump((j32 ? BPF_JMP32 : BPF_JMP) | op | BPF_X, r, o);
    }
  } else {
    bad = emit_jump((j32 ? BPF_JMP32 : BPF_JMP) | op | BPF_K, r, 0, k);
  }
  const size_t over = emit_jump(BPF_JMP | BPF_JA);
  land(bad);
  ldx(1, r, r, 0);  // a number dereferenced: reachable only if the bounds lied
  land(over);
  set(r, Val::scalar());
  land_all(skips, before);
}

// A subprogram that calls itself while its argument is not zero, decrementing
// it: the verifier must follow the recursion to its depth (at most 8 frames).
int Gen::recursive_function() {
  feature("recursion");
  const int id = static_cast<int>(funcs_.size());
  funcs_.emplace_back();
  const int saved_cur = cur_;
  cur_ = id;
  // if r1 == 0 goto out; r1 -= 1; call self; out: r0 = r1... (r0 = 0)
  Func& f = fn();
  f.code.push_back(mk(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3, 0));
  f.code.push_back(mk(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -1));
  f.code.push_back(mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
  f.refs.push_back({2, id});
  f.code.push_back(mk(BPF_JMP | BPF_JA, 0, 0, 1));
  f.code.push_back(mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
  f.code.push_back(mk(BPF_JMP | BPF_EXIT));
  cur_ = saved_cur;
  // The depth: a constant, or a bounded unknown.
  if (chance(60)) {
    mov_imm(1, static_cast<int32_t>(below(10)));
  } else {
    const int r = scalar_reg(1);
    if (r < 0) mov_imm(1, 0);
    else {
      mov_reg(1, r);
      emit(mk(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, chance(50) ? 3 : 7));
    }
  }
  return id;
}

int Gen::gen_function(const std::array<Val, 5>& args, bool callback) {
  const int id = static_cast<int>(funcs_.size());
  funcs_.emplace_back();
  const int saved_cur = cur_;
  Model saved_model = m_;
  const bool saved_no_calls = no_calls_;
  const uint32_t saved_reserved = reserved_;
  const int saved_block_depth = block_depth_;
  cur_ = id;
  m_ = Model{};
  for (int i = 0; i < 5; i++) m_.r[i + 1] = args[i];
  m_.r[10] = Val{Kind::Stack};
  no_calls_ = false;
  reserved_ = 0;
  block_depth_ = 0;
  ++call_depth_;
  feature(callback ? "callback" : "subprog_body");
  // Use the arguments first: pointers are what make callees interesting.
  for (int i = 1; i <= 5; i++) {
    if (m_.r[i].is_ptr() && chance(80)) {
      pointer_access(i);
      if (chance(40)) pointer_access(i);
    }
  }
  if (callback && m_.r[2].kind == Kind::Stack && chance(40)) {
    // Loop-carried state in the caller's stack: read, advance, write back, use.
    feature("callback_state");
    ldx(8, 3, 2, 0);
    add_imm(3, chance(50) ? 1 : 8);
    stx(8, 2, 3, 0);
    mov_reg(4, 2);
    emit(mk(BPF_ALU64 | BPF_ADD | BPF_X, 4, 3));
    st(1, 4, -8 - m_.r[2].off > 0 ? 0 : 0, 1);
    set(3, Val::scalar());
    set(4, Val{});
  }
  block(1 + static_cast<int>(below(4)));
  epilogue(callback);
  --call_depth_;
  cur_ = saved_cur;
  m_ = std::move(saved_model);
  no_calls_ = saved_no_calls;
  reserved_ = saved_reserved;
  block_depth_ = saved_block_depth;
  return id;
}

void Gen::epilogue(bool callback) {
  if (callback) {
    if (chance(70)) {
      mov_imm(0, chance(85) ? 0 : 1);
    } else {
      const int r = scalar_reg();
      if (r < 0) {
        mov_imm(0, 0);
      } else {
        mov_reg(0, r);
        emit(mk(BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, chance(90) ? 1 : 3));
      }
    }
  } else if (cur_ != 0 && chance(15)) {
    const int p = pick(Kind::MapValue);
    if (p >= 0) mov_reg(0, p);
    else mov_imm(0, interesting());
  } else {
    const int r = chance(70) ? pick(Kind::Scalar) : -1;
    if (r >= 0) mov_reg(0, r);
    else mov_imm(0, static_cast<int32_t>(below(4)));
  }
  emit(mk(BPF_JMP | BPF_EXIT));
}

maps::MapSpec spec_of(const char* name, uint32_t type, uint32_t key, uint32_t value, uint32_t max, uint32_t flags = 0) {
  maps::MapSpec s;
  s.name = name;
  s.type = type;
  s.key_size = key;
  s.value_size = value;
  s.max_entries = max;
  s.map_flags = flags;
  return s;
}

GeneratedProgram Gen::run() {
  out_.prog_type = o_.prog_type;
  if (out_.prog_type == ProgType::Unspec) out_.prog_type = chance(50) ? ProgType::Xdp : ProgType::Syscall;
  static constexpr uint32_t kKeySizes[] = {4, 8, 1, 2, 12, 16, 4, 8};
  static constexpr uint32_t kEntries[] = {1, 2, 4, 8};
  auto vsize = [&] { return static_cast<uint32_t>(kValueSizes[below(std::size(kValueSizes))]); };
  out_.maps.resize(kNumMapSlots);
  out_.maps[kArrayMap] = spec_of("arr", BPF_MAP_TYPE_ARRAY, 4, vsize(), kEntries[below(4)]);
  out_.maps[kHashMap] = spec_of("hash", BPF_MAP_TYPE_HASH, kKeySizes[below(8)], vsize(), 8);
  out_.maps[kRingbufMap] = spec_of("rb", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
  out_.maps[kGlobalData] =
      spec_of("gdata", BPF_MAP_TYPE_ARRAY, 4, vsize(), 1, chance(25) ? BPF_F_RDONLY_PROG : 0);
  out_.maps[kPercpuArray] = spec_of("pcpu", BPF_MAP_TYPE_PERCPU_ARRAY, 4, vsize(), 2);
  ctx_limit_ = 8 * static_cast<int>(1 + below(8));

  funcs_.emplace_back();
  cur_ = 0;
  m_.r[1] = Val{Kind::Ctx};
  m_.r[10] = Val{Kind::Stack};
  mov_reg(6, 1);
  if (chance(60)) {
    // Initialised stack: loads from it are then a function of the program,
    // so more runs can be compared with the interpreter.
    for (int32_t o = -8; o >= -64; o -= 8) {
      st(8, 10, o, chance(50) ? 0 : static_cast<int32_t>(below(16)));
      m_.slots[o] = Val::scalar();
    }
  }
  block(2 + static_cast<int>(below(10)));
  epilogue(false);

  // Lay out: main, then every other function in creation order.
  std::vector<size_t> start(funcs_.size());
  size_t pos = 0;
  for (size_t i = 0; i < funcs_.size(); i++) {
    start[i] = pos;
    pos += funcs_[i].code.size();
  }
  out_.insns.reserve(pos);
  for (size_t i = 0; i < funcs_.size(); i++) {
    for (const auto& ref : funcs_[i].refs) {
      const int64_t at = static_cast<int64_t>(start[i] + ref.at);
      funcs_[i].code[ref.at].imm = static_cast<int32_t>(static_cast<int64_t>(start[static_cast<size_t>(ref.callee)]) - at - 1);
    }
    out_.insns.insert(out_.insns.end(), funcs_[i].code.begin(), funcs_[i].code.end());
  }
  if (chance(15)) mutate(out_.insns);
  out_.features.assign(features_.begin(), features_.end());
  return std::move(out_);
}

// A few instructions changed a little: near-valid programs reach paths of the
// verifier that well-formed snippets do not.
void Gen::mutate(std::vector<Insn>& insns) {
  feature("mutated");
  std::vector<size_t> cand;
  for (size_t i = 0; i < insns.size(); i++) {
    if (isa::is_lddw(insns[i])) {
      i++;
      continue;
    }
    if (isa::is_call(insns[i]) || isa::is_exit(insns[i])) continue;
    cand.push_back(i);
  }
  const int n = 1 + static_cast<int>(below(3));
  for (int k = 0; k < n && !cand.empty(); k++) {
    Insn& in = insns[cand[below(static_cast<uint32_t>(cand.size()))]];
    const uint8_t cls = BPF_CLASS(in.code);
    const bool jmp = cls == BPF_JMP || cls == BPF_JMP32;
    const bool mem = cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX;
    switch (below(5)) {
      case 0:  // the immediate
        if (chance(50)) {
          const int32_t d = delta();
          in.imm = static_cast<int32_t>(static_cast<uint32_t>(in.imm) + static_cast<uint32_t>(d ? d : 1));  // wraps
        }
        else in.imm = interesting();
        break;
      case 1:  // a memory offset (jump offsets would mostly break the CFG)
        if (mem) in.off = static_cast<int16_t>(in.off + (chance(50) ? delta() : static_cast<int32_t>(below(17)) - 8));
        break;
      case 2:  // the operation
        if (cls == BPF_ALU || cls == BPF_ALU64) {
          static constexpr uint8_t kOps[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH,
                                             BPF_XOR, BPF_ARSH, BPF_MOV};
          if (BPF_OP(in.code) != BPF_END && BPF_OP(in.code) != BPF_NEG && in.off == 0)
            in.code = static_cast<uint8_t>((in.code & ~0xf0) | kOps[below(std::size(kOps))]);
        } else if (jmp && BPF_OP(in.code) != BPF_JA) {
          static constexpr uint8_t kJmps[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
                                              BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};
          in.code = static_cast<uint8_t>((in.code & ~0xf0) | kJmps[below(std::size(kJmps))]);
          if (chance(20)) in.code ^= (BPF_JMP ^ BPF_JMP32);
        } else if (cls == BPF_ALU64 || cls == BPF_ALU) {
          in.code ^= (BPF_ALU ^ BPF_ALU64);
        }
        break;
      case 3:  // the access size
        if (mem && BPF_MODE(in.code) == BPF_MEM) {
          static constexpr uint8_t kSizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
          in.code = static_cast<uint8_t>((in.code & ~0x18) | kSizes[below(4)]);
        }
        break;
      default:  // a register
        if (chance(50)) in.src_reg = static_cast<uint8_t>(below(10));
        else in.dst_reg = static_cast<uint8_t>(below(10));
        break;
    }
  }
}

}  // namespace

GeneratedProgram generate_program(ByteSource& src, const GenOptions& opts) { return Gen(src, opts).run(); }

}  // namespace hostbpf::fuzz
