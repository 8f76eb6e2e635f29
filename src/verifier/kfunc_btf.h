// BTF questions the kfunc checks ask of the host's (or a module's) BTF: the
// kernel's btf_type_skip_modifiers, btf_type_is_scalar, btf_resolve_size,
// __btf_type_is_scalar_struct, btf_struct_ids_match and btf_struct_access,
// plus what check_kfunc.cpp and kfunc_args.cpp share (internal to the verifier).
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "btf/btf.h"
#include "verifier/env.h"

namespace hostbpf::verifier {

/// A kfunc call being checked (the kernel's struct bpf_kfunc_call_arg_meta).
struct KfuncCallMeta {
  const KfuncTarget* target = nullptr;
  const btf::Btf* btf = nullptr;             // the kfunc's BTF (desc_btf)
  const struct btf_type* proto = nullptr;    // its FUNC_PROTO
  uint32_t flags = 0;                        // KF_*
  const char* name = "";                     // func_name
  int release_regno = 0;
  uint32_t ref_obj_id = 0;
  bool arg_constant_found = false;
  uint64_t arg_constant = 0;
};

namespace kbtf {

/// btf_type_skip_modifiers (typedefs too); `res_id` gets the id reached.
const struct btf_type* skip_mods(const btf::Btf& b, uint32_t id, uint32_t* res_id = nullptr);
/// btf_type_is_scalar: INT, ENUM or ENUM64.
bool is_scalar(const struct btf_type* t);
/// __btf_type_is_struct: STRUCT only (not a union).
bool is_struct(const struct btf_type* t);
bool is_void(const struct btf_type* t);
/// btf_type_str: "STRUCT", "INT", "PTR", ... ("UNKN" for void).
const char* kind_str(const struct btf_type* t);
std::string_view name_of(const btf::Btf& b, const struct btf_type* t);
/// __btf_type_is_scalar_struct: a struct whose members are scalars, arrays of
/// scalars, or such structs (nested at most 2 deep).
bool is_scalar_struct(const btf::Btf& b, const struct btf_type* t, int depth = 0);
/// btf_resolve_size; nullopt when the type has no size (void, FUNC_PROTO).
std::optional<uint32_t> resolve_size(const btf::Btf& b, uint32_t id);
/// btf_types_are_same across a split BTF and its base.
bool types_are_same(const btf::Btf& a, uint32_t a_id, const btf::Btf& b, uint32_t b_id);
/// btf_struct_ids_match: the struct at `off` into (a, a_id) is (need, need_id),
/// looking into first members (recursively) unless `strict`.
bool struct_ids_match(const btf::Btf& a, uint32_t a_id, int32_t off, const btf::Btf& need, uint32_t need_id,
                      bool strict);
/// Whether a FUNC_PROTO parameter's name ends with `suffix` ("__sz", "__k"...).
bool param_has_suffix(const btf::Btf& b, const struct btf_param& p, std::string_view suffix);

}  // namespace kbtf

/// check_kfunc_args: every argument against the kfunc's prototype and flags.
int check_kfunc_args(Env& env, KfuncCallMeta& meta);

/// check_ptr_to_btf_access: a load or store through a PTR_TO_BTF_ID register;
/// `value_regno` receives what a load reads.
int check_ptr_to_btf_access(Env& env, int regno, int64_t off, int size, bool write, int value_regno);

/// is_trusted_reg / is_rcu_reg.
bool is_trusted_reg(const RegState& r);
bool is_rcu_reg(const RegState& r);

}  // namespace hostbpf::verifier
