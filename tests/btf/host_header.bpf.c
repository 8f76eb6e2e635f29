// Compiled against the host BTF's C header instead of vmlinux.h: the
// fixed-width types, struct xdp_md and enum xdp_action all come from it. The
// header marks its structs preserve_access_index, as vmlinux.h does, so the
// ctx reads below carry CO-RE relocations that the loader resolves against the
// host BTF.
#include "host.h"
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, u64);
} seen SEC(".maps");

SEC("xdp")
int drop_short(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  u32 key = 0;
  u64 *count = bpf_map_lookup_elem(&seen, &key);
  if (count) __sync_fetch_and_add(count, 1);
  return data_end - data < 64 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
