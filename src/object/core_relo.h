// CO-RE: relocating a program's field offsets, field sizes, bitfield shifts,
// type ids, type sizes and enum values from the BTF it was compiled against
// (the object's .BTF) to the BTF of the "kernel" it runs on (the host's, then
// modules'), as libbpf does at load (bpf_object__relocate_core).
//
// libbpf 1.1 keeps its CO-RE engine private (bpf_core_calc_relo_insn is not
// exported and relo_core.h is not installed), so the algorithm of
// tools/lib/bpf/relo_core.c is implemented here: parse the access string into
// a spec, find candidate target types by essential name (without ___flavor),
// match the spec against each, compute the local and target values, and patch
// the instruction (ALU imm, LDX/ST/STX off and size, LDDW imm64). A relocation
// that cannot be satisfied "poisons" its instruction into a call of helper
// 195896080 (0xbad2310), which the verifier rejects as
// "invalid func unknown#195896080" only if it is reachable, so programs that
// guard optional fields with bpf_core_field_exists() still load.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <span>
#include <string>

#include "hostbpf/error.h"
#include "isa/insn.h"
#include "object/object_spec.h"

namespace hostbpf::object {

/// The helper id of a poisoned instruction (libbpf's "bad relo").
inline constexpr int32_t kCorePoisonHelper = 0xbad2310;

/// Applies `relos` to `insns` (the program's instructions, as ProgramSpec
/// holds them). `local` is the object's BTF; `targets` are searched in order,
/// and the first one with a candidate wins (libbpf: vmlinux, then modules
/// only if vmlinux has none). A target that is split BTF contributes only its
/// own types. Errors carry libbpf's message, prefixed "prog 'NAME': relo #N:".
Error apply_core_relos(std::span<isa::Insn> insns, std::span<const CoreRelo> relos, const struct btf* local,
                       std::span<const struct btf* const> targets, const std::string& prog_name);

/// The same for a ProgramSpec's own instructions and relocations.
Error apply_core_relos(ProgramSpec& prog, const struct btf* local, std::span<const struct btf* const> targets);

}  // namespace hostbpf::object
