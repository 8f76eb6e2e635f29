#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct huge { char bytes[64 << 20]; };
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct huge);
} big SEC(".maps");
SEC("syscall") int p(void *ctx) { return bpf_map_lookup_elem(&big, &(__u32){0}) != 0; }
