// The test kfuncs (kfunc_fixture.h).
#include "kfunc_fixture.h"

#include <gtest/gtest.h>
#include <linux/bpf.h>

#include "btf/builder.h"
#include "hostbpf/hostbpf.h"
#include "runtime/state.h"

namespace hostbpf::test {

std::atomic<int> g_live_objs{0};
TestObj g_global_obj{7, 1, nullptr};

namespace {

TestOther g_next_obj{11};
TestWrapper g_wrapper{{5, 1, nullptr}, 9};
TestOther g_other{3};

long test_add(long a, long b) { return a + b; }
int test_neg(int v) { return -v; }
TestObj* test_obj_new(long v) {
  g_live_objs++;
  return new TestObj{v, 1, nullptr};
}
void test_obj_release(TestObj* o) {
  if (--o->refs == 0) {
    delete o;
    g_live_objs--;
  }
}
TestObj* test_obj_acquire(TestObj* o) {
  o->refs++;
  return o;
}
long test_obj_get(TestObj* o) { return o->value; }
long test_obj_get_rcu(TestObj* o) { return o->value * 2; }
long test_obj_peek(TestObj* o) { return o ? o->value : -1; }
TestObj* test_obj_global() {
  g_global_obj.next = &g_next_obj;
  return &g_global_obj;
}
TestWrapper* test_wrapper_global() { return &g_wrapper; }
TestOther* test_other_global() { return &g_other; }
long test_sleepy() { return 100; }
long test_destructive() { return 200; }
long test_syscall_only() { return 300; }
long test_sum_mem(const unsigned char* buf, unsigned size) {
  long s = 0;
  for (unsigned i = 0; i < size; i++) s += buf[i];
  return s;
}
long test_const(long v) { return v + 1; }
long test_mod_twice(long v) { return 2 * v; }
long test_bad_acquire() { return 1; }
int g_int = 77;
int* test_int_ptr() { return &g_int; }
long test_nullable(TestObj* o) { return o ? o->value : -1; }
long test_sum_opt(const unsigned char* buf, unsigned size) { return buf ? test_sum_mem(buf, size) : -2; }
struct XdpMd {
  uint32_t data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};
long test_ctx(XdpMd* ctx) { return ctx ? 1000 : -1; }

constexpr std::initializer_list<ProgType> kHooks = {ProgType::Syscall, ProgType::Xdp};

}  // namespace

// Through the public Registrar, as a host would.
void register_test_kfuncs(Runtime& rt) {
  auto& k = rt.host();
  auto ok = [](const auto& r, const char* what) {
    if constexpr (requires { r.error(); }) {
      ASSERT_TRUE(r.ok()) << what << ": " << r.error().message();
    } else {
      ASSERT_FALSE(r) << what << ": " << r.message();
    }
  };
  ok(k.define<TestOther>("test_other", {{"x", &TestOther::x}}), "test_other");
  ok(k.define<TestObj>("test_obj", {{"value", &TestObj::value}, {"refs", &TestObj::refs}, {"next", &TestObj::next}}),
     "test_obj");
  ok(k.define<TestWrapper>("test_wrapper", {{"inner", &TestWrapper::inner}, {"extra", &TestWrapper::extra}}),
     "test_wrapper");
  ok(k.add("test_add", &test_add, 0, kHooks), "test_add");
  ok(k.add("test_neg", &test_neg, 0, kHooks), "test_neg");
  ok(k.add("test_obj_new", &test_obj_new, KF_ACQUIRE | KF_RET_NULL, kHooks), "test_obj_new");
  ok(k.add("test_obj_release", &test_obj_release, KF_RELEASE, kHooks), "test_obj_release");
  ok(k.add("test_obj_acquire", &test_obj_acquire, KF_ACQUIRE | KF_TRUSTED_ARGS, kHooks), "test_obj_acquire");
  ok(k.add("test_obj_get", &test_obj_get, KF_TRUSTED_ARGS, kHooks), "test_obj_get");
  ok(k.add("test_obj_get_rcu", &test_obj_get_rcu, KF_RCU, kHooks), "test_obj_get_rcu");
  ok(k.add("test_obj_peek", &test_obj_peek, 0, kHooks), "test_obj_peek");
  ok(k.add("test_obj_global", &test_obj_global, 0, kHooks), "test_obj_global");
  ok(k.add("test_wrapper_global", &test_wrapper_global, 0, kHooks), "test_wrapper_global");
  ok(k.add("test_other_global", &test_other_global, 0, kHooks), "test_other_global");
  ok(k.add("test_sleepy", &test_sleepy, KF_SLEEPABLE, kHooks), "test_sleepy");
  ok(k.add("test_destructive", &test_destructive, KF_DESTRUCTIVE, kHooks), "test_destructive");
  ok(k.add("test_syscall_only", &test_syscall_only, 0, {ProgType::Syscall}), "test_syscall_only");
  ok(k.add("test_sum_mem", &test_sum_mem, 0, kHooks, {"buf", "buf__sz"}), "test_sum_mem");
  ok(k.add("test_const", &test_const, 0, kHooks, {"v__k"}), "test_const");
  ok(k.add("test_bad_acquire", &test_bad_acquire, KF_ACQUIRE, kHooks), "test_bad_acquire");
  ok(k.add("test_int_ptr", &test_int_ptr, 0, kHooks), "test_int_ptr");
  ok(k.add("test_nullable", &test_nullable, KF_TRUSTED_ARGS, kHooks, {"o__nullable"}), "test_nullable");
  ok(k.add("test_sum_opt", &test_sum_opt, 0, kHooks, {"buf__opt", "size__sz"}), "test_sum_opt");
  ok(k.bind<XdpMd>("xdp_md"), "xdp_md");
  ok(k.add("test_ctx", &test_ctx, 0, {ProgType::Xdp}), "test_ctx");
}

// A module's split BTF, put in place without a shared object (the way
// Modules::load would after the module's init): `long test_mod_twice(long)`.
std::shared_ptr<module::Module> add_test_module(Runtime& rt) {
  auto& st = *detail::Access::state(rt);
  btf::BtfBuilder b(st.host.btf);
  const uint32_t s64 = b.int_type("long int", 8, true);
  const uint32_t fn = b.func("test_mod_twice", b.func_proto(s64, {{"v", s64}}));
  auto btf = b.finish();
  EXPECT_TRUE(btf.ok());
  auto m = std::make_shared<module::Module>("testmod", btf.ok() ? *btf : nullptr);
  st.kfuncs.add_owner(m->owner());
  kfunc::KfuncIdSet set;
  set.set.push_back({fn, 0});
  EXPECT_FALSE(st.kfuncs.register_kfunc_id_set(m->owner(), ProgType::Syscall, set));
  EXPECT_FALSE(st.kfuncs.set_address(m->owner(), fn, reinterpret_cast<const void*>(&test_mod_twice)));
  st.modules.publish(m);
  return m;
}

}  // namespace hostbpf::test
