// Calls: each call instruction's target, decided once for every executor.
//  - helpers by id: the caller's override, else hostbpf's implementation
//    (helpers/helper.h); bpf_tail_call is the executor's own;
//  - bpf_map_lookup_elem at a site every verified path reaches with one map
//    (InsnFacts::map): bound to that map (the kernel's map_gen_lookup);
//  - kfunc calls, named by ksym index in the loader's form: rewritten to the
//    kernel's form (imm = FUNC id, off = index of the owner's BTF: 0 for the
//    host, modules from 1 in the order the code names them) and bound to the
//    host function; `rX = &kfunc` (BPF_PSEUDO_BTF_ID) becomes its address.
#include <fmt/format.h>
#include <linux/bpf.h>

#include "exec/fixup_passes.h"

namespace hostbpf::exec::fixup_pass {
namespace {

Error helper_call(PreparedProgram& p, const FixupInput& in, size_t i) {
  const isa::Insn& insn = p.insns[i];
  CallTarget& c = p.calls[i];
  for (const auto& o : in.exec.helper_overrides)
    if (o.id == insn.imm) return c = {CallTarget::Kind::Helper, 0, o.fn, nullptr}, Error{};
  if (insn.imm == BPF_FUNC_tail_call) return c.kind = CallTarget::Kind::TailCall, Error{};
  const helpers::HelperProto* h = helpers::find_helper(insn.imm);
  if (!h) return insn_error(in, i, -EINVAL, fmt::format("invalid func unknown#{}", insn.imm));
  if (!h->func)
    return insn_error(in, i, -EINVAL,
                      fmt::format("helper {}#{} has no implementation to call", helpers::helper_name(insn.imm), insn.imm));
  c = {CallTarget::Kind::Helper, 0, h->func, nullptr};
  if (insn.imm == BPF_FUNC_map_lookup_elem && !in.facts.empty()) {
    const int32_t m = in.facts[i].map;
    if (m >= 0 && static_cast<size_t>(m) < in.maps.size()) c.map = in.maps[m];
  }
  return {};
}

const verifier::KfuncTarget* ksym(const FixupInput& in, int32_t index) {
  return index >= 0 && static_cast<size_t>(index) < in.kfuncs.size() ? &in.kfuncs[index] : nullptr;
}

}  // namespace

Error calls(PreparedProgram& p, const FixupInput& in) {
  std::vector<const module::BtfOwner*> btfs{nullptr};  // the fd_array: [0] is the host's
  auto btf_index = [&](const module::BtfOwner* owner) -> int16_t {
    if (!owner->is_module) return 0;
    for (size_t i = 1; i < btfs.size(); i++)
      if (btfs[i] == owner) return static_cast<int16_t>(i);
    btfs.push_back(owner);
    return static_cast<int16_t>(btfs.size() - 1);
  };
  for (size_t i = 0; i < p.insns.size(); i++) {
    isa::Insn& insn = p.insns[i];
    if (isa::is_lddw(insn)) {
      if (insn.src_reg == BPF_PSEUDO_BTF_ID) {
        const verifier::KfuncTarget* k = ksym(in, insn.imm);
        if (!k) return insn_error(in, i, -EINVAL, fmt::format("names extern kfunc #{}, which is not bound", insn.imm));
        insn.src_reg = 0;
        isa::set_lddw_imm64(&insn, reinterpret_cast<uint64_t>(k->addr));
      }
      i++;
      continue;
    }
    if (isa::is_helper_call(insn)) {
      if (Error e = helper_call(p, in, i)) return e;
      continue;
    }
    if (!isa::is_kfunc_call(insn)) continue;
    const verifier::KfuncTarget* k = ksym(in, insn.imm);
    if (!k) return insn_error(in, i, -EINVAL, fmt::format("names extern kfunc #{}, which is not bound", insn.imm));
    if (!k->owner) {
      if (in.facts.empty())  // verification skipped: nothing proves the call dead
        return insn_error(in, i, -EINVAL, fmt::format("kfunc '{}' is referenced but wasn't resolved", k->name));
      return insn_error(in, i, -EFAULT, fmt::format("unresolved kfunc '{}' on a verified path", k->name));
    }
    insn.imm = static_cast<int32_t>(k->id);
    insn.off = btf_index(k->owner);
    p.calls[i] = {CallTarget::Kind::Kfunc, k->ret_ext, reinterpret_cast<helpers::HelperFn>(const_cast<void*>(k->addr)), nullptr};
  }
  return {};
}

}  // namespace hostbpf::exec::fixup_pass
