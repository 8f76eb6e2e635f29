#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  int max_entries;  // must be __uint(max_entries, N)
  __type(key, __u32);
  __type(value, __u32);
} plain SEC(".maps");
SEC("syscall") int p(void *ctx) { return bpf_map_lookup_elem(&plain, &(__u32){0}) != 0; }
