/* Helper calls against their prototypes: map pointers, keys and values of the
 * map's sizes, memory and size pairs, map types a helper accepts, helpers a
 * program type may call, R0 from the return type and R1-R5 clobbered. */
#include "corpus.h"

struct val16 {
	__u64 x, y;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct val16);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct val16);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct args {
	__u32 a, b;
	__u64 p;
};

SEC("syscall")
__success
int printk_and_clocks(void *ctx)
{
	__u64 t = bpf_ktime_get_ns();

	bpf_printk("t=%llu cpu=%u", t, bpf_get_smp_processor_id());
	bpf_printk("%d %d %d %d", 1, 2, 3, (int)bpf_get_prandom_u32());
	return bpf_ktime_get_boot_ns() > t;
}

SEC("syscall")
__success
int update_and_delete(struct args *ctx)
{
	__u32 k = ctx->a;
	struct val16 v = { .x = ctx->b, .y = 1 };

	if (bpf_map_update_elem(&hash, &k, &v, BPF_NOEXIST))
		return 1;
	return bpf_map_delete_elem(&hash, &k);
}

/* A map value may serve as another map's key and value. */
SEC("syscall")
__success
int value_as_key_and_value(void *ctx)
{
	__u32 k = 0;
	struct val16 *v = bpf_map_lookup_elem(&arr, &k);

	if (!v)
		return 0;
	return bpf_map_update_elem(&hash, v, v, BPF_ANY);
}

SEC("syscall")
__success
int probe_read_into_stack(struct args *ctx)
{
	__u64 buf[2];

	bpf_probe_read_kernel(buf, sizeof(buf), (void *)ctx->p);
	return buf[0] + buf[1];
}

/* ARG_CONST_SIZE_OR_ZERO: a size that may be 0. */
SEC("syscall")
__success
__naked int probe_read_size_may_be_zero(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + 0);				\
	r2 &= 8;					\
	r3 = *(u64 *)(r1 + 8);				\
	r1 = r10;					\
	r1 += -8;					\
	call %[probe_read_kernel];			\
	exit;						\
"	:: __imm_helper(probe_read_kernel)
	: __clobber_all);
}

SEC("syscall")
__success
int ringbuf_output_from_stack(struct args *ctx)
{
	struct val16 v = { .x = ctx->a };

	return bpf_ringbuf_output(&rb, &v, sizeof(v), 0) + bpf_ringbuf_query(&rb, 0);
}

SEC("syscall")
__success
__naked int callee_saved_registers_survive(void)
{
	asm volatile ("					\
	r6 = r1;					\
	r7 = 3;						\
	call %[ktime_get_ns];				\
	r0 = *(u32 *)(r6 + 0);				\
	r0 += r7;					\
	exit;						\
"	:: __imm_helper(ktime_get_ns)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 !read_ok")
__naked int helper_clobbers_r1(void)
{
	asm volatile ("					\
	call %[ktime_get_ns];				\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	:: __imm_helper(ktime_get_ns)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R5 !read_ok")
__naked int helper_clobbers_r5(void)
{
	asm volatile ("					\
	r5 = 1;						\
	call %[get_prandom_u32];			\
	r0 = r5;					\
	exit;						\
"	:: __imm_helper(get_prandom_u32)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 type=scalar expected=map_ptr")
__naked int lookup_without_map(void)
{
	asm volatile ("					\
	r1 = 0;						\
	r2 = r10;					\
	r2 += -8;					\
	call %[map_lookup_elem];			\
	r0 = 0;						\
	exit;						\
"	:: __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_")
__naked int key_not_a_pointer(void)
{
	asm volatile ("					\
	r1 = %[hash] ll;				\
	r2 = 0;						\
	call %[map_lookup_elem];			\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid read from stack R2 off=-2 size=4")
__naked int key_sticks_out_of_the_stack(void)
{
	asm volatile ("					\
	r1 = %[hash] ll;				\
	r2 = r10;					\
	r2 += -2;					\
	call %[map_lookup_elem];			\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* The value argument is the map's value size: 16 bytes, not 8. */
SEC("syscall")
__failure __msg("invalid read from stack R3 off=-8 size=16")
__naked int value_too_small(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u64 *)(r10 - 8) = r1;				\
	*(u32 *)(r10 - 12) = r1;			\
	r1 = %[hash] ll;				\
	r2 = r10;					\
	r2 += -12;					\
	r3 = r10;					\
	r3 += -8;					\
	r4 = 0;						\
	call %[map_update_elem];			\
	exit;						\
"	:: __imm_addr(hash), __imm_helper(map_update_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid write to stack R1 off=-8 size=16")
__naked int probe_read_past_buffer(void)
{
	asm volatile ("					\
	r3 = *(u64 *)(r1 + 8);				\
	r1 = r10;					\
	r1 += -8;					\
	r2 = 16;					\
	call %[probe_read_kernel];			\
	exit;						\
"	:: __imm_helper(probe_read_kernel)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R2 unbounded memory access, use 'var &= const' or 'if (var < const)'")
__naked int probe_read_size_unbounded(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + 0);				\
	r3 = *(u64 *)(r1 + 8);				\
	r1 = r10;					\
	r1 += -8;					\
	call %[probe_read_kernel];			\
	exit;						\
"	:: __imm_helper(probe_read_kernel)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R2 min value is negative, either use unsigned or 'var &= const'")
__naked int probe_read_size_negative(void)
{
	asm volatile ("					\
	r2 = *(u64 *)(r1 + 8);				\
	if r2 s> 8 goto l0_%=;				\
	r3 = 0;						\
	r1 = r10;					\
	r1 += -8;					\
	call %[probe_read_kernel];			\
l0_%=:	r0 = 0;						\
	exit;						\
"	:: __imm_helper(probe_read_kernel)
	: __clobber_all);
}

/* ARG_CONST_SIZE: bpf_trace_printk's format size may not be 0. */
SEC("syscall")
__failure __msg("R2 invalid zero-sized read")
__naked int printk_zero_size(void)
{
	asm volatile ("					\
	r1 = r10;					\
	r1 += -8;					\
	r2 = 0;						\
	call %[trace_printk];				\
	exit;						\
"	:: __imm_helper(trace_printk)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("cannot pass map_type 2 into func bpf_ringbuf_output#130")
__naked int ringbuf_output_to_array(void)
{
	asm volatile ("					\
	r1 = %[arr] ll;					\
	r2 = r10;					\
	r2 += -8;					\
	r3 = 8;						\
	r4 = 0;						\
	call %[ringbuf_output];				\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(ringbuf_output)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("cannot pass map_type 1 into func bpf_ringbuf_reserve#131")
__naked int ringbuf_reserve_from_hash(void)
{
	asm volatile ("					\
	r1 = %[hash] ll;				\
	r2 = 8;						\
	r3 = 0;						\
	call %[ringbuf_reserve];			\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(hash), __imm_helper(ringbuf_reserve)
	: __clobber_all);
}

/* A ring buffer has no keys: the key argument is a zero-sized read. */
SEC("syscall")
__failure __msg("invalid zero-sized read")
__naked int lookup_in_ringbuf(void)
{
	asm volatile ("					\
	r1 = %[rb] ll;					\
	r2 = r10;					\
	r2 += -8;					\
	call %[map_lookup_elem];			\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(rb), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("xdp")
__failure __msg("expected prog array map for tail call")
__naked int tail_call_into_array(void)
{
	asm volatile ("					\
	r2 = %[arr] ll;					\
	r3 = 0;						\
	call %[tail_call];				\
	r0 = 2;						\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(tail_call)
	: __clobber_all);
}

SEC("xdp")
__failure __msg("program of this type cannot use helper bpf_skb_load_bytes#26")
__naked int skb_helper_in_xdp(void)
{
	asm volatile ("					\
	r2 = 0;						\
	r3 = r10;					\
	r3 += -8;					\
	r4 = 4;						\
	call %[skb_load_bytes];				\
	r0 = 2;						\
	exit;						\
"	:: __imm_helper(skb_load_bytes)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid func unknown#1000000")
__naked int helper_id_out_of_range(void)
{
	asm volatile ("					\
	call 1000000;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R2 is not a known constant'")
__naked int ringbuf_reserve_variable_size(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + 0);				\
	r2 &= 64;					\
	r1 = %[rb] ll;					\
	r3 = 0;						\
	call %[ringbuf_reserve];			\
	if r0 == 0 goto l0_%=;				\
	r1 = r0;					\
	r2 = 0;						\
	call %[ringbuf_discard];			\
l0_%=:	r0 = 0;						\
	exit;						\
"	:: __imm_addr(rb), __imm_helper(ringbuf_reserve), __imm_helper(ringbuf_discard)
	: __clobber_all);
}

/* A helper's integer result is unknown: it bounds nothing. */
SEC("syscall")
__failure __msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked int helper_result_unbounded(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r6 = r0;					\
	call %[get_prandom_u32];			\
	r6 += r0;					\
	r0 = *(u8 *)(r6 + 0);				\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem), __imm_helper(get_prandom_u32)
	: __clobber_all);
}

/* bpf_xdp_adjust_head is a kernel helper hostbpf does not provide. */
SEC("xdp")
__failure __msg("program of this type cannot use helper bpf_xdp_adjust_head#44")
__hostbpf_differs("hostbpf provides only the helpers it implements; bpf_xdp_adjust_head is not one")
int adjust_head_not_provided(struct xdp_md *ctx)
{
	return bpf_xdp_adjust_head(ctx, -14) ? XDP_DROP : XDP_PASS;
}
