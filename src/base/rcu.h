// RCU, from liburcu's membarrier flavour (urcu-memb): readers pay a thread-local
// increment, writers wait with synchronize_rcu() or defer with call_rcu().
//
// Every thread that reads must be registered with liburcu; rcu::ReadLock does it
// lazily on a thread's first use and unregisters at thread exit, so callers never
// think about it. A program run is one read-side critical section, as in the
// kernel, so map lookups from helpers need no lock of their own.
#pragma once

#define _LGPL_SOURCE 1  // inline the read-side fast paths
#include <urcu/urcu-memb.h>

namespace hostbpf::rcu {

namespace detail {
struct ThreadRegistration {
  ThreadRegistration() { urcu_memb_register_thread(); }
  ~ThreadRegistration() { urcu_memb_unregister_thread(); }
};
void ensure_registered_slow();
extern thread_local bool tls_registered;
}  // namespace detail

inline void ensure_registered() {
  if (!detail::tls_registered) detail::ensure_registered_slow();
}

/// Scoped read-side critical section (nests).
class ReadLock {
 public:
  ReadLock() {
    ensure_registered();
    urcu_memb_read_lock();
  }
  ~ReadLock() { urcu_memb_read_unlock(); }
  ReadLock(const ReadLock&) = delete;
  ReadLock& operator=(const ReadLock&) = delete;
};

/// Waits until every reader that might see old data has finished.
inline void synchronize() { urcu_memb_synchronize_rcu(); }

/// Runs `fn(head)` after a grace period, on liburcu's call_rcu worker thread.
inline void call(struct rcu_head* head, void (*fn)(struct rcu_head*)) {
  ensure_registered();
  urcu_memb_call_rcu(head, fn);
}

/// Waits for every pending call() to have run (teardown).
inline void barrier() { urcu_memb_barrier(); }

}  // namespace hostbpf::rcu
