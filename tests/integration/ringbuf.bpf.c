// Ring buffer producer: bpf_ringbuf_output, reserve + submit, reserve +
// discard, a reservation larger than the ring, an odd-sized record, bad flags,
// and filling the ring until it refuses. The host consumes the records.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct event {
	__u32 seq;
	__u32 kind;
	__u64 payload;
};

enum { KIND_OUTPUT = 1, KIND_SUBMIT = 2, KIND_DISCARD = 3, KIND_FILL = 4 };

long rb_rc[6];
__u32 fill_count;
long fill_last_rc;

SEC("syscall")
int rb_produce(void *ctx)
{
	struct event e = {.seq = 1, .kind = KIND_OUTPUT, .payload = 0xabcdef};
	char odd[13] = "thirteen-byte";
	struct event *r;
	void *big;

	rb_rc[0] = bpf_ringbuf_output(&rb, &e, sizeof(e), 0);

	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r)
		return -1;
	r->seq = 2;
	r->kind = KIND_SUBMIT;
	r->payload = 0x1122334455667788ULL;
	bpf_ringbuf_submit(r, 0);

	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r)
		return -2;
	r->seq = 3;
	r->kind = KIND_DISCARD;
	r->payload = 0;
	bpf_ringbuf_discard(r, 0);  // never reaches the consumer

	big = bpf_ringbuf_reserve(&rb, 8192, 0);  // larger than the ring: NULL
	rb_rc[1] = big ? 1 : 0;
	if (big)
		bpf_ringbuf_discard(big, 0);

	rb_rc[2] = bpf_ringbuf_output(&rb, odd, sizeof(odd), BPF_RB_NO_WAKEUP);
	rb_rc[3] = bpf_ringbuf_output(&rb, &e, sizeof(e), 4);  // unknown flag: -EINVAL
	e.seq = 4;
	rb_rc[4] = bpf_ringbuf_output(&rb, &e, sizeof(e), BPF_RB_FORCE_WAKEUP);
	return 4;  // records the consumer should see
}

// 16-byte records take 24 bytes with the 8-byte header; a 4096-byte ring
// accepts records while the unconsumed span stays below its size: 170 fit.
SEC("syscall")
int rb_fill(void *ctx)
{
	struct event e = {.kind = KIND_FILL};
	long r = 0;
	__u32 n = 0;

	for (int i = 0; i < 200; i++) {
		e.seq = i;
		r = bpf_ringbuf_output(&rb, &e, sizeof(e), 0);
		if (r)
			break;
		n++;
	}
	fill_count = n;
	fill_last_rc = r;  // -EAGAIN once full
	return n;
}

char LICENSE[] SEC("license") = "GPL";
