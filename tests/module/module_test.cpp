// A module's lifecycle as programs see it: references only while LIVE (the
// init race gives -ENXIO), unloading refused while in use, and no reference
// ever taken after GOING, even when both race.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "module/module.h"

namespace hostbpf::module {
namespace {

std::shared_ptr<Module> make(const char* name = "testmod") { return std::make_shared<Module>(name, nullptr); }

TEST(Module, ReferencesOnlyWhileLive) {
  auto m = make();
  EXPECT_EQ(m->state(), State::Coming);
  auto early = ModuleRef::get(m);  // init has not finished
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code(), -ENXIO);
  EXPECT_NE(early.error().message().find("module 'testmod' is not live (COMING)"), std::string::npos);

  m->set_live();
  {
    auto ref = ModuleRef::get(m);
    ASSERT_TRUE(ref.ok());
    EXPECT_EQ(m->refs(), 1u);
    Error busy = m->begin_unload();
    EXPECT_EQ(busy.code(), -EBUSY);
    EXPECT_NE(busy.message().find("module 'testmod' is in use (1 references)"), std::string::npos);
    EXPECT_EQ(m->state(), State::Live);
  }
  EXPECT_EQ(m->refs(), 0u);
  EXPECT_FALSE(m->begin_unload());
  EXPECT_EQ(m->state(), State::Going);
  EXPECT_EQ(ModuleRef::get(m).error().code(), -ENXIO);
  EXPECT_EQ(m->begin_unload().code(), -EBUSY);  // already going
}

TEST(Module, FailedInitGoesStraightToGoing) {
  auto m = make();
  EXPECT_FALSE(m->begin_unload());
  EXPECT_EQ(m->state(), State::Going);
  m->set_live();  // too late: GOING is final
  EXPECT_EQ(m->state(), State::Going);
}

TEST(Module, MovedReferencesReleaseOnce) {
  auto m = make();
  m->set_live();
  auto a = ModuleRef::get(m);
  ASSERT_TRUE(a.ok());
  ModuleRef b = std::move(*a);
  ModuleRef c;
  c = std::move(b);
  EXPECT_EQ(m->refs(), 1u);
  c = ModuleRef();
  EXPECT_EQ(m->refs(), 0u);
}

// Loaders take and drop references while the module is being unloaded: either
// the unload fails with -EBUSY, or it succeeds and from then on every get
// fails; a reference is never granted on a GOING module.
TEST(ModuleConcurrency, UnloadRacingLoadersNeverLeavesAReferenceOnAGoingModule) {
  for (int round = 0; round < 20; round++) {
    auto m = make();
    m->set_live();
    std::atomic<bool> stop{false};
    std::atomic<int> granted_after_going{0};
    std::vector<std::thread> loaders;
    for (int t = 0; t < 3; t++) {
      loaders.emplace_back([&] {
        while (!stop.load()) {
          auto ref = ModuleRef::get(m);
          if (ref.ok() && m->state() == State::Going) granted_after_going++;
        }
      });
    }
    Error err;
    do {
      err = m->begin_unload();
    } while (err);
    EXPECT_EQ(m->state(), State::Going);
    stop = true;
    for (auto& t : loaders) t.join();
    EXPECT_EQ(granted_after_going.load(), 0);
    EXPECT_EQ(m->refs(), 0u);
  }
}

}  // namespace
}  // namespace hostbpf::module
