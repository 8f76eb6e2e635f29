/* The log: level 2 prints every instruction with the registers it touched,
 * the full state where a pending path resumes, source lines from the line
 * info, and the statistics line; level 1 keeps only the path to an error. */
#include "corpus.h"

SEC("syscall")
__success __log_level(2)
__msg("0: R1=ctx() R10=fp0")
__msg("0: (b7) r0 = 0                        ; R0=0")
__msg("1: (95) exit")
__msg("processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0")
__naked int level2_every_instruction(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}

SEC("syscall")
__success __log_level(2)
__msg("0: (61) r2 = *(u32 *)(r1 +0)          ; R1=ctx() R2=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))")
__msg("1: (b7) r0 = 1                        ; R0=1")
__msg("2: (a5) if r2 < 0x10 goto pc+1        ; R2=scalar(smin=umin=umin32=16,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))")
__msg("from 2 to 4: R0=1 R1=ctx() R2=scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf)) R10=fp0")
__msg("4: R0=1 R1=ctx() R2=scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf)) R10=fp0")
__naked int level2_branch_states(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + 0);				\
	r0 = 1;						\
	if r2 < 16 goto l0_%=;				\
	r0 = 2;						\
l0_%=:	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success __log_level(2)
__msg("; return 0; @ log.bpf.c:")
__msg("(95) exit")
int level2_source_lines(void *ctx)
{
	return 0;
}

SEC("syscall")
__success __log_level(2)
__msg("R1=0 R10=fp0 fp-8=0000????")
__msg("2: (7b) *(u64 *)(r10 -16) = r10       ; R10=fp0 fp-16=fp0")
__naked int level2_stack_slots(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u32 *)(r10 - 4) = r1;				\
	*(u64 *)(r10 - 16) = r10;			\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

/* Level 1 on an error: the instructions of the failing path and its states. */
SEC("syscall")
__failure __log_level(1)
__msg("0: (b7) r2 = 1                        ; R2=1")
__msg("1: (79) r0 = *(u64 *)(r2 +0)")
__msg("R2 invalid mem access 'scalar'")
__msg("processed 2 insns")
__naked int level1_path_to_the_error(void)
{
	asm volatile ("					\
	r2 = 1;						\
	r0 = *(u64 *)(r2 + 0);				\
	exit;						\
"	::: __clobber_all);
}

/* The failing path was pushed at the branch: level 1 cuts the log back to
 * the jump and prints the resumed state on its line. */
SEC("syscall")
__failure __log_level(1)
__msg("2: (a5) if r2 < 0x10 goto pc+1 4: R0=1 R1=ctx() R2=scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf)) R10=fp0")
__msg("4: (79) r0 = *(u64 *)(r2 +0)")
__msg("R2 invalid mem access 'scalar'")
__naked int level1_second_branch_fails(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + 0);				\
	r0 = 1;						\
	if r2 < 16 goto l0_%=;				\
	exit;						\
l0_%=:	r0 = *(u64 *)(r2 + 0);				\
	exit;						\
"	::: __clobber_all);
}

/* A rejection's log ends with the statistics line too. */
SEC("syscall")
__failure __log_level(2)
__msg("R1 !read_ok")
__msg("processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0")
__naked int level2_rejection_statistics(void)
{
	asm volatile ("					\
	call %[ktime_get_ns];				\
	r0 = *(u64 *)(r1 + 0);				\
	exit;						\
"	:: __imm_helper(ktime_get_ns)
	: __clobber_all);
}
