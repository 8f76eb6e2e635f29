// fixup(): the stage's passes in their order (fixup.h), and the small ones.
#include "exec/fixup.h"

#include <fmt/format.h>

#include "exec/fixup_passes.h"

namespace hostbpf::exec {
namespace fixup_pass {

Error insn_error(const FixupInput& in, size_t i, int err, const std::string& msg) {
  std::string text = fmt::format("insn {}: {}", i, msg);
  if (!in.exec.name.empty()) text = fmt::format("prog '{}': {}", in.exec.name, text);
  return Error(err, text);
}

// Loads the verifier could not prove safe to dereference directly
// (InsnFacts::probe_mem, reads through untrusted PTR_TO_BTF_ID).
void probe_loads(PreparedProgram& p, const FixupInput& in) {
  bool any = false;
  for (const verifier::InsnFacts& f : in.facts) any |= f.probe_mem;
  if (!any) return;
  p.probe_mem.assign(p.insns.size(), false);
  for (size_t i = 0; i < in.facts.size() && i < p.insns.size(); i++) p.probe_mem[i] = in.facts[i].probe_mem;
}

}  // namespace fixup_pass

Result<PreparedProgram> fixup(const FixupInput& in) {
  if (in.insns.empty()) return Error(-EINVAL, "program has no instructions");
  if (!in.facts.empty() && in.facts.size() != in.insns.size())
    return Error(-EFAULT, fmt::format("verifier facts for {} instructions, program has {}", in.facts.size(),
                                      in.insns.size()));
  PreparedProgram p;
  p.exec = in.exec;
  p.insns.assign(in.insns.begin(), in.insns.end());
  p.calls.assign(p.insns.size(), {});
  if (Error e = fixup_pass::dead_code(p, in)) return e;
  if (Error e = fixup_pass::map_refs(p, in)) return e;
  if (Error e = fixup_pass::calls(p, in)) return e;
  fixup_pass::probe_loads(p, in);
  fixup_pass::ctx_accesses(p, in);
  return p;
}

}  // namespace hostbpf::exec
