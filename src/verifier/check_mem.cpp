// Memory accesses: loads, stores and atomics through every pointer kind, and
// the memory arguments of helpers (the kernel's check_mem_access,
// check_mem_region_access, check_packet_access, check_ctx_access,
// check_helper_mem_access, check_atomic). The stack has its own file,
// check_stack.cpp.
#include "verifier/check_stack.h"
#include "verifier/env.h"
#include "btf/query.h"
#include "verifier/btf_checks.h"

namespace hostbpf::verifier {

namespace {

// __check_mem_access: [off, off+size) inside [0, mem_size).
int check_mem_bounds(Env& env, int regno, int64_t off, int64_t size, uint32_t mem_size, bool zero_ok) {
  const bool size_ok = size > 0 || (size == 0 && zero_ok);
  if (off >= 0 && size_ok && static_cast<uint64_t>(off) + static_cast<uint64_t>(size) <= mem_size) return 0;
  const RegState& reg = env.reg(regno);
  const int o = static_cast<int>(off), s = static_cast<int>(size);
  switch (reg.type) {
    case RegType::MapKey:
      env.verbose("invalid access to map key, key_size=%u off=%d size=%d\n", mem_size, o, s);
      break;
    case RegType::MapValue:
      env.verbose("invalid access to map value, value_size=%u off=%d size=%d\n", mem_size, o, s);
      break;
    case RegType::Packet:
    case RegType::PacketMeta:
    case RegType::PacketEnd:
      env.verbose("invalid access to packet, off=%d size=%d, R%d(id=%u,off=%d,r=%u)\n", o, s, regno, reg.id, o, mem_size);
      break;
    default:
      env.verbose("invalid access to memory, mem_size=%u off=%d size=%d\n", mem_size, o, s);
  }
  return -EACCES;
}

// check_mem_region_access: the fixed offset plus every possible variable offset.
int check_mem_region(Env& env, int regno, int64_t off, int64_t size, uint32_t mem_size, bool zero_ok) {
  const ScalarState& v = env.reg(regno).var;
  if (v.smin < 0 && (v.smin == std::numeric_limits<int64_t>::min() ||
                     off + v.smin != static_cast<int32_t>(off + v.smin) || v.smin + off < 0))
    return env.reject(-EACCES, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno);
  if (check_mem_bounds(env, regno, v.smin + off, size, mem_size, zero_ok))
    return env.reject(-EACCES, "R%d min value is outside of the allowed memory range", regno);
  if (v.umax >= static_cast<uint64_t>(kMaxVarOff))
    return env.reject(-EACCES, "R%d unbounded memory access, make sure to bounds check any such access", regno);
  if (check_mem_bounds(env, regno, static_cast<int64_t>(v.umax) + off, size, mem_size, zero_ok))
    return env.reject(-EACCES, "R%d max value is outside of the allowed memory range", regno);
  return 0;
}

// check_packet_access: only the fixed offset counts against the range.
int check_packet_access(Env& env, int regno, int64_t off, int64_t size, bool zero_ok) {
  const RegState& reg = env.reg(regno);
  if (reg.var.smin < 0)
    return env.reject(-EACCES, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno);
  if (reg.range < 0 || check_mem_bounds(env, regno, off, size, static_cast<uint32_t>(reg.range), zero_ok))
    return env.reject(-EACCES, "R%d offset is outside of the packet", regno);
  return 0;
}

// check_map_access_type: BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG maps.
int check_map_access_type(Env& env, const RegState& reg, int64_t off, int64_t size, bool write) {
  const maps::MapSpec* m = env.map(reg.map);
  if (!m) return 0;
  if (write && (m->map_flags & BPF_F_RDONLY_PROG))
    return env.reject(-EACCES, "write into map forbidden, value_size=%u off=%lld size=%lld", m->value_size,
                      static_cast<long long>(off), static_cast<long long>(size));
  if (!write && (m->map_flags & BPF_F_WRONLY_PROG))
    return env.reject(-EACCES, "read from map forbidden, value_size=%u off=%lld size=%lld", m->value_size,
                      static_cast<long long>(off), static_cast<long long>(size));
  return 0;
}

}  // namespace

int check_ptr_off_reg(Env& env, const RegState& reg, int regno, bool fixed_off_ok) {
  if (reg.off < 0)
    return env.reject(-EACCES, "negative offset %s ptr R%d off=%d disallowed", reg_type_str(reg).c_str(), regno,
                      reg.off);
  if (!fixed_off_ok && reg.off)
    return env.reject(-EACCES, "dereference of modified %s ptr R%d off=%d disallowed", reg_type_str(reg).c_str(), regno, reg.off);
  if (!tnum_is_const(reg.var.var_off) || reg.var.var_off.value)
    return env.reject(-EACCES, "variable %s access var_off=%s disallowed", reg_type_str(reg).c_str(),
                      tnum_str(reg.var.var_off).c_str());
  return 0;
}

namespace {

// The register type a pointer-producing ctx load gives.
RegType ctx_load_type(prog_types::CtxLoad load) {
  switch (load) {
    case prog_types::CtxLoad::Packet: return RegType::Packet;
    case prog_types::CtxLoad::PacketMeta: return RegType::PacketMeta;
    case prog_types::CtxLoad::PacketEnd: return RegType::PacketEnd;
    case prog_types::CtxLoad::Scalar: break;
  }
  return RegType::Scalar;
}

int check_ctx(Env& env, int regno, int32_t off, int size, bool write, int value_regno, bool is_ldsx) {
  const RegState& reg = env.reg(regno);
  if (int err = check_ptr_off_reg(env, reg, regno)) return err;
  prog_types::CtxAccess a = size > 0 ? env.ops.is_valid_access({off, size, write, env.in.expected_attach_type})
                                     : prog_types::CtxAccess{};
  // Every type's is_valid_access refuses a sign-extending load of a packet
  // pointer field (kernel commit "Fail verification for sign-extension of
  // packet data/data_end/data_meta"): half a pointer, sign-extended, is none.
  if (a.ok && is_ldsx && a.load != prog_types::CtxLoad::Scalar) a.ok = false;
  if (!a.ok) {
    log_linfo(env, env.insn_idx, "; ");
    return env.reject(-EACCES, "invalid bpf_context access off=%d size=%d", off, size);
  }
  // Remember the last byte accessed, as check_ctx_access does for test runs.
  env.stats.max_ctx_offset = std::max(env.stats.max_ctx_offset, static_cast<uint32_t>(off + size));
  if (!write && value_regno >= 0) {
    // The first ctx path through this instruction decides; save_aux_ptr_type
    // refuses the program after this when an earlier path was not a ctx one.
    const bool first = env.mem_ptr_type[env.insn_idx] != RegType::Ctx;
    const bool pointer = a.load != prog_types::CtxLoad::Scalar;
    if (!env.facts[env.insn_idx].merge_ctx_pointer_load(pointer, first))
      return env.reject(-EFAULT, "verifier bug: insn %d loads a different ctx field on another path", env.insn_idx);
    if (pointer)
      env.reg(value_regno) = RegState::pointer(ctx_load_type(a.load));
    else
      mark_reg_unknown(env, value_regno);
  }
  return 0;
}


// check_ptr_alignment: stack accesses are always aligned to their size
// (spills and fills are tracked by whole slots); other memory only when the
// instruction asks for it (atomics), as the kernel does on machines with
// efficient unaligned access. Byte accesses always pass.
int check_alignment(Env& env, int regno, int32_t insn_off, int size, bool strict) {
  const RegState& reg = env.reg(regno);
  if (reg.type == RegType::Stack) strict = true;
  if (!strict || size == 1) return 0;
  const std::string var = tnum_str(reg.var.var_off);
  if (reg.is_pkt()) {
    constexpr int kIpAlign = 2;  // NET_IP_ALIGN: the packet's IP header is what must align
    const Tnum at = tnum_add(reg.var.var_off, tnum_const(static_cast<uint64_t>(kIpAlign + reg.off + insn_off)));
    if (tnum_is_aligned(at, static_cast<uint64_t>(size))) return 0;
    return env.reject(-EACCES, "misaligned packet access off %d+%s+%d+%d size %d", kIpAlign, var.c_str(), reg.off,
                      insn_off, size);
  }
  const int64_t fixed = static_cast<int64_t>(reg.off) + insn_off;
  const Tnum at = tnum_add(reg.var.var_off, tnum_const(static_cast<uint64_t>(fixed)));
  if (tnum_is_aligned(at, static_cast<uint64_t>(size))) return 0;
  const char* desc = reg.type == RegType::Stack ? "stack " : reg.type == RegType::MapValue ? "value "
                     : reg.type == RegType::Ctx ? "context " : "";
  return env.reject(-EACCES, "misaligned %saccess off %s+%d+%d size %d", desc, var.c_str(), reg.off, insn_off, size);
}

}  // namespace

// check_mem_access. `value` is the register stored (nullptr for BPF_ST or a
// helper), `imm` the immediate of BPF_ST; `value_regno` receives a load.
int check_mem_access(Env& env, int regno, int32_t insn_off, int size, bool write, int value_regno,
                     const RegState* value, bool is_ldsx) {
  RegState& reg = env.reg(regno);
  const int64_t off = static_cast<int64_t>(insn_off) + reg.off;
  int err = 0;
  switch (reg.type) {
    case RegType::MapKey:
      if (write) return env.reject(-EACCES, "write to change key R%d not allowed", regno);
      err = check_mem_region(env, regno, off, size, env.map(reg.map) ? env.map(reg.map)->key_size : 0, false);
      if (!err && value_regno >= 0) mark_reg_unknown(env, value_regno);
      break;
    case RegType::MapValue:
      if (reg.maybe_null()) goto invalid;
      if ((err = check_map_access_type(env, reg, off, size, write))) return err;
      err = check_mem_region(env, regno, off, size, env.map(reg.map) ? env.map(reg.map)->value_size : 0, false);
      if (!err && !write && value_regno >= 0) mark_reg_unknown(env, value_regno);
      break;
    case RegType::Mem:
      if (reg.maybe_null()) goto invalid;
      if (write && (reg.flags & kMemRdonly))
        return env.reject(-EACCES, "R%d cannot write into %s", regno, reg_type_str(reg).c_str());
      err = check_mem_region(env, regno, off, size, reg.mem_size, false);
      if (!err && !write && value_regno >= 0) mark_reg_unknown(env, value_regno);
      break;
    case RegType::Ctx:
      err = check_ctx(env, regno, static_cast<int32_t>(off), size, write, value_regno, is_ldsx);
      break;
    case RegType::BtfId:
      if (reg.maybe_null()) goto invalid;
      err = check_ptr_to_btf_access(env, regno, off, size, write, value_regno);
      break;
    case RegType::Stack:
      if ((err = check_stack_access_within_bounds(env, regno, off, size, write ? kStackWrite : kStackRead))) return err;
      err = write ? check_stack_write(env, regno, off, size, value, value_regno)
                  : check_stack_read(env, regno, off, size, value_regno);
      break;
    case RegType::Packet:
    case RegType::PacketMeta:
      if (write && !env.ops.pkt_writable) return env.reject(-EACCES, "cannot write into packet");
      err = check_packet_access(env, regno, off, size, false);
      if (!err && !write && value_regno >= 0) mark_reg_unknown(env, value_regno);
      break;
    default:
    invalid:
      return env.reject(-EACCES, "R%d invalid mem access '%s'", regno, reg_type_str(reg).c_str());
  }
  if (err) return err;
  if (!write && value_regno >= 0 && size < 8 && env.reg(value_regno).is_scalar()) {
    RegState& dst = env.reg(value_regno);
    if (is_ldsx) {
      coerce_reg_to_size_sx(dst.var, size);
      reg_bounds_sync(dst.var);
    } else {
      coerce_reg_to_size(dst.var, size);
    }
  }
  return 0;
}

namespace {

// The kernel's reg_type_mismatch_ok: types whose accesses fixups rewrite (the
// context's, and PTR_TO_BTF_ID's fault-safe loads) cannot share an instruction
// with other pointer types; the rest may.
bool mismatch_ok(RegType t) { return t != RegType::Ctx && t != RegType::BtfId; }

// save_aux_ptr_type: one instruction is one kind of access on every path. The
// context rewrite turns a ctx load into a load of another offset and size; on
// a path where the same instruction read a map value that would read outside
// it. Compared by base type: trust flags of PTR_TO_BTF_ID loads merge into
// probe_mem instead (the kernel's allow_trust_mismatch).
int save_aux_ptr_type(Env& env, RegType type) {
  RegType& prev = env.mem_ptr_type[env.insn_idx];
  if (prev == RegType::NotInit) {
    prev = type;
    env.facts[env.insn_idx].ctx_access = type == RegType::Ctx;
    return 0;
  }
  if (type != prev && (!mismatch_ok(type) || !mismatch_ok(prev)))
    return env.reject(-EINVAL, "same insn cannot be used with different pointers");
  return 0;
}

}  // namespace

int check_load(Env& env, const isa::Insn& insn) {
  if (int err = check_reg_read(env, insn.src_reg)) return err;
  if (int err = check_reg_write(env, insn.dst_reg)) return err;
  const RegType base = env.reg(insn.src_reg).type;  // before the load overwrites dst (== src, perhaps)
  const bool sx = BPF_MODE(insn.code) == BPF_MEMSX;
  if (int err = check_alignment(env, insn.src_reg, insn.off, isa::access_bytes(insn.code), false)) return err;
  if (int err = check_mem_access(env, insn.src_reg, insn.off, isa::access_bytes(insn.code), false, insn.dst_reg,
                                 nullptr, sx))
    return err;
  return save_aux_ptr_type(env, base);
}

int check_store(Env& env, const isa::Insn& insn) {
  RegState imm;
  const RegState* value = nullptr;
  if (isa::insn_class(insn) == BPF_STX) {
    if (int err = check_reg_read(env, insn.src_reg)) return err;
    value = &env.reg(insn.src_reg);
  } else {
    imm = RegState::known(static_cast<uint64_t>(static_cast<int64_t>(insn.imm)));
    value = &imm;
  }
  if (int err = check_reg_read(env, insn.dst_reg)) return err;
  // A copy: the stored register must not change while the slot is written.
  const RegState v = *value;
  if (int err = check_alignment(env, insn.dst_reg, insn.off, isa::access_bytes(insn.code), false)) return err;
  if (int err = check_mem_access(env, insn.dst_reg, insn.off, isa::access_bytes(insn.code), true, -1, &v, false))
    return err;
  return save_aux_ptr_type(env, env.reg(insn.dst_reg).type);
}

// check_atomic: a read and a write of the same location, on the stack or a
// map value (and memory from helpers); fetch variants load into src (R0 for
// cmpxchg).
int check_atomic(Env& env, const isa::Insn& insn) {
  const int size = isa::access_bytes(insn.code);
  if (int err = check_reg_read(env, insn.src_reg)) return err;
  if (int err = check_reg_read(env, insn.dst_reg)) return err;
  if (insn.imm == BPF_CMPXCHG)
    if (int err = check_reg_read(env, 0)) return err;
  const RegState& dst = env.reg(insn.dst_reg);
  // A pointer in src (or R0 of cmpxchg) may be stored: privileged programs
  // may leak addresses ("R%d leaks addr into mem" is for the unprivileged).
  if (dst.type == RegType::Ctx || dst.is_pkt())
    return env.reject(-EACCES, "BPF_ATOMIC stores into R%d %s is not allowed", insn.dst_reg, reg_type_str(dst).c_str());
  if (int err = check_alignment(env, insn.dst_reg, insn.off, size, true)) return err;
  const bool fetch = (insn.imm & BPF_FETCH) != 0;
  const int load_reg = insn.imm == BPF_CMPXCHG ? 0 : insn.src_reg;
  if (int err = check_mem_access(env, insn.dst_reg, insn.off, size, false, fetch ? load_reg : -1, nullptr, false))
    return err;
  if (fetch) {
    if (int err = check_reg_write(env, load_reg)) return err;
  }
  const RegState unknown = RegState::unknown();
  return check_mem_access(env, insn.dst_reg, insn.off, size, true, -1, &unknown, false);
}

int check_helper_mem_access(Env& env, int regno, int64_t size, bool write, bool zero_ok) {
  RegState& reg = env.reg(regno);
  switch (reg.type) {
    case RegType::Packet:
    case RegType::PacketMeta:
      return check_packet_access(env, regno, reg.off, size, zero_ok);
    case RegType::MapKey:
      if (write) return env.reject(-EACCES, "R%d cannot write into %s", regno, reg_type_str(reg).c_str());
      return check_mem_region(env, regno, reg.off, size, env.map(reg.map) ? env.map(reg.map)->key_size : 0, false);
    case RegType::MapValue:
      if (reg.maybe_null()) break;
      if (int err = check_map_access_type(env, reg, reg.off, size, write)) return err;
      return check_mem_region(env, regno, reg.off, size, env.map(reg.map) ? env.map(reg.map)->value_size : 0, zero_ok);
    case RegType::Mem:
      if (reg.maybe_null()) break;
      if (write && (reg.flags & kMemRdonly))
        return env.reject(-EACCES, "R%d cannot write into %s", regno, reg_type_str(reg).c_str());
      return check_mem_region(env, regno, reg.off, size, reg.mem_size, zero_ok);
    case RegType::Stack:
      return check_stack_range_initialized(env, regno, reg.off, size, zero_ok, write);
    default:
      break;
  }
  if (zero_ok && size == 0 && reg.is_null_const()) return 0;
  env.verbose("R%d type=%s ", regno, reg_type_str(reg).c_str());
  return env.reject(-EACCES, "expected=%s", reg_type_str(RegType::Stack, 0).c_str());
}

}  // namespace hostbpf::verifier
