#include "exec/ctx_convert.h"

#include <linux/bpf.h>

#include <cstddef>

#include "hostbpf/context.h"

namespace hostbpf::exec {
namespace {

// xdp_convert_ctx_access: xdp_md's u32 data/data_end/data_meta become 64-bit
// loads of XdpContext's pointers; the scalar fields keep their offsets. The
// verifier allows only aligned 4-byte loads of the context and no stores
// (xdp_access), through an unmodified ctx pointer, so insn.off is the field.
void convert_xdp(isa::Insn& insn) {
  int32_t to;
  switch (insn.off) {
    case offsetof(struct xdp_md, data): to = offsetof(XdpContext, data); break;
    case offsetof(struct xdp_md, data_end): to = offsetof(XdpContext, data_end); break;
    case offsetof(struct xdp_md, data_meta): to = offsetof(XdpContext, data_meta); break;
    default: return;
  }
  insn.code = BPF_LDX | BPF_MEM | BPF_DW;  // a pointer is 64 bits, never sign-extended
  insn.off = static_cast<int16_t>(to);
}

}  // namespace

CtxRuntime convert_ctx_accesses(uint32_t prog_type, std::span<isa::Insn> insns,
                                std::span<const verifier::InsnFacts> facts) {
  if (facts.empty()) return prog_type == BPF_PROG_TYPE_XDP ? CtxRuntime::Unsupported : CtxRuntime::Plain;
  bool pointers_from_ctx = false;
  for (size_t i = 0; i < insns.size() && i < facts.size(); i++) {
    if (!facts[i].ctx_access) continue;
    pointers_from_ctx |= facts[i].ctx_load_kind != 0;
    if (prog_type == BPF_PROG_TYPE_XDP && isa::insn_class(insns[i]) == BPF_LDX) convert_xdp(insns[i]);
  }
  if (prog_type == BPF_PROG_TYPE_XDP) return CtxRuntime::Rewritten;
  return pointers_from_ctx ? CtxRuntime::Unsupported : CtxRuntime::Plain;
}

}  // namespace hostbpf::exec
