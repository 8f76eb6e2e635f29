// A prog array the host fills at run time (Map::update with program ids): it
// accepts programs like its owner, `dispatch`, and refuses the others.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jmp SEC(".maps");

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp, 0);
	return 1;  // the slot is empty
}

SEC("xdp")
int target_xdp(struct xdp_md *ctx)
{
	return 7;
}

SEC("xdp.frags")
int target_frags(struct xdp_md *ctx)
{
	return 8;
}

SEC("xdp/devmap")
int target_devmap(struct xdp_md *ctx)
{
	return 9;
}

SEC("tc")
int target_tc(struct __sk_buff *skb)
{
	return 10;
}

char LICENSE[] SEC("license") = "GPL";
