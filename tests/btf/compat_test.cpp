// Prototype compatibility of a program's kfunc declaration with the host's
// definition, by libbpf's rules.
#include <gtest/gtest.h>

#include "btf/builder.h"
#include "btf/compat.h"
#include "btf/query.h"

namespace hostbpf::btf {
namespace {

struct Protos {
  std::shared_ptr<const Btf> btf;
  uint32_t base, renamed, ints_resized, more_args, struct_vs_int, fwd_arg, other_struct, enum_ret, void_ret,
      typedef_ptr;
};

// Each proto is compared against `base`: int f(struct task *t, unsigned long flags).
Protos make() {
  BtfBuilder b;
  Protos p;
  const uint32_t i32 = b.int_type("int", 4, true);
  const uint32_t u64 = b.int_type("long unsigned int", 8, false);
  const uint32_t u16 = b.int_type("short unsigned int", 2, false);
  const uint32_t task = b.struct_type("task", 4, {{"pid", i32, 0}});
  const uint32_t other = b.struct_type("other", 4, {{"v", i32, 0}});
  const uint32_t task_ptr = b.pointer(task);
  p.base = b.func_proto(i32, {{"t", task_ptr}, {"flags", u64}});
  p.renamed = b.func_proto(i32, {{"x", task_ptr}, {"y", u64}});
  p.ints_resized = b.func_proto(u16, {{"t", task_ptr}, {"flags", i32}});
  p.more_args = b.func_proto(i32, {{"t", task_ptr}, {"flags", u64}, {"extra", i32}});
  p.struct_vs_int = b.func_proto(i32, {{"t", b.pointer(i32)}, {"flags", u64}});
  p.fwd_arg = b.func_proto(i32, {{"t", b.pointer(b.fwd("task_fwd"))}, {"flags", u64}});
  p.other_struct = b.func_proto(i32, {{"t", b.pointer(other)}, {"flags", u64}});
  p.enum_ret = b.func_proto(b.enum_type("e", 4, {{"A", 0}}), {{"t", task_ptr}, {"flags", u64}});
  p.void_ret = b.func_proto(0, {{"t", task_ptr}, {"flags", u64}});
  p.typedef_ptr = b.func_proto(b.typedef_type("s32", i32), {{"t", b.const_of(task_ptr)}, {"flags", b.typedef_type("u64", u64)}});
  p.btf = b.finish().value();
  return p;
}

TEST(ProtoCompat, LibbpfRules) {
  Protos p = make();
  const Btf& b = *p.btf;
  std::string why;
  EXPECT_EQ(types_are_compat(b, p.renamed, b, p.base), 1);        // names ignored
  EXPECT_EQ(types_are_compat(b, p.ints_resized, b, p.base), 1);   // int size and sign ignored
  EXPECT_EQ(types_are_compat(b, p.other_struct, b, p.base), 1);   // structs by kind only
  EXPECT_EQ(types_are_compat(b, p.typedef_ptr, b, p.base), 1);    // through typedefs and const
  EXPECT_EQ(types_are_compat(b, p.void_ret, b, p.base, {}, &why), 0);
  EXPECT_NE(why.find("void against a type"), std::string::npos) << why;
  EXPECT_EQ(types_are_compat(b, p.more_args, b, p.base, {}, &why), 0);
  EXPECT_NE(why.find("3 parameters against 2"), std::string::npos) << why;
  EXPECT_EQ(types_are_compat(b, p.struct_vs_int, b, p.base, {}, &why), 0);
  EXPECT_NE(why.find("different kinds: local INT 'int'"), std::string::npos) << why;
  EXPECT_EQ(types_are_compat(b, p.enum_ret, b, p.base, {}, &why), 0);  // enum vs int differ in kind
}

// libbpf's CO-RE rule: a forward declaration is its own kind. The ksym check
// lets it stand for the struct (CompatRules::fwd_matches_composite).
TEST(ProtoCompat, ForwardDeclarationsFollowTheRules) {
  Protos p = make();
  const Btf& b = *p.btf;
  std::string why;
  EXPECT_EQ(types_are_compat(b, p.fwd_arg, b, p.base, {}, &why), 0);
  EXPECT_NE(why.find("different kinds: local FWD 'task_fwd'"), std::string::npos) << why;
  EXPECT_EQ(types_are_compat(b, p.fwd_arg, b, p.base, {.fwd_matches_composite = true}), 1);
  EXPECT_EQ(types_are_compat(b, p.base, b, p.fwd_arg, {.fwd_matches_composite = true}), 1);
  // Still not a scalar: only composites.
  EXPECT_EQ(types_are_compat(b, p.fwd_arg, b, p.struct_vs_int, {.fwd_matches_composite = true}), 0);
}

// A modifier cycle (possible in object BTF libbpf parsed) is malformed, not a hang.
TEST(ProtoCompat, MalformedChainsAreErrors) {
  Protos p = make();
  const Btf& b = *p.btf;
  std::string why;
  EXPECT_EQ(types_are_compat(b, 9999, b, p.base, {}, &why), -EINVAL);
  EXPECT_NE(why.find("out of range"), std::string::npos) << why;
}

TEST(EssentialName, LastFlavorSeparatorAsLibbpf) {
  EXPECT_EQ(essential_name("task_struct___v2"), "task_struct");
  EXPECT_EQ(essential_name("a___b___c"), "a___b");
  EXPECT_EQ(essential_name("plain"), "plain");
  EXPECT_EQ(essential_name("x____y"), "x____y");   // four underscores: not a separator
  EXPECT_EQ(essential_name("___v1"), "___v1");     // nothing before it
  EXPECT_EQ(essential_name("foo___"), "foo___");   // nothing after it
  EXPECT_EQ(essential_name("bpf_cpumask_create___flavor"), "bpf_cpumask_create");
}

}  // namespace
}  // namespace hostbpf::btf
