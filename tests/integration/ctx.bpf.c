// Writable contexts: a syscall program reads its arguments from the context and
// writes its results back into it, as BPF_PROG_TEST_RUN copies it out.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct calc_ctx {
	__u32 a;
	__u32 b;
	__u64 sum;
	__u64 prod;
	__s32 cmp;
	__u32 calls;   // incremented in place: in-out
	char name[8];  // reversed in place
};

__u64 total_calls;

SEC("syscall")
int calc(struct calc_ctx *c)
{
	char tmp[8];

	c->sum = (__u64)c->a + c->b;
	c->prod = (__u64)c->a * c->b;
	c->cmp = c->a > c->b ? 1 : (c->a < c->b ? -1 : 0);
	c->calls++;
	for (int i = 0; i < 8; i++)
		tmp[i] = c->name[7 - i];
	for (int i = 0; i < 8; i++)
		c->name[i] = tmp[i];
	total_calls++;
	return c->sum;
}

// R0 is 64 bits: the kernel hands back only the low 32 through test_run.
SEC("syscall")
long wide_ret(struct calc_ctx *c)
{
	return ((__u64)c->a << 32) | c->b;
}

char LICENSE[] SEC("license") = "GPL";
