// A provider module is foreign code: a C++ exception out of its init or exit
// must not take the host down. Init throwing fails the load with the
// exception's message and leaves nothing behind; exit throwing still unloads.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "hostbpf/hostbpf.h"
#include "runtime/state.h"

namespace hostbpf {
namespace {

// True while `path` is mapped in this process.
bool mapped(const char* path) {
  void* h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  if (!h) return false;
  dlclose(h);
  return true;
}

bool registered(Runtime& rt, const std::string& name) {
  return detail::Access::state(rt)->modules.find_published(name) != nullptr;
}

TEST(ModuleThrow, InitThrowingFailsTheLoadWithTheMessageAndLeavesNothing) {
  Runtime rt;
  for (int attempt = 0; attempt < 2; attempt++) {  // the second finds no trace of the first
    auto r = rt.modules().load(THROWMOD_SO);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), -ECANCELED);
    EXPECT_EQ(r.error().message(), "module throwmod: init threw an exception: throwmod: the widget pool is empty");
    EXPECT_TRUE(rt.modules().names().empty());
    EXPECT_FALSE(registered(rt, "throwmod"));
    // It had published a kfunc before throwing: gone again.
    EXPECT_FALSE(detail::Access::state(rt)->kfuncs.find_by_name("throwmod_answer"));
    EXPECT_FALSE(mapped(THROWMOD_SO));
  }
  // The runtime goes on: another module loads and publishes its kfuncs.
  auto ok = rt.modules().load(TESTMOD_SO);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(rt.modules().names(), std::vector<std::string>{"testmod"});
  EXPECT_TRUE(detail::Access::state(rt)->kfuncs.find_by_name("testmod_obj_new"));
}

TEST(ModuleThrow, InitThrowingSomethingElseIsAnUnknownException) {
  Runtime rt;
  auto r = rt.modules().load(THROWMOD_UNKNOWN_SO);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), -ECANCELED);
  EXPECT_EQ(r.error().message(), "module throwmod_unknown: init threw an exception: unknown exception");
  EXPECT_TRUE(rt.modules().names().empty());
  EXPECT_FALSE(detail::Access::state(rt)->kfuncs.find_by_name("throwmod_answer"));
  EXPECT_FALSE(mapped(THROWMOD_UNKNOWN_SO));
  EXPECT_TRUE(rt.modules().load(TESTMOD_SO).ok());
}

TEST(ModuleThrow, ExitThrowingIsReportedAndTheModuleIsUnloadedAllTheSame) {
  Runtime rt;
  auto name = rt.modules().load(THROWMOD_EXIT_SO);
  ASSERT_TRUE(name.ok()) << name.error().message();
  EXPECT_TRUE(detail::Access::state(rt)->kfuncs.find_by_name("throwmod_answer"));
  Error e = rt.modules().unload(*name);
  EXPECT_EQ(e.code(), -ECANCELED);
  EXPECT_EQ(e.message(), "module throwmod_exit: exit threw an exception: throwmod_exit: cannot say goodbye");
  EXPECT_TRUE(rt.modules().names().empty());
  EXPECT_FALSE(registered(rt, "throwmod_exit"));
  EXPECT_FALSE(detail::Access::state(rt)->kfuncs.find_by_name("throwmod_answer"));
  EXPECT_FALSE(mapped(THROWMOD_EXIT_SO));
  // Loads again, and this time the runtime's destructor runs the throwing exit.
  ASSERT_TRUE(rt.modules().load(THROWMOD_EXIT_SO).ok());
}

TEST(ModuleThrow, RuntimeDestructionSurvivesAThrowingExit) {
  {
    Runtime rt;
    ASSERT_TRUE(rt.modules().load(THROWMOD_EXIT_SO).ok());
  }
  EXPECT_FALSE(mapped(THROWMOD_EXIT_SO));
}

}  // namespace
}  // namespace hostbpf
