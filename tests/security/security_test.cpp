// Attempts on the sandbox, as a hostile BPF object would make them (SECURITY.md
// lists them): each must fail with the kernel's error or a clear one, and
// what should still work must keep working.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "hostbpf/hostbpf.h"
#include "../cli/run_cli.h"

namespace hostbpf {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string object(const char* name) { return std::string(HOSTBPF_TEST_BINARY_DIR) + "/" + name; }

Object open_object(Runtime& rt, const char* name) {
  auto obj = rt.open(object(name));
  EXPECT_TRUE(obj.ok()) << obj.error().message();
  return obj.ok() ? *obj : Object();
}

Program program(const Object& obj, const char* name) {
  auto p = obj.program(name);
  EXPECT_TRUE(p.ok()) << p.error().message();
  return p.ok() ? *p : Program();
}

// ---- prog arrays: a tail call never changes the program type ----

TEST(SecurityProgArray, EscapeThroughASyscallProgramIsRefusedAtLoad) {
  Runtime rt;
  Object obj = open_object(rt, "escape.bpf.o");
  Error err = obj.load();
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), -EINVAL);
  EXPECT_THAT(err.message(), AllOf(HasSubstr("prog 'rewrite_ctx'"),
                                   HasSubstr("Sleepable programs can only use array, hash, ringbuf and local "
                                             "storage maps")));
  EXPECT_FALSE(obj.loaded());
}

TEST(SecurityProgArray, EscapeThroughATcProgramIsRefusedAtLoad) {
  Runtime rt;
  Object obj = open_object(rt, "escape_tc.bpf.o");
  Error err = obj.load();
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), -EINVAL);
  EXPECT_THAT(err.message(), AllOf(HasSubstr("map 'to_tc': slot 0: prog 'set_mark'"), HasSubstr("is sched_cls"),
                                   HasSubstr("the prog array's programs are xdp")));
}

TEST(SecurityProgArray, TheCliRefusesTheEscapeWithAnError) {
  const std::string packet(28, '0');  // 14 bytes
  struct {
    const char* obj;
    const char* message;
  } cases[] = {{"escape.bpf.o", "Sleepable programs can only use"}, {"escape_tc.bpf.o", "map 'to_tc': slot 0"}};
  for (const auto& c : cases) {
    auto r = run_cli("prog run " + object(c.obj) + " --prog entry --data-hex " + packet);
    EXPECT_EQ(r.status, 1) << c.obj << ": " << r.err;  // an error, not a signal
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.obj;
  }
}

TEST(SecurityProgArray, TheFirstProgramToUseAnArrayOwnsIt) {
  Runtime rt;
  Object obj = open_object(rt, "shared_array.bpf.o");
  Error err = obj.load();
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), -EINVAL);
  EXPECT_THAT(err.message(), AllOf(HasSubstr("prog 'from_tc'"),
                                   HasSubstr("map 'jmp': the program is sched_cls, but the prog array's programs "
                                             "are xdp")));
  // Either program alone is fine.
  for (const char* skip : {"from_xdp", "from_tc"}) {
    Object one = open_object(rt, "shared_array.bpf.o");
    ASSERT_FALSE(program(one, skip).set_autoload(false));
    EXPECT_FALSE(one.load()) << "without " << skip;
    // The one left out did not load: it does not run, and try_run says why.
    auto tried = program(one, skip).try_run(nullptr);
    ASSERT_FALSE(tried.ok());
    EXPECT_EQ(tried.error().code(), -EINVAL);
    EXPECT_THAT(tried.error().message(), HasSubstr("is not loaded"));
  }
}

struct HostUpdate : ::testing::Test {
  void SetUp() override {
    obj = open_object(rt, "host_update.bpf.o");
    ASSERT_FALSE(obj.load());
    auto m = obj.map("jmp");
    ASSERT_TRUE(m.ok());
    jmp = *m;
  }
  uint32_t id(const char* name) { return program(obj, name).id(); }
  uint64_t dispatch() {
    std::array<uint8_t, 14> pkt{};
    auto r = program(obj, "dispatch").test_run({.data_in = pkt.data(), .data_size_in = pkt.size()});
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? r->retval : 0;
  }
  Runtime rt;
  Object obj;
  Map jmp;
};

TEST_F(HostUpdate, ProgramsOfTheOwnersKindAreAccepted) {
  EXPECT_EQ(dispatch(), 1u);
  ASSERT_FALSE(jmp.update(uint32_t{0}, id("target_xdp")));
  EXPECT_EQ(dispatch(), 7u);
  // Another object's program of the same kind is fine too.
  Object other = open_object(rt, "host_update.bpf.o");
  ASSERT_FALSE(other.load());
  ASSERT_FALSE(jmp.update(uint32_t{0}, program(other, "target_xdp").id()));
  EXPECT_EQ(dispatch(), 7u);
}

TEST_F(HostUpdate, ProgramsOfAnotherKindAreRefusedNamingBoth) {
  struct Case {
    const char* prog;
    const char* kind;
  } cases[] = {
      {"target_tc", "is sched_cls,"},
      {"target_frags", "is xdp (frags, attach type xdp),"},
      {"target_devmap", "is xdp (attach type xdp_devmap),"},
  };
  for (const Case& c : cases) {
    Error err = jmp.update(uint32_t{2}, id(c.prog));
    ASSERT_TRUE(err) << c.prog;
    EXPECT_EQ(err.code(), -EINVAL);
    EXPECT_THAT(err.message(), AllOf(HasSubstr("map 'jmp': slot 2: prog '" + std::string(c.prog) + "'"),
                                     HasSubstr(c.kind), HasSubstr("the prog array's programs are xdp (attach type xdp)")));
  }
  uint32_t out = 0;
  EXPECT_EQ(jmp.lookup(uint32_t{2}, &out).code(), -ENOENT);
}

TEST_F(HostUpdate, AnUnverifiedProgramNeverJoinsVerifiedOnes) {
  const Insn ret7[] = {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 7}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
  RawProgramOptions ro;
  ro.name = "raw_xdp";
  ro.type = ProgType::Xdp;
  ro.unsafe_skip_verification = true;
  auto raw = rt.load_raw(ret7, ro);
  ASSERT_TRUE(raw.ok()) << raw.error().message();
  Error err = jmp.update(uint32_t{0}, raw->id());
  ASSERT_TRUE(err);
  EXPECT_THAT(err.message(), HasSubstr("prog 'raw_xdp'"));
  EXPECT_THAT(err.message(), HasSubstr("unverified"));
  EXPECT_EQ(dispatch(), 1u);
}

TEST_F(HostUpdate, UnknownIdsAndBadSlotsAreNamed) {
  Error err = jmp.update(uint32_t{0}, uint32_t{0xfffffff0});
  EXPECT_EQ(err.code(), -EINVAL);
  EXPECT_THAT(err.message(), HasSubstr("no loaded program has id 4294967280"));
  err = jmp.update(uint32_t{4}, id("target_xdp"));
  EXPECT_EQ(err.code(), -E2BIG);
  EXPECT_THAT(err.message(), HasSubstr("slot 4 is out of range"));
}

TEST(SecurityProgArray, ACallbackCannotTailCall) {
  Runtime rt;
  auto obj = rt.open(std::string(HOSTBPF_CORPUS_DIR) + "/sandbox.bpf.o");
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  for (auto& p : obj->programs()) ASSERT_FALSE(p.set_autoload(p.name() == "callback_tail_calls"));
  Error err = obj->load();
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), -EFAULT);
  EXPECT_THAT(err.message(), HasSubstr("tail_call is not allowed in callbacks"));
}

// ---- contexts: pointers come from the runtime ----

TEST(SecurityContext, XdpPacketPointersComeFromTheRuntimeNotFromXdpMdSlots) {
  Runtime rt;
  Object obj = open_object(rt, "contexts.bpf.o");
  ASSERT_FALSE(obj.load());
  Program p = program(obj, "stamp_packet");
  std::vector<uint8_t> buf(64, 0xee);  // on the heap: an address no u32 can hold on x86-64
  XdpContext ctx;
  // What a program that could write an xdp_md would put there: never read.
  ctx.data_off = 0x1000;
  ctx.data_end_off = 0x2000;
  ctx.data_meta_off = 0x1000;
  ctx.data_meta = buf.data();
  ctx.data = buf.data() + 8;
  ctx.data_end = buf.data() + 40;
  ctx.ingress_ifindex = 0xabcd;
  EXPECT_EQ(p.run(&ctx), (8u << 16) | 32u);
  uint32_t stamped;
  std::memcpy(&stamped, buf.data() + 8, 4);
  EXPECT_EQ(stamped, 0xabcdu);
  EXPECT_EQ(buf[7], 0xee);
  EXPECT_EQ(buf[12], 0xee);
  // The xlated program reads the 64-bit pointers of XdpContext.
  EXPECT_THAT(p.dump_xlated(), HasSubstr("= *(u64 *)(r1 +24)"));
  EXPECT_THAT(p.dump_xlated(), HasSubstr("= *(u64 *)(r1 +40)"));
}

TEST(SecurityContext, XdpTestRunsBuildTheContextThemselves) {
  Runtime rt;
  Object obj = open_object(rt, "contexts.bpf.o");
  ASSERT_FALSE(obj.load());
  Program p = program(obj, "stamp_packet");
  std::vector<uint8_t> pkt(20, 0x11), out(20);
  struct xdp_md md {};
  md.data = 4;  // 4 bytes of metadata
  md.data_end = 20;
  md.ingress_ifindex = 3;
  auto r = p.test_run({.ctx_in = &md, .ctx_size_in = sizeof md, .data_in = pkt.data(), .data_size_in = pkt.size(),
                       .data_out = out.data(), .data_size_out = out.size()});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->retval, (4u << 16) | 16u);
  uint32_t stamped;
  std::memcpy(&stamped, out.data() + 4, 4);
  EXPECT_EQ(stamped, 3u);
}

TEST(SecurityContext, ATypeWithoutARuntimeContextDoesNotRun) {
  Runtime rt;
  Object obj = open_object(rt, "contexts.bpf.o");
  ASSERT_FALSE(obj.load());
  Program p = program(obj, "read_skb_data");
  // A __sk_buff's data field is a u32 the program would trust as a pointer.
  std::array<uint32_t, 64> skb{};
  skb[19] = 0x1000;  // offsetof(struct __sk_buff, data) / 4
  skb[20] = 0x2000;
  EXPECT_EQ(p.run(skb.data()), static_cast<uint64_t>(-EOPNOTSUPP));
  auto tried = p.try_run(skb.data());
  ASSERT_FALSE(tried.ok());
  EXPECT_EQ(tried.error().code(), -EOPNOTSUPP);
  EXPECT_THAT(tried.error().message(), HasSubstr("cannot run: it reads packet pointers"));
  Error err = p.test_run({}).error();
  EXPECT_EQ(err.code(), -EOPNOTSUPP);
  EXPECT_THAT(err.message(), HasSubstr("prog 'read_skb_data' (section 'tc') cannot run: it reads packet pointers"));
}

TEST(SecurityContext, AnUnverifiedXdpProgramDoesNotRun) {
  Runtime rt;
  Object obj = open_object(rt, "contexts.bpf.o");
  ASSERT_FALSE(obj.load({.unsafe_skip_verification = true}));
  Program p = program(obj, "stamp_packet");
  XdpContext ctx;  // what it would misread: no rewrite without the verifier's facts
  EXPECT_EQ(p.run(&ctx), static_cast<uint64_t>(-EOPNOTSUPP));
  EXPECT_EQ(p.try_run(&ctx).error().code(), -EOPNOTSUPP);
  std::array<uint8_t, 14> pkt{};
  Error err = p.test_run({.data_in = pkt.data(), .data_size_in = pkt.size()}).error();
  EXPECT_EQ(err.code(), -EOPNOTSUPP);
  EXPECT_THAT(err.message(), HasSubstr("loaded without verification"));
}

// ---- run time: what the verifier assumed must hold when the program runs ----

TEST(SecurityRun, ATestRunContextSmallerThanWhatTheProgramReadsIsRefused) {
  Runtime rt;
  Object obj = open_object(rt, "runtime.bpf.o");
  ASSERT_FALSE(obj.load());
  Program p = program(obj, "read_far");
  std::array<uint64_t, 16> ctx{};
  ctx[15] = 42;
  auto small = p.test_run({.ctx_in = ctx.data(), .ctx_size_in = 120});
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().code(), -EINVAL);
  EXPECT_THAT(small.error().message(), HasSubstr("ctx of 120 bytes is smaller than the 128 bytes the program accesses"));
  EXPECT_FALSE(p.test_run({}).ok());
  // Any alignment is fine: the run works on its own copy.
  std::vector<uint8_t> odd(129);
  std::memcpy(odd.data() + 1, ctx.data(), 128);
  auto r = p.test_run({.ctx_in = odd.data() + 1, .ctx_size_in = 128});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->retval, 42u);
}

TEST(SecurityRun, XdpTestRunsRefusePacketsAndContextsThatDoNotFit) {
  Runtime rt;
  Object obj = open_object(rt, "contexts.bpf.o");
  ASSERT_FALSE(obj.load());
  Program p = program(obj, "stamp_packet");
  std::vector<uint8_t> pkt(4096);
  EXPECT_EQ(p.test_run({.data_in = pkt.data(), .data_size_in = 13}).error().code(), -EINVAL);
  EXPECT_EQ(p.test_run({.data_in = pkt.data(), .data_size_in = 4096}).error().code(), -EINVAL);
  struct xdp_md md {};
  md.data_end = 20;  // says 20 bytes, but 30 are given
  EXPECT_EQ(p.test_run({.ctx_in = &md, .ctx_size_in = sizeof md, .data_in = pkt.data(), .data_size_in = 30})
                .error()
                .code(),
            -EINVAL);
  md.data_end = 30;
  md.data = 31;  // metadata longer than the packet
  EXPECT_EQ(p.test_run({.ctx_in = &md, .ctx_size_in = sizeof md, .data_in = pkt.data(), .data_size_in = 30})
                .error()
                .code(),
            -EINVAL);
  EXPECT_EQ(p.test_run({.ctx_in = &md, .ctx_size_in = 8, .data_in = pkt.data(), .data_size_in = 30}).error().code(),
            -EINVAL);
}

TEST(SecurityRun, HelpersGivenBadAddressesFailWithoutFaulting) {
  std::string trace;
  RuntimeOptions ro;
  ro.trace = [&trace](std::string_view line) { trace += std::string(line) + "\n"; };
  Runtime rt(ro);
  Object obj = open_object(rt, "runtime.bpf.o");
  ASSERT_FALSE(obj.load());
  auto r = program(obj, "probe_bad_addresses").test_run({});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->retval, 0u);
  EXPECT_THAT(trace, HasSubstr("bad string: "));
}

TEST(SecurityRun, LoopsPastTheKernelsLimitAreRefused) {
  Runtime rt;
  Object obj = open_object(rt, "runtime.bpf.o");
  ASSERT_FALSE(obj.load());
  auto r = program(obj, "loop_too_long").test_run({});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(static_cast<int32_t>(r->retval), -E2BIG);
}

TEST(SecurityRun, AProgramKeepsItsMapsAliveAfterItsObjectIsGone) {
  Runtime rt;
  Program p;
  {
    Object obj = open_object(rt, "runtime.bpf.o");
    ASSERT_FALSE(obj.load());
    p = program(obj, "count");
  }
  EXPECT_EQ(p.run(nullptr), 1u);
  EXPECT_EQ(p.run(nullptr), 2u);
}

}  // namespace
}  // namespace hostbpf
