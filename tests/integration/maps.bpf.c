// Every map type the foundation supports, driven from programs: update flags
// (BPF_ANY/NOEXIST/EXIST) and the errors they return, deletes, lookups that
// miss, a full map, and per-CPU values. Each program leaves the return code of
// every step in a .bss array that the host compares with the kernel's.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define KV_MAP(name, map_type, entries, flags) \
	struct {                                   \
		__uint(type, map_type);                \
		__uint(max_entries, entries);          \
		__uint(map_flags, flags);              \
		__type(key, __u32);                    \
		__type(value, __u64);                  \
	} name SEC(".maps")

KV_MAP(arr, BPF_MAP_TYPE_ARRAY, 4, 0);
KV_MAP(pcpu_arr, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 0);
KV_MAP(hash, BPF_MAP_TYPE_HASH, 4, 0);
KV_MAP(hash_np, BPF_MAP_TYPE_HASH, 4, BPF_F_NO_PREALLOC);
KV_MAP(pcpu_hash, BPF_MAP_TYPE_PERCPU_HASH, 4, 0);
KV_MAP(lru, BPF_MAP_TYPE_LRU_HASH, 8, 0);
KV_MAP(lru_pcpu, BPF_MAP_TYPE_LRU_PERCPU_HASH, 8, 0);

long arr_rc[10];
long pcpu_arr_rc[8];
long hash_rc[16];
long hash_np_rc[16];
long pcpu_hash_rc[16];
long lru_rc[4];
long lru_pcpu_rc[4];
__u32 run_cpu;  // CPU the last program ran on, to find its per-CPU slot

static __always_inline long upd(void *map, __u32 k, __u64 v, __u64 flags)
{
	return bpf_map_update_elem(map, &k, &v, flags);
}

static __always_inline long del(void *map, __u32 k)
{
	return bpf_map_delete_elem(map, &k);
}

// The same sequence for every hash flavour (max_entries 4).
static __always_inline long exercise_hash(void *map, long *rc)
{
	__u64 *p;
	__u32 k;

	rc[0] = upd(map, 1, 100, BPF_NOEXIST);  // 0
	rc[1] = upd(map, 1, 100, BPF_NOEXIST);  // -EEXIST
	rc[2] = upd(map, 2, 100, BPF_EXIST);    // -ENOENT
	rc[3] = upd(map, 1, 101, BPF_EXIST);    // 0
	rc[4] = upd(map, 2, 200, BPF_ANY);
	rc[5] = upd(map, 3, 300, BPF_ANY);
	rc[6] = upd(map, 4, 400, BPF_ANY);
	rc[7] = upd(map, 5, 500, BPF_ANY);      // full: -E2BIG
	rc[8] = upd(map, 1, 111, BPF_ANY);      // replacing in a full map works
	rc[9] = del(map, 3);                    // 0
	rc[10] = del(map, 3);                   // -ENOENT
	rc[11] = upd(map, 5, 500, BPF_NOEXIST); // room again: 0
	k = 1;
	p = bpf_map_lookup_elem(map, &k);
	rc[12] = p ? (long)(*p += 1) : -1;      // 112
	k = 3;
	p = bpf_map_lookup_elem(map, &k);
	rc[13] = p ? (long)*p : -1;             // deleted: -1
	rc[14] = upd(map, 1, 7, BPF_F_LOCK);    // no spin lock in the value: -EINVAL
	rc[15] = upd(map, 1, 7, 3);             // unknown flags: -EINVAL
	return rc[12];
}

SEC("syscall")
int maps_hash(void *ctx)
{
	return exercise_hash(&hash, hash_rc);
}

SEC("syscall")
int maps_hash_noprealloc(void *ctx)
{
	return exercise_hash(&hash_np, hash_np_rc);
}

SEC("syscall")
int maps_percpu_hash(void *ctx)
{
	run_cpu = bpf_get_smp_processor_id();
	return exercise_hash(&pcpu_hash, pcpu_hash_rc);
}

// The host stores arr[1] = 0x77 before the run.
SEC("syscall")
int maps_array(void *ctx)
{
	__u64 *p;
	__u32 k;

	arr_rc[0] = upd(&arr, 0, 5, BPF_ANY);      // 0
	arr_rc[1] = upd(&arr, 0, 5, BPF_NOEXIST);  // elements always exist: -EEXIST
	arr_rc[2] = upd(&arr, 0, 6, BPF_EXIST);    // 0
	arr_rc[3] = upd(&arr, 4, 1, BPF_ANY);      // out of range: -E2BIG
	arr_rc[4] = del(&arr, 0);                  // arrays cannot delete: -EINVAL
	k = 4;
	arr_rc[5] = bpf_map_lookup_elem(&arr, &k) ? 1 : 0;
	k = 1;
	p = bpf_map_lookup_elem(&arr, &k);
	if (p) {
		arr_rc[6] = *p;
		*p *= 2;                               // visible to the host as 0xee
	}
	k = 3;
	p = bpf_map_lookup_elem(&arr, &k);
	arr_rc[7] = p ? (long)*p : -1;             // zero-initialised: 0
	arr_rc[8] = upd(&arr, 2, 1, BPF_F_LOCK);   // -EINVAL
	arr_rc[9] = upd(&arr, 2, 1, 3);            // -EINVAL
	return arr_rc[6];
}

// The host stores pcpu_arr[1] = cpu * 10 + 7 for every CPU before the run.
SEC("syscall")
int maps_percpu_array(void *ctx)
{
	__u64 *p;
	__u32 k = 0;

	run_cpu = bpf_get_smp_processor_id();
	p = bpf_map_lookup_elem(&pcpu_arr, &k);
	if (p)
		*p += 3;                               // this CPU's slot only
	k = 1;
	p = bpf_map_lookup_elem(&pcpu_arr, &k);
	pcpu_arr_rc[0] = p ? (long)*p : -1;        // run_cpu * 10 + 7
	pcpu_arr_rc[1] = upd(&pcpu_arr, 2, 9, BPF_ANY);      // 0, this CPU only
	pcpu_arr_rc[2] = del(&pcpu_arr, 2);                  // -EINVAL
	pcpu_arr_rc[3] = upd(&pcpu_arr, 4, 9, BPF_ANY);      // -E2BIG
	pcpu_arr_rc[4] = upd(&pcpu_arr, 2, 9, BPF_NOEXIST);  // -EEXIST
	return pcpu_arr_rc[0];
}

// Twice as many keys as entries: every insert succeeds by evicting.
static __always_inline long exercise_lru(void *map, long *rc)
{
	__u64 *p;
	__u32 k;
	long worst = 0;

	for (__u32 i = 0; i < 16; i++) {
		long r = upd(map, i, 1000 + i, BPF_ANY);
		if (r < worst)
			worst = r;
	}
	rc[0] = worst;                        // 0
	rc[1] = upd(map, 15, 1, BPF_NOEXIST); // -EEXIST
	k = 15;
	p = bpf_map_lookup_elem(map, &k);
	rc[2] = p ? (long)*p : -1;            // the newest key survives: 1015
	rc[3] = del(map, 15);                 // 0
	return rc[2];
}

SEC("syscall")
int maps_lru(void *ctx)
{
	return exercise_lru(&lru, lru_rc);
}

SEC("syscall")
int maps_lru_percpu(void *ctx)
{
	run_cpu = bpf_get_smp_processor_id();
	return exercise_lru(&lru_pcpu, lru_pcpu_rc);
}

char LICENSE[] SEC("license") = "GPL";
