// Prototype compatibility between a program's BTF and the host's (or a
// module's), as libbpf checks an `extern ... __ksym` function against the
// kernel's before it resolves the call (bpf_core_types_are_compat).
#pragma once

#include <cstdint>
#include <string>

#include "btf/btf.h"

namespace hostbpf::btf {

/// libbpf's rules: typedefs and qualifiers are looked through; void matches
/// only void; integers match any integer (size and sign ignored) that is not a
/// bitfield; pointers and arrays compare what they point to or hold; structs,
/// unions, forward declarations and enums match by kind alone (an enum matches
/// an enum64); function prototypes need the same number of parameters and
/// compatible parameter and return types. Names are ignored. On a mismatch,
/// `why` (when given) says where.
bool types_are_compat(const Btf& local, uint32_t local_id, const Btf& target, uint32_t target_id,
                      std::string* why = nullptr);

}  // namespace hostbpf::btf
