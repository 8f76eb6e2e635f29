// struct_ops types registered by a module: they live in the module's split
// BTF and its table while it is loaded, and go with it (unload, or an init
// that fails after registering).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hostbpf/hostbpf.h"
#include "runtime/access.h"
#include "runtime/state.h"

namespace hostbpf {
namespace {

using ::testing::HasSubstr;

detail::RuntimeState& state(Runtime& rt) { return *detail::Access::state(rt); }

// The registered types that modules own.
std::vector<const struct_ops::StructOpsDesc*> module_types(Runtime& rt) {
  std::vector<const struct_ops::StructOpsDesc*> out;
  for (const auto* d : state(rt).struct_ops.all())
    if (d->owner != &state(rt).host) out.push_back(d);
  return out;
}

TEST(StructOpsModule, ATypeLivesInTheModulesBtfWhileItIsLoaded) {
  Runtime rt;
  auto name = rt.modules().load(OPSMOD_SO);
  ASSERT_TRUE(name.ok()) << name.error().message();
  auto c = rt.module_btf_dump(*name, BtfFormat::C);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_THAT(*c, HasSubstr("struct opsmod_ops {\n\tint (*run)(struct opsmod_state *, int);\n\tlong int limit;\n};"));
  EXPECT_THAT(*c, HasSubstr("struct bpf_struct_ops_opsmod_ops {\n\tstruct bpf_struct_ops_common_value common;\n"));
  auto raw = rt.module_btf_dump(*name, BtfFormat::Raw);
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(*raw, HasSubstr("FUNC 'opsmod_ops__run' type_id="));
  // The common value is the host's (the kernel compares it with vmlinux's).
  EXPECT_THAT(*raw, ::testing::Not(HasSubstr("STRUCT 'bpf_struct_ops_common_value'")));

  const auto all = module_types(rt);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]->name, "opsmod_ops");
  ASSERT_NE(all[0]->owner, nullptr);
  EXPECT_EQ(all[0]->owner->name, *name);
  EXPECT_TRUE(all[0]->owner->is_module);
  ASSERT_EQ(all[0]->members.size(), 2u);
  ASSERT_EQ(all[0]->members[0].arg_info.size(), 1u);
  EXPECT_TRUE(all[0]->members[0].arg_info[0].nullable);

  ASSERT_FALSE(rt.modules().unload(*name));
  EXPECT_TRUE(module_types(rt).empty());
  // Loaded again, it registers again.
  name = rt.modules().load(OPSMOD_SO);
  ASSERT_TRUE(name.ok()) << name.error().message();
  EXPECT_EQ(module_types(rt).size(), 1u);
}

TEST(StructOpsModule, AFailedInitTakesItsTypesWithIt) {
  Runtime rt;
  auto name = rt.modules().load(OPSMOD_FAIL_SO);
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.error().code(), -EIO);
  EXPECT_THAT(name.error().message(), HasSubstr("failing on purpose after registering opsmod_ops"));
  EXPECT_TRUE(module_types(rt).empty());
  EXPECT_TRUE(rt.modules().names().empty());
}

}  // namespace
}  // namespace hostbpf
