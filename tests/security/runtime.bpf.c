// Run-time attempts: contexts smaller than what a program reads, helpers
// handed addresses the verifier cannot judge, loops past the kernel's limit.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct wide_ctx {
	__u64 word[16];
};

// Reads the last of 128 context bytes: a test run must hand it at least 128.
SEC("syscall")
int read_far(struct wide_ctx *ctx)
{
	return (int)ctx->word[15];
}

// An unmapped address and a kernel-half one: the helpers fail without
// faulting, and bpf_probe_read_kernel zeroes its destination on failure.
SEC("syscall")
int probe_bad_addresses(void *ctx)
{
	__u64 v = 0x1111;
	long a = bpf_probe_read_kernel(&v, sizeof(v), (void *)0x1000);
	if (a != -14 || v != 0)
		return 1;
	v = 0x2222;
	long b = bpf_probe_read_kernel(&v, sizeof(v), (void *)0xffff800000000000ull);
	if (b != -14 || v != 0)
		return 2;
	bpf_printk("bad string: %s", (char *)0x1000);
	return 0;
}

static long step(__u64 i, void *data)
{
	return 0;
}

// bpf_loop refuses more than 1 << 23 iterations with -E2BIG, as the kernel's.
SEC("syscall")
int loop_too_long(void *ctx)
{
	return (int)bpf_loop((1u << 23) + 1, step, 0, 0);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counter SEC(".maps");

// Counts its runs in a map that the program keeps alive by itself.
SEC("syscall")
int count(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&counter, &k);
	if (!v)
		return -1;
	return (int)++*v;
}

char LICENSE[] SEC("license") = "GPL";
