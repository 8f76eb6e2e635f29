// The kernel's bpf_dummy_ops (net/bpf/bpf_dummy_struct_ops.c), registered in
// every runtime: a struct_ops type that exists to be test-run. Its programs
// run through BPF_PROG_TEST_RUN, never through a map: its reg refuses every
// registration with -EOPNOTSUPP, as the kernel's does.
//
//   struct bpf_dummy_ops_state { int val; };
//   struct bpf_dummy_ops {
//     int (*test_1)(struct bpf_dummy_ops_state *cb);            // cb__nullable
//     int (*test_2)(struct bpf_dummy_ops_state *cb, int a1, unsigned short a2,
//                   char a3, unsigned long a4);
//     int (*test_sleepable)(struct bpf_dummy_ops_state *cb);   // may sleep
//   };
//
// check_member refuses a sleepable program for any member but test_sleepable.
#pragma once

#include <cstdint>

#include "hostbpf/registrar.h"

namespace hostbpf::struct_ops {

struct BpfDummyOpsState {
  int32_t val;
};

struct BpfDummyOps {
  int32_t (*test_1)(BpfDummyOpsState* cb);
  int32_t (*test_2)(BpfDummyOpsState* cb, int32_t a1, uint16_t a2, char a3, unsigned long a4);
  int32_t (*test_sleepable)(BpfDummyOpsState* cb);
};

/// Describes bpf_dummy_ops_state and bpf_dummy_ops into `r` and registers
/// the type.
Error register_bpf_dummy_ops(Registrar& r);

}  // namespace hostbpf::struct_ops
