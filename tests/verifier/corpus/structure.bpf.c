/* Structure checks done before any path is explored: the last instruction,
 * jump targets, reachability, LDDW pairs, registers that may be read or
 * written, and instruction encodings. */
#include "corpus.h"

SEC("syscall")
__success
int return_zero(void *ctx)
{
	return 0;
}

SEC("syscall")
__success __log_level(2)
__msg("0: (b7) r0 = 0")
__msg("1: (95) exit")
__msg("processed 2 insns")
__naked int naked_exit_with_r0(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}

SEC("syscall")
__success
__naked int branch_over_insn(void)
{
	asm volatile ("					\
	r0 = 0;						\
	if r1 == 0 goto l0_%=;				\
	r0 = 1;						\
l0_%=:	exit;						\
"	::: __clobber_all);
}

/* The last instruction may be a goto: here it jumps back to the exit. */
SEC("syscall")
__success
__naked int last_insn_is_goto(void)
{
	asm volatile ("					\
	r0 = 0;						\
	goto l1_%=;					\
l0_%=:	exit;						\
l1_%=:	goto l0_%=;					\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int ldimm64_constant(void)
{
	asm volatile ("					\
	r0 = 0x1234567800000000 ll;			\
	r0 >>= 32;					\
	if r0 != 0x12345678 goto l0_%=;			\
	r0 = 0;						\
l0_%=:	exit;						\
"	::: __clobber_all);
}

/* A conditional jump whose target is the instruction after it. */
SEC("syscall")
__success
__naked int jump_to_next_insn(void)
{
	asm volatile ("					\
	r0 = 0;						\
	if r1 != 0 goto l0_%=;				\
l0_%=:	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("last insn is not an exit or jmp")
__naked int falls_off_the_end(void)
{
	asm volatile ("r0 = 0;" ::: __clobber_all);
}

SEC("syscall")
__failure __msg("jump out of range from insn 1 to 7")
__naked int jump_past_end(void)
{
	asm volatile ("					\
	r0 = 0;						\
	if r1 == 0 goto +5;				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("jump out of range from insn 1 to -1")
__naked int jump_before_start(void)
{
	asm volatile ("					\
	r0 = 0;						\
	if r1 == 0 goto -3;				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("unreachable insn 2")
__naked int dead_code_after_exit(void)
{
	asm volatile ("					\
	r0 = 0;						\
	exit;						\
	r0 = 1;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("unreachable insn 2")
__naked int dead_code_after_goto(void)
{
	asm volatile ("					\
	r0 = 0;						\
	goto l0_%=;					\
	r0 = 1;						\
l0_%=:	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("jump into the middle of ldimm64 insn 1")
__naked int jump_into_ldimm64(void)
{
	asm volatile ("					\
	if r1 == 0 goto +1;				\
	r0 = 0 ll;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid bpf_ld_imm64 insn")
__naked int ldimm64_bad_second_half(void)
{
	asm volatile ("					\
	.8byte %[lo];					\
	.8byte %[hi];					\
	exit;						\
"	:: [lo] "i"(RAW_INSN(BPF_LD | BPF_DW | BPF_IMM, 0, 0, 0, 1)),
	   [hi] "i"(RAW_INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0))
	: __clobber_all);
}

SEC("syscall")
__failure __msg("frame pointer is read only")
__naked int write_r10(void)
{
	asm volatile ("					\
	r10 = 0;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("frame pointer is read only")
__naked int add_to_r10(void)
{
	asm volatile ("					\
	r10 += -8;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 !read_ok")
__naked int exit_without_r0(void)
{
	asm volatile ("exit;" ::: __clobber_all);
}

SEC("syscall")
__failure __msg("R2 !read_ok")
__naked int read_uninit_r2(void)
{
	asm volatile ("					\
	r0 = r2;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R6 !read_ok")
__naked int compare_uninit_r6(void)
{
	asm volatile ("					\
	r0 = 0;						\
	if r6 > 1 goto l0_%=;				\
l0_%=:	exit;						\
"	::: __clobber_all);
}

/* R0 is only set on one path. */
SEC("syscall")
__failure __msg("R0 !read_ok")
__naked int r0_set_on_one_path(void)
{
	asm volatile ("					\
	r1 = *(u32 *)(r1 + 0);				\
	if r1 == 0 goto l0_%=;				\
	r0 = 1;						\
l0_%=:	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("unknown opcode ff")
__naked int unknown_opcode(void)
{
	asm volatile ("					\
	.8byte %[bad];					\
	r0 = 0;						\
	exit;						\
"	:: [bad] "i"(RAW_INSN(0xff, 0, 0, 0, 0))
	: __clobber_all);
}

SEC("syscall")
__failure __msg("BPF_LDX uses reserved fields")
__naked int ldx_with_imm(void)
{
	asm volatile ("					\
	.8byte %[ldx];					\
	r0 = 0;						\
	exit;						\
"	:: [ldx] "i"(RAW_INSN(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 1))
	: __clobber_all);
}

/* A jump must stay inside its own subprogram. */
static __naked __noinline __attribute__((used)) void jumps_out_of_itself(void)
{
	asm volatile ("					\
	r0 = 0;						\
	if r1 == 0 goto +2;				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("jump out of range from insn 3 to 6")
__naked int subprogram_jumps_out(void)
{
	asm volatile ("					\
	call jumps_out_of_itself;			\
	exit;						\
"	::: __clobber_all);
}
