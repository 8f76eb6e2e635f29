#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("bogus/thing") int mystery(void *ctx) { return 0; }
