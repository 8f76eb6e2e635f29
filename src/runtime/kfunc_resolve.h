// Extern kfuncs from an object to host functions, in the two stages the
// kernel's world splits them into:
//  1. libbpf's (bpf_object__resolve_ksym_func_btf_id), once per object at
//     load: each `extern ... __ksym` function by name (any ___flavor suffix
//     stripped) in the host's BTF, then in the modules' own BTF, and its
//     prototype checked with btf::types_are_compat. A strong kfunc that is
//     missing or incompatible fails the load naming it; a __weak one stays
//     unresolved (the verifier rejects a reachable call of it).
//  2. the kernel's (add_kfunc_call / find_kfunc_desc_btf), per program: for
//     every kfunc the program's code names, a reference on its module (only
//     while LIVE: -ENXIO otherwise, as btf_try_get_module) held for the
//     program's life, the host address (kallsyms) and how its return is
//     widened. The calls themselves are rewritten by the fixup stage
//     (exec/fixup.h), from the table stage 2 gives.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hostbpf/error.h"
#include "module/module.h"
#include "object/object_spec.h"
#include "verifier/verifier.h"

namespace hostbpf::detail {

struct RuntimeState;
struct ProgramState;

/// One extern kfunc after stage 1.
struct KsymTarget {
  std::string name;                         // as the object declares it
  const module::BtfOwner* owner = nullptr;  // nullptr: an unresolved __weak kfunc
  uint32_t id = 0;                          // FUNC id in owner->btf
};

/// Stage 1 for every ksym of `spec`.
Result<std::vector<KsymTarget>> resolve_ksyms(const RuntimeState& rt, const object::ObjectSpec& spec);

/// What stage 2 gives a program.
struct ProgramKfuncs {
  std::vector<verifier::KfuncTarget> table;                    // by ksym index, for the verifier
  std::vector<std::shared_ptr<module::ModuleRef>> module_refs;  // one per module used
};

/// Stage 2 for the kfuncs `prog`'s instructions name (loader's form).
Result<ProgramKfuncs> bind_program_kfuncs(const RuntimeState& rt, const ProgramState& prog);

}  // namespace hostbpf::detail
