// The compute loop: 1000 rounds of FNV-1a/xorshift over a 256-byte stack buffer.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_params.h"

// In .data: the compiler cannot assume its value, so the loop cannot fold.
volatile __u64 bench_seed = BENCH_SEED;

SEC("xdp")
int compute(struct xdp_md* ctx) {
  return (int)bench_compute(bench_seed);
}

char LICENSE[] SEC("license") = "GPL";
