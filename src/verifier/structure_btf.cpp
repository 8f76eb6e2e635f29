// func_info against the subprograms, mirroring the kernel's
// check_btf_func_early, check_btf_func and check_abnormal_return.
//
// func_info is what tells the kernel a subprogram's BTF prototype and linkage
// (global functions are verified once, against their prototype, instead of at
// every call). Without it, subprograms may not tail-call or use LD_ABS: their
// return type would be unknown.
#include "verifier/structure_stages.h"
#include "base/strprintf.h"
#include "btf/query.h"

namespace hostbpf::verifier::structure {

namespace {

// The kernel's btf_type_is_small_int || btf_is_any_enum on the return type.
bool returns_scalar(const struct btf* btf, const struct btf_type* func) {
  const struct btf_type* proto = btf__type_by_id(btf, func->type);
  const struct btf_type* ret = proto ? btf::skip_mods_and_typedefs(btf, proto->type) : nullptr;
  if (!ret) return false;
  return (btf_is_int(ret) && ret->size <= sizeof(uint64_t)) || btf_is_any_enum(ret);
}

Linkage linkage_of(const struct btf_type* func) {
  switch (btf_vlen(func)) {
    case BTF_FUNC_STATIC: return Linkage::Static;
    case BTF_FUNC_GLOBAL: return Linkage::Global;
    case BTF_FUNC_EXTERN: return Linkage::Extern;
    default: return Linkage::Unknown;
  }
}

Error check_abnormal_return(const ProgramStructure& ps) {
  for (size_t i = 1; i < ps.subprogs.size(); ++i) {
    if (ps.subprogs[i].has_ld_abs) return Error(-EINVAL, "LD_ABS is not allowed in subprogs without BTF");
    if (ps.subprogs[i].has_tail_call) return Error(-EINVAL, "tail_call is not allowed in subprogs without BTF");
  }
  return {};
}

// check_btf_func's per-record checks once the record's type is known good.
Error check_func_type(const struct btf* btf, uint32_t type_id, size_t idx, Subprog& s) {
  const struct btf_type* func = btf__type_by_id(btf, type_id);
  s.linkage = linkage_of(func);
  if (idx == 0 || returns_scalar(btf, func)) return {};
  if (s.has_ld_abs) return Error(-EINVAL, "LD_ABS is only allowed in functions that return 'int'.");
  if (s.has_tail_call) return Error(-EINVAL, "tail_call is only allowed in functions that return 'int'.");
  return {};
}

}  // namespace

Error check_func_info_early(std::span<const object::FuncInfo> func_info, const struct btf* btf) {
  uint32_t prev = 0;
  for (size_t i = 0; i < func_info.size(); ++i) {
    const object::FuncInfo& rec = func_info[i];
    if (i == 0 && rec.insn_off != 0)
      return Error(-EINVAL, base::strprintf("nonzero insn_off %u for the first func info record", rec.insn_off));
    if (i != 0 && rec.insn_off <= prev)
      return Error(-EINVAL, base::strprintf("same or smaller insn offset (%u) than previous func info record (%u)",
                                   rec.insn_off, prev));
    prev = rec.insn_off;
    if (!btf) continue;
    const struct btf_type* t = btf__type_by_id(btf, rec.type_id);
    if (!t || !btf_is_func(t))
      return Error(-EINVAL, base::strprintf("invalid type id %d in func info", static_cast<int>(rec.type_id)));
    // The kernel fails here without a message (BTF load already checked it).
    const struct btf_type* proto = btf__type_by_id(btf, t->type);
    if (!proto || !btf_is_func_proto(proto))
      return Error(-EINVAL, base::strprintf("func info type id %u has no function prototype", rec.type_id));
  }
  return {};
}

Error check_func_info(std::span<const object::FuncInfo> func_info, const struct btf* btf, ProgramStructure& ps) {
  if (func_info.empty()) return check_abnormal_return(ps);
  if (func_info.size() != ps.subprogs.size())
    return Error(-EINVAL, "number of funcs in func_info doesn't match number of subprogs");
  for (size_t i = 0; i < func_info.size(); ++i) {
    Subprog& s = ps.subprogs[i];
    if (s.start != func_info[i].insn_off)
      return Error(-EINVAL, "func_info BTF section doesn't match subprog layout in BPF program");
    s.btf_id = func_info[i].type_id;
    if (!btf) continue;
    if (Error err = check_func_type(btf, func_info[i].type_id, i, s)) return err;
  }
  return {};
}

}  // namespace hostbpf::verifier::structure
