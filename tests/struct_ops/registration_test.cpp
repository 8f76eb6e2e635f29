// Registering struct_ops types (Registrar::add_struct_ops): what the owner's
// BTF gains (the struct, the kernel's value wrapper, the stubs with their
// annotations), the descriptor the runtime keeps, and every rule's error,
// after which the BTF is as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "hostbpf/hostbpf.h"
#include "runtime/access.h"
#include "runtime/state.h"

namespace hostbpf {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct demo_state {
  int32_t val;
};

struct demo_ops {
  int32_t (*on_event)(demo_state* st, uint64_t arg);
  uint64_t (*pick)();
  int32_t (*later)(int32_t x);  // unsupported: its stub is null
  uint32_t capacity;
};

int32_t stub_on_event(demo_state*, uint64_t) { return 0; }
uint64_t stub_pick() { return 0; }
const demo_ops kStubs = {stub_on_event, stub_pick, nullptr, 0};

int g_regs = 0;

StructOps<demo_ops> demo(std::initializer_list<std::string> on_event_names = {"st__nullable", "arg"}) {
  StructOps<demo_ops> ops("demo_ops", &kStubs);
  ops.member("on_event", &demo_ops::on_event, on_event_names)
      .member("pick", &demo_ops::pick)
      .member("later", &demo_ops::later, {"x"})
      .member("capacity", &demo_ops::capacity);
  ops.reg = [](demo_ops*, StructOpsLink*) { return ++g_regs, 0; };
  ops.unreg = [](demo_ops*, StructOpsLink*) {};
  return ops;
}

detail::RuntimeState& state(Runtime& rt) { return *detail::Access::state(rt); }

// The host's registered type of that name (nullptr when none).
const struct_ops::StructOpsDesc* host_type(Runtime& rt, std::string_view name) {
  return state(rt).struct_ops.find_by_name(&state(rt).host, name);
}

class StructOpsRegistration : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(rt.host().define<demo_state>("demo_state", {{"val", &demo_state::val}}).ok()); }
  uint32_t btf_end() { return state(rt).host.btf->end_id(); }
  // A refused registration: its code and message, and the BTF untouched.
  void expect_refused(const ::hostbpf::StructOpsRegistration& d, int code, const std::string& msg) {
    const uint32_t before = btf_end();
    auto r = rt.host().register_struct_ops(d);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), code) << r.error().message();
    EXPECT_THAT(r.error().message(), HasSubstr(msg));
    EXPECT_EQ(btf_end(), before) << "a refused registration left types in the BTF";
    EXPECT_EQ(host_type(rt, d.name), nullptr);
  }
  Runtime rt;
};

TEST_F(StructOpsRegistration, DescribesTheStructItsWrapperAndItsStubs) {
  auto id = rt.host().add_struct_ops(demo());
  ASSERT_TRUE(id.ok()) << id.error().message();
  auto c = rt.host_btf_dump(BtfFormat::C);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_THAT(*c, HasSubstr("struct demo_ops {\n"
                            "\tint (*on_event)(struct demo_state *, long unsigned int);\n"
                            "\tlong unsigned int (*pick)();\n"
                            "\tint (*later)(int);\n"
                            "\tunsigned int capacity;\n"
                            "};"));
  EXPECT_THAT(*c, HasSubstr("struct bpf_struct_ops_demo_ops {\n"
                            "\tstruct bpf_struct_ops_common_value common;\n"));
  EXPECT_THAT(*c, HasSubstr("struct bpf_struct_ops_common_value {\n"
                            "\trefcount_t refcnt;\n"
                            "\tenum bpf_struct_ops_state state;\n"
                            "};"));
  auto raw = rt.host_btf_dump(BtfFormat::Raw);
  ASSERT_TRUE(raw.ok());
  // The kernel's layout: data at byte 64, the value a whole number of cachelines.
  EXPECT_THAT(*raw, HasSubstr("STRUCT 'bpf_struct_ops_demo_ops' size=128 vlen=2"));
  EXPECT_THAT(*raw, HasSubstr("\t'data' type_id=" + std::to_string(*id) + " bits_offset=512\n"));
  EXPECT_THAT(*raw, HasSubstr("FUNC 'demo_ops__on_event' type_id="));
  EXPECT_THAT(*raw, HasSubstr("FUNC 'demo_ops__pick' type_id="));
  EXPECT_THAT(*raw, Not(HasSubstr("demo_ops__later")));  // no stub, no FUNC
  EXPECT_THAT(*raw, HasSubstr("\t'st__nullable' type_id="));

  ASSERT_NE(host_type(rt, "demo_ops"), nullptr);
  const struct_ops::StructOpsDesc& d = *host_type(rt, "demo_ops");
  EXPECT_EQ(d.owner, &state(rt).host);
  EXPECT_EQ(d.type_id, *id);
  EXPECT_EQ(d.size, sizeof(demo_ops));
  EXPECT_EQ(d.value_size, 128u);
  EXPECT_EQ(state(rt).struct_ops.find(d.owner, *id), &d);
  EXPECT_EQ(state(rt).struct_ops.find_value(d.owner, d.value_id), &d);
  EXPECT_EQ(state(rt).struct_ops.find_by_name(d.owner, "demo_ops"), &d);
  EXPECT_EQ(state(rt).struct_ops.find(d.owner, d.value_id), nullptr);
  ASSERT_EQ(d.members.size(), 4u);
  EXPECT_TRUE(d.members[0].supported);
  EXPECT_TRUE(d.members[1].supported);
  EXPECT_FALSE(d.members[2].supported);
  EXPECT_FALSE(d.members[3].supported);
  EXPECT_EQ(d.members[3].func_proto, 0u);
  EXPECT_EQ(d.members[3].offset, offsetof(demo_ops, capacity));
  EXPECT_EQ(d.supported_func(2), nullptr);
  ASSERT_NE(d.supported_func(0), nullptr);
  ASSERT_EQ(d.members[0].arg_info.size(), 1u);
  const struct_ops::CtxArgAux& aux = d.members[0].arg_info[0];
  EXPECT_EQ(aux.arg, 0u);
  EXPECT_TRUE(aux.nullable);
  EXPECT_FALSE(aux.refcounted);
  EXPECT_EQ(aux.btf_id, *state(rt).host.btf->find("demo_state", BTF_KIND_STRUCT));
  EXPECT_TRUE(d.members[1].arg_info.empty());
}

TEST_F(StructOpsRegistration, RefAnnotationIsRefcounted) {
  auto id = rt.host().add_struct_ops(demo({"st__ref", "arg"}));
  ASSERT_TRUE(id.ok()) << id.error().message();
  const auto& aux = host_type(rt, "demo_ops")->members[0].arg_info;
  ASSERT_EQ(aux.size(), 1u);
  EXPECT_TRUE(aux[0].refcounted);
  EXPECT_FALSE(aux[0].nullable);
}

TEST_F(StructOpsRegistration, TheOpsStructIsBoundForKfuncs) {
  ASSERT_TRUE(rt.host().add_struct_ops(demo()).ok());
  // demo_ops* may now appear in a kfunc's signature, as a defined struct may.
  auto k = rt.host().add_func("demo_ops_use", +[](demo_ops* o) -> int32_t { return o ? 1 : 0; }, {"ops"});
  EXPECT_TRUE(k.ok()) << k.error().message();
}

TEST_F(StructOpsRegistration, TheSameTypeTwiceIsEexist) {
  ASSERT_TRUE(rt.host().add_struct_ops(demo()).ok());
  const uint32_t before = btf_end();
  auto again = rt.host().add_struct_ops(demo());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), -EEXIST);
  EXPECT_THAT(again.error().message(), HasSubstr("vmlinux: struct_ops demo_ops: struct demo_ops already exists"));
  EXPECT_EQ(btf_end(), before);
  EXPECT_NE(host_type(rt, "demo_ops"), nullptr);
}

TEST_F(StructOpsRegistration, AnnotationOnANonStructPointerIsEinval) {
  expect_refused(demo({"st", "arg__nullable"}).registration(), -EINVAL,
                 "vmlinux: struct_ops demo_ops: stub function demo_ops__on_event has __nullable tagging to an "
                 "unsupported type");
  expect_refused(demo({"st", "arg__ref"}).registration(), -EINVAL, "has __ref tagging to an unsupported type");
  // Nothing of the refused tries stays: the corrected one registers.
  auto id = rt.host().add_struct_ops(demo());
  EXPECT_TRUE(id.ok()) << id.error().message();
}

struct ptr_ops {
  int32_t* (*bad)();
};
int32_t* stub_bad() { return nullptr; }
const ptr_ops kPtrStubs = {stub_bad};

TEST_F(StructOpsRegistration, ReturningAPointerToANonStructIsEopnotsupp) {
  StructOps<ptr_ops> ops("ptr_ops", &kPtrStubs);
  ops.member("bad", &ptr_ops::bad);
  ops.reg = [](ptr_ops*, StructOpsLink*) { return 0; };
  ops.unreg = [](ptr_ops*, StructOpsLink*) {};
  expect_refused(ops.registration(), -EOPNOTSUPP,
                 "func ptr bad in struct ptr_ops returns non-struct pointer, which is not supported");
}

TEST_F(StructOpsRegistration, AnAnonymousMemberIsEopnotsupp) {
  ::hostbpf::StructOpsRegistration d = demo().registration();
  d.members[3].name = "";
  expect_refused(d, -EOPNOTSUPP, "anon member in struct demo_ops is not supported");
}

TEST_F(StructOpsRegistration, MoreThan64MembersIsEinval) {
  struct wide {
    uint8_t b[65];
  };
  static const wide stubs{};
  ::hostbpf::StructOpsRegistration d;
  d.name = "wide_ops";
  d.size = sizeof(wide);
  d.align = 1;
  d.cfi_stubs = &stubs;
  for (uint32_t i = 0; i < 65; i++) {
    StructOpsMember m;
    m.name = "m" + std::to_string(i);
    m.offset = i;
    m.type = type_desc<uint8_t>();
    d.members.push_back(m);
  }
  d.ops.reg = [](void*, StructOpsLink*) { return 0; };
  d.ops.unreg = [](void*, StructOpsLink*) {};
  expect_refused(d, -EINVAL, "Cannot support #65 members in struct wide_ops");
  d.members.pop_back();  // 64 is the limit, not past it
  d.size = 64;
  EXPECT_TRUE(rt.host().register_struct_ops(d).ok());
}

TEST_F(StructOpsRegistration, StubsRegAndUnregAreRequired) {
  ::hostbpf::StructOpsRegistration d = demo().registration();
  d.cfi_stubs = nullptr;
  expect_refused(d, -EINVAL, "struct_ops demo_ops: no cfi_stubs");
  d = demo().registration();
  d.ops.reg = nullptr;
  expect_refused(d, -EINVAL, "a struct_ops type needs both reg and unreg");
  d = demo().registration();
  d.ops.unreg = nullptr;
  expect_refused(d, -EINVAL, "a struct_ops type needs both reg and unreg");
}

TEST_F(StructOpsRegistration, InitRunsOnceAndItsFailureRefuses) {
  int calls = 0;
  StructOps<demo_ops> ops = demo();
  ops.init = [&] { return ++calls, -1; };
  expect_refused(ops.registration(), -EINVAL, "vmlinux: Error in init bpf_struct_ops demo_ops");
  EXPECT_EQ(calls, 1);
  ops.init = [&] { return ++calls, 0; };
  ASSERT_TRUE(rt.host().add_struct_ops(ops).ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(StructOpsRegistration, MembersMustFitAndNotOverlap) {
  ::hostbpf::StructOpsRegistration d = demo().registration();
  d.members[3].offset = sizeof(demo_ops);
  expect_refused(d, -EINVAL, "member 'capacity' runs past the struct's");
  d = demo().registration();
  d.members.resize(2);
  d.members[1].offset = sizeof(demo_ops);  // a function pointer past the end: its stub is never read
  expect_refused(d, -EINVAL, "member 'pick' runs past the struct's");
  d = demo().registration();
  d.members[1].offset = 4;
  expect_refused(d, -EINVAL, "member 'pick' at byte 4 overlaps the one before it");
  d = demo().registration();
  d.members[0].param_names = {"only_one"};
  expect_refused(d, -EINVAL, "member 'on_event': 1 parameter names for 2 parameters");
}

// The built-in type, as Linux 6.18 defines it.
TEST_F(StructOpsRegistration, EveryRuntimeHasBpfDummyOps) {
  const struct_ops::StructOpsDesc* d = host_type(rt, "bpf_dummy_ops");
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->members.size(), 3u);
  EXPECT_EQ(d->members[0].name, "test_1");
  EXPECT_EQ(d->members[1].name, "test_2");
  EXPECT_EQ(d->members[2].name, "test_sleepable");
  for (const auto& m : d->members) EXPECT_TRUE(m.supported) << m.name;
  ASSERT_EQ(d->members[0].arg_info.size(), 1u);  // test_1(cb__nullable)
  EXPECT_TRUE(d->members[0].arg_info[0].nullable);
  EXPECT_TRUE(d->members[1].arg_info.empty());
  // check_member: only test_sleepable takes a sleepable program.
  EXPECT_EQ(d->ops.check_member(0, {"p", true}), -EINVAL);
  EXPECT_EQ(d->ops.check_member(1, {"p", true}), -EINVAL);
  EXPECT_EQ(d->ops.check_member(2, {"p", true}), 0);
  EXPECT_EQ(d->ops.check_member(0, {"p", false}), 0);
  // Its reg refuses every registration, as the kernel's does.
  EXPECT_EQ(d->ops.reg(nullptr, nullptr), -EOPNOTSUPP);
  auto c = rt.host_btf_dump(BtfFormat::C);
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(*c, HasSubstr("struct bpf_dummy_ops {\n"
                            "\tint (*test_1)(struct bpf_dummy_ops_state *);\n"
                            "\tint (*test_2)(struct bpf_dummy_ops_state *, int, short unsigned int, char, long "
                            "unsigned int);\n"
                            "\tint (*test_sleepable)(struct bpf_dummy_ops_state *);\n"
                            "};"));
  EXPECT_THAT(*c, HasSubstr("struct bpf_dummy_ops_state {\n\tint val;\n};"));
}

TEST_F(StructOpsRegistration, AfterTheHostBtfIsSealedIsEbusy) {
  const Insn prog[] = {{0xb7, 0, 0, 0, 0}, {0x95, 0, 0, 0, 0}};
  ASSERT_TRUE(rt.load_raw(prog).ok());
  auto r = rt.host().add_struct_ops(demo());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), -EBUSY);
  EXPECT_THAT(r.error().message(), HasSubstr("struct_ops demo_ops"));
}

}  // namespace
}  // namespace hostbpf
