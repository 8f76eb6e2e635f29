// Invocation cost: a program that does nothing.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int trivial(struct xdp_md* ctx) {
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
