// kfunc calls end to end: programs calling the test kfuncs (kfunc_fixture.h)
// are loaded (externs resolved), verified with the kernel's rules and
// messages, and run, calling the host functions directly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "base/rcu.h"
#include "exec/checked_interpreter.h"
#include "helpers/run_env.h"
#include "kfunc_fixture.h"
#include "object/object_spec.h"
#include "runtime/state.h"
#include "verifier/verifier.h"

namespace hostbpf::test {
namespace {

using ::testing::HasSubstr;

std::string obj_path(const char* name) { return std::string(HOSTBPF_TEST_BINARY_DIR) + "/" + name + ".bpf.o"; }

struct Args {
  int64_t a;
};

class KfuncCalls : public ::testing::Test {
 protected:
  void SetUp() override { register_test_kfuncs(rt_); }

  // Opens `file` and loads only program `prog`.
  Result<Object> load(const char* file, const char* prog, Error* err) {
    auto obj = rt_.open(obj_path(file));
    if (!obj) return obj.error();
    for (auto& p : obj->programs()) EXPECT_FALSE(p.set_autoload(p.name() == prog));
    *err = obj->load();
    return obj;
  }

  // Loads `prog` and expects the verifier (or loader) to refuse it with `msg`.
  void expect_reject(const char* prog, const std::string& msg, int code, const char* file = "calls") {
    Error err;
    auto obj = load(file, prog, &err);
    ASSERT_TRUE(obj.ok()) << obj.error().message();
    ASSERT_TRUE(err) << prog << " was accepted";
    EXPECT_EQ(err.code(), code) << err.message();
    EXPECT_THAT(err.message(), HasSubstr(msg)) << err.log();
  }

  // Loads and runs `prog` with ctx {a}; returns R0.
  int64_t run(const char* prog, int64_t a = 0, const char* file = "calls") {
    Error err;
    auto obj = load(file, prog, &err);
    EXPECT_TRUE(obj.ok());
    if (!obj.ok()) return INT64_MIN;
    EXPECT_FALSE(err) << err.message() << "\n" << err.log();
    if (err) return INT64_MIN;
    auto p = obj->program(prog);
    Args args{a};
    TestRunOptions o;
    o.ctx_in = &args;
    o.ctx_size_in = sizeof args;
    auto r = p->test_run(o);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? static_cast<int64_t>(r->retval) : INT64_MIN;
  }

  Runtime rt_;
};

TEST_F(KfuncCalls, ScalarArgumentsAndResultsFlowBothWays) {
  // test_add(a, 5) + test_neg(7): the int result of test_neg is widened.
  EXPECT_EQ(run("add", 10), 10 + 5 - 7);
  EXPECT_EQ(static_cast<int32_t>(run("add", -100)), -100 + 5 - 7);
}

TEST_F(KfuncCalls, AcquireReleaseRunsTheHostFunctions) {
  const int before = g_live_objs.load();
  EXPECT_EQ(run("acquire_release", 21), 42);  // test_obj_get(o) + o->value
  EXPECT_EQ(g_live_objs.load(), before);      // released
  EXPECT_EQ(run("acquire_twice"), 2);         // refs after test_obj_acquire
  EXPECT_EQ(g_live_objs.load(), before);
}

TEST_F(KfuncCalls, ReferencedPointersAreNeverNull) {
  const int before = g_live_objs.load();
  EXPECT_EQ(run("null_tracking"), 3);
  EXPECT_EQ(g_live_objs.load(), before);
}

TEST_F(KfuncCalls, RcuKfuncAcceptsAReferencedPointer) { EXPECT_EQ(run("rcu_accepts_referenced", 4), 8); }

TEST_F(KfuncCalls, MemoryWithSizeArgument) { EXPECT_EQ(run("sum_mem"), 10); }

TEST_F(KfuncCalls, MemoryWithSizeBeyondTheBuffer) {
  // The error is the instruction's first message; the kernel's pair message follows it.
  Error err;
  auto obj = load("calls", "sum_mem_overflow", &err);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), -EINVAL);  // past the frame's top: the kernel's -EINVAL
  EXPECT_THAT(err.message(), HasSubstr("invalid read from stack R1 off=-4 size=8"));
  EXPECT_THAT(err.log(), HasSubstr("invalid read from stack R1 off=-4 size=8\n"
                                   "arg#0 arg#1 memory, len pair leads to invalid memory access\n"));
}

TEST_F(KfuncCalls, KnownConstantArgument) {
  EXPECT_EQ(run("const_ok"), 43);
  expect_reject("const_unknown", "R1 must be a known constant", -EINVAL);
}

TEST_F(KfuncCalls, SleepableKfunc) {
  EXPECT_EQ(run("sleepable_ok"), 100);  // SEC("syscall") programs are sleepable
  expect_reject("sleepable_in_xdp", "program must be sleepable to call sleepable kfunc test_sleepy", -EACCES);
}

TEST_F(KfuncCalls, DestructiveKfuncNeedsPermission) {
  expect_reject("destructive", "destructive kfunc calls require CAP_SYS_BOOT capability", -EACCES);
}

TEST(KfuncCallsDestructive, AllowedWhenTheHostSaysSo) {
  RuntimeOptions opts;
  opts.allow_destructive_kfuncs = true;
  Runtime rt(opts);
  register_test_kfuncs(rt);
  auto obj = rt.open(obj_path("calls"));
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  for (auto& p : obj->programs()) ASSERT_FALSE(p.set_autoload(p.name() == "destructive"));
  Error err = obj->load();
  ASSERT_FALSE(err) << err.message() << "\n" << err.log();
  Args args{0};
  auto r = obj->program("destructive")->test_run({.ctx_in = &args, .ctx_size_in = sizeof args});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->retval, 200u);
}

TEST_F(KfuncCalls, NotAllowedForThisProgramType) {
  expect_reject("not_allowed", "calling kernel function test_syscall_only is not allowed", -EACCES);
}

TEST_F(KfuncCalls, TrustedArgs) {
  expect_reject("trusted_rejects_plain", "R1 must be referenced or trusted", -EINVAL);
  expect_reject("trusted_null", "Possibly NULL pointer passed to trusted arg0", -EACCES);
}

TEST_F(KfuncCalls, RcuArgs) { expect_reject("rcu_rejects_plain", "R1 must be a rcu pointer", -EINVAL); }

TEST_F(KfuncCalls, ReleaseNeedsAnAcquiredReference) {
  // KF_RELEASE implies trusted arguments, checked first (as the kernel does).
  expect_reject("release_unacquired", "R1 must be referenced or trusted", -EINVAL);
}

TEST_F(KfuncCalls, LeakedReference) {
  Error err;
  auto obj = load("calls", "leak", &err);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), -EINVAL);
  EXPECT_THAT(err.message(), ::testing::ContainsRegex("Unreleased reference id=[0-9]+ alloc_insn=[0-9]+"));
  EXPECT_THAT(err.log(), ::testing::ContainsRegex("Unreleased reference id=2 alloc_insn=[0-9]+\n"
                                                  "BPF_EXIT instruction in main prog would lead to reference leak"));
}

TEST_F(KfuncCalls, RetNullNeedsANullCheck) {
  expect_reject("no_null_check", "R0 invalid mem access 'ptr_or_null_'", -EACCES);
}

TEST_F(KfuncCalls, UseAfterRelease) { expect_reject("use_after_release", "invalid mem access 'scalar'", -EACCES); }

TEST_F(KfuncCalls, StructPointers) {
  EXPECT_EQ(run("first_member"), 5);  // test_wrapper's first member is a test_obj
  expect_reject("wrong_struct",
                "kernel function test_obj_peek args#0 expected pointer to STRUCT test_obj but R1 has a pointer to "
                "STRUCT test_other",
                -EINVAL);
}

TEST_F(KfuncCalls, FieldAccess) {
  EXPECT_EQ(run("untrusted_walk"), 11 + 7);  // g->next->x + g->value
  expect_reject("write_field", "only read is supported", -EACCES);
  expect_reject("read_beyond", "access beyond struct test_other at off 8 size 8", -EACCES);
}

TEST_F(KfuncCalls, NonGplProgramCannotCallKfuncs) {
  expect_reject("nongpl", "cannot call kernel function from non-GPL compatible program", -EINVAL, "nongpl");
}

TEST_F(KfuncCalls, UntrustedLoadsAreFaultSafe) {
  EXPECT_EQ(run("probe_null"), 1);  // reads through a NULL member pointer give 0, as BPF_PROBE_MEM does
}

TEST_F(KfuncCalls, StrongPrototypeMismatchFailsTheLoad) {
  Error err;
  auto obj = load("strong", "bad_proto", &err);
  ASSERT_TRUE(obj.ok());
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), -EINVAL);
  EXPECT_THAT(err.message(), HasSubstr("extern (func ksym) 'test_add___bad': func_proto"));
  EXPECT_THAT(err.message(), HasSubstr("incompatible with vmlinux"));
}

TEST_F(KfuncCalls, UnreachableUnresolvedWeakKfuncsLoad) {
  // test_missing does not exist; test_add___mismatch has the wrong prototype:
  // both unresolved, both guarded by bpf_ksym_exists.
  EXPECT_EQ(run("guarded", 0, "weak"), 1);
}

TEST_F(KfuncCalls, ReachableUnresolvedWeakKfuncIsRejected) {
  expect_reject("reachable", "kfunc 'test_missing' is referenced but wasn't resolved", -EINVAL, "weak");
}

TEST_F(KfuncCalls, LogNamesKfuncsAndBtfPointers) {
  auto obj = rt_.open(obj_path("calls"));
  ASSERT_TRUE(obj.ok());
  for (auto& p : obj->programs()) ASSERT_FALSE(p.set_autoload(p.name() == "acquire_release"));
  LoadOptions lo;
  lo.log_level = 2;
  ASSERT_FALSE(obj->load(lo));
  const std::string& log = obj->program("acquire_release")->verifier_log();
  EXPECT_THAT(log, ::testing::ContainsRegex("call test_obj_new#[0-9]+ +; R0=ptr_or_null_test_obj\\(id=2,ref_obj_id=2\\) refs=2"));
  EXPECT_THAT(log, ::testing::ContainsRegex("R7=ptr_test_obj\\(ref_obj_id=2\\)"));
}

TEST_F(KfuncCalls, XlatedCallsNameTheHostBtfId) {
  Error err;
  auto obj = load("calls", "add", &err);
  ASSERT_FALSE(err) << err.message();
  auto& rts = *detail::Access::state(rt_);
  const auto id = rts.host.btf->find("test_add", BTF_KIND_FUNC);
  ASSERT_TRUE(id.ok());
  bool found = false;
  for (const auto& insn : obj->program("add")->insns())
    if (insn.code == (BPF_JMP | BPF_CALL) && insn.src_reg == BPF_PSEUDO_KFUNC_CALL)
      found |= insn.imm == static_cast<int32_t>(*id) && insn.off == 0;
  EXPECT_TRUE(found);
}

TEST_F(KfuncCalls, CheckedInterpreterRunsKfuncCalls) {
  // The fixed-up program in the checked interpreter, kfuncs bound by their
  // (BTF id, BTF index): results agree, and count as address-dependent.
  Error err;
  auto obj = load("calls", "acquire_release", &err);
  ASSERT_FALSE(err) << err.message();
  auto& rts = *detail::Access::state(rt_);
  const auto insns = obj->program("acquire_release")->insns();
  const std::span<const isa::Insn> prog(reinterpret_cast<const isa::Insn*>(insns.data()), insns.size());
  exec::CheckedOptions o;
  o.prog_type = ProgType::Syscall;
  for (const auto& insn : prog)
    if (isa::is_kfunc_call(insn))
      o.kfuncs.push_back({insn.imm, insn.off,
                          reinterpret_cast<helpers::HelperFn>(
                              const_cast<void*>(rts.kfuncs.address(&rts.host, static_cast<uint32_t>(insn.imm))))});
  auto p = exec::CheckedProgram::create(prog, o);
  ASSERT_TRUE(p.ok());
  Args args{21};
  exec::CheckedInput in;
  in.ctx = reinterpret_cast<uint64_t>(&args);
  in.ctx_size = sizeof args;
  rcu::ReadLock lock;
  helpers::EnvScope env(nullptr);
  const exec::CheckedResult r = (*p)->run(in);
  EXPECT_EQ(r.status, exec::CheckedResult::Status::Ok) << (r.violation ? r.violation->to_string() : r.unsupported);
  EXPECT_EQ(r.r0, 42u);
  EXPECT_TRUE(r.address_dependent);
}

TEST_F(KfuncCalls, ReleaseNeedsZeroOffset) {
  expect_reject("release_offset", "R1 must have zero offset when passed to release func or trusted arg to kfunc",
                -EINVAL);
}

TEST_F(KfuncCalls, AcquireMustReturnAStructPointer) {
  expect_reject("bad_acquire", "acquire kernel function does not return PTR_TO_BTF_ID", -EINVAL);
}

TEST_F(KfuncCalls, PointerToScalarIsReadOnlyMemory) {
  EXPECT_EQ(run("int_ptr"), 77);
  expect_reject("int_ptr_write", "R0 cannot write into rdonly_mem", -EACCES);
}

TEST_F(KfuncCalls, NullableAndOptionalArguments) {
  EXPECT_EQ(run("nullable"), -1);  // NULL is allowed for o__nullable, even with KF_TRUSTED_ARGS
  EXPECT_EQ(run("opt_null"), -2);  // a NULL buf__opt skips the size check
}

TEST_F(KfuncCalls, CtxArgument) {
  Error err;
  auto obj = load("calls", "ctx_arg", &err);
  ASSERT_FALSE(err) << err.message() << err.log();
  uint8_t pkt[64] = {};
  TestRunOptions o;
  o.data_in = pkt;
  o.data_size_in = sizeof pkt;
  auto r = obj->program("ctx_arg")->test_run(o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->retval, static_cast<uint64_t>(XDP_PASS));
  expect_reject("ctx_arg_wrong", "arg#0 expected pointer to ctx, but got fp", -EINVAL);
}

class KfuncModule : public KfuncCalls {};

TEST_F(KfuncModule, ModuleNotLiveIsEnxio) {
  auto m = add_test_module(rt_);
  Error err;
  auto obj = load("module", "call_module", &err);
  ASSERT_TRUE(obj.ok());
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), -ENXIO) << err.message();
  EXPECT_EQ(m->refs(), 0u);
}

TEST_F(KfuncModule, ProgramHoldsItsModule) {
  auto m = add_test_module(rt_);
  m->set_live();
  {
    Error err;
    auto obj = load("module", "call_module", &err);
    ASSERT_TRUE(obj.ok());
    ASSERT_FALSE(err) << err.message();
    EXPECT_EQ(m->refs(), 1u);
    EXPECT_TRUE(m->begin_unload());  // -EBUSY while the program lives
    auto r = obj->program("call_module")->test_run({});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->retval, 42u);
  }
  EXPECT_EQ(m->refs(), 0u);
  EXPECT_FALSE(m->begin_unload());
  detail::Access::state(rt_)->kfuncs.remove_owner(m->owner());
  detail::Access::state(rt_)->modules.unpublish(m);
}

}  // namespace
}  // namespace hostbpf::test

namespace hostbpf::test {
namespace {

Error open_error(Runtime& rt, const char* file) {
  auto obj = rt.open(obj_path(file));
  return obj.ok() ? Error() : obj.error();
}

TEST(KfuncExterns, ExternVariablesAreRefusedByName) {
  Runtime rt;
  Error e = open_error(rt, "extern_var");
  EXPECT_EQ(e.code(), -EOPNOTSUPP);
  EXPECT_THAT(e.message(), HasSubstr("extern 'bpf_prog_active' (ksym)"));
  e = open_error(rt, "extern_kconfig");
  EXPECT_EQ(e.code(), -EOPNOTSUPP);
  EXPECT_THAT(e.message(), HasSubstr("extern 'LINUX_KERNEL_VERSION' (kconfig) is not supported"));
}

TEST(KfuncExterns, StrongKfuncMissingFailsTheLoad) {
  Runtime rt;  // no test kfuncs registered
  auto obj = rt.open(obj_path("module"));
  ASSERT_TRUE(obj.ok());
  Error e = obj->load();
  EXPECT_EQ(e.code(), -ESRCH);
  EXPECT_THAT(e.message(), HasSubstr("extern (func ksym) 'test_mod_twice': not found in kernel or module BTFs"));
}

}  // namespace
}  // namespace hostbpf::test
