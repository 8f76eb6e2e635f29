// Describing host types in C++: what BtfBuilder writes is real BTF that
// libbpf reads back, with the ids, names, layouts and errors a host relies on.
#include <gtest/gtest.h>

#include "btf/builder.h"
#include "btf/host_types.h"
#include "prog_types/prog_type_ops.h"

namespace hostbpf::btf {
namespace {

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
