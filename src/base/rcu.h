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

#if defined(__SANITIZE_THREAD__)
#define HOSTBPF_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HOSTBPF_TSAN 1
#endif
#endif

#ifdef HOSTBPF_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace hostbpf::rcu {

// ThreadSanitizer annotations. liburcu is not built with TSan and its grace
// period rests on membarrier(2), so TSan sees none of the ordering RCU
// guarantees. These state it; they compile to nothing in other builds.
//  - handoff(obj) before call(), take(obj) first thing in the callback: what the
//    caller did before queuing happens before the callback.
//  - reader_exit() ends each read-side section (ReadLock does it) and
//    grace_period_over() follows synchronize() and starts each call() callback:
//    every section that ended before happens before what follows. (Sections
//    still running never saw the removed object, which is RCU's promise.)
namespace tsan {
#ifdef HOSTBPF_TSAN
inline char grace_period_marker;  // one synchronisation object for all sections
inline void handoff(const void* obj) { __tsan_release(const_cast<void*>(obj)); }
inline void take(const void* obj) { __tsan_acquire(const_cast<void*>(obj)); }
inline void reader_exit() { __tsan_release(&grace_period_marker); }
inline void grace_period_over() { __tsan_acquire(&grace_period_marker); }
#else
inline void handoff(const void*) {}
inline void take(const void*) {}
inline void reader_exit() {}
inline void grace_period_over() {}
#endif
}  // namespace tsan

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
  ~ReadLock() {
    tsan::reader_exit();
    urcu_memb_read_unlock();
  }
  ReadLock(const ReadLock&) = delete;
  ReadLock& operator=(const ReadLock&) = delete;
};

/// Waits until every reader that might see old data has finished.
inline void synchronize() {
  urcu_memb_synchronize_rcu();
  tsan::grace_period_over();
}

/// Runs `fn(head)` after a grace period, on liburcu's call_rcu worker thread.
inline void call(struct rcu_head* head, void (*fn)(struct rcu_head*)) {
  ensure_registered();
  urcu_memb_call_rcu(head, fn);
}

/// Waits for every pending call() to have run (teardown).
inline void barrier() { urcu_memb_barrier(); }

}  // namespace hostbpf::rcu
