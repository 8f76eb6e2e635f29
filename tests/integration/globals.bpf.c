// Global data of every kind. libbpf turns each section into a single-entry
// array map (".rodata", ".data", ".bss", ".data.custom", ".rodata.custom"), so
// the host reads the program's writes through those maps afterwards.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// .rodata: configuration the program reads. The kernel freezes this map, so its
// verifier may fold these to constants; results must not depend on that.
const volatile __u32 cfg_scale = 3;
const volatile __u64 cfg_base = 1000;
const volatile char cfg_tag[4] = "hb1";

// .data: initialised and writable.
__u64 data_counter = 40;
__u32 data_table[4] = {1, 2, 3, 4};
static __u32 data_static = 7;  // file-local globals live in the same sections

// .bss: zero-initialised.
__u64 bss_counter;
__u32 bss_table[4];
struct pair {
	__u32 tag;
	__u32 pad;
	__u64 sum;
} bss_pair;
__u64 bss_host_input;  // written by the host before a run

// Custom sections: one map each, named after the section.
__u64 custom_counter SEC(".data.custom") = 77;
const volatile __u32 custom_limit SEC(".rodata.custom") = 5;

SEC("syscall")
int globals_step(void *ctx)
{
	data_counter += 2;
	bss_counter += cfg_scale;
	for (int i = 0; i < 4; i++) {
		bss_table[i] = data_table[i] * cfg_scale + custom_limit;
		data_table[i] += 10;
	}
	bss_pair.tag = cfg_tag[0] | cfg_tag[1] << 8 | cfg_tag[2] << 16;
	bss_pair.sum = cfg_base + custom_counter + bss_host_input;
	custom_counter++;
	data_static++;
	return data_counter + bss_counter + data_static;
}

// Reads only read-only data: the same answer on every run.
SEC("syscall")
int globals_config(void *ctx)
{
	return cfg_scale * 10000 + custom_limit * 100 + cfg_tag[2];
}

char LICENSE[] SEC("license") = "GPL";
