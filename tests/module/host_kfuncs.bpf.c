// Calls kfuncs the host registered through Runtime::host() (host_kfuncs_test).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct session;
extern struct session *session_acquire(unsigned long id) __ksym;
extern void session_release(struct session *s) __ksym;
extern int session_sum(const struct session *s, int scale__k) __ksym;

SEC("syscall")
int use_session(void *ctx) {
  struct session *s = session_acquire(21);
  if (!s) return -1;
  int r = session_sum(s, 2);
  session_release(s);
  return r;
}

// The verifier enforces the flags given at registration: KF_ACQUIRE means the
// reference must be released.
SEC("?syscall")
int leak_session(void *ctx) {
  struct session *s = session_acquire(1);
  return s ? 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
