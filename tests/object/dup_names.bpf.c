// Two programs whose names the test renames to the same one in the ELF bytes.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int dup_aaaa(void *ctx) { return 1; }
SEC("tc") int dup_bbbb(void *ctx) { return 2; }
