#include "runtime/core_relo.h"

#include <memory>
#include <vector>

#include "object/core_relo.h"

namespace hostbpf::detail {

Error apply_core_relos(ProgramState& prog, const object::ProgramSpec& spec, const object::ObjectSpec& obj) {
  if (spec.core_relos.empty()) return {};
  if (prog.insns.size() != spec.insns.size())
    return Error(-EINVAL, "CO-RE: the program's instructions are not the loader's any more");
  const RuntimeState& rt = *prog.rt;
  // The module BTFs stay alive through these references while relocating,
  // even if a module unloads meanwhile.
  std::vector<std::shared_ptr<const btf::Btf>> keep{rt.host.btf};
  for (auto& b : rt.modules.published_btfs()) keep.push_back(std::move(b));
  std::vector<const struct btf*> targets;
  for (const auto& b : keep)
    if (b) targets.push_back(b->raw());
  return object::apply_core_relos(prog.insns, spec.core_relos, obj.btf.get(), targets, spec.name);
}

}  // namespace hostbpf::detail
