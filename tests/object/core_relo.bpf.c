// CO-RE: compiled against local type definitions whose layouts differ from
// the host BTF the test builds (core_relo_test.cpp, HostTypes). Each program
// returns what the relocations made of its reads and queries.
//
// The host's layout of the same types (what the test describes):
//   struct foo { long long extra; int b; int a; unsigned pad:3, mode:6;
//                long long newer; }                              (32 bytes)
//   struct pair { int y; int x; long z; }
//   enum color { BLUE = 10, RED = 20, GREEN = 30 }
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct foo {
  int a;
  int b;
  unsigned int mode : 4;
  int missing;  // not in the host's struct foo
} __attribute__((preserve_access_index));

// A flavor: relocated against the host's struct foo.
struct foo___v2 {
  int b;
  int newer;  // long long in the host's
} __attribute__((preserve_access_index));

struct pair {
  int x;
  int y;
} __attribute__((preserve_access_index));

struct absent_type {
  int x;
};

enum color { RED, GREEN, BLUE, PURPLE };

// The host's layout, as bytes a program can read: global data is a map value,
// so relocated offsets from a pointer into it are checked by the verifier.
struct host_foo {
  long long extra;
  int b;
  int a;
  unsigned int pad : 3, mode : 6;
  long long newer;
} blob = {.extra = 1, .b = 7, .a = 5, .pad = 2, .mode = 45, .newer = -3};

static struct foo *the_foo(void) { return (struct foo *)&blob; }

SEC("syscall") int read_fields(void *ctx) {
  struct foo *f = the_foo();
  return f->a * 1000 + f->b;
}

SEC("syscall") int read_flavor(void *ctx) {
  struct foo___v2 *f = (struct foo___v2 *)&blob;
  return f->b;
}

SEC("syscall") int field_exists(void *ctx) {
  struct foo *f = the_foo();
  struct foo___v2 *g = (struct foo___v2 *)&blob;
  return bpf_core_field_exists(f->a) | bpf_core_field_exists(f->missing) << 1 |
         bpf_core_field_exists(g->newer) << 2;
}

SEC("syscall") int field_size(void *ctx) {
  struct foo___v2 *g = (struct foo___v2 *)&blob;
  return bpf_core_field_size(g->newer) * 100 + bpf_core_field_size(g->b);
}

SEC("syscall") int field_offset(void *ctx) {
  struct foo *f = the_foo();
  return bpf_core_field_offset(f->a) * 100 + bpf_core_field_offset(f->b);
}

SEC("syscall") int guarded_missing(void *ctx) {
  struct foo *f = the_foo();
  if (bpf_core_field_exists(f->missing)) return f->missing;
  return 42;
}

SEC("syscall") int bitfield(void *ctx) {
  struct foo *f = the_foo();
  return BPF_CORE_READ_BITFIELD(f, mode);
}

SEC("syscall") int types(void *ctx) {
  return bpf_core_type_exists(struct foo) | bpf_core_type_exists(struct absent_type) << 1 |
         bpf_core_type_size(struct foo) << 8 | bpf_core_type_size(struct absent_type) << 16;
}

SEC("syscall") int type_matches(void *ctx) {
  return bpf_core_type_matches(struct pair) | bpf_core_type_matches(struct foo) << 1;
}

SEC("syscall") long type_ids(void *ctx) {
  return bpf_core_type_id_kernel(struct foo) << 32 | bpf_core_type_id_local(struct foo);
}

SEC("syscall") int type_id_absent(void *ctx) { return bpf_core_type_id_kernel(struct absent_type); }

SEC("syscall") int enums(void *ctx) {
  return bpf_core_enum_value(enum color, GREEN) + bpf_core_enum_value_exists(enum color, BLUE) * 100 +
         bpf_core_enum_value_exists(enum color, PURPLE) * 1000;
}

char LICENSE[] SEC("license") = "GPL";
