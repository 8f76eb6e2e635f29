/* Pointer arithmetic: which operations a pointer survives (adding and
 * subtracting bounded scalars, copies, pointer differences and comparisons for
 * privileged programs) and which are refused, with the kernel's messages. */
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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct val16);
} hash SEC(".maps");

#define LOOKUP_ARR_OR_EXIT			\
	"r1 = 0;"				\
	"*(u32 *)(r10 - 4) = r1;"		\
	"r2 = r10;"				\
	"r2 += -4;"				\
	"r1 = %[arr] ll;"			\
	"call %[map_lookup_elem];"		\
	"if r0 != 0 goto 1f;"			\
	"exit;"					\
	"1:"

SEC("syscall")
__success
__naked int stack_pointer_plus_constant(void)
{
	asm volatile ("					\
	r1 = r10;					\
	r1 += -16;					\
	r0 = 0;						\
	*(u64 *)(r1 + 8) = r0;				\
	r0 = *(u64 *)(r10 - 8);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int map_value_constant_steps(void)
{
	asm volatile (
	LOOKUP_ARR_OR_EXIT
	"r0 += 12;"
	"r0 += -4;"
	"r1 = 7;"
	"*(u64 *)(r0 + 0) = r1;"
	"r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A bounded variable offset plus a constant one, checked together. */
SEC("syscall")
__success
__naked int map_value_variable_and_constant(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"r6 &= 7;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 8);"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* Privileged programs may subtract pointers: the result is a scalar. */
SEC("syscall")
__success
__naked int pointer_difference_is_scalar(void)
{
	asm volatile ("					\
	r0 = r10;					\
	r0 -= r1;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int compare_two_pointers(void)
{
	asm volatile ("					\
	r0 = 0;						\
	if r1 > r10 goto l0_%=;				\
	r0 = 1;						\
l0_%=:	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int copy_keeps_pointer_type(void)
{
	asm volatile ("					\
	r2 = r1;					\
	r3 = r2;					\
	r0 = *(u32 *)(r3 + 4);				\
	exit;						\
"	::: __clobber_all);
}

/* A 32-bit move of a pointer gives a privileged program a plain scalar. */
SEC("syscall")
__success
__naked int alu32_copy_of_pointer_is_scalar(void)
{
	asm volatile ("					\
	w0 = w10;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int negated_pointer_is_scalar(void)
{
	asm volatile ("					\
	r0 = r10;					\
	r0 = -r0;					\
	exit;						\
"	::: __clobber_all);
}

/* Pointer minus pointer is a scalar, whatever the two were. */
SEC("syscall")
__failure __msg("R0 invalid mem access 'scalar'")
__naked int pointer_difference_not_a_pointer(void)
{
	asm volatile ("					\
	r0 = r10;					\
	r0 -= r1;					\
	r0 = *(u64 *)(r0 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 pointer arithmetic with *= operator prohibited")
__naked int multiply_pointer(void)
{
	asm volatile ("					\
	r1 *= 2;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 bitwise operator &= on pointer prohibited")
__naked int mask_pointer(void)
{
	asm volatile ("					\
	r1 &= 0xff;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 bitwise operator |= on pointer prohibited")
__naked int or_into_pointer(void)
{
	asm volatile ("					\
	r1 |= 1;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 pointer arithmetic with <<= operator prohibited")
__naked int shift_pointer(void)
{
	asm volatile ("					\
	r1 <<= 1;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 pointer += pointer prohibited")
__naked int add_two_pointers(void)
{
	asm volatile ("					\
	r1 += r10;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 tried to subtract pointer from scalar")
__naked int scalar_minus_pointer(void)
{
	asm volatile ("					\
	r0 = 5;						\
	r0 -= r10;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 32-bit pointer arithmetic prohibited")
__naked int alu32_add_to_pointer(void)
{
	asm volatile ("					\
	w1 += 4;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 pointer arithmetic on map_ptr prohibited")
__naked int add_to_map_pointer(void)
{
	asm volatile ("					\
	r1 = %[arr] ll;					\
	r1 += 8;					\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(arr)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 pointer arithmetic on map_value_or_null prohibited, null-check it first")
__naked int add_before_null_check(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u32 *)(r10 - 4) = r1;				\
	r2 = r10;					\
	r2 += -4;					\
	r1 = %[hash] ll;				\
	call %[map_lookup_elem];			\
	r0 += 4;					\
	if r0 == 0 goto l0_%=;				\
	r0 = 0;						\
l0_%=:	exit;						\
"	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("xdp")
__failure __msg("R3 pointer arithmetic on pkt_end prohibited")
__naked int add_to_packet_end(void)
{
	asm volatile ("					\
	r3 = *(u32 *)(r1 + %[data_end]);		\
	r3 += -1;					\
	r0 = 0;						\
	exit;						\
"	:: __imm_const(data_end, offsetof(struct xdp_md, data_end))
	: __clobber_all);
}

SEC("syscall")
__failure __msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked int add_unbounded_scalar(void)
{
	asm volatile (
	"r6 = *(u64 *)(r1 + 8);"
	LOOKUP_ARR_OR_EXIT
	"r0 += r6;"
	"r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 subtraction from stack pointer prohibited")
__naked int subtract_register_from_stack_pointer(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + 0);				\
	r2 &= 7;					\
	r1 = r10;					\
	r1 -= r2;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

/* The kernel refuses any subtraction from a stack pointer, even a constant
 * one ("invalid fp arithmetic"): JITs may not cope with it. */
SEC("syscall")
__failure __msg("R1 subtraction from stack pointer prohibited")
__naked int subtract_constant_from_stack_pointer(void)
{
	asm volatile ("					\
	r1 = r10;					\
	r1 -= 8;					\
	r0 = 0;						\
	*(u64 *)(r1 + 0) = r0;				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("math between fp pointer and 536870912 is not allowed")
__naked int offset_too_large(void)
{
	asm volatile ("					\
	r1 = r10;					\
	r2 = 0x20000000;				\
	r1 += r2;					\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 invalid mem access 'scalar'")
__naked int negated_pointer_not_a_pointer(void)
{
	asm volatile ("					\
	r1 = -r1;					\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid access to map value, value_size=16 off=16 size=1")
__naked int constant_steps_past_the_end(void)
{
	asm volatile (
	LOOKUP_ARR_OR_EXIT
	"r0 += 12;"
	"r0 += 4;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid access to map value, value_size=16 off=-1 size=1")
__naked int constant_step_before_the_start(void)
{
	asm volatile (
	LOOKUP_ARR_OR_EXIT
	"r0 += -1;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}
