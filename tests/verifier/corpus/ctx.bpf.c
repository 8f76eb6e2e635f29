/* The context: which loads and stores each program type's layout allows
 * (syscall, xdp, tc, kprobe, tracepoint, perf_event, raw_tp), what they
 * produce, and the rule that a ctx pointer is only used unmodified. */
#include "corpus.h"

struct args {
	__u32 a, b;
	__u64 c;
};

/* ---- syscall: the caller's buffer, read and written at any aligned offset */

SEC("syscall")
__success
int syscall_read_and_write(struct args *ctx)
{
	ctx->a = ctx->b + 1;
	ctx->c = ctx->a;
	return 0;
}

SEC("syscall")
__success
__naked int syscall_far_offset(void)
{
	asm volatile ("					\
	r0 = *(u32 *)(r1 + 4000);			\
	*(u64 *)(r1 + 32000) = r0;			\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int syscall_narrow_accesses(void)
{
	asm volatile ("					\
	r0 = *(u8 *)(r1 + 3);				\
	r2 = *(u16 *)(r1 + 6);				\
	*(u8 *)(r1 + 1) = r2;				\
	exit;						\
"	::: __clobber_all);
}

/* A spilled and refilled ctx pointer is still the ctx. */
SEC("syscall")
__success
__naked int ctx_through_the_stack(void)
{
	asm volatile ("					\
	*(u64 *)(r10 - 8) = r1;				\
	r6 = *(u64 *)(r10 - 8);				\
	r0 = *(u32 *)(r6 + 4);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid bpf_context access off=2 size=4")
__naked int syscall_misaligned(void)
{
	asm volatile ("					\
	r0 = *(u32 *)(r1 + 2);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid bpf_context access off=-8 size=8")
__naked int syscall_negative_offset(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 - 8);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("dereference of modified ctx ptr R1 off=8 disallowed")
__naked int modified_ctx_pointer(void)
{
	asm volatile ("					\
	r1 += 8;					\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("negative offset ctx ptr R1 off=-8 disallowed")
__naked int ctx_pointer_moved_back(void)
{
	asm volatile ("					\
	r1 += -8;					\
	r0 = *(u64 *)(r1 + 8);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("variable ctx access var_off=(0x0; 0x4) disallowed")
__naked int variable_ctx_offset(void)
{
	asm volatile ("					\
	r6 = *(u32 *)(r1 + 0);				\
	r6 &= 4;					\
	r1 += r6;					\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("BPF_ATOMIC stores into R1 ctx is not allowed")
__naked int atomic_add_to_ctx(void)
{
	asm volatile ("					\
	r2 = 1;						\
	lock *(u32 *)(r1 + 0) += w2;			\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

/* ---- xdp: struct xdp_md, u32 fields, read-only */

SEC("xdp")
__success
int xdp_read_fields(struct xdp_md *ctx)
{
	return ctx->ingress_ifindex + ctx->rx_queue_index ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
__success
__naked int xdp_packet_pointers(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + %[data]);			\
	r3 = *(u32 *)(r1 + %[data_end]);		\
	r4 = *(u32 *)(r1 + %[data_meta]);		\
	r0 = 2;						\
	exit;						\
"	:: __imm_const(data, offsetof(struct xdp_md, data)),
	   __imm_const(data_end, offsetof(struct xdp_md, data_end)),
	   __imm_const(data_meta, offsetof(struct xdp_md, data_meta))
	: __clobber_all);
}

SEC("xdp")
__failure __msg("invalid bpf_context access off=16 size=4")
int xdp_write_field(struct xdp_md *ctx)
{
	ctx->rx_queue_index = 1;
	return XDP_PASS;
}

SEC("xdp")
__failure __msg("invalid bpf_context access off=0 size=8")
__naked int xdp_wide_load(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("xdp")
__failure __msg("invalid bpf_context access off=24 size=4")
__naked int xdp_past_the_end(void)
{
	asm volatile ("					\
	r0 = *(u32 *)(r1 + 24);				\
	exit;						\
"	::: __clobber_all);
}

SEC("xdp")
__failure __msg("invalid bpf_context access off=12 size=2")
__naked int xdp_narrow_load(void)
{
	asm volatile ("					\
	r0 = *(u16 *)(r1 + 12);				\
	exit;						\
"	::: __clobber_all);
}

/* egress_ifindex is only there for programs run from a devmap. */
SEC("xdp")
__failure __msg("invalid bpf_context access off=20 size=4")
int xdp_egress_ifindex_outside_devmap(struct xdp_md *ctx)
{
	return ctx->egress_ifindex;
}

/* ---- tc: struct __sk_buff */

SEC("tc")
__success
int tc_read_fields(struct __sk_buff *skb)
{
	return skb->len + skb->mark + skb->protocol + skb->cb[4];
}

SEC("tc")
__success
int tc_write_fields(struct __sk_buff *skb)
{
	skb->mark = 1;
	skb->priority = 2;
	skb->tc_index = 3;
	skb->tc_classid = 4;
	skb->cb[0] = 5;
	return 0;
}

/* Narrow reads of u32 fields are allowed. */
SEC("tc")
__success
__naked int tc_narrow_reads(void)
{
	asm volatile ("					\
	r0 = *(u8 *)(r1 + 0);				\
	r2 = *(u16 *)(r1 + 10);				\
	r3 = *(u8 *)(r1 + 51);				\
	r0 += r2;					\
	r0 += r3;					\
	exit;						\
"	::: __clobber_all);
}

SEC("tc")
__success
int tc_u64_timestamp(struct __sk_buff *skb)
{
	skb->tstamp = skb->tstamp + 1000;
	return skb->wire_len + skb->gso_segs + skb->gso_size;
}

/* mark and queue_mapping are each written as a u32, not together. */
SEC("tc")
__failure __msg("invalid bpf_context access off=8 size=8")
__naked int tc_wide_store_over_two_fields(void)
{
	asm volatile ("					\
	r2 = 1;						\
	*(u64 *)(r1 + 8) = r2;				\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("tc")
__failure __msg("invalid bpf_context access off=0 size=4")
int tc_write_len(struct __sk_buff *skb)
{
	skb->len = 0;
	return 0;
}

SEC("tc")
__failure __msg("invalid bpf_context access off=88 size=4")
int tc_read_family(struct __sk_buff *skb)
{
	return skb->family;
}

SEC("tc")
__failure __msg("invalid bpf_context access off=76 size=2")
__naked int tc_narrow_data_load(void)
{
	asm volatile ("					\
	r0 = *(u16 *)(r1 + 76);				\
	exit;						\
"	::: __clobber_all);
}

SEC("tc")
__failure __msg("invalid bpf_context access off=64 size=8")
__naked int tc_cb_overrun(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 64);				\
	exit;						\
"	::: __clobber_all);
}

SEC("tc")
__failure __msg("invalid bpf_context access off=152 size=4")
__naked int tc_narrow_timestamp(void)
{
	asm volatile ("					\
	r0 = *(u32 *)(r1 + 152);			\
	exit;						\
"	::: __clobber_all);
}

/* ---- socket filter: __sk_buff without packet pointers; only cb is writable */

SEC("socket")
__success
int socket_read_and_write_cb(struct __sk_buff *skb)
{
	skb->cb[1] = skb->len;
	return skb->protocol + skb->ifindex;
}

SEC("socket")
__failure __msg("invalid bpf_context access off=76 size=4")
int socket_read_data(struct __sk_buff *skb)
{
	return skb->data;
}

SEC("socket")
__failure __msg("invalid bpf_context access off=8 size=4")
int socket_write_mark(struct __sk_buff *skb)
{
	skb->mark = 7;
	return 0;
}

/* ---- kprobe: struct pt_regs, read-only */

SEC("kprobe/do_nanosleep")
__success
__naked int kprobe_read_regs(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 112);			\
	r2 = *(u32 *)(r1 + 104);			\
	r0 += r2;					\
	exit;						\
"	::: __clobber_all);
}

SEC("kprobe/do_nanosleep")
__failure __msg("invalid bpf_context access off=0 size=8")
__naked int kprobe_write_regs(void)
{
	asm volatile ("					\
	r0 = 0;						\
	*(u64 *)(r1 + 0) = r0;				\
	exit;						\
"	::: __clobber_all);
}

SEC("kprobe/do_nanosleep")
__failure __msg("invalid bpf_context access off=168 size=8")
__naked int kprobe_past_pt_regs(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 168);			\
	exit;						\
"	::: __clobber_all);
}

/* ---- tracepoint: the raw record, read-only, up to PERF_MAX_TRACE_SIZE (8k) */

SEC("tracepoint/syscalls/sys_enter_nanosleep")
__success
__naked int tracepoint_read_record(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 16);				\
	r2 = *(u32 *)(r1 + 8188);			\
	r0 += r2;					\
	exit;						\
"	::: __clobber_all);
}

SEC("tracepoint/syscalls/sys_enter_nanosleep")
__failure __msg("invalid bpf_context access off=8192 size=8")
__naked int tracepoint_past_max_record(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 8192);			\
	exit;						\
"	::: __clobber_all);
}

SEC("tracepoint/syscalls/sys_enter_nanosleep")
__failure __msg("invalid bpf_context access off=8 size=4")
__naked int tracepoint_write_record(void)
{
	asm volatile ("					\
	r0 = 0;						\
	*(u32 *)(r1 + 8) = r0;				\
	exit;						\
"	::: __clobber_all);
}

/* ---- perf_event: struct bpf_perf_event_data */

SEC("perf_event")
__success
__naked int perf_event_read_sample(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 168);			\
	r2 = *(u32 *)(r1 + 176);			\
	r3 = *(u64 *)(r1 + 8);				\
	r0 += r2;					\
	r0 += r3;					\
	exit;						\
"	::: __clobber_all);
}

/* The registers are read whole. */
SEC("perf_event")
__failure __msg("invalid bpf_context access off=0 size=4")
__naked int perf_event_narrow_register(void)
{
	asm volatile ("					\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("perf_event")
__failure __msg("invalid bpf_context access off=184 size=8")
__naked int perf_event_past_the_end(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 184);			\
	exit;						\
"	::: __clobber_all);
}

/* ---- raw_tp: up to 12 u64 arguments, read-only */

SEC("raw_tp/sys_enter")
__success
__naked int raw_tp_read_args(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 0);				\
	r2 = *(u64 *)(r1 + 88);				\
	r0 += r2;					\
	exit;						\
"	::: __clobber_all);
}

SEC("raw_tp/sys_enter")
__failure __msg("invalid bpf_context access off=96 size=8")
__naked int raw_tp_past_args(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 96);				\
	exit;						\
"	::: __clobber_all);
}

SEC("raw_tp/sys_enter")
__failure __msg("invalid bpf_context access off=8 size=8")
__naked int raw_tp_write_arg(void)
{
	asm volatile ("					\
	r0 = 0;						\
	*(u64 *)(r1 + 8) = r0;				\
	exit;						\
"	::: __clobber_all);
}

/* ---- one instruction, one kind of pointer (save_aux_ptr_type): the loader
 * rewrites context loads, so a load that reads the context on one path and
 * the stack on another cannot be rewritten for both */

SEC("xdp")
__failure __msg("same insn cannot be used with different pointers")
__naked int xdp_same_load_ctx_and_stack(void)
{
	asm volatile ("					\
	r6 = r1;					\
	r1 = 0;						\
	*(u64 *)(r10 - 8) = r1;				\
	call %[get_prandom_u32];			\
	r1 = r6;					\
	if r0 == 0 goto l0_%=;				\
	r1 = r10;					\
	r1 += -8;					\
l0_%=:	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	:: __imm_helper(get_prandom_u32)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("same insn cannot be used with different pointers")
__naked int syscall_same_store_ctx_and_stack(void)
{
	asm volatile ("					\
	r6 = r1;					\
	call %[get_prandom_u32];			\
	r1 = r6;					\
	if r0 == 0 goto l0_%=;				\
	r1 = r10;					\
	r1 += -8;					\
l0_%=:	r2 = 0;						\
	*(u64 *)(r1 + 0) = r2;				\
	r0 = 0;						\
	exit;						\
"	:: __imm_helper(get_prandom_u32)
	: __clobber_all);
}

/* Stack and map value (or two stack slots) may share an instruction: neither
 * is rewritten. */
SEC("xdp")
__success
__naked int xdp_same_load_two_stack_slots(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u64 *)(r10 - 8) = r1;				\
	*(u64 *)(r10 - 16) = r1;			\
	call %[get_prandom_u32];			\
	r1 = r10;					\
	r1 += -8;					\
	if r0 == 0 goto l0_%=;				\
	r1 += -8;					\
l0_%=:	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	:: __imm_helper(get_prandom_u32)
	: __clobber_all);
}
