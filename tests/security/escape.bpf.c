// The sandbox escape of issue 15, as it was filed: an XDP entry tail-calls a
// syscall program, which writes its context (a syscall program may) so that
// the fields an XDP program reads as data / data_end hold an address of its
// choosing, and tail-calls an XDP program that bounds-checks and stores 8
// bytes at `data`. It must be refused at load, as the kernel refuses it (a
// sleepable program may not use a prog array).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int rewrite_ctx(void *ctx);
int write_packet(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} to_syscall SEC(".maps") = {
	.values = {[0] = (void *)&rewrite_ctx},
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct xdp_md *));
} to_xdp SEC(".maps") = {
	.values = {[0] = (void *)&write_packet},
};

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &to_syscall, 0);
	return XDP_ABORTED;
}

struct fake_md {
	__u32 data, data_end;
};

SEC("syscall")
int rewrite_ctx(void *ctx)
{
	struct fake_md *md = ctx;
	md->data = 0x1000;
	md->data_end = 0x1008;
	bpf_tail_call(ctx, &to_xdp, 0);
	return 0;
}

SEC("xdp")
int write_packet(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	if (data + 8 > end)
		return XDP_DROP;
	*(__u64 *)data = 0x4141414141414141ull;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
