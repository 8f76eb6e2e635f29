// Conditional jumps (the kernel's check_cond_jmp_op): branch prediction,
// scalar refinement of both branches (reg_set_min_max, sync_linked_regs),
// null checks of maybe-NULL pointers (mark_ptr_or_null_regs) and packet
// ranges from comparisons with pkt_end (try_match_pkt_pointers,
// find_good_pkt_pointers).
#include "verifier/env.h"

namespace hostbpf::verifier {

namespace {

constexpr uint64_t kMaxPacketOff = 0xffff;

// reg_not_null: pointers that can never be NULL.
bool reg_not_null(const RegState& r) {
  if (r.maybe_null()) return false;
  switch (r.type) {
    case RegType::MapValue: case RegType::MapKey: case RegType::ConstMapPtr: return true;
    case RegType::Mem: return (r.flags & kPtrUntrusted) == 0;
    case RegType::BtfId: return r.ref_obj_id != 0 || r.flags == kPtrTrusted;  // is_trusted_reg
    default: return false;
  }
}

// is_branch_taken with pointers: only "non-NULL pointer ==/!= 0" is known.
int branch_taken(uint8_t op, const RegState& a, const RegState& b, bool is_jmp32) {
  if (a.is_pointer() || b.is_pointer()) {
    const RegState* p = &a;
    const RegState* k = &b;
    if (!(k->is_scalar() && k->var.is_const(is_jmp32))) {
      op = flip_opcode(op);
      std::swap(p, k);
    }
    if (!(k->is_scalar() && k->var.is_const(is_jmp32))) return -1;
    if (!reg_not_null(*p) || k->var.const_value(is_jmp32) != 0) return -1;
    if (op == BPF_JEQ) return 0;
    if (op == BPF_JNE) return 1;
    return -1;
  }
  return is_branch_taken(op, a.var, b.var, is_jmp32);
}

// sync_linked_regs: scalars sharing an id (copies) learn the refined bounds.
void sync_linked(VerifierState& st, const RegState& known) {
  if (!known.is_scalar() || known.id == 0) return;
  for_each_reg(st, [&](RegState& r) {
    if (r.is_scalar() && r.id == known.id) r.var = known.var;
  });
}

// mark_ptr_or_null_regs over every frame and spilled slot.
void mark_ptr_or_null(Env& env, VerifierState& st, int regno, bool is_null) {
  const RegState& r = st.regs()[regno];
  const uint32_t id = r.id;
  const uint32_t ref = r.ref_obj_id;
  if (ref && ref == id && is_null) {
    // The NULL branch: nothing was acquired (release_reference_nomark).
    std::erase_if(st.refs, [&](const RefState& s) { return s.id == id; });
  }
  if (id == 0) return;
  for_each_reg(st, [&](RegState& x) {
    if (!x.maybe_null() || x.id != id) return;
    if (is_null) {
      x = RegState::known(0);
      return;
    }
    x.flags &= static_cast<uint8_t>(~kPtrMaybeNull);
    x.id = 0;
  });
  (void)env;
}

// find_good_pkt_pointers: every copy of `pkt` (same type and id) may access
// `pkt.off` bytes, one more when the comparison was strict (`right_open`:
// pkt' < pkt_end leaves pkt' itself inside the packet).
void find_good_pkt_pointers(VerifierState& st, const RegState& pkt, bool right_open) {
  if (pkt.off < 0 || (pkt.off == 0 && right_open)) return;
  if (pkt.var.umax > kMaxPacketOff || pkt.var.umax + static_cast<uint64_t>(pkt.off) > kMaxPacketOff) return;
  const int32_t new_range = pkt.off + (right_open ? 1 : 0);
  if (new_range <= 0) return;
  const RegType t = pkt.type;
  const uint32_t id = pkt.id;
  for_each_reg(st, [&](RegState& r) {
    if (r.type == t && r.id == id && r.range < new_range) r.range = new_range;
  });
}

bool is_init_pkt(const RegState& r, RegType t) {
  return r.type == t && r.off == 0 && tnum_equals_const(r.var.var_off, 0);
}

// try_match_pkt_pointers: `fall` is the fall-through state, `taken` the jump's.
bool match_pkt_pointers(const isa::Insn& insn, const RegState& dst, const RegState& src, VerifierState& fall,
                        VerifierState& taken) {
  if (BPF_SRC(insn.code) != BPF_X || isa::insn_class(insn) == BPF_JMP32) return false;
  const bool dst_pkt = (dst.type == RegType::Packet && src.type == RegType::PacketEnd) ||
                       (dst.type == RegType::PacketMeta && is_init_pkt(src, RegType::Packet));
  const bool src_pkt = (dst.type == RegType::PacketEnd && src.type == RegType::Packet) ||
                       (is_init_pkt(dst, RegType::Packet) && src.type == RegType::PacketMeta);
  if (!dst_pkt && !src_pkt) return false;
  const RegState& pkt = dst_pkt ? dst : src;
  const uint8_t op = BPF_OP(insn.code);
  // Where pkt' < end holds strictly, one more byte is known to be there.
  const bool strict_jge_jlt = op == BPF_JGE || op == BPF_JLT;
  const bool right_open = dst_pkt ? strict_jge_jlt : !strict_jge_jlt;
  switch (op) {
    case BPF_JGT:  // pkt' > end: fall-through has pkt' <= end; end > pkt': taken
    case BPF_JGE:  // pkt' >= end: fall-through has pkt' < end; end >= pkt': taken
      find_good_pkt_pointers(dst_pkt ? fall : taken, pkt, right_open);
      return true;
    case BPF_JLT:  // pkt' < end: taken; end < pkt': fall-through has pkt' <= end
    case BPF_JLE:  // pkt' <= end: taken; end <= pkt': fall-through has pkt' < end
      find_good_pkt_pointers(dst_pkt ? taken : fall, pkt, right_open);
      return true;
    default:
      return false;
  }
}

}  // namespace

int check_cond_jmp(Env& env, const isa::Insn& insn, int32_t& next) {
  const uint8_t op = BPF_OP(insn.code);
  const bool is_jmp32 = isa::insn_class(insn) == BPF_JMP32;
  if (int err = check_reg_read(env, insn.dst_reg)) return err;
  if (BPF_SRC(insn.code) == BPF_X)
    if (int err = check_reg_read(env, insn.src_reg)) return err;
  const RegState dst = env.reg(insn.dst_reg);
  const RegState src = BPF_SRC(insn.code) == BPF_X
                           ? env.reg(insn.src_reg)
                           : RegState::known(static_cast<uint64_t>(static_cast<int64_t>(insn.imm)));
  const int32_t target = env.insn_idx + insn.off + 1;
  int pred = branch_taken(op, dst, src, is_jmp32);
  if (BPF_SRC(insn.code) == BPF_X && insn.src_reg == insn.dst_reg && dst.is_scalar() && pred < 0) {
    // Same register on both sides: the comparison is decided.
    if (op == BPF_JEQ || op == BPF_JGE || op == BPF_JLE || op == BPF_JSGE || op == BPF_JSLE) pred = 1;
    else if (op == BPF_JNE || op == BPF_JGT || op == BPF_JLT || op == BPF_JSGT || op == BPF_JSLT) pred = 0;
  }
  if (pred == 1) {
    next = target;
    return 0;
  }
  if (pred == 0) return 0;

  VerifierState& taken = push_stack(env, target, env.insn_idx).st;
  VerifierState& fall = env.cur;
  if (dst.is_scalar() && src.is_scalar()) {
    ScalarState ta = dst.var, tb = src.var, fa = dst.var, fb = src.var;
    reg_set_min_max(op, is_jmp32, ta, tb, fa, fb);
    taken.regs()[insn.dst_reg].var = ta;
    fall.regs()[insn.dst_reg].var = fa;
    if (BPF_SRC(insn.code) == BPF_X) {
      taken.regs()[insn.src_reg].var = tb;
      fall.regs()[insn.src_reg].var = fb;
      sync_linked(taken, taken.regs()[insn.src_reg]);
      sync_linked(fall, fall.regs()[insn.src_reg]);
    }
    sync_linked(taken, taken.regs()[insn.dst_reg]);
    sync_linked(fall, fall.regs()[insn.dst_reg]);
  }
  // A maybe-NULL pointer compared with a non-NULL one is non-NULL where equal.
  // The other one must be known non-NULL, not merely lack the maybe-NULL flag:
  // a syscall program's ctx is NULL when run without one, and the kernel's
  // rule (which only asks for the flag) lets `lookup() == ctx` pass a NULL.
  const auto never_null = [](const RegState& r) {
    return reg_not_null(r) || r.type == RegType::Stack || r.is_pkt() || r.type == RegType::PacketEnd;
  };
  if (!is_jmp32 && BPF_SRC(insn.code) == BPF_X && dst.is_pointer() && src.is_pointer() &&
      dst.maybe_null() != src.maybe_null() && dst.type != RegType::BtfId && src.type != RegType::BtfId &&
      never_null(src.maybe_null() ? dst : src) && (op == BPF_JEQ || op == BPF_JNE)) {
    VerifierState& eq = op == BPF_JEQ ? taken : fall;
    const int r = src.maybe_null() ? insn.src_reg : insn.dst_reg;
    eq.regs()[r].flags &= static_cast<uint8_t>(~kPtrMaybeNull);
  }
  if (!is_jmp32 && BPF_SRC(insn.code) == BPF_K && insn.imm == 0 && (op == BPF_JEQ || op == BPF_JNE) &&
      dst.maybe_null()) {
    mark_ptr_or_null(env, fall, insn.dst_reg, op == BPF_JNE);
    mark_ptr_or_null(env, taken, insn.dst_reg, op == BPF_JEQ);
  } else {
    match_pkt_pointers(insn, dst, src, fall, taken);
  }
  return 0;
}

}  // namespace hostbpf::verifier
