#include "base/rcu.h"

namespace hostbpf::rcu::detail {

thread_local bool tls_registered = false;

void ensure_registered_slow() {
  // The registration object unregisters the thread from liburcu when it exits.
  static thread_local ThreadRegistration registration;
  (void)registration;
  tls_registered = true;
}

}  // namespace hostbpf::rcu::detail
