// Two programs of different types tail-calling through one prog array: the
// first to load owns it, the second is refused (bpf_check_tail_call).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jmp SEC(".maps");

SEC("xdp")
int from_xdp(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp, 0);
	return XDP_PASS;
}

SEC("tc")
int from_tc(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jmp, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
