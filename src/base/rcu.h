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
// This thread's liburcu reader record, cached at registration (nullptr
// before). liburcu declares its record `thread_local` for C++, so reaching it
// directly costs a TLS-init check per access; constinit: see base/cpu.h.
extern constinit thread_local urcu_reader* tls_reader;
urcu_reader* register_slow();
}  // namespace detail

inline void ensure_registered() {
  if (!detail::tls_reader) detail::register_slow();
}

/// Scoped read-side critical section (nests).
///
/// liburcu-memb's read lock and unlock (urcu/static/urcu-memb.h), on the cached
/// record: the outermost section keeps the counter it stored, so leaving it is
/// a store rather than a load and a dependent store. That halves the cost of a
/// section, which every program run pays.
class ReadLock {
 public:
  ReadLock() : reader_(reader()) {
    const unsigned long tmp = reader_->ctr;
    if (caa_likely(!(tmp & URCU_GP_CTR_NEST_MASK))) {
      outer_ctr_ = CMM_LOAD_SHARED(urcu_memb_gp.ctr);  // always carries a nest count of one
      CMM_STORE_SHARED(reader_->ctr, outer_ctr_);
      urcu_memb_smp_mb_slave();
    } else {
      outer_ctr_ = 0;
      CMM_STORE_SHARED(reader_->ctr, tmp + URCU_GP_COUNT);
    }
  }
  ~ReadLock() {
    tsan::reader_exit();
    if (caa_likely(outer_ctr_ != 0)) {
      urcu_memb_smp_mb_slave();
      CMM_STORE_SHARED(reader_->ctr, outer_ctr_ - URCU_GP_COUNT);
      urcu_memb_smp_mb_slave();
      urcu_common_wake_up_gp(&urcu_memb_gp);
    } else {
      CMM_STORE_SHARED(reader_->ctr, reader_->ctr - URCU_GP_COUNT);
    }
  }
  ReadLock(const ReadLock&) = delete;
  ReadLock& operator=(const ReadLock&) = delete;

 private:
  static urcu_reader* reader() {
    urcu_reader* r = detail::tls_reader;
    return caa_likely(r != nullptr) ? r : detail::register_slow();
  }

  urcu_reader* const reader_;
  unsigned long outer_ctr_;  // what the outermost section stored; 0 when nested
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
