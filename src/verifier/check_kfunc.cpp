// kfunc calls (the kernel's check_kfunc_call), in its order: the kfunc must be
// allowed for this program (KfuncRegistry::lookup: COMMON, then the program's
// hook, with filters), KF_DESTRUCTIVE needs the host's permission,
// KF_SLEEPABLE a sleepable program; then the arguments (kfunc_args.cpp), the
// release of a KF_RELEASE argument's reference, R0-R5 clobbered, R0 typed
// from the kfunc's return type, and KF_ACQUIRE's new reference.
//
// The loader's form names the kfunc by ksym index (object_spec.h); an
// unresolved __weak kfunc (KfuncTarget::owner == nullptr) is an error only
// here, when a path reaches its call, as libbpf's rewritten log says it.
#include "kfunc/flags.h"
#include "btf/query.h"
#include "verifier/btf_checks.h"

namespace hostbpf::verifier {

namespace {

const KfuncTarget* target_of(Env& env, int32_t idx) {
  if (idx < 0 || static_cast<size_t>(idx) >= env.in.kfuncs.size()) return nullptr;
  return &env.in.kfuncs[static_cast<size_t>(idx)];
}

// fetch_kfunc_meta: the FUNC, its prototype and its flags for this program.
int fetch_kfunc_meta(Env& env, const KfuncTarget& k, KfuncCallMeta& meta) {
  if (!k.owner || !k.owner->btf || !env.in.kfunc_registry)
    return env.reject(-EFAULT, "verifier bug: kfunc '%s' without BTF or registry", k.name.c_str());
  const btf::Btf& b = *k.owner->btf;
  const struct btf_type* func = b.type(k.id);
  if (!func || !btf_is_func(func)) return env.reject(-EINVAL, "kernel btf_id %u is not a function", k.id);
  const struct btf_type* proto = b.type(func->type);
  if (!proto || !btf_is_func_proto(proto))
    return env.reject(-EINVAL, "kernel function btf_id %u does not have a valid func_proto", k.id);
  meta.target = &k;
  meta.btf = &b;
  meta.proto = proto;
  meta.name = k.name.c_str();
  kfunc::ProgInfo info;
  info.prog_type = env.in.prog_type;
  info.expected_attach_type = env.in.expected_attach_type;
  info.sleepable = env.in.sleepable;
  info.name = env.in.prog_name;
  const auto found = env.in.kfunc_registry->lookup(k.owner, k.id, info);
  if (!found) return env.reject(-EACCES, "calling kernel function %s is not allowed", meta.name);
  meta.flags = found->flags;
  return 0;
}

// R0 from the kfunc's return type (and KF_ACQUIRE / KF_RET_NULL).
int set_kfunc_return(Env& env, const KfuncCallMeta& meta) {
  const btf::Btf& b = *meta.btf;
  const struct btf_type* t = btf::skip_mods_and_typedefs(b, meta.proto->type);
  const bool acquire = meta.flags & kfunc::KF_ACQUIRE;
  const bool ret_null = meta.flags & kfunc::KF_RET_NULL;
  RegState& r0 = env.reg(0);
  if (acquire && !(t && btf_is_ptr(t) && btf::is_struct(btf::skip_mods_and_typedefs(b, t->type))))
    return env.reject(-EINVAL, "acquire kernel function does not return PTR_TO_BTF_ID");
  env.mark_reg_scratched(0);
  if (btf::is_void(t)) return 0;  // R0 stays NOT_INIT
  if (btf::is_scalar(t)) {
    r0 = RegState::unknown();
    return 0;
  }
  if (!btf_is_ptr(t))  // a struct or union by value: no register holds it
    return env.reject(-EINVAL, "kernel function %s return type %s %s is not supported", meta.name, btf::kind_str(t),
                      std::string(btf::name_of(b, t)).c_str());
  uint32_t ptr_id = 0;
  const struct btf_type* pt = btf::skip_mods_and_typedefs(b, t->type, &ptr_id);
  if (btf::is_void(pt)) {
    r0 = RegState::unknown();  // `void *` is a scalar
    return 0;
  }
  if (!btf::is_struct(pt)) {
    const auto size = btf::resolve_size(b, ptr_id);
    if (!size || *size == 0)
      return env.reject(-EINVAL, "kernel function %s returns pointer type %s %s is not supported", meta.name,
                        btf::kind_str(pt), std::string(btf::name_of(b, pt)).c_str());
    r0 = RegState::pointer(RegType::Mem, kMemRdonly);
    r0.mem_size = *size;
    if (meta.ref_obj_id) r0.ref_obj_id = meta.ref_obj_id;
  } else {
    r0 = RegState::pointer(RegType::BtfId);
    r0.btf = &b;
    r0.btf_id = ptr_id;
  }
  if (ret_null) {
    r0.flags |= kPtrMaybeNull;
    r0.id = ++env.id_gen;
  }
  if (acquire) {
    const uint32_t id = acquire_reference(env);
    if (ret_null) r0.id = id;
    r0.ref_obj_id = id;
  }
  return 0;
}

}  // namespace

int add_kfunc_calls(Env& env) {
  for (size_t i = 0; i < env.insns.size(); i++) {
    const isa::Insn& insn = env.insns[i];
    if (!isa::is_kfunc_call(insn)) continue;
    const KfuncTarget* k = target_of(env, insn.imm);
    if (!k || !k->owner) continue;  // reported if a path reaches it (libbpf: a helper call then)
    if (!env.in.gpl_compatible)
      return env.reject(-EINVAL, "cannot call kernel function from non-GPL compatible program");
  }
  return 0;
}

int check_kfunc_call(Env& env, const isa::Insn& insn) {
  const KfuncTarget* k = target_of(env, insn.imm);
  if (!k) return env.reject(-EINVAL, "kfunc call names ksym #%d, but the program has %zu", insn.imm, env.in.kfuncs.size());
  if (!k->owner) return env.reject(-EINVAL, "kfunc '%s' is referenced but wasn't resolved", k->name.c_str());
  KfuncCallMeta meta;
  if (int err = fetch_kfunc_meta(env, *k, meta)) return err;
  if ((meta.flags & kfunc::KF_DESTRUCTIVE) && !env.in.allow_destructive)
    return env.reject(-EACCES, "destructive kfunc calls require CAP_SYS_BOOT capability");
  if ((meta.flags & kfunc::KF_SLEEPABLE) && !env.in.sleepable)
    return env.reject(-EACCES, "program must be sleepable to call sleepable kfunc %s", meta.name);
  if (int err = check_kfunc_args(env, meta)) return err;
  if (meta.release_regno && release_reference(env, meta.ref_obj_id))
    return env.reject(-EINVAL, "kfunc %s#%u reference has not been acquired before", meta.name, k->id);
  for (int r = 0; r <= 5; r++) mark_reg_not_init(env, r);
  if (int err = set_kfunc_return(env, meta)) return err;
  return 0;
}

}  // namespace hostbpf::verifier
