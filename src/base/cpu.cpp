#include "base/cpu.h"

#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>

namespace hostbpf {

namespace {

uint32_t compute_possible_cpus() {
  if (const char* env = std::getenv("HOSTBPF_POSSIBLE_CPUS")) {
    char* end = nullptr;
    unsigned long n = std::strtoul(env, &end, 10);
    if (end != env && *end == '\0' && n >= 1 && n <= 4096) return static_cast<uint32_t>(n);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 64 ? hw : 64;
}

// One flag per slot; a slot belongs to at most one live thread.
struct SlotTable {
  uint32_t count = compute_possible_cpus();
  std::unique_ptr<std::atomic<bool>[]> taken{new std::atomic<bool>[count]()};
};

SlotTable& slots() {
  static SlotTable* table = new SlotTable;  // never destroyed: threads may exit after main
  return *table;
}

// Gives the slot back when the owning thread exits.
struct SlotReleaser {
  ~SlotReleaser() {
    if (detail::tls_cpu != kNoCpu) slots().taken[detail::tls_cpu].store(false, std::memory_order_release);
    detail::tls_cpu = kNoCpu;
  }
};

}  // namespace

namespace detail {
constinit thread_local uint32_t tls_cpu = kNoCpu;

uint32_t claim_cpu_slow() {
  static thread_local SlotReleaser releaser;
  (void)releaser;
  SlotTable& t = slots();
  for (uint32_t i = 0; i < t.count; i++) {
    bool expected = false;
    if (!t.taken[i].load(std::memory_order_relaxed) &&
        t.taken[i].compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      tls_cpu = i;
      return i;
    }
  }
  return kNoCpu;
}
}  // namespace detail

uint32_t possible_cpus() { return slots().count; }

}  // namespace hostbpf
