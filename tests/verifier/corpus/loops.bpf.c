/* Loops: bounded loops verify by walking their iterations until states
 * repeat or the bound ends them; a loop that comes back to an identical state
 * never ends; one too long to walk exceeds the 1M-instruction budget.
 * bpf_loop() callbacks and their return value. */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[16]);
} arr SEC(".maps");

struct args {
	__u32 a, b;
};

SEC("syscall")
__success
int bounded_loop_over_value(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&arr, &k);
	__u64 sum = 0;

	if (!v)
		return 0;
#pragma clang loop unroll(disable)
	for (int i = 0; i < 16; i++)
		sum += v[i];
	return sum;
}

SEC("syscall")
__success
int loop_bound_from_input(struct args *ctx)
{
	__u32 n = ctx->a & 31;
	__u64 acc = 1;

#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < n; i++)
		acc = acc * 3 + i;
	return acc;
}

SEC("syscall")
__success
int nested_bounded_loops(struct args *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&arr, &k);

	if (!v)
		return 0;
#pragma clang loop unroll(disable)
	for (int i = 0; i < 4; i++) {
#pragma clang loop unroll(disable)
		for (int j = 0; j < 4; j++)
			v[i * 4 + j] += i ^ j;
	}
	return 0;
}

SEC("syscall")
__success
int loop_with_early_exit(struct args *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&arr, &k);

	if (!v)
		return -1;
#pragma clang loop unroll(disable)
	for (int i = 0; i < 16; i++)
		if (v[i] == ctx->b)
			return i;
	return -1;
}

SEC("syscall")
__success
__naked int countdown_in_asm(void)
{
	asm volatile ("					\
	r0 = 10;					\
l0_%=:	r0 -= 1;					\
	if r0 != 0 goto l0_%=;				\
	exit;						\
"	::: __clobber_all);
}

struct loop_ctx {
	__u64 sum;
	__u32 limit;
};

static int add_index(__u32 i, struct loop_ctx *c)
{
	if (i >= c->limit)
		return 1;	/* stop */
	c->sum += i;
	return 0;
}

SEC("syscall")
__success
int bpf_loop_with_context(struct args *ctx)
{
	struct loop_ctx c = { .sum = 0, .limit = ctx->a };

	bpf_loop(100, add_index, &c, 0);
	return c.sum;
}

static int count_only(__u32 i, void *unused)
{
	return 0;
}

SEC("syscall")
__success
int bpf_loop_without_context(void *ctx)
{
	return bpf_loop(1000, count_only, NULL, 0);
}

SEC("syscall")
__failure __msg("infinite loop detected at insn 1")
__naked int goto_self(void)
{
	asm volatile ("					\
	r0 = 0;						\
l0_%=:	goto l0_%=;					\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("infinite loop detected at insn 1")
__naked int loop_without_progress(void)
{
	asm volatile ("					\
	r0 = 0;						\
l0_%=:	if r0 < 10 goto l0_%=;				\
	exit;						\
"	::: __clobber_all);
}

/* In C: the loop's condition never changes, so its state comes back. */
SEC("syscall")
__failure __msg("infinite loop detected at insn")
int infinite_loop_in_c(struct args *ctx)
{
	__u32 n = ctx->a;

	while (n & 1)
		n |= 1;
	return n;
}

/* The counter is reset every time round: the same state comes back. */
SEC("syscall")
__failure __msg("infinite loop detected at insn 2")
__naked int counter_reset_in_body(void)
{
	asm volatile ("					\
	r0 = 0;						\
	r1 = 0;						\
l0_%=:	r1 = 0;						\
	r1 += 1;					\
	if r1 < 5 goto l0_%=;				\
	goto l0_%=;					\
"	::: __clobber_all);
}

/* Each iteration differs, and there are too many to walk. */
SEC("syscall")
__failure __msg("BPF program is too large. Processed 1000001 insn")
__naked int loop_too_long_to_verify(void)
{
	asm volatile ("					\
	r0 = 0;						\
	r1 = 0;						\
l0_%=:	r1 += 1;					\
	r0 += r1;					\
	if r1 < 5000000 goto l0_%=;			\
	exit;						\
"	::: __clobber_all);
}

/* Out of bounds in the last iteration only. */
SEC("syscall")
__failure __msg("invalid access to map value, value_size=128 off=128 size=8")
__naked int last_iteration_out_of_bounds(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r1 = 0;						\
l0_%=:	r2 = r0;					\
	r2 += r1;					\
	r3 = *(u64 *)(r2 + 0);				\
	r1 += 8;					\
	if r1 <= 128 goto l0_%=;			\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

static __naked __noinline __attribute__((used)) void return_two(void)
{
	asm volatile ("r0 = 2; exit;" ::: __clobber_all);
}

SEC("syscall")
__failure __msg("At callback return the register R0 has")
__naked int callback_returns_two(void)
{
	asm volatile ("					\
	r1 = 4;						\
	r2 = return_two ll;				\
	r3 = 0;						\
	r4 = 0;						\
	call %[loop];					\
	r0 = 0;						\
	exit;						\
"	:: __imm_helper(loop)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R2 type=scalar expected=func")
__naked int callback_not_a_function(void)
{
	asm volatile ("					\
	r1 = 4;						\
	r2 = 0;						\
	r3 = 0;						\
	r4 = 0;						\
	call %[loop];					\
	r0 = 0;						\
	exit;						\
"	:: __imm_helper(loop)
	: __clobber_all);
}

static __naked __noinline __attribute__((used)) void write_past_ctx(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u64 *)(r2 + 8) = r1;				\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

/* The callback's context is the caller's stack, with the caller's bounds. */
SEC("syscall")
__failure __msg("invalid write to stack R2 off=0 size=8")
__naked int callback_writes_past_its_context(void)
{
	asm volatile ("					\
	r1 = 4;						\
	r2 = write_past_ctx ll;				\
	r3 = r10;					\
	r3 += -8;					\
	r4 = 0;						\
	call %[loop];					\
	r0 = 0;						\
	exit;						\
"	:: __imm_helper(loop)
	: __clobber_all);
}

struct idx_ctx {
	__u64 i;
	__u8 buf[8];
};

static int step_index(__u32 n, struct idx_ctx *c)
{
	c->buf[c->i & 0xff] = 1;
	c->i++;
	return 0;
}

/* The ninth iteration writes buf[8]: found only by verifying the callback
 * until its states converge, as the kernel has since v6.8. */
SEC("syscall")
__failure __msg("invalid write to stack R4 off=0 size=1")
int bpf_loop_state_grows_each_iteration(void *ctx)
{
	struct idx_ctx c = {};

	bpf_loop(16, step_index, &c, 0);
	return c.i;
}
