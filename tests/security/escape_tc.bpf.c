// The escape's sibling with programs that are all non-sleepable: a tc program
// may write __sk_buff.mark, which sits at offset 8, where struct xdp_md has
// data_meta. An XDP entry tail-calls it, and it tail-calls an XDP program that
// writes between data_meta and data. Refused at load: a prog array holds
// programs of one type only (the kernel's bpf_prog_map_compatible).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int set_mark(struct __sk_buff *skb);
int write_meta(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} to_tc SEC(".maps") = {
	.values = {[0] = (void *)&set_mark},
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} back_to_xdp SEC(".maps") = {
	.values = {[0] = (void *)&write_meta},
};

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &to_tc, 0);
	return XDP_ABORTED;
}

SEC("tc")
int set_mark(struct __sk_buff *skb)
{
	skb->mark = 0x1000;
	bpf_tail_call(skb, &back_to_xdp, 0);
	return 0;
}

SEC("xdp")
int write_meta(struct xdp_md *ctx)
{
	void *meta = (void *)(long)ctx->data_meta;
	void *data = (void *)(long)ctx->data;
	if (meta + 8 > data)
		return XDP_DROP;
	*(__u64 *)meta = 0x4141414141414141ull;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
