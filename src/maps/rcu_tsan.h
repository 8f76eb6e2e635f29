// The maps' names for the RCU ThreadSanitizer annotations, which live with RCU
// itself in base/rcu.h (see there for what each states).
#pragma once

#include "base/rcu.h"

namespace hostbpf::maps::rcu_tsan {

using rcu::tsan::grace_period_over;
using rcu::tsan::handoff;
using rcu::tsan::reader_exit;
using rcu::tsan::take;

/// A read-side section; rcu::ReadLock already tells TSan where it ends.
using ReadSection = rcu::ReadLock;

}  // namespace hostbpf::maps::rcu_tsan
