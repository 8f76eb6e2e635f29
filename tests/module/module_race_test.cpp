// The module-init race (the kernel's fix 18688de203b4): while a module's init
// runs, its BTF and kfuncs are already visible, but no reference can be taken
// on it (-ENXIO), so nothing can pin a module that may still fail; once init
// returns 0 it is LIVE and references succeed. Runs under TSan (label
// concurrency).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <thread>

#include "hostbpf/hostbpf.h"
#include "runtime/state.h"

namespace hostbpf {
namespace {

std::shared_ptr<module::Module> published(Runtime& rt, const std::string& name) {
  return detail::Access::state(rt)->modules.find_published(name);
}

// A FIFO the gated module's init blocks on until open() writes to it.
class Gate {
 public:
  Gate() : path_(std::filesystem::temp_directory_path() / ("hostbpf_gate_" + std::to_string(getpid()))) {
    std::filesystem::remove(path_);
    EXPECT_EQ(mkfifo(path_.c_str(), 0600), 0);
    setenv("HOSTBPF_GATEMOD_GATE", path_.c_str(), 1);
  }
  ~Gate() {
    unsetenv("HOSTBPF_GATEMOD_GATE");
    std::filesystem::remove(path_);
  }
  void open() {
    const int fd = ::open(path_.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "x", 1), 1);
    ::close(fd);
  }

 private:
  std::string path_;
};

TEST(ModuleRace, NoReferenceUntilInitReturns) {
  Runtime rt;
  Gate gate;
  Result<std::string> loaded = Error(-EINPROGRESS, "not yet");
  std::thread loader([&] { loaded = rt.modules().load(GATEMOD_SO); });

  // Wait until init has published the module (it then blocks on the gate).
  std::shared_ptr<module::Module> m;
  for (int i = 0; i < 5000 && !(m = published(rt, "gatemod")); i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(m) << "gatemod's init never published its BTF";
  EXPECT_EQ(m->state(), module::State::Coming);
  EXPECT_TRUE(detail::Access::state(rt)->kfuncs.find_by_name("gatemod_answer"));
  for (int i = 0; i < 100; i++) {
    auto ref = module::ModuleRef::get(m);
    ASSERT_FALSE(ref.ok());
    EXPECT_EQ(ref.error().code(), -ENXIO);
  }
  Error coming = rt.modules().unload("gatemod");  // init has not returned
  EXPECT_EQ(coming.code(), -EBUSY);
  EXPECT_EQ(coming.message(), "module 'gatemod' is still initialising (COMING)");
  EXPECT_TRUE(rt.modules().names().empty());

  gate.open();
  loader.join();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(m->state(), module::State::Live);
  auto ref = module::ModuleRef::get(m);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(rt.modules().unload("gatemod").code(), -EBUSY);
  ref = module::ModuleRef();
  EXPECT_FALSE(rt.modules().unload("gatemod"));
}

// A program naming the module's kfunc while init runs: the kfunc is found in
// the module's published BTF, but no reference can be taken, so the load
// fails with -ENXIO; once LIVE it loads, runs, and pins the module.
TEST(ModuleRace, ProgramNamingAComingModuleFailsWithEnxio) {
  const std::string obj_path = std::string(HOSTBPF_TEST_BINARY_DIR) + "/gated.bpf.o";
  Runtime rt;
  Gate gate;
  Result<std::string> loaded = Error(-EINPROGRESS, "not yet");
  std::thread loader([&] { loaded = rt.modules().load(GATEMOD_SO); });
  std::shared_ptr<module::Module> m;
  for (int i = 0; i < 5000 && !(m = published(rt, "gatemod")); i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(m);

  auto early = rt.open(obj_path);
  ASSERT_TRUE(early.ok()) << early.error().message();
  Error e = early->load();
  EXPECT_EQ(e.code(), -ENXIO) << e.message();
  EXPECT_NE(e.message().find("gatemod"), std::string::npos) << e.message();
  EXPECT_EQ(m->refs(), 0u);

  gate.open();
  loader.join();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  {
    auto obj = rt.open(obj_path);
    ASSERT_TRUE(obj.ok());
    ASSERT_FALSE(obj->load()) << "load after LIVE";
    auto prog = obj->program("call_gatemod");
    ASSERT_TRUE(prog.ok());
    auto r = prog->test_run({});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->retval, 42u);
    Error busy = rt.modules().unload("gatemod");  // the program holds it
    EXPECT_EQ(busy.code(), -EBUSY);
  }
  EXPECT_FALSE(rt.modules().unload("gatemod"));
}

// Many threads try to take a reference while init runs and completes: each
// either fails with -ENXIO (before LIVE) or holds a LIVE module.
TEST(ModuleRace, ConcurrentGettersSeeComingThenLive) {
  Runtime rt;
  Gate gate;
  Result<std::string> loaded = Error(-EINPROGRESS, "not yet");
  std::thread loader([&] { loaded = rt.modules().load(GATEMOD_SO); });
  std::shared_ptr<module::Module> m;
  for (int i = 0; i < 5000 && !(m = published(rt, "gatemod")); i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(m);

  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, got{0};
  std::vector<std::thread> getters;
  for (int t = 0; t < 4; t++) {
    getters.emplace_back([&] {
      while (!stop.load()) {
        auto ref = module::ModuleRef::get(m);
        if (ref.ok()) {
          got++;
          if (ref->get()->state() != module::State::Live) bad++;
        } else if (ref.error().code() != -ENXIO) {
          bad++;
        }
      }
    });
  }
  gate.open();
  loader.join();
  while (got.load() == 0) std::this_thread::yield();
  stop = true;
  for (auto& g : getters) g.join();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_FALSE(rt.modules().unload("gatemod"));
}

}  // namespace
}  // namespace hostbpf
