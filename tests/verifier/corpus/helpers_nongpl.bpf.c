/* A program whose license is not GPL-compatible may not call GPL-only
 * helpers (bpf_trace_printk, bpf_probe_read_kernel); the others are fine. */
#define CORPUS_LICENSE "Proprietary"
#include "corpus.h"

SEC("syscall")
__success
int non_gpl_plain_helpers(void *ctx)
{
	return bpf_ktime_get_ns() + bpf_get_prandom_u32();
}

SEC("syscall")
__failure __msg("cannot call GPL-restricted function from non-GPL compatible program")
int non_gpl_printk(void *ctx)
{
	bpf_printk("hello");
	return 0;
}

SEC("syscall")
__failure __msg("cannot call GPL-restricted function from non-GPL compatible program")
int non_gpl_probe_read(void *ctx)
{
	__u64 v;

	bpf_probe_read_kernel(&v, sizeof(v), ctx);
	return v;
}
