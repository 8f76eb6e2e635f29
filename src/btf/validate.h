// What the kernel's BTF verifier (btf_check_all_types, btf_resolve) checks and
// libbpf 1.1's parser does not: libbpf's btf__new checks the header, the
// sections and each type's size by kind, but not that the ids a type refers to
// exist, that its names are strings, or that reference chains end. BTF that
// fails here would make later walks (libbpf's C dumper, CO-RE, the verifier)
// read type NULL or recurse past the stack, so Btf::from_blob (which every
// Btf made from bytes comes from: objects, host blobs and files, module BTF)
// runs this before handing the Btf out; nothing else should need to.
#pragma once

#include <bpf/btf.h>

#include <cstdint>

#include "hostbpf/error.h"

namespace hostbpf::btf {

/// Checks types [first_id, btf__type_cnt(b)) (first_id: 1 for base BTF, the
/// base's type count for split BTF): every referenced type id exists (0 only
/// where it means void), FUNC points at a FUNC_PROTO, names are in the string
/// section, no chain of references loops unless a pointer to a struct or union
/// breaks it, no resolve chain is deeper than the kernel's MAX_RESOLVE_DEPTH
/// (32: "type [2] (STRUCT 's0'): Exceeded max resolving depth:32"), and no
/// other chain is longer than 256 types. The error names the type: "type [12]
/// (STRUCT 'foo') member 3 refers to type 400, past the last type 57".
Error validate_types(const struct btf* b, uint32_t first_id);

}  // namespace hostbpf::btf
