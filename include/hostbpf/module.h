// hostbpf — writing a provider module.
//
// A module is a shared object that adds kfuncs (and the types they use) to a
// host's runtime, the way a kernel module adds kfuncs to the kernel. It has
// one entry point, which receives a ModuleContext; an exit function is
// optional. Build it with -fvisibility=hidden: it needs no symbol from the
// host executable (every call goes through the context's virtual functions),
// and only the entry points are exported.
//
//   #include <hostbpf/module.h>
//   struct Counter { uint64_t value; };
//   static Counter* counter_new(uint64_t start) { ... }
//   static void counter_free(Counter* c) { ... }
//
//   static int init(hostbpf::ModuleContext* ctx) {
//     using namespace hostbpf;
//     if (auto r = ctx->define<Counter>("counter", {{"value", &Counter::value}}); !r) return ctx->fail(r.error());
//     if (auto r = ctx->add("counter_new", &counter_new, KF_ACQUIRE | KF_RET_NULL, {ProgType::Syscall}, {"start"}); !r)
//       return ctx->fail(r.error());
//     ...
//     return 0;
//   }
//   HOSTBPF_MODULE(init, nullptr)
//
// A module registers struct_ops types the same way the host does
// (ctx->add_struct_ops, see hostbpf/struct_ops.h) during init; they live in
// its split BTF and go when it is unloaded, or when its init fails.
//
// Lifecycle. The module is COMING while init runs. Its types and kfuncs go
// into split BTF over the host's; ctx->publish() (or init returning 0)
// publishes that BTF and registers the kfunc sets that add() collected, one
// set per program type's hook, as a kernel module registers each hook once.
// After publish() nothing more can be described (-EBUSY), but register_set()
// may add sets for hooks not yet registered. Programs see the module's kfuncs
// from publish() on, and fail to load with -ENXIO until init has returned 0
// (LIVE). When init returns non-zero the module goes GOING: everything it
// registered is removed and it is unloaded; the load fails with init's error
// and the message given to ctx->fail(). An exception escaping init is
// handled the same way, with its what() as the message; one escaping exit is
// reported by Modules::unload, which unloads the module all the same.
#pragma once

#include <string>
#include <string_view>

#include "hostbpf/error.h"
#include "hostbpf/registrar.h"

namespace hostbpf {

/// Bumped when ModuleContext's virtual interface changes; a module built
/// against another version is refused.
constexpr int kModuleAbiVersion = 2;  // 2: Registrar::register_struct_ops

class ModuleContext : public Registrar {
 public:
  /// The module's name (its file name without directories and ".so").
  virtual const std::string& name() const = 0;
  /// Publishes the module's BTF and registers the sets add() collected (see
  /// above). Called by the runtime when init returns 0 if init did not.
  virtual Error publish() = 0;
  /// Records why init failed, for the load's error, and returns its code
  /// (negative errno) for init to return: `return ctx->fail(-EINVAL, "...")`.
  virtual int fail(int code, std::string_view message) = 0;
  int fail(const Error& e) { return fail(e.code() ? e.code() : -EINVAL, e.message()); }

 protected:
  ModuleContext() = default;
  ~ModuleContext() = default;
};

/// The entry points a module exports (HOSTBPF_MODULE defines them).
using ModuleInitFn = int (*)(ModuleContext* ctx);
using ModuleExitFn = void (*)();

}  // namespace hostbpf

/// Exports a module's entry points: `init` (required) runs at load,
/// `exit` (or nullptr) at unload after the module has gone GOING.
#define HOSTBPF_MODULE(init, exit)                                                                        \
  extern "C" __attribute__((visibility("default"))) const int hostbpf_module_abi = hostbpf::kModuleAbiVersion; \
  extern "C" __attribute__((visibility("default"))) int hostbpf_module_init(hostbpf::ModuleContext* ctx) {   \
    return (init)(ctx);                                                                                    \
  }                                                                                                        \
  extern "C" __attribute__((visibility("default"))) void hostbpf_module_exit() {                            \
    hostbpf::ModuleExitFn fn = (exit);                                                                     \
    if (fn) fn();                                                                                          \
  }
