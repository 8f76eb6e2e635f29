// ALU instructions (the kernel's check_alu_op, adjust_reg_min_max_vals,
// adjust_ptr_min_max_vals, check_reg_sane_offset). Scalars go through the
// scalar domain (scalar_bounds.h); pointers only as the privileged kernel
// allows: ADD/SUB of a scalar on 64 bits, pointer - pointer gives a scalar.
#include "verifier/env.h"

namespace hostbpf::verifier {

namespace {

// bpf_alu_string, indexed by BPF_OP >> 4.
const char* alu_string(uint8_t op) {
  static const char* const s[] = {"+=", "-=", "*=", "/=",  "|=", "&=",   "<<=", ">>=",
                                  "neg", "%=", "^=", "=",  "s>>=", "endian", "?", "?"};
  return s[(op >> 4) & 15];
}

// check_reg_sane_offset: pointer math stays far from overflow.
int check_reg_sane_offset(Env& env, const RegState& reg, const RegState& ptr) {
  const std::string t = reg_type_str(ptr);
  const bool known = tnum_is_const(reg.var.var_off);
  const auto val = static_cast<int64_t>(reg.var.var_off.value);
  if (known && (val >= kMaxVarOff || val <= -kMaxVarOff))
    return env.reject(-EACCES, "math between %s pointer and %lld is not allowed", t.c_str(), static_cast<long long>(val));
  if (reg.off >= kMaxVarOff || reg.off <= -kMaxVarOff)
    return env.reject(-EACCES, "%s pointer offset %d is not allowed", t.c_str(), reg.off);
  if (reg.var.smin == std::numeric_limits<int64_t>::min())
    return env.reject(-EACCES, "math between %s pointer and register with unbounded min value is not allowed", t.c_str());
  if (reg.var.smin >= kMaxVarOff || reg.var.smin <= -kMaxVarOff)
    return env.reject(-EACCES, "value %lld makes %s pointer be out of bounds", static_cast<long long>(reg.var.smin), t.c_str());
  return 0;
}

bool ptr_arith_allowed(const RegState& ptr, const RegState& off, uint8_t op) {
  switch (ptr.type) {
    case RegType::Ctx: case RegType::MapValue: case RegType::MapKey: case RegType::Stack:
    case RegType::PacketMeta: case RegType::Packet: case RegType::BtfId: case RegType::Mem:
    case RegType::Func:
      return true;
    case RegType::ConstMapPtr:
      return off.is_const() && off.var.var_off.value == 0 && op == BPF_ADD;
    default:
      return false;
  }
}

// The variable part of ptr +/- off with 64-bit overflow falling back to
// unbounded (the kernel's BPF_ADD/BPF_SUB cases in adjust_ptr_min_max_vals).
ScalarState ptr_var_math(const ScalarState& p, const ScalarState& o, bool add) {
  ScalarState r = p;
  r.mark_unbounded32();
  if (add) {
    if (__builtin_add_overflow(p.smin, o.smin, &r.smin) || __builtin_add_overflow(p.smax, o.smax, &r.smax)) {
      r.smin = std::numeric_limits<int64_t>::min();
      r.smax = std::numeric_limits<int64_t>::max();
    }
    if (__builtin_add_overflow(p.umin, o.umin, &r.umin) || __builtin_add_overflow(p.umax, o.umax, &r.umax)) {
      r.umin = 0;
      r.umax = std::numeric_limits<uint64_t>::max();
    }
    r.var_off = tnum_add(p.var_off, o.var_off);
  } else {
    if (__builtin_sub_overflow(p.smin, o.smax, &r.smin) || __builtin_sub_overflow(p.smax, o.smin, &r.smax)) {
      r.smin = std::numeric_limits<int64_t>::min();
      r.smax = std::numeric_limits<int64_t>::max();
    }
    if (p.umin < o.umax) {
      r.umin = 0;
      r.umax = std::numeric_limits<uint64_t>::max();
    } else {
      r.umin = p.umin - o.umax;
      r.umax = p.umax - o.umin;
    }
    r.var_off = tnum_sub(p.var_off, o.var_off);
  }
  return r;
}

// adjust_ptr_min_max_vals: dst = ptr <op> off, where dst is one of them.
int adjust_ptr(Env& env, const isa::Insn& insn, const RegState& ptr, const RegState& off, bool dst_is_off) {
  const int dst = insn.dst_reg;
  const uint8_t op = BPF_OP(insn.code);
  if (isa::insn_class(insn) != BPF_ALU64) {
    if (op == BPF_SUB) {
      mark_reg_unknown(env, dst);
      return 0;
    }
    return env.reject(-EACCES, "R%d 32-bit pointer arithmetic prohibited", dst);
  }
  if (ptr.maybe_null())
    return env.reject(-EACCES, "R%d pointer arithmetic on %s prohibited, null-check it first", dst, reg_type_str(ptr).c_str());
  if (!ptr_arith_allowed(ptr, off, op))
    return env.reject(-EACCES, "R%d pointer arithmetic on %s prohibited", dst, reg_type_str(ptr).c_str());
  if (int err = check_reg_sane_offset(env, off, ptr)) return err;
  if (int err = check_reg_sane_offset(env, ptr, ptr)) return err;
  const bool known = off.is_const();
  const int64_t val = off.var.smin;
  RegState res = ptr;
  switch (op) {
    case BPF_ADD:
      if (known && ptr.off + val == static_cast<int32_t>(ptr.off + val)) {
        res.off = static_cast<int32_t>(ptr.off + val);
        break;
      }
      res.var = ptr_var_math(ptr.var, off.var, true);
      if (ptr.is_pkt()) {
        res.id = ++env.id_gen;
        res.range = 0;
      }
      break;
    case BPF_SUB:
      if (dst_is_off) return env.reject(-EACCES, "R%d tried to subtract pointer from scalar", dst);
      // Any subtraction from a stack pointer, even of a constant: some JITs
      // cannot cope with it (the kernel's "invalid fp arithmetic" rule).
      if (ptr.type == RegType::Stack) return env.reject(-EACCES, "R%d subtraction from stack pointer prohibited", dst);
      if (known && ptr.off - val == static_cast<int32_t>(ptr.off - val)) {
        res.off = static_cast<int32_t>(ptr.off - val);
        break;
      }
      res.var = ptr_var_math(ptr.var, off.var, false);
      if (ptr.is_pkt()) {
        res.id = ++env.id_gen;
        if (off.var.smin < 0) res.range = 0;
      }
      break;
    case BPF_AND:
    case BPF_OR:
    case BPF_XOR:
      return env.reject(-EACCES, "R%d bitwise operator %s on pointer prohibited", dst, alu_string(op));
    default:
      return env.reject(-EACCES, "R%d pointer arithmetic with %s operator prohibited", dst, alu_string(op));
  }
  if (int err = check_reg_sane_offset(env, res, ptr)) return err;
  reg_bounds_sync(res.var);
  env.reg(dst) = res;
  return 0;
}

// adjust_reg_min_max_vals: the non-MOV binary operations.
int adjust_reg(Env& env, const isa::Insn& insn) {
  const bool alu32 = isa::insn_class(insn) == BPF_ALU;
  const uint8_t op = BPF_OP(insn.code);
  RegState& dst = env.reg(insn.dst_reg);
  const RegState src = BPF_SRC(insn.code) == BPF_X
                           ? env.reg(insn.src_reg)
                           : RegState::known(static_cast<uint64_t>(static_cast<int64_t>(insn.imm)));
  if (dst.is_pointer() && src.is_pointer()) {
    if (op == BPF_SUB) {
      mark_reg_unknown(env, insn.dst_reg);
      return 0;
    }
    return env.reject(-EACCES, "R%d pointer %s pointer prohibited", insn.dst_reg, alu_string(op));
  }
  if (dst.is_pointer()) return adjust_ptr(env, insn, dst, src, false);
  if (src.is_pointer()) return adjust_ptr(env, insn, src, dst, true);
  scalar_alu(dst.var, src.var, op, alu32);
  dst.id = 0;
  return 0;
}

int check_mov(Env& env, const isa::Insn& insn) {
  const bool alu32 = isa::insn_class(insn) == BPF_ALU;
  if (BPF_SRC(insn.code) == BPF_K) {
    if (int err = check_reg_write(env, insn.dst_reg)) return err;
    RegState& dst = env.reg(insn.dst_reg);
    dst = RegState::known(0);
    scalar_mov_imm(dst.var, insn.imm, alu32);
    return 0;
  }
  if (int err = check_reg_read(env, insn.src_reg)) return err;
  if (int err = check_reg_write(env, insn.dst_reg)) return err;
  RegState& src = env.reg(insn.src_reg);
  if (!src.is_scalar()) {
    // A partial or sign-extended copy of a pointer gives a privileged program
    // a scalar ("partial copy of pointer" and "sign-extension part of
    // pointer" are the unprivileged rejections).
    if (alu32 || insn.off != 0) mark_reg_unknown(env, insn.dst_reg);
    else env.reg(insn.dst_reg) = src;
    return 0;
  }
  // assign_scalar_id_before_mov: copies of a scalar share an id so that a
  // comparison on one bounds them all (sync_linked_regs).
  const bool linked = !alu32 && insn.off == 0 && !src.var.is_const();
  if (linked && src.id == 0) src.id = ++env.id_gen;
  RegState res = RegState::scalar(src.var);
  scalar_mov(res.var, src.var, alu32, insn.off);
  res.id = linked ? src.id : 0;
  env.reg(insn.dst_reg) = res;
  return 0;
}

// Immediates the kernel's check_alu_op refuses outright: a constant zero
// divisor (a register divisor is fine: it gives 0 at run time) and constant
// shifts of the operand's width or more, whose result BPF leaves undefined.
int check_alu_imm(Env& env, const isa::Insn& insn) {
  if (BPF_SRC(insn.code) != BPF_K) return 0;
  const uint8_t op = BPF_OP(insn.code);
  if ((op == BPF_DIV || op == BPF_MOD) && insn.imm == 0) return env.reject(-EINVAL, "div by zero");
  const int width = isa::insn_class(insn) == BPF_ALU64 ? 64 : 32;
  if ((op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) && (insn.imm < 0 || insn.imm >= width))
    return env.reject(-EINVAL, "invalid shift %d", insn.imm);
  return 0;
}

}  // namespace

int check_alu(Env& env, const isa::Insn& insn) {
  const uint8_t op = BPF_OP(insn.code);
  if (op == BPF_MOV) return check_mov(env, insn);
  if (op == BPF_NEG || op == BPF_END) {
    if (int err = check_reg_read(env, insn.dst_reg)) return err;
    if (int err = check_reg_write(env, insn.dst_reg)) return err;
    RegState& dst = env.reg(insn.dst_reg);
    if (!dst.is_scalar()) {
      mark_reg_unknown(env, insn.dst_reg);
      return 0;
    }
    dst.id = 0;
    if (op == BPF_NEG) scalar_neg(dst.var, isa::insn_class(insn) == BPF_ALU);
    else scalar_end(dst.var);
    return 0;
  }
  if (BPF_SRC(insn.code) == BPF_X)
    if (int err = check_reg_read(env, insn.src_reg)) return err;
  if (int err = check_reg_read(env, insn.dst_reg)) return err;
  if (int err = check_alu_imm(env, insn)) return err;
  if (int err = check_reg_write(env, insn.dst_reg)) return err;
  return adjust_reg(env, insn);
}

}  // namespace hostbpf::verifier
