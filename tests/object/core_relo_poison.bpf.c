// CO-RE failures that poison instructions: a field the host's struct foo does
// not have, and a field whose size changed from a signed int to long long (a
// load of the wrong size). Reached, each fails verification at the poisoned
// call; the programs are opted out of autoload so the test loads them one at
// a time.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct foo {
  int missing;
} __attribute__((preserve_access_index));

struct foo___v2 {
  int newer;
} __attribute__((preserve_access_index));

enum color { PURPLE = 3 };

long long blob[4];

SEC("?syscall") int missing_field(void *ctx) { return ((struct foo *)blob)->missing; }

SEC("?syscall") int wrong_size(void *ctx) { return ((struct foo___v2 *)blob)->newer; }

SEC("?syscall") int missing_enum(void *ctx) { return bpf_core_enum_value(enum color, PURPLE); }

SEC("?syscall") int unreached(void *ctx) {
  if (bpf_core_field_exists(((struct foo *)blob)->missing)) return ((struct foo *)blob)->missing;
  return 7;
}

char LICENSE[] SEC("license") = "GPL";
