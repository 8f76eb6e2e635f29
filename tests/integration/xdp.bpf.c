// XDP: parses Ethernet/IPv4/UDP with every access checked against data_end.
// UDP to port 7 (echo) is turned around in place (MACs, addresses and ports
// swapped) and sent back with XDP_TX; port 9 (discard) is dropped; anything
// else passes. Verdicts and per-port packet counts land in maps.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);  // indexed by XDP verdict
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u16);   // UDP destination port, host order
	__type(value, __u64); // packets
} ports SEC(".maps");

__u32 last_len;       // packet length seen by the program
__u32 last_ihl;
__u32 payload_sum;    // sum of the first 4 payload bytes

static __always_inline int count(int verdict)
{
	__u32 k = verdict;
	__u64 *v = bpf_map_lookup_elem(&verdicts, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	return verdict;
}

static __always_inline void swap_mac(struct ethhdr *eth)
{
	unsigned char tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

SEC("xdp")
int xdp_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	__u8 *payload;
	__u16 port;
	__u32 tmp;
	__u64 one = 1, *n;

	last_len = end - data;
	if ((void *)(eth + 1) > end)
		return count(XDP_DROP);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count(XDP_PASS);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end)
		return count(XDP_DROP);
	last_ihl = ip->ihl;
	if (ip->ihl < 5)
		return count(XDP_ABORTED);
	if (ip->protocol != IPPROTO_UDP)
		return count(XDP_PASS);
	udp = (void *)ip + ip->ihl * 4;  // options make the offset variable
	if ((void *)(udp + 1) > end)
		return count(XDP_DROP);

	port = bpf_ntohs(udp->dest);
	n = bpf_map_lookup_elem(&ports, &port);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&ports, &port, &one, BPF_NOEXIST);

	payload = (void *)(udp + 1);
	if ((void *)(payload + 4) <= end)
		payload_sum = payload[0] + payload[1] + payload[2] + payload[3];

	if (port == 9)
		return count(XDP_DROP);
	if (port != 7)
		return count(XDP_PASS);

	swap_mac(eth);
	tmp = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = tmp;
	udp->dest = udp->source;
	udp->source = bpf_htons(7);
	return count(XDP_TX);
}

char LICENSE[] SEC("license") = "GPL";
