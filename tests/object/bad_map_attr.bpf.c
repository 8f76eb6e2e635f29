#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
  __uint(colour, 3);
} painted SEC(".maps");
SEC("syscall") int p(void *ctx) { return bpf_map_lookup_elem(&painted, &(__u32){0}) != 0; }
