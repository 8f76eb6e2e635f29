// The test kfuncs (kfunc_fixture.h).
#include "kfunc_fixture.h"

#include <gtest/gtest.h>
#include <linux/bpf.h>

#include "btf/builder.h"
#include "kfunc/kfunc_defs.h"
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

void register_test_kfuncs(Runtime& rt) {
  auto& st = *detail::Access::state(rt);
  btf::BtfBuilder b(std::const_pointer_cast<btf::Btf>(st.host.btf));
  const uint32_t s64 = b.int_type("long int", 8, true);
  const uint32_t other = b.struct_type("test_other", sizeof(TestOther), {{"x", s64, 0}});
  b.bind<TestOther>(other);
  const uint32_t obj = b.struct_type("test_obj", sizeof(TestObj),
                                     {{"value", s64, 0}, {"refs", s64, 64}, {"next", b.pointer(other), 128}});
  b.bind<TestObj>(obj);
  b.bind<TestWrapper>(b.struct_type("test_wrapper", sizeof(TestWrapper), {{"inner", obj, 0}, {"extra", s64, 192}}));
  kfunc::KfuncDefs defs;
  defs.add(b, "test_add", &test_add, 0, kHooks);
  defs.add(b, "test_neg", &test_neg, 0, kHooks);
  defs.add(b, "test_obj_new", &test_obj_new, kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL, kHooks);
  defs.add(b, "test_obj_release", &test_obj_release, kfunc::KF_RELEASE, kHooks);
  defs.add(b, "test_obj_acquire", &test_obj_acquire, kfunc::KF_ACQUIRE | kfunc::KF_TRUSTED_ARGS, kHooks);
  defs.add(b, "test_obj_get", &test_obj_get, kfunc::KF_TRUSTED_ARGS, kHooks);
  defs.add(b, "test_obj_get_rcu", &test_obj_get_rcu, kfunc::KF_RCU, kHooks);
  defs.add(b, "test_obj_peek", &test_obj_peek, 0, kHooks);
  defs.add(b, "test_obj_global", &test_obj_global, 0, kHooks);
  defs.add(b, "test_wrapper_global", &test_wrapper_global, 0, kHooks);
  defs.add(b, "test_other_global", &test_other_global, 0, kHooks);
  defs.add(b, "test_sleepy", &test_sleepy, kfunc::KF_SLEEPABLE, kHooks);
  defs.add(b, "test_destructive", &test_destructive, kfunc::KF_DESTRUCTIVE, kHooks);
  defs.add(b, "test_syscall_only", &test_syscall_only, 0, {ProgType::Syscall});
  defs.add(b, "test_sum_mem", &test_sum_mem, 0, kHooks, {"buf", "buf__sz"});
  defs.add(b, "test_const", &test_const, 0, kHooks, {"v__k"});
  defs.add(b, "test_bad_acquire", &test_bad_acquire, kfunc::KF_ACQUIRE, kHooks);
  defs.add(b, "test_int_ptr", &test_int_ptr, 0, kHooks);
  defs.add(b, "test_nullable", &test_nullable, kfunc::KF_TRUSTED_ARGS, kHooks, {"o__nullable"});
  defs.add(b, "test_sum_opt", &test_sum_opt, 0, kHooks, {"buf__opt", "size__sz"});
  b.bind<XdpMd>(b.lookup("xdp_md", BTF_KIND_STRUCT));
  defs.add(b, "test_ctx", &test_ctx, 0, {ProgType::Xdp});
  auto done = b.finish();
  ASSERT_TRUE(done.ok()) << done.error().message();
  ASSERT_FALSE(defs.register_sets(st.kfuncs, &st.host)) << "register_sets";
  for (const auto& d : defs.defs()) st.add_kfunc_address(&st.host, d.id, d.addr);
}

std::shared_ptr<module::Module> add_test_module(Runtime& rt) {
  auto& st = *detail::Access::state(rt);
  btf::BtfBuilder b(st.host.btf);
  kfunc::KfuncDefs defs;
  defs.add(b, "test_mod_twice", &test_mod_twice, 0, {ProgType::Syscall});
  auto btf = b.finish();
  EXPECT_TRUE(btf.ok());
  auto m = std::make_shared<module::Module>("testmod", btf.ok() ? *btf : nullptr);
  st.kfuncs.add_owner(m->owner());
  EXPECT_FALSE(defs.register_sets(st.kfuncs, m->owner()));
  for (const auto& d : defs.defs()) st.add_kfunc_address(m->owner(), d.id, d.addr);
  std::lock_guard<std::mutex> lock(st.modules_mu);
  st.modules.push_back(m);
  return m;
}

}  // namespace hostbpf::test
