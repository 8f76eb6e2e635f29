// One BTF-defined map of each kind the runtime knows, plus a prog array
// initialised with programs.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct val {
  __u64 a;
  __u32 b;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 128);
  __type(key, __u32);
  __type(value, struct val);
} hash_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __uint(key_size, 4);
  __uint(value_size, 24);
} array_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} percpu_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 16);
  __type(key, __u64);
  __type(value, __u64);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} percpu_hash_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 32);
  __type(key, __u32);
  __type(value, __u32);
  __uint(map_flags, BPF_F_NO_COMMON_LRU);
  __uint(pinning, 0);
} lru_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096 * 4);
} ring SEC(".maps");

struct {
  __uint(type, 999);  // unknown to everyone: passes through to map creation
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} odd_map SEC(".maps");

int tail_a(void *ctx);
int tail_b(void *ctx);

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __array(values, int(void *));
} jump_table SEC(".maps") = {
    .values = {[0] = (void *)&tail_a, [2] = (void *)&tail_b},
};

SEC("syscall") int tail_a(void *ctx) { return 1; }
SEC("syscall") int tail_b(void *ctx) { return 2; }

SEC("syscall") int use_maps(void *ctx) {
  __u32 k = 0;
  __u64 k64 = 0;
  struct val *v = bpf_map_lookup_elem(&hash_map, &k);
  long r = v ? v->a : 0;
  r += bpf_map_lookup_elem(&array_map, &k) != 0;
  r += bpf_map_lookup_elem(&percpu_map, &k) != 0;
  r += bpf_map_lookup_elem(&percpu_hash_map, &k64) != 0;
  r += bpf_map_lookup_elem(&lru_map, &k) != 0;
  r += bpf_map_lookup_elem(&odd_map, &k) != 0;
  r += bpf_ringbuf_query(&ring, 0);
  bpf_tail_call(ctx, &jump_table, 2);
  return r;
}

char LICENSE[] SEC("license") = "GPL";
