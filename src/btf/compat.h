// libbpf's type compatibility (bpf_core_types_are_compat), the one copy: the
// CO-RE type relocations (object/core_relo.cpp) and the check of an
// `extern ... __ksym` function against the host's or a module's prototype
// (runtime/kfunc_resolve.cpp) both ask it.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <string>

#include "btf/btf.h"

namespace hostbpf::btf {

struct CompatRules {
  /// A forward declaration matches a struct or union of the same name space.
  /// libbpf's CO-RE rule is false (kinds must agree exactly); hostbpf's ksym
  /// check sets it, because a BPF author declares a host's opaque type as
  /// `struct session;` where the kernel's users include vmlinux.h, and the
  /// verifier checks the argument's BTF id against the kfunc's anyway.
  bool fwd_matches_composite = false;
};

/// libbpf's rules: the two types' kinds agree before and after typedefs and
/// qualifiers are looked through; void matches only void; integers match any
/// integer (size and sign ignored) that is not a bitfield; pointers and arrays
/// compare what they point to or hold; structs, unions, forward declarations
/// and enums match by kind alone (an enum matches an enum64); function
/// prototypes need the same number of parameters and compatible parameter and
/// return types; any other kind (float, var, ...) is not compatible. Names are
/// ignored. 1 compatible, 0 not, -EINVAL for malformed or too deeply nested
/// BTF. On anything but 1, `why` (when given) says where.
int types_are_compat(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id,
                     const CompatRules& rules = {}, std::string* why = nullptr);
inline int types_are_compat(const Btf& local, uint32_t local_id, const Btf& target, uint32_t target_id,
                            const CompatRules& rules = {}, std::string* why = nullptr) {
  return types_are_compat(local.raw(), local_id, target.raw(), target_id, rules, why);
}

}  // namespace hostbpf::btf
