// .kconfig externs stay unsupported: the loader names them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

SEC("syscall")
int reads_kconfig(void *ctx)
{
	return LINUX_KERNEL_VERSION;
}
