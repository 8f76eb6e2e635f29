#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct inner {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} inner_map SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 1);
  __type(key, __u32);
  __array(values, struct inner);
} outer SEC(".maps") = {.values = {[0] = &inner_map}};
SEC("syscall") int p(void *ctx) { return 0; }
