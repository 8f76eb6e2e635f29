// Helper calls checked against their prototypes (the kernel's
// check_helper_call, check_func_arg, check_mem_size_reg,
// check_map_func_compatibility), R0 from the return type, R1-R5 clobbered.
#include <linux/bpf.h>

#include "isa/disasm.h"
#include "verifier/env.h"
#include "helpers/helper.h"

namespace hostbpf::verifier {

using helpers::ArgType;
using helpers::HelperProto;
using helpers::RetType;

namespace {

struct ArgMeta {
  int32_t map = -1;           // CONST_PTR_TO_MAP argument
  uint64_t mem_size = 0;      // ARG_CONST_ALLOC_SIZE_OR_ZERO
  int release_regno = 0;
  uint32_t ref_obj_id = 0;
  int32_t subprog = -1;       // ARG_PTR_TO_FUNC
  int64_t const_map_key = -1;  // ARG_PTR_TO_MAP_KEY of an array: the key when known
};

// func_id_name: the UAPI name of any kernel helper id, "unknown" otherwise.
std::string func_id_name(int32_t id) {
  if (const char* n = helpers::helper_name(id)) return n;
  if (id < 0 || id >= __BPF_FUNC_MAX_ID) return "unknown";
  const isa::Insn call{BPF_JMP | BPF_CALL, 0, 0, 0, id};
  const std::string text = isa::disasm_insn(&call, 0);  // "(85) call bpf_xxx#N"
  const size_t b = text.find("call ");
  const size_t e = text.rfind('#');
  return b == std::string::npos || e == std::string::npos ? "unknown" : text.substr(b + 5, e - b - 5);
}

struct TypeList {
  std::initializer_list<std::pair<RegType, uint8_t>> types;
};
// The kernel's mem_types, in its order (which its messages list).
const TypeList kMemTypes{{{RegType::Stack, 0}, {RegType::Packet, 0}, {RegType::PacketMeta, 0}, {RegType::MapKey, 0},
                          {RegType::MapValue, 0}, {RegType::Mem, 0}, {RegType::Mem, kMemRingbuf}, {RegType::Buf, 0},
                          {RegType::BtfId, kPtrTrusted}}};

bool in_list(const RegState& r, const TypeList& l, bool rdonly_ok) {
  uint8_t f = r.flags;
  if (rdonly_ok) f &= static_cast<uint8_t>(~kMemRdonly);
  for (const auto& [t, fl] : l.types)
    if (r.type == t && f == fl) return true;
  return false;
}

int type_mismatch(Env& env, int regno, const TypeList& l) {
  std::string expected;
  for (const auto& [t, fl] : l.types) {
    if (!expected.empty()) expected += ", ";
    expected += reg_type_str(t, fl);
  }
  return env.reject(-EACCES, "R%d type=%s expected=%s", regno, reg_type_str(env.reg(regno)).c_str(), expected.c_str());
}

int expect(Env& env, int regno, RegType t, uint8_t flags = 0) {
  if (env.reg(regno).type == t && env.reg(regno).flags == flags) return 0;
  return type_mismatch(env, regno, TypeList{{{t, flags}}});
}

// check_mem_size_reg: R(regno) is the size of the memory in R(regno - 1).
int check_mem_size(Env& env, int regno, bool zero_ok, bool write) {
  const RegState& r = env.reg(regno);
  if (!r.is_scalar()) return expect(env, regno, RegType::Scalar);
  if (r.var.smin < 0)
    return env.reject(-EACCES, "R%d min value is negative, either use unsigned or 'var &= const'", regno);
  if (r.var.umin == 0 && !zero_ok)
    return env.reject(-EACCES, "R%d invalid zero-sized read: u64=[%llu,%llu]", regno,
                      static_cast<unsigned long long>(r.var.umin), static_cast<unsigned long long>(r.var.umax));
  if (r.var.umax >= static_cast<uint64_t>(kMaxVarSiz))
    return env.reject(-EACCES, "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'", regno);
  return check_helper_mem_access(env, regno - 1, static_cast<int64_t>(r.var.umax), write, zero_ok);
}

// can_elide_value_nullness: maps whose every in-range key has a value.
bool can_elide_value_nullness(const maps::MapSpec& m) {
  return m.type == BPF_MAP_TYPE_ARRAY || m.type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

// get_constant_map_key: the key a stack pointer points at, when the stack
// says it exactly: zero bytes covering the key, or a spilled known scalar of
// exactly the key's size. -1 otherwise. (Spilled scalars are always compared
// precisely when pruning, so relying on the value is sound here.)
int64_t constant_map_key(Env& env, const RegState& key, uint32_t key_size) {
  if (key.type != RegType::Stack || !tnum_is_const(key.var.var_off)) return -1;
  const int64_t stack_off = key.off + static_cast<int64_t>(key.var.var_off.value);
  if (stack_off >= 0) return -1;
  const auto slot = static_cast<size_t>(-stack_off - 1);
  const FuncState& f = stack_frame_of(env, key);
  if (slot / 8 >= f.stack.size()) return -1;
  const StackSlot& s = f.stack[slot / 8];
  const int top = static_cast<int>(slot % 8);
  uint32_t zeros = 0;
  for (int i = top; i >= 0 && s.type[i] == kStackZero; i--) zeros++;
  if (zeros >= key_size) return 0;
  if (!s.is_spill() || !s.spilled.is_scalar()) return -1;
  uint32_t spilled = 0;
  for (int i = top; i >= 0 && s.type[i] == kStackSpill; i--) spilled++;
  if (spilled != key_size || !tnum_is_const(s.spilled.var.var_off)) return -1;
  return static_cast<int64_t>(s.spilled.var.var_off.value);
}

int check_map_mem(Env& env, int regno, ArgMeta& meta, bool key) {
  if (!in_list(env.reg(regno), kMemTypes, true)) return type_mismatch(env, regno, kMemTypes);
  const maps::MapSpec* m = env.map(meta.map);
  if (!m) return env.reject(-EACCES, key ? "invalid map_ptr to access map->key" : "invalid map_ptr to access map->value");
  if (int err = check_helper_mem_access(env, regno, key ? m->key_size : m->value_size, false, false)) return err;
  if (key && can_elide_value_nullness(*m)) meta.const_map_key = constant_map_key(env, env.reg(regno), m->key_size);
  return 0;
}

int check_release_arg(Env& env, int regno, ArgMeta& meta) {
  const RegState& r = env.reg(regno);
  if (r.type != RegType::Mem || r.flags != kMemRingbuf) return expect(env, regno, RegType::Mem, kMemRingbuf);
  if (!r.ref_obj_id) return env.reject(-EINVAL, "R%d must be referenced when passed to release function", regno);
  if (r.off) return env.reject(-EINVAL, "R%d must have zero offset when passed to release func or trusted arg to kfunc", regno);
  if (!tnum_equals_const(r.var.var_off, 0))
    return env.reject(-EACCES, "variable %s access var_off=%s disallowed", reg_type_str(r).c_str(), tnum_str(r.var.var_off).c_str());
  meta.release_regno = regno;
  meta.ref_obj_id = r.ref_obj_id;
  return 0;
}

// check_func_arg for one argument.
int check_arg(Env& env, int regno, ArgType type, ArgType prev, bool pkt_access, ArgMeta& meta) {
  if (type == ArgType::DontCare) return 0;
  if (int err = check_reg_read(env, regno)) return err;
  RegState& r = env.reg(regno);
  if (type == ArgType::Anything) return 0;
  // may_access_direct_pkt_data with a helper's meta: only helpers that say so.
  if (r.is_pkt() && !pkt_access) return env.reject(-EACCES, "helper access to the packet is not allowed");
  switch (type) {
    case ArgType::ConstMapPtr:
      if (int err = expect(env, regno, RegType::ConstMapPtr)) return err;
      meta.map = r.map;
      return 0;
    case ArgType::PtrToMapKey:
      return check_map_mem(env, regno, meta, true);
    case ArgType::PtrToMapValue:
      return check_map_mem(env, regno, meta, false);
    case ArgType::PtrToMem:
    case ArgType::PtrToUninitMem:
      if (!in_list(r, kMemTypes, type == ArgType::PtrToMem)) return type_mismatch(env, regno, kMemTypes);
      return 0;
    case ArgType::ConstSize:
    case ArgType::ConstSizeOrZero:
      return check_mem_size(env, regno, type == ArgType::ConstSizeOrZero, prev == ArgType::PtrToUninitMem);
    case ArgType::ConstAllocSizeOrZero:
      if (int err = expect(env, regno, RegType::Scalar)) return err;
      if (!r.var.is_const()) return env.reject(-EACCES, "R%d is not a known constant'", regno);
      meta.mem_size = r.var.var_off.value;
      return 0;
    case ArgType::PtrToCtx:
      if (int err = expect(env, regno, RegType::Ctx)) return err;
      return check_ptr_off_reg(env, r, regno);
    case ArgType::PtrToFunc:
      if (int err = expect(env, regno, RegType::Func)) return err;
      // check_func_arg_reg_off: a callback must be the subprogram's address
      // itself (arithmetic on it is allowed, passing the result is not).
      if (int err = check_ptr_off_reg(env, r, regno)) return err;
      meta.subprog = r.subprog;
      return 0;
    case ArgType::PtrToStackOrNull:
      if (r.is_null_const()) return 0;
      return expect(env, regno, RegType::Stack);
    case ArgType::PtrToRingbufMem:
      return check_release_arg(env, regno, meta);
    case ArgType::PtrToConstStr: {
      if (int err = expect(env, regno, RegType::MapValue)) return err;
      const maps::MapSpec* m = env.map(r.map);
      if (!m || !(m->map_flags & BPF_F_RDONLY_PROG))
        return env.reject(-EACCES, "R%d does not point to a readonly map'", regno);
      if (!tnum_is_const(r.var.var_off)) return env.reject(-EACCES, "R%d is not a constant address'", regno);
      return check_helper_mem_access(env, regno, 1, false, false);
    }
    default:
      return 0;
  }
}

// check_map_func_compatibility, for the map types and helpers hostbpf has.
int check_map_compat(Env& env, int32_t func_id, int32_t map_idx) {
  const maps::MapSpec* m = env.map(map_idx);
  if (!m) return 0;
  const bool ringbuf_fn = func_id == BPF_FUNC_ringbuf_output || func_id == BPF_FUNC_ringbuf_reserve ||
                          func_id == BPF_FUNC_ringbuf_query;
  bool ok = true;
  if (m->type == BPF_MAP_TYPE_PROG_ARRAY && func_id != BPF_FUNC_tail_call) ok = false;
  if (m->type == BPF_MAP_TYPE_RINGBUF && !ringbuf_fn) ok = false;
  if (func_id == BPF_FUNC_tail_call && m->type != BPF_MAP_TYPE_PROG_ARRAY) ok = false;
  if (ringbuf_fn && m->type != BPF_MAP_TYPE_RINGBUF) ok = false;
  if (ok) return 0;
  return env.reject(-EINVAL, "cannot pass map_type %u into func %s#%d", m->type, func_id_name(func_id).c_str(), func_id);
}

// record_func_key: a tail call jumps through a program array and nothing else
// (checked before the map-type table, with the kernel's own message).
int check_tail_call_map(Env& env, int32_t func_id, int32_t map_idx) {
  if (func_id != BPF_FUNC_tail_call) return 0;
  const maps::MapSpec* m = env.map(map_idx);
  if (m && m->type == BPF_MAP_TYPE_PROG_ARRAY) return 0;
  return env.reject(-EINVAL, "expected prog array map for tail call");
}


// An array lookup with a known in-range key cannot fail (the kernel since
// v6.14), so its result needs no NULL check.
bool lookup_never_null(Env& env, const HelperProto& fn, const ArgMeta& meta) {
  const maps::MapSpec* m = env.map(meta.map);
  return fn.id == BPF_FUNC_map_lookup_elem && m && can_elide_value_nullness(*m) && meta.const_map_key >= 0 &&
         meta.const_map_key < static_cast<int64_t>(m->max_entries);
}

// R0 from the prototype's return type.
void set_return(Env& env, const HelperProto& fn, const ArgMeta& meta) {
  RegState& r0 = env.reg(0);
  switch (fn.ret) {
    case RetType::Integer:
      r0 = RegState::unknown();
      break;
    case RetType::Void:
      r0 = RegState::not_init();
      break;
    case RetType::MapValueOrNull:
      r0 = RegState::pointer(RegType::MapValue, kPtrMaybeNull);
      r0.map = meta.map;
      if (lookup_never_null(env, fn, meta)) {
        r0.flags = 0;
        break;
      }
      r0.id = ++env.id_gen;
      break;
    case RetType::RingbufMemOrNull:
      r0 = RegState::pointer(RegType::Mem, kMemRingbuf | kPtrMaybeNull);
      r0.mem_size = static_cast<uint32_t>(meta.mem_size);
      // As the kernel: a fresh id for the maybe-NULL pointer, then the
      // reference's own id replaces it (so the first reference is id=2).
      r0.id = ++env.id_gen;
      r0.id = r0.ref_obj_id = acquire_reference(env);
      break;
  }
  env.mark_reg_scratched(0);
}

}  // namespace

int check_helper_call(Env& env, const isa::Insn& insn, int32_t& next) {
  const int32_t func_id = insn.imm;
  if (func_id < 0 || func_id >= __BPF_FUNC_MAX_ID)
    return env.reject(-EINVAL, "invalid func %s#%d", func_id_name(func_id).c_str(), func_id);
  // get_func_proto: the type decides which helpers exist for it, hostbpf's
  // prototype table which of those it provides.
  const helpers::HelperProto* fn = env.ops.get_func_proto(func_id) ? helpers::find_helper(func_id) : nullptr;
  if (!fn)
    return env.reject(-EINVAL, "program of this type cannot use helper %s#%d", func_id_name(func_id).c_str(), func_id);
  if (!env.in.gpl_compatible && fn->gpl_only)
    return env.reject(-EINVAL, "cannot call GPL-restricted function from non-GPL compatible program");
  ArgMeta meta;
  for (int i = 0; i < 5; i++) {
    const ArgType prev = i ? fn->args[i - 1] : ArgType::DontCare;
    if (int err = check_arg(env, i + 1, fn->args[i], prev, fn->pkt_access, meta)) return err;
  }
  if (int err = check_tail_call_map(env, func_id, meta.map)) return err;
  if (meta.release_regno && release_reference(env, meta.ref_obj_id))
    return env.reject(-EINVAL, "func %s#%d reference has not been acquired before", fn->name, func_id);
  if (func_id == BPF_FUNC_tail_call && check_reference_leak(env))
    return env.reject(-EINVAL, "tail_call would lead to reference leak");
  // A tail call would replace a callback's activation with another program
  // that bpf_loop then returns into. The kernel refuses it too, though only
  // through an internal check ("verifier bug: callback unexpected regs 1").
  if (func_id == BPF_FUNC_tail_call)
    for (const FuncState& f : env.cur.frames)
      if (f.in_callback_fn) return env.reject(-EFAULT, "tail_call is not allowed in callbacks");
  if (int err = check_map_compat(env, func_id, meta.map)) return err;
  env.facts[env.insn_idx].merge_map(meta.map);
  if (func_id == BPF_FUNC_loop) {
    if (meta.subprog < 0) return env.reject(-EFAULT, "verifier bug: bpf_loop without a callback subprogram");
    // One more iteration while fewer than nr_loops ran on this path (any
    // number for a non-scalar R1), explored later; this path goes on as if the
    // loop had ended (check_call.cpp).
    const RegState& nr = env.reg(1);
    if (env.cur.cur().callback_depth < (nr.is_scalar() ? nr.var.umax : UINT64_MAX)) {
      std::array<RegState, 5> args;
      args[0] = RegState::unknown();
      args[1] = env.reg(3);
      if (int err = push_callback_call(env, meta.subprog, args)) return err;
    } else if (env.log2()) {
      env.verbose("frame%u bpf_loop iteration limit reached\n", env.cur.curframe());
    }
    env.cur.cur().callback_depth = 0;
  }
  for (int r = 0; r <= 5; r++) mark_reg_not_init(env, r);
  set_return(env, *fn, meta);
  (void)next;
  return 0;
}

}  // namespace hostbpf::verifier
