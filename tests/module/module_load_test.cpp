// Provider modules as a host sees them: loading a shared object publishes its
// split BTF and kfunc sets, unloading removes them and unmaps its code after a
// grace period, a referenced module cannot be unloaded, a failing init leaves
// nothing behind, and bad paths are clear errors naming the path.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <filesystem>
#include <fstream>

#include "hostbpf/hostbpf.h"
#include "kfunc/flags.h"
#include "exec/executable.h"
#include "runtime/state.h"

namespace hostbpf {
namespace {

// Calls a module's kfunc by address, as the interpreter does: its C++ type
// (TestmodObj* in the module's anonymous namespace) is not nameable here, so
// the call is exempt from clang's -fsanitize=function like the executor's.
HOSTBPF_CALLS_KFUNCS uint64_t call_by_address(const void* fn, uint64_t a1) {
  return reinterpret_cast<uint64_t (*)(uint64_t)>(const_cast<void*>(fn))(a1);
}

using ::testing::HasSubstr;

// True while `path` is mapped in this process.
bool mapped(const char* path) {
  void* h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  if (!h) return false;
  dlclose(h);
  return true;
}

std::shared_ptr<module::Module> find_module(Runtime& rt, const std::string& name) {
  return detail::Access::state(rt)->modules.find_published(name);
}

TEST(ModuleLoad, TestmodPublishesKfuncsFlagsAddressesAndDtor) {
  Runtime rt;
  auto name = rt.modules().load(TESTMOD_SO);
  ASSERT_TRUE(name.ok()) << name.error().message();
  EXPECT_EQ(*name, "testmod");
  EXPECT_EQ(rt.modules().names(), std::vector<std::string>{"testmod"});
  auto mod = find_module(rt, "testmod");
  ASSERT_TRUE(mod);
  EXPECT_EQ(mod->state(), module::State::Live);

  auto& st = *detail::Access::state(rt);
  auto fn = st.kfuncs.find_by_name("testmod_obj_new");
  ASSERT_TRUE(fn);
  EXPECT_EQ(fn->first, mod->owner());
  EXPECT_EQ(st.kfuncs.flags_in_hook(mod->owner(), kfunc::KfuncHook::Syscall, fn->second),
            kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL);
  EXPECT_EQ(st.kfuncs.flags_in_hook(mod->owner(), kfunc::KfuncHook::Tracing, fn->second),
            kfunc::KF_ACQUIRE | kfunc::KF_RET_NULL);
  EXPECT_FALSE(st.kfuncs.flags_in_hook(mod->owner(), kfunc::KfuncHook::Xdp, fn->second));
  for (const char* k : {"testmod_obj_release", "testmod_obj_value_rcu", "testmod_sleep", "testmod_destructive"})
    EXPECT_TRUE(st.kfuncs.find_by_name(k)) << k;

  // The BTF id is the module's own (split over the host's) and the address is
  // the module's function: calling it creates an object the dtor frees.
  EXPECT_GE(fn->second, mod->btf()->start_id());
  const void* create = st.kfuncs.address(mod->owner(), fn->second);
  auto live = st.kfuncs.find_by_name("testmod_live_objs");
  const void* live_fn = st.kfuncs.address(mod->owner(), live->second);
  ASSERT_TRUE(create && live_fn);
  void* obj = reinterpret_cast<void*>(call_by_address(create, 7));
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(*static_cast<int64_t*>(obj), 7);
  EXPECT_EQ(call_by_address(live_fn, 0), 1u);

  auto obj_type = mod->btf()->find("testmod_obj", BTF_KIND_STRUCT);
  ASSERT_TRUE(obj_type.ok());
  const uint32_t dtor = st.kfuncs.find_dtor(mod->owner(), *obj_type);
  ASSERT_NE(dtor, 0u);
  EXPECT_EQ(mod->btf()->name(dtor), "testmod_obj_release");
  call_by_address(st.kfuncs.address(mod->owner(), dtor), reinterpret_cast<uint64_t>(obj));
  EXPECT_EQ(call_by_address(live_fn, 0), 0u);
}

TEST(ModuleLoad, UnloadRemovesEverythingThenUnmaps) {
  Runtime rt;
  ASSERT_TRUE(rt.modules().load(TESTMOD_SO).ok());
  auto mod = find_module(rt, "testmod");
  const module::BtfOwner* owner = mod->owner();
  const uint32_t id = detail::Access::state(rt)->kfuncs.find_by_name("testmod_obj_new")->second;
  EXPECT_TRUE(mapped(TESTMOD_SO));

  EXPECT_FALSE(rt.modules().unload("testmod"));
  EXPECT_EQ(mod->state(), module::State::Going);
  EXPECT_TRUE(rt.modules().names().empty());
  EXPECT_FALSE(find_module(rt, "testmod"));
  EXPECT_FALSE(detail::Access::state(rt)->kfuncs.find_by_name("testmod_obj_new"));
  EXPECT_EQ(detail::Access::state(rt)->kfuncs.address(owner, id), nullptr);
  EXPECT_FALSE(mapped(TESTMOD_SO));

  Error again = rt.modules().unload("testmod");
  EXPECT_EQ(again.code(), -ENOENT);
  EXPECT_EQ(again.message(), "module 'testmod' is not loaded");
  // And it loads again, as a fresh module.
  ASSERT_TRUE(rt.modules().load(TESTMOD_SO).ok());
  EXPECT_TRUE(detail::Access::state(rt)->kfuncs.find_by_name("testmod_obj_new"));
}

TEST(ModuleLoad, UnloadWhileReferencedIsBusy) {
  Runtime rt;
  ASSERT_TRUE(rt.modules().load(TESTMOD_SO).ok());
  auto mod = find_module(rt, "testmod");
  {
    auto ref = module::ModuleRef::get(mod);  // what a program holds
    ASSERT_TRUE(ref.ok());
    Error busy = rt.modules().unload("testmod");
    EXPECT_EQ(busy.code(), -EBUSY);
    EXPECT_EQ(busy.message(), "module 'testmod' is in use (1 references)");
    EXPECT_EQ(mod->state(), module::State::Live);
    EXPECT_TRUE(detail::Access::state(rt)->kfuncs.find_by_name("testmod_obj_new"));
    EXPECT_TRUE(mapped(TESTMOD_SO));
  }
  EXPECT_FALSE(rt.modules().unload("testmod"));
  EXPECT_FALSE(mapped(TESTMOD_SO));
}

TEST(ModuleLoad, FailedInitRemovesWhatItRegisteredAndUnmaps) {
  setenv("HOSTBPF_GATEMOD_FAIL", "1", 1);
  Runtime rt;
  auto r = rt.modules().load(GATEMOD_SO);
  unsetenv("HOSTBPF_GATEMOD_FAIL");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), -EPERM);
  EXPECT_EQ(r.error().message(), "module gatemod: init failed (-1): gatemod: failing on request");
  EXPECT_TRUE(rt.modules().names().empty());
  EXPECT_FALSE(find_module(rt, "gatemod"));
  EXPECT_FALSE(detail::Access::state(rt)->kfuncs.find_by_name("gatemod_answer"));
  EXPECT_FALSE(mapped(GATEMOD_SO));
  // Nothing is left half-registered: the same module loads cleanly now.
  auto ok = rt.modules().load(GATEMOD_SO);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_TRUE(detail::Access::state(rt)->kfuncs.find_by_name("gatemod_answer"));
}

TEST(ModuleLoad, BadPathsNameThePath) {
  Runtime rt;
  auto missing = rt.modules().load("/nonexistent/dir/mod.so");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), -ENOENT);
  EXPECT_EQ(missing.error().message(), "module /nonexistent/dir/mod.so: cannot open: No such file or directory");

  auto notmod = rt.modules().load(NOTMOD_SO);
  ASSERT_FALSE(notmod.ok());
  EXPECT_EQ(notmod.error().code(), -ENOEXEC);
  EXPECT_THAT(notmod.error().message(),
              HasSubstr(std::string("module ") + NOTMOD_SO + ": not a hostbpf module: no hostbpf_module_init"));
  EXPECT_FALSE(mapped(NOTMOD_SO));

  const std::string text = std::filesystem::temp_directory_path() / "hostbpf_not_elf.so";
  std::ofstream(text) << "not an ELF file\n";
  auto garbage = rt.modules().load(text);
  std::filesystem::remove(text);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code(), -ENOEXEC);
  EXPECT_THAT(garbage.error().message(), HasSubstr("module " + text + ": cannot load: "));
  EXPECT_TRUE(rt.modules().names().empty());
}

TEST(ModuleLoad, SecondModuleOfTheSameNameIsRefused) {
  Runtime rt;
  ASSERT_TRUE(rt.modules().load(TESTMOD_SO).ok());
  auto again = rt.modules().load(TESTMOD_SO);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), -EEXIST);
  EXPECT_THAT(again.error().message(), HasSubstr("a module named 'testmod' is already loaded"));
}

TEST(ModuleLoad, RuntimeDestructionUnloadsModules) {
  {
    Runtime rt;
    ASSERT_TRUE(rt.modules().load(TESTMOD_SO).ok());
    EXPECT_TRUE(mapped(TESTMOD_SO));
  }
  EXPECT_FALSE(mapped(TESTMOD_SO));
}

TEST(ModuleLoad, ModuleHeaderHasItsTypesAndEveryKfuncPrototype) {
  Runtime rt;
  ASSERT_TRUE(rt.modules().load(TESTMOD_SO).ok());
  auto h = rt.module_btf_dump("testmod");
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_THAT(*h, HasSubstr("#ifndef __TESTMOD_BTF_H__"));
  EXPECT_THAT(*h, HasSubstr("struct testmod_obj {\n\tlong int value;\n\tint refs;\n\tint id;\n};"));
  EXPECT_THAT(*h, HasSubstr("extern struct testmod_obj *testmod_obj_new(long int value) __weak __ksym;"));
  EXPECT_THAT(*h, HasSubstr("extern void testmod_obj_release(struct testmod_obj *obj) __weak __ksym;"));
  EXPECT_THAT(*h, HasSubstr("extern int testmod_sum(const int *mem, unsigned int mem__sz) __weak __ksym;"));
  // It stands alone: the host's types and kfuncs are in it too.
  EXPECT_THAT(*h, HasSubstr("struct xdp_md {"));
  EXPECT_THAT(*h, HasSubstr("bpf_cpumask_create(void) __weak __ksym;"));
  EXPECT_EQ(rt.module_btf_dump("nope").error().code(), -ENOENT);
}

}  // namespace
}  // namespace hostbpf
