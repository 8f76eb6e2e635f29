// Helpers whose results can only be checked by their properties: time moves
// forward, random numbers vary, the CPU id is a valid slot, bpf_printk reports
// the bytes it formatted, probe_read_kernel copies readable memory and fails
// (zeroing the destination) on an unreadable address.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 t_first, t_second;
__u32 rnd[16];
__u32 cpu;
long printk_ret;
long probe_rc, probe_bad_rc;
__u64 probe_val;
__u64 probe_bad_val = 0x5a5a;  // .data: non-zero, so that zeroing shows

SEC("syscall")
int helpers(void *ctx)
{
	__u64 src = 0x1122334455667788ULL;
	volatile __u64 spin = 0;

	t_first = bpf_ktime_get_ns();
	for (int i = 0; i < 64; i++)
		spin += i;
	t_second = bpf_ktime_get_ns();
	for (int i = 0; i < 16; i++)
		rnd[i] = bpf_get_prandom_u32();
	cpu = bpf_get_smp_processor_id();
	printk_ret = bpf_printk("hostbpf answer=%d hex=%x u=%u", 42, 255, 7);
	probe_rc = bpf_probe_read_kernel(&probe_val, sizeof(probe_val), &src);
	probe_bad_rc = bpf_probe_read_kernel(&probe_bad_val, sizeof(probe_bad_val), (void *)8);
	return t_second >= t_first && t_first > 0;
}

char LICENSE[] SEC("license") = "GPL";
