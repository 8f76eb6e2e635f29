// hostbpf — kfunc flags: the kernel's KF_* bits (include/linux/btf.h), with
// the kernel's values, so a kfunc set written for the kernel reads the same
// here. The one definition: the runtime's kfunc layer uses these too.
#pragma once

#include <cstdint>

namespace hostbpf {

enum KfuncFlags : uint32_t {
  KF_ACQUIRE = 1u << 0,       // returns a new reference (a pointer to a struct) the program must release
  KF_RELEASE = 1u << 1,       // releases the reference passed to it
  KF_RET_NULL = 1u << 2,      // may return NULL: the program must check before use
  KF_TRUSTED_ARGS = 1u << 4,  // pointer arguments must be trusted (referenced or passed in as trusted)
  KF_SLEEPABLE = 1u << 5,     // only sleepable programs may call it
  KF_DESTRUCTIVE = 1u << 6,   // may change the host's state destructively; refused unless allowed
  KF_RCU = 1u << 7,           // arguments may be RCU-protected pointers
  KF_ITER_NEW = 1u << 8,      // open-coded iterators: registration checks the kernel's rules;
                              // the verifier does not model iterator state yet
  KF_ITER_NEXT = 1u << 9,
  KF_ITER_DESTROY = 1u << 10,
  KF_RCU_PROTECTED = 1u << 11,  // callable only inside an RCU read-side section
  KF_FASTCALL = 1u << 12,       // the kernel's bpf_fastcall contract (accepted, no effect here)
};

}  // namespace hostbpf
