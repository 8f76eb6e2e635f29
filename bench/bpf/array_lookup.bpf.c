// 100 lookups in a 1024-entry array map (u32 -> u64); returns the sum.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_params.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, BENCH_MAP_ENTRIES);
  __type(key, __u32);
  __type(value, __u64);
} amap SEC(".maps");

SEC("xdp")
int array_lookup(struct xdp_md* ctx) {
  __u64 sum = 0;
  BENCH_NO_UNROLL
  for (__u32 i = 0; i < BENCH_MAP_OPS; i++) {
    __u32 key = bench_key(i);
    __u64* v = bpf_map_lookup_elem(&amap, &key);
    if (v)
      sum += *v;
  }
  return (int)sum;
}

char LICENSE[] SEC("license") = "GPL";
