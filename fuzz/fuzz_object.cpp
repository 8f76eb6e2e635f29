// libFuzzer target: parse_object on arbitrary bytes must end in a result or an
// Error, never a crash, a hang, a leak or undefined behaviour.
//
// Seeds: the objects built for tests/object (build/tests/object/*.bpf.o), e.g.
//   ./fuzz_object -max_len=65536 corpus/ build/tests/object/
// Parsed objects are also checked for the guarantees later layers rely on, so
// that a "successful" parse of garbage cannot hand them out-of-range indexes.
#include <bpf/libbpf.h>

#include <cstdint>
#include <cstdlib>

#include "object/object_spec.h"

namespace {

void check(const hostbpf::object::ObjectSpec& obj) {
  for (const auto& p : obj.programs) {
    for (size_t i = 0; i < p.insns.size(); i++) {
      const auto& insn = p.insns[i];
      bool to_function = hostbpf::isa::is_pseudo_call(insn) ||
                         (hostbpf::isa::is_lddw(insn) && insn.src_reg == BPF_PSEUDO_FUNC);
      int64_t target = static_cast<int64_t>(i) + insn.imm + 1;
      if (to_function && (target < 0 || target >= static_cast<int64_t>(p.insns.size()))) abort();
      bool to_map = hostbpf::isa::is_lddw(insn) &&
                    (insn.src_reg == BPF_PSEUDO_MAP_IDX || insn.src_reg == BPF_PSEUDO_MAP_IDX_VALUE);
      if (to_map && static_cast<uint32_t>(insn.imm) >= obj.maps.size()) abort();
      bool to_ksym = (insn.code == (BPF_JMP | BPF_CALL) && insn.src_reg == BPF_PSEUDO_KFUNC_CALL) ||
                     (hostbpf::isa::is_lddw(insn) && insn.src_reg == BPF_PSEUDO_BTF_ID);
      if (to_ksym && static_cast<uint32_t>(insn.imm) >= obj.ksyms.size()) abort();
    }
    for (const auto& cr : p.core_relos)
      if (cr.insn_idx >= p.insns.size()) abort();
    for (const auto& li : p.line_info)
      if (li.insn_off >= p.insns.size()) abort();
    for (const auto& fi : p.func_info)
      if (fi.insn_off >= p.insns.size()) abort();
  }
  for (const auto& m : obj.maps) {
    if (m.is_global_data && m.initial_value.size() != m.spec.value_size) abort();
    for (auto [slot, prog] : m.initial_progs)
      if (slot >= m.spec.max_entries || prog >= obj.programs.size()) abort();
    for (auto [member, prog] : m.struct_ops_progs)
      if (prog >= obj.programs.size()) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libbpf prints its own complaints about malformed BTF to stderr.
  static const bool quiet = (libbpf_set_print(nullptr), true);
  (void)quiet;
  auto r = hostbpf::object::parse_object({data, size}, "fuzz.bpf.o");
  if (r.ok()) check(*r);
  return 0;
}
