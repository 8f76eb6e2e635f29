// Test kfuncs registered into a Runtime through its internals (the public
// host-kfunc API is separate work): host BTF extended with the test types and
// FUNCs, one kfunc set per hook, addresses recorded (kallsyms).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "hostbpf/hostbpf.h"
#include "module/module.h"

namespace hostbpf::test {

struct TestOther {
  int64_t x;
};
struct TestObj {
  int64_t value;
  int64_t refs;
  TestOther* next;
};
struct TestWrapper {
  TestObj inner;
  int64_t extra;
};

/// Objects made by test_obj_new and not yet released.
extern std::atomic<int> g_live_objs;
/// The objects test_obj_global / test_wrapper_global / test_other_global return.
extern TestObj g_global_obj;

/// Registers the test kfuncs of test_kfuncs.h into `rt`.
void register_test_kfuncs(Runtime& rt);

/// A module "testmod" (split BTF over the host's) providing
/// `long test_mod_twice(long)` for SYSCALL programs, added to the runtime's
/// module table and kfunc registry; left COMING (call set_live()).
std::shared_ptr<module::Module> add_test_module(Runtime& rt);

}  // namespace hostbpf::test
