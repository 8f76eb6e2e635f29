// A module that throws C++ exceptions out of its entry points, built three
// ways (tests/module/CMakeLists.txt):
//   throwmod          init adds and publishes a kfunc, then throws a
//                     std::runtime_error (so the load must remove what it did);
//   throwmod_unknown  init throws an int, which is no std::exception;
//   throwmod_exit     init succeeds; exit throws a std::logic_error.
#include <hostbpf/module.h>

#include <stdexcept>

namespace {

int64_t throwmod_answer() { return 7; }

int init(hostbpf::ModuleContext* ctx) {
  using namespace hostbpf;
  if (auto r = ctx->add("throwmod_answer", &throwmod_answer, 0, {ProgType::Syscall}); !r) return ctx->fail(r.error());
#if defined(THROWMOD_INIT_THROWS)
  if (Error e = ctx->publish()) return ctx->fail(e);
  throw std::runtime_error("throwmod: the widget pool is empty");
#elif defined(THROWMOD_INIT_THROWS_UNKNOWN)
  throw 42;
#else
  return 0;
#endif
}

#if defined(THROWMOD_EXIT_THROWS)
void exit_throwing() { throw std::logic_error("throwmod_exit: cannot say goodbye"); }
#define THROWMOD_EXIT exit_throwing
#else
#define THROWMOD_EXIT nullptr
#endif

}  // namespace

HOSTBPF_MODULE(init, THROWMOD_EXIT)
