// The abstract interpreter: registers, ALU, stack, map values, ctx, packets,
// helpers, calls, references, loops and the log. Each reject case expects the
// kernel's message.
#include "verifier_test_util.h"

namespace hostbpf::test {
namespace {

Prog ret0() { return {mov64_imm(0, 0), exit_insn()}; }

// r2 = fp-4 holding key 0; r1 = map 0; call lookup; r0 = map_value_or_null.
Prog lookup_prefix() {
  Prog p = {st(BPF_W, 10, -4, 0), mov64_reg(2, 10), alu64_imm(BPF_ADD, 2, -4)};
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  p.push_back(call_helper(BPF_FUNC_map_lookup_elem));
  return p;
}

TEST(VerifierRegs, TrivialAccepted) { EXPECT_ACCEPTED(VerifyCase{ret0()}); }

TEST(VerifierRegs, R0NotInitAtExit) { EXPECT_REJECTED(VerifyCase{{exit_insn()}}, "R0 !read_ok"); }

TEST(VerifierRegs, UninitSourceRegister) {
  EXPECT_REJECTED(VerifyCase{{mov64_reg(0, 2), exit_insn()}}, "R2 !read_ok");
}

TEST(VerifierRegs, FramePointerReadOnly) {
  EXPECT_REJECTED(VerifyCase{{mov64_imm(10, 0), mov64_imm(0, 0), exit_insn()}}, "frame pointer is read only");
}

TEST(VerifierAlu, ScalarMathAccepted) {
  EXPECT_ACCEPTED(VerifyCase{{mov64_imm(0, 5), alu64_imm(BPF_MUL, 0, 3), alu32_imm(BPF_ADD, 0, 1),
                              alu64_imm(BPF_RSH, 0, 1), alu64_imm(BPF_DIV, 0, 2), exit_insn()}});
}

TEST(VerifierAlu, PointerMultiplyProhibited) {
  EXPECT_REJECTED(VerifyCase{{alu64_imm(BPF_MUL, 1, 2), mov64_imm(0, 0), exit_insn()}},
                  "R1 pointer arithmetic with *= operator prohibited");
}

TEST(VerifierAlu, PointerBitwiseProhibited) {
  EXPECT_REJECTED(VerifyCase{{alu64_imm(BPF_AND, 1, 2), mov64_imm(0, 0), exit_insn()}},
                  "R1 bitwise operator &= on pointer prohibited");
}

TEST(VerifierAlu, Pointer32BitArithmeticProhibited) {
  EXPECT_REJECTED(VerifyCase{{alu32_imm(BPF_ADD, 1, 2), mov64_imm(0, 0), exit_insn()}},
                  "R1 32-bit pointer arithmetic prohibited");
}

TEST(VerifierAlu, MapPtrArithmeticProhibited) {
  Prog p;
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  p = p + Prog{alu64_imm(BPF_ADD, 1, 8), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}), "R1 pointer arithmetic on map_ptr prohibited");
}

TEST(VerifierAlu, NullablePointerArithmeticProhibited) {
  Prog p = lookup_prefix() + Prog{alu64_imm(BPF_ADD, 0, 1), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}),
                  "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first");
}

TEST(VerifierAlu, UnboundedMinOnPointerMath) {
  Prog p = {mov64_reg(2, 10), ldx(BPF_DW, 3, 1, 0), alu64_reg(BPF_ADD, 2, 3), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "math between fp pointer and register with unbounded min value is not allowed");
}

TEST(VerifierAlu, PointerMinusPointerIsScalar) {
  Prog p = {mov64_reg(2, 10), alu64_imm(BPF_ADD, 2, -8), mov64_reg(0, 10), alu64_reg(BPF_SUB, 0, 2), exit_insn()};
  EXPECT_ACCEPTED(VerifyCase{p});
}

TEST(VerifierAlu, ScalarMinusPointer) {
  Prog p = {mov64_imm(0, 1), alu64_reg(BPF_SUB, 0, 10), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "R0 tried to subtract pointer from scalar");
}

TEST(VerifierStack, WriteBelowFrame) {
  EXPECT_REJECTED(VerifyCase{{st(BPF_DW, 10, -520, 0), mov64_imm(0, 0), exit_insn()}},
                  "invalid write to stack R10 off=-520 size=8");
}

TEST(VerifierStack, ReadAboveFrame) {
  EXPECT_REJECTED(VerifyCase{{ldx(BPF_DW, 0, 10, 0), exit_insn()}}, "invalid read from stack R10 off=0 size=8");
}

TEST(VerifierStack, UninitReadAllowedPrivileged) {
  EXPECT_ACCEPTED(VerifyCase{{ldx(BPF_DW, 0, 10, -8), exit_insn()}});
}

TEST(VerifierStack, UninitReadRejectedUnprivileged) {
  VerifyCase c{{ldx(BPF_DW, 0, 10, -8), exit_insn()}};
  c.allow_uninit_stack = false;
  EXPECT_REJECTED(c, "invalid read from stack off -8+0 size 8");
}

TEST(VerifierStack, SpillFillPointerKeepsType) {
  // Spill the ctx pointer, fill it back and read the ctx through it.
  Prog p = {stx(BPF_DW, 10, 1, -8), ldx(BPF_DW, 2, 10, -8), ldx(BPF_W, 0, 2, 0), exit_insn()};
  EXPECT_ACCEPTED(VerifyCase{p});
}

TEST(VerifierStack, PartialFillOfPointer) {
  Prog p = {stx(BPF_DW, 10, 1, -8), ldx(BPF_W, 2, 10, -8), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "invalid size of register fill");
}

TEST(VerifierStack, NarrowPointerSpill) {
  Prog p = {stx(BPF_W, 10, 1, -8), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "invalid size of register spill");
}

TEST(VerifierStack, SpilledConstantBoundsAccess) {
  // A constant spilled and filled stays a constant usable as a stack offset.
  Prog p = {st(BPF_DW, 10, -8, -16), ldx(BPF_DW, 1, 10, -8), mov64_reg(2, 10), alu64_reg(BPF_ADD, 2, 1),
            st(BPF_DW, 2, 0, 7), ldx(BPF_DW, 0, 10, -16), exit_insn()};
  EXPECT_ACCEPTED(VerifyCase{p});
}

TEST(VerifierMap, LookupWithNullCheckAccepted) {
  Prog p = lookup_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 1), ldx(BPF_DW, 1, 0, 0), mov64_imm(0, 0), exit_insn()};
  EXPECT_ACCEPTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}));
}

TEST(VerifierMap, MissingNullCheck) {
  Prog p = lookup_prefix() + Prog{ldx(BPF_DW, 1, 0, 0), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}), "R0 invalid mem access 'map_value_or_null'");
}

TEST(VerifierMap, NullBranchSeesScalarZero) {
  // In the "== NULL" branch R0 is 0, a scalar: dereferencing it fails there.
  Prog p = lookup_prefix() + Prog{jmp_imm(BPF_JNE, 0, 0, 1), ldx(BPF_DW, 1, 0, 0), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}), "R0 invalid mem access 'scalar'");
}

TEST(VerifierMap, NullCheckPropagatesToCopies) {
  Prog p = lookup_prefix() + Prog{mov64_reg(6, 0), stx(BPF_DW, 10, 0, -16), jmp_imm(BPF_JEQ, 0, 0, 3),
                                  ldx(BPF_DW, 1, 6, 0), ldx(BPF_DW, 2, 10, -16), ldx(BPF_DW, 1, 2, 0),
                                  mov64_imm(0, 0), exit_insn()};
  EXPECT_ACCEPTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}));
}

TEST(VerifierMap, ValueOutOfBounds) {
  Prog p = lookup_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 1), ldx(BPF_DW, 1, 0, 8), mov64_imm(0, 0), exit_insn()};
  VerifyCase c{p, ProgType::Syscall, {hash_map(4, 8)}};
  EXPECT_REJECTED(c, "invalid access to map value, value_size=8 off=8 size=8");
  EXPECT_REJECTED_LOG(c, "R0 min value is outside of the allowed memory range");
}

TEST(VerifierMap, VariableOffsetBounded) {
  // idx = *ctx & 7; value[idx] in a 16-byte value: max 7 + 1 <= 16.
  Prog p = lookup_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 4), ldx(BPF_DW, 1, 6, 0), alu64_imm(BPF_AND, 1, 7),
                                  alu64_reg(BPF_ADD, 0, 1), ldx(BPF_B, 1, 0, 0), mov64_imm(0, 0), exit_insn()};
  p.insert(p.begin(), mov64_reg(6, 1));
  EXPECT_ACCEPTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 16)}}));
}

TEST(VerifierMap, VariableOffsetTooLarge) {
  Prog p = lookup_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 4), ldx(BPF_DW, 1, 6, 0), alu64_imm(BPF_AND, 1, 31),
                                  alu64_reg(BPF_ADD, 0, 1), ldx(BPF_B, 1, 0, 0), mov64_imm(0, 0), exit_insn()};
  p.insert(p.begin(), mov64_reg(6, 1));
  EXPECT_REJECTED_LOG((VerifyCase{p, ProgType::Syscall, {hash_map(4, 16)}}),
                      "R0 max value is outside of the allowed memory range");
}

TEST(VerifierMap, UnboundedIndex) {
  Prog p = lookup_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 4), ldx(BPF_W, 1, 6, 0), alu64_reg(BPF_ADD, 0, 1),
                                  ldx(BPF_B, 1, 0, 0), mov64_imm(0, 0), exit_insn()};
  p.insert(p.begin(), mov64_reg(6, 1));
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 16)}}),
                  "R0 unbounded memory access, make sure to bounds check any such access");
}

TEST(VerifierMap, KeyOnUninitStackUnprivileged) {
  Prog p = {mov64_reg(2, 10), alu64_imm(BPF_ADD, 2, -4)};
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  p = p + Prog{call_helper(BPF_FUNC_map_lookup_elem), mov64_imm(0, 0), exit_insn()};
  VerifyCase c{p, ProgType::Syscall, {hash_map(4, 8)}};
  c.allow_uninit_stack = false;
  EXPECT_REJECTED(c, "invalid read from stack R2 off -4+0 size 4");
}

TEST(VerifierMap, KeyOutsideStack) {
  Prog p = {mov64_reg(2, 10), alu64_imm(BPF_ADD, 2, -2)};
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  p = p + Prog{call_helper(BPF_FUNC_map_lookup_elem), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}),
                  "invalid read from stack R2 off=-2 size=4");
}

TEST(VerifierMap, KeyNotAPointer) {
  Prog p = {mov64_imm(2, 0)};
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  p = p + Prog{call_helper(BPF_FUNC_map_lookup_elem), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}),
                  "R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_");
}

TEST(VerifierMap, ReadOnlyMapWrite) {
  maps::MapSpec ro = hash_map(4, 8);
  ro.type = BPF_MAP_TYPE_ARRAY;
  ro.map_flags = BPF_F_RDONLY_PROG;
  Prog p;
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX_VALUE);
  p = p + Prog{st(BPF_DW, 1, 0, 1), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {ro}}), "write into map forbidden, value_size=8 off=0 size=8");
}

TEST(VerifierCtx, SyscallCtxReadWrite) {
  EXPECT_ACCEPTED(VerifyCase{{ldx(BPF_DW, 0, 1, 8), stx(BPF_DW, 1, 0, 16), exit_insn()}});
}

TEST(VerifierCtx, XdpWriteRejected) {
  EXPECT_REJECTED((VerifyCase{{mov64_imm(0, 0), stx(BPF_W, 1, 0, 0), exit_insn()}, ProgType::Xdp}),
                  "invalid bpf_context access off=0 size=4");
}

TEST(VerifierCtx, XdpWrongSize) {
  EXPECT_REJECTED((VerifyCase{{ldx(BPF_DW, 0, 1, 0), exit_insn()}, ProgType::Xdp}),
                  "invalid bpf_context access off=0 size=8");
}

TEST(VerifierCtx, ModifiedCtxPointer) {
  EXPECT_REJECTED(VerifyCase{{alu64_imm(BPF_ADD, 1, 8), ldx(BPF_DW, 0, 1, 0), exit_insn()}},
                  "dereference of modified ctx ptr R1 off=8 disallowed");
}

TEST(VerifierCtx, SkbPacketAndMark) {
  // tc: r2 = skb->data, r3 = skb->data_end; bounds check; skb->mark = 1.
  Prog p = {ldx(BPF_W, 2, 1, offsetof(struct __sk_buff, data)), ldx(BPF_W, 3, 1, offsetof(struct __sk_buff, data_end)),
            mov64_reg(4, 2), alu64_imm(BPF_ADD, 4, 4), jmp_reg(BPF_JGT, 4, 3, 2), ldx(BPF_W, 0, 2, 0),
            st(BPF_W, 1, offsetof(struct __sk_buff, mark), 1), mov64_imm(0, 0), exit_insn()};
  EXPECT_ACCEPTED(VerifyCase{p, ProgType::SchedCls});
}

TEST(VerifierCtx, SkbReadOnlyField) {
  Prog p = {st(BPF_W, 1, offsetof(struct __sk_buff, len), 1), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p, ProgType::SchedCls}, "invalid bpf_context access off=0 size=4");
}

// xdp: r2 = data, r3 = data_end.
Prog xdp_prefix() { return {ldx(BPF_W, 2, 1, 0), ldx(BPF_W, 3, 1, 4)}; }

TEST(VerifierPacket, AccessWithoutCheck) {
  Prog p = xdp_prefix() + Prog{ldx(BPF_B, 0, 2, 0), exit_insn()};
  VerifyCase c{p, ProgType::Xdp};
  EXPECT_REJECTED(c, "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)");
  EXPECT_REJECTED_LOG(c, "R2 offset is outside of the packet");
}

TEST(VerifierPacket, AccessInsideCheckedRange) {
  Prog p = xdp_prefix() + Prog{mov64_reg(4, 2), alu64_imm(BPF_ADD, 4, 14), jmp_reg(BPF_JGT, 4, 3, 2),
                               ldx(BPF_B, 0, 2, 13), exit_insn(), mov64_imm(0, 0), exit_insn()};
  EXPECT_ACCEPTED((VerifyCase{p, ProgType::Xdp}));
}

TEST(VerifierPacket, AccessBeyondCheckedRange) {
  Prog p = xdp_prefix() + Prog{mov64_reg(4, 2), alu64_imm(BPF_ADD, 4, 14), jmp_reg(BPF_JGT, 4, 3, 2),
                               ldx(BPF_B, 0, 2, 14), exit_insn(), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Xdp}), "invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)");
}

TEST(VerifierPacket, ReversedComparison) {
  // if (data_end >= data + 8) read 8 bytes (taken branch).
  Prog p = xdp_prefix() + Prog{mov64_reg(4, 2), alu64_imm(BPF_ADD, 4, 8), jmp_reg(BPF_JGE, 3, 4, 2),
                               mov64_imm(0, 0), exit_insn(), ldx(BPF_DW, 0, 2, 0), exit_insn()};
  EXPECT_ACCEPTED((VerifyCase{p, ProgType::Xdp}));
}

TEST(VerifierPacket, PktEndNotDereferenceable) {
  Prog p = xdp_prefix() + Prog{ldx(BPF_B, 0, 3, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Xdp}), "R3 invalid mem access 'pkt_end'");
}

TEST(VerifierPacket, PktEndArithmetic) {
  Prog p = xdp_prefix() + Prog{alu64_imm(BPF_ADD, 3, 1), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Xdp}), "R3 pointer arithmetic on pkt_end prohibited");
}

TEST(VerifierHelper, UnknownHelper) {
  EXPECT_REJECTED(VerifyCase{{call_helper(100000), mov64_imm(0, 0), exit_insn()}}, "invalid func unknown#100000");
}

TEST(VerifierHelper, UnsupportedHelper) {
  EXPECT_REJECTED(VerifyCase{{call_helper(BPF_FUNC_get_current_pid_tgid), mov64_imm(0, 0), exit_insn()}},
                  "program of this type cannot use helper bpf_get_current_pid_tgid#14");
}

TEST(VerifierHelper, CallerSavedClobbered) {
  EXPECT_REJECTED(VerifyCase{{mov64_imm(1, 1), call_helper(BPF_FUNC_ktime_get_ns), mov64_reg(0, 1), exit_insn()}},
                  "R1 !read_ok");
}

TEST(VerifierHelper, CalleeSavedKept) {
  EXPECT_ACCEPTED(VerifyCase{{mov64_imm(6, 1), call_helper(BPF_FUNC_ktime_get_ns), mov64_reg(0, 6), exit_insn()}});
}

TEST(VerifierHelper, WrongMapTypeForRingbuf) {
  Prog p;
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  p = p + Prog{mov64_imm(2, 8), mov64_imm(3, 0), call_helper(BPF_FUNC_ringbuf_reserve), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}),
                  "cannot pass map_type 1 into func bpf_ringbuf_reserve#131");
}

TEST(VerifierHelper, MemSizeUnbounded) {
  // trace_printk(fp-8, size from ctx)
  Prog p = {st(BPF_DW, 10, -8, 0), ldx(BPF_DW, 2, 1, 0), mov64_reg(1, 10), alu64_imm(BPF_ADD, 1, -8),
            call_helper(BPF_FUNC_trace_printk), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "R2 min value is negative, either use unsigned or 'var &= const'");
}

TEST(VerifierHelper, MemSizeTooBigForStack) {
  Prog p = {st(BPF_DW, 10, -8, 0), mov64_imm(2, 16), mov64_reg(1, 10), alu64_imm(BPF_ADD, 1, -8),
            call_helper(BPF_FUNC_trace_printk), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "invalid read from stack R1 off=-8 size=16");
}

// r1 = ringbuf; r2 = 8; r3 = 0; call reserve (insn 4).
Prog reserve_prefix() {
  Prog p;
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  return p + Prog{mov64_imm(2, 8), mov64_imm(3, 0), call_helper(BPF_FUNC_ringbuf_reserve)};
}

TEST(VerifierRefs, ReserveSubmitAccepted) {
  Prog p = reserve_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 4), st(BPF_DW, 0, 0, 1), mov64_reg(1, 0), mov64_imm(2, 0),
                                   call_helper(BPF_FUNC_ringbuf_submit), mov64_imm(0, 0), exit_insn()};
  EXPECT_ACCEPTED((VerifyCase{p, ProgType::Syscall, {ringbuf_map()}}));
}

TEST(VerifierRefs, ReserveWithoutSubmitLeaks) {
  Prog p = reserve_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 0), mov64_imm(0, 0), exit_insn()};
  VerifyCase c{p, ProgType::Syscall, {ringbuf_map()}};
  EXPECT_REJECTED(c, "Unreleased reference id=2 alloc_insn=4");
  EXPECT_REJECTED_LOG(c, "Unreleased reference id=2 alloc_insn=4\nBPF_EXIT instruction in main prog would lead to reference leak");
}

TEST(VerifierRefs, RingbufAccessOutOfRecord) {
  Prog p = reserve_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 4), st(BPF_DW, 0, 8, 1), mov64_reg(1, 0), mov64_imm(2, 0),
                                   call_helper(BPF_FUNC_ringbuf_submit), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {ringbuf_map()}}),
                  "invalid access to memory, mem_size=8 off=8 size=8");
}

TEST(VerifierRefs, SubmitWithoutNullCheck) {
  Prog p = reserve_prefix() + Prog{mov64_reg(1, 0), mov64_imm(2, 0), call_helper(BPF_FUNC_ringbuf_submit),
                                   mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {ringbuf_map()}}),
                  "R1 type=ringbuf_mem_or_null expected=ringbuf_mem");
}

TEST(VerifierRefs, DoubleSubmit) {
  Prog p = reserve_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 7), mov64_reg(6, 0), mov64_reg(1, 6), mov64_imm(2, 0),
                                   call_helper(BPF_FUNC_ringbuf_submit), mov64_reg(1, 6), mov64_imm(2, 0),
                                   call_helper(BPF_FUNC_ringbuf_submit), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {ringbuf_map()}}), "R1 type=scalar expected=ringbuf_mem");
}

TEST(VerifierRefs, SubmitWithOffset) {
  Prog p = reserve_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 4), alu64_imm(BPF_ADD, 0, 4), mov64_reg(1, 0),
                                   mov64_imm(2, 0), call_helper(BPF_FUNC_ringbuf_submit), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {ringbuf_map()}}),
                  "R1 must have zero offset when passed to release func or trusted arg to kfunc");
}

TEST(VerifierRefs, TailCallWithReference) {
  maps::MapSpec progs;
  progs.name = "jt";
  progs.type = BPF_MAP_TYPE_PROG_ARRAY;
  progs.key_size = progs.value_size = 4;
  progs.max_entries = 4;
  Prog p = {mov64_reg(6, 1)};
  p = p + reserve_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 8), mov64_reg(7, 0), mov64_reg(1, 6)};
  lddw(p, 2, 1, BPF_PSEUDO_MAP_IDX);
  p = p + Prog{mov64_imm(3, 0), call_helper(BPF_FUNC_tail_call), mov64_reg(1, 7), mov64_imm(2, 0),
               call_helper(BPF_FUNC_ringbuf_submit), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {ringbuf_map(), progs}}), "Unreleased reference id=2 alloc_insn=5");
  EXPECT_REJECTED_LOG((VerifyCase{p, ProgType::Syscall, {ringbuf_map(), progs}}), "tail_call would lead to reference leak");
}

TEST(VerifierCalls, StaticCallAccepted) {
  // main: r1 = 5; call f; exit.  f: r0 = r1 + 1; exit.
  Prog p = {mov64_imm(1, 5), call_local(1), exit_insn(), mov64_reg(0, 1), alu64_imm(BPF_ADD, 0, 1), exit_insn()};
  EXPECT_ACCEPTED(VerifyCase{p});
}

TEST(VerifierCalls, CalleeSeesCallerStack) {
  // main: fp-8 = 1; r1 = fp-8; call f; exit.  f: r0 = *(u64 *)r1; exit.
  Prog p = {st(BPF_DW, 10, -8, 1), mov64_reg(1, 10), alu64_imm(BPF_ADD, 1, -8), call_local(1), exit_insn(),
            ldx(BPF_DW, 0, 1, 0), exit_insn()};
  EXPECT_ACCEPTED(VerifyCase{p});
}

TEST(VerifierCalls, ReturnStackPointer) {
  Prog p = {call_local(1), exit_insn(), mov64_reg(0, 10), alu64_imm(BPF_ADD, 0, -8), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "cannot return stack pointer to the caller");
}

TEST(VerifierCalls, ArgumentRegistersAfterCall) {
  Prog p = {mov64_imm(1, 1), call_local(2), mov64_reg(0, 1), exit_insn(), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "R1 !read_ok");
}

TEST(VerifierCalls, CombinedStackTooLarge) {
  // main uses 512 bytes and calls f, which uses 64 more.
  Prog p = {st(BPF_DW, 10, -512, 0), call_local(2), mov64_imm(0, 0), exit_insn(), st(BPF_DW, 10, -64, 0),
            mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "combined stack size of 2 calls is 576. Too large");
}

TEST(VerifierCalls, CallDepthLimit) {
  // Eight nested calls (nine frames): each subprogram calls the next.
  Prog p;
  for (int i = 0; i < 9; i++) p = p + Prog{call_local(2), mov64_imm(0, 0), exit_insn()};
  p = p + Prog{mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "the call stack of 9 frames is too deep");
}

TEST(VerifierCalls, BpfLoopCallbackAccepted) {
  Prog p;
  p.push_back(mov64_imm(1, 10));
  lddw(p, 2, 5, BPF_PSEUDO_FUNC);  // callback at insn 1 + 5 + 1 = 7
  p = p + Prog{mov64_imm(3, 0), mov64_imm(4, 0), call_helper(BPF_FUNC_loop), exit_insn(),
               mov64_imm(0, 0), exit_insn()};
  ASSERT_EQ(p.size(), 9u);
  EXPECT_ACCEPTED(VerifyCase{p});
}

TEST(VerifierCalls, BpfLoopCallbackReturnRange) {
  Prog p;
  p.push_back(mov64_imm(1, 10));
  lddw(p, 2, 5, BPF_PSEUDO_FUNC);
  p = p + Prog{mov64_imm(3, 0), mov64_imm(4, 0), call_helper(BPF_FUNC_loop), exit_insn(),
               mov64_imm(0, 2), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]");
}

TEST(VerifierLoops, BoundedLoopAccepted) {
  Prog p = {mov64_imm(1, 0), mov64_imm(0, 0), alu64_reg(BPF_ADD, 0, 1), alu64_imm(BPF_ADD, 1, 1),
            jmp_imm(BPF_JLT, 1, 100, -3), exit_insn()};
  auto r = run_verify(VerifyCase{p});
  ASSERT_TRUE(r.ok()) << r.error().log();
  EXPECT_GT(r->stats.processed_insns, 300u);
}

TEST(VerifierLoops, BoundedLoopIndexingStack) {
  // for (i = 0; i < 8; i++) fp[-64 + 8*i] = i;
  Prog p = {mov64_imm(1, 0), mov64_reg(2, 1), alu64_imm(BPF_LSH, 2, 3), mov64_reg(3, 10), alu64_imm(BPF_ADD, 3, -64),
            alu64_reg(BPF_ADD, 3, 2), stx(BPF_DW, 3, 1, 0), alu64_imm(BPF_ADD, 1, 1), jmp_imm(BPF_JLT, 1, 8, -8),
            mov64_imm(0, 0), exit_insn()};
  EXPECT_ACCEPTED(VerifyCase{p});
}

TEST(VerifierLoops, InfiniteLoopDetected) {
  Prog p = {mov64_imm(0, 0), jmp_imm(BPF_JEQ, 0, 0, -1), exit_insn()};
  auto r = run_verify(VerifyCase{p});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "infinite loop detected at insn 1") << r.error().log();
}

TEST(VerifierLoops, TooLarge) {
  // r1 counts up forever with a different constant each time: never pruned.
  Prog p = {mov64_imm(1, 0), alu64_imm(BPF_ADD, 1, 1), jmp_imm(BPF_JNE, 1, 0x7fffffff, -2), mov64_imm(0, 0), exit_insn()};
  VerifyCase c{p};
  c.log_level = 0;
  auto r = run_verify(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "BPF program is too large. Processed 1000001 insn");
  EXPECT_EQ(r.error().code(), -E2BIG);
}

TEST(VerifierLoops, PruningKeepsBranchyProgramSmall) {
  // 20 independent diamonds on an unknown value: pruning keeps this linear
  // (2^20 paths without it).
  Prog p = {ldx(BPF_DW, 6, 1, 0), mov64_imm(0, 0)};
  for (int i = 0; i < 20; i++) p = p + Prog{jmp_imm(BPF_JEQ, 6, i, 1), mov64_imm(2, i), mov64_imm(2, 0)};
  p.push_back(exit_insn());
  auto r = run_verify(VerifyCase{p});
  ASSERT_TRUE(r.ok()) << r.error().log();
  EXPECT_LT(r->stats.processed_insns, 1000u);
}

// A counter bumped on one side of a branch in a loop (the benchmarks'
// "failures++"): its value reaches no check, so states differing only there
// prune, as the kernel prunes imprecise scalars.
Prog counter_loop(int iterations) {
  return {mov64_imm(6, 0), mov64_imm(7, 0), ldx(BPF_DW, 0, 1, 0), jmp_imm(BPF_JEQ, 0, 0, 1), alu64_imm(BPF_ADD, 6, 1),
          alu64_imm(BPF_ADD, 7, 1), jmp_imm(BPF_JLT, 7, iterations, -5)};
}

TEST(VerifierLoops, ImpreciseCounterPrunes) {
  Prog p = counter_loop(100) + Prog{mov64_reg(0, 6), exit_insn()};
  auto r = run_verify(VerifyCase{p});
  ASSERT_TRUE(r.ok()) << r.error().log();
  EXPECT_LT(r->stats.processed_insns, 2000u);
}

TEST(VerifierLoops, CounterUsedAsOffsetStaysPrecise) {
  // The same counter (0..10) then offsets a stack write at fp-8: the paths
  // with r6 >= 8 must still be found.
  Prog p = counter_loop(10) + Prog{mov64_reg(2, 10), alu64_imm(BPF_ADD, 2, -8), alu64_reg(BPF_ADD, 2, 6),
                                   st(BPF_B, 2, 0, 0), mov64_imm(0, 0), exit_insn()};
  auto r = run_verify(VerifyCase{p});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("invalid write to stack R2 off=", 0), 0u) << r.error().message();
}

TEST(VerifierAtomics, FetchAddOnStack) {
  Prog p = {st(BPF_DW, 10, -8, 0), mov64_imm(1, 1), atomic(BPF_DW, BPF_ADD | BPF_FETCH, 10, 1, -8), mov64_reg(0, 1),
            exit_insn()};
  EXPECT_ACCEPTED(VerifyCase{p});
}

TEST(VerifierAtomics, CmpxchgNeedsR0) {
  Prog p = {st(BPF_DW, 10, -8, 0), mov64_imm(1, 1), atomic(BPF_DW, BPF_CMPXCHG, 10, 1, -8), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "R0 !read_ok");
}

TEST(VerifierAtomics, OnCtxRejected) {
  Prog p = {mov64_imm(2, 1), atomic(BPF_W, BPF_ADD, 1, 2, 0), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED(VerifyCase{p}, "BPF_ATOMIC stores into R1 ctx is not allowed");
}

TEST(VerifierAtomics, OnMapValueOutOfBounds) {
  Prog p = lookup_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 2), mov64_imm(1, 1), atomic(BPF_DW, BPF_ADD, 0, 1, 8),
                                  mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}),
                  "invalid access to map value, value_size=8 off=8 size=8");
}

TEST(VerifierHelper, RingbufReserveSizeMustBeConstant) {
  Prog p = {ldx(BPF_DW, 2, 1, 0)};
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  p = p + Prog{mov64_imm(3, 0), call_helper(BPF_FUNC_ringbuf_reserve), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Syscall, {ringbuf_map()}}), "R2 is not a known constant'");
}

TEST(VerifierHelper, UpdateValueFromMapValue) {
  // update(map, key on stack, value = pointer into another lookup's value).
  Prog p = lookup_prefix() + Prog{jmp_imm(BPF_JEQ, 0, 0, 7), mov64_reg(3, 0), mov64_reg(2, 10),
                                  alu64_imm(BPF_ADD, 2, -4)};
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  p = p + Prog{mov64_imm(4, 0), call_helper(BPF_FUNC_map_update_elem), mov64_imm(0, 0), exit_insn()};
  EXPECT_ACCEPTED((VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}}));
}

TEST(VerifierPacket, XdpPacketWrite) {
  Prog p = xdp_prefix() + Prog{mov64_reg(4, 2), alu64_imm(BPF_ADD, 4, 2), jmp_reg(BPF_JGT, 4, 3, 1),
                               st(BPF_H, 2, 0, 0), mov64_imm(0, 2), exit_insn()};
  EXPECT_ACCEPTED((VerifyCase{p, ProgType::Xdp}));
}

TEST(VerifierPacket, VariableOffsetLosesRange) {
  // data + (ctx value & 3): a new packet pointer with no range yet.
  Prog p = xdp_prefix() + Prog{ldx(BPF_W, 5, 1, 16), alu64_imm(BPF_AND, 5, 3), mov64_reg(4, 2),
                               alu64_imm(BPF_ADD, 4, 8), jmp_reg(BPF_JGT, 4, 3, 3), alu64_reg(BPF_ADD, 2, 5),
                               ldx(BPF_B, 0, 2, 0), exit_insn(), mov64_imm(0, 0), exit_insn()};
  EXPECT_REJECTED((VerifyCase{p, ProgType::Xdp}), "invalid access to packet, off=0 size=1, R2(id=1,off=0,r=0)");
}

TEST(VerifierCalls, BpfLoopCallbackUsesCallerStack) {
  // ctx = fp-8 (holding 0); callback: r0 = *(u64 *)r2; r0 &= 1; exit.
  Prog p = {st(BPF_DW, 10, -8, 0), mov64_imm(1, 4)};
  lddw(p, 2, 6, BPF_PSEUDO_FUNC);  // callback at 2 + 6 + 1 = 9
  p = p + Prog{mov64_reg(3, 10), alu64_imm(BPF_ADD, 3, -8), mov64_imm(4, 0), call_helper(BPF_FUNC_loop),
               exit_insn(), ldx(BPF_DW, 0, 2, 0), alu64_imm(BPF_AND, 0, 1), exit_insn()};
  ASSERT_EQ(p.size(), 12u);
  EXPECT_ACCEPTED(VerifyCase{p});
}

TEST(VerifierLog, Level2Format) {
  VerifyCase c{ret0()};
  c.log_level = 2;
  auto r = run_verify(c);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->log.find("func#0 @0\n0: R1=ctx() R10=fp0\n0: (b7) r0 = 0                        ; R0=0\n1: (95) exit\n"),
            std::string::npos)
      << r->log;
  EXPECT_NE(r->log.find("processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"),
            std::string::npos)
      << r->log;
  EXPECT_NE(r->log.find("verification time "), std::string::npos);
}

TEST(VerifierLog, Level1ShowsOnlyFailingPath) {
  // The taken branch is fine and explored last; the failure is on the fall-through.
  Prog p = {ldx(BPF_DW, 2, 1, 0), jmp_imm(BPF_JEQ, 2, 0, 2), mov64_imm(0, 0), exit_insn(), mov64_reg(0, 3), exit_insn()};
  auto r = run_verify(VerifyCase{p});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "R3 !read_ok");
  EXPECT_EQ(r.error().log().find("3: (95) exit"), std::string::npos) << r.error().log();
  // As the kernel's level 1: the log is cut back to the jump, and the resumed
  // path's state follows on that line (no "from 1 to 4:" header below level 2).
  EXPECT_NE(r.error().log().find("1: (15) if r2 == 0x0 goto pc+2 4: R1=ctx() R2=0 R10=fp0\n"), std::string::npos)
      << r.error().log();
}

TEST(VerifierLog, LineInfo) {
  Prog p = ret0();
  std::vector<object::LineInfo> li = {{0, "/src/prog.bpf.c", "  return 0;", 7, 2}};
  verifier::VerifyInput in;
  in.insns = p;
  in.prog_type = ProgType::Syscall;
  in.line_info = li;
  in.log_level = 2;
  auto r = verifier::verify(in);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->log.find("; return 0; @ prog.bpf.c:7\n0: (b7) r0 = 0"), std::string::npos) << r->log;
}

TEST(VerifierFacts, MapPerCallSiteMergedConservatively) {
  // Two paths reach one lookup with different maps: the fact says "conflict".
  Prog p = {ldx(BPF_DW, 6, 1, 0), st(BPF_W, 10, -4, 0)};
  lddw(p, 1, 0, BPF_PSEUDO_MAP_IDX);
  p.push_back(jmp_imm(BPF_JEQ, 6, 0, 2));
  lddw(p, 1, 1, BPF_PSEUDO_MAP_IDX);
  p = p + Prog{mov64_reg(2, 10), alu64_imm(BPF_ADD, 2, -4), call_helper(BPF_FUNC_map_lookup_elem), mov64_imm(0, 0),
               exit_insn()};
  auto r = run_verify(VerifyCase{p, ProgType::Syscall, {hash_map(4, 8), hash_map(4, 8)}});
  ASSERT_TRUE(r.ok()) << r.error().log();
  const size_t call = p.size() - 3;
  EXPECT_EQ(r->facts[call].map, verifier::InsnFacts::kMapConflict);
  EXPECT_TRUE(r->facts[call].seen);
}

TEST(VerifierFacts, SingleMapRecorded) {
  Prog p = lookup_prefix() + Prog{mov64_imm(0, 0), exit_insn()};
  auto r = run_verify(VerifyCase{p, ProgType::Syscall, {hash_map(4, 8)}});
  ASSERT_TRUE(r.ok()) << r.error().log();
  EXPECT_EQ(r->facts[5].map, 0);
}

TEST(VerifierStructure, StructureErrorsPassThrough) {
  EXPECT_REJECTED(VerifyCase{{mov64_imm(0, 0)}}, "last insn is not an exit or jmp");
}

}  // namespace
}  // namespace hostbpf::test
