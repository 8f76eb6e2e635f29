/* bpf-to-bpf calls: arguments and return values across frames, the caller's
 * stack seen through pointers, caller-saved registers, recursion, global
 * functions, and tail calls. */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[2]);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} jmp_table SEC(".maps");

struct args {
	__u32 a, b;
};

static __noinline int add(int a, int b)
{
	return a + b;
}

SEC("syscall")
__success
int static_call_in_c(struct args *ctx)
{
	return add(ctx->a, ctx->b) + add(1, 2);
}

__noinline int global_twice(int x)
{
	return x * 2;
}

/* A global function is verified on its own, from its BTF prototype. */
SEC("syscall")
__success
int global_call_in_c(struct args *ctx)
{
	return global_twice(ctx->a);
}

static __naked __noinline __attribute__((used)) void read_arg_pointer(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int callee_reads_caller_stack(void)
{
	asm volatile ("					\
	r1 = 42;					\
	*(u64 *)(r10 - 8) = r1;				\
	r1 = r10;					\
	r1 += -8;					\
	call read_arg_pointer;				\
	exit;						\
"	::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void write_arg_pointer(void)
{
	asm volatile ("					\
	r2 = 7;						\
	*(u64 *)(r1 + 0) = r2;				\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int callee_writes_caller_stack(void)
{
	asm volatile ("					\
	r1 = r10;					\
	r1 += -16;					\
	call write_arg_pointer;				\
	r0 = *(u64 *)(r10 - 16);			\
	exit;						\
"	::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void return_four(void)
{
	asm volatile ("r0 = 4; exit;" ::: __clobber_all);
}

/* The callee's return value is known to the caller. */
SEC("syscall")
__success
__naked int return_value_is_tracked(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r6 = r0;					\
	call return_four;				\
	r6 += r0;					\
	r0 = *(u64 *)(r6 + 4);				\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__success
__naked int callee_saved_registers_kept(void)
{
	asm volatile ("					\
	r6 = r1;					\
	r7 = 9;						\
	call return_four;				\
	r0 += r7;					\
	r1 = *(u32 *)(r6 + 0);				\
	r0 += r1;					\
	exit;						\
"	::: __clobber_all);
}

static __noinline int level3(int x)
{
	return x + 3;
}

static __noinline int level2(int x)
{
	return level3(x) * 2;
}

static __noinline int level1(int x)
{
	return level2(x) - 1;
}

SEC("syscall")
__success
int three_levels_deep(struct args *ctx)
{
	return level1(ctx->a);
}

static __noinline void bump(__u64 *v)
{
	*v += 1;
}

/* A map value pointer passed down keeps its type and bounds. */
SEC("syscall")
__success
int map_value_passed_to_callee(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&arr, &k);

	if (!v)
		return 0;
	bump(v);
	bump(v + 1);
	return 0;
}

/* check_map_prog_compatibility: a sleepable program (syscall is one) may not
 * use a prog array; it would run programs that do not expect to sleep. */
SEC("syscall")
__failure __msg("Sleepable programs can only use array, hash, ringbuf and local storage maps")
int tail_call_in_sleepable(void *ctx)
{
	bpf_tail_call(ctx, &jmp_table, 0);
	return 0;
}

SEC("xdp")
__success
int tail_call_in_xdp(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_table, 1);
	return XDP_PASS;
}

static __naked __noinline __attribute__((used)) void return_stack_pointer(void)
{
	asm volatile ("					\
	r0 = r10;					\
	r0 += -8;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("cannot return stack pointer to the caller")
__naked int callee_returns_its_stack(void)
{
	asm volatile ("					\
	call return_stack_pointer;			\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 !read_ok")
__naked int caller_r1_clobbered(void)
{
	asm volatile ("					\
	r6 = r1;					\
	call return_four;				\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void read_r3(void)
{
	asm volatile ("r0 = r3; exit;" ::: __clobber_all);
}

SEC("syscall")
__failure __msg("R3 !read_ok")
__naked int callee_reads_unset_argument(void)
{
	asm volatile ("					\
	r2 = 1;						\
	call read_r3;					\
	exit;						\
"	::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void no_return_value(void)
{
	asm volatile ("exit;" ::: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 !read_ok")
__naked int callee_exits_without_r0(void)
{
	asm volatile ("					\
	call no_return_value;				\
	exit;						\
"	::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void store_own_stack_in_caller(void)
{
	asm volatile ("					\
	r2 = r10;					\
	r2 += -8;					\
	*(u64 *)(r1 + 0) = r2;				\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("cannot spill pointers to stack into stack frame of the caller")
__naked int callee_leaks_stack_pointer_up(void)
{
	asm volatile ("					\
	r1 = r10;					\
	r1 += -8;					\
	call store_own_stack_in_caller;			\
	exit;						\
"	::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void write_past_arg(void)
{
	asm volatile ("					\
	r2 = 0;						\
	*(u64 *)(r1 + 8) = r2;				\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

/* The caller's frame ends at its r10: the callee cannot write above it. */
SEC("syscall")
__failure __msg("invalid write to stack R1 off=0 size=8")
__naked int callee_writes_past_caller_frame(void)
{
	asm volatile ("					\
	r1 = r10;					\
	r1 += -8;					\
	call write_past_arg;				\
	exit;						\
"	::: __clobber_all);
}

static __naked __noinline __attribute__((used)) void recurse(void)
{
	asm volatile ("					\
	call recurse;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("the call stack of 9 frames is too deep")
__naked int recursion(void)
{
	asm volatile ("					\
	call recurse;					\
	exit;						\
"	::: __clobber_all);
}

__noinline int global_deref(int *p)
{
	return *p;
}

/* The kernel verifies a global function once, for any argument its type
 * allows: `int *p` may be NULL there. hostbpf verifies it at each call. */
SEC("syscall")
__success
__hostbpf_differs("global functions are verified per call site, not once from their BTF prototype")
__kernel_msg("R1 invalid mem access 'mem_or_null'")
int global_derefs_unchecked_argument(struct args *ctx)
{
	int x = ctx->a;

	return global_deref(&x);
}
