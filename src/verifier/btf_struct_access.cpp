// Loads and stores through PTR_TO_BTF_ID (the kernel's check_ptr_to_btf_access
// with the default btf_struct_access / btf_struct_walk): a program may read the
// scalar members of a host object in bounds, and a pointer member as a whole,
// which gives another PTR_TO_BTF_ID; it may not write (no program type here
// has a btf_struct_access hook for writes).
//
// Trust follows the kernel's default: walking a trusted (or RCU) pointer gives
// a plain PTR_TO_BTF_ID, walking anything else an untrusted one. Reads through
// a pointer that is not trusted are marked for the executor to make
// fault-safe (InsnFacts::probe_mem), as the kernel's BPF_PROBE_MEM loads are.
#include "btf/query.h"
#include "verifier/btf_checks.h"

namespace hostbpf::verifier {

namespace {

enum class Walk { Scalar, Ptr, Error };

// btf_struct_walk for one access of [off, off+size) inside struct `id`.
Walk struct_walk(Env& env, const btf::Btf& b, uint32_t id, int64_t off, int size, uint32_t* ptr_id) {
  for (int depth = 0; depth < 32; depth++) {
    const struct btf_type* t = btf::skip_mods_and_typedefs(b, id, &id);
    const std::string tname(btf::name_of(b, t));
    if (!t || !btf_is_composite(t)) {
      env.reject(-EACCES, "type_id=%u is not a struct", id);
      return Walk::Error;
    }
    if (off + size > static_cast<int64_t>(t->size)) {
      env.reject(-EACCES, "access beyond struct %s at off %lld size %d", tname.c_str(), static_cast<long long>(off),
                 size);
      return Walk::Error;
    }
    const struct btf_member* m = btf_members(t);
    const struct btf_member* inner = nullptr;
    int64_t inner_off = 0;
    for (uint16_t i = 0; i < btf_vlen(t); i++) {
      const uint32_t bit = btf_member_bit_offset(t, i);
      const int64_t moff = bit / 8;
      uint32_t mid = 0;
      const struct btf_type* mt = btf::skip_mods_and_typedefs(b, m[i].type, &mid);
      const auto msize = btf::resolve_size(b, m[i].type);
      if (!mt || !msize) continue;
      if (off + size <= moff || off >= moff + *msize) continue;  // no overlap
      const std::string mname(btf__name_by_offset(b.raw(), m[i].name_off));
      if (btf_is_ptr(mt)) {
        if (off != moff || size != static_cast<int>(sizeof(void*))) {
          env.reject(-EACCES, "cannot access ptr member %s with moff %lld in struct %s with off %lld size %d",
                     mname.c_str(), static_cast<long long>(moff), tname.c_str(), static_cast<long long>(off), size);
          return Walk::Error;
        }
        uint32_t target = 0;
        const struct btf_type* pt = btf::skip_mods_and_typedefs(b, mt->type, &target);
        if (!btf::is_struct(pt)) return Walk::Scalar;  // pointers to non-structs read as numbers
        *ptr_id = target;
        return Walk::Ptr;
      }
      if (btf_is_composite(mt) && off >= moff && off + size <= moff + *msize) {
        inner = &m[i];
        inner_off = moff;
        break;
      }
    }
    if (!inner) return Walk::Scalar;  // scalars, arrays of scalars, padding
    id = inner->type;
    off -= inner_off;
  }
  env.reject(-EACCES, "struct nesting is too deep");
  return Walk::Error;
}

}  // namespace

bool is_trusted_reg(const RegState& r) {
  if (r.ref_obj_id) return true;
  return r.flags == kPtrTrusted;
}

bool is_rcu_reg(const RegState& r) { return (r.flags & kMemRcu) != 0; }

int check_ptr_to_btf_access(Env& env, int regno, int64_t off, int size, bool write, int value_regno) {
  const RegState reg = env.reg(regno);
  const std::string tname(reg.btf ? reg.btf->name(reg.btf_id) : "");
  if (!env.in.gpl_compatible)
    return env.reject(-EINVAL, "Cannot access kernel 'struct %s' from non-GPL compatible program", tname.c_str());
  if (off < 0)
    return env.reject(-EACCES, "R%d is ptr_%s invalid negative access: off=%lld", regno, tname.c_str(),
                      static_cast<long long>(off));
  if (!tnum_is_const(reg.var.var_off) || reg.var.var_off.value)
    return env.reject(-EACCES, "R%d is ptr_%s invalid variable offset: off=%lld, var_off=%s", regno, tname.c_str(),
                      static_cast<long long>(off), tnum_str(reg.var.var_off).c_str());
  if (write) return env.reject(-EACCES, "only read is supported");
  if (!reg.btf) return env.reject(-EFAULT, "verifier bug: PTR_TO_BTF_ID without BTF");
  uint32_t ptr_id = 0;
  const Walk w = struct_walk(env, *reg.btf, reg.btf_id, off, size, &ptr_id);
  if (w == Walk::Error) return -EACCES;
  const bool trusted = is_trusted_reg(reg) || is_rcu_reg(reg);
  if (!trusted) env.facts[env.insn_idx].probe_mem = true;
  if (value_regno < 0) return 0;
  if (w == Walk::Scalar) {
    mark_reg_unknown(env, value_regno);
    return 0;
  }
  RegState& dst = env.reg(value_regno);
  dst = RegState::pointer(RegType::BtfId, trusted ? 0 : kPtrUntrusted);
  dst.btf = reg.btf;
  dst.btf_id = ptr_id;
  return 0;
}

}  // namespace hostbpf::verifier
