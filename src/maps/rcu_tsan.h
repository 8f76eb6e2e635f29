// ThreadSanitizer annotations for RCU.
//
// liburcu is not built with ThreadSanitizer, and its grace period rests on
// membarrier(2), so TSan sees none of the ordering RCU guarantees and reports
// every element freed (or reused) after a grace period as racing with the
// readers and writers that touched it before. These calls state the guarantees
// to TSan; they compile to nothing in other builds.
//
//  - handoff(obj) before rcu::call(), take(obj) first thing in the callback:
//    what the caller did before queuing happens before the callback.
//  - reader_exit() at the end of each read-side section and grace_period_over()
//    after rcu::synchronize() or at the start of an rcu::call() callback: every
//    read-side section that ended before happens before what follows. (Sections
//    still running then never saw the removed object, which is RCU's promise.)
//
// reader_exit() belongs in rcu::ReadLock's destructor (base/rcu.h); until it is
// there, tests call it through their own read-section wrapper.
#pragma once

#include "base/rcu.h"

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

namespace hostbpf::maps::rcu_tsan {

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

/// rcu::ReadLock that also tells TSan where the section ends; the maps' own
/// syscall-side reads use it.
class ReadSection {
 public:
  ReadSection() = default;
  ~ReadSection() { reader_exit(); }
  ReadSection(const ReadSection&) = delete;
  ReadSection& operator=(const ReadSection&) = delete;

 private:
  rcu::ReadLock lock_;
};

}  // namespace hostbpf::maps::rcu_tsan
