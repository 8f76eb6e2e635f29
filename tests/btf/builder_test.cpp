// Describing host types in C++: what BtfBuilder writes is real BTF that
// libbpf reads back, with the ids, names, layouts and errors a host relies on.
#include <gtest/gtest.h>

#include "btf/builder.h"
#include "btf/cxx_types.h"
#include "btf/host_types.h"
#include "prog_types/prog_type_ops.h"

namespace hostbpf::btf {
namespace {

struct Task {
  int pid;
};
struct Unbound {};

int task_pid(Task* t, unsigned long flags) { return t->pid + static_cast<int>(flags); }
void drop(const Task*) {}
Unbound* make_unbound(int) { return nullptr; }

std::string param_name(const Btf& btf, const struct btf_type* proto, int i) {
  return btf__name_by_offset(btf.raw(), btf_params(proto)[i].name_off);
}

TEST(BtfBuilder, StructsFieldsAndPointersReadBackThroughLibbpf) {
  BtfBuilder b;
  const uint32_t u32 = b.int_type("unsigned int", 4, false);
  const uint32_t point = b.struct_type("point", 8, {{"x", u32, 0}, {"y", u32, 32}});
  const uint32_t ptr = b.pointer(point);
  auto btf = b.finish();
  ASSERT_TRUE(btf.ok()) << btf.error().message();
  const Btf& t = **btf;
  EXPECT_EQ(t.find("point", BTF_KIND_STRUCT).value(), point);
  const struct btf_type* st = t.type(point);
  ASSERT_EQ(btf_vlen(st), 2);
  EXPECT_EQ(st->size, 8u);
  EXPECT_STREQ(btf__name_by_offset(t.raw(), btf_members(st)[1].name_off), "y");
  EXPECT_EQ(btf_member_bit_offset(st, 1), 32u);
  EXPECT_EQ(t.type(ptr)->type, point);
  // The encoding round-trips: libbpf parses what we wrote.
  auto again = Btf::from_blob(t.raw_data());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ((*again)->find("point", BTF_KIND_STRUCT).value(), point);
}

TEST(BtfBuilder, NamedTypesAreReusedAndConflictingLayoutsRefused) {
  BtfBuilder b;
  const uint32_t a = b.int_type("int", 4, true);
  EXPECT_EQ(b.int_type("int", 4, true), a);
  const uint32_t s = b.struct_type("s", 4, {{"v", a, 0}});
  EXPECT_EQ(b.struct_type("s", 4, {{"v", a, 0}}), s);
  EXPECT_EQ(b.struct_type("s", 8, {{"v", a, 0}, {"w", a, 32}}), 0u);
  auto btf = b.finish();
  ASSERT_FALSE(btf.ok());
  EXPECT_EQ(btf.error().code(), -EEXIST);
  EXPECT_NE(btf.error().message().find("struct 's': already described with another layout"), std::string::npos)
      << btf.error().message();
}

TEST(BtfBuilder, ErrorsNameTheTypeAndTheProblem) {
  {
    BtfBuilder b;
    b.pointer(1234);
    auto btf = b.finish();
    ASSERT_FALSE(btf.ok());
    EXPECT_NE(btf.error().message().find("refers to type [1234] which does not exist"), std::string::npos);
  }
  {
    BtfBuilder b;
    const uint32_t i = b.int_type("int", 4, true);
    b.struct_type("tiny", 4, {{"a", i, 0}, {"b", i, 32}});
    auto btf = b.finish();
    ASSERT_FALSE(btf.ok());
    EXPECT_NE(btf.error().message().find("struct 'tiny' field 'b': bit offset 32 is past the struct's 4 bytes"),
              std::string::npos)
        << btf.error().message();
  }
  {
    BtfBuilder b;
    b.func("not_a_proto", b.int_type("int", 4, true));
    auto btf = b.finish();
    ASSERT_FALSE(btf.ok());
    EXPECT_NE(btf.error().message().find("function 'not_a_proto': type [1] is not a FUNC_PROTO"), std::string::npos);
  }
}

TEST(BtfBuilder, EnumsPickEnum64OnlyWhenValuesNeedIt) {
  BtfBuilder b;
  const uint32_t small = b.enum_type("small", 4, {{"A", 1}, {"B", -1}});
  const uint32_t wide = b.enum_type("wide", 8, {{"BIG", int64_t{1} << 40}});
  auto btf = b.finish();
  ASSERT_TRUE(btf.ok()) << btf.error().message();
  EXPECT_EQ(btf_kind((*btf)->type(small)), BTF_KIND_ENUM);
  EXPECT_EQ(btf_kind((*btf)->type(wide)), BTF_KIND_ENUM64);
}

TEST(CxxTypes, FunctionPrototypeFollowsTheCxxSignature) {
  BtfBuilder b;
  const uint32_t task = b.struct_type("task", 4, {{"pid", b.int_type("int", 4, true), 0}});
  b.bind<Task>(task);
  const uint32_t proto = cxx_func_proto(b, &task_pid, {"t", "flags"});
  const uint32_t fn = b.func("task_pid", proto);
  const uint32_t drop_proto = cxx_func_proto(b, &drop);
  auto btf = b.finish();
  ASSERT_TRUE(btf.ok()) << btf.error().message();
  const Btf& t = **btf;
  const struct btf_type* p = t.type(proto);
  ASSERT_EQ(btf_kind(p), BTF_KIND_FUNC_PROTO);
  ASSERT_EQ(btf_vlen(p), 2);
  EXPECT_EQ(t.name(p->type), "int");
  EXPECT_EQ(param_name(t, p, 0), "t");
  EXPECT_EQ(t.type(btf_params(p)[0].type)->type, task);  // Task* -> struct task
  EXPECT_EQ(t.name(btf_params(p)[1].type), "long unsigned int");
  EXPECT_EQ(t.type(fn)->type, proto);
  EXPECT_EQ(btf_vlen(t.type(fn)), BTF_FUNC_GLOBAL);  // a FUNC keeps its linkage in vlen

  const struct btf_type* d = t.type(drop_proto);
  EXPECT_EQ(d->type, 0u);  // void
  const struct btf_type* arg = t.type(btf_params(d)[0].type);
  ASSERT_EQ(btf_kind(arg), BTF_KIND_PTR);
  EXPECT_EQ(btf_kind(t.type(arg->type)), BTF_KIND_CONST);  // const Task*
  EXPECT_EQ(t.type(arg->type)->type, task);
}

TEST(CxxTypes, UnboundClassIsAnErrorNotAGuess) {
  BtfBuilder b;
  cxx_func_proto(b, &make_unbound);
  auto btf = b.finish();
  ASSERT_FALSE(btf.ok());
  EXPECT_NE(btf.error().message().find("has no BTF type: bind it first"), std::string::npos)
      << btf.error().message();
}

TEST(CxxTypes, WrongNumberOfParameterNamesIsAnError) {
  BtfBuilder b;
  b.bind<Task>(b.struct_type("task", 4, {{"pid", b.int_type("int", 4, true), 0}}));
  cxx_func_proto(b, &task_pid, {"only_one"});
  auto btf = b.finish();
  ASSERT_FALSE(btf.ok());
  EXPECT_NE(btf.error().message().find("1 parameter names for 2 parameters"), std::string::npos);
}

TEST(HostTypes, StandardTypesAreThereOnceWithTheKernelsLayouts) {
  BtfBuilder b;
  prog_types::add_host_types(b);
  const uint32_t before = b.next_id();
  prog_types::add_host_types(b);  // idempotent
  EXPECT_EQ(b.next_id(), before);
  auto btf = b.finish();
  ASSERT_TRUE(btf.ok()) << btf.error().message();
  const Btf& t = **btf;
  for (const char* name : {"u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "__u8", "__u16", "__u32", "__u64",
                           "__s8", "__s16", "__s32", "__s64", "__be16", "__be32", "bool"})
    EXPECT_TRUE(t.find(name, BTF_KIND_TYPEDEF).ok()) << name;
  const uint32_t u64 = t.skip_modifiers_and_typedefs(t.find("u64", BTF_KIND_TYPEDEF).value());
  EXPECT_EQ(t.type(u64)->size, 8u);
  EXPECT_EQ(btf_int_encoding(t.type(u64)) & BTF_INT_SIGNED, 0);
  const struct btf_type* md = t.type(t.find("xdp_md", BTF_KIND_STRUCT).value());
  EXPECT_EQ(md->size, 24u);
  EXPECT_EQ(btf_vlen(md), 6);
  EXPECT_TRUE(t.find("xdp_action", BTF_KIND_ENUM).ok());
  EXPECT_TRUE(t.find("bpf_map_type", BTF_KIND_ENUM).ok());
}

}  // namespace
}  // namespace hostbpf::btf
