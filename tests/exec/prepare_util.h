// Tests' way into an executor: instructions (already in the kernel's form, or
// in the loader's for kfunc calls: imm = index into `kfuncs`) through the
// fixup stage and into the interpreter, as the runtime does for a loaded
// program.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "exec/executable.h"
#include "exec/fixup.h"
#include "module/btf_owner.h"

namespace hostbpf::test {

struct PrepareSpec {
  exec::ExecOptions exec;
  ProgType type = ProgType::Unspec;
  /// kfunc calls by index (loader form); a target needs an owner to be bound.
  std::vector<verifier::KfuncTarget> kfuncs;
  /// Per instruction: the map a helper call site is proven to pass (as the
  /// verifier's InsnFacts::map would say). Non-empty: the program counts as
  /// verified, every instruction reached.
  std::vector<maps::Map*> call_maps;
};

/// The host's BTF owner, for kfunc targets of tests (index 0 in the BTF list).
inline const module::BtfOwner* test_host_owner() {
  static const module::BtfOwner host{"vmlinux", nullptr, false};
  return &host;
}

inline Result<exec::PreparedProgram> fixup_for_test(std::span<const isa::Insn> insns, const PrepareSpec& s = {}) {
  std::vector<maps::Map*> maps;
  std::vector<verifier::InsnFacts> facts;
  if (!s.call_maps.empty()) {
    facts.resize(insns.size());
    for (size_t i = 0; i < insns.size(); i++) {
      facts[i].seen = true;
      if (i < s.call_maps.size() && s.call_maps[i]) {
        facts[i].map = static_cast<int32_t>(maps.size());
        maps.push_back(s.call_maps[i]);
      }
    }
  }
  exec::FixupInput in;
  in.insns = insns;
  in.facts = facts;
  in.prog_type = s.type;
  in.maps = maps;
  in.kfuncs = s.kfuncs;
  in.exec = s.exec;
  return exec::fixup(in);
}

/// fixup, then the interpreter.
inline Result<std::shared_ptr<exec::Executable>> prepare(std::span<const isa::Insn> insns, const PrepareSpec& s = {}) {
  auto p = fixup_for_test(insns, s);
  if (!p) return std::move(p).error();
  return exec::make_interpreter(*p);
}

}  // namespace hostbpf::test
