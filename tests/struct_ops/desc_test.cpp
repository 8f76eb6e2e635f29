// struct_ops::desc_init over BTF built by hand: the rules that a C++
// registration cannot break but BTF from elsewhere can (bitfields, a
// malformed value wrapper, stubs that disagree with their member), each with
// its message and code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "btf/builder.h"
#include "btf/host_types.h"
#include "struct_ops/desc.h"

namespace hostbpf::struct_ops {
namespace {

using ::testing::HasSubstr;

struct Fixture {
  std::shared_ptr<btf::Btf> btf = btf::Btf::empty();
  btf::BtfBuilder b{btf};
  uint32_t i32, state, state_ptr, common;
  Fixture() {
    btf::add_standard_types(b);
    i32 = b.lookup("int", BTF_KIND_INT);
    state = b.struct_type("st", 4, {{"val", i32, 0}});
    state_ptr = b.pointer(state);
    common = b.lookup(kCommonValue, BTF_KIND_STRUCT);
  }
  // struct t_ops { int (*f)(struct st *, int); int data; } and its wrapper.
  uint32_t ops(uint32_t bitfield_size = 0) {
    const uint32_t proto = b.func_proto(i32, {{"", state_ptr}, {"", i32}});
    const uint32_t t =
        b.struct_type("t_ops", 16, {{"f", b.pointer(proto), 0}, {"data", i32, 64, bitfield_size}});
    return t;
  }
  void wrapper(uint32_t t) { b.struct_type("bpf_struct_ops_t_ops", 128, {{"common", common, 0}, {"data", t, 512}}); }
};

StructOpsCallbacks callbacks() {
  StructOpsCallbacks c;
  c.reg = [](void*, StructOpsLink*) { return 0; };
  c.unreg = [](void*, StructOpsLink*) {};
  return c;
}

struct t_ops_stubs {
  void* f;
  int data;
};
int stub_f(void*, int) { return 0; }
const t_ops_stubs kStubs = {reinterpret_cast<void*>(&stub_f), 0};

Error init_error(Fixture& fx) {
  auto d = desc_init(*fx.btf, nullptr, "t_ops", &kStubs, callbacks());
  return d.ok() ? Error() : d.error();
}

TEST(StructOpsDesc, AWellFormedTypeReadsBack) {
  Fixture fx;
  const uint32_t t = fx.ops();
  fx.wrapper(t);
  const uint32_t proto = fx.b.func_proto(fx.i32, {{"s__nullable", fx.state_ptr}, {"x", fx.i32}});
  fx.b.func("t_ops__f", proto, BTF_FUNC_STATIC);
  auto d = desc_init(*fx.btf, nullptr, "t_ops", &kStubs, callbacks());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->type_id, t);
  EXPECT_EQ(d->value_size, 128u);
  ASSERT_EQ(d->members.size(), 2u);
  EXPECT_TRUE(d->members[0].supported);
  ASSERT_EQ(d->members[0].arg_info.size(), 1u);
  EXPECT_EQ(d->members[0].arg_info[0].btf_id, fx.state);
  EXPECT_EQ(d->members[1].offset, 8u);
}

TEST(StructOpsDesc, ABitfieldMemberIsEopnotsupp) {
  Fixture fx;
  fx.wrapper(fx.ops(/*bitfield_size=*/3));
  Error e = init_error(fx);
  EXPECT_EQ(e.code(), -EOPNOTSUPP);
  EXPECT_EQ(e.message(), "vmlinux: struct_ops t_ops: bit field member data in struct t_ops is not supported");
}

TEST(StructOpsDesc, MissingStructsAreNamed) {
  Fixture fx;
  Error e = init_error(fx);
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("Cannot find struct t_ops in vmlinux"));
  fx.ops();
  e = init_error(fx);
  EXPECT_THAT(e.message(), HasSubstr("Cannot find struct bpf_struct_ops_t_ops in vmlinux"));
}

TEST(StructOpsDesc, AMalformedWrapperIsEinval) {
  Fixture fx;
  const uint32_t t = fx.ops();
  fx.b.struct_type("bpf_struct_ops_t_ops", 128, {{"common", fx.i32, 0}, {"data", t, 512}});
  Error e = init_error(fx);
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("The first member of bpf_struct_ops_t_ops should be bpf_struct_ops_common_value"));

  Fixture fx2;
  fx2.ops();
  fx2.b.struct_type("bpf_struct_ops_t_ops", 128, {{"common", fx2.common, 0}, {"data", fx2.state, 512}});
  e = init_error(fx2);
  EXPECT_THAT(e.message(), HasSubstr("The second member of bpf_struct_ops_t_ops should be t_ops"));

  Fixture fx3;
  const uint32_t t3 = fx3.ops();
  fx3.b.struct_type("bpf_struct_ops_t_ops", 128,
                    {{"common", fx3.common, 0}, {"data", t3, 512}, {"extra", fx3.i32, 64}});
  e = init_error(fx3);
  EXPECT_THAT(e.message(), HasSubstr("The number of bpf_struct_ops_t_ops's members should be 2, but we get 3"));
}

TEST(StructOpsDesc, AStubMustMatchItsMember) {
  Fixture fx;
  fx.wrapper(fx.ops());
  fx.b.func("t_ops__f", fx.b.func_proto(fx.i32, {{"s__nullable", fx.state_ptr}}), BTF_FUNC_STATIC);
  Error e = init_error(fx);
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("the number of arguments of the stub function t_ops__f does not match the "
                                     "number of arguments of the member f of struct t_ops"));

  Fixture fx2;
  fx2.wrapper(fx2.ops());
  // The same struct pointer, but another PTR type: the kernel matches by id.
  const uint32_t other_ptr = fx2.b.pointer(fx2.state);
  fx2.b.func("t_ops__f", fx2.b.func_proto(fx2.i32, {{"s__ref", other_ptr}, {"x", fx2.i32}}), BTF_FUNC_STATIC);
  e = init_error(fx2);
  EXPECT_THAT(e.message(), HasSubstr("arg#0 type in stub function t_ops__f does not match with its original func_proto"));
}

TEST(StructOpsDesc, TooManyArgumentsIsEinval) {
  Fixture fx;
  std::vector<btf::Param> params(13, btf::Param{"", fx.i32});
  const uint32_t t = fx.b.struct_type("t_ops", 8, {{"f", fx.b.pointer(fx.b.func_proto(fx.i32, params)), 0}});
  fx.wrapper(t);
  Error e = init_error(fx);
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("Error in parsing func ptr f in struct t_ops: 13 arguments, at most 12"));
}

TEST(StructOpsDesc, AStructPassedByValueIsEopnotsupp) {
  Fixture fx;
  const uint32_t t =
      fx.b.struct_type("t_ops", 8, {{"f", fx.b.pointer(fx.b.func_proto(fx.i32, {{"", fx.state}})), 0}});
  fx.wrapper(t);
  Error e = init_error(fx);
  EXPECT_EQ(e.code(), -EOPNOTSUPP);
  EXPECT_THAT(e.message(), HasSubstr("func ptr f in struct t_ops: argument 1 is STRUCT"));
}

}  // namespace
}  // namespace hostbpf::struct_ops
