/* Acquired references (ring buffer records from bpf_ringbuf_reserve): each
 * must be submitted or discarded on every path before the main program
 * exits or tail-calls; the NULL branch acquires nothing; a released record
 * is gone in every copy. */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jmp_table SEC(".maps");

struct event {
	__u32 pid;
	__u32 len;
	__u64 t;
};

/* r0 = bpf_ringbuf_reserve(&rb, 16, 0): insns 0-4, the call is insn 4. */
#define RESERVE_16				\
	"r1 = %[rb] ll;"			\
	"r2 = 16;"				\
	"r3 = 0;"				\
	"call %[ringbuf_reserve];"
#define __imm_ringbuf									\
	__imm_addr(rb), __imm_helper(ringbuf_reserve), __imm_helper(ringbuf_submit),	\
	__imm_helper(ringbuf_discard)

SEC("syscall")
__success
int reserve_fill_submit(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = 1;
	e->len = sizeof(*e);
	e->t = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("syscall")
__success
int reserve_discard_on_condition(struct event *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = ctx->pid;
	if (ctx->len > 10)
		bpf_ringbuf_discard(e, 0);
	else
		bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Nothing is acquired when the reservation fails. */
SEC("syscall")
__success
__naked int null_branch_holds_nothing(void)
{
	asm volatile (
	RESERVE_16
	"if r0 != 0 goto 1f;"
	"exit;"
"1:	r1 = r0;"
	"r2 = 0;"
	"call %[ringbuf_submit];"
	"r0 = 0;"
	"exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

SEC("syscall")
__success
__naked int submit_through_a_copy(void)
{
	asm volatile (
	RESERVE_16
	"r6 = r0;"
	"if r0 == 0 goto 1f;"
	"*(u64 *)(r10 - 8) = r6;"
	"r1 = *(u64 *)(r10 - 8);"
	"r2 = 0;"
	"call %[ringbuf_discard];"
"1:	r0 = 0;"
	"exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

SEC("syscall")
__success
int two_records_both_released(void *ctx)
{
	struct event *a = bpf_ringbuf_reserve(&rb, sizeof(*a), 0);
	struct event *b;

	if (!a)
		return 0;
	b = bpf_ringbuf_reserve(&rb, sizeof(*b), 0);
	if (!b) {
		bpf_ringbuf_discard(a, 0);
		return 0;
	}
	a->pid = 1;
	b->pid = 2;
	bpf_ringbuf_submit(b, 0);
	bpf_ringbuf_submit(a, 0);
	return 0;
}

static __noinline void submit_it(struct event *e)
{
	if (e)
		bpf_ringbuf_submit(e, 0);
}

/* A static callee may release the caller's reference. */
SEC("syscall")
__success
int released_in_callee(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	submit_it(e);
	return 0;
}

SEC("syscall")
__failure
__msg("Unreleased reference id=2 alloc_insn=4")
__msg("BPF_EXIT instruction in main prog would lead to reference leak")
__naked int leak_at_exit(void)
{
	asm volatile (
	RESERVE_16
	"r0 = 0;"
	"exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

SEC("syscall")
__failure
__msg("Unreleased reference id=2 alloc_insn=5")
__msg("BPF_EXIT instruction in main prog would lead to reference leak")
__naked int leak_on_one_branch(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	RESERVE_16
	"if r0 == 0 goto 2f;"
	"if r6 > 3 goto 1f;"
	"r1 = r0;"
	"r2 = 0;"
	"call %[ringbuf_submit];"
"1:	r0 = 0;"
"2:	exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

SEC("syscall")
__failure __msg("Unreleased reference id=4 alloc_insn=11")
__naked int second_record_leaks(void)
{
	asm volatile (
	RESERVE_16
	"if r0 == 0 goto 2f;"
	"r6 = r0;"
	RESERVE_16
	"r1 = r6;"
	"r2 = 0;"
	"call %[ringbuf_submit];"
	"r0 = 0;"
"2:	exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 type=scalar expected=ringbuf_mem")
__naked int double_submit(void)
{
	asm volatile (
	RESERVE_16
	"if r0 == 0 goto 1f;"
	"r6 = r0;"
	"r1 = r0;"
	"r2 = 0;"
	"call %[ringbuf_submit];"
	"r1 = r6;"
	"r2 = 0;"
	"call %[ringbuf_discard];"
"1:	r0 = 0;"
	"exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

/* After the submit every copy of the record is gone. */
SEC("syscall")
__failure __msg("R6 invalid mem access 'scalar'")
__naked int use_after_submit(void)
{
	asm volatile (
	RESERVE_16
	"if r0 == 0 goto 1f;"
	"r6 = r0;"
	"r1 = r0;"
	"r2 = 0;"
	"call %[ringbuf_submit];"
	"r0 = *(u64 *)(r6 + 0);"
"1:	exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 type=ringbuf_mem_or_null expected=ringbuf_mem")
__naked int submit_without_null_check(void)
{
	asm volatile (
	RESERVE_16
	"r1 = r0;"
	"r2 = 0;"
	"call %[ringbuf_submit];"
	"r0 = 0;"
	"exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid access to memory, mem_size=16 off=16 size=8")
__naked int write_past_the_record(void)
{
	asm volatile (
	RESERVE_16
	"if r0 == 0 goto 1f;"
	"r1 = 0;"
	"*(u64 *)(r0 + 16) = r1;"
	"r1 = r0;"
	"r2 = 0;"
	"call %[ringbuf_submit];"
"1:	r0 = 0;"
	"exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 must have zero offset when passed to release func or trusted arg to kfunc")
__naked int submit_moved_pointer(void)
{
	asm volatile (
	RESERVE_16
	"if r0 == 0 goto 1f;"
	"r1 = r0;"
	"r1 += 8;"
	"r2 = 0;"
	"call %[ringbuf_submit];"
"1:	r0 = 0;"
	"exit;"
	:: __imm_ringbuf
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 type=map_value expected=ringbuf_mem")
__naked int submit_a_map_value(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r1 = r0;					\
	r2 = 0;						\
	call %[ringbuf_submit];				\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem), __imm_helper(ringbuf_submit)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R1 type=scalar expected=ringbuf_mem")
__naked int discard_null(void)
{
	asm volatile ("					\
	r1 = 0;						\
	r2 = 0;						\
	call %[ringbuf_discard];			\
	r0 = 0;						\
	exit;						\
"	:: __imm_helper(ringbuf_discard)
	: __clobber_all);
}

/* A tail call never returns: a reference held across it would leak. */
SEC("xdp")
__failure
__msg("Unreleased reference id=2 alloc_insn=5")
__msg("tail_call would lead to reference leak")
__naked int tail_call_with_record(void)
{
	asm volatile (
	"r6 = r1;"
	"r1 = %[rb] ll;"
	"r2 = 16;"
	"r3 = 0;"
	"call %[ringbuf_reserve];"
	"if r0 == 0 goto 1f;"
	"r7 = r0;"
	"r1 = r6;"
	"r2 = %[jmp_table] ll;"
	"r3 = 0;"
	"call %[tail_call];"
	"r1 = r7;"
	"r2 = 0;"
	"call %[ringbuf_discard];"
"1:	r0 = 2;"
	"exit;"
	:: __imm_ringbuf, __imm_addr(jmp_table), __imm_helper(tail_call)
	: __clobber_all);
}

static __noinline struct event *reserve_event(void)
{
	return bpf_ringbuf_reserve(&rb, sizeof(struct event), 0);
}

/* A reference acquired in a callee flows back to the caller, which must
 * release it. */
SEC("syscall")
__failure __msg("BPF_EXIT instruction in main prog would lead to reference leak")
int leak_of_callee_reference(void *ctx)
{
	struct event *e = reserve_event();

	if (!e)
		return 1;
	e->pid = 3;
	return 0;
}

SEC("syscall")
__success
int release_of_callee_reference(void *ctx)
{
	struct event *e = reserve_event();

	if (!e)
		return 1;
	e->pid = 3;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
