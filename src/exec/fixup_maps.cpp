// Map references: `rX = map ll` in the loader's form (BPF_PSEUDO_MAP_IDX, the
// object's map index) becomes the kernel's BPF_PSEUDO_MAP_FD with the map's
// address; BPF_PSEUDO_MAP_IDX_VALUE (global data) becomes the value's address.
#include <fmt/format.h>
#include <linux/bpf.h>

#include <algorithm>

#include "exec/fixup_passes.h"

namespace hostbpf::exec::fixup_pass {

Error map_refs(PreparedProgram& p, const FixupInput& in) {
  for (size_t i = 0; i + 1 < p.insns.size(); i++) {
    isa::Insn* insn = &p.insns[i];
    if (!isa::is_lddw(*insn)) continue;
    const uint8_t src = insn->src_reg;
    if (src == BPF_PSEUDO_MAP_IDX || src == BPF_PSEUDO_MAP_IDX_VALUE) {
      const uint32_t idx = static_cast<uint32_t>(insn[0].imm);
      if (idx >= in.maps.size())
        return insn_error(in, i, -EINVAL,
                          fmt::format("reference to map index {} but the object has {} maps", idx, in.maps.size()));
      maps::Map* map = in.maps[idx];
      if (src == BPF_PSEUDO_MAP_IDX) {
        insn->src_reg = BPF_PSEUDO_MAP_FD;
        isa::set_lddw_imm64(insn, reinterpret_cast<uint64_t>(map));
      } else {
        const uint32_t off = static_cast<uint32_t>(insn[1].imm);
        uint64_t addr = 0;
        if (long rc = map->direct_value_addr(off, &addr))
          return insn_error(in, i, static_cast<int>(rc),
                            fmt::format("map '{}' has no direct value access at offset {}", map->spec().name, off));
        if (off >= map->spec().value_size)
          return insn_error(in, i, -EINVAL,
                            fmt::format("offset {} is outside map '{}' value of {} bytes", off, map->spec().name,
                                        map->spec().value_size));
        insn->src_reg = BPF_PSEUDO_MAP_VALUE;
        isa::set_lddw_imm64(insn, addr);
      }
      if (std::find(p.used_maps.begin(), p.used_maps.end(), idx) == p.used_maps.end()) p.used_maps.push_back(idx);
    }
    i++;  // skip the second half of the pair
  }
  return {};
}

}  // namespace hostbpf::exec::fixup_pass
