// The passes of the fixup stage (fixup.h), one file each, run in order by
// fixup(). Each takes the program being prepared and the stage's input.
#pragma once

#include <string>

#include "exec/fixup.h"

namespace hostbpf::exec::fixup_pass {

/// "prog 'NAME': insn I: MSG" (without the prefix for unnamed programs).
Error insn_error(const FixupInput& in, size_t i, int err, const std::string& msg);

Error dead_code(PreparedProgram& p, const FixupInput& in);
Error map_refs(PreparedProgram& p, const FixupInput& in);
Error calls(PreparedProgram& p, const FixupInput& in);
void probe_loads(PreparedProgram& p, const FixupInput& in);
/// Sets p.ctx.
void ctx_accesses(PreparedProgram& p, const FixupInput& in);

}  // namespace hostbpf::exec::fixup_pass
