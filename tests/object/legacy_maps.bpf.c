// struct bpf_map_def in section "maps": dropped by libbpf 1.0.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct legacy_map_def {
  unsigned int type, key_size, value_size, max_entries, map_flags;
};
struct legacy_map_def old_map SEC("maps") = {BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0};
SEC("syscall") int uses_old(void *ctx) { return 0; }
