// Tail calls through a prog array initialised in the object (libbpf's
// `.values = {...}`): a program that tail-calls itself until the limit of 33
// stops it, and a chain that falls through an empty slot and an out-of-range
// index. XDP, not syscall: the kernel refuses prog arrays in sleepable programs.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int tc_self(struct xdp_md *ctx);
int tc_step(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct xdp_md *));
} jmp_table SEC(".maps") = {
	.values = {[0] = (void *)&tc_self, [1] = (void *)&tc_step},
};

__u32 self_runs;
__u32 entry_runs;
__u32 step_runs;
long fallthrough_mark;

// Slot 0 is this program: it runs once plus 33 tail calls, then the 34th
// bpf_tail_call fails and execution continues after it.
SEC("xdp")
int tc_self(struct xdp_md *ctx)
{
	self_runs++;
	bpf_tail_call(ctx, &jmp_table, 0);
	return 0x10000 + self_runs;
}

SEC("xdp")
int tc_entry(struct xdp_md *ctx)
{
	entry_runs++;
	bpf_tail_call(ctx, &jmp_table, 1);
	return 0xdead;  // reached only if slot 1 is empty
}

SEC("xdp")
int tc_step(struct xdp_md *ctx)
{
	step_runs++;
	bpf_tail_call(ctx, &jmp_table, 2);    // empty slot: falls through
	fallthrough_mark |= 1;
	bpf_tail_call(ctx, &jmp_table, 100);  // beyond max_entries: falls through
	fallthrough_mark |= 2;
	return 0x5100 + step_runs;
}

char LICENSE[] SEC("license") = "GPL";
