// The quickstart's example: an XDP program that counts packets per EtherType
// and IP protocol, and a syscall program that greets through bpf_printk.
//   hostbpf prog run hello.bpf.o --prog count_packet --data-hex <packet>
//   hostbpf prog run hello.bpf.o --prog hello
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct flow_key {
  __u16 eth_proto;  // host byte order
  __u8 ip_proto;    // 0 when not IPv4
  __u8 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, struct flow_key);
  __type(value, __u64);
} counters SEC(".maps");

const volatile __u16 drop_eth_proto = 0;  // set before load to drop one EtherType
__u64 greetings = 0;

SEC("xdp")
int count_packet(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  struct flow_key key = {};

  if ((void *)(eth + 1) > data_end) return XDP_DROP;
  key.eth_proto = bpf_ntohs(eth->h_proto);
  if (key.eth_proto == ETH_P_IP) {
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end) return XDP_DROP;
    key.ip_proto = ip->protocol;
  }
  __u64 one = 1, *count = bpf_map_lookup_elem(&counters, &key);
  if (count)
    __sync_fetch_and_add(count, 1);
  else
    bpf_map_update_elem(&counters, &key, &one, BPF_NOEXIST);
  return key.eth_proto == drop_eth_proto ? XDP_DROP : XDP_PASS;
}

SEC("syscall")
int hello(void *ctx) {
  __u64 n = __sync_add_and_fetch(&greetings, 1);
  bpf_printk("hello from hostbpf, greeting #%llu", n);
  return (int)n;
}

char LICENSE[] SEC("license") = "GPL";
