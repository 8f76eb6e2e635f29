// Extern kfunc resolution (kfunc_resolve.h).
#include "runtime/kfunc_resolve.h"

#include <fmt/format.h>

#include <map>

#include "btf/compat.h"
#include "btf/query.h"
#include "isa/insn.h"
#include "runtime/state.h"

namespace hostbpf::detail {

namespace {

Result<KsymTarget> resolve_one(const RuntimeState& rt, const btf::Btf& local, const object::KsymSpec& k) {
  KsymTarget t;
  t.name = k.name;
  const auto found = rt.kfuncs.find_by_name(std::string(btf::essential_name(k.name)));
  if (!found) {
    if (k.weak) return t;
    return Error(-ESRCH, fmt::format("extern (func ksym) '{}': not found in kernel or module BTFs", k.name));
  }
  const auto [owner, id] = *found;
  const btf::Btf& target = *owner->btf;
  const uint32_t target_proto = target.type(id)->type;
  std::string why;
  if (btf::types_are_compat(local, k.proto_id, target, target_proto, {.fwd_matches_composite = true}, &why) != 1) {
    if (k.weak) return t;  // libbpf: an incompatible weak kfunc stays unresolved
    return Error(-EINVAL, fmt::format("extern (func ksym) '{}': func_proto [{}] incompatible with {} [{}]{}{}", k.name,
                                      k.proto_id, owner->name, target_proto, why.empty() ? "" : ": ", why));
  }
  t.owner = owner;
  t.id = id;
  return t;
}

// How R0 must be widened after the native call: the C ABI leaves the bits
// above a narrow return value unspecified, while BPF code may read all 64.
int8_t return_extension(const btf::Btf& b, uint32_t func_id) {
  const uint32_t ret = b.skip_modifiers_and_typedefs(b.type(b.type(func_id)->type)->type);
  const struct btf_type* t = b.type(ret);
  if (!t || ret == 0 || t->size >= 8) return 0;
  if (btf_is_int(t)) {
    const bool is_signed = (btf_int_encoding(t) & BTF_INT_SIGNED) != 0;
    return static_cast<int8_t>(is_signed ? -static_cast<int>(t->size) : static_cast<int>(t->size));
  }
  if (btf_is_enum(t) || btf_is_enum64(t)) return static_cast<int8_t>(t->size);
  return 0;
}

}  // namespace

Result<std::vector<KsymTarget>> resolve_ksyms(const RuntimeState& rt, const object::ObjectSpec& spec) {
  std::vector<KsymTarget> out;
  if (spec.ksyms.empty()) return out;
  if (!spec.btf) return Error(-EINVAL, "extern kfuncs need the object's BTF, and it has none");
  // A view of the object's libbpf BTF for the compatibility check.
  auto local = btf::Btf::from_blob(
      [&] {
        uint32_t size = 0;
        const void* raw = btf__raw_data(spec.btf.get(), &size);
        return std::span<const uint8_t>(static_cast<const uint8_t*>(raw), size);
      }());
  if (!local) return local.error();
  for (const auto& k : spec.ksyms) {
    auto t = resolve_one(rt, **local, k);
    if (!t) return t.error();
    out.push_back(std::move(*t));
  }
  return out;
}

Result<ProgramKfuncs> bind_program_kfuncs(const RuntimeState& rt, const ProgramState& prog) {
  ProgramKfuncs out;
  out.table.resize(prog.ksyms.size());
  std::vector<bool> bound(prog.ksyms.size(), false);
  std::map<const module::Module*, bool> held;
  for (size_t i = 0; i < prog.insns.size(); i++) {
    const isa::Insn& insn = prog.insns[i];
    const bool call = isa::is_kfunc_call(insn);
    const bool addr = isa::is_lddw(insn) && insn.src_reg == BPF_PSEUDO_BTF_ID;
    if (isa::is_lddw(insn)) i++;
    if (!call && !addr) continue;
    const auto k = static_cast<size_t>(insn.imm);
    if (insn.imm < 0 || k >= prog.ksyms.size())
      return Error(-EINVAL, fmt::format("insn {}: names extern kfunc #{}, but the object has {}", i, insn.imm,
                                        prog.ksyms.size()));
    if (bound[k]) continue;
    bound[k] = true;
    const KsymTarget& t = prog.ksyms[k];
    verifier::KfuncTarget& v = out.table[k];
    v.name = t.name;
    if (!t.owner) continue;  // unresolved __weak: the verifier decides
    v.owner = t.owner;
    v.id = t.id;
    v.name = std::string(t.owner->btf->name(t.id));
    if (t.owner->is_module) {
      auto m = rt.modules.module_of(t.owner);
      if (!m) return Error(-ENXIO, fmt::format("kfunc '{}': module '{}' is gone", v.name, t.owner->name));
      if (!held[m.get()]) {
        auto ref = module::ModuleRef::get(m);
        if (!ref) {
          Error e = ref.error();
          return e.context(fmt::format("kfunc '{}'", v.name));
        }
        out.module_refs.push_back(std::make_shared<module::ModuleRef>(std::move(*ref)));
        held[m.get()] = true;
      }
    }
    v.addr = rt.kfuncs.address(t.owner, t.id);
    if (!v.addr) return Error(-EINVAL, fmt::format("cannot find address for kernel function {}", v.name));
    v.ret_ext = return_extension(*t.owner->btf, t.id);
  }
  return out;
}

}  // namespace hostbpf::detail
