// The eBPF instruction as the kernel defines it (struct bpf_insn, RFC 9669), plus
// the cpu v4 encodings that the system's UAPI header (Linux 6.1) predates.
//
// Everything above this layer speaks `bpf_insn` so that programs, logs and tools
// look exactly like the kernel's.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <span>

namespace hostbpf::isa {

using Insn = struct bpf_insn;
static_assert(sizeof(Insn) == 8);

// cpu v4 additions (RFC 9669 §4, §5); guarded because newer UAPI headers have them.
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80  // sign-extending load mode
#endif
#ifndef BPF_JCOND
#define BPF_JCOND 0xe0  // may_goto (not in RFC 9669; rejected)
#endif

/// Kernel limits that the ISA layer and the interpreter share.
inline constexpr int kMaxBpfStack = 512;          // MAX_BPF_STACK, bytes per frame
inline constexpr int kMaxCallFrames = 8;          // MAX_CALL_FRAMES
inline constexpr int kMaxTailCallCount = 33;      // MAX_TAIL_CALL_CNT
inline constexpr int kNumRegs = 11;               // r0..r10
inline constexpr int kFramePointer = 10;          // r10, read-only

inline uint8_t insn_class(const Insn& i) { return BPF_CLASS(i.code); }
inline bool is_lddw(const Insn& i) { return i.code == (BPF_LD | BPF_IMM | BPF_DW); }
inline bool is_exit(const Insn& i) { return i.code == (BPF_JMP | BPF_EXIT); }
inline bool is_call(const Insn& i) { return i.code == (BPF_JMP | BPF_CALL); }
inline bool is_helper_call(const Insn& i) { return is_call(i) && i.src_reg == 0; }
inline bool is_pseudo_call(const Insn& i) { return is_call(i) && i.src_reg == BPF_PSEUDO_CALL; }
inline bool is_kfunc_call(const Insn& i) { return is_call(i) && i.src_reg == BPF_PSEUDO_KFUNC_CALL; }

/// Bytes a load, store or atomic moves: its BPF_SIZE field as 1, 2, 4 or 8.
inline int access_bytes(uint8_t code) {
  switch (BPF_SIZE(code)) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    default: return 8;
  }
}

/// The 64-bit immediate of an LDDW pair (insn[0].imm low, insn[1].imm high).
inline uint64_t lddw_imm64(const Insn* pair) {
  return static_cast<uint32_t>(pair[0].imm) | (static_cast<uint64_t>(static_cast<uint32_t>(pair[1].imm)) << 32);
}
inline void set_lddw_imm64(Insn* pair, uint64_t v) {
  pair[0].imm = static_cast<int32_t>(static_cast<uint32_t>(v));
  pair[1].imm = static_cast<int32_t>(static_cast<uint32_t>(v >> 32));
}

}  // namespace hostbpf::isa
