// 100 lookup+update pairs on a full 1024-entry hash map (u32 -> u64): each value
// is read and written back incremented. Returns the number of failures (0).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_params.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, BENCH_MAP_ENTRIES);
  __type(key, __u32);
  __type(value, __u64);
} hmap SEC(".maps");

SEC("xdp")
int hash_update(struct xdp_md* ctx) {
  __u32 failures = 0;
  BENCH_NO_UNROLL
  for (__u32 i = 0; i < BENCH_MAP_OPS; i++) {
    __u32 key = bench_key(i);
    __u64* v = bpf_map_lookup_elem(&hmap, &key);
    __u64 nv = 1;
    if (v)
      nv = *v + 1;
    else
      failures++;
    if (bpf_map_update_elem(&hmap, &key, &nv, BPF_ANY))
      failures++;
  }
  return failures;
}

char LICENSE[] SEC("license") = "GPL";
