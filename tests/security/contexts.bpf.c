// Contexts whose fields are pointers: an XDP program's packet pointers come
// from the runtime's XdpContext, whatever the xdp_md slots hold; a tc
// program's come from a struct __sk_buff, which hostbpf cannot provide at run
// time, so it must not run.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int stamp_packet(struct xdp_md *ctx)
{
	void *meta = (void *)(long)ctx->data_meta;
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	if (data + 4 > end)
		return XDP_DROP;
	*(__u32 *)data = ctx->ingress_ifindex;
	// The metadata's length, and the packet's.
	return (int)((data - meta) << 16 | (end - data));
}

SEC("tc")
int read_skb_data(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	if (data + 1 > end)
		return 0;
	return *(__u8 *)data;
}

char LICENSE[] SEC("license") = "GPL";
