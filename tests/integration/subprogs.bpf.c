// Calls and loops: a chain of static (__noinline) and global functions five
// frames deep that passes pointers into callers' stacks, bounded loops the
// verifier must walk, and bpf_loop with a callback.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct acc {
	__u64 sum;
	__u32 calls;
	__u32 max_depth;
};

// The syscall program's context: `n` in, the rest written back by the program.
struct chain_ctx {
	__u32 n;
	__s32 ret;
	__u64 sum;
	__u32 calls;
	__u32 max_depth;
	__u32 scratch[4];
};

static __noinline void note_depth(struct acc *a, __u32 depth)
{
	a->calls++;
	if (depth > a->max_depth)
		a->max_depth = depth;
}

static __noinline __u64 square_add(struct acc *a, __u64 x, __u32 depth)
{
	note_depth(a, depth + 1);
	a->sum += x * x;
	return x * x;
}

// Global functions are verified on their own, with a nullable pointer argument.
__noinline int sum_squares(struct acc *a, __u32 n)
{
	__u64 last = 0;

	if (!a)
		return -1;
	for (__u32 i = 1; i <= n && i <= 32; i++)
		last = square_add(a, i, 3);
	return (int)last;
}

// Writes into an array that lives in its caller's frame.
static __noinline void fill(__u32 *buf, __u32 seed)
{
	for (int i = 0; i < 4; i++)
		buf[i] = seed * (i + 1);
}

__noinline int chain_entry(struct acc *a, __u32 n)
{
	__u32 local[4] = {};
	int r;

	if (!a)
		return -1;
	note_depth(a, 2);
	r = sum_squares(a, n);
	fill(local, r);
	return local[0] + local[1] + local[2] + local[3];  // 10 * r
}

SEC("syscall")
int chain(struct chain_ctx *c)
{
	struct acc a = {};
	__u32 buf[4] = {};

	c->ret = chain_entry(&a, c->n);
	note_depth(&a, 1);
	fill(buf, c->n);
	c->sum = a.sum;
	c->calls = a.calls;
	c->max_depth = a.max_depth;
	for (int i = 0; i < 4; i++)
		c->scratch[i] = buf[i];
	return c->ret + a.calls;
}

struct loop_ctx {
	__u64 sum;
	__u32 stop_at;
	__u32 visits;
};

static long square_cb(__u64 index, void *data)
{
	struct loop_ctx *lc = data;

	lc->visits++;
	lc->sum += index * index;
	return index == lc->stop_at ? 1 : 0;  // 1 stops bpf_loop early
}

__u64 fib90;
__u32 collatz_steps;
long loop_ret, loop_big_ret, loop_flags_ret;
__u64 loop_sum;
__u32 loop_visits;

struct loops_ctx {
	__u64 collatz_start;
	__u32 stop_at;
	__u32 pad;
};

SEC("syscall")
int loops(struct loops_ctx *c)
{
	struct loop_ctx lc = {.stop_at = c->stop_at};
	__u64 a = 0, b = 1, n = c->collatz_start;
	__u32 steps = 0;

#pragma clang loop unroll(disable)
	for (int i = 0; i < 90; i++) {
		__u64 t = a + b;
		a = b;
		b = t;
	}
	fib90 = a;

	// Bound is data-dependent: the verifier explores it with n unknown.
#pragma clang loop unroll(disable)
	for (int i = 0; i < 200 && n > 1; i++) {
		n = (n & 1) ? 3 * n + 1 : n / 2;
		steps++;
	}
	collatz_steps = steps;

	loop_ret = bpf_loop(100, square_cb, &lc, 0);
	loop_sum = lc.sum;
	loop_visits = lc.visits;
	// Over BPF_MAX_LOOPS: -E2BIG. Linux inlines bpf_loop calls with zero flags
	// and its inlined code sets the error with a 32-bit move, so R0 holds
	// 0xfffffff9 there and 64-bit -7 elsewhere: compare the int.
	loop_big_ret = (int)bpf_loop(1 << 24, square_cb, &lc, 0);
	loop_flags_ret = bpf_loop(1, square_cb, &lc, 1);  // unknown flags: -EINVAL
	return steps;
}

char LICENSE[] SEC("license") = "GPL";
