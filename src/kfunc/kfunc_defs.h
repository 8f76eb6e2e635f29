// Defining kfuncs from C++: a function's BTF FUNC is derived from its C++
// signature, its address is recorded next to its BTF id (the kernel's
// kallsyms), and its flags and program types become one kfunc set per hook.
//
//   btf::BtfBuilder b(host_btf);               // the owner's BTF being built
//   KfuncDefs defs;
//   defs.add(b, "bpf_cpumask_create", &cpumask_create, KF_ACQUIRE | KF_RET_NULL,
//            {BPF_PROG_TYPE_TRACING, BPF_PROG_TYPE_SYSCALL});
//   ... finish the BTF, make the Owner, then:
//   defs.register_sets(registry, owner);       // one registration per hook
//
// A call site later becomes a direct call of address(id): nothing is looked
// up per call.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "btf/builder.h"
#include "btf/cxx_types.h"
#include "kfunc/kfunc_set.h"

namespace hostbpf::kfunc {

class KfuncDefs {
 public:
  /// Adds FUNC `name` with the prototype of `fn` (parameter names optional;
  /// suffixes like __sz, __k, __nullable mean what they mean to the kernel's
  /// verifier) and remembers it for `types` with `flags`. Returns its BTF
  /// id (0 with the builder's error set on failure).
  template <class R, class... A>
  uint32_t add(btf::BtfBuilder& b, const std::string& name, R (*fn)(A...), uint32_t flags,
               std::initializer_list<ProgType> types, const std::vector<std::string>& param_names = {}) {
    const uint32_t proto = btf::cxx_func_proto(b, fn, param_names);
    if (!proto) return 0;
    const uint32_t id = b.func(name, proto);
    if (!id) return 0;
    defs_.push_back({name, id, reinterpret_cast<const void*>(fn), flags, std::vector<ProgType>(types)});
    return id;
  }

  /// Registers every definition with `owner` (whose BTF holds them): one
  /// kfunc set per hook, so a module registers each hook once. On an error,
  /// hooks registered before it stay (a module whose init fails goes GOING,
  /// which removes everything it registered).
  Error register_sets(KfuncRegistry& reg, const Owner* owner) const;

  /// The host address of kfunc `id` (nullptr when not defined here).
  const void* address(uint32_t id) const;

  struct Def {
    std::string name;
    uint32_t id;
    const void* addr;
    uint32_t flags;
    std::vector<ProgType> types;
  };
  const std::vector<Def>& defs() const { return defs_; }

 private:
  std::vector<Def> defs_;
};

}  // namespace hostbpf::kfunc
