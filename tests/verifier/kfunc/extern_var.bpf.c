// Extern variables stay unsupported: the loader names them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern const int bpf_prog_active __ksym;

SEC("syscall")
int reads_ksym(void *ctx)
{
	return *(const int *)&bpf_prog_active;
}
