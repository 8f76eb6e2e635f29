/* Limits: call depth (8 frames), the combined stack of a call chain (512
 * bytes), tail calls under a deep stack, the sequence of pending branches,
 * and pruning that keeps branchy code cheap. (The 1M processed-instruction
 * cap is in loops.bpf.c; one frame's 512 bytes in stack.bpf.c.) */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jmp_table SEC(".maps");

/* depthN is frame N of a chain that starts at depth1 (main is frame 0). */
static __naked __noinline __attribute__((used)) void depth8(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}
#define DEPTH(n, next)								\
static __naked __noinline __attribute__((used)) void depth##n(void)		\
{										\
	asm volatile ("call " #next "; exit;" ::: __clobber_all);		\
}
DEPTH(7, depth8)
DEPTH(6, depth7)
DEPTH(5, depth6)
DEPTH(4, depth5)
DEPTH(3, depth4)
DEPTH(2, depth3)
DEPTH(1, depth2)

SEC("syscall")
__success
__naked int eight_frames(void)
{
	asm volatile ("call depth2; exit;" ::: __clobber_all);
}

SEC("syscall")
__failure __msg("the call stack of 9 frames is too deep")
__naked int nine_frames(void)
{
	asm volatile ("call depth1; exit;" ::: __clobber_all);
}

/* A call that is never made still counts: the limit is also checked on the
 * static call graph (which reports the frame it stopped at, the 8th). */
SEC("syscall")
__failure __msg("the call stack of 8 frames is too deep !")
__naked int nine_frames_on_a_dead_path(void)
{
	asm volatile ("					\
	r0 = 0;						\
	if r0 == 0 goto l0_%=;				\
	call depth1;					\
l0_%=:	exit;						\
"	::: __clobber_all);
}

#define USE_STACK(n)							\
static __naked __noinline __attribute__((used)) void use_##n(void)	\
{									\
	asm volatile ("r1 = 0; *(u64 *)(r10 - " #n ") = r1; r0 = 0; exit;"	\
		      ::: __clobber_all);				\
}
USE_STACK(256)
USE_STACK(224)
USE_STACK(192)

static __naked __noinline __attribute__((used)) void use_192_then_192(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u64 *)(r10 - 192) = r1;			\
	call use_192;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int combined_stack_512(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u64 *)(r10 - 256) = r1;			\
	call use_256;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("combined stack size of 2 calls is 544. Too large")
__naked int combined_stack_544(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u64 *)(r10 - 320) = r1;			\
	call use_224;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("combined stack size of 3 calls is 576. Too large")
__naked int three_frames_of_192(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u64 *)(r10 - 192) = r1;			\
	call use_192_then_192;				\
	exit;						\
"	::: __clobber_all);
}

/* Stack used on separate call chains does not add up. */
SEC("syscall")
__success
__naked int two_calls_in_sequence(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u64 *)(r10 - 256) = r1;			\
	call use_256;					\
	call use_224;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

/* A subprogram that tail-calls must return int (its BTF says so). */
static __naked __noinline __attribute__((used)) int tail_call_sub(void)
{
	asm volatile ("					\
	r2 = %[jmp_table] ll;				\
	r3 = 0;						\
	call %[tail_call];				\
	r0 = 2;						\
	exit;						\
"	:: __imm_addr(jmp_table), __imm_helper(tail_call)
	: __clobber_all);
}

SEC("xdp")
__success
__naked int tail_call_under_small_stack(void)
{
	asm volatile ("					\
	r2 = 0;						\
	*(u64 *)(r10 - 64) = r2;			\
	call tail_call_sub;				\
	exit;						\
"	::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void void_tail_call_sub(void)
{
	asm volatile ("					\
	r2 = %[jmp_table] ll;				\
	r3 = 0;						\
	call %[tail_call];				\
	r0 = 2;						\
	exit;						\
"	:: __imm_addr(jmp_table), __imm_helper(tail_call)
	: __clobber_all);
}

SEC("xdp")
__failure __msg("tail_call is only allowed in functions that return 'int'.")
__naked int tail_call_in_void_subprogram(void)
{
	asm volatile ("call void_tail_call_sub; exit;" ::: __clobber_all);
}

/* 33 chained tail calls each keep their callers' frames: the kernel caps
 * the stack below a tail call at 256 bytes. */
SEC("xdp")
__failure __msg("tail_calls are not allowed when call stack of previous frames is 288 bytes. Too large")
__naked int tail_call_under_deep_stack(void)
{
	asm volatile ("					\
	r2 = 0;						\
	*(u64 *)(r10 - 288) = r2;			\
	call tail_call_sub;				\
	exit;						\
"	::: __clobber_all);
}

/* 40 diamonds would be 2^40 paths; the two paths through each one meet in
 * the same state (the branch's register is dead there), which prunes. */
SEC("syscall")
__success
__naked int forty_diamonds(void)
{
	asm volatile ("					\
	.rept 40;					\
	call %[get_prandom_u32];			\
	if r0 > 7 goto +1;				\
	r7 = 1;						\
	r7 = 0;						\
	.endr;						\
	r0 = 0;						\
	exit;						\
"	:: __imm_helper(get_prandom_u32)
	: __clobber_all);
}

/* More branches waiting to be explored than the kernel keeps. */
SEC("syscall")
__failure __msg("The sequence of 8193 jumps is too complex.")
__naked int too_many_pending_branches(void)
{
	asm volatile ("					\
	r6 = *(u64 *)(r1 + 0);				\
	r0 = 0;						\
	.rept 8300;					\
	if r6 == 1 goto +0;				\
	.endr;						\
	exit;						\
"	::: __clobber_all);
}
