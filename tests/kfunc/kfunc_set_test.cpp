// kfunc ID sets: the kernel's registration rules and lookups, each with the
// error a module author would see.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include "btf/builder.h"
#include "btf/host_types.h"
#include "kfunc/kfunc_set.h"

namespace hostbpf::kfunc {
namespace {

// Host BTF with a few kfuncs, and a module's split BTF with its own.
struct World {
  uint32_t create, release, get, sleepy, task, iter_new, iter_next, iter_destroy, bad_dtor;
  uint32_t mod_fn, mod_dup;
  Owner host, mod, mod2;
  KfuncRegistry reg;

  World() {
    btf::BtfBuilder b;
    btf::add_standard_types(b);
    const uint32_t i32 = b.int_type("int", 4, true);
    task = b.struct_type("task", 8, {{"pid", i32, 0}, {"tgid", i32, 32}});
    const uint32_t task_ptr = b.pointer(task);
    create = b.func("task_create", b.func_proto(task_ptr, {{"pid", i32}}));
    release = b.func("task_release", b.func_proto(0, {{"t", task_ptr}}));
    get = b.func("task_get_pid", b.func_proto(i32, {{"t", task_ptr}}));
    sleepy = b.func("task_sleep", b.func_proto(i32, {{"t", task_ptr}}));
    const uint32_t it = b.struct_type("bpf_iter_num", 8, {{"a", i32, 0}, {"b", i32, 32}});
    const uint32_t it_ptr = b.pointer(it);
    iter_new = b.func("bpf_iter_num_new", b.func_proto(i32, {{"it", it_ptr}, {"start", i32}, {"end", i32}}));
    iter_next = b.func("bpf_iter_num_next", b.func_proto(b.pointer(i32), {{"it", it_ptr}}));
    iter_destroy = b.func("bpf_iter_num_destroy", b.func_proto(0, {{"it", it_ptr}}));
    bad_dtor = b.func("task_bad_dtor", b.func_proto(i32, {{"t", task_ptr}}));
    host = {"vmlinux", b.finish().value(), false};

    btf::BtfBuilder m(host.btf);
    mod_fn = m.func("testmod_fn", m.func_proto(i32, {}));
    mod_dup = m.func("task_get_pid", m.func_proto(i32, {}));  // clashes with the host's
    mod = {"testmod", m.finish().value(), true};
    btf::BtfBuilder m2(host.btf);
    m2.func("testmod_fn", m2.func_proto(i32, {}));
    mod2 = {"othermod", m2.finish().value(), true};

    reg.add_owner(&host);
    reg.add_owner(&mod);  // othermod loads later, in the tests that want it
  }
};

std::string fmt_id(const char* text, uint32_t id) {
  std::string s(text);
  return s.replace(s.find("{}"), 2, std::to_string(id));
}

ProgInfo prog(ProgType type) { return {type, 0, false, "p"}; }

TEST(KfuncHooks, ProgramTypesMapLikeTheKernelsTable) {
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::Unspec), KfuncHook::Common);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::Xdp), KfuncHook::Xdp);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::SchedCls), KfuncHook::Tc);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::SchedAct), KfuncHook::SchedAct);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::Lsm), KfuncHook::Tracing);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::PerfEvent), KfuncHook::Tracing);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::Kprobe), KfuncHook::Kprobe);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::SockOps), KfuncHook::Cgroup);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::LwtSeg6local), KfuncHook::Lwt);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::Syscall), KfuncHook::Syscall);
  EXPECT_EQ(prog_types::kfunc_hook(ProgType::Ext), KfuncHook::Max);
}

TEST(KfuncSets, LookupSearchesCommonThenTheProgramsHook) {
  World w;
  ASSERT_FALSE(w.reg.register_kfunc_id_set(&w.host, ProgType::Unspec, {BTF_SET8_KFUNCS, {{w.get, KF_RCU}}, {}}));
  ASSERT_FALSE(w.reg.register_kfunc_id_set(
      &w.host, ProgType::Syscall, {BTF_SET8_KFUNCS, {{w.release, KF_RELEASE}, {w.create, KF_ACQUIRE | KF_RET_NULL}}, {}}));
  ASSERT_FALSE(w.reg.register_kfunc_id_set(&w.host, ProgType::Xdp, {BTF_SET8_KFUNCS, {{w.get, KF_TRUSTED_ARGS}}, {}}));

  auto c = w.reg.lookup(&w.host, w.create, prog(ProgType::Syscall));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->flags, KF_ACQUIRE | KF_RET_NULL);
  EXPECT_FALSE(w.reg.lookup(&w.host, w.create, prog(ProgType::Xdp)));  // not in XDP's hook
  // COMMON wins over the hook's own entry for the same id.
  EXPECT_EQ(w.reg.lookup(&w.host, w.get, prog(ProgType::Xdp))->flags, KF_RCU);
  EXPECT_EQ(w.reg.flags_in_hook(&w.host, KfuncHook::Xdp, w.get), KF_TRUSTED_ARGS);
  EXPECT_FALSE(w.reg.lookup(&w.host, w.sleepy, prog(ProgType::Syscall)));
}

TEST(KfuncSets, HostSetsConcatenateAndStaySorted) {
  World w;
  // Registered out of order across two sets; every lookup still finds its flags.
  ASSERT_FALSE(w.reg.register_kfunc_id_set(&w.host, ProgType::Syscall,
                                           {BTF_SET8_KFUNCS, {{w.sleepy, KF_SLEEPABLE}, {w.get, 0}}, {}}));
  ASSERT_FALSE(w.reg.register_kfunc_id_set(&w.host, ProgType::Syscall,
                                           {BTF_SET8_KFUNCS, {{w.release, KF_RELEASE}, {w.create, KF_ACQUIRE}}, {}}));
  EXPECT_EQ(w.reg.flags_in_hook(&w.host, KfuncHook::Syscall, w.sleepy), KF_SLEEPABLE);
  EXPECT_EQ(w.reg.flags_in_hook(&w.host, KfuncHook::Syscall, w.get), 0u);
  EXPECT_EQ(w.reg.flags_in_hook(&w.host, KfuncHook::Syscall, w.release), KF_RELEASE);
  EXPECT_EQ(w.reg.flags_in_hook(&w.host, KfuncHook::Syscall, w.create), KF_ACQUIRE);
}

TEST(KfuncSets, FiltersDenyPerProgramAndNonZeroMeansDeny) {
  World w;
  Filter only_named_ok = [](const ProgInfo& p, uint32_t) { return p.name == "ok" ? 0 : -EACCES; };
  ASSERT_FALSE(w.reg.register_kfunc_id_set(&w.host, ProgType::Syscall,
                                           {BTF_SET8_KFUNCS, {{w.get, 0}}, only_named_ok}));
  EXPECT_TRUE(w.reg.lookup(&w.host, w.get, {ProgType::Syscall, 0, false, "ok"}));
  EXPECT_FALSE(w.reg.lookup(&w.host, w.get, {ProgType::Syscall, 0, false, "other"}));
  // flags_in_hook does not run filters (btf_kfunc_id_set_contains).
  EXPECT_TRUE(w.reg.flags_in_hook(&w.host, KfuncHook::Syscall, w.get));
}

TEST(KfuncSets, RegistrationErrors) {
  World w;
  Error no_flag = w.reg.register_kfunc_id_set(&w.host, ProgType::Syscall, {0, {{w.get, 0}}, {}});
  EXPECT_EQ(no_flag.code(), -EINVAL);
  EXPECT_NE(no_flag.message().find("BTF_SET8_KFUNCS"), std::string::npos);

  Error no_hook = w.reg.register_kfunc_id_set(&w.host, ProgType::Ext, {BTF_SET8_KFUNCS, {{w.get, 0}}, {}});
  EXPECT_EQ(no_hook.code(), -EINVAL);
  EXPECT_NE(no_hook.message().find("has no kfunc hook"), std::string::npos);

  Error not_func = w.reg.register_kfunc_id_set(&w.host, ProgType::Syscall, {BTF_SET8_KFUNCS, {{w.task, 0}}, {}});
  EXPECT_EQ(not_func.code(), -EINVAL);
  EXPECT_NE(not_func.message().find(fmt_id("kernel btf_id {} is not a function", w.task)), std::string::npos)
      << not_func.message();
  // Nothing of a failed registration stays.
  EXPECT_FALSE(w.reg.flags_in_hook(&w.host, KfuncHook::Syscall, w.get));
}

TEST(KfuncSets, ModulesRegisterEachHookOnceAndCannotReuseNames) {
  World w;
  ASSERT_FALSE(w.reg.register_kfunc_id_set(&w.mod, ProgType::Syscall, {BTF_SET8_KFUNCS, {{w.mod_fn, 0}}, {}}));
  Error twice = w.reg.register_kfunc_id_set(&w.mod, ProgType::Syscall, {BTF_SET8_KFUNCS, {{w.mod_fn, 0}}, {}});
  EXPECT_EQ(twice.code(), -EINVAL);
  EXPECT_NE(twice.message().find("registered hook SYSCALL twice"), std::string::npos);
  // Another hook is fine.
  EXPECT_FALSE(w.reg.register_kfunc_id_set(&w.mod, ProgType::Xdp, {BTF_SET8_KFUNCS, {{w.mod_fn, 0}}, {}}));

  Error dup = w.reg.register_kfunc_id_set(&w.mod, ProgType::Tracing, {BTF_SET8_KFUNCS, {{w.mod_dup, 0}}, {}});
  EXPECT_EQ(dup.code(), -EEXIST);
  EXPECT_NE(dup.message().find("kfunc task_get_pid"), std::string::npos);
  EXPECT_NE(dup.message().find("is already present in vmlinux."), std::string::npos);

  // othermod, loaded later, cannot register a testmod_fn of its own.
  w.reg.add_owner(&w.mod2);
  const uint32_t other_fn = w.mod2.btf->find_own("testmod_fn", BTF_KIND_FUNC).value();
  Error clash = w.reg.register_kfunc_id_set(&w.mod2, ProgType::Syscall, {BTF_SET8_KFUNCS, {{other_fn, 0}}, {}});
  EXPECT_EQ(clash.code(), -EEXIST);

  // Once testmod is gone, its tables are too.
  w.reg.remove_owner(&w.mod);
  EXPECT_FALSE(w.reg.lookup(&w.mod, w.mod_fn, prog(ProgType::Syscall)));
}

TEST(KfuncSets, At256PerHookTheNextIsE2big) {
  btf::BtfBuilder b;
  const uint32_t proto = b.func_proto(b.int_type("int", 4, true), {});
  std::vector<IdFlags> ids;
  for (int i = 0; i < 257; i++) ids.push_back({b.func("f" + std::to_string(i), proto), 0});
  Owner host{"vmlinux", b.finish().value(), false};
  KfuncRegistry reg;
  reg.add_owner(&host);
  std::vector<IdFlags> first(ids.begin(), ids.begin() + 256);
  ASSERT_FALSE(reg.register_kfunc_id_set(&host, ProgType::Syscall, {BTF_SET8_KFUNCS, first, {}}));
  Error over = reg.register_kfunc_id_set(&host, ProgType::Syscall, {BTF_SET8_KFUNCS, {ids[256]}, {}});
  EXPECT_EQ(over.code(), -E2BIG);
  for (const IdFlags& p : first) EXPECT_TRUE(reg.flags_in_hook(&host, KfuncHook::Syscall, p.id));
}

TEST(KfuncSets, IteratorKfuncsFollowTheNamingAndShapeRules) {
  World w;
  EXPECT_FALSE(w.reg.register_kfunc_id_set(&w.host, ProgType::Syscall,
                                           {BTF_SET8_KFUNCS,
                                            {{w.iter_new, KF_ITER_NEW},
                                             {w.iter_next, KF_ITER_NEXT | KF_RET_NULL},
                                             {w.iter_destroy, KF_ITER_DESTROY}},
                                            {}}));
  Error wrong = w.reg.register_kfunc_id_set(&w.host, ProgType::Xdp, {BTF_SET8_KFUNCS, {{w.get, KF_ITER_NEW}}, {}});
  EXPECT_EQ(wrong.code(), -EINVAL);
  EXPECT_NE(wrong.message().find("must be named bpf_iter_<type>_new"), std::string::npos) << wrong.message();
  Error two = w.reg.register_kfunc_id_set(&w.host, ProgType::Xdp,
                                          {BTF_SET8_KFUNCS, {{w.iter_next, KF_ITER_NEXT | KF_ITER_DESTROY}}, {}});
  EXPECT_NE(two.message().find("more than one KF_ITER_* flag"), std::string::npos);
}

TEST(KfuncDtors, SortedLookupAndPrototypeChecks) {
  World w;
  ASSERT_FALSE(w.reg.register_dtor_kfuncs(&w.host, {{w.task, w.release}}));
  EXPECT_EQ(w.reg.find_dtor(&w.host, w.task), w.release);
  EXPECT_EQ(w.reg.find_dtor(&w.host, w.task + 1), 0u);
  Error bad = w.reg.register_dtor_kfuncs(&w.host, {{w.task, w.bad_dtor}});
  EXPECT_EQ(bad.code(), -EINVAL);
  EXPECT_NE(bad.message().find("destructor task_bad_dtor must return void and take exactly one pointer"),
            std::string::npos);
  Error not_struct = w.reg.register_dtor_kfuncs(&w.host, {{w.release, w.release}});
  EXPECT_NE(not_struct.message().find("not a struct"), std::string::npos);
}

TEST(KfuncResolve, ByNameHostFirstThenModules) {
  World w;
  auto host_fn = w.reg.find_by_name("task_get_pid");
  ASSERT_TRUE(host_fn);
  EXPECT_EQ(host_fn->first, &w.host);
  EXPECT_EQ(host_fn->second, w.get);
  auto mod_fn = w.reg.find_by_name("testmod_fn");
  ASSERT_TRUE(mod_fn);
  EXPECT_EQ(mod_fn->first, &w.mod);
  w.reg.add_owner(&w.mod2);
  EXPECT_EQ(w.reg.find_by_name("testmod_fn")->first, &w.mod);  // the first module that has it
  EXPECT_FALSE(w.reg.find_by_name("nope"));
}

}  // namespace
}  // namespace hostbpf::kfunc

namespace hostbpf::kfunc {
namespace {

int task_pid_impl(int pid) { return pid; }
int other_impl(int pid) { return -pid; }

// The address table (the kernel's kallsyms for kfuncs) lives beside the sets:
// per owner, replaced by a later record, gone with the owner.
TEST(KfuncAddresses, PerOwnerAndForgottenWithIt) {
  World w;
  const void* host_fn = reinterpret_cast<const void*>(&task_pid_impl);
  const void* mod_fn = reinterpret_cast<const void*>(&other_impl);
  EXPECT_EQ(w.reg.address(&w.host, w.get), nullptr);
  ASSERT_FALSE(w.reg.set_address(&w.host, w.get, host_fn));
  ASSERT_FALSE(w.reg.set_address(&w.mod, w.mod_fn, mod_fn));
  EXPECT_EQ(w.reg.address(&w.host, w.get), host_fn);
  EXPECT_EQ(w.reg.address(&w.mod, w.mod_fn), mod_fn);
  EXPECT_EQ(w.reg.address(&w.mod, w.get), nullptr) << "ids are per owner";
  // Calling through the recorded address reaches the function.
  EXPECT_EQ(reinterpret_cast<int (*)(int)>(const_cast<void*>(w.reg.address(&w.host, w.get)))(7), 7);

  w.reg.remove_owner(&w.mod);
  EXPECT_EQ(w.reg.address(&w.mod, w.mod_fn), nullptr);
  EXPECT_EQ(w.reg.address(&w.host, w.get), host_fn);
  Error e = w.reg.set_address(&w.mod, w.mod_fn, mod_fn);
  EXPECT_EQ(e.code(), -ENOENT);
  EXPECT_EQ(e.message(), "testmod: kfunc [" + std::to_string(w.mod_fn) + "]: owner not registered");
}

}  // namespace
}  // namespace hostbpf::kfunc
