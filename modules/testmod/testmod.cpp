// testmod: the kernel's bpf_testmod for hostbpf. A provider module whose
// kfuncs exercise every flag and argument rule the verifier enforces, on the
// module's own refcounted object type (struct testmod_obj) with a destructor.
//
//   acquire / ret_null   testmod_obj_new(value)            KF_ACQUIRE | KF_RET_NULL
//   acquire / trusted    testmod_obj_acquire(obj)          KF_ACQUIRE | KF_TRUSTED_ARGS
//   release (+ dtor)     testmod_obj_release(obj)          KF_RELEASE
//   trusted args         testmod_obj_value(obj)            KF_TRUSTED_ARGS
//   rcu                  testmod_obj_value_rcu(obj)        KF_RCU
//   __nullable           testmod_obj_value_or(obj__nullable, dflt)
//   __sz                 testmod_sum(mem, mem__sz)
//   __k                  testmod_scale(v, factor__k)
//   sleepable            testmod_sleep(usec)               KF_SLEEPABLE
//   destructive          testmod_destructive(code)         KF_DESTRUCTIVE
//   plain                testmod_live_objs()
//
// All are callable from syscall and tracing programs.
#include <hostbpf/module.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace {

struct TestmodObj {
  int64_t value;
  int32_t refs;  // atomic through __atomic builtins (BTF describes a plain int)
  int32_t id;
};

int64_t g_live_objs = 0;       // objects not yet freed (atomic)
int32_t g_next_id = 0;         // atomic
int32_t g_destructive_code = 0;  // what the last destructive call asked for

TestmodObj* testmod_obj_new(int64_t value) {
  auto* o = static_cast<TestmodObj*>(std::malloc(sizeof(TestmodObj)));
  if (!o) return nullptr;
  o->value = value;
  o->refs = 1;
  o->id = __atomic_add_fetch(&g_next_id, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&g_live_objs, 1, __ATOMIC_RELAXED);
  return o;
}

TestmodObj* testmod_obj_acquire(TestmodObj* o) {
  __atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
  return o;
}

void testmod_obj_release(TestmodObj* o) {
  if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
  std::free(o);
  __atomic_sub_fetch(&g_live_objs, 1, __ATOMIC_RELAXED);
}

int64_t testmod_obj_value(TestmodObj* o) { return o->value; }

int64_t testmod_obj_value_rcu(TestmodObj* o) { return __atomic_load_n(&o->value, __ATOMIC_RELAXED); }

int64_t testmod_obj_value_or(TestmodObj* o, int64_t dflt) { return o ? o->value : dflt; }

int32_t testmod_sum(const int32_t* mem, uint32_t size) {
  int32_t sum = 0;
  for (uint32_t i = 0; i < size / sizeof(int32_t); i++) sum += mem[i];
  return sum;
}

int64_t testmod_scale(int64_t v, int32_t factor) { return v * factor; }

int32_t testmod_sleep(uint32_t usec) { return ::usleep(usec); }

// Stands in for a kfunc that changes the host destructively (the kernel's
// bpf_testmod has one that panics); it only records the request.
void testmod_destructive(int32_t code) { __atomic_store_n(&g_destructive_code, code, __ATOMIC_RELAXED); }

int64_t testmod_live_objs() { return __atomic_load_n(&g_live_objs, __ATOMIC_RELAXED); }

int init(hostbpf::ModuleContext* ctx) {
  using namespace hostbpf;
  const std::initializer_list<ProgType> progs = {ProgType::Syscall, ProgType::Tracing};
  if (auto r = ctx->define<TestmodObj>("testmod_obj", {{"value", &TestmodObj::value},
                                                       {"refs", &TestmodObj::refs},
                                                       {"id", &TestmodObj::id}});
      !r)
    return ctx->fail(r.error());
  // Every definition is attempted; the first error is the one reported.
  for (const Result<uint32_t>& r : {
           ctx->add("testmod_obj_new", &testmod_obj_new, KF_ACQUIRE | KF_RET_NULL, progs, {"value"}),
           ctx->add("testmod_obj_acquire", &testmod_obj_acquire, KF_ACQUIRE | KF_TRUSTED_ARGS, progs, {"obj"}),
           ctx->add("testmod_obj_release", &testmod_obj_release, KF_RELEASE, progs, {"obj"}),
           ctx->add("testmod_obj_value", &testmod_obj_value, KF_TRUSTED_ARGS, progs, {"obj"}),
           ctx->add("testmod_obj_value_rcu", &testmod_obj_value_rcu, KF_RCU, progs, {"obj"}),
           ctx->add("testmod_obj_value_or", &testmod_obj_value_or, 0, progs, {"obj__nullable", "dflt"}),
           ctx->add("testmod_sum", &testmod_sum, 0, progs, {"mem", "mem__sz"}),
           ctx->add("testmod_scale", &testmod_scale, 0, progs, {"v", "factor__k"}),
           ctx->add("testmod_sleep", &testmod_sleep, KF_SLEEPABLE, progs, {"usec"}),
           ctx->add("testmod_destructive", &testmod_destructive, KF_DESTRUCTIVE, progs, {"code"}),
           ctx->add("testmod_live_objs", &testmod_live_objs, 0, progs),
       }) {
    if (!r) return ctx->fail(r.error());
  }
  if (Error e = ctx->add_dtor<TestmodObj>("testmod_obj_release")) return ctx->fail(e);
  return 0;
}

}  // namespace

HOSTBPF_MODULE(init, nullptr)
