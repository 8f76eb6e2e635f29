// bpf_cpumask lifetime cost: 1000 x (create, release) in one run.
//
// One object for hostbpf and the kernel: the program never looks inside a
// mask, so an opaque struct of its own suffices. libbpf (and hostbpf, see
// src/btf/compat.h) match a kfunc's struct arguments by kind alone, and the
// verifier types the returned pointer from the target's BTF, not this one.
// (tests/kfunc/cpumask_common.h compiles twice, against the host header and
// vmlinux.h, because the selftests use struct cpumask's members.)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_params.h"
#include "kfunc_params.h"

struct bpf_cpumask {
  unsigned long long opaque;
};

struct bpf_cpumask* bpf_cpumask_create(void) __ksym;
void bpf_cpumask_release(struct bpf_cpumask* cpumask) __ksym;

// Returns how many masks were created (1000 unless an allocation failed).
SEC("syscall")
int cpumask_create_release(void* ctx) {
  int created = 0;
  BENCH_NO_UNROLL
  for (int i = 0; i < BENCH_CPUMASK_ITERS; i++) {
    struct bpf_cpumask* m = bpf_cpumask_create();
    if (m) {
      bpf_cpumask_release(m);
      created++;
    }
  }
  return created;
}

char LICENSE[] SEC("license") = "GPL";
