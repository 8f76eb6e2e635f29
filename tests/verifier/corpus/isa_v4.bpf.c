/* cpu v4 instructions (built with -mcpu=v4): sign-extending moves and loads
 * and what they teach about bounds, signed division and modulo, byte swaps
 * and the 32-bit-offset goto. */
#include "corpus.h"

struct val16 {
	unsigned char buf[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct val16);
} arr SEC(".maps");

#define LOOKUP_ARR_OR_EXIT			\
	"*(u32 *)(r10 - 8) = 0;"		\
	"r2 = r10;"				\
	"r2 += -8;"				\
	"r1 = %[arr] ll;"			\
	"call %[map_lookup_elem];"		\
	"if r0 != 0 goto 1f;"			\
	"exit;"					\
	"1:"

/* (s8) of a byte is in [-128, 127]; the signed checks leave [-16, -1], and
 * adding 16 makes it an index into the 16-byte value. */
SEC("syscall")
__success
__naked int sign_extended_byte_bounds(void)
{
	asm volatile (
	"r6 = *(u8 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"r6 = (s8)r6;"
	"if r6 s< -16 goto 2f;"
	"if r6 s> -1 goto 2f;"
	"r6 += 16;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 min value is negative, either use unsigned index or do a if (index >=0) check.")
__naked int sign_extended_byte_is_negative(void)
{
	asm volatile (
	"r6 = *(u8 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"r6 = (s8)r6;"
	"if r6 s> 15 goto 2f;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__success
__naked int sign_extending_load(void)
{
	asm volatile (
	"r6 = *(s16 *)(r1 + 2);"
	LOOKUP_ARR_OR_EXIT
	"if r6 s< 0 goto 2f;"
	"r6 &= 15;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A sign-extending load from a zero stack slot is 0. */
SEC("syscall")
__success
__naked int sign_extending_load_of_zero(void)
{
	asm volatile ("					\
	*(u64 *)(r10 - 8) = 0;				\
	r1 = *(s32 *)(r10 - 8);				\
	r0 = 0;						\
	if r1 == 0 goto l0_%=;				\
	r0 = *(u64 *)(r1 + 0);				\
l0_%=:	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int signed_divide_and_modulo(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 8);				\
	r0 s/= -3;					\
	r2 = *(u32 *)(r1 + 4);				\
	r0 s%%= r2;					\
	w0 s/= w2;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("div by zero")
__naked int signed_modulo_by_zero_constant(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 8);				\
	r0 s%%= 0;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int unconditional_byte_swaps(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 8);				\
	r0 = bswap16 r0;				\
	r0 = bswap32 r0;				\
	r0 = bswap64 r0;				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int long_goto(void)
{
	asm volatile ("					\
	r0 = 1;						\
	if r1 == 0 goto l1_%=;				\
	gotol l0_%=;					\
l1_%=:	r0 = 2;						\
l0_%=:	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("unreachable insn 2")
__naked int long_goto_over_dead_code(void)
{
	asm volatile ("					\
	r0 = 1;						\
	gotol l0_%=;					\
	r0 = 2;						\
l0_%=:	exit;						\
"	::: __clobber_all);
}

/* A privileged program may sign-extend a pointer's bits: a scalar results. */
SEC("syscall")
__success
__naked int sign_extend_pointer_bits(void)
{
	asm volatile ("					\
	r0 = (s32)r10;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 invalid mem access 'scalar'")
__naked int sign_extended_pointer_is_not_a_pointer(void)
{
	asm volatile ("					\
	r0 = (s32)r1;					\
	r0 = *(u32 *)(r0 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int sign_extending_ctx_load(void)
{
	asm volatile ("					\
	r0 = *(s32 *)(r1 + 4);				\
	exit;						\
"	::: __clobber_all);
}

/* A sign-extending load of a packet pointer field is refused by every
 * program type (the rewrite would sign-extend half of a pointer); of a scalar
 * field it is fine. */
SEC("xdp")
__failure __msg("invalid bpf_context access off=0 size=4")
__naked int xdp_sign_extending_load_of_data(void)
{
	asm volatile ("					\
	r2 = *(s32 *)(r1 + 0);				\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("tc")
__failure __msg("invalid bpf_context access off=80 size=4")
__naked int tc_sign_extending_load_of_data_end(void)
{
	asm volatile ("					\
	r2 = *(s32 *)(r1 + 80);				\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("xdp")
__success
__naked int xdp_sign_extending_load_of_ifindex(void)
{
	asm volatile ("					\
	r0 = *(s32 *)(r1 + 12);				\
	exit;						\
"	::: __clobber_all);
}
