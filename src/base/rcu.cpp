#include "base/rcu.h"

namespace hostbpf::rcu::detail {

constinit thread_local urcu_reader* tls_reader = nullptr;

namespace {
// Unregisters the thread from liburcu when it exits.
struct ThreadRegistration {
  ThreadRegistration() { urcu_memb_register_thread(); }
  ~ThreadRegistration() { urcu_memb_unregister_thread(); }
};
}  // namespace

urcu_reader* register_slow() {
  static thread_local ThreadRegistration registration;
  (void)registration;
  tls_reader = &urcu_memb_reader;
  return tls_reader;
}

}  // namespace hostbpf::rcu::detail
