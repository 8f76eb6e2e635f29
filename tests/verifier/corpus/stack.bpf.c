/* The stack: bounds of the 512-byte frame, alignment, spills and fills of
 * pointers and scalars, partial writes, zero slots, variable offsets, and the
 * privileged rule that never-written bytes may be read. */
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
__naked int spill_and_fill_ctx_pointer(void)
{
	asm volatile ("					\
	*(u64 *)(r10 - 8) = r1;				\
	r1 = 0;						\
	r2 = *(u64 *)(r10 - 8);				\
	r0 = *(u32 *)(r2 + 0);				\
	exit;						\
"	::: __clobber_all);
}

/* A spilled scalar keeps its bounds through the stack. */
SEC("syscall")
__success
__naked int spilled_scalar_keeps_bounds(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"r6 &= 15;"
	"*(u64 *)(r10 - 16) = r6;"
	"r6 = 0;"
	"r7 = *(u64 *)(r10 - 16);"
	"r0 += r7;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__success
__naked int narrow_write_then_narrow_read(void)
{
	asm volatile ("					\
	r1 = 42;					\
	*(u32 *)(r10 - 8) = r1;				\
	*(u16 *)(r10 - 2) = r1;				\
	*(u8 *)(r10 - 11) = r1;				\
	r0 = *(u32 *)(r10 - 8);				\
	r1 = *(u16 *)(r10 - 2);				\
	r0 += r1;					\
	r1 = *(u8 *)(r10 - 11);				\
	r0 += r1;					\
	exit;						\
"	::: __clobber_all);
}

/* A stored zero reads back as the constant 0, so the branch is dead. */
SEC("syscall")
__success
__naked int zero_store_reads_back_zero(void)
{
	asm volatile ("					\
	*(u64 *)(r10 - 8) = 0;				\
	r1 = *(u64 *)(r10 - 8);				\
	r0 = 0;						\
	if r1 != 0 goto l0_%=;				\
	exit;						\
l0_%=:	r0 = *(u64 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

/* Privileged programs may read stack bytes that were never written. */
SEC("syscall")
__success
__naked int read_never_written_stack(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r10 - 8);				\
	r1 = *(u32 *)(r10 - 100);			\
	r0 += r1;					\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int use_all_512_bytes(void)
{
	asm volatile ("					\
	r0 = 0;						\
	*(u64 *)(r10 - 512) = r0;			\
	*(u64 *)(r10 - 8) = r0;				\
	r0 = *(u64 *)(r10 - 512);			\
	exit;						\
"	::: __clobber_all);
}

/* An aligned variable-offset write inside the frame. */
SEC("syscall")
__success
__naked int variable_offset_write(void)
{
	asm volatile ("					\
	r6 = *(u32 *)(r1 + 0);				\
	r6 &= 56;					\
	r1 = r10;					\
	r1 += -64;					\
	r1 += r6;					\
	r0 = 0;						\
	*(u64 *)(r1 + 0) = r0;				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
__naked int variable_offset_read(void)
{
	asm volatile ("					\
	r6 = *(u32 *)(r1 + 0);				\
	r6 &= 24;					\
	r1 = r10;					\
	r1 += -32;					\
	r1 += r6;					\
	r0 = *(u64 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

/* Writing next to a spilled pointer leaves it intact. */
SEC("syscall")
__success
__naked int neighbour_write_keeps_spill(void)
{
	asm volatile ("					\
	*(u64 *)(r10 - 16) = r1;			\
	r0 = 0;						\
	*(u64 *)(r10 - 8) = r0;				\
	*(u64 *)(r10 - 24) = r0;			\
	r1 = *(u64 *)(r10 - 16);			\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

/* C: a stack array filled in a loop and summed. */
SEC("syscall")
__success
int stack_array_in_c(void *ctx)
{
	__u64 a[8];
	__u64 sum = 0;

	for (int i = 0; i < 8; i++)
		a[i] = i * 3;
	for (int i = 0; i < 8; i++)
		sum += a[i];
	return sum;
}

SEC("syscall")
__failure __msg("invalid write to stack R10 off=-520 size=8")
__naked int write_below_frame(void)
{
	asm volatile ("					\
	r0 = 0;						\
	*(u64 *)(r10 - 520) = r0;			\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid read from stack R10 off=0 size=8")
__naked int read_above_frame(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r10 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid write to stack R1 off=0 size=8")
__naked int write_at_frame_top(void)
{
	asm volatile ("					\
	r1 = r10;					\
	r1 += -8;					\
	r0 = 0;						\
	*(u64 *)(r1 + 8) = r0;				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("misaligned stack access off 0+0+-12 size 8")
__naked int misaligned_stack_write(void)
{
	asm volatile ("					\
	r0 = 0;						\
	*(u64 *)(r10 - 12) = r0;			\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("misaligned stack access off 0+-8+2 size 4")
__naked int misaligned_stack_read(void)
{
	asm volatile ("					\
	r1 = r10;					\
	r1 += -8;					\
	r0 = *(u32 *)(r1 + 2);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("misaligned stack access off (0x0; 0x7)+-16+0 size 8")
__naked int misaligned_variable_offset(void)
{
	asm volatile ("					\
	r6 = *(u32 *)(r1 + 0);				\
	r6 &= 7;					\
	r1 = r10;					\
	r1 += -16;					\
	r1 += r6;					\
	r0 = *(u64 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid size of register fill")
__naked int partial_fill_of_pointer(void)
{
	asm volatile ("					\
	*(u64 *)(r10 - 8) = r1;				\
	r0 = *(u32 *)(r10 - 8);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid size of register spill")
__naked int narrow_spill_of_pointer(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = r1;				\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

/* Overwriting part of a spilled pointer turns the slot into plain data. */
SEC("syscall")
__failure __msg("R1 invalid mem access 'scalar'")
__naked int partial_overwrite_destroys_spill(void)
{
	asm volatile ("					\
	*(u64 *)(r10 - 8) = r1;				\
	r0 = 0;						\
	*(u32 *)(r10 - 8) = r0;				\
	r1 = *(u64 *)(r10 - 8);				\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid variable-offset write to stack R1 var_off=(0x0; 0x8) off=-8 size=8")
__naked int variable_offset_past_frame_top(void)
{
	asm volatile ("					\
	r6 = *(u32 *)(r1 + 0);				\
	r6 &= 8;					\
	r1 = r10;					\
	r1 += -8;					\
	r1 += r6;					\
	r0 = 0;						\
	*(u64 *)(r1 + 0) = r0;				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid unbounded variable-offset write to stack R1")
__naked int unbounded_variable_offset(void)
{
	asm volatile ("					\
	r6 = *(u32 *)(r1 + 0);				\
	r6 <<= 3;					\
	r1 = r10;					\
	r1 += -8;					\
	r1 += r6;					\
	r0 = 0;						\
	*(u64 *)(r1 + 0) = r0;				\
	exit;						\
"	::: __clobber_all);
}

/* A variable-offset write that may touch a spilled pointer destroys it. */
SEC("syscall")
__failure __msg("R1 invalid mem access 'scalar'")
__naked int variable_write_destroys_spill(void)
{
	asm volatile ("					\
	r6 = *(u32 *)(r1 + 0);				\
	*(u64 *)(r10 - 8) = r1;				\
	r6 &= 8;					\
	r2 = r10;					\
	r2 += -16;					\
	r2 += r6;					\
	r0 = 0;						\
	*(u64 *)(r2 + 0) = r0;				\
	r1 = *(u64 *)(r10 - 8);				\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

/* A 4-byte spill says nothing about the other half of an 8-byte fill. */
SEC("syscall")
__failure __msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked int narrow_spill_wide_fill(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"r6 &= 15;"
	"*(u32 *)(r10 - 16) = r6;"
	"r7 = *(u64 *)(r10 - 16);"
	"r0 += r7;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A fill of a spilled scalar is not a pointer. */
SEC("syscall")
__failure __msg("R2 invalid mem access 'scalar'")
__naked int filled_scalar_not_pointer(void)
{
	asm volatile ("					\
	r1 = 64;					\
	*(u64 *)(r10 - 8) = r1;				\
	r2 = *(u64 *)(r10 - 8);				\
	r0 = *(u64 *)(r2 + 0);				\
	exit;						\
"	::: __clobber_all);
}
