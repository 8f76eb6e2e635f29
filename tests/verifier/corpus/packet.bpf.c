/* Packet access (xdp and tc): packet pointers gain a range from comparisons
 * with data_end (or data, for data_meta), and every access must stay inside
 * it; pkt_end itself is never dereferenced nor moved. */
#include "corpus.h"

#include <linux/if_ether.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

/* r2 = data, r3 = data_end (xdp). */
#define XDP_DATA_R2_END_R3				\
	"r2 = *(u32 *)(r1 + %[xdp_data]);"		\
	"r3 = *(u32 *)(r1 + %[xdp_data_end]);"
#define __imm_xdp_data									\
	__imm_const(xdp_data, offsetof(struct xdp_md, data)),				\
	__imm_const(xdp_data_end, offsetof(struct xdp_md, data_end)),			\
	__imm_const(xdp_data_meta, offsetof(struct xdp_md, data_meta))

SEC("xdp")
__success
int parse_ethernet(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	return eth->h_proto == __builtin_bswap16(ETH_P_IP) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
__success
__naked int range_then_read_last_byte(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 14;"
	"r0 = 1;"
	"if r4 > r3 goto 1f;"
	"r0 = *(u8 *)(r2 + 13);"
"1:	exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* data_end >= data + 8, written the other way round. */
SEC("xdp")
__success
__naked int reversed_comparison(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 8;"
	"r0 = 1;"
	"if r3 < r4 goto 1f;"
	"r0 = *(u64 *)(r2 + 0);"
"1:	exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

SEC("xdp")
__success
__naked int write_inside_range(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 4;"
	"if r4 > r3 goto 1f;"
	"r5 = 0xff;"
	"*(u32 *)(r2 + 0) = r5;"
"1:	r0 = 2;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* The range belongs to every copy of the checked pointer. */
SEC("xdp")
__success
__naked int range_shared_by_copies(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r5 = r2;"
	"r4 = r2;"
	"r4 += 8;"
	"if r4 > r3 goto 1f;"
	"r0 = *(u32 *)(r5 + 4);"
	"exit;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* A spilled packet pointer keeps its range. */
SEC("xdp")
__success
__naked int range_survives_spill(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 4;"
	"if r4 > r3 goto 1f;"
	"*(u64 *)(r10 - 8) = r2;"
	"r2 = 0;"
	"r6 = *(u64 *)(r10 - 8);"
	"r0 = *(u32 *)(r6 + 0);"
	"exit;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* A bounded variable offset is checked again against data_end. */
SEC("xdp")
__success
__naked int variable_offset_rechecked(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 1;"
	"if r4 > r3 goto 1f;"
	"r5 = *(u8 *)(r2 + 0);"
	"r5 &= 15;"
	"r2 += r5;"
	"r4 = r2;"
	"r4 += 2;"
	"if r4 > r3 goto 1f;"
	"r0 = *(u16 *)(r2 + 0);"
	"exit;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

SEC("xdp")
__success
__naked int metadata_before_data(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + %[xdp_data_meta]);"
	"r3 = *(u32 *)(r1 + %[xdp_data]);"
	"r4 = r2;"
	"r4 += 4;"
	"if r4 > r3 goto 1f;"
	"r0 = *(u32 *)(r2 + 0);"
	"exit;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* Packet bytes may be a helper's key, once inside the range. */
SEC("xdp")
__success
int packet_bytes_as_key(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *v;

	if (data + 4 > data_end)
		return XDP_PASS;
	v = bpf_map_lookup_elem(&hash, data);
	return v ? XDP_DROP : XDP_PASS;
}

SEC("tc")
__success
int tc_read_packet(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return 0;
	eth->h_dest[0] = eth->h_source[5];
	return eth->h_proto;
}

/* The check must be against data_end: any other bound proves nothing. */
SEC("xdp")
__failure
__msg("invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)")
__msg("R2 offset is outside of the packet")
__naked int read_without_check(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r0 = *(u8 *)(r2 + 0);"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

SEC("xdp")
__failure __msg("invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)")
__naked int read_one_past_range(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 14;"
	"if r4 > r3 goto 1f;"
	"r0 = *(u8 *)(r2 + 14);"
	"exit;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* The branch where data + 14 > data_end proves nothing. */
SEC("xdp")
__failure __msg("R2 offset is outside of the packet")
__naked int read_in_wrong_branch(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 14;"
	"if r4 <= r3 goto 1f;"
	"r0 = *(u8 *)(r2 + 0);"
	"exit;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

SEC("xdp")
__failure __msg("R3 invalid mem access 'pkt_end'")
__naked int read_packet_end(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r0 = *(u8 *)(r3 + 0);"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* A 32-bit comparison of packet pointers gives no range. */
SEC("xdp")
__failure __msg("R2 offset is outside of the packet")
__naked int jmp32_comparison_gives_no_range(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 4;"
	"if w4 > w3 goto 1f;"
	"r0 = *(u32 *)(r2 + 0);"
	"exit;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* An offset that may exceed 64k gives the pointer no range at all. */
SEC("xdp")
__failure __msg("R2 offset is outside of the packet")
__naked int offset_too_wide_for_a_range(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r5 = *(u32 *)(r1 + 12);"
	"r2 += r5;"
	"r4 = r2;"
	"r4 += 1;"
	"if r4 > r3 goto 1f;"
	"r0 = *(u8 *)(r2 + 0);"
	"exit;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* Moving the pointer after the check leaves the checked range behind. */
SEC("xdp")
__failure __msg("R2 offset is outside of the packet")
__naked int variable_offset_after_check(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 16;"
	"if r4 > r3 goto 1f;"
	"r5 = *(u8 *)(r2 + 0);"
	"r5 &= 7;"
	"r2 += r5;"
	"r0 = *(u8 *)(r2 + 0);"
	"exit;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

SEC("xdp")
__failure __msg("BPF_ATOMIC stores into R2 pkt is not allowed")
__naked int atomic_on_packet(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 8;"
	"if r4 > r3 goto 1f;"
	"r5 = 1;"
	"lock *(u64 *)(r2 + 0) += r5;"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

SEC("xdp")
__failure __msg("R2 offset is outside of the packet")
__naked int metadata_unchecked(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + %[xdp_data_meta]);"
	"r0 = *(u32 *)(r2 + 0);"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}

/* A helper key in the packet must lie inside the checked range too. */
SEC("xdp")
__failure __msg("R2 offset is outside of the packet")
__naked int packet_key_past_range(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 2;"
	"if r4 > r3 goto 1f;"
	"r1 = %[hash] ll;"
	"call %[map_lookup_elem];"
"1:	r0 = 0;"
	"exit;"
	:: __imm_xdp_data, __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* data + 8 < data_end leaves at least 9 bytes: the kernel grants 9. */
SEC("xdp")
__success
__naked int strict_less_than_grants_one_more(void)
{
	asm volatile (
	XDP_DATA_R2_END_R3
	"r4 = r2;"
	"r4 += 8;"
	"if r4 < r3 goto 1f;"
	"r0 = 0;"
	"exit;"
"1:	r0 = *(u8 *)(r2 + 8);"
	"exit;"
	:: __imm_xdp_data
	: __clobber_all);
}
