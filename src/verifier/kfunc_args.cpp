// kfunc arguments against the kfunc's own FUNC_PROTO (never the program's
// declaration), in the kernel's check_kfunc_args order: scalars and __k
// constants; then pointers, classified as get_kfunc_ptr_arg_type does (ctx,
// NULL for __nullable, PTR_TO_BTF_ID for a struct pointer register, else
// memory, sized by the pointee or by a following __sz/__szk argument); trust
// (KF_TRUSTED_ARGS, KF_RCU, and KF_RELEASE which implies trusted); offsets
// (check_func_arg_reg_off); and what release needs.
#include <algorithm>
#include <cstring>

#include "kfunc/flags.h"
#include "btf/query.h"
#include "verifier/btf_checks.h"

namespace hostbpf::verifier {

namespace {

constexpr uint32_t kMaxKfuncArgs = 5;  // MAX_BPF_FUNC_REG_ARGS

enum class ArgKind { Ctx, Null, BtfId, Mem, MemSize };

struct Arg {
  int i;        // argument index
  int regno;    // i + 1
  const struct btf_param* param;
  const struct btf_type* ref_t;  // what the parameter points to (modifiers skipped)
  uint32_t ref_id;
  std::string ref_tname;
};

bool trusted_args(const KfuncCallMeta& m) { return (m.flags & (kfunc::KF_TRUSTED_ARGS | kfunc::KF_RELEASE)) != 0; }
bool rcu_args(const KfuncCallMeta& m) { return (m.flags & kfunc::KF_RCU) != 0; }
bool releases(const KfuncCallMeta& m) { return (m.flags & kfunc::KF_RELEASE) != 0; }

// btf_is_prog_ctx_type: the program type's ctx structs (ProgTypeOps::ctx_type_names).
bool is_prog_ctx_type(const prog_types::ProgTypeOps& ops, std::string_view name) {
  return std::find(ops.ctx_type_names.begin(), ops.ctx_type_names.end(), name) != ops.ctx_type_names.end();
}

// check_func_arg_reg_off for a kfunc argument.
int check_arg_reg_off(Env& env, const RegState& reg, int regno, bool release_arg) {
  if (release_arg) {
    if (reg.off)
      return env.reject(-EINVAL, "R%d must have zero offset when passed to release func or trusted arg to kfunc",
                        regno);
    return check_ptr_off_reg(env, reg, regno, false);
  }
  switch (reg.type) {
    case RegType::Stack: case RegType::Packet: case RegType::PacketMeta: case RegType::MapKey:
    case RegType::MapValue: case RegType::Mem: case RegType::Buf:
      return 0;
    case RegType::BtfId:
      return check_ptr_off_reg(env, reg, regno, true);
    default:
      return check_ptr_off_reg(env, reg, regno, false);
  }
}

Result<ArgKind> classify(Env& env, const KfuncCallMeta& meta, const Arg& a, uint32_t nargs) {
  const btf::Btf& b = *meta.btf;
  const RegState& reg = env.reg(a.regno);
  if (btf::is_struct(a.ref_t) && is_prog_ctx_type(env.ops, a.ref_tname)) return ArgKind::Ctx;
  if (btf::param_has_suffix(b, *a.param, "__nullable") && reg.is_null_const()) return ArgKind::Null;
  if (reg.type == RegType::BtfId) {
    if (btf::is_void(a.ref_t) || !btf_is_composite(a.ref_t))
      return Error(env.reject(-EINVAL, "kernel function %s args#%d pointer type %s %s is not supported", meta.name,
                              a.i, btf::kind_str(a.ref_t), a.ref_tname.c_str()), "");
    return ArgKind::BtfId;
  }
  bool mem_size = false;
  if (static_cast<uint32_t>(a.i) + 1 < nargs) {
    const struct btf_param& next = a.param[1];
    const bool named = btf::param_has_suffix(b, next, "__sz") || btf::param_has_suffix(b, next, "__szk");
    mem_size = named && btf::is_scalar(btf::skip_mods_and_typedefs(b, next.type)) && env.reg(a.regno + 1).is_scalar();
  }
  if (!btf::is_scalar(a.ref_t) && !btf::is_scalar_struct(b, a.ref_t) && (!mem_size || !btf::is_void(a.ref_t)))
    return Error(env.reject(-EINVAL, "arg#%d pointer type %s %s must point to %sscalar, or struct with scalar", a.i,
                            btf::kind_str(a.ref_t), a.ref_tname.c_str(), mem_size ? "void, " : ""), "");
  return mem_size ? ArgKind::MemSize : ArgKind::Mem;
}

// Runs `fn` with R(regno) seen as not NULL, as check_mem_reg does.
template <class Fn>
int as_not_null(Env& env, int regno, Fn&& fn) {
  RegState& r = env.reg(regno);
  const uint8_t saved = r.flags;
  r.flags &= static_cast<uint8_t>(~kPtrMaybeNull);
  const int err = fn();
  env.reg(regno).flags = saved;
  return err;
}

// check_mem_reg: `size` bytes at R(regno), read and written.
int check_mem_reg(Env& env, int regno, uint32_t size) {
  if (env.reg(regno).is_null_const()) return 0;
  return as_not_null(env, regno, [&] {
    int err = check_helper_mem_access(env, regno, size, false, true);
    return err ? err : check_helper_mem_access(env, regno, size, true, true);
  });
}

// check_kfunc_mem_size_reg: R(regno) sizes the memory in R(regno - 1).
int check_mem_size_reg(Env& env, int regno) {
  const RegState& r = env.reg(regno);
  if (!r.is_scalar())
    return env.reject(-EACCES, "R%d type=%s expected=scalar", regno, reg_type_str(r).c_str());
  if (r.var.smin < 0)
    return env.reject(-EACCES, "R%d min value is negative, either use unsigned or 'var &= const'", regno);
  if (r.var.umax >= static_cast<uint64_t>(kMaxVarSiz))
    return env.reject(-EACCES, "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'", regno);
  const auto size = static_cast<int64_t>(r.var.umax);
  return as_not_null(env, regno - 1, [&] {
    int err = check_helper_mem_access(env, regno - 1, size, false, true);
    return err ? err : check_helper_mem_access(env, regno - 1, size, true, true);
  });
}

int take_constant(Env& env, KfuncCallMeta& meta, int regno) {
  const RegState& r = env.reg(regno);
  if (meta.arg_constant_found)
    return env.reject(-EFAULT, "verifier internal error: only one constant argument permitted");
  if (!r.is_scalar() || !tnum_is_const(r.var.var_off)) return env.reject(-EINVAL, "R%d must be a known constant", regno);
  meta.arg_constant_found = true;
  meta.arg_constant = r.var.var_off.value;
  return 0;
}

int check_btf_id_arg(Env& env, KfuncCallMeta& meta, const Arg& a) {
  const RegState& reg = env.reg(a.regno);
  const bool unsafe = (reg.flags & ~kPtrTrusted) != 0;
  if (reg.type != RegType::BtfId || (unsafe && !is_rcu_reg(reg)))
    return env.reject(-EINVAL, "arg#%d is %s expected %s or socket", a.i, reg_type_str(reg).c_str(),
                      reg_type_str(RegType::BtfId, reg.flags & kPtrTrusted).c_str());
  const bool strict = releases(meta) && reg.ref_obj_id;
  if (reg.btf && btf::struct_ids_match(*reg.btf, reg.btf_id, reg.off, *meta.btf, a.ref_id, strict)) return 0;
  const struct btf_type* reg_t = reg.btf ? btf::skip_mods_and_typedefs(*reg.btf, reg.btf_id) : nullptr;
  const std::string reg_tname(reg.btf ? btf::name_of(*reg.btf, reg_t) : "");
  return env.reject(-EINVAL, "kernel function %s args#%d expected pointer to %s %s but R%d has a pointer to %s %s",
                    meta.name, a.i, btf::kind_str(a.ref_t), a.ref_tname.c_str(), a.regno, btf::kind_str(reg_t),
                    reg_tname.c_str());
}

// One pointer argument; `i` advances past a __sz argument it consumes.
int check_ptr_arg(Env& env, KfuncCallMeta& meta, Arg& a, uint32_t nargs, uint32_t& i) {
  const btf::Btf& b = *meta.btf;
  RegState& reg = env.reg(a.regno);
  const bool nullable = btf::param_has_suffix(b, *a.param, "__nullable");
  if ((trusted_args(meta) || rcu_args(meta)) && (reg.is_null_const() || reg.maybe_null()) && !nullable)
    return env.reject(-EACCES, "Possibly NULL pointer passed to trusted arg%d", a.i);
  if (reg.ref_obj_id) {
    if (releases(meta) && meta.ref_obj_id)
      return env.reject(-EFAULT, "verifier internal error: more than one arg with ref_obj_id R%d %u %u", a.regno,
                        reg.ref_obj_id, meta.ref_obj_id);
    meta.ref_obj_id = reg.ref_obj_id;
    if (releases(meta)) meta.release_regno = a.regno;
  }
  auto kind = classify(env, meta, a, nargs);
  if (!kind) return kind.error().code();
  if (*kind == ArgKind::Null) return 0;
  if (*kind == ArgKind::BtfId && (trusted_args(meta) || rcu_args(meta)) && !is_trusted_reg(reg)) {
    if (!rcu_args(meta)) return env.reject(-EINVAL, "R%d must be referenced or trusted", a.regno);
    if (!is_rcu_reg(reg)) return env.reject(-EINVAL, "R%d must be a rcu pointer", a.regno);
  }
  if (int err = check_arg_reg_off(env, reg, a.regno, releases(meta) && reg.ref_obj_id)) return err;
  switch (*kind) {
    case ArgKind::Ctx:
      if (reg.type != RegType::Ctx)
        return env.reject(-EINVAL, "arg#%d expected pointer to ctx, but got %s", a.i, reg_type_str(reg).c_str());
      return 0;
    case ArgKind::BtfId:
      return check_btf_id_arg(env, meta, a);
    case ArgKind::Mem: {
      const auto size = btf::resolve_size(b, a.ref_id);
      if (!size)
        return env.reject(-EINVAL, "arg#%d reference type('%s %s') size cannot be determined: %d", a.i,
                          btf::kind_str(a.ref_t), a.ref_tname.c_str(), -EINVAL);
      return check_mem_reg(env, a.regno, *size);
    }
    case ArgKind::MemSize: {
      const struct btf_param& size_param = a.param[1];
      if (!reg.is_null_const() || !btf::param_has_suffix(b, *a.param, "__opt")) {
        if (int err = check_mem_size_reg(env, a.regno + 1))
          return env.reject(err, "arg#%d arg#%d memory, len pair leads to invalid memory access", a.i, a.i + 1);
      }
      if (btf::param_has_suffix(b, size_param, "__szk"))
        if (int err = take_constant(env, meta, a.regno + 1)) return err;
      i++;  // the size argument is checked with its buffer
      return 0;
    }
    case ArgKind::Null:
      return 0;
  }
  return 0;
}

}  // namespace

int check_kfunc_args(Env& env, KfuncCallMeta& meta) {
  const btf::Btf& b = *meta.btf;
  const struct btf_param* params = btf_params(meta.proto);
  const uint32_t nargs = btf_vlen(meta.proto);
  if (nargs > kMaxKfuncArgs)
    return env.reject(-EINVAL, "Function %s has %u > %u args", meta.name, nargs, kMaxKfuncArgs);
  for (uint32_t i = 0; i < nargs; i++)
    if (int err = check_reg_read(env, static_cast<int>(i) + 1)) return err;
  for (uint32_t i = 0; i < nargs; i++) {
    const int regno = static_cast<int>(i) + 1;
    const struct btf_param& p = params[i];
    if (btf::param_has_suffix(b, p, "__ign")) continue;
    const struct btf_type* t = btf::skip_mods_and_typedefs(b, p.type);
    if (btf::is_scalar(t)) {
      if (!env.reg(regno).is_scalar()) return env.reject(-EINVAL, "R%d is not a scalar", regno);
      if (btf::param_has_suffix(b, p, "__k"))
        if (int err = take_constant(env, meta, regno)) return err;
      continue;
    }
    if (btf::is_void(t) || !btf_is_ptr(t))
      return env.reject(-EINVAL, "Unrecognized arg#%u type %s", i, btf::kind_str(t));
    Arg a{static_cast<int>(i), regno, &p, nullptr, 0, {}};
    a.ref_t = btf::skip_mods_and_typedefs(b, t->type, &a.ref_id);
    a.ref_tname = std::string(btf::name_of(b, a.ref_t));
    if (int err = check_ptr_arg(env, meta, a, nargs, i)) return err;
  }
  if (releases(meta) && !meta.release_regno)
    return env.reject(-EINVAL, "release kernel function %s expects refcounted PTR_TO_BTF_ID", meta.name);
  return 0;
}

}  // namespace hostbpf::verifier
