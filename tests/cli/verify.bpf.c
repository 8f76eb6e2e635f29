// Programs for `hostbpf prog verify`: one the verifier accepts, one it must
// reject because it dereferences a map lookup's result without a NULL check.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

SEC("syscall")
int checked(void *ctx) {
  __u32 key = 1;
  __u64 *v = bpf_map_lookup_elem(&counts, &key);
  if (!v) return 0;
  return (int)*v;
}

SEC("?syscall")
int unchecked(void *ctx) {
  __u32 key = 1;
  __u64 *v = bpf_map_lookup_elem(&counts, &key);
  return (int)*v;  // v may be NULL
}

char LICENSE[] SEC("license") = "GPL";
