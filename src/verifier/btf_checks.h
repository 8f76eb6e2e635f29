// The verifier's checks against BTF that check_kfunc.cpp, kfunc_args.cpp,
// btf_struct_access.cpp and check_mem.cpp share: a kfunc call's arguments,
// loads through PTR_TO_BTF_ID, trusted and RCU registers. What a type *is*
// (sizes, modifiers, struct ids) is btf/query.h's.
#pragma once

#include <bpf/btf.h>

#include <cstdint>

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

/// check_kfunc_args: every argument against the kfunc's prototype and flags.
int check_kfunc_args(Env& env, KfuncCallMeta& meta);

/// check_ptr_to_btf_access: a load or store through a PTR_TO_BTF_ID register;
/// `value_regno` receives what a load reads.
int check_ptr_to_btf_access(Env& env, int regno, int64_t off, int size, bool write, int value_regno);

/// is_trusted_reg / is_rcu_reg.
bool is_trusted_reg(const RegState& r);
bool is_rcu_reg(const RegState& r);

}  // namespace hostbpf::verifier
