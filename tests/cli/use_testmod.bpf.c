// A program written against the header `hostbpf btf dump module testmod.so
// --format c` writes (included instead of vmlinux.h), calling testmod's kfuncs
// without declaring them: 20 * 2 + 0 live objects = 40.
#include "testmod.h"
#include <bpf/bpf_helpers.h>

SEC("syscall")
int use_testmod(void *ctx) {
  struct testmod_obj *o = testmod_obj_new(20);
  if (!o) return -1;
  long v = testmod_obj_value(o);
  testmod_obj_release(o);
  return testmod_scale(v, 2) + testmod_live_objs();
}

char LICENSE[] SEC("license") = "GPL";
