// Stack slots: bounds, spills and fills, partial writes, zero bytes and
// variable-offset accesses, with the privileged kernel's rules (reads of
// never-written bytes allowed when allow_uninit_stack, as CAP_PERFMON).
#include "verifier/check_stack.h"

namespace hostbpf::verifier {

namespace {

// The byte at frame offset `o` (negative): its slot and index in type[].
struct ByteRef {
  size_t spi;
  size_t idx;
};
ByteRef byte_at(int64_t o) {
  const auto slot = static_cast<size_t>(-o - 1);
  return {slot / 8, slot % 8};
}

// A helper's access is named by direction too: "invalid read from stack" for
// a key, "invalid write to stack" for a buffer the helper fills (older
// kernels said "invalid indirect access to stack").
const char* err_extra(StackAccess kind) { return kind == kStackWrite ? " write to" : " read from"; }

// mark_stack_slot_misc: a byte next to a narrow spill.
void mark_misc_keep_zero(uint8_t& t) {
  if (t == kStackZero || t == kStackInvalid) return;
  t = kStackMisc;
}

// A write that is not a spill destroys the spilled register of the slot.
void destroy_spill(StackSlot& s) {
  if (!s.is_spill() && s.spilled.type == RegType::NotInit) return;
  for (auto& t : s.type)
    if (t == kStackSpill) t = kStackMisc;
  s.spilled = RegState::not_init();
}

// save_register_state: `size` bytes of a register spilled at an aligned slot.
void save_register_state(StackSlot& s, const RegState& r, int size) {
  s.spilled = r;
  if (size < 8 && r.is_scalar() && r.var.umax >> (8 * size) != 0) s.spilled.id = 0;
  int i = 8;
  for (; i > 8 - size; i--) s.type[i - 1] = kStackSpill;
  for (; i > 0; i--) mark_misc_keep_zero(s.type[i - 1]);
}

int write_fixed(Env& env, FuncState& st, int64_t off, int size, const RegState* value) {
  const ByteRef b = byte_at(off);
  StackSlot& slot = st.stack[b.spi];
  env.mark_stack_scratched(b.spi);
  if (value && off % 8 == 0 && value->is_scalar()) {
    save_register_state(slot, *value, size);
    return 0;
  }
  if (value && value->is_pointer()) {
    if (size != 8) {
      log_linfo(env, env.insn_idx, "; ");
      return env.reject(-EACCES, "invalid size of register spill");
    }
    if (&st != &env.cur.cur() && value->type == RegType::Stack)
      return env.reject(-EINVAL, "cannot spill pointers to stack into stack frame of the caller");
    if (off % 8 == 0) {
      save_register_state(slot, *value, size);
      return 0;
    }
  }
  const uint8_t t = value && value->is_null_const() ? kStackZero : kStackMisc;
  for (int i = 0; i < size; i++) {
    const ByteRef bi = byte_at(off + i);
    destroy_spill(st.stack[bi.spi]);
    st.stack[bi.spi].type[bi.idx] = t;
  }
  return 0;
}

// Bytes that hold data: MISC, ZERO, SPILL, or never written when allowed.
bool byte_readable(const Env& env, uint8_t t) { return t != kStackInvalid || env.in.allow_uninit_stack; }

int read_fixed(Env& env, FuncState& st, int64_t off, int size, int dst) {
  const ByteRef b = byte_at(off);
  StackSlot& slot = st.stack[b.spi];
  env.mark_stack_scratched(b.spi);
  if (slot.is_spill() && off % 8 == 0) {
    int spill_size = 1;
    for (int i = 7; i > 0 && slot.type[i - 1] == kStackSpill; i--) spill_size++;
    if (size == 8 && spill_size == 8) {
      if (dst >= 0) env.reg(dst) = slot.spilled;
      return 0;
    }
    if (!slot.spilled.is_scalar()) {
      log_linfo(env, env.insn_idx, "; ");
      return env.reject(-EACCES, "invalid size of register fill");
    }
    if (size <= spill_size) {
      if (dst >= 0) env.reg(dst) = RegState::scalar(slot.spilled.var);
      return 0;
    }
  } else if (slot.is_spill() && !slot.spilled.is_scalar() && slot.is_full_spill()) {
    log_linfo(env, env.insn_idx, "; ");
    return env.reject(-EACCES, "invalid size of register fill");
  }
  int zeros = 0;
  for (int i = 0; i < size; i++) {
    const ByteRef bi = byte_at(off + i);
    const uint8_t t = st.stack[bi.spi].type[bi.idx];
    if (t == kStackZero) zeros++;
    if (!byte_readable(env, t))
      return env.reject(-EACCES, "invalid read from stack off %lld+%d size %d", static_cast<long long>(off), i, size);
  }
  if (dst >= 0) env.reg(dst) = zeros == size ? RegState::known(0) : RegState::unknown();
  return 0;
}

// check_stack_write_var_off: every byte the access may touch becomes data.
void write_var(FuncState& st, int64_t min_off, int64_t max_off, const RegState* value) {
  const bool zero = value && value->is_null_const();
  for (int64_t o = min_off; o < max_off; o++) {
    const ByteRef b = byte_at(o);
    destroy_spill(st.stack[b.spi]);
    uint8_t& t = st.stack[b.spi].type[b.idx];
    t = zero && t == kStackZero ? kStackZero : kStackMisc;
  }
}

}  // namespace

int check_stack_access_within_bounds(Env& env, int regno, int64_t off, int64_t size, StackAccess kind) {
  const RegState& reg = env.reg(regno);
  int64_t min_off, max_off;
  if (tnum_is_const(reg.var.var_off)) {
    min_off = static_cast<int64_t>(reg.var.var_off.value) + off;
    max_off = min_off + size;
  } else {
    if (reg.var.smax >= kMaxVarOff || reg.var.smin <= -kMaxVarOff)
      return env.reject(-EACCES, "invalid unbounded variable-offset%s stack R%d", err_extra(kind), regno);
    min_off = reg.var.smin + off;
    max_off = reg.var.smax + off + size;
  }
  int err = 0;
  if (min_off < -isa::kMaxBpfStack || min_off >= 0) err = -EACCES;
  else if (max_off > 0) err = -EINVAL;
  else if (size < 0) err = -EINVAL;
  if (err) {
    if (tnum_is_const(reg.var.var_off))
      return env.reject(err, "invalid%s stack R%d off=%lld size=%lld", err_extra(kind), regno,
                        static_cast<long long>(off), static_cast<long long>(size));
    return env.reject(err, "invalid variable-offset%s stack R%d var_off=%s off=%lld size=%lld", err_extra(kind),
                      regno, tnum_str(reg.var.var_off).c_str(), static_cast<long long>(off),
                      static_cast<long long>(size));
  }
  FuncState& st = stack_frame_of(env, reg);
  st.grow_stack(static_cast<int32_t>(min_off));
  env.update_stack_depth(st, static_cast<int32_t>(min_off));
  return 0;
}

int check_stack_write(Env& env, int regno, int64_t off, int size, const RegState* value, int) {
  const RegState reg = env.reg(regno);
  FuncState& st = stack_frame_of(env, reg);
  if (tnum_is_const(reg.var.var_off)) return write_fixed(env, st, off + static_cast<int64_t>(reg.var.var_off.value), size, value);
  write_var(st, reg.var.smin + off, reg.var.smax + off + size, value);
  return 0;
}

int check_stack_read(Env& env, int regno, int64_t off, int size, int value_regno) {
  const RegState reg = env.reg(regno);
  FuncState& st = stack_frame_of(env, reg);
  if (tnum_is_const(reg.var.var_off))
    return read_fixed(env, st, off + static_cast<int64_t>(reg.var.var_off.value), size, value_regno);
  if (int err = check_stack_range_initialized(env, regno, off, size, false, false)) return err;
  if (value_regno >= 0) mark_reg_unknown(env, value_regno);
  return 0;
}

int check_stack_range_initialized(Env& env, int regno, int64_t off, int64_t size, bool zero_ok, bool write) {
  if (size == 0 && !zero_ok) return env.reject(-EACCES, "invalid zero-sized read");
  // A zero-sized access is still bounds-checked, as the kernel does: a
  // variable offset may put it anywhere, also above the frame.
  if (int err = check_stack_access_within_bounds(env, regno, off, size, write ? kStackWrite : kStackRead)) return err;
  const RegState reg = env.reg(regno);
  FuncState& st = stack_frame_of(env, reg);
  const bool is_const = tnum_is_const(reg.var.var_off);
  const int64_t min_off = is_const ? static_cast<int64_t>(reg.var.var_off.value) + off : reg.var.smin + off;
  const int64_t max_off = is_const ? min_off : reg.var.smax + off;
  for (int64_t o = min_off; o < max_off + size; o++) {
    const ByteRef b = byte_at(o);
    StackSlot& slot = st.stack[b.spi];
    if (write) {  // the helper may write anything there (the log shows those slots)
      env.mark_stack_scratched(b.spi);
      destroy_spill(slot);
      slot.type[b.idx] = kStackMisc;
      continue;
    }
    if (byte_readable(env, slot.type[b.idx])) continue;
    if (is_const)
      return env.reject(-EACCES, "invalid read from stack R%d off %lld+%lld size %lld", regno,
                        static_cast<long long>(min_off), static_cast<long long>(o - min_off),
                        static_cast<long long>(size));
    return env.reject(-EACCES, "invalid read from stack R%d var_off %s+%lld size %lld", regno,
                      tnum_str(reg.var.var_off).c_str(), static_cast<long long>(o - min_off),
                      static_cast<long long>(size));
  }
  return 0;
}

}  // namespace hostbpf::verifier
